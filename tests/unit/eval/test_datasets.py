"""The eval dataset loaders: canonical records, consistent labels, determinism.

The external suites read ``../shared/datasets`` (or ``$COPILOT_DATASETS_DIR``) and are
skipped where it is absent; the rest runs on generated data and small files written to
``tmp_path``. Every loader runs with a small limit, so the module takes a few seconds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import eval as eval_package
from copilot.ingest.records import parse_record
from copilot.sample import DOCUMENT_TYPES
from eval.datasets import (
    DATASETS_DIR_ENV,
    LABELLED_ACTION_RULES,
    LOADERS,
    default_datasets_dir,
    expected_action_rules,
    load_qmsum,
    load_synthetic,
)
from eval.suite import DatasetMissing, SuiteData

LIMIT = 20
SEED = 7
EXTERNAL = ("qmsum", "dialogsum", "aeslc", "stackfaq")


def _load(name: str) -> SuiteData:
    try:
        return LOADERS[name](datasets_dir=default_datasets_dir(), limit=LIMIT, seed=SEED)
    except DatasetMissing as err:
        pytest.skip(str(err))


@pytest.fixture(scope="module", params=sorted(LOADERS))
def suite(request: pytest.FixtureRequest) -> SuiteData:
    return _load(request.param)


@pytest.fixture(scope="module")
def synthetic() -> SuiteData:
    return load_synthetic(datasets_dir=Path("/nonexistent"), limit=None, seed=SEED)


def _documents(data: SuiteData) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in data.records if r["type"] in DOCUMENT_TYPES}


def _text(doc: Mapping[str, Any]) -> str:
    parts = [doc.get(k) or "" for k in ("subject", "title", "body", "transcript")]
    parts += [c["body"] for c in doc.get("comments") or ()]
    return "\n".join(str(p) for p in parts)


# --------------------------------------------------------------------------- every suite


def test_records_are_canonical_and_unique(suite: SuiteData) -> None:
    for rec in suite.records:
        parse_record(rec)
    keys = [(r["org"], r["id"]) for r in suite.records]
    assert len(keys) == len(set(keys))


def test_queries_reference_known_users_and_documents(suite: SuiteData) -> None:
    docs = _documents(suite)
    roles = {(r["org"], r["id"]): r["role"] for r in suite.records if r["type"] == "user"}
    assert len({q.id for q in suite.queries}) == len(suite.queries)
    for q in suite.queries:
        assert q.text.strip()
        assert roles[(q.org, q.user_id)] == q.role
        assert set(q.relevant) <= set(docs), q.id
        assert all(docs[d]["org"] == q.org for d in q.relevant)


def test_visible_covers_every_user_and_only_documents(suite: SuiteData) -> None:
    docs = _documents(suite)
    users = {(r["org"], r["id"]) for r in suite.records if r["type"] == "user"}
    assert {(org, u) for org, by_user in suite.visible.items() for u in by_user} == users
    for by_user in suite.visible.values():
        for ids in by_user.values():
            assert ids <= set(docs)


def test_answerable_means_the_asker_sees_a_relevant_document(suite: SuiteData) -> None:
    for q in suite.queries:
        seen = set(q.relevant) & suite.visible[q.org][q.user_id]
        assert bool(seen) == q.answerable, q.id


def test_limit_caps_the_suite(suite: SuiteData) -> None:
    assert len(suite.queries) <= LIMIT or suite.name == "qmsum"
    assert len(suite.summaries) <= LIMIT
    assert len(suite.scenarios) <= LIMIT
    meetings = [r for r in suite.records if r["type"] == "account" and r["org"] == "qmsum"]
    assert len(meetings) <= LIMIT


def test_summary_tasks_are_well_formed(suite: SuiteData) -> None:
    assert len({t.id for t in suite.summaries}) == len(suite.summaries)
    for task in suite.summaries:
        assert task.text.strip() and task.references
        assert all(ref.strip() for ref in task.references)
        assert task.kind in ("call", "email", "note")
        assert task.target in ("summary", "gist")
        assert task.occurred_at.tzinfo is not None


def test_loading_is_deterministic(suite: SuiteData) -> None:
    assert _load(suite.name) == suite


# --------------------------------------------------------------------------- missing data


@pytest.mark.parametrize("name", EXTERNAL)
def test_missing_dataset_names_the_path_and_the_env_var(name: str, tmp_path: Path) -> None:
    with pytest.raises(DatasetMissing, match=DATASETS_DIR_ENV) as err:
        LOADERS[name](datasets_dir=tmp_path, limit=5, seed=SEED)
    assert str(tmp_path / name) in str(err.value)


def test_default_datasets_dir_honours_the_env_var(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(DATASETS_DIR_ENV, str(tmp_path))
    assert default_datasets_dir() == tmp_path
    monkeypatch.delenv(DATASETS_DIR_ENV)
    repo_root = Path(eval_package.__file__).resolve().parent.parent
    assert default_datasets_dir() == repo_root.parent / "shared" / "datasets"


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_limit_below_one_is_rejected(name: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="limit"):
        LOADERS[name](datasets_dir=tmp_path, limit=0, seed=SEED)


# --------------------------------------------------------------------------- synthetic


def test_synthetic_asks_each_question_as_every_role(synthetic: SuiteData) -> None:
    roles: dict[str, set[str]] = {}
    for q in synthetic.queries:
        if q.kind in ("semantic", "keyword"):
            roles.setdefault(q.id.split("@")[0], set()).add(q.role)
    assert roles and all(r == {"rep", "manager", "admin"} for r in roles.values())


def test_synthetic_keyword_terms_are_in_every_relevant_document(synthetic: SuiteData) -> None:
    docs = _documents(synthetic)
    keyword = [q for q in synthetic.queries if q.kind == "keyword"]
    assert keyword
    for q in keyword:
        (term,) = q.answer_terms
        assert term in q.text
        assert all(term in _text(docs[d]) for d in q.relevant), q.id


def test_synthetic_unanswerable_slices(synthetic: SuiteData) -> None:
    everything = json.dumps(synthetic.records).lower()
    by_kind: dict[str, list[Any]] = {}
    for q in synthetic.queries:
        by_kind.setdefault(q.kind, []).append(q)
    for kind in ("restricted", "nonexistent"):
        assert len(by_kind[kind]) >= 2 * 2  # a few per org
        assert not any(q.answerable for q in by_kind[kind])
    assert all(q.role == "rep" and q.relevant for q in by_kind["restricted"])
    for q in by_kind["nonexistent"]:
        assert not q.relevant
        name = q.text.split('"')[1] if '"' in q.text else None
        if name:
            assert name.lower() not in everything


def test_synthetic_gold_spans_are_visible_and_index_the_stored_content(
    synthetic: SuiteData,
) -> None:
    from copilot.ingest.documents import render_document
    from copilot.ingest.records import parse_record

    docs = _documents(synthetic)
    kinds: set[str] = set()
    for q in synthetic.queries:
        if not q.answerable:
            assert not q.gold
            continue
        if q.kind in ("semantic", "keyword", "fact"):
            assert q.gold, q.id
            kinds.add(q.kind)
        seen = synthetic.visible[q.org][q.user_id]
        assert set(q.gold_document_ids) <= seen & set(q.relevant)
        for g in q.gold:
            content = render_document(parse_record(docs[g.document_id]))[1]  # type: ignore[arg-type]
            assert content[g.start : g.end] == g.text
        if q.kind == "fact":
            assert q.gold_facts == (q.gold_fact,) and q.gold_fact not in q.text
    assert kinds == {"semantic", "keyword", "fact"}
    missing = [q for q in synthetic.queries if q.kind == "missing"]
    assert missing and not any(q.answerable or q.relevant for q in missing)


def test_synthetic_scenarios_are_admin_views_of_real_accounts(synthetic: SuiteData) -> None:
    admins = {(r["org"], r["id"]) for r in synthetic.records if r.get("role") == "admin"}
    accounts = {(r["org"], r["id"]) for r in synthetic.records if r["type"] == "account"}
    assert synthetic.scenarios and not synthetic.summaries
    fired: set[str] = set()
    for s in synthetic.scenarios:
        assert (s.org, s.user_id) in admins
        assert (s.org, s.account_id) in accounts
        assert s.as_of.tzinfo is not None
        assert set(s.expected_rules) <= LABELLED_ACTION_RULES
        fired |= set(s.expected_rules)
    assert {"deal_no_touch", "deal_close_date_passed", "ticket_sla_breach"} <= fired


# --------------------------------------------------------------------------- action labels

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CONTACT_EMAIL = "pat@initech.example"


def _ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _email(doc_id: str, when: str, direction: str, **extra: Any) -> dict[str, Any]:
    inbound = direction == "inbound"
    return {
        "type": "email",
        "id": doc_id,
        "account_id": "a1",
        "contact_id": "c1",
        "owner_id": "u1",
        "visibility": "org",
        "occurred_at": when,
        "subject": "Security review",
        "from": CONTACT_EMAIL if inbound else "dana@acme.example",
        "to": ["dana@acme.example"] if inbound else [CONTACT_EMAIL],
        "direction": direction,
        "body": "Can you send the SOC 2 report?",
    } | extra


def _ticket(status: str, priority: str, when: str) -> dict[str, Any]:
    return {
        "type": "ticket",
        "id": "tk1",
        "account_id": "a1",
        "owner_id": "u1",
        "visibility": "org",
        "occurred_at": when,
        "subject": "SSO fails",
        "body": "Users get a 500.",
        "status": status,
        "priority": priority,
    }


def _deal(stage: str, close_date: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "deal",
        "id": "d1",
        "account_id": "a1",
        "owner_id": "u1",
        "name": "Initech expansion",
        "stage": stage,
        "amount": 48000,
        "close_date": close_date,
    } | extra


def _call(when: str, participants: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "call",
        "id": f"call-{when}",
        "account_id": "a1",
        "owner_id": "u1",
        "visibility": "org",
        "occurred_at": when,
        "title": "Check-in",
        "participants": participants,
        "transcript": "Dana: Thanks for joining.",
    } | extra


LABEL_CASES: list[tuple[str, list[dict[str, Any]], tuple[str, ...]]] = [
    ("inbound unanswered 3 days", [_email("e1", _ago(days=3), "inbound")],
     ("unanswered_inbound_email",)),
    ("inbound only 1 day old", [_email("e1", _ago(days=1), "inbound")], ()),
    ("inbound older than lookback", [_email("e1", _ago(days=31), "inbound")], ()),
    ("answered by later outbound",
     [_email("e1", _ago(days=3), "inbound"), _email("e2", _ago(days=2), "outbound")], ()),
    ("answered in the thread",
     [_email("e1", _ago(days=3), "inbound"),
      _email("e2", _ago(days=2), "outbound", to=["legal@initech.example"], contact_id=None,
             subject="RE: Security review")], ()),
    ("answered by a call with the sender",
     [_email("e1", _ago(days=3), "inbound"), _call(_ago(days=2), ["Dana Reyes", "Pat Buyer"])],
     ()),
    ("open high ticket within SLA", [_ticket("open", "high", _ago(hours=10))],
     ("ticket_high_priority",)),
    ("open high ticket past SLA", [_ticket("pending", "High", _ago(hours=30))],
     ("ticket_sla_breach",)),
    ("open normal ticket past SLA", [_ticket("open", "normal", _ago(hours=80))],
     ("ticket_sla_breach",)),
    ("solved urgent ticket", [_ticket("solved", "urgent", _ago(hours=30))], ()),
    ("competitor in a recent email",
     [_email("e1", _ago(days=5), "outbound", body="Happy to compare us with hubspot.")],
     ("competitor_mentioned",)),
    ("competitor as part of a word",
     [_email("e1", _ago(days=5), "outbound", body="See zohoapps.example.")], ()),
    ("champion quiet for 30 days",
     [_email(f"e{d}", _ago(days=d), "inbound") for d in (31, 35, 40)],
     ("champion_quiet",)),
    ("deal close date passed", [_deal("Proposal", "2026-02-01"),
                                _call(_ago(days=1), ["Pat Buyer"])],
     ("deal_close_date_passed",)),
    ("deal untouched 20 days", [_deal("Proposal", "2026-06-01"),
                                _call(_ago(days=20), ["Pat Buyer"])],
     ("deal_no_touch",)),
    ("deal touched on another deal",
     [_deal("Proposal", "2026-06-01"), _call(_ago(days=20), ["Pat Buyer"]),
      _call(_ago(days=1), ["Pat Buyer"], deal_id="d2")],
     ("deal_no_touch",)),
    ("deal without any touch", [_deal("Proposal", "2026-06-01")], ()),
    ("closed deal", [_deal("Closed Won", "2026-02-01"), _call(_ago(days=20), ["Pat Buyer"])],
     ()),
    ("deal stuck in stage",
     [_deal("Proposal", "2026-06-01", stage_entered_at="2026-01-15"),
      _call(_ago(days=1), ["Pat Buyer"])],
     ("deal_stuck_in_stage",)),
    ("rules in playbook order",
     [_deal("Negotiation", "2026-02-01"), _call(_ago(days=15), ["Pat Buyer"]),
      _ticket("open", "urgent", _ago(days=2)),
      _email("e1", _ago(days=4), "inbound", deal_id="d2")],  # not a touch of d1
     ("unanswered_inbound_email", "ticket_sla_breach", "deal_no_touch",
      "deal_close_date_passed")),
    ("documents after as_of are ignored", [_email("e1", _ago(days=-1), "inbound")], ()),
]  # fmt: skip


@pytest.mark.parametrize(
    ("records", "expected"),
    [pytest.param(recs, exp, id=name) for name, recs, exp in LABEL_CASES],
)
def test_expected_action_rules(records: list[dict[str, Any]], expected: tuple[str, ...]) -> None:
    base = [
        {"type": "account", "id": "a1", "name": "Initech", "owner_id": "u1"},
        {"type": "contact", "id": "c1", "account_id": "a1", "name": "Pat Buyer",
         "email": CONTACT_EMAIL},
    ]  # fmt: skip
    org_records = [{"org": "o"} | r for r in base + records]
    got = expected_action_rules(org_records, org="o", account_id="a1", as_of=NOW)
    assert got == expected


# --------------------------------------------------------------------------- qmsum mapping


def _meeting(n_turns: int, query: str, span: list[str]) -> dict[str, Any]:
    return {
        "topic_list": [],
        "general_query_list": [{"query": "Summarize the whole meeting.", "answer": "A plan."}],
        "specific_query_list": [
            {"query": query, "answer": "They chose rubber buttons.", "relevant_text_span": [span]}
        ],
        "meeting_transcripts": [
            {"speaker": "Marketing" if i % 2 else "Project Manager",
             "content": f"Turn {i} about rubber buttons {{vocalsound}} ."}
            for i in range(n_turns)
        ],
    }  # fmt: skip


def test_qmsum_maps_gold_spans_to_segments_and_dedupes(tmp_path: Path) -> None:
    root = tmp_path / "qmsum"
    (root / "product_domain").mkdir(parents=True)
    first, second = _meeting(30, "Which buttons?", ["13", "25"]), _meeting(5, "Why?", ["0", "9"])
    (root / "val.jsonl").write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    (root / "product_domain" / "val.jsonl").write_text(json.dumps(first) + "\n")

    data = load_qmsum(datasets_dir=tmp_path, limit=None, seed=SEED)

    calls = [r for r in data.records if r["type"] == "call"]
    assert len(calls) == 3 + 1  # 30 turns in parts of 12, then 5 turns; the duplicate dropped
    assert "{vocalsound}" not in calls[0]["transcript"]
    assert calls[0]["transcript"].startswith("Project Manager: Turn 0 about rubber buttons.")
    which = next(q for q in data.queries if q.text == "Which buttons?" and q.answerable)
    meeting_id = calls[0]["id"].rsplit("-", 1)[0]
    assert set(which.relevant) == {f"{meeting_id}-p002", f"{meeting_id}-p003"}
    assert which.reference_answer == "They chose rubber buttons."
    assert set(which.answer_terms) == {"rubber", "buttons"}
    clipped = next(q for q in data.queries if q.text == "Why?" and q.answerable)
    assert len(clipped.relevant) == 1  # span past the last turn is clipped
    assert len(data.summaries) == 2 and data.summaries[0].references == ("A plan.",)


def test_salient_terms_keep_compounds_and_drop_meeting_words() -> None:
    # The QMSum labels' word rule: a compound is one term, digits and meeting words are not.
    from eval.datasets.answer_terms import salient_terms

    answer = "The team discussed the single-curved case: single-curved costs 12 euros more."
    evidence = "we could do a single-curved case, it costs a few more euros, twelve maybe"
    assert salient_terms(answer, evidence) == ("single-curved", "costs", "euros")
