"""Rule ``competitor_mentioned``: competitors named in recent documents or call summaries."""

from __future__ import annotations

from collections.abc import Iterator

from summarizers.actions.playbook import Rule
from summarizers.actions.scope import _Candidate, _candidate, _Scope, _score
from summarizers.actions.text_helpers import (
    _count,
    _day,
    _sentence_at,
    _short,
)
from summarizers.competitors import find_competitors
from summarizers.models import Evidence


def _competitors(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    entries: tuple[str, ...] = rule.params["names"]
    canonical = {
        alias.strip().lower(): entry.split("|")[0].strip()
        for entry in entries
        for alias in entry.split("|")
    }
    # People's names are never competitors, even in "we're also talking to Dana".
    people = [c.name for c in scope.contacts] + [w for c in scope.contacts for w in c.name.split()]
    mentions: dict[str, dict[str, Evidence]] = {}  # name -> document id -> evidence
    recent = list(scope.recent(rule.lookback_days))
    for doc in recent:
        for mention in find_competitors(doc.content, entries, exclude=people):
            if not rule.params["include_unlisted"] and mention.name.lower() not in canonical:
                continue
            [ev] = scope.evidence(doc, _sentence_at(doc, scope.sentences(doc), mention.start))
            mentions.setdefault(mention.name, {}).setdefault(doc.document_id, ev)
    recent_ids = {d.document_id for d in recent}
    for call, summary in scope.summaries:
        if call.document_id not in recent_ids:
            continue
        for competitor in summary.competitors:
            name = canonical.get(competitor.name.strip().lower(), competitor.name.strip())
            for ev in scope.cited(competitor.citations)[:1]:
                mentions.setdefault(name, {}).setdefault(ev.document_id, ev)
    for name, by_doc in sorted(mentions.items()):
        found = sorted(
            by_doc.values(),
            key=lambda e: (scope.by_id[e.document_id].occurred_at, e.document_id),
            reverse=True,
        )
        latest = scope.by_id[found[0].document_id]
        yield _candidate(
            rule,
            scope,
            name.lower(),
            priority=_score(rule, 0),
            recency=latest.occurred_at,
            values={
                "competitor": name,
                "mentions": f"in {_count(len(found), 'document')}",
                "window": _count(rule.lookback_days, "day"),
                "latest_date": _day(latest.occurred_at.date(), scope.today),
                "latest_title": latest.title,
                "quote": _short(found[0].quote),
            },
            evidence=found[: rule.params["max_evidence"]],
        )
