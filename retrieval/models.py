"""Frozen value types that cross the retrieval boundary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from textkit.kinds import DOCUMENT_KINDS

__all__ = [
    "ChunkRow",
    "DocumentAccess",
    "DocumentRow",
    "ScoredChunk",
    "SearchFilters",
    "StoredDocument",
]


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
        from retrieval.acl import ADMIN, ORG, owner_principal, team_principal, user_principal

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


@dataclass(frozen=True)
class DocumentRow:
    """One email, call or ticket as the store writes it."""

    org: str
    id: str
    kind: str
    account_id: str | None
    contact_id: str | None
    deal_id: str | None
    owner_id: str
    visibility: str
    shared_with: tuple[str, ...]
    occurred_at: datetime
    title: str
    content: str
    fields: dict[str, Any]
    attributes: dict[str, Any]
    content_hash: str
    access: tuple[str, ...]


@dataclass(frozen=True)
class ChunkRow:
    """One embedded span of a document's ``content``."""

    ord: int
    char_start: int
    char_end: int
    text: str
    embedding: Any  # numpy float32 vector of the index dimension
    model_id: str


@dataclass(frozen=True)
class StoredDocument:
    """A document as read back for a caller allowed to see it."""

    id: str
    kind: str
    title: str
    content: str
    account_id: str | None
    contact_id: str | None
    deal_id: str | None
    owner_id: str
    visibility: str
    occurred_at: datetime
    fields: dict[str, Any]
    attributes: dict[str, Any]
    content_hash: str = ""


@dataclass(frozen=True)
class SearchFilters:
    """Narrowing filters. They can only remove rows from the permitted set."""

    kinds: tuple[str, ...] = ()
    account_id: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None

    def __post_init__(self) -> None:
        bad = [k for k in self.kinds if k not in DOCUMENT_KINDS]
        if bad:
            raise ValueError(f"unknown kind(s) {bad!r}; expected email, call or ticket")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError(f"date_from {self.date_from} is after date_to {self.date_to}")


@dataclass(frozen=True)
class ScoredChunk:
    """A search hit: one chunk with its document's metadata and its scores."""

    document_id: str
    ord: int
    kind: str
    title: str
    account_id: str | None
    occurred_at: datetime
    char_start: int
    char_end: int
    text: str
    score: float
    vector_rank: int | None = None
    keyword_rank: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
