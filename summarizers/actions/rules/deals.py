"""Rules ``deal_no_touch``, ``deal_stuck_in_stage`` and ``deal_close_date_passed``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

from summarizers.actions.playbook import Rule
from summarizers.actions.scope import _Candidate, _candidate, _Scope, _score
from summarizers.actions.text_helpers import (
    _as_date,
    _count,
    _day,
    _duration,
    _money,
)
from summarizers.models import Evidence
from textkit.crm import DealRow

log = logging.getLogger(__name__)


def _deal_values(scope: _Scope, deal: DealRow) -> dict[str, str]:
    return {"deal": deal.name, "stage": deal.stage, "amount": _money(deal.amount)}


def _deal_evidence(deal: DealRow, *fields: str) -> tuple[Evidence, ...]:
    """The deal record itself as evidence: the fields the rule read, as stated there."""
    facts = {
        "stage": f"stage {deal.stage}",
        "close_date": f"close date {deal.close_date.isoformat()}",
        "amount": f"amount {deal.amount:,.0f}",
        "stage_entered_at": f"stage entered {deal.attributes.get('stage_entered_at')}",
    }
    quote = f"{deal.name}: " + ", ".join(facts[f] for f in fields)
    return (Evidence(document_id=deal.id, quote=quote, record_type="deal"),)


def _deal_bonus(scope: _Scope, deal: DealRow) -> int:
    big = deal.amount >= scope.definitions.large_deal_amount
    return scope.definitions.large_deal_bonus if big else 0


def _untouched_deals(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    for deal in scope.open_deals():
        touches = [
            d
            for d in scope.documents
            if d.kind in p["touch_kinds"]
            and (d.deal_id == deal.id or (p["count_account_touches"] and d.deal_id is None))
        ]
        if not touches:
            continue  # no date to count from and nothing visible to cite
        last = touches[-1]
        idle = scope.now - last.occurred_at
        if idle < timedelta(days=p["after_days"]) or idle > timedelta(days=rule.lookback_days):
            continue
        yield _candidate(
            rule,
            scope,
            deal.id,
            priority=_score(rule, idle.days - p["after_days"], _deal_bonus(scope, deal)),
            recency=last.occurred_at,
            values={
                **_deal_values(scope, deal),
                "days": _duration(idle),
                "last_touch": f'the {last.kind} "{last.title}" on '
                f"{_day(last.occurred_at.date(), scope.today)}",
            },
            evidence=scope.lead(last),
        )


def _stuck_deals(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    for deal in scope.open_deals():
        entered = _as_date(deal.attributes.get("stage_entered_at"))
        if entered is None:
            # No stage history in the canonical record: stage age unknown, so no claim.
            log.debug("deal %s: stage age unknown, deal_stuck_in_stage skipped", deal.id)
            continue
        limit = p["max_days_by_stage"].get(deal.stage.strip().lower(), p["max_days_in_stage"])
        days = (scope.today - entered).days
        if days <= limit:
            continue
        yield _candidate(
            rule,
            scope,
            deal.id,
            priority=_score(rule, days - limit, _deal_bonus(scope, deal)),
            recency=datetime.combine(entered, time(), UTC),
            values={
                **_deal_values(scope, deal),
                "days": _count(days, "day"),
                "since": _day(entered, scope.today),
                "limit": _count(limit, "day"),
            },
            evidence=_deal_evidence(deal, "stage", "stage_entered_at"),
        )


def _overdue_deals(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    for deal in scope.open_deals():
        days = (scope.today - deal.close_date).days
        if days <= rule.params["grace_days"] or days > rule.lookback_days:
            continue
        yield _candidate(
            rule,
            scope,
            deal.id,
            priority=_score(rule, days, _deal_bonus(scope, deal)),
            recency=datetime.combine(deal.close_date, time(), UTC),
            values={
                **_deal_values(scope, deal),
                "close_date": _day(deal.close_date, scope.today),
                "days": _count(days, "day"),
            },
            evidence=_deal_evidence(deal, "stage", "close_date", "amount"),
        )
