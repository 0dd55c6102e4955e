"""Vector (exact and HNSW) and keyword search over the caller's permitted chunks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import Connection, sql

from retrieval.acl import require_principals
from retrieval.filters import compile_filters
from retrieval.models import ScoredChunk, SearchFilters
from retrieval.store._shared import halfvec

__all__ = [
    "keyword_search",
    "permitted_chunks",
    "unwritten_words",
    "vector_search_exact",
    "vector_search_hnsw",
]

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
            "acl": require_principals(acl),
            "limit": limit,
            "q": halfvec(query_embedding),
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
    ranking all of it cost seconds at 100k chunks (bench.search); the vector leg
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
            "acl": require_principals(acl),
            "limit": limit,
            "text": query,
            "cap": max_candidates,
        },
    ).fetchall()
    return _hits(rows)


def permitted_chunks(conn: Connection[Any], *, org: str, acl: frozenset[str]) -> list[ScoredChunk]:
    """Every chunk the caller may see, unranked (``score`` 0.0), in document order.

    For baselines that rank the permitted set themselves (the evaluation harness's
    BM25): they get exactly the rows every search here would admit, so they cannot leak
    and need not know the sharing rules. The cost is proportional to the permitted set.
    """
    rows = conn.execute(
        sql.SQL(
            "SELECT {cols}, 0.0 FROM chunks c"
            " JOIN documents d ON d.org = c.org AND d.id = c.document_id"
            " WHERE c.org = %(org)s AND c.access && %(acl)s"
            " ORDER BY c.document_id, c.ord"
        ).format(cols=_HIT_COLUMNS),
        {"org": org, "acl": require_principals(acl)},
    ).fetchall()
    return _hits(rows)


def unwritten_words(
    conn: Connection[Any], *, org: str, acl: frozenset[str], words: Sequence[str]
) -> list[str]:
    """The words of ``words`` that no chunk the caller may see contains (by the same
    English text search as :func:`keyword_search`; a stopword is never returned).

    What the caller's records never write cannot be what they are about: a question
    "with brackenridge" that no visible record names asks about something the caller
    may not see, or that does not exist, and the two look the same.

    Example:
        >>> words = ["renewal", "zyphora"]
        >>> unwritten_words(conn, org="acme", acl=acl, words=words)  # doctest: +SKIP
        ['zyphora']
    """
    if not words:
        return []
    rows = conn.execute(
        "SELECT w FROM unnest(%(words)s::text[]) WITH ORDINALITY AS t(w, n)"
        " WHERE numnode(plainto_tsquery('english', w)) > 0 AND NOT EXISTS ("
        "  SELECT 1 FROM chunks c WHERE c.org = %(org)s"
        "   AND coalesce(c.access, '{}') && %(acl)s"
        "   AND c.tsv @@ plainto_tsquery('english', w))"
        " ORDER BY n",
        {"org": org, "acl": require_principals(acl), "words": list(words)},
    ).fetchall()
    return [r[0] for r in rows]
