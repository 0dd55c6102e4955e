"""Principals and access lists.

A principal is a prefixed string, so principals of different kinds never collide:
``owner:<id>`` (the document's owner, and everyone above them in the manager chain),
``user:<id>`` (an explicit share), ``team:<id>``, ``org`` (everyone in the tenant) and
``role:admin``. Ownership and shares are distinct kinds on purpose: a manager inherits
what their reports *own*, not what was shared with their reports.
Tenant isolation is not a principal: every query also pins the ``org`` column.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "ADMIN",
    "ORG",
    "owner_principal",
    "principals_for_user",
    "team_principal",
    "user_principal",
]

ORG = "org"
ADMIN = "role:admin"


def user_principal(user_id: str) -> str:
    return f"user:{user_id}"


def owner_principal(user_id: str) -> str:
    return f"owner:{user_id}"


def team_principal(team_id: str) -> str:
    return f"team:{team_id}"


def principals_for_user(
    *,
    user_id: str,
    role: str,
    team_id: str | None,
    reports: Iterable[str],
) -> frozenset[str]:
    """The principals a user holds right now.

    Args:
        user_id: The user.
        role: ``rep``, ``manager`` or ``admin``.
        team_id: The user's team, if any.
        reports: Every user below this one in the manager chain, transitively.

    Example:
        >>> sorted(principals_for_user(user_id="u1", role="rep", team_id="t1", reports=[]))
        ['org', 'owner:u1', 'team:t1', 'user:u1']
    """
    principals = {ORG, user_principal(user_id), owner_principal(user_id)}
    principals.update(owner_principal(r) for r in reports)
    if team_id:
        principals.add(team_principal(team_id))
    if role == "admin":
        principals.add(ADMIN)
    return frozenset(principals)
