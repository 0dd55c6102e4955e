"""Rule ``champion_quiet``: a champion (marked, or the most engaged contact) gone quiet."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from summarizers.actions.inputs import DocumentFacts
from summarizers.actions.playbook import Rule
from summarizers.actions.rules.emails import _on_call
from summarizers.actions.scope import _Candidate, _candidate, _Scope, _score
from summarizers.actions.text_helpers import _day, _duration, _line_by
from textkit.crm import ContactRow
from textkit.crm_words import says_yes


def _quiet_champions(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    activity = {c.id: _inbound_activity(scope, c) for c in scope.contacts}
    marked = [c for c in scope.contacts if says_yes(c.attributes.get(p["attribute"]))]
    champions = [(c, "marked champion") for c in marked] or _most_engaged(scope, activity, p)
    since = scope.now - timedelta(days=rule.lookback_days)
    for contact, why in champions:
        seen = [d for d in activity[contact.id] if d.occurred_at >= since]
        if not seen:
            continue  # nothing visible to cite
        last = seen[-1]
        quiet = scope.now - last.occurred_at
        if quiet < timedelta(days=p["quiet_days"]):
            continue
        said = _line_by(last, scope.sentences(last), contact) if last.kind == "call" else None
        evidence = scope.evidence(last, said) if said else scope.lead(last)
        if not evidence:
            continue
        yield _candidate(
            rule,
            scope,
            contact.id,
            priority=_score(rule, quiet.days - p["quiet_days"]),
            recency=last.occurred_at,
            values={
                "contact": contact.name,
                "contact_title": contact.title or "contact",
                "why": why,
                "last_date": _day(last.occurred_at.date(), scope.today),
                "last_title": last.title,
                "quiet": _duration(quiet),
            },
            evidence=evidence,
        )


def _inbound_activity(scope: _Scope, contact: ContactRow) -> list[DocumentFacts]:
    """Emails from the contact and calls they joined, oldest first."""
    out = []
    for doc in scope.documents:
        if doc.kind == "email" and doc.direction == "inbound":
            author = scope.contact_of(doc)
            if author is not None and author.id == contact.id:
                out.append(doc)
        elif doc.kind == "call" and _on_call(contact, doc):
            out.append(doc)
    return out


def _most_engaged(
    scope: _Scope, activity: Mapping[str, list[DocumentFacts]], p: Mapping[str, Any]
) -> list[tuple[ContactRow, str]]:
    since = scope.now - timedelta(days=p["activity_window_days"])
    ranked = []
    for contact in scope.contacts:
        docs = [d for d in activity[contact.id] if d.occurred_at >= since]
        if len(docs) >= p["min_interactions"]:
            ranked.append((-len(docs), -docs[-1].occurred_at.timestamp(), contact.id))
    if not ranked:
        return []
    count, _, contact_id = min(ranked)
    contact = next(c for c in scope.contacts if c.id == contact_id)
    window = _day(since.date(), scope.today)
    done = "1 email or call" if count == -1 else f"{-count} emails and calls"
    return [(contact, f"most engaged: {done} since {window}")]
