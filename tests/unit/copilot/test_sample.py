"""The synthetic CRM generator and the sharing-rule oracle it uses as ground truth."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from copilot.ingest.documents import render_document
from copilot.ingest.records import parse_record
from copilot.sample import (
    DOCUMENT_TYPES,
    SampleCRM,
    generate,
    load_truth,
    visible_document_ids,
    write_sample,
)

ENTITY_ORDER = ("team", "user", "account", "contact", "deal")


@pytest.fixture(scope="module")
def crm() -> SampleCRM:
    return generate()


def _documents(crm: SampleCRM, org: str | None = None) -> list[dict[str, Any]]:
    return [
        r for r in crm.records if r["type"] in DOCUMENT_TYPES and (org is None or r["org"] == org)
    ]


def _users(crm: SampleCRM, org: str) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in crm.records if r["type"] == "user" and r["org"] == org}


def _text(doc: dict[str, Any]) -> str:
    parts = [
        doc.get("subject", ""),
        doc.get("title", ""),
        doc.get("body", ""),
        doc.get("transcript", ""),
        *(c["body"] for c in doc.get("comments", [])),
    ]
    return "\n".join(parts)


# --------------------------------------------------------------------------- generator


def test_same_seed_same_records_and_questions() -> None:
    a, b = generate(3, docs_per_org=200), generate(3, docs_per_org=200)
    assert json.dumps(a.records) == json.dumps(b.records)
    assert a.questions == b.questions
    assert generate(4, docs_per_org=200).records != a.records


# The default sample, pinned: a refactor of the generator or its phrase pools
# (copilot/sample/data/*.toml) must not change a byte of it. If a change is meant, say so
# in the commit and update these values (and expect eval baselines to move).
DEFAULT_RECORDS_SHA256 = "d7d0ca161f86b1ca42a10ca86adf7f92fb37889ac46e1f1af4892346025c7df4"
DEFAULT_QUESTIONS_SHA256 = "885679189a3fba70191cdc5d71875519ff2928c4d16cf89fdd9aa773c489979e"
# The semantic and keyword questions as they were before fact questions and gold spans
# were added (issue 11): adding labels left them, and every record, unchanged.
RETRIEVAL_QUESTIONS_SHA256 = "9be949eeada69c92f980aa68d302464d3f4b0310fa3da74e80f13fad8786e059"
_RETRIEVAL_FIELDS = ("id", "org", "text", "relevant_document_ids", "kind")


def test_default_sample_is_pinned(crm: SampleCRM) -> None:
    # The same lines write_sample writes to crm.jsonl.
    lines = "".join(json.dumps(rec, ensure_ascii=False) + "\n" for rec in crm.records)
    questions = json.dumps([asdict(q) for q in crm.questions])
    assert (len(crm.records), len(crm.questions)) == (3688, 232)
    first_document = next(r for r in crm.records if r["type"] in DOCUMENT_TYPES)
    assert first_document["id"] == "acme-em-1123"
    assert first_document["subject"] == "Updated proposal for Cascade Health"
    assert first_document["body"].startswith(
        "Hello Victor,\n\nCircling back on this. Our board expects a lower per-seat figure"
    )
    assert crm.questions[0].text == "mentions of SKU-EG100"
    assert crm.questions[0].relevant_document_ids == (
        "acme-cl-455",
        "acme-em-1224",
        "acme-em-1413",
        "acme-em-821",
    )
    assert hashlib.sha256(lines.encode()).hexdigest() == DEFAULT_RECORDS_SHA256
    assert hashlib.sha256(questions.encode()).hexdigest() == DEFAULT_QUESTIONS_SHA256
    retrieval = json.dumps(
        [
            {k: asdict(q)[k] for k in _RETRIEVAL_FIELDS}
            for q in crm.questions
            if q.kind in ("semantic", "keyword")
        ]
    )
    assert hashlib.sha256(retrieval.encode()).hexdigest() == RETRIEVAL_QUESTIONS_SHA256


def test_every_record_validates(crm: SampleCRM) -> None:
    for rec in crm.records:
        parse_record(rec)


def test_two_orgs_with_the_requested_number_of_documents(crm: SampleCRM) -> None:
    assert crm.orgs == ("acme", "globex")
    counts = Counter((r["org"], r["type"]) for r in crm.records)
    for org in crm.orgs:
        assert sum(counts[(org, t)] for t in DOCUMENT_TYPES) == 1500
        assert all(counts[(org, t)] > 200 for t in DOCUMENT_TYPES)
        assert 3 <= counts[(org, "team")] <= 4
        assert 12 <= counts[(org, "user")] <= 20
        assert 40 <= counts[(org, "account")] <= 60
        assert counts[(org, "contact")] > counts[(org, "account")]
        assert counts[(org, "deal")] >= counts[(org, "account")]


@pytest.mark.parametrize("docs_per_org", [1, 37, 400])
def test_docs_per_org_is_honoured(docs_per_org: int) -> None:
    small = generate(1, docs_per_org=docs_per_org)
    for org in small.orgs:
        assert len(_documents(small, org)) == docs_per_org


@pytest.mark.parametrize("docs_per_org", [0, -3, 45_001])
def test_docs_per_org_out_of_range_is_rejected(docs_per_org: int) -> None:
    message = f"docs_per_org must be between 1 and 45000, got {docs_per_org}"
    with pytest.raises(ValueError, match=message):
        generate(docs_per_org=docs_per_org)


def test_ids_are_unique_within_each_org_across_types(crm: SampleCRM) -> None:
    for org in crm.orgs:
        ids = [r["id"] for r in crm.records if r["org"] == org]
        assert len(ids) == len(set(ids))
        assert all(i.startswith(f"{org}-") for i in ids)


def test_records_come_in_an_order_that_ingests_cleanly(crm: SampleCRM) -> None:
    kinds = [r["type"] for r in crm.records]
    first_document = min(kinds.index(t) for t in DOCUMENT_TYPES)
    assert all(t not in DOCUMENT_TYPES for t in kinds[:first_document])
    assert kinds[:first_document] == sorted(kinds[:first_document], key=ENTITY_ORDER.index)
    seen: set[tuple[str, str, str]] = set()
    refs = {
        "team_id": "team",
        "manager_id": "user",
        "owner_id": "user",
        "account_id": "account",
        "contact_id": "contact",
        "deal_id": "deal",
    }
    for rec in crm.records:
        for fld, kind in refs.items():
            if rec.get(fld):
                assert (rec["org"], kind, rec[fld]) in seen, (rec["id"], fld)
        seen.add((rec["org"], rec["type"], rec["id"]))


def test_ticket_numbers_appear_in_id_and_subject(crm: SampleCRM) -> None:
    for doc in _documents(crm):
        if doc["type"] == "ticket":
            number = doc["id"].rsplit("-", 1)[1]
            assert f"[TCK-{number}]" in doc["subject"]


def _depth(users: dict[str, dict[str, Any]], uid: str) -> int:
    manager: str | None = users[uid].get("manager_id")
    return 1 + (_depth(users, manager) if manager else 0)


def test_manager_chains_are_at_least_three_deep(crm: SampleCRM) -> None:
    for org in crm.orgs:
        users = _users(crm, org)
        assert max(_depth(users, u) for u in users) >= 3
        managers = {u["manager_id"] for u in users.values() if u.get("manager_id")}
        assert any(users[m].get("manager_id") in managers for m in managers)  # mgr of mgrs
        assert [u["role"] for u in users.values()].count("admin") == 1


def test_document_mix(crm: SampleCRM) -> None:
    docs = _documents(crm)
    share = Counter(d["visibility"] for d in docs)
    assert 0.30 < share["private"] / len(docs) < 0.40
    assert 0.35 < share["team"] / len(docs) < 0.45
    assert 0.20 < share["org"] / len(docs) < 0.30
    shared = [p for d in docs for p in d.get("shared_with", [])]
    assert any(p.startswith("team:") for p in shared)
    assert any(not p.startswith("team:") for p in shared)
    roles = {(u["org"], u["id"]): u["role"] for u in crm.records if u["type"] == "user"}
    assert {roles[(d["org"], d["owner_id"])] for d in docs} == {"rep", "manager"}
    when = sorted(d["occurred_at"] for d in docs)
    assert when[0] >= "2025-11-15"
    assert when[-1] <= "2026-11-15T23:59:59Z"


def test_documents_have_realistic_noise(crm: SampleCRM) -> None:
    emails = [d for d in _documents(crm) if d["type"] == "email"]
    assert sum("wrote:\n> " in e["body"] for e in emails) > len(emails) / 10
    assert sum("\n--\n" in e["body"] for e in emails) > len(emails) / 10
    assert len({e["body"] for e in emails}) == len(emails)
    calls = [d for d in _documents(crm) if d["type"] == "call"]
    assert all(
        re.match(r"^[A-Z][\w' ]+: ", c["transcript"]) or c["transcript"].startswith("Call notes")
        for c in calls
    )
    tickets = [d for d in _documents(crm) if d["type"] == "ticket"]
    assert sum(bool(t["comments"]) for t in tickets) > len(tickets) / 2
    text = " ".join(_text(d) for d in _documents(crm))
    for competitor in ("Salesforce", "HubSpot", "Zendesk", "Pipedrive"):
        assert competitor in text


# --------------------------------------------------------------------------- questions


def test_questions_point_at_documents_of_their_own_org(crm: SampleCRM) -> None:
    doc_org = {d["id"]: d["org"] for d in _documents(crm)}
    assert len({q.id for q in crm.questions}) == len(crm.questions)
    for org in crm.orgs:
        mine = [q for q in crm.questions if q.org == org]
        assert 100 <= len(mine) <= 130
        assert {q.kind for q in mine} == {"semantic", "keyword", "fact", "missing"}
    for q in crm.questions:
        if not q.answerable:
            assert q.relevant_document_ids == () and q.gold == ()
            continue
        assert 1 <= len(q.relevant_document_ids) <= 5
        assert list(q.relevant_document_ids) == sorted(set(q.relevant_document_ids))
        assert all(doc_org.get(d) == q.org for d in q.relevant_document_ids)


def _keyword_of(text: str) -> str:
    quoted = re.search(r'"([^"]+)"', text)
    if quoted:
        return quoted.group(1)
    code = re.search(r"\b(TCK-\d{5}|SKU-[A-Z]{2}\d{3}|[A-Z]{2}-\d{1,2})\b", text)
    assert code, text
    return code.group(1)


def test_keyword_questions_match_exactly_the_documents_holding_the_term(
    crm: SampleCRM,
) -> None:
    texts = {(d["org"], d["id"]): _text(d) for d in _documents(crm)}
    kinds: Counter[str] = Counter()
    for q in (q for q in crm.questions if q.kind == "keyword"):
        term = _keyword_of(q.text)
        kinds[term.split("-")[0] if "-" in term else "name"] += 1
        pattern = re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])")
        holding = {
            i
            for (org, i), text in texts.items()
            if org == q.org and term in text and pattern.search(text)
        }
        assert holding == set(q.relevant_document_ids), q
    assert kinds["TCK"] and kinds["SKU"] and kinds["name"]


def _grams(text: str, n: int = 4) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_semantic_questions_are_paraphrased_and_name_their_account(crm: SampleCRM) -> None:
    docs = {d["id"]: d for d in _documents(crm)}
    names = {(a["org"], a["id"]): a["name"] for a in crm.records if a["type"] == "account"}
    for q in (q for q in crm.questions if q.kind == "semantic"):
        relevant = [docs[i] for i in q.relevant_document_ids]
        accounts = {names[(d["org"], d["account_id"])] for d in relevant}
        assert len(accounts) == 1
        (account,) = accounts
        assert account in q.text
        asked = _grams(q.text.replace(account, "ACCOUNT"))
        for doc in relevant:
            assert not asked & _grams(_text(doc).replace(account, "ACCOUNT")), (q, doc["id"])


def _content(doc: dict[str, Any]) -> str:
    """What ingest stores and citation offsets index."""
    return render_document(parse_record(doc))[1]  # type: ignore[arg-type]


def test_every_answerable_question_has_gold_spans_in_the_indexed_content(
    crm: SampleCRM,
) -> None:
    docs = {d["id"]: d for d in _documents(crm)}
    for q in (q for q in crm.questions if q.answerable):
        assert q.gold, q
        assert {g.document_id for g in q.gold} <= set(q.relevant_document_ids)
        for g in q.gold:
            content = _content(docs[g.document_id])
            assert content[g.start : g.end] == g.text, (q.id, g)
            line_start = content.rfind("\n", 0, g.start) + 1
            assert not content.startswith(">", line_start), (q.id, g)  # never a quoted reply
        if q.kind == "fact":
            assert {g.text for g in q.gold} == {q.answer}
            assert {g.document_id for g in q.gold} == set(q.relevant_document_ids)


def test_fact_questions_cover_the_answer_types_with_several_phrasings(crm: SampleCRM) -> None:
    facts = [q for q in crm.questions if q.kind == "fact"]
    assert {q.answer_type for q in facts} == {
        "date",
        "amount",
        "number",
        "person",
        "name",
        "product",
        "code",
        "reason",
    }
    assert len({q.text.split()[0] for q in facts}) >= 6  # not one template
    from copilot.sample.vocabulary import vocabulary

    assert all(len(spec.questions) >= 2 for spec in vocabulary().facts)


def _unnamed(text: str, account: str) -> str:
    from copilot.sample.vocabulary import vocabulary

    for role in vocabulary().mentioned_roles:
        text = text.replace(role, "ROLE")
    return text.replace(account, "ACCOUNT")


def test_fact_questions_are_paraphrased_away_from_their_records(crm: SampleCRM) -> None:
    docs = {d["id"]: d for d in _documents(crm)}
    names = {(a["org"], a["id"]): a["name"] for a in crm.records if a["type"] == "account"}
    for q in (q for q in crm.questions if q.kind == "fact"):
        (account,) = {names[(q.org, docs[i]["account_id"])] for i in q.relevant_document_ids}
        assert account in q.text or account + "'" in q.text
        # The account and a person's role are what is asked about: they may be named.
        asked = _grams(_unnamed(q.text, account), 3)
        for i in q.relevant_document_ids:
            text = _unnamed(_text(docs[i]), account)
            assert not asked & _grams(text, 3), (q.text, i)
            assert q.answer is not None and q.answer not in q.text


def test_missing_fact_questions_name_an_account_without_the_scenario(crm: SampleCRM) -> None:
    missing = [q for q in crm.questions if q.kind == "missing"]
    assert len(missing) >= 10 * len(crm.orgs)
    answered = {q.text for q in crm.questions if q.kind == "fact"}
    assert not answered & {q.text for q in missing}
    accounts = {(a["org"], a["name"]): a["id"] for a in crm.records if a["type"] == "account"}
    for q in missing:
        named = [i for (org, name), i in accounts.items() if org == q.org and name in q.text]
        assert len(named) == 1, q.text


# --------------------------------------------------------------------------- oracle


def _user(uid: str, role: str, team: str | None, manager: str | None, org: str = "o") -> dict:
    rec = {
        "type": "user",
        "org": org,
        "id": uid,
        "name": uid,
        "email": f"{uid}@x.example",
        "role": role,
    }
    return rec | ({"team_id": team} if team else {}) | ({"manager_id": manager} if manager else {})


def _doc(did: str, owner: str, visibility: str, *shared: str, org: str = "o") -> dict:
    return {
        "type": "email",
        "org": org,
        "id": did,
        "owner_id": owner,
        "visibility": visibility,
        "shared_with": list(shared),
        "occurred_at": "2026-05-04T10:00:00Z",
        "subject": did,
        "from": "a@x.example",
        "to": ["b@x.example"],
        "direction": "inbound",
        "body": did,
    }


TINY = [
    {"type": "team", "org": "o", "id": "t1", "name": "One"},
    {"type": "team", "org": "o", "id": "t2", "name": "Two"},
    _user("admin", "admin", None, None),
    _user("vp", "manager", None, None),
    _user("mgr", "manager", "t1", "vp"),
    _user("rep1", "rep", "t1", "mgr"),
    _user("rep2", "rep", "t1", "mgr"),
    _user("rep3", "rep", "t2", "vp"),
    _user("solo1", "rep", None, None),
    _user("solo2", "rep", None, None),
    _doc("private", "rep1", "private"),  # owner, managers above, admin
    _doc("team", "rep1", "team"),  # + the owner's team
    _doc("org", "rep3", "org"),  # everyone in the org
    _doc("to-user", "rep3", "private", "rep1"),  # + rep1, not rep1's manager
    _doc("to-team", "rep3", "private", "team:t1"),  # + team t1
    _doc("teamless", "solo1", "team"),  # no team: only owner and admin
    # Another org with a colliding user id and a document everyone there may see.
    {"type": "team", "org": "p", "id": "t1", "name": "Other"},
    _user("rep1", "admin", "t1", None, org="p"),
    _user("p-rep", "rep", "t1", None, org="p"),
    _doc("p-org", "p-rep", "org", org="p"),
]
ALL_O = {"private", "team", "org", "to-user", "to-team", "teamless"}


@pytest.mark.parametrize(
    ("user_id", "expected"),
    [
        ("admin", ALL_O),  # admin
        ("vp", {"private", "team", "org", "to-user", "to-team"}),  # manager, any depth
        ("mgr", {"private", "team", "org", "to-team"}),  # manager; team share
        ("rep1", {"private", "team", "org", "to-user", "to-team"}),  # owner; user share
        ("rep2", {"team", "org", "to-team"}),  # team visibility
        ("rep3", {"org", "to-user", "to-team"}),  # owner; org
        ("solo1", {"org", "teamless"}),  # owner
        ("solo2", {"org"}),  # None is no team
    ],
)
def test_oracle_applies_each_rule(user_id: str, expected: set[str]) -> None:
    assert visible_document_ids(TINY, user_id, org="o") == expected


def test_oracle_isolates_orgs() -> None:
    assert visible_document_ids(TINY, "p-rep") == {"p-org"}
    # rep1 of org p is an admin there, which grants nothing in org o.
    assert visible_document_ids(TINY, "rep1", org="p") == {"p-org"}


@pytest.mark.parametrize(
    ("user_id", "org", "message"),
    [
        ("nobody", None, "unknown user 'nobody'"),
        ("p-rep", "o", "unknown user 'p-rep' in org 'o'"),
        ("rep1", None, r"user 'rep1' exists in orgs \['o', 'p'\]; pass org="),
    ],
)
def test_oracle_rejects_unknown_or_ambiguous_users(
    user_id: str, org: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        visible_document_ids(TINY, user_id, org=org)


def test_oracle_applies_updates_and_tombstones_in_order() -> None:
    later = [
        _doc("private", "rep1", "org"),  # now org-wide
        {"type": "email", "org": "o", "id": "team", "deleted": True},  # gone
        _user("rep2", "rep", "t2", "rep3"),  # moved team
    ]
    assert visible_document_ids(TINY + later, "rep2", org="o") == {"private", "org"}
    assert "team" not in visible_document_ids(TINY + later, "admin", org="o")


def test_oracle_survives_a_cyclic_manager_chain() -> None:
    records = [
        _user("a", "manager", None, "b"),
        _user("b", "manager", None, "a"),
        _doc("d", "a", "private"),
    ]
    assert visible_document_ids(records, "b") == {"d"}


def test_truth_matches_the_oracle(crm: SampleCRM) -> None:
    truth = crm.truth()
    for org in crm.orgs:
        users = _users(crm, org)
        assert set(truth.visible_document_ids[org]) == set(users)
        every = {d["id"] for d in _documents(crm, org)}
        admin = next(u for u, r in users.items() if r["role"] == "admin")
        assert truth.visible_document_ids[org][admin] == every
        for uid, seen in truth.visible_document_ids[org].items():
            assert seen <= every
            assert {d["id"] for d in _documents(crm, org) if d["visibility"] == "org"} <= seen
            if users[uid]["role"] == "rep":
                assert len(seen) < len(every)


# --------------------------------------------------------------------------- files


def test_write_and_load_round_trip(tmp_path: Path) -> None:
    small = generate(11, docs_per_org=120)
    path = write_sample(small, tmp_path / "sample")
    assert path == tmp_path / "sample" / "crm.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == small.records
    assert load_truth(tmp_path / "sample") == small.truth()


def test_load_truth_names_a_malformed_file(tmp_path: Path) -> None:
    (tmp_path / "truth.json").write_text('{"questions": []}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a sample truth file"):
        load_truth(tmp_path)
