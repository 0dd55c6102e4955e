"""Rules ``ticket_high_priority`` and ``ticket_sla_breach``: open tickets that need action."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from summarizers.actions.inputs import DocumentFacts
from summarizers.actions.playbook import Rule
from summarizers.actions.scope import _Candidate, _candidate, _Scope, _score
from summarizers.actions.text_helpers import (
    _day,
    _duration,
    _period,
    _short,
)


def _ticket_values(scope: _Scope, ticket: DocumentFacts, quote: str) -> dict[str, str]:
    last = ticket.last_comment_at
    return {
        "ticket": ticket.title,
        "ticket_priority": ticket.ticket_priority or "unset",
        "status": ticket.ticket_status or "open",
        "opened": _day(ticket.occurred_at.date(), scope.today),
        "age": _duration(scope.now - ticket.occurred_at),
        "last_update": _day(last.date(), scope.today) if last else "none",
        "quote": _short(quote),
    }


def _high_priority_tickets(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    priorities, bonus = rule.params["priorities"], rule.params["priority_bonus"]
    for ticket in scope.open_tickets(rule.lookback_days):
        if ticket.ticket_priority not in priorities:
            continue
        evidence = scope.lead(ticket)
        if not evidence:
            continue
        age_days = (scope.now - ticket.occurred_at) / timedelta(days=1)
        yield _candidate(
            rule,
            scope,
            ticket.document_id,
            priority=_score(rule, age_days, bonus.get(ticket.ticket_priority, 0)),
            recency=ticket.occurred_at,
            values=_ticket_values(scope, ticket, evidence[0].quote),
            evidence=evidence,
        )


def _sla_breaches(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    sla_hours, bonus = rule.params["sla_hours"], rule.params["priority_bonus"]
    for ticket in scope.open_tickets(rule.lookback_days):
        sla = timedelta(
            hours=sla_hours.get(ticket.ticket_priority, rule.params["default_sla_hours"])
        )
        overdue = scope.now - ticket.occurred_at - sla
        if overdue <= timedelta(0):
            continue
        evidence = scope.lead(ticket)
        if not evidence:
            continue
        yield _candidate(
            rule,
            scope,
            ticket.document_id,
            priority=_score(
                rule, overdue / timedelta(days=1), bonus.get(ticket.ticket_priority, 0)
            ),
            recency=ticket.occurred_at,
            values={
                **_ticket_values(scope, ticket, evidence[0].quote),
                "sla": _period(sla),
                "overdue_by": _duration(overdue),
            },
            evidence=evidence,
        )
