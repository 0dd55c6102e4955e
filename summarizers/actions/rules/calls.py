"""Rules ``commitment_unmet`` and ``sentiment_declining``: what call summaries show."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from typing import Any

from summarizers.actions.inputs import DocumentFacts
from summarizers.actions.playbook import Rule
from summarizers.actions.scope import _Candidate, _candidate, _Scope, _score
from summarizers.actions.text_helpers import (
    _best_match,
    _day,
    _keywords,
    _speaker_at,
)


def _unmet_commitments(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    horizon = scope.today + timedelta(days=p["due_within_days"])
    since = scope.now - timedelta(days=rule.lookback_days)
    for call, summary in scope.summaries:
        if call.occurred_at < since:
            continue
        for item in summary.action_items:
            due = item.due
            if due is None and p["include_undated"]:
                due = call.occurred_at.date() + timedelta(days=p["undated_due_days"])
            if due is None or due > horizon or _mentioned_later(scope, call, item.text, p):
                continue
            sentences = scope.sentences(call)
            evidence = scope.cited(item.citations) or scope.evidence(
                call, _best_match(call, sentences, _keywords(item.text))
            )
            if not evidence:
                continue
            owner = item.owner or _speaker_at(sentences, evidence[0].start or 0) or "the team"
            yield _candidate(
                rule,
                scope,
                f"{call.document_id}:{' '.join(item.text.lower().split())}",
                priority=_score(rule, (scope.today - due).days),
                recency=call.occurred_at,
                values={
                    "item": item.text.strip(),
                    "owner": owner,
                    "call": call.title,
                    "call_date": _day(call.occurred_at.date(), scope.today),
                    "due": _day(due, scope.today),
                    "due_phrase": _due_phrase(due, scope.today, dated=item.due is not None),
                },
                evidence=evidence,
                due=max(due, scope.today),
            )


def _due_phrase(due: date, today: date, *, dated: bool) -> str:
    when = _day(due, today)
    if not dated:
        return f"no date given, taken as due {when}"
    if due < today:
        return f"was due {when}"
    return "due today" if due == today else f"due {when}"


def _mentioned_later(
    scope: _Scope, call: DocumentFacts, text: str, params: Mapping[str, Any]
) -> bool:
    """Whether a later outbound email or call shares enough of the item's keywords.

    The heuristic: keywords are the item's words of 3+ letters without stop words,
    weekdays or months; a later document mentions the item when it shares at least
    ``min_shared_keywords`` of them (fewer if the item has fewer) and at least
    ``min_keyword_share`` of them. An item with no keywords is never taken as met.
    """
    wanted = _keywords(text)
    if not wanted:
        return False
    need = min(params["min_shared_keywords"], len(wanted))
    for later in scope.after(call):
        if later.kind == "call" or (later.kind == "email" and later.direction == "outbound"):
            shared = len(wanted & scope.keywords(later))
            if shared >= need and shared / len(wanted) >= params["min_keyword_share"]:
                return True
    return False


def _declining_sentiment(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    since = scope.now - timedelta(days=rule.lookback_days)
    window = [(c, s) for c, s in scope.summaries if c.occurred_at >= since][-p["calls"] :]
    if len(window) < p["calls"]:
        return
    scores = [s.sentiment.score for _, s in window]
    latest_call, latest = window[-1][0], window[-1][1].sentiment
    falling = all(b < a for a, b in zip(scores, scores[1:], strict=False))
    negative = latest.label == "negative" or latest.score <= p["negative_at_or_below"]
    if not (falling and negative and scores[0] - scores[-1] >= p["min_drop"]):
        return
    evidence = [e for _, s in reversed(window) for e in scope.cited(s.sentiment.citations)[:1]]
    evidence = evidence or scope.lead(latest_call)
    yield _candidate(
        rule,
        scope,
        scope.focus,
        priority=_score(rule, 0),
        recency=latest_call.occurred_at,
        values={
            "calls": str(len(window)),
            "scores": " \u2192 ".join(f"{s:+.2f}" for s in scores),
            "first_date": _day(window[0][0].occurred_at.date(), scope.today),
            "latest_date": _day(latest_call.occurred_at.date(), scope.today),
            "latest_call": latest_call.title,
            "latest_score": f"{latest.score:+.2f}",
        },
        evidence=evidence,
    )
