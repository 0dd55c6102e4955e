"""``POST /v1/ask/stream`` on the real database, through Starlette's TestClient: the
events carry what ``/v1/ask`` answers, keep-alive comments while a slow engine answers,
errors before and after the stream starts, and the audit entry. What only a real server
shows (``retrieved`` before the engine answers, a client that leaves) is in
``test_ask_stream_served.py``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import generation as routes
from copilot.audit import AuditLog, AuditRecord
from summarizers.engine import WithFallback
from summarizers.errors import SummarizerError
from tests.api.asking import QUESTION, FakeEngine, audit_entries, parse_events, raises, use_engine
from tests.api.conftest import bearer
from tests.api.test_generation import ACME, ingest, records

Headers = dict[str, str]


@pytest.fixture()
def audit_write() -> str:
    """COPILOT_AUDIT_WRITE of ``app``; a test parametrizes it to choose."""
    return "background"


@pytest.fixture()
def loaded(client: TestClient, ingest_headers: Headers) -> TestClient:
    ingest(client, ingest_headers, records())
    return client


@pytest.fixture()
def rep(token_for: Callable[..., str]) -> Headers:
    return bearer(token_for(ACME, "rep-e1"))


def _stream(client: TestClient, headers: Headers, body: dict[str, Any]) -> list[tuple[str, Any]]:
    with client.stream("POST", "/v1/ask/stream", json=body, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return parse_events("".join(response.iter_text()))


def _entries(client: TestClient, path: str) -> list[AuditRecord]:
    return audit_entries(client.app, path)


@pytest.mark.parametrize("audit_write", ["background", "request"])
@pytest.mark.parametrize(
    "question",
    [
        "When will the revised quote be sent?",  # answered by the engine
        "What is the capital of Mongolia?",  # declined
        "Which customers mentioned Salesforce?",  # a list of accounts, without an engine
    ],
)
def test_the_events_carry_what_ask_answers(loaded: TestClient, rep: Headers, question: str) -> None:
    body = {"question": question}
    asked = loaded.post("/v1/ask", json=body, headers=rep)
    assert asked.status_code == 200, asked.text
    events = _stream(loaded, rep, body)
    names = [name for name, _ in events]
    assert names[0] == "retrieved" and names[-1] == "done" and names.count("retrieved") == 1
    assert set(names[1:-1]) == {"answer"}
    expected = asked.json()
    assert events[-1][1] == expected
    assert events[0][1] == expected["retrieved"]
    quotes = [c["quote"] for c in expected["citations"]] or [expected["answer"]]
    assert [data["text"] for name, data in events if name == "answer"] == quotes


def test_keep_alive_comments_go_out_while_a_slow_engine_answers(
    loaded: TestClient, rep: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "KEEP_ALIVE_S", 0.05)
    use_engine(monkeypatch, lambda offline: FakeEngine(offline, wait=lambda: time.sleep(0.5)))
    events = _stream(loaded, rep, QUESTION)
    names = [name for name, _ in events]
    assert names[0] == "retrieved" and names[-1] == "done"
    alive = names[1 : names.index("answer")]
    assert len(alive) >= 3 and set(alive) == {":"}, names
    assert {text for name, text in events if name == ":"} == {"keep-alive"}


def test_an_error_before_retrieval_is_an_ordinary_json_error(
    loaded: TestClient, rep: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    def lost(**kwargs: Any) -> Any:
        raise psycopg.OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(loaded.app.state.copilot, "search", lost)  # type: ignore[attr-defined]
    asked = loaded.post("/v1/ask", json=QUESTION, headers=rep)
    response = loaded.post("/v1/ask/stream", json=QUESTION, headers=rep)
    assert response.status_code == asked.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.headers["retry-after"] == "2"
    assert response.json() == asked.json()
    assert response.json()["error"]["code"] == "database_unavailable"
    # Audited with the status the client got (both were audited as 500).
    assert _entries(loaded, "/ask/stream")[-1].status == _entries(loaded, "/ask")[-1].status == 503


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("a bug in an engine"),
        psycopg.OperationalError("server closed the connection unexpectedly"),
    ],
    ids=["unexpected", "database"],
)
def test_an_error_after_retrieval_ends_the_stream_with_an_error_event(
    loaded: TestClient,
    rep: Headers,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    error: Exception,
) -> None:
    use_engine(monkeypatch, lambda offline: FakeEngine(offline, error=error))
    # What /v1/ask answers the same failure with: the error event carries that body.
    asked = loaded.post("/v1/ask", json=QUESTION, headers=rep)
    assert asked.status_code >= 500
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        events = _stream(loaded, rep, QUESTION)
    assert [name for name, _ in events] == ["retrieved", "error"]
    assert events[-1][1] == asked.json()
    if isinstance(error, RuntimeError):  # logged once, as the app logs any unexpected error
        (record,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert "RuntimeError" in record.getMessage() and "a bug" not in record.getMessage()
    entry = _entries(loaded, "/ask/stream")[-1]
    assert entry.status == _entries(loaded, "/ask")[-1].status == asked.status_code
    metrics = loaded.get("/metrics").text  # counted under the status /v1/ask answered
    for path in ("/v1/ask", "/v1/ask/stream"):
        labels = f'method="POST",route="{path}",status="{asked.status_code}"'
        assert f"copilot_http_requests_total{{{labels}}} 1.0" in metrics, path
    assert {p["document_id"] for p in events[0][1]} == set(entry.record_ids)  # what it sent


def test_an_llm_failure_after_retrieval_still_falls_back_to_the_offline_engine(
    loaded: TestClient, rep: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = SummarizerError("the endpoint timed out")
    use_engine(
        monkeypatch, lambda offline: WithFallback(FakeEngine(offline, error=failing), offline)
    )
    events = _stream(loaded, rep, QUESTION)
    assert [name for name, _ in events][-1] == "done"
    assert events[-1][1]["engine"].startswith("offline (fallback")


@pytest.mark.parametrize("mode", ["request", "background"])
def test_a_database_lost_mid_answer_still_ends_with_an_error_event_when_its_entry_is_lost(
    settings: Any,
    embedder: Any,
    ingest_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    mode: str,
) -> None:
    # The entry goes where the answer went: with the database lost it cannot be written
    # either. In request mode the write raised, cutting the stream after `retrieved`.
    app = create_app(settings.model_copy(update={"audit_write": mode}), embedder=embedder)
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    with TestClient(app, raise_server_exceptions=False) as client:
        ingest(client, ingest_headers, records())
        use_engine(monkeypatch, lambda offline: FakeEngine(offline, error=lost))
        monkeypatch.setattr(AuditLog, "append", raises(lost))
        rep = bearer(app.state.tokens.mint(org=ACME, subject="rep-e1", ttl_s=60))
        with caplog.at_level(logging.WARNING):
            events = _stream(client, rep, QUESTION)
    # In request mode `retrieved` waits for the entry, which is never written as a 200.
    sent = ["error"] if mode == "request" else ["retrieved", "error"]
    assert [name for name, _ in events] == sent
    assert events[-1][1]["error"]["code"] == "database_unavailable"
    logged = [r.getMessage() for r in caplog.records]
    (lost_entry,) = [m for m in logged if m.startswith("audit entries lost")]
    assert "'POST /v1/ask/stream', 503)" in lost_entry


@pytest.mark.parametrize("audit_write", ["request"])
def test_in_request_mode_a_read_whose_entry_cannot_be_written_sends_none_of_its_records(
    loaded: TestClient, rep: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The README: "request writes it before the response, so a read whose entry cannot
    # be written is not served". `retrieved` went out before the write.
    answered = loaded.post("/v1/ask", json=QUESTION, headers=rep).json()
    passages = answered["retrieved"]
    assert passages
    monkeypatch.setattr(AuditLog, "append", raises(psycopg.OperationalError("disk full")))
    refused = loaded.post("/v1/ask", json=QUESTION, headers=rep)
    assert refused.status_code == 503
    with loaded.stream("POST", "/v1/ask/stream", json=QUESTION, headers=rep) as response:
        raw = "".join(response.iter_text())
    for p in passages:
        assert p["document_id"] not in raw and p["title"] not in raw, raw
    assert [name for name, _ in parse_events(raw)] == ["error"]
    assert parse_events(raw)[-1][1] == refused.json()  # what /v1/ask answers the same failure
    labels = 'method="POST",route="/v1/ask/stream",status="503"'
    assert f"copilot_http_requests_total{{{labels}}} 1.0" in loaded.get("/metrics").text
