"""Summaries, answers and next-best actions over HTTP, on the real database.

Only the offline engine runs here (the default); the LLM fallback test points the
OpenAI engine at a closed local port, which stands in for an unreachable hosted LLM.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.db import crm_small

ACME = crm_small.ACME

CALL_TRANSCRIPT = (
    "Pat Buyer: Thanks for making time today.\n"
    "Rep E1: Of course. Where did you land on the proposal?\n"
    "Pat Buyer: Honestly the price is above our budget, and we're also evaluating Salesforce.\n"
    "Pat Buyer: Our CFO froze new software spend until next quarter.\n"
    "Rep E1: Understood. I'll send a revised quote with the multi-year discount by Friday.\n"
    "Pat Buyer: Great. I will share the security questionnaire with our infosec team tomorrow.\n"
    "Rep E1: Next step is a pricing review with your CFO next week."
)


def _call(cid: str, owner: str, visibility: str, transcript: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": "call",
        "org": ACME,
        "id": cid,
        "account_id": extra.pop("account_id", "a1"),
        "owner_id": owner,
        "visibility": visibility,
        "occurred_at": extra.pop("occurred_at", "2026-05-06T15:00:00Z"),
        "title": f"Call {cid}",
        "participants": ["Pat Buyer", "Rep E1"],
        "transcript": transcript,
        **extra,
    }


def records() -> list[dict[str, Any]]:
    return [
        *crm_small.records(),
        _call("call-private", "rep-e1", "private", CALL_TRANSCRIPT),
        _call("call-org", "rep-w1", "org", CALL_TRANSCRIPT.replace("Salesforce", "HubSpot")),
    ]


def ingest(client: TestClient, headers: dict[str, str], recs: list[dict[str, Any]]) -> None:
    body = "\n".join(json.dumps(r) for r in recs)
    response = client.post(
        "/v1/ingest", content=body, headers={**headers, "content-type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["rejected"] == 0, response.text


@pytest.fixture()
def loaded(client: TestClient, ingest_headers: dict[str, str]) -> TestClient:
    ingest(client, ingest_headers, records())
    return client


@pytest.fixture()
def as_user(token_for: Callable[..., str]) -> Callable[[str], dict[str, str]]:
    return lambda user: bearer(token_for(ACME, user))


def content_of(client: TestClient, headers: dict[str, str], doc_id: str) -> str:
    response = client.get(f"/v1/documents/{doc_id}", headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["content"])


def all_citations(summary: dict[str, Any]) -> list[dict[str, Any]]:
    out = list(summary["summary"]["citations"]) + list(summary["sentiment"]["citations"])
    for section in ("key_points", "action_items", "next_steps", "objections", "risks"):
        for item in summary[section]:
            out.extend(item["citations"])
    for competitor in summary["competitors"]:
        out.extend(competitor["citations"])
    return out


def test_call_summary_cites_exact_spans_and_extracts_structure(loaded: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    headers = as_user("rep-e1")
    response = loaded.post("/v1/calls/call-private/summary", headers=headers)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["engine"] == "offline" and summary["document_id"] == "call-private"
    content = content_of(loaded, headers, "call-private")
    citations = all_citations(summary)
    assert citations
    for c in citations:
        assert c["document_id"] == "call-private"
        assert content[c["start"] : c["end"]] == c["quote"]
    assert any("Salesforce" in c["name"] for c in summary["competitors"])
    quote_item = next(a for a in summary["action_items"] if "revised quote" in a["text"])
    assert quote_item["owner"] and quote_item["due"] == "2026-05-08"  # Friday after Wed 6 May
    assert summary["sentiment"]["label"] in ("negative", "neutral")


def test_summary_of_an_invisible_call_is_404_like_a_missing_one(
    loaded: TestClient, as_user
) -> None:  # type: ignore[no-untyped-def]
    headers = as_user("rep-w1")  # call-private belongs to rep-e1
    hidden = loaded.post("/v1/calls/call-private/summary", headers=headers)
    missing = loaded.post("/v1/calls/call-nope00/summary", headers=headers)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"
    assert hidden.json()["error"]["message"].replace("call-private", "X") == missing.json()[
        "error"
    ]["message"].replace("call-nope00", "X")
    # A document that is not a call answers the same.
    assert loaded.post("/v1/calls/d-org/summary", headers=headers).status_code == 404


def test_summaries_are_cached_and_recomputed_when_the_call_changes(
    loaded: TestClient,
    as_user,
    ingest_headers: dict[str, str],
    settings,  # type: ignore[no-untyped-def]
) -> None:
    headers = as_user("rep-e1")
    first = loaded.post("/v1/calls/call-private/summary", headers=headers).json()
    again = loaded.post("/v1/calls/call-private/summary", headers=headers).json()
    assert first == again
    with psycopg.connect(settings.database_url) as conn:
        (n, hash1) = conn.execute(
            "SELECT count(*), min(content_hash) FROM summaries WHERE document_id = 'call-private'"
        ).fetchone()
    assert n == 1
    changed = CALL_TRANSCRIPT.replace("Salesforce", "Zoho CRM")
    ingest(loaded, ingest_headers, [_call("call-private", "rep-e1", "private", changed)])
    updated = loaded.post("/v1/calls/call-private/summary", headers=headers).json()
    names = {c["name"] for c in updated["competitors"]}
    assert any("Zoho" in n for n in names) and not any("Salesforce" in n for n in names)
    with psycopg.connect(settings.database_url) as conn:
        (hash2,) = conn.execute(
            "SELECT content_hash FROM summaries WHERE document_id = 'call-private'"
        ).fetchone()
    assert hash2 != hash1


def test_draft_summary_is_not_stored(loaded: TestClient, as_user, settings) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(settings.database_url) as conn:
        before = conn.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM summaries)"
        ).fetchone()
    text = CALL_TRANSCRIPT
    response = loaded.post(
        "/v1/summaries", json={"text": text, "kind": "call"}, headers=as_user("rep-e2")
    )
    assert response.status_code == 200, response.text
    for c in all_citations(response.json()):
        assert c["document_id"] == "draft" and text[c["start"] : c["end"]] == c["quote"]
    with psycopg.connect(settings.database_url) as conn:
        after = conn.execute(
            "SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM summaries)"
        ).fetchone()
    assert before == after


@pytest.mark.parametrize("char", ["\u8a08", "\U0001f600"], ids=["cjk", "emoji"])
def test_a_draft_at_the_length_limit_fits_the_body_limit_as_clients_escape_it(  # type: ignore[no-untyped-def]
    loaded: TestClient, as_user, char: str
) -> None:
    # json.dumps (and requests) escape non-ASCII: 6 bytes a CJK character, 12 an emoji.
    # A 20,000-character Chinese draft was 413 under the old 64 KiB body limit.
    text = ("Pat: " + char * 40 + ". ") * 20_000
    text = text[:20_000]
    body = json.dumps({"text": text, "kind": "call"}).encode()
    assert len(body) > 100_000  # the old limit was 64 KiB
    response = loaded.post(
        "/v1/summaries",
        content=body,
        headers={**as_user("rep-e2"), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text[:300]


@pytest.mark.parametrize(
    "body",
    [{"text": ""}, {"text": "x" * 20_001}, {"text": "ok", "kind": "fax"}, {"text": "a\u0000b"}],
)
def test_draft_summary_bad_input_is_4xx(loaded: TestClient, as_user, body: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    response = loaded.post("/v1/summaries", json=body, headers=as_user("rep-e2"))
    assert 400 <= response.status_code < 500
    assert "error" in response.json()


def test_ask_answers_with_citations_from_permitted_documents_only(
    loaded: TestClient, as_user
) -> None:  # type: ignore[no-untyped-def]
    headers = as_user("rep-e2")
    visible = crm_small.EXPECTED[(ACME, "rep-e2")] | {"call-org"}
    response = loaded.post(
        "/v1/ask",
        json={"question": "What did the customer say about the invoice dispute?"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert {r["document_id"] for r in body["retrieved"]} <= visible
    for c in body["citations"]:
        assert c["document_id"] in visible
        assert content_of(loaded, headers, c["document_id"])[c["start"] : c["end"]] == c["quote"]


def test_ask_declines_when_nothing_supports_an_answer(loaded: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    response = loaded.post(
        "/v1/ask", json={"question": "What is the capital of Mongolia?"}, headers=as_user("admin")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] is False and body["citations"] == []


def test_ask_reports_confidence_and_see_also(loaded: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    headers = as_user("admin")
    declined = loaded.post(
        "/v1/ask", json={"question": "What is the capital of Mongolia?"}, headers=headers
    ).json()
    assert 0.0 <= declined["confidence"] < 1.0
    retrieved = {r["document_id"] for r in declined["retrieved"]}
    assert {s["document_id"] for s in declined["see_also"]} <= retrieved
    answered = loaded.post(
        "/v1/ask",
        json={"question": "What did the customer say about the invoice dispute?"},
        headers=headers,
    ).json()
    if answered["answered"]:
        assert answered["confidence"] > declined["confidence"] and answered["see_also"] == []


def test_ask_never_answers_from_a_document_the_caller_cannot_see(
    loaded: TestClient, as_user
) -> None:  # type: ignore[no-untyped-def]
    # Phrased so that the engine answers the owner (it declined "Is the customer also
    # evaluating Salesforce?" just under the threshold): the other rep's answer is then
    # the permission check, not a decline.
    question = {"question": "Are they also evaluating Salesforce?"}
    owner = loaded.post("/v1/ask", json=question, headers=as_user("rep-e1")).json()
    other = loaded.post("/v1/ask", json=question, headers=as_user("rep-w1")).json()
    assert any(c["document_id"] == "call-private" for c in owner["citations"])
    assert all(c["document_id"] != "call-private" for c in other["citations"])
    assert all(r["document_id"] != "call-private" for r in other["retrieved"])


def test_ask_stream_sends_retrieved_answer_and_done_events(loaded: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    with loaded.stream(
        "POST",
        "/v1/ask/stream",
        json={"question": "When will the revised quote be sent?"},
        headers=as_user("rep-e1"),
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-accel-buffering"] == "no"  # nginx passes events on
        assert response.headers["cache-control"] == "no-store"
        raw = "".join(response.iter_text())
    events = [block.split("\n")[0].removeprefix("event: ") for block in raw.strip().split("\n\n")]
    assert events[0] == "retrieved" and events[-1] == "done" and "answer" in events
    done = json.loads(raw.strip().split("\n\n")[-1].split("data: ", 1)[1])
    assert done["answered"] is True


def test_next_best_actions_use_only_visible_evidence(loaded: TestClient, as_user) -> None:  # type: ignore[no-untyped-def]
    params = {"as_of": "2026-05-20"}
    mine = loaded.get("/v1/accounts/a1/next-best-actions", params=params, headers=as_user("rep-e1"))
    assert mine.status_code == 200, mine.text
    actions = mine.json()["actions"]
    assert actions, "an overdue commitment and a competitor mention should fire"
    visible_e1 = crm_small.EXPECTED[(ACME, "rep-e1")] | {"call-private", "call-org"}
    for action in actions:
        assert {e["document_id"] for e in action["evidence"]} <= visible_e1
    # rep-w1 sees account a1 only through org-visible documents, never call-private.
    theirs = loaded.get(
        "/v1/accounts/a1/next-best-actions", params=params, headers=as_user("rep-w1")
    )
    assert theirs.status_code == 200
    for action in theirs.json()["actions"]:
        assert all(e["document_id"] != "call-private" for e in action["evidence"])


def test_next_best_actions_404_for_missing_or_invisible_subjects(
    loaded: TestClient, as_user, token_for
) -> None:  # type: ignore[no-untyped-def]
    missing = loaded.get("/v1/accounts/nope/next-best-actions", headers=as_user("rep-e1"))
    assert missing.status_code == 404
    # Globex's account from an acme user: tenant isolation makes it missing.
    other_org = loaded.get("/v1/accounts/g-a1/next-best-actions", headers=as_user("admin"))
    assert other_org.status_code == 404
    assert (
        loaded.get("/v1/deals/nope/next-best-actions", headers=as_user("admin")).status_code == 404
    )


def test_llm_failure_falls_back_to_the_offline_engine(settings, embedder, ingest_headers) -> None:  # type: ignore[no-untyped-def]
    from api.app import create_app

    # A closed local port stands in for an unreachable hosted LLM.
    llm_settings = settings.model_copy(
        update={
            "llm": "openai",
            "llm_base_url": "http://127.0.0.1:9/v1",
            "llm_model": "test",
            "llm_timeout_s": 1.0,
            "llm_max_retries": 0,
        }
    )
    app = create_app(llm_settings, embedder=embedder)
    with TestClient(app) as client:
        ingest(client, ingest_headers, records())
        token = app.state.tokens.mint(org=ACME, subject="rep-e1", ttl_s=60)
        response = client.post("/v1/calls/call-private/summary", headers=bearer(token))
        assert response.status_code == 200, response.text
        assert response.json()["engine"].startswith("offline (fallback")
        answer = client.post(
            "/v1/ask",
            json={"question": "When will the revised quote be sent?"},
            headers=bearer(token),
        ).json()
        assert answer["engine"].startswith("offline (fallback")
