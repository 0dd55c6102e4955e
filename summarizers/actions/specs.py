"""Rule specs: for each playbook rule id, its detector, its own keys and its placeholders."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from summarizers.actions.playbook import (
    _BONUS,
    _DAYS,
    Rule,
    _bool,
    _Check,
    _int_in,
    _lower_texts,
    _number_in,
    _one_of,
    _table,
    _text,
    _texts,
)
from summarizers.actions.rules.calls import _declining_sentiment, _unmet_commitments
from summarizers.actions.rules.champions import _quiet_champions
from summarizers.actions.rules.competitors import _competitors
from summarizers.actions.rules.deals import _overdue_deals, _stuck_deals, _untouched_deals
from summarizers.actions.rules.emails import _unanswered_emails
from summarizers.actions.rules.tickets import _high_priority_tickets, _sla_breaches
from summarizers.actions.scope import _Candidate, _Scope
from summarizers.errors import PlaybookError
from textkit.kinds import DOCUMENT_KINDS


def _check_sentiment(key: str, params: Mapping[str, Any]) -> None:
    if params["calls"] < 2:
        raise PlaybookError(f"{key}.calls: a trend needs at least 2 calls, got {params['calls']}")


@dataclass(frozen=True)
class _RuleSpec:
    detect: Callable[[_Scope, Rule], Iterable[_Candidate]]
    params: Mapping[str, _Check]
    placeholders: frozenset[str]
    check: Callable[[str, Mapping[str, Any]], None] | None = None


def _names(*names: str) -> frozenset[str]:
    return frozenset(("account", *names))


_TICKET_NAMES = ("ticket", "ticket_priority", "status", "opened", "age", "last_update", "quote")
_DEAL_NAMES = ("deal", "stage", "amount")

_SPECS: Mapping[str, _RuleSpec] = {
    "unanswered_inbound_email": _RuleSpec(
        _unanswered_emails,
        {"after_days": _DAYS, "calls_count_as_reply": _bool},
        _names("contact", "sender_email", "subject", "date", "waited", "quote"),
    ),
    "ticket_high_priority": _RuleSpec(
        _high_priority_tickets,
        {"priorities": _lower_texts, "priority_bonus": _table(_BONUS)},
        _names(*_TICKET_NAMES),
    ),
    "ticket_sla_breach": _RuleSpec(
        _sla_breaches,
        {
            "sla_hours": _table(_number_in(0.01, 1e6)),
            "default_sla_hours": _number_in(0.01, 1e6),
            "priority_bonus": _table(_BONUS),
        },
        _names(*_TICKET_NAMES, "sla", "overdue_by"),
    ),
    "commitment_unmet": _RuleSpec(
        _unmet_commitments,
        {
            "due_within_days": _DAYS,
            "include_undated": _bool,
            "undated_due_days": _DAYS,
            "min_shared_keywords": _int_in(1, 100),
            "min_keyword_share": _number_in(0, 1),
        },
        _names("item", "owner", "call", "call_date", "due", "due_phrase"),
    ),
    "sentiment_declining": _RuleSpec(
        _declining_sentiment,
        {
            "calls": _int_in(2, 50),
            "min_drop": _number_in(0, 2),
            "negative_at_or_below": _number_in(-1, 1),
        },
        _names("calls", "scores", "first_date", "latest_date", "latest_call", "latest_score"),
        _check_sentiment,
    ),
    "competitor_mentioned": _RuleSpec(
        _competitors,
        {"names": _texts, "include_unlisted": _bool, "max_evidence": _int_in(1, 20)},
        _names("competitor", "mentions", "window", "latest_date", "latest_title", "quote"),
    ),
    "champion_quiet": _RuleSpec(
        _quiet_champions,
        {
            "attribute": _text,
            "quiet_days": _DAYS,
            "min_interactions": _int_in(1, 10_000),
            "activity_window_days": _DAYS,
        },
        _names("contact", "contact_title", "why", "last_date", "last_title", "quiet"),
    ),
    "deal_no_touch": _RuleSpec(
        _untouched_deals,
        {
            "after_days": _DAYS,
            "touch_kinds": _one_of(DOCUMENT_KINDS),
            "count_account_touches": _bool,
        },
        _names(*_DEAL_NAMES, "days", "last_touch"),
    ),
    "deal_stuck_in_stage": _RuleSpec(
        _stuck_deals,
        {"max_days_in_stage": _DAYS, "max_days_by_stage": _table(_DAYS)},
        _names(*_DEAL_NAMES, "days", "since", "limit"),
    ),
    "deal_close_date_passed": _RuleSpec(
        _overdue_deals,
        {"grace_days": _DAYS},
        _names(*_DEAL_NAMES, "close_date", "days"),
    ),
}

#: Every rule a playbook may configure.
RULE_IDS: tuple[str, ...] = tuple(_SPECS)
