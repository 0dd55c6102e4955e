"""The summary cache: one summary per document and engine, keyed by content hash."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

__all__ = ["get_cached_summary", "put_cached_summary"]


def get_cached_summary(
    conn: Connection[Any], *, org: str, document_id: str, engine: str, content_hash: str
) -> dict[str, Any] | None:
    """A cached summary of this exact content by this engine (RLS: visible documents only)."""
    row = conn.execute(
        "SELECT summary FROM summaries WHERE org = %s AND document_id = %s AND engine = %s"
        " AND content_hash = %s",
        (org, document_id, engine, content_hash),
    ).fetchone()
    return dict(row[0]) if row else None


def put_cached_summary(
    conn: Connection[Any],
    *,
    org: str,
    document_id: str,
    engine: str,
    content_hash: str,
    summary: dict[str, Any],
) -> None:
    """Cache ``summary`` of ``document_id`` as of ``content_hash``. Nothing is written
    when the document has since changed or been deleted (the summary was written
    outside the transaction that read it)."""
    from psycopg.types.json import Jsonb

    conn.execute(
        "INSERT INTO summaries (org, document_id, engine, content_hash, summary)"
        " SELECT %(org)s, %(id)s, %(engine)s, %(hash)s, %(summary)s WHERE EXISTS ("
        " SELECT 1 FROM documents WHERE org = %(org)s AND id = %(id)s"
        " AND content_hash = %(hash)s)"
        " ON CONFLICT (org, document_id, engine) DO UPDATE SET content_hash ="
        " EXCLUDED.content_hash, summary = EXCLUDED.summary, created_at = now()",
        {
            "org": org,
            "id": document_id,
            "engine": engine,
            "hash": content_hash,
            "summary": Jsonb(summary),
        },
    )
