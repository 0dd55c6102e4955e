"""The ``synthetic`` suite: the seeded CRM of :mod:`copilot.sample` asked as several roles."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from copilot.sample import DOCUMENT_TYPES, generate
from eval.datasets.common import ROLES, check_limit, parse_at, stratified
from eval.datasets.nba_oracle import (
    LABELLED_ACTION_RULES,
    account_views,
    default_playbook,
    label_rules,
)
from eval.suite import ActionScenario, GoldSpan, Query, SuiteData

__all__ = ["load_synthetic"]

_SYNTHETIC_DOCS_PER_ORG = 150
_RESTRICTED_PER_ORG = 3
# Share of unanswerable queries in a limited run (they are 4% of the full set, too few
# for a refusal rate in a small run).
_UNANSWERABLE_SHARE = 0.2
# Scenarios are also labelled this long after the last document: the sample puts every
# open deal's close date after its last document, so only a later instant has deals
# whose close date has passed.
_LATE_AS_OF = timedelta(days=30)
_QUOTED_TERM = re.compile(r'"([^"]+)"')
_CODE_TERM = re.compile(r"\b(?:TCK-\d+|SKU-[A-Z0-9]+|[A-Z]{2}-\d+)\b")
_UNKNOWN_COMPANIES = (
    "Quillmoor Aerospace",
    "Vexley Textiles",
    "Ombrant Biotech",
    "Tazwick Robotics",
    "Brindlecombe Foods",
    "Skellgarth Mining",
)
_UNKNOWN_PEOPLE = (
    "Bartholomew Quince",
    "Ottoline Ashgrove",
    "Peregrine Fennimore",
    "Wilhelmina Thistlewood",
)
_UNKNOWN_COMPANY_QUESTIONS = (
    "Is {name} pushing back on our pricing?",
    "When is the renewal for {name} due?",
    "What did {name} report about the outage last month?",
)


def load_synthetic(
    *,
    datasets_dir: Path,
    limit: int | None,
    seed: int,
    docs_per_org: int = _SYNTHETIC_DOCS_PER_ORG,
) -> SuiteData:
    """The seeded synthetic CRM with per-role queries and next-best-action scenarios.

    Each sample question is asked by one rep, one manager and one admin of its org
    (preferring users who can see at least one relevant document; a user who sees none
    gets ``answerable=False``). The sample's ``missing`` questions ask for a fact no
    document states. Per org, a few questions are asked by a rep who can see none of
    their documents (kind ``restricted``) and a few name a ticket, company or person
    that does not exist (kind ``nonexistent``). Answerable queries carry the sample's
    gold answer spans that lie in documents the asker may see. Every account is a scenario as
    of the last document, and again 30 days later, asked by the org's admin.

    Args:
        datasets_dir: Unused: the data is generated.
        limit: At most this many queries (about a fifth unanswerable) and this many
            scenarios, spread over query kinds and combinations of expected rules.
        seed: Seeds the generator and every choice made here.
        docs_per_org: Emails, calls and tickets per org.

    Returns:
        The suite; it has no summary tasks (sample calls have no human summaries).
    """
    del datasets_dir  # generated, nothing to read
    check_limit(limit)
    crm = generate(seed, docs_per_org=docs_per_org)
    visible = crm.truth().visible_document_ids
    rng = random.Random(f"synthetic:{seed}")
    users = _users_by_org(crm.records)
    queries = _synthetic_queries(crm.questions, users, visible, rng)
    queries += _restricted_queries(crm.questions, users, visible, rng)
    queries += _nonexistent_queries(crm.records, users, rng)
    scenarios = _synthetic_scenarios(crm.records, users)
    all_queries, all_scenarios = len(queries), len(scenarios)
    queries = _limit_queries(queries, limit, rng)
    scenarios = stratified(scenarios, limit, lambda s: s.expected_rules, rng)
    return SuiteData(
        name="synthetic",
        records=crm.records,
        visible=visible,
        queries=queries,
        scenarios=scenarios,
        notes=[
            f"copilot.sample.generate(seed={seed}, docs_per_org={docs_per_org}): "
            f"{len(crm.records)} records, {len(crm.questions)} questions.",
            f"{len(queries)} of {all_queries} queries: each question asked by a rep, a "
            "manager and an admin; per org also questions a rep cannot see "
            "(kind 'restricted') and about entities that do not exist ('nonexistent'); "
            "'missing' questions ask for a fact no document states.",
            "Answer grades use the sample's gold spans (offsets into the indexed content): "
            "'fact' questions ask for one value (date, amount, name, ...), scenario and "
            "keyword questions are answered by any of their gold sentences.",
            f"{len(scenarios)} of {all_scenarios} next-best-action scenarios (admin view) as "
            f"of the last document and {_LATE_AS_OF.days} days later; expected rules are "
            f"labelled from the records for {', '.join(sorted(LABELLED_ACTION_RULES))} "
            "only; other rules are unlabelled.",
            "No summary tasks: sample calls have no human reference summaries.",
        ],
    )


def _limit_queries(queries: list[Query], limit: int | None, rng: random.Random) -> list[Query]:
    """Up to ``limit`` queries, about a fifth of them unanswerable, each kind represented."""
    if limit is None or limit >= len(queries):
        return queries
    unanswerable = [q for q in queries if not q.answerable]
    budget = min(len(unanswerable), max(1, round(limit * _UNANSWERABLE_SHARE)))
    kept = stratified([q for q in queries if q.answerable], limit - budget, _kind, rng)
    kept += stratified(unanswerable, budget, _kind, rng)
    position = {q.id: n for n, q in enumerate(queries)}
    return sorted(kept, key=lambda q: position[q.id])


def _kind(query: Query) -> str:
    return query.kind


@dataclass(frozen=True)
class _OrgUser:
    id: str
    role: str


def _users_by_org(records: Iterable[Mapping[str, Any]]) -> dict[str, list[_OrgUser]]:
    out: dict[str, list[_OrgUser]] = {}
    for r in records:
        if r["type"] == "user":
            out.setdefault(r["org"], []).append(_OrgUser(r["id"], r["role"]))
    return out


def _planted_term(text: str) -> tuple[str, ...]:
    match = _QUOTED_TERM.search(text)
    if match:
        return (match.group(1),)
    match = _CODE_TERM.search(text)
    return (match.group(0),) if match else ()


def _synthetic_queries(
    questions: Sequence[Any],
    users: Mapping[str, Sequence[_OrgUser]],
    visible: Mapping[str, Mapping[str, frozenset[str]]],
    rng: random.Random,
) -> list[Query]:
    out = []
    for q in questions:
        relevant = set(q.relevant_document_ids)
        terms = _planted_term(q.text) if q.kind == "keyword" else ()
        for role in ROLES:
            of_role = sorted(u.id for u in users[q.org] if u.role == role)
            seeing = [u for u in of_role if relevant & visible[q.org][u]]
            user_id = rng.choice(seeing or of_role)
            sees = visible[q.org][user_id]
            out.append(
                Query(
                    id=f"{q.id}@{user_id}",
                    org=q.org,
                    user_id=user_id,
                    role=role,
                    text=q.text,
                    relevant=dict.fromkeys(q.relevant_document_ids, 1),
                    kind=q.kind,
                    answer_terms=terms,
                    answerable=bool(seeing),
                    gold=tuple(
                        GoldSpan(g.document_id, g.start, g.end, g.text)
                        for g in q.gold
                        if g.document_id in sees
                    ),
                    gold_fact=q.answer,
                )
            )
    return out


def _restricted_queries(
    questions: Sequence[Any],
    users: Mapping[str, Sequence[_OrgUser]],
    visible: Mapping[str, Mapping[str, frozenset[str]]],
    rng: random.Random,
) -> list[Query]:
    """Questions asked by a rep who can see none of their documents: refuse, leak nothing."""
    out = []
    for org, org_users in users.items():
        reps = sorted(u.id for u in org_users if u.role == "rep")
        candidates = []
        for q in questions:
            blind = [u for u in reps if not set(q.relevant_document_ids) & visible[org][u]]
            if q.org == org and q.answerable and blind:
                candidates.append((q, blind))
        for q, blind in rng.sample(candidates, min(_RESTRICTED_PER_ORG, len(candidates))):
            user_id = rng.choice(blind)
            out.append(
                Query(
                    id=f"{q.id}@{user_id}-restricted",
                    org=org,
                    user_id=user_id,
                    role="rep",
                    text=q.text,
                    relevant=dict.fromkeys(q.relevant_document_ids, 1),
                    kind="restricted",
                    answerable=False,
                )
            )
    return out


def _nonexistent_queries(
    records: Sequence[Mapping[str, Any]],
    users: Mapping[str, Sequence[_OrgUser]],
    rng: random.Random,
) -> list[Query]:
    """One made-up ticket, company and person per org, each asked by another role."""
    text = json.dumps(records).lower()
    companies = [c for c in _UNKNOWN_COMPANIES if c.lower() not in text]
    people = [p for p in _UNKNOWN_PEOPLE if p.lower() not in text]
    out = []
    for org, org_users in users.items():
        ticket = next(
            t
            for t in (f"TCK-{rng.randrange(10_000, 100_000)}" for _ in range(1000))
            if t.lower() not in text
        )
        company = companies.pop(rng.randrange(len(companies)))
        person = people.pop(rng.randrange(len(people)))
        asks = (
            ("rep", f"What is the status of {ticket}?"),
            ("admin", rng.choice(_UNKNOWN_COMPANY_QUESTIONS).format(name=company)),
            ("manager", f'What do we know about "{person}"?'),
        )
        for n, (role, question) in enumerate(asks, start=1):
            user_id = rng.choice(sorted(u.id for u in org_users if u.role == role))
            out.append(
                Query(
                    id=f"{org}-nonexistent-{n}",
                    org=org,
                    user_id=user_id,
                    role=role,
                    text=question,
                    relevant={},
                    kind="nonexistent",
                    answerable=False,
                )
            )
    return out


def _synthetic_scenarios(
    records: Sequence[Mapping[str, Any]], users: Mapping[str, Sequence[_OrgUser]]
) -> list[ActionScenario]:
    now = max(parse_at(r["occurred_at"]) for r in records if r["type"] in DOCUMENT_TYPES)
    views = account_views(records)
    admins = {org: min(u.id for u in us if u.role == "admin") for org, us in users.items()}
    out = []
    for (org, account_id), view in views.items():
        for label, as_of in (("now", now), (f"+{_LATE_AS_OF.days}d", now + _LATE_AS_OF)):
            out.append(
                ActionScenario(
                    id=f"{account_id}@{label}",
                    org=org,
                    user_id=admins[org],
                    account_id=account_id,
                    as_of=as_of,
                    expected_rules=label_rules(view, as_of, default_playbook()),
                )
            )
    return out
