"""All SQL of the project.

Functions take a psycopg connection plus keyword-only arguments and return plain values
or dataclasses. The caller owns the transaction. Every function that reads documents or
chunks for a user takes that user's ``acl`` (a non-empty set of principals) and pins the
tenant ``org``; there is no way to call them without either.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from pgvector.psycopg import HalfVector
from psycopg import Connection, sql
from psycopg.rows import dict_row

from retrieval.errors import MigrationError, RetrievalError
from retrieval.filters import compile_filters
from retrieval.models import ChunkRow, DocumentRow, ScoredChunk, SearchFilters, StoredDocument

__all__ = [
    "ENTITY_COLUMNS",
    "UserRow",
    "apply_migrations",
    "chunk_count_for_model",
    "delete_document",
    "delete_entity",
    "document_text",
    "documents_without_chunks",
    "existing_ids",
    "contacts_by_email",
    "pending_migrations",
    "document_state",
    "documents_owned_by",
    "embedding_dimension",
    "get_document",
    "get_index_state",
    "get_user",
    "get_cached_summary",
    "put_cached_summary",
    "account_documents",
    "get_account",
    "get_deal",
    "account_deals",
    "account_contacts",
    "index_size",
    "iter_chunks_for_embedding",
    "keyword_search",
    "permitted_chunk_estimate",
    "principal_reports",
    "refresh_principal_counts",
    "replace_chunks",
    "recreate_database",
    "scope_to_caller",
    "SERVICE_ROLE",
    "set_document_access",
    "set_embedding_dimension",
    "set_index_state",
    "status_counts",
    "update_chunk_embeddings",
    "upsert_document",
    "upsert_entity",
    "users_by_id",
    "vector_search_exact",
    "vector_search_hnsw",
]

log = logging.getLogger(__name__)

# Whitelisted entity tables and the columns the canonical format fills.
ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "teams": ("name",),
    "users": ("name", "email", "team_id", "manager_id", "role"),
    "accounts": ("name", "owner_id", "industry"),
    "contacts": ("account_id", "name", "email", "title"),
    "deals": ("account_id", "owner_id", "name", "stage", "amount", "close_date"),
}
DOCUMENT_TABLE = "documents"


def _halfvec(embedding: Any) -> HalfVector:
    return HalfVector(np.asarray(embedding, dtype=np.float32))


def _require_acl(acl: frozenset[str]) -> list[str]:
    # An empty access list must never mean "no filter"; it means "sees nothing" and is a bug.
    if not acl:
        raise RetrievalError("acl must name at least one principal")
    return sorted(acl)


# --------------------------------------------------------------------------- caller scope

#: The non-owner role user-facing reads run as; row-level security binds it.
SERVICE_ROLE = "copilot_service"


def scope_to_caller(conn: Connection[Any], *, org: str, acl: frozenset[str]) -> None:
    """Bind the rest of this transaction to one caller for row-level security.

    The policies of ``0002_row_level_security.sql`` read these settings. They are
    transaction-local, so a pooled connection carries nothing into the next request.
    """
    conn.execute(
        "SELECT set_config('copilot.org', %s, true),"
        " set_config('copilot.principals', %s::text[]::text, true)",
        (org, _require_acl(acl)),
    )


# --------------------------------------------------------------------------- scratch databases


def recreate_database(conn: Connection[Any], *, name: str) -> None:
    """Drop (ending its sessions) and create database ``name``; ``conn`` is autocommit."""
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --------------------------------------------------------------------------- migrations


def apply_migrations(conn: Connection[Any]) -> list[str]:
    """Apply the packaged ``migrations/NNNN_*.sql`` files not yet recorded.

    Safe to run twice and from concurrent processes: an advisory lock serialises them.

    Returns:
        The names of the migrations applied by this call.
    """
    files = sorted(
        (f for f in resources.files("retrieval.migrations").iterdir() if f.name.endswith(".sql")),
        key=lambda f: f.name,
    )
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('crm-copilot-migrations'))")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        for f in files:
            version = f.name.removesuffix(".sql")
            if version in done:
                continue
            try:
                conn.execute(f.read_text(encoding="utf-8"))  # type: ignore[arg-type]
            except Exception as err:  # noqa: BLE001 - re-raised with the file named
                raise MigrationError(f"migration {f.name!r} failed: {err}") from err
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
            applied.append(version)
    return applied


def pending_migrations(conn: Connection[Any]) -> list[str]:
    """Names of packaged migrations not yet applied (for readiness checks)."""
    names = sorted(
        f.name.removesuffix(".sql")
        for f in resources.files("retrieval.migrations").iterdir()
        if f.name.endswith(".sql")
    )
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return names
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    return [n for n in names if n not in done]


# --------------------------------------------------------------------------- entities


@dataclass(frozen=True)
class UserRow:
    org: str
    id: str
    name: str
    email: str
    team_id: str | None
    manager_id: str | None
    role: str


def upsert_entity(
    conn: Connection[Any],
    *,
    table: str,
    org: str,
    id: str,
    values: dict[str, Any],
    attributes: dict[str, Any],
) -> str:
    """Insert or update one team/user/account/contact/deal.

    Returns:
        ``"inserted"``, ``"updated"`` or ``"unchanged"``.
    """
    columns = ENTITY_COLUMNS.get(table)
    if columns is None:
        raise RetrievalError(f"unknown entity table {table!r}")
    if set(values) != set(columns):
        raise RetrievalError(f"{table}: expected columns {columns}, got {sorted(values)}")
    cols = [sql.Identifier(c) for c in columns]
    tbl = sql.Identifier(table)
    query = sql.SQL(
        "INSERT INTO {tbl} (org, id, {cols}, attributes)"
        " VALUES (%(org)s, %(id)s, {vals}, %(attrs)s)"
        " ON CONFLICT (org, id) DO UPDATE SET {sets}, attributes = EXCLUDED.attributes,"
        " updated_at = now()"
        " WHERE ({old}, {tbl}.attributes) IS DISTINCT FROM ({new}, EXCLUDED.attributes)"
        " RETURNING (xmax = 0) AS inserted"
    ).format(
        tbl=tbl,
        cols=sql.SQL(", ").join(cols),
        vals=sql.SQL(", ").join(sql.Placeholder(c) for c in columns),
        sets=sql.SQL(", ").join(sql.SQL("{c} = EXCLUDED.{c}").format(c=c) for c in cols),
        old=sql.SQL(", ").join(sql.SQL("{t}.{c}").format(t=tbl, c=c) for c in cols),
        new=sql.SQL(", ").join(sql.SQL("EXCLUDED.{c}").format(c=c) for c in cols),
    )
    from psycopg.types.json import Jsonb

    row = conn.execute(
        query, {**values, "org": org, "id": id, "attrs": Jsonb(attributes)}
    ).fetchone()
    if row is None:
        return "unchanged"
    return "inserted" if row[0] else "updated"


def delete_entity(conn: Connection[Any], *, table: str, org: str, id: str) -> bool:
    if table not in ENTITY_COLUMNS:
        raise RetrievalError(f"unknown entity table {table!r}")
    cur = conn.execute(
        sql.SQL("DELETE FROM {} WHERE org = %s AND id = %s").format(sql.Identifier(table)),
        (org, id),
    )
    return cur.rowcount > 0


def get_user(conn: Connection[Any], *, org: str, user_id: str) -> UserRow | None:
    row = conn.execute(
        "SELECT org, id, name, email, team_id, manager_id, role FROM users"
        " WHERE org = %s AND id = %s",
        (org, user_id),
    ).fetchone()
    return UserRow(*row) if row else None


def users_by_id(conn: Connection[Any], *, org: str, ids: Iterable[str]) -> dict[str, UserRow]:
    rows = conn.execute(
        "SELECT org, id, name, email, team_id, manager_id, role FROM users"
        " WHERE org = %s AND id = ANY(%s)",
        (org, list(set(ids))),
    ).fetchall()
    return {r[1]: UserRow(*r) for r in rows}


def principal_reports(conn: Connection[Any], *, org: str, user_id: str) -> list[str]:
    """Everyone below ``user_id`` in the manager chain, read now (cycle-safe)."""
    rows = conn.execute(
        """
        WITH RECURSIVE below(id, path) AS (
            SELECT id, ARRAY[%(me)s, id] FROM users WHERE org = %(org)s AND manager_id = %(me)s
            UNION ALL
            SELECT u.id, b.path || u.id FROM users u JOIN below b ON u.manager_id = b.id
            WHERE u.org = %(org)s AND NOT u.id = ANY(b.path)
        )
        SELECT DISTINCT id FROM below
        """,
        {"org": org, "me": user_id},
    ).fetchall()
    return [r[0] for r in rows]


def existing_ids(conn: Connection[Any], *, table: str, org: str, ids: Iterable[str]) -> set[str]:
    """Which of ``ids`` exist in an entity table of ``org``."""
    if table not in ENTITY_COLUMNS:
        raise RetrievalError(f"unknown entity table {table!r}")
    rows = conn.execute(
        sql.SQL("SELECT id FROM {} WHERE org = %s AND id = ANY(%s)").format(sql.Identifier(table)),
        (org, list(set(ids))),
    ).fetchall()
    return {r[0] for r in rows}


def contacts_by_email(conn: Connection[Any], *, org: str) -> dict[str, tuple[str, str]]:
    rows = conn.execute(
        "SELECT lower(email), id, account_id FROM contacts WHERE org = %s", (org,)
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


# --------------------------------------------------------------------------- documents


def document_state(
    conn: Connection[Any], *, org: str, ids: Sequence[str]
) -> dict[str, tuple[str, tuple[str, ...], str | None]]:
    """``{id: (content_hash, access, model_id of its chunks)}`` for existing documents."""
    rows = conn.execute(
        "SELECT d.id, d.content_hash, d.access,"
        " (SELECT min(c.model_id) FROM chunks c WHERE c.org = d.org AND c.document_id = d.id)"
        " FROM documents d WHERE d.org = %s AND d.id = ANY(%s)",
        (org, list(ids)),
    ).fetchall()
    return {r[0]: (r[1], tuple(r[2]), r[3]) for r in rows}


def upsert_document(conn: Connection[Any], *, doc: DocumentRow) -> None:
    """Write a document row and copy its access list and metadata onto its chunks."""
    from psycopg.types.json import Jsonb

    conn.execute(
        """
        INSERT INTO documents (org, id, kind, account_id, contact_id, deal_id, owner_id, visibility,
            shared_with, occurred_at, title, content, fields, attributes, content_hash, access)
        VALUES (%(org)s, %(id)s, %(kind)s, %(account_id)s, %(contact_id)s, %(deal_id)s,
            %(owner_id)s, %(visibility)s, %(shared_with)s, %(occurred_at)s, %(title)s,
            %(content)s, %(fields)s, %(attributes)s, %(content_hash)s, %(access)s)
        ON CONFLICT (org, id) DO UPDATE SET kind = EXCLUDED.kind, account_id = EXCLUDED.account_id,
            contact_id = EXCLUDED.contact_id, deal_id = EXCLUDED.deal_id,
            owner_id = EXCLUDED.owner_id, visibility = EXCLUDED.visibility,
            shared_with = EXCLUDED.shared_with, occurred_at = EXCLUDED.occurred_at,
            title = EXCLUDED.title, content = EXCLUDED.content, fields = EXCLUDED.fields,
            attributes = EXCLUDED.attributes, content_hash = EXCLUDED.content_hash,
            access = EXCLUDED.access, updated_at = now()
        """,
        {
            "org": doc.org,
            "id": doc.id,
            "kind": doc.kind,
            "account_id": doc.account_id,
            "contact_id": doc.contact_id,
            "deal_id": doc.deal_id,
            "owner_id": doc.owner_id,
            "visibility": doc.visibility,
            "shared_with": list(doc.shared_with),
            "occurred_at": doc.occurred_at,
            "title": doc.title,
            "content": doc.content,
            "fields": Jsonb(doc.fields),
            "attributes": Jsonb(doc.attributes),
            "content_hash": doc.content_hash,
            "access": list(doc.access),
        },
    )
    conn.execute(
        "UPDATE chunks SET access = %(access)s, kind = %(kind)s, account_id = %(account_id)s,"
        " occurred_at = %(occurred_at)s"
        " WHERE org = %(org)s AND document_id = %(id)s"
        " AND (access, kind, account_id, occurred_at) IS DISTINCT FROM"
        " (%(access)s::text[], %(kind)s, %(account_id)s, %(occurred_at)s::timestamptz)",
        {
            "org": doc.org,
            "id": doc.id,
            "access": list(doc.access),
            "kind": doc.kind,
            "account_id": doc.account_id,
            "occurred_at": doc.occurred_at,
        },
    )


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
                    "embedding": _halfvec(c.embedding),
                }
                for c in chunks
            ],
        )


def documents_without_chunks(conn: Connection[Any]) -> list[tuple[str, str]]:
    """``(org, id)`` of documents that have no chunks (after a dimension change)."""
    rows = conn.execute(
        "SELECT d.org, d.id FROM documents d WHERE NOT EXISTS"
        " (SELECT 1 FROM chunks c WHERE c.org = d.org AND c.document_id = d.id)"
        " ORDER BY d.org, d.id"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def document_text(conn: Connection[Any], *, org: str, id: str) -> tuple[str, str, str]:
    """``(kind, title, content)`` of a document, for re-chunking by the indexer."""
    row = conn.execute(
        "SELECT kind, title, content FROM documents WHERE org = %s AND id = %s", (org, id)
    ).fetchone()
    if row is None:
        raise RetrievalError(f"document {id!r} of org {org!r} does not exist")
    return row[0], row[1], row[2]


def delete_document(conn: Connection[Any], *, org: str, id: str) -> bool:
    cur = conn.execute("DELETE FROM documents WHERE org = %s AND id = %s", (org, id))
    return cur.rowcount > 0


def documents_owned_by(
    conn: Connection[Any], *, org: str, owner_ids: Iterable[str]
) -> list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]]:
    """``(id, owner_id, visibility, shared_with, access)`` of the owners' documents."""
    rows = conn.execute(
        "SELECT id, owner_id, visibility, shared_with, access FROM documents"
        " WHERE org = %s AND owner_id = ANY(%s)",
        (org, list(set(owner_ids))),
    ).fetchall()
    return [(r[0], r[1], r[2], tuple(r[3]), tuple(r[4])) for r in rows]


def set_document_access(conn: Connection[Any], *, org: str, id: str, access: Sequence[str]) -> None:
    """Re-stamp a document and its chunks in place; embeddings are untouched."""
    conn.execute(
        "UPDATE documents SET access = %s, updated_at = now() WHERE org = %s AND id = %s",
        (list(access), org, id),
    )
    conn.execute(
        "UPDATE chunks SET access = %s WHERE org = %s AND document_id = %s",
        (list(access), org, id),
    )


# Reads every column of StoredDocument, in its field order.
_SELECT_DOCUMENTS = (
    "SELECT id, kind, title, content, account_id, contact_id, deal_id, owner_id, visibility,"
    " occurred_at, fields, attributes, content_hash FROM documents"
)


def get_document(
    conn: Connection[Any], *, org: str, acl: frozenset[str], id: str
) -> StoredDocument | None:
    """The document if the caller may see it; ``None`` if missing *or* not visible."""
    row = conn.execute(
        _SELECT_DOCUMENTS + " WHERE org = %s AND id = %s AND access && %s",
        (org, id, _require_acl(acl)),
    ).fetchone()
    return StoredDocument(*row) if row else None


# --------------------------------------------------------------------------- planner support


def refresh_principal_counts(conn: Connection[Any], *, org: str) -> None:
    """Recount chunks per principal for one org (after a batch that changed chunks)."""
    conn.execute("DELETE FROM principal_counts WHERE org = %s", (org,))
    conn.execute(
        "INSERT INTO principal_counts (org, principal, chunks)"
        " SELECT org, p, count(*) FROM chunks, unnest(access) AS p WHERE org = %s GROUP BY org, p",
        (org,),
    )


def permitted_chunk_estimate(conn: Connection[Any], *, org: str, acl: frozenset[str]) -> int:
    """An upper bound on how many chunks the caller may see (sum over principals, capped)."""
    row = conn.execute(
        "SELECT coalesce(sum(chunks), 0), (SELECT chunks FROM principal_counts"
        "   WHERE org = %(org)s AND principal = 'role:admin')"
        " FROM principal_counts WHERE org = %(org)s AND principal = ANY(%(acl)s)",
        {"org": org, "acl": _require_acl(acl)},
    ).fetchone()
    assert row is not None
    total, everything = int(row[0]), row[1]
    return min(total, int(everything)) if everything is not None else total


# --------------------------------------------------------------------------- search

_HIT_COLUMNS = sql.SQL(
    "c.document_id, c.ord, c.kind, d.title, c.account_id, c.occurred_at, c.char_start,"
    " c.char_end, c.text"
)


def _hits(rows: Iterable[Sequence[Any]]) -> list[ScoredChunk]:
    return [
        ScoredChunk(
            document_id=r[0],
            ord=r[1],
            kind=r[2],
            title=r[3],
            account_id=r[4],
            occurred_at=r[5],
            char_start=r[6],
            char_end=r[7],
            text=r[8],
            score=float(r[9]),
        )
        for r in rows
    ]


def vector_search_exact(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    query_embedding: Any,
    filters: SearchFilters,
    limit: int,
) -> list[ScoredChunk]:
    """Exact nearest chunks among the permitted rows (score = cosine similarity).

    Ordering by ``distance + 0`` keeps the planner off the HNSW index (which only serves
    a bare ``ORDER BY embedding <=> q``), so it reaches the rows through the access-list
    GIN index and ranks every permitted chunk: perfect recall, at a cost proportional
    to the permitted set. Only keys and distances are sorted; text and titles are
    fetched for the winners alone.
    """
    return _nearest(
        conn,
        org=org,
        acl=acl,
        query_embedding=query_embedding,
        filters=filters,
        limit=limit,
        order=sql.SQL("(c.embedding <=> %(q)s) + 0, c.document_id, c.ord"),
    )


def vector_search_hnsw(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    query_embedding: Any,
    filters: SearchFilters,
    limit: int,
    ef_search: int,
    max_scan_tuples: int,
) -> list[ScoredChunk]:
    """Approximate nearest permitted chunks through HNSW with an iterative scan.

    The access predicate is re-checked on every row the index yields; with
    ``relaxed_order`` the scan keeps going until ``limit`` permitted rows are found or
    ``max_scan_tuples`` is reached, and the outer query restores exact distance order.
    Fewer than ``limit`` rows back means the scan gave up: the caller falls back to
    :func:`vector_search_exact`.
    """
    conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(ef_search),))
    conn.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
    conn.execute("SELECT set_config('hnsw.max_scan_tuples', %s, true)", (str(max_scan_tuples),))
    return _nearest(
        conn,
        org=org,
        acl=acl,
        query_embedding=query_embedding,
        filters=filters,
        limit=limit,
        order=sql.SQL("c.embedding <=> %(q)s"),
    )


def _nearest(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    query_embedding: Any,
    filters: SearchFilters,
    limit: int,
    order: sql.Composable,
) -> list[ScoredChunk]:
    # Only keys and distances are ranked; text and titles are joined for the winners.
    frag, params = compile_filters(filters)
    query = sql.SQL(
        "WITH nearest AS MATERIALIZED ("
        "  SELECT c.org, c.document_id, c.ord, c.embedding <=> %(q)s AS distance FROM chunks c"
        "  WHERE c.org = %(org)s AND c.access && %(acl)s {frag}"
        "  ORDER BY {order} LIMIT %(limit)s)"
        " SELECT {cols}, 1 - n.distance FROM nearest n"
        " JOIN chunks c ON c.org = n.org AND c.document_id = n.document_id AND c.ord = n.ord"
        " JOIN documents d ON d.org = c.org AND d.id = c.document_id"
        " ORDER BY n.distance, c.document_id, c.ord"
    ).format(cols=_HIT_COLUMNS, frag=frag, order=order)
    rows = conn.execute(
        query,
        {
            **params,
            "org": org,
            "acl": _require_acl(acl),
            "limit": limit,
            "q": _halfvec(query_embedding),
        },
    ).fetchall()
    return _hits(rows)


def keyword_search(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    query: str,
    filters: SearchFilters,
    limit: int,
    max_candidates: int = 2000,
) -> list[ScoredChunk]:
    """Permitted chunks containing every query term (English stemming), best first.

    AND, not OR: OR-ing the words of a natural question matches most of the corpus and
    ranking all of it cost seconds at 100k chunks (bench/search.py); the vector leg
    covers paraphrase. What this leg is for is exact names, ticket numbers and product
    codes, which AND finds precisely. At most ``max_candidates`` matches are ranked, so
    a query of very common words costs a bounded amount.
    """
    frag, params = compile_filters(filters)
    sql_query = sql.SQL(
        "WITH q AS (SELECT plainto_tsquery('english', %(text)s) AS t),"
        " matches AS MATERIALIZED ("
        "  SELECT c.org, c.document_id, c.ord, ts_rank_cd(c.tsv, q.t) AS score FROM q, chunks c"
        # coalesce() keeps the planner off the access GIN index here: for a caller with
        # hundreds of principals it would scan every permitted row and test tsv on each
        # (367 ms at 100k chunks); the tsv index finds the few matches, access filters them.
        "  WHERE numnode(q.t) > 0 AND c.org = %(org)s"
        "    AND coalesce(c.access, '{{}}') && %(acl)s {frag}"
        "    AND c.tsv @@ q.t LIMIT %(cap)s)"
        " SELECT {cols}, m.score FROM matches m"
        " JOIN chunks c ON c.org = m.org AND c.document_id = m.document_id AND c.ord = m.ord"
        " JOIN documents d ON d.org = c.org AND d.id = c.document_id"
        " ORDER BY m.score DESC, c.document_id, c.ord LIMIT %(limit)s"
    ).format(cols=_HIT_COLUMNS, frag=frag)
    rows = conn.execute(
        sql_query,
        {
            **params,
            "org": org,
            "acl": _require_acl(acl),
            "limit": limit,
            "text": query,
            "cap": max_candidates,
        },
    ).fetchall()
    return _hits(rows)


# --------------------------------------------------------------------------- summaries


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
    from psycopg.types.json import Jsonb

    conn.execute(
        "INSERT INTO summaries (org, document_id, engine, content_hash, summary)"
        " VALUES (%s, %s, %s, %s, %s)"
        " ON CONFLICT (org, document_id, engine) DO UPDATE SET content_hash ="
        " EXCLUDED.content_hash, summary = EXCLUDED.summary, created_at = now()",
        (org, document_id, engine, content_hash, Jsonb(summary)),
    )


# --------------------------------------------------------------------------- account context


@dataclass(frozen=True)
class AccountRow:
    id: str
    name: str
    owner_id: str
    industry: str | None
    attributes: dict[str, Any]


@dataclass(frozen=True)
class DealRow:
    id: str
    account_id: str
    owner_id: str
    name: str
    stage: str
    amount: float
    close_date: Any
    attributes: dict[str, Any]


@dataclass(frozen=True)
class ContactRow:
    id: str
    account_id: str
    name: str
    email: str
    title: str | None
    attributes: dict[str, Any]


def get_account(conn: Connection[Any], *, org: str, account_id: str) -> AccountRow | None:
    row = conn.execute(
        "SELECT id, name, owner_id, industry, attributes FROM accounts WHERE org = %s AND id = %s",
        (org, account_id),
    ).fetchone()
    return AccountRow(*row) if row else None


def get_deal(conn: Connection[Any], *, org: str, deal_id: str) -> DealRow | None:
    row = conn.execute(
        "SELECT id, account_id, owner_id, name, stage, amount, close_date, attributes FROM deals"
        " WHERE org = %s AND id = %s",
        (org, deal_id),
    ).fetchone()
    return _deal(row) if row else None


def account_deals(conn: Connection[Any], *, org: str, account_id: str) -> list[DealRow]:
    rows = conn.execute(
        "SELECT id, account_id, owner_id, name, stage, amount, close_date, attributes FROM deals"
        " WHERE org = %s AND account_id = %s ORDER BY id",
        (org, account_id),
    ).fetchall()
    return [_deal(r) for r in rows]


def _deal(r: Sequence[Any]) -> DealRow:
    return DealRow(
        id=r[0],
        account_id=r[1],
        owner_id=r[2],
        name=r[3],
        stage=r[4],
        amount=float(r[5]),
        close_date=r[6],
        attributes=r[7],
    )


def account_contacts(conn: Connection[Any], *, org: str, account_id: str) -> list[ContactRow]:
    rows = conn.execute(
        "SELECT id, account_id, name, email, title, attributes FROM contacts"
        " WHERE org = %s AND account_id = %s ORDER BY id",
        (org, account_id),
    ).fetchall()
    return [ContactRow(*r) for r in rows]


def account_documents(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    account_id: str,
    deal_id: str | None = None,
    limit: int = 500,
) -> list[StoredDocument]:
    """The caller's visible documents of an account (or of one deal and the account's
    documents attached to no deal), newest first."""
    rows = conn.execute(
        _SELECT_DOCUMENTS
        + " WHERE org = %(org)s AND access && %(acl)s AND account_id = %(account)s"
        # A deal's view: its own documents and the account's unattached ones (tickets
        # carry no deal); other deals' documents stay out.
        " AND (%(deal)s::text IS NULL OR deal_id = %(deal)s OR deal_id IS NULL)"
        " ORDER BY occurred_at DESC, id LIMIT %(limit)s",
        {
            "org": org,
            "acl": _require_acl(acl),
            "account": account_id,
            "deal": deal_id,
            "limit": limit,
        },
    ).fetchall()
    return [StoredDocument(*r) for r in rows]


# --------------------------------------------------------------------------- index state


def get_index_state(conn: Connection[Any]) -> dict[str, str]:
    return {k: v for k, v in conn.execute("SELECT key, value FROM index_state")}


def set_index_state(conn: Connection[Any], *, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO index_state (key, value) VALUES (%s, %s)"
        " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
        (key, value),
    )


def embedding_dimension(conn: Connection[Any]) -> int:
    row = conn.execute(
        "SELECT atttypmod FROM pg_attribute"
        " WHERE attrelid = 'chunks'::regclass AND attname = 'embedding'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def set_embedding_dimension(conn: Connection[Any], *, dim: int) -> None:
    """Change the vector column's dimension; every chunk must be re-embedded after it."""
    if not 1 <= dim <= 16000:
        raise RetrievalError(f"embedding dimension {dim} is out of range 1..16000")
    conn.execute("DROP INDEX IF EXISTS chunks_embedding_hnsw")
    conn.execute("DELETE FROM chunks")
    conn.execute(
        sql.SQL("ALTER TABLE chunks ALTER COLUMN embedding TYPE halfvec({})").format(
            sql.Literal(dim)
        )
    )
    conn.execute(
        "CREATE INDEX chunks_embedding_hnsw ON chunks USING hnsw (embedding halfvec_cosine_ops)"
        " WITH (m = 16, ef_construction = 64)"
    )


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
            [(_halfvec(e), model_id, o, d, n) for o, d, n, e in rows],
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
