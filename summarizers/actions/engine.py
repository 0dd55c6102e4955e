"""The engine: run every enabled rule over the scope, then rank and cap the candidates."""

from __future__ import annotations

from summarizers.actions.inputs import AccountContext
from summarizers.actions.playbook import Playbook
from summarizers.actions.scope import _Candidate, _Scope, _scope
from summarizers.actions.specs import _SPECS
from summarizers.models import NextBestAction


def recommend(
    context: AccountContext, playbook: Playbook, *, limit: int = 5
) -> list[NextBestAction]:
    """Up to ``limit`` next-best actions for the context, highest priority first.

    Deterministic: ties go to the most recent evidence, then rule id and subject. One
    action per rule and subject (an email's sender, a ticket, a deal, a commitment, a
    competitor, a contact); a rule's ``supersedes`` drops other rules' actions on the
    same subject, and ``max_actions`` caps how many one rule contributes.

    Args:
        context: Rows the caller may see, already permission-filtered.
        playbook: From :func:`load_playbook`.
        limit: At most this many actions (1 or more).

    Raises:
        ValueError: ``limit`` is below 1.

    Example:
        >>> from datetime import UTC, datetime
        >>> from summarizers.actions import load_playbook
        >>> ctx = AccountContext(account_id="a", account_name="A", now=datetime.now(UTC))
        >>> recommend(ctx, load_playbook())
        []
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    scope = _scope(context, playbook.definitions)
    candidates: list[_Candidate] = []
    for rule in playbook.rules.values():
        if rule.enabled:
            candidates.extend(_SPECS[rule.id].detect(scope, rule))
    return [c.build(scope.account_name) for c in _rank(candidates, scope, limit)]


def _rank(candidates: list[_Candidate], scope: _Scope, limit: int) -> list[_Candidate]:
    def order(c: _Candidate) -> tuple[int, float, str, str]:
        return (-c.priority, -c.recency.timestamp(), c.rule.id, c.subject)

    best: dict[tuple[str, str], _Candidate] = {}
    for c in sorted(candidates, key=order):
        if _evidence_in_scope(c, scope):
            best.setdefault((c.rule.id, c.subject), c)
    dropped = {(other, c.subject) for c in best.values() for other in c.rule.supersedes}
    out: list[_Candidate] = []
    per_rule: dict[str, int] = {}
    for c in sorted(best.values(), key=order):
        if (c.rule.id, c.subject) in dropped:
            continue
        if c.rule.max_actions is not None and per_rule.get(c.rule.id, 0) >= c.rule.max_actions:
            continue
        per_rule[c.rule.id] = per_rule.get(c.rule.id, 0) + 1
        out.append(c)
        if len(out) == limit:
            break
    return out


def _evidence_in_scope(candidate: _Candidate, scope: _Scope) -> bool:
    # The rules only quote scope documents; this re-check keeps that true by construction.
    for ev in candidate.evidence:
        if ev.record_type == "deal":
            if not any(d.id == ev.document_id for d in scope.deals):
                return False
            continue
        doc = scope.by_id.get(ev.document_id)
        if doc is None or ev.start is None or ev.end is None:
            return False
        if doc.content[ev.start : ev.end] != ev.quote:
            return False
    return True
