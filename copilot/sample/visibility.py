"""The sharing-rule oracle: which documents a user may see, stated plainly.

It shares no code with ``retrieval.acl`` or the SQL filters, so evaluation can use it as
ground truth for permissions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from textkit.kinds import DOCUMENT_KINDS

__all__ = ["DOCUMENT_TYPES", "visible_document_ids"]

#: The document record types (the text layer's kinds), under the name the sample uses.
DOCUMENT_TYPES = DOCUMENT_KINDS


def visible_document_ids(
    org_records: Iterable[Mapping[str, Any]], user_id: str, *, org: str | None = None
) -> set[str]:
    """The ids of the documents a user may see: the sharing rules, stated plainly.

    A user of org O sees a document (email, call, ticket) of org O when any holds: the
    user is an admin; the user owns it; the user is above the owner in the
    ``manager_id`` chain (any depth, as ``retrieval.acl`` grants reports); its
    visibility is ``org``; its visibility is ``team`` and the user has the owner's
    (non-null) team; ``shared_with`` holds the user's id or ``team:<user's team>``.
    Documents of other orgs are never visible. Records apply in order, so a later
    record with the same type and id replaces an earlier one and a tombstone
    (``"deleted": true``) removes it.

    Args:
        org_records: Raw canonical records, in ingest order; other orgs may be mixed in.
        user_id: The user asking.
        org: The user's org; needed only when ``user_id`` exists in several orgs.

    Returns:
        The visible document ids.

    Raises:
        ValueError: The user is unknown, or exists in several orgs and ``org`` is None.

    Example:
        >>> recs = [
        ...     {"type": "user", "org": "o", "id": "u1", "role": "rep", "team_id": "t"},
        ...     {"type": "email", "org": "o", "id": "e1", "owner_id": "u1",
        ...      "visibility": "private"},
        ... ]
        >>> visible_document_ids(recs, "u1")
        {'e1'}
    """
    latest = _latest_records(org_records)
    org = _org_of_user(latest, user_id, org)
    users = {i: r for (o, t, i), r in latest.items() if o == org and t == "user"}
    me = users[user_id]
    my_team = me.get("team_id") or None
    mine = {user_id} | ({f"team:{my_team}"} if my_team else set())
    visible = set()
    for (o, kind, doc_id), doc in latest.items():
        if o != org or kind not in DOCUMENT_TYPES:
            continue
        owner_id = str(doc.get("owner_id", ""))
        owner = users.get(owner_id, {})
        if (
            me.get("role") == "admin"
            or owner_id == user_id
            or user_id in _managers_above(users, owner_id)
            or doc.get("visibility") == "org"
            or (
                doc.get("visibility") == "team"
                and my_team is not None
                and owner.get("team_id") == my_team
            )
            or not mine.isdisjoint(str(p) for p in doc.get("shared_with") or ())
        ):
            visible.add(doc_id)
    return visible


def _latest_records(
    records: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    latest: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for rec in records:
        key = (str(rec["org"]), str(rec["type"]), str(rec["id"]))
        if rec.get("deleted") is True:
            latest.pop(key, None)
        else:
            latest[key] = rec
    return latest


def _org_of_user(
    latest: Mapping[tuple[str, str, str], Mapping[str, Any]], user_id: str, org: str | None
) -> str:
    orgs = sorted(o for (o, t, i) in latest if t == "user" and i == user_id)
    if org is not None:
        if org not in orgs:
            raise ValueError(f"unknown user {user_id!r} in org {org!r}")
        return org
    if not orgs:
        raise ValueError(f"unknown user {user_id!r}")
    if len(orgs) > 1:
        raise ValueError(f"user {user_id!r} exists in orgs {orgs}; pass org=")
    return orgs[0]


def _managers_above(users: Mapping[str, Mapping[str, Any]], user_id: str) -> set[str]:
    above: set[str] = set()
    current = users.get(user_id, {}).get("manager_id")
    while current and current not in above:  # a cyclic chain must still terminate
        above.add(current)
        current = users.get(current, {}).get("manager_id")
    return above
