"""Records absent from a full export of an org: the ids seen, what is absent, deleting it.

The ids an export names go to a temporary table of the connection that will prune (not
to memory: a ten-million-record export names ten million ids), and what is stored but
not named there is absent. Call all three functions on that one connection, in one
transaction; the table goes away when it commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Connection, sql

__all__ = [
    "ENTITY_DELETION_ORDER",
    "absent_records",
    "add_seen_records",
    "delete_absent_records",
    "references",
    "start_seen_records",
]

# Deleted in this order: documents first, then entities from the leaves up.
_TABLES = (
    ("documents", None),
    ("deals", "deal"),
    ("contacts", "contact"),
    ("accounts", "account"),
    ("users", "user"),
    ("teams", "team"),
)

#: Entity types from the leaves up: the order deleting them leaves nothing naming a
#: record that is gone (documents, which nothing names, go before all of them).
ENTITY_DELETION_ORDER = tuple(kind for _, kind in _TABLES if kind is not None)

# What still points at an entity; such an entity is kept, whatever the export says,
# so nothing is left naming a record that is gone.
_REFERENCED_BY: dict[str, tuple[tuple[str, str], ...]] = {
    "deals": (("documents", "deal_id"),),
    "contacts": (("documents", "contact_id"),),
    "accounts": (("contacts", "account_id"), ("deals", "account_id"), ("documents", "account_id")),
    "users": (
        ("users", "manager_id"),
        ("accounts", "owner_id"),
        ("deals", "owner_id"),
        ("documents", "owner_id"),
    ),
    "teams": (("users", "team_id"),),
}


def references(conn: Connection[Any], *, table: str, org: str, id: str) -> dict[str, int]:
    """``{table: rows}`` of what still points at entity ``id`` of ``table`` (as pruning
    counts it: a user's documents, accounts, deals and reports; an account's contacts,
    deals and documents...); empty when nothing does."""
    out: dict[str, int] = {}
    for ref, col in _REFERENCED_BY[table]:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {r} WHERE org = %s AND {c} = %s").format(
                r=sql.Identifier(ref), c=sql.Identifier(col)
            ),
            (org, id),
        ).fetchone()
        if row and row[0]:
            out[ref] = out.get(ref, 0) + int(row[0])
    return out


def start_seen_records(conn: Connection[Any]) -> None:
    """Create this transaction's (empty) table of ``(org, type, id)`` seen in the export."""
    conn.execute("CREATE TEMP TABLE seen_records (org text, type text, id text) ON COMMIT DROP")


def add_seen_records(conn: Connection[Any], *, records: Iterable[tuple[str, str, str]]) -> None:
    """Add ``(org, type, id)`` rows (types as the input names them: ``email``, ``user``...)."""
    with conn.cursor() as cur, cur.copy("COPY seen_records (org, type, id) FROM STDIN") as copy:
        for row in records:
            copy.write_row(row)


def _absent(table: str, kind: str | None) -> sql.Composed:
    # Documents are seen under their own kind (email, call, ticket); entities under theirs.
    seen_type = sql.SQL("t.kind") if kind is None else sql.Literal(kind)
    return sql.SQL(
        "SELECT t.id FROM {table} t WHERE t.org = %(org)s AND NOT EXISTS"
        " (SELECT 1 FROM seen_records s WHERE s.org = t.org AND s.type = {seen_type}"
        " AND s.id = t.id)"
    ).format(table=sql.Identifier(table), seen_type=seen_type)


def absent_records(conn: Connection[Any], *, org: str) -> list[tuple[str, str]]:
    """``(type, id)`` of every record of ``org`` stored but not seen, documents first."""
    out: list[tuple[str, str]] = []
    for table, kind in _TABLES:
        query = _absent(table, kind) + sql.SQL(" ORDER BY t.id")
        if kind is None:
            query = sql.SQL(
                "SELECT d.kind, d.id FROM documents d WHERE d.id IN ({}) AND d.org = %(org)s"
                " ORDER BY d.id"
            ).format(_absent(table, kind))
            out += [(r[0], r[1]) for r in conn.execute(query, {"org": org})]
        else:
            out += [(kind, r[0]) for r in conn.execute(query, {"org": org})]
    return out


def delete_absent_records(
    conn: Connection[Any], *, org: str
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Delete what :func:`absent_records` lists, except entities still referenced.

    Chunks and cached summaries go with their documents (foreign keys cascade), and the
    per-principal counts with the chunks (triggers).

    Returns:
        ``(deleted, kept)``, each a list of ``(type, id)``.
    """
    deleted: list[tuple[str, str]] = []
    kept: list[tuple[str, str]] = []
    for table, kind in _TABLES:
        absent = _absent(table, kind)
        if kind is None:
            rows = conn.execute(
                sql.SQL(
                    "DELETE FROM documents d WHERE d.org = %(org)s AND d.id IN ({})"
                    " RETURNING d.kind, d.id"
                ).format(absent),
                {"org": org},
            ).fetchall()
            deleted += sorted((r[0], r[1]) for r in rows)
            continue
        still_used = sql.SQL(" OR ").join(
            sql.SQL("EXISTS (SELECT 1 FROM {r} x WHERE x.org = e.org AND x.{c} = e.id)").format(
                r=sql.Identifier(ref), c=sql.Identifier(col)
            )
            for ref, col in _REFERENCED_BY[table]
        )
        rows = conn.execute(
            sql.SQL(
                "DELETE FROM {t} e WHERE e.org = %(org)s AND e.id IN ({absent})"
                " AND NOT ({still_used}) RETURNING e.id"
            ).format(t=sql.Identifier(table), absent=absent, still_used=still_used),
            {"org": org},
        ).fetchall()
        deleted += sorted((kind, r[0]) for r in rows)
        remaining = conn.execute(absent, {"org": org}).fetchall()
        kept += sorted((kind, r[0]) for r in remaining)
    return deleted, kept
