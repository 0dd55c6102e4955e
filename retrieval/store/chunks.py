"""Chunks and their embeddings: replacing, re-embedding, and the vector column's size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import Connection, sql

from retrieval.errors import RetrievalError
from retrieval.models import ChunkRow
from retrieval.store._shared import halfvec

__all__ = [
    "chunk_count_for_model",
    "embedding_dimension",
    "finish_rechunk",
    "iter_chunks_for_embedding",
    "rechunk_progress",
    "replace_chunks",
    "set_embedding_dimension",
    "update_chunk_embeddings",
    "write_chunks",
]

#: The ``index_state`` key that says documents are waiting to be chunked again after
#: :func:`set_embedding_dimension` (its value is the new dimension), until
#: :func:`finish_rechunk`. Nothing else shows it: no chunk of the old size is left.
_RECHUNK_KEY = "rechunk_pending_dim"


def replace_chunks(
    conn: Connection[Any], *, org: str, document_id: str, title: str, chunks: Sequence[ChunkRow]
) -> None:
    """Replace a document's chunks; metadata and access are copied from its row."""
    conn.execute("DELETE FROM chunks WHERE org = %s AND document_id = %s", (org, document_id))
    if not chunks:
        return
    with conn.cursor() as cur:
        cur.executemany(
            """
            INSERT INTO chunks (org, document_id, ord, kind, account_id, occurred_at, char_start,
                char_end, text, access, model_id, embedding, tsv)
            SELECT d.org, d.id, %(ord)s, d.kind, d.account_id, d.occurred_at, %(start)s, %(end)s,
                %(text)s, d.access, %(model_id)s, %(embedding)s,
                setweight(to_tsvector('english', d.title || ' ' || d.id), 'A')
                    || to_tsvector('english', %(text)s)
            FROM documents d WHERE d.org = %(org)s AND d.id = %(doc)s
            """,
            [
                {
                    "org": org,
                    "doc": document_id,
                    "ord": c.ord,
                    "start": c.char_start,
                    "end": c.char_end,
                    "text": c.text,
                    "model_id": c.model_id,
                    "embedding": halfvec(c.embedding),
                }
                for c in chunks
            ],
        )


# Chunks arrive by COPY into a per-session scratch table and move into ``chunks`` with
# one INSERT ... SELECT, which also copies the document's metadata and access list and
# computes the full-text vector: one statement per batch instead of one per chunk.
_STAGE = """
    CREATE TEMP TABLE IF NOT EXISTS chunk_stage (
        org text, document_id text, ord integer, char_start integer, char_end integer,
        text text, model_id text, embedding halfvec
    ) ON COMMIT DELETE ROWS
"""
_STAGE_TYPES = ["text", "text", "int4", "int4", "int4", "text", "text", "halfvec"]


def write_chunks(
    conn: Connection[Any],
    *,
    documents: Sequence[tuple[str, str]],
    chunks: Sequence[tuple[str, str, ChunkRow]],
) -> int:
    """Replace the chunks of ``documents`` (``(org, id)`` pairs) with ``chunks``.

    ``chunks`` holds ``(org, document_id, row)``; every document it names must be in
    ``documents`` and already written. Metadata and access come from the document row.

    Returns:
        The number of chunks inserted.
    """
    if not documents:
        return 0
    conn.execute(
        "DELETE FROM chunks c USING unnest(%s::text[], %s::text[]) AS d(org, id)"
        " WHERE c.org = d.org AND c.document_id = d.id",
        ([o for o, _ in documents], [i for _, i in documents]),
    )
    if not chunks:
        return 0
    conn.execute(_STAGE)
    conn.execute("TRUNCATE chunk_stage")
    with conn.cursor() as cur:
        with cur.copy(
            "COPY chunk_stage (org, document_id, ord, char_start, char_end, text, model_id,"
            " embedding) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(_STAGE_TYPES)
            for org, document_id, c in chunks:
                copy.write_row(
                    (
                        org,
                        document_id,
                        c.ord,
                        c.char_start,
                        c.char_end,
                        c.text,
                        c.model_id,
                        halfvec(c.embedding),
                    )
                )
        cur.execute(
            """
            INSERT INTO chunks (org, document_id, ord, kind, account_id, occurred_at, char_start,
                char_end, text, access, model_id, embedding, tsv)
            SELECT d.org, d.id, s.ord, d.kind, d.account_id, d.occurred_at, s.char_start,
                s.char_end, s.text, d.access, s.model_id, s.embedding,
                setweight(to_tsvector('english', d.title || ' ' || d.id), 'A')
                    || to_tsvector('english', s.text)
            FROM chunk_stage s JOIN documents d ON d.org = s.org AND d.id = s.document_id
            """
        )
        inserted = cur.rowcount
    conn.execute("TRUNCATE chunk_stage")
    return inserted


def embedding_dimension(conn: Connection[Any]) -> int:
    row = conn.execute(
        "SELECT atttypmod FROM pg_attribute"
        " WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_embedding_dimension(conn: Connection[Any], *, dim: int) -> None:
    """Change the vector column's dimension, deleting every chunk: each document must be
    chunked and embedded again, and :func:`rechunk_progress` counts them until
    :func:`finish_rechunk` says they were."""
    if not 1 <= dim <= 16000:
        raise RetrievalError(f"embedding dimension {dim} is out of range 1..16000")
    conn.execute("DROP INDEX IF EXISTS chunks_embedding_hnsw")
    conn.execute("DELETE FROM chunks")
    conn.execute(
        "INSERT INTO index_state (key, value) VALUES (%s, %s)"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        (_RECHUNK_KEY, str(dim)),
    )
    conn.execute(
        sql.SQL("ALTER TABLE chunks ALTER COLUMN embedding TYPE halfvec({})").format(
            sql.Literal(dim)
        )
    )
    conn.execute(
        "CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding halfvec_cosine_ops)"
        " WITH (m = 16, ef_construction = 64)"
    )


def rechunk_progress(conn: Connection[Any]) -> tuple[int, int] | None:
    """``(documents without chunks, all documents)`` between :func:`set_embedding_dimension`
    and :func:`finish_rechunk`; ``None`` outside them.

    A document that chunks to nothing counts as without chunks even once done.
    """
    pending = conn.execute("SELECT 1 FROM index_state WHERE key = %s", (_RECHUNK_KEY,)).fetchone()
    if pending is None:
        return None
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM chunks c"
        " WHERE c.org = d.org AND c.document_id = d.id)), count(*) FROM documents d"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def finish_rechunk(conn: Connection[Any]) -> None:
    """Record that every document was chunked again after :func:`set_embedding_dimension`."""
    conn.execute("DELETE FROM index_state WHERE key = %s", (_RECHUNK_KEY,))


def chunk_count_for_model(conn: Connection[Any], *, model_id: str) -> tuple[int, int]:
    """``(chunks embedded by model_id, all chunks)``."""
    row = conn.execute(
        "SELECT count(*) FILTER (WHERE model_id = %s), count(*) FROM chunks", (model_id,)
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def iter_chunks_for_embedding(
    conn: Connection[Any], *, not_model_id: str, batch: int = 256
) -> Iterable[list[tuple[str, str, int, str, str]]]:
    """Batches of ``(org, document_id, ord, title, text)`` not embedded by ``not_model_id``."""
    last: tuple[str, str, int] = ("", "", -1)
    while True:
        rows = conn.execute(
            "SELECT c.org, c.document_id, c.ord, d.title, c.text FROM chunks c"
            " JOIN documents d ON d.org = c.org AND d.id = c.document_id"
            " WHERE c.model_id <> %s AND (c.org, c.document_id, c.ord) > (%s, %s, %s)"
            " ORDER BY c.org, c.document_id, c.ord LIMIT %s",
            (not_model_id, *last, batch),
        ).fetchall()
        if not rows:
            return
        yield [(r[0], r[1], r[2], r[3], r[4]) for r in rows]
        last = (rows[-1][0], rows[-1][1], rows[-1][2])


def update_chunk_embeddings(
    conn: Connection[Any], *, rows: Sequence[tuple[str, str, int, Any]], model_id: str
) -> None:
    """Set ``(org, document_id, ord, embedding)`` rows to a new model's vectors."""
    with conn.cursor() as cur:
        cur.executemany(
            "UPDATE chunks SET embedding = %s, model_id = %s"
            " WHERE org = %s AND document_id = %s AND ord = %s",
            [(halfvec(e), model_id, o, d, n) for o, d, n, e in rows],
        )
