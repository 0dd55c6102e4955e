"""Frozen value types that cross the retrieval boundary.

Every row type the store returns is here. The CRM record shapes (``AccountRow``,
``DealRow``, ``ContactRow``) are defined once in :mod:`textkit.crm`, because summarizers
reason over the same records, and re-exported from here. ``DocumentAccess`` is an
access rule, so it lives in :mod:`retrieval.acl`; it is re-exported here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from retrieval.acl import DocumentAccess
from textkit.crm import AccountRow, ColleagueRow, ContactRow, DealRow
from textkit.kinds import DOCUMENT_KINDS

__all__ = [
    "AccountRow",
    "ChunkRow",
    "ColleagueRow",
    "ContactRow",
    "DealRow",
    "DocumentAccess",
    "DocumentRow",
    "ScoredChunk",
    "SearchFilters",
    "StoredDocument",
    "UserRow",
]


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
    #: The cosine of the query and the chunk when vector search found it (fusion keeps
    #: it: ``score`` is then a rank fusion, which says nothing absolute).
    vector_similarity: float | None = None


@dataclass(frozen=True)
class UserRow:
    """A CRM user: who they report to and their role decide their principals."""

    org: str
    id: str
    name: str
    email: str
    team_id: str | None
    manager_id: str | None
    role: str
