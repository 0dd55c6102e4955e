"""The rows the engine reads: contacts, deals, documents, and the account or deal context.

:func:`build_context` reshapes store-shaped rows (anything with ``id`` and the row's
fields, described by the ``_...Like`` protocols) into an :class:`AccountContext`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from summarizers.models import CallSummary
from textkit.kinds import DOCUMENT_KINDS, DocumentKind


def _utc(value: datetime) -> datetime:
    # A timestamp without zone is taken as UTC, as copilot.ingest.records does.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContactRow(_Row):
    """A contact of the account. ``attributes`` holds the CRM's extra fields."""

    contact_id: str
    name: str
    email: str | None = None
    title: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class DealRow(_Row):
    """A deal of the account. ``attributes.stage_entered_at`` (ISO date) dates its stage."""

    deal_id: str
    account_id: str
    name: str
    stage: str
    amount: float
    close_date: date
    owner_id: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class DocumentFacts(_Row):
    """An email, call or ticket the caller may see, as the indexer renders it.

    ``content`` is the canonical text evidence offsets index. ``fields`` is the
    indexer's: for an email ``subject``, ``from``, ``to``, ``direction``
    (``inbound``/``outbound``); for a call ``participants``; for a ticket ``subject``,
    ``status``, ``priority`` and ``comments`` (``[{author_id, at}]``).
    """

    document_id: str
    kind: DocumentKind
    title: str
    content: str
    occurred_at: datetime
    fields: dict[str, Any] = Field(default_factory=dict)
    account_id: str | None = None
    deal_id: str | None = None
    contact_id: str | None = None
    owner_id: str | None = None

    _aware = field_validator("occurred_at")(lambda cls, v: _utc(v))

    @property
    def direction(self) -> str | None:
        value = self.fields.get("direction")
        return value.lower() if isinstance(value, str) else None

    @property
    def sender(self) -> str | None:
        value = self.fields.get("from")
        return value.strip().lower() if isinstance(value, str) and value.strip() else None

    @property
    def recipients(self) -> frozenset[str]:
        value = self.fields.get("to")
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return frozenset(str(v).strip().lower() for v in values)

    @property
    def subject(self) -> str:
        value = self.fields.get("subject")
        return value if isinstance(value, str) and value else self.title

    @property
    def participants(self) -> frozenset[str]:
        value = self.fields.get("participants")
        return frozenset(str(p).strip().lower() for p in value or ()) if value else frozenset()

    @property
    def ticket_status(self) -> str:
        return str(self.fields.get("status") or "").strip().lower()

    @property
    def ticket_priority(self) -> str:
        return str(self.fields.get("priority") or "").strip().lower()

    @property
    def last_comment_at(self) -> datetime | None:
        times = []
        for comment in self.fields.get("comments") or ():
            at = comment.get("at") if isinstance(comment, Mapping) else None
            if isinstance(at, str):
                try:
                    at = datetime.fromisoformat(at)
                except ValueError:
                    continue
            if isinstance(at, datetime):
                times.append(_utc(at))
        return max(times, default=None)


class AccountContext(_Row):
    """Everything about one account the caller may see, as of ``now``.

    Documents dated after ``now`` are ignored, so a context can be replayed as of a
    past instant.
    """

    account_id: str
    account_name: str
    now: datetime
    deals: Sequence[DealRow] = ()
    documents: Sequence[DocumentFacts] = ()
    contacts: Sequence[ContactRow] = ()
    call_summaries: Mapping[str, CallSummary] = Field(
        default_factory=dict, description="Summaries of calls, by document id."
    )

    _aware = field_validator("now")(lambda cls, v: _utc(v))

    @model_validator(mode="after")
    def _unique_ids(self) -> AccountContext:
        seen: set[str] = set()
        for doc in self.documents:
            if doc.document_id in seen:
                raise ValueError(f"documents: duplicate document_id {doc.document_id!r}")
            seen.add(doc.document_id)
        return self


class DealContext(AccountContext):
    """An account context with one deal in focus.

    Deal rules look at that deal only, and documents of the account's *other* deals are
    left out: what counts is the deal's own documents and the account's unattached ones.
    """

    deal_id: str

    @model_validator(mode="after")
    def _deal_is_known(self) -> DealContext:
        if not any(d.deal_id == self.deal_id for d in self.deals):
            raise ValueError(f"deal_id: {self.deal_id!r} is not among the context's deals")
        return self


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


class _AccountLike(_HasId, Protocol):
    @property
    def name(self) -> str: ...


class _DealLike(_HasId, Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def amount(self) -> float: ...
    @property
    def close_date(self) -> Any: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...


class _ContactLike(_HasId, Protocol):
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...


class _DocumentLike(_HasId, Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def deal_id(self) -> str | None: ...
    @property
    def contact_id(self) -> str | None: ...
    @property
    def owner_id(self) -> str | None: ...


def build_context(
    *,
    account: _AccountLike,
    deals: Iterable[_DealLike],
    documents: Iterable[_DocumentLike],
    contacts: Iterable[_ContactLike],
    call_summaries: Mapping[str, CallSummary],
    now: datetime,
    focus_deal_id: str | None = None,
) -> AccountContext:
    """A context from store-shaped rows (anything with ``id`` and the row's fields).

    The rows must already be the caller's visible ones; this only reshapes them.
    Documents of kinds the rules do not read (drafts) are left out.

    Returns:
        A :class:`DealContext` when ``focus_deal_id`` is given, else an
        :class:`AccountContext`.

    Raises:
        ValueError: ``focus_deal_id`` is not among ``deals``, or a row is malformed.

    Example:
        >>> from types import SimpleNamespace as Row
        >>> ctx = build_context(account=Row(id="a1", name="Northwind"), deals=[], documents=[],
        ...                     contacts=[], call_summaries={}, now=datetime(2026, 1, 1))
        >>> ctx.account_name, ctx.now.tzinfo
        ('Northwind', datetime.timezone.utc)
    """
    fields: dict[str, Any] = {
        "account_id": account.id,
        "account_name": account.name,
        "now": now,
        "deals": [
            DealRow(
                deal_id=d.id,
                account_id=d.account_id,
                name=d.name,
                stage=d.stage,
                amount=d.amount,
                close_date=d.close_date,
                owner_id=getattr(d, "owner_id", None),
                attributes=dict(d.attributes or {}),
            )
            for d in deals
        ],
        "documents": [
            DocumentFacts(
                document_id=d.id,
                kind=d.kind,  # type: ignore[arg-type]  # checked by the filter below
                title=d.title,
                content=d.content,
                occurred_at=d.occurred_at,
                fields=dict(d.fields or {}),
                account_id=d.account_id,
                deal_id=d.deal_id,
                contact_id=d.contact_id,
                owner_id=d.owner_id,
            )
            for d in documents
            if d.kind in DOCUMENT_KINDS
        ],
        "contacts": [
            ContactRow(
                contact_id=c.id,
                name=c.name,
                email=c.email,
                title=c.title,
                attributes=dict(c.attributes or {}),
            )
            for c in contacts
        ],
        "call_summaries": dict(call_summaries),
    }
    if focus_deal_id is not None:
        return DealContext(**fields, deal_id=focus_deal_id)
    return AccountContext(**fields)
