"""Principals and access lists.

A principal is a prefixed string, so principals of different kinds never collide:
``owner:<id>`` (the document's owner, and everyone above them in the manager chain),
``user:<id>`` (an explicit share), ``team:<id>``, ``org`` (everyone in the tenant) and
``role:admin``. Ownership and shares are distinct kinds on purpose: a manager inherits
what their reports *own*, not what was shared with their reports.
Tenant isolation is not a principal: every query also pins the ``org`` column.

Every access rule of the project is here, as pure functions and values:

- who may see a document (:class:`DocumentAccess`, stamped on the document and its chunks);
- which principals a user holds (:func:`principals_for_user`);
- who may see an account (:func:`account_visible`);
- that an empty access list is refused, never read as "no filter" (:func:`require_principals`).

The store reads the facts these rules need (``retrieval.store``) and the database's
row-level security policies (``migrations/0002_row_level_security.sql``) re-check the
document rule as a second line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from retrieval.errors import RetrievalError

__all__ = [
    "ADMIN",
    "ORG",
    "DocumentAccess",
    "account_visible",
    "owner_principal",
    "principals_for_user",
    "require_principals",
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


@dataclass(frozen=True)
class DocumentAccess:
    """Who may see one document, as the CRM sharing model states it.

    Managers are not listed: a manager reaches a document through the owner's
    ``owner:`` principal, which the manager's own principal set includes at query
    time, so changes to the manager chain apply without re-stamping.
    """

    owner_id: str
    owner_team_id: str | None
    visibility: str
    shared_with: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.visibility not in ("private", "team", "org"):
            raise ValueError(f"visibility must be private, team or org, got {self.visibility!r}")
        if not self.owner_id:
            raise ValueError("owner_id must not be empty")

    def to_acl(self) -> tuple[str, ...]:
        """The prefixed principals stamped on every chunk of the document."""
        acl = {ADMIN, owner_principal(self.owner_id)}
        if self.visibility == "org":
            acl.add(ORG)
        if self.visibility == "team" and self.owner_team_id:
            acl.add(team_principal(self.owner_team_id))
        for share in self.shared_with:
            if share.startswith("team:"):
                acl.add(team_principal(share.removeprefix("team:")))
            else:
                acl.add(user_principal(share))
        return tuple(sorted(acl))


def account_visible(
    *, acl: frozenset[str], owner_id: str, has_visible_document: Callable[[], bool]
) -> bool:
    """Whether a caller may see an account (its name, deals and contacts).

    An account is visible to its owner and everyone above them in the manager chain
    (``owner:`` principals), to admins, and to anyone who may see at least one of its
    documents.

    Args:
        acl: The caller's principals.
        owner_id: The account's owner.
        has_visible_document: Whether the caller may see one of the account's documents.
            Called only when ownership and role do not decide, since it costs a query.

    Example:
        >>> account_visible(acl=frozenset({"owner:u1"}), owner_id="u1",
        ...                 has_visible_document=lambda: False)
        True
        >>> account_visible(acl=frozenset({"owner:u2", "org"}), owner_id="u1",
        ...                 has_visible_document=lambda: False)
        False
    """
    if ADMIN in acl or owner_principal(owner_id) in acl:
        return True
    return has_visible_document()


def require_principals(acl: frozenset[str]) -> list[str]:
    """The access list as a sorted SQL parameter; an empty one is refused.

    Raises:
        RetrievalError: ``acl`` is empty.
    """
    # An empty access list must never mean "no filter"; it means "sees nothing" and is a bug.
    if not acl:
        raise RetrievalError("acl must name at least one principal")
    return sorted(acl)
