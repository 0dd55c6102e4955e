"""Users, the manager chain, and binding a transaction to one caller."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import Connection

from retrieval.acl import principals_for_user, require_principals
from retrieval.models import UserRow

__all__ = [
    "SERVICE_ROLE",
    "caller_principals",
    "get_user",
    "principal_reports",
    "scope_to_caller",
    "users_by_id",
]

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
        (org, require_principals(acl)),
    )


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


def caller_principals(conn: Connection[Any], *, org: str, user_id: str) -> frozenset[str] | None:
    """The user's principals (:func:`retrieval.acl.principals_for_user`), read now so
    manager-chain changes apply at once; ``None`` if the user does not exist in ``org``."""
    user = get_user(conn, org=org, user_id=user_id)
    if user is None:
        return None
    reports = principal_reports(conn, org=org, user_id=user_id)
    return principals_for_user(
        user_id=user.id, role=user.role, team_id=user.team_id, reports=reports
    )
