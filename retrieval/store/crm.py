"""The CRM's entity tables: teams, users, accounts, contacts and deals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import Connection, sql

from retrieval.acl import account_visible
from retrieval.errors import RetrievalError
from retrieval.models import AccountRow, ContactRow, DealRow
from retrieval.store.documents import has_visible_document

__all__ = [
    "ENTITY_COLUMNS",
    "account_contacts",
    "account_deals",
    "contacts_by_email",
    "delete_entity",
    "existing_ids",
    "get_account",
    "get_deal",
    "upsert_entity",
    "visible_account",
]

# Whitelisted entity tables and the columns the canonical format fills.
ENTITY_COLUMNS: dict[str, tuple[str, ...]] = {
    "teams": ("name",),
    "users": ("name", "email", "team_id", "manager_id", "role"),
    "accounts": ("name", "owner_id", "industry"),
    "contacts": ("account_id", "name", "email", "title"),
    "deals": ("account_id", "owner_id", "name", "stage", "amount", "close_date"),
}


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


def get_account(conn: Connection[Any], *, org: str, account_id: str) -> AccountRow | None:
    row = conn.execute(
        "SELECT id, name, owner_id, industry, attributes FROM accounts WHERE org = %s AND id = %s",
        (org, account_id),
    ).fetchone()
    return AccountRow(*row) if row else None


def visible_account(
    conn: Connection[Any], *, org: str, acl: frozenset[str], account_id: str
) -> AccountRow | None:
    """The account if the caller may see it (:func:`retrieval.acl.account_visible`);
    ``None`` if missing *or* not visible.

    The same two queries run either way, so its time does not tell a missing account
    from one the caller may not see (an existing one took a query more: 3 ms, which a
    client could measure).
    """
    account = get_account(conn, org=org, account_id=account_id)
    seen = has_visible_document(conn, org=org, acl=acl, account_id=account_id)
    if account is None:
        return None
    visible = account_visible(acl=acl, owner_id=account.owner_id, has_visible_document=lambda: seen)
    return account if visible else None


def caller_sees_account(
    conn: Connection[Any], *, org: str, acl: frozenset[str], account: AccountRow
) -> bool:
    """:func:`retrieval.acl.account_visible` for ``account``, the document fact read
    from the store only when ownership and role do not decide."""
    return account_visible(
        acl=acl,
        owner_id=account.owner_id,
        has_visible_document=lambda: has_visible_document(
            conn, org=org, acl=acl, account_id=account.id
        ),
    )


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
