"""Chunks per principal: what the search planner sums to size a caller's permitted set."""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from retrieval.acl import ADMIN, require_principals

__all__ = ["permitted_chunk_estimate", "refresh_principal_counts"]


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
        "   WHERE org = %(org)s AND principal = %(admin)s)"
        " FROM principal_counts WHERE org = %(org)s AND principal = ANY(%(acl)s)",
        {"org": org, "acl": require_principals(acl), "admin": ADMIN},
    ).fetchone()
    assert row is not None
    total, everything = int(row[0]), row[1]
    return min(total, int(everything)) if everything is not None else total
