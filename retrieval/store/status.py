"""Index state and the counts and sizes ``db status`` reports."""

from __future__ import annotations

from typing import Any

from psycopg import Connection, sql
from psycopg.rows import dict_row

from retrieval.store.chunks import embedding_dimension

__all__ = ["get_index_state", "index_size", "set_index_state", "status_counts"]


def get_index_state(conn: Connection[Any]) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM index_state")}


def set_index_state(conn: Connection[Any], *, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO index_state (key, value) VALUES (%s, %s)"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        (key, value),
    )


def index_size(conn: Connection[Any]) -> dict[str, Any]:
    """``{"documents": {org: n}, "chunks": {org: n}, "bytes": {relation: n}}``."""
    out: dict[str, Any] = {"documents": {}, "chunks": {}, "bytes": {}}
    for table in ("documents", "chunks"):
        for org, n in conn.execute(
            sql.SQL("SELECT org, count(*) FROM {} GROUP BY org").format(sql.Identifier(table))
        ):
            out[table][org] = int(n)
    for name, size in conn.execute(
        "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c"
        " WHERE c.relname IN ('documents', 'chunks', 'chunks_embedding_hnsw')"
        " AND c.relnamespace = 'public'::regnamespace"
    ):
        out["bytes"][name] = int(size)
    return out


def status_counts(conn: Connection[Any]) -> dict[str, Any]:
    """Row counts per table and org, models in use and index state, for ``db status``."""
    out: dict[str, Any] = {"orgs": {}}
    for table in ("teams", "users", "accounts", "contacts", "deals", "documents", "chunks"):
        for org, n in conn.execute(
            sql.SQL("SELECT org, count(*) FROM {} GROUP BY org ORDER BY org").format(
                sql.Identifier(table)
            )
        ):
            out["orgs"].setdefault(org, {})[table] = n
    out["models"] = {
        m: n for m, n in conn.execute("SELECT model_id, count(*) FROM chunks GROUP BY model_id")
    }
    out["dimension"] = embedding_dimension(conn)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            "SELECT indexrelid::regclass::text AS name,"
            " pg_size_pretty(pg_relation_size(indexrelid))"
            " AS size FROM pg_index WHERE indrelid = 'chunks'::regclass ORDER BY 1"
        )
        out["indexes"] = {r["name"]: r["size"] for r in cur.fetchall()}
    out["state"] = get_index_state(conn)
    return out
