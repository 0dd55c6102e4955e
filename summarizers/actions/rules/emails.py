"""Rule ``unanswered_inbound_email``: an inbound email nobody answered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from summarizers.actions.inputs import DocumentFacts
from summarizers.actions.playbook import Rule
from summarizers.actions.scope import _Candidate, _candidate, _Scope, _score
from summarizers.actions.text_helpers import (
    _day,
    _duration,
    _short,
    _thread,
)
from textkit.crm import ContactRow


def _unanswered_emails(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    after = timedelta(days=rule.params["after_days"])
    for email in scope.recent(rule.lookback_days, "email"):
        waited = scope.now - email.occurred_at
        if email.direction != "inbound" or waited < after:
            continue
        if _answered(scope, email, calls_count=rule.params["calls_count_as_reply"]):
            continue
        evidence = scope.lead(email)
        if not evidence:
            continue
        contact = scope.contact_of(email)
        name = contact.name if contact else email.sender or "The customer"
        yield _candidate(
            rule,
            scope,
            contact.id if contact else email.sender or email.document_id,
            priority=_score(rule, (waited - after) / timedelta(days=1)),
            recency=email.occurred_at,
            values={
                "contact": name,
                "sender_email": email.sender or "",
                "subject": email.subject,
                "date": _day(email.occurred_at.date(), scope.today),
                "waited": _duration(waited),
                "quote": _short(evidence[0].quote),
            },
            evidence=evidence,
        )


def _answered(scope: _Scope, inbound: DocumentFacts, *, calls_count: bool) -> bool:
    """A later outbound email to the sender, its contact or its thread; or a call with them."""
    sender, thread = inbound.sender, _thread(inbound.subject)
    contact = scope.contact_of(inbound)
    for later in scope.after(inbound):
        if later.kind == "email" and later.direction == "outbound":
            if sender and sender in later.recipients:
                return True
            if inbound.contact_id and later.contact_id == inbound.contact_id:
                return True
            if thread and _thread(later.subject) == thread:
                return True
        elif later.kind == "call" and calls_count and contact and _on_call(contact, later):
            return True
    return False


def _on_call(contact: ContactRow, call: DocumentFacts) -> bool:
    return contact.name.strip().lower() in call.participants
