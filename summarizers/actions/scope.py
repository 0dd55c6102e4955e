"""What the rules see: the context narrowed to the account or deal (:class:`_Scope`),
and the candidate actions they yield, scored by the playbook."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from summarizers.actions.inputs import AccountContext, DealContext, DocumentFacts
from summarizers.actions.playbook import Definitions, Rule
from summarizers.actions.text_helpers import _clip, _keywords, _lead_span, _Span
from summarizers.models import CallSummary, Citation, Evidence, NextBestAction
from textkit.crm import ContactRow, DealRow
from textkit.crm_words import is_closed_deal_stage, is_closed_ticket_status
from textkit.sentences import Sentence, segment


@dataclass
class _Scope:
    """The context narrowed to what the rules may use, with lookups."""

    account_name: str
    now: datetime
    documents: tuple[DocumentFacts, ...]  # oldest first
    deals: tuple[DealRow, ...]
    contacts: tuple[ContactRow, ...]
    summaries: tuple[tuple[DocumentFacts, CallSummary], ...]  # oldest call first
    focus: str  # "account" or the focused deal's id: the subject of account-wide rules
    definitions: Definitions
    by_id: Mapping[str, DocumentFacts] = field(default_factory=dict)
    _keyword_cache: dict[str, frozenset[str]] = field(default_factory=dict)
    _sentence_cache: dict[str, list[Sentence]] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.date()

    def recent(self, days: int, kind: str | None = None) -> Iterator[DocumentFacts]:
        since = self.now - timedelta(days=days)
        for doc in self.documents:
            if doc.occurred_at >= since and (kind is None or doc.kind == kind):
                yield doc

    def after(self, doc: DocumentFacts) -> Iterator[DocumentFacts]:
        return (d for d in self.documents if d.occurred_at > doc.occurred_at)

    def keywords(self, doc: DocumentFacts) -> frozenset[str]:
        if doc.document_id not in self._keyword_cache:
            self._keyword_cache[doc.document_id] = _keywords(doc.content)
        return self._keyword_cache[doc.document_id]

    def sentences(self, doc: DocumentFacts) -> list[Sentence]:
        if doc.document_id not in self._sentence_cache:
            self._sentence_cache[doc.document_id] = segment(doc.content)
        return self._sentence_cache[doc.document_id]

    def lead(self, doc: DocumentFacts) -> list[Evidence]:
        """The document's ask or first point, as evidence (empty for an empty document)."""
        return self.evidence(doc, _lead_span(doc, self.sentences(doc)))

    def contact_of(self, doc: DocumentFacts) -> ContactRow | None:
        sender = doc.sender
        for contact in self.contacts:
            if sender and contact.email and contact.email.strip().lower() == sender:
                return contact
        return next((c for c in self.contacts if c.id == doc.contact_id), None)

    def open_deals(self) -> Iterator[DealRow]:
        closed = self.definitions.closed_deal_stages
        return (d for d in self.deals if not is_closed_deal_stage(d.stage, closed))

    def open_tickets(self, days: int) -> Iterator[DocumentFacts]:
        closed = self.definitions.closed_ticket_statuses
        tickets = self.recent(days, "ticket")
        return (t for t in tickets if not is_closed_ticket_status(t.ticket_status, closed))

    def evidence(self, doc: DocumentFacts, span: _Span | None) -> list[Evidence]:
        if span is None:
            return []
        start, end = span
        quote = doc.content[start:end]
        return [Evidence(document_id=doc.document_id, quote=quote, start=start, end=end)]

    def cited(self, citations: Iterable[Citation]) -> list[Evidence]:
        """Citations that point into a document of the scope, re-anchored if they drifted."""
        out = []
        for c in citations:
            doc = self.by_id.get(c.document_id)
            if doc is None or not c.quote.strip():
                continue
            start = c.start
            if doc.content[c.start : c.end] != c.quote:
                start = doc.content.find(c.quote)
            if start >= 0:
                out += self.evidence(doc, _clip(doc.content, (start, start + len(c.quote))))
        return out


def _scope(context: AccountContext, definitions: Definitions) -> _Scope:
    focus = context.deal_id if isinstance(context, DealContext) else None
    now = context.now

    def in_scope(doc: DocumentFacts) -> bool:
        return (
            doc.account_id in (None, context.account_id)
            and doc.occurred_at <= now
            and (focus is None or doc.deal_id in (None, focus))
        )

    documents = tuple(
        sorted(filter(in_scope, context.documents), key=lambda d: (d.occurred_at, d.document_id))
    )
    by_id = {d.document_id: d for d in documents}
    summaries = tuple(
        (by_id[doc_id], summary)
        for doc_id, summary in context.call_summaries.items()
        if doc_id in by_id and by_id[doc_id].kind == "call"
    )
    deals = tuple(
        d
        for d in context.deals
        if d.account_id == context.account_id and (focus is None or d.id == focus)
    )
    return _Scope(
        account_name=context.account_name,
        now=now,
        documents=documents,
        deals=deals,
        contacts=tuple(context.contacts),
        summaries=tuple(sorted(summaries, key=lambda p: (p[0].occurred_at, p[0].document_id))),
        focus=focus or "account",
        definitions=definitions,
        by_id=by_id,
    )


@dataclass(frozen=True)
class _Candidate:
    rule: Rule
    subject: str
    priority: int
    recency: datetime
    values: Mapping[str, str]
    evidence: tuple[Evidence, ...]
    due: date | None

    def build(self, account_name: str) -> NextBestAction:
        values = {"account": account_name, **self.values}
        return NextBestAction(
            action=self.rule.action.format_map(values),
            rationale=self.rule.rationale.format_map(values),
            priority=self.priority,
            due=self.due,
            rule=self.rule.id,
            evidence=list(self.evidence),
        )


def _score(rule: Rule, days_over: float, bonus: int = 0) -> int:
    """Base priority, plus the daily boost up to ``max_priority``, plus a bonus; 0-100."""
    boosted = min(rule.priority + rule.boost_per_day * max(0.0, days_over), rule.max_priority)
    return max(0, min(100, round(boosted + bonus)))


def _due(rule: Rule, scope: _Scope) -> date | None:
    return None if rule.due_in_days is None else scope.today + timedelta(days=rule.due_in_days)


def _candidate(
    rule: Rule,
    scope: _Scope,
    subject: str,
    *,
    priority: int,
    recency: datetime,
    values: Mapping[str, str],
    evidence: Iterable[Evidence],
    due: date | None = None,
) -> _Candidate:
    return _Candidate(
        rule=rule,
        subject=subject,
        priority=priority,
        recency=recency,
        values=values,
        evidence=tuple(evidence),
        due=due if due is not None else _due(rule, scope),
    )
