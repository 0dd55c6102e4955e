"""The CRM's record shapes, shared by retrieval (which stores and reads them) and
summarizers (whose next-best-action rules reason over them).

One definition each, in the bottom layer, so the two sibling layers agree on field
names and types without importing each other. The fields are the CRM's canonical
columns, required here exactly when the canonical record (``copilot.ingest.records``)
requires them: a deal always has an owner, a contact always an email. ``attributes``
holds every extra field the CRM sent, as stored JSON. Its values
are typed ``object`` on purpose: they are whatever JSON the CRM sent, so a reader narrows
them (``isinstance``) before use. (A recursive JSON alias would be more precise, but
pydantic cannot build a schema for one without ``typing_extensions.TypeAliasType``, and
summarizers validate these rows inside pydantic models.)

Example:
    >>> from datetime import date
    >>> deal = DealRow(id="d1", account_id="a1", owner_id="u1", name="Northwind - renewal",
    ...                stage="Proposal", amount=50_000.0, close_date=date(2026, 12, 1),
    ...                attributes={"stage_entered_at": "2026-10-01"})
    >>> deal.attributes["stage_entered_at"], dict(ContactRow("c1", "a1", "Pat", "p@x").attributes)
    ('2026-10-01', {})
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

__all__ = ["AccountRow", "ColleagueRow", "ContactRow", "DealRow"]


@dataclass(frozen=True)
class AccountRow:
    """A customer account, owned by one user (its managers inherit it)."""

    id: str
    name: str
    owner_id: str
    industry: str | None = None
    attributes: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DealRow:
    """A deal of an account. ``attributes["stage_entered_at"]`` (ISO date) dates its stage."""

    id: str
    account_id: str
    owner_id: str
    name: str
    stage: str
    amount: float
    close_date: date
    attributes: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ContactRow:
    """A person at an account. ``attributes`` may mark them, e.g. ``{"champion": true}``."""

    id: str
    account_id: str
    name: str
    email: str
    title: str | None = None
    attributes: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ColleagueRow:
    """A CRM user as a colleague sees them: who they are on our side, not their access.
    ``title`` is the CRM's job title when it sent one; ``team`` the team's name."""

    id: str
    name: str
    email: str
    role: str
    title: str | None = None
    team: str | None = None
