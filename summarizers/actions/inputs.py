"""What the engine reads: documents, and the account or deal context that holds them.

Deals and contacts are the CRM's own rows, :class:`textkit.crm.DealRow` and
:class:`textkit.crm.ContactRow` (the ones the store returns), held as they are.
:func:`build_context` puts the store's rows into an :class:`AccountContext`; only
documents are reshaped, into the engine's :class:`DocumentFacts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from summarizers.models import CallSummary
from textkit.crm import AccountRow, ContactRow, DealRow
from textkit.kinds import DOCUMENT_KINDS, DocumentKind


def _utc(value: datetime) -> datetime:
    # A timestamp without zone is taken as UTC, as copilot.ingest.records does.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


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
        if not any(d.id == self.deal_id for d in self.deals):
            raise ValueError(f"deal_id: {self.deal_id!r} is not among the context's deals")
        return self


class _DocumentLike(Protocol):
    """A document as the store reads it back (``retrieval.models.StoredDocument``), which
    this layer may not import."""

    @property
    def id(self) -> str: ...
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
    account: AccountRow,
    deals: Iterable[DealRow],
    documents: Iterable[_DocumentLike],
    contacts: Iterable[ContactRow],
    call_summaries: Mapping[str, CallSummary],
    now: datetime,
    focus_deal_id: str | None = None,
) -> AccountContext:
    """A context from the store's rows: the account, its deals, documents and contacts.

    The rows must already be the caller's visible ones. Deals and contacts are held as
    given; documents become :class:`DocumentFacts`, and those of kinds the rules do not
    read (drafts) are left out.

    Returns:
        A :class:`DealContext` when ``focus_deal_id`` is given, else an
        :class:`AccountContext`.

    Raises:
        ValueError: ``focus_deal_id`` is not among ``deals``, or a row is malformed.

    Example:
        >>> ctx = build_context(account=AccountRow(id="a1", name="Northwind", owner_id="u1"),
        ...                     deals=[], documents=[], contacts=[], call_summaries={},
        ...                     now=datetime(2026, 1, 1))
        >>> ctx.account_name, ctx.now.tzinfo
        ('Northwind', datetime.timezone.utc)
    """
    fields: dict[str, Any] = {
        "account_id": account.id,
        "account_name": account.name,
        "now": now,
        "deals": list(deals),
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
        "contacts": list(contacts),
        "call_summaries": dict(call_summaries),
    }
    if focus_deal_id is not None:
        return DealContext(**fields, deal_id=focus_deal_id)
    return AccountContext(**fields)
