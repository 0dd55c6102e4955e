"""Chunks per principal: what the search planner sums to size a caller's permitted set.

Migration 0005 keeps ``principal_counts`` up to date with triggers on ``chunks``, in
the transaction of every write; :func:`refresh_principal_counts` recounts from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Connection

from retrieval.acl import ADMIN, require_principals

__all__ = [
    "counted_principals",
    "lock_principal_counts",
    "permitted_chunk_estimate",
    "recounted_principals",
    "refresh_principal_counts",
]


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


def lock_principal_counts(conn: Connection[Any], *, orgs: Iterable[str]) -> None:
    """Serialise writers of the same orgs' chunks until this transaction ends.

    The count triggers update shared rows (every org-visible chunk counts for ``org``);
    taking the orgs' locks first, in sorted order, keeps two multi-statement writers
    from locking those rows in opposite orders (a deadlock).
    """
    for org in sorted(set(orgs)):
        conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('principal_counts'), hashtext(%s))", (org,)
        )


def counted_principals(conn: Connection[Any], *, org: str) -> dict[str, int]:
    """``{principal: chunks}`` as ``principal_counts`` holds them for one org."""
    rows = conn.execute(
        "SELECT principal, chunks FROM principal_counts WHERE org = %s", (org,)
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}


def recounted_principals(conn: Connection[Any], *, org: str) -> dict[str, int]:
    """``{principal: chunks}`` counted afresh from the chunks of one org."""
    rows = conn.execute(
        "SELECT p, count(*) FROM chunks, unnest(access) AS p WHERE org = %s GROUP BY p", (org,)
    ).fetchall()
    return {r[0]: int(r[1]) for r in rows}
