"""``POST /v1/ask/stream`` on the real database: ``retrieved`` before the engine answers
(or, with ``COPILOT_AUDIT_WRITE=request``, only once the audit entry is written),
keep-alive comments while it does, errors before and after the stream starts, the audit
entry, and a client that leaves.

No hosted LLM can exist here: a fake engine that waits (on an event, or a sleep) stands
in for one that takes seconds, and one that raises for an endpoint failing mid-way. Two
tests run the app under uvicorn in a thread, because Starlette's TestClient hands over a
streamed body only once the whole response is done.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import generation as routes
from copilot.audit import AuditLog, AuditRecord, iter_records
from copilot.generation import Assistant
from summarizers.engine import Engine, WithFallback
from summarizers.errors import SummarizerError
from summarizers.models import Answer, CallSummary, Passage
from tests.api.conftest import bearer
from tests.api.test_generation import ACME, ingest, records

Headers = dict[str, str]
QUESTION = {"question": "When will the revised quote be sent?"}


class _Engine:
    """The offline engine, answering only after ``wait()`` returns, or raising ``error``."""

    def __init__(
        self,
        inner: Engine,
        *,
        wait: Callable[[], object] = lambda: None,
        error: Exception | None = None,
    ) -> None:
        self.inner, self.wait, self.error = inner, wait, error
        self.answered = threading.Event()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def cache_key(self) -> str:
        return self.inner.cache_key

    def summarize_call(self, doc: Any) -> CallSummary:
        return self.inner.summarize_call(doc)

    def summarize_text(self, text: str, *, kind: str, now: datetime) -> CallSummary:
        return self.inner.summarize_text(text, kind=kind, now=now)

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        self.wait()
        if self.error is not None:
            raise self.error
        try:
            return self.inner.answer(question, passages)
        finally:
            self.answered.set()


def _use(monkeypatch: pytest.MonkeyPatch, make: Callable[[Engine], Engine]) -> None:
    """Every Assistant's ``engine`` (what ``ask`` answers with) becomes ``make(offline)``."""
    monkeypatch.setattr(Assistant, "engine", property(lambda self: make(self.offline)))


@pytest.fixture()
def audit_write() -> str:
    """COPILOT_AUDIT_WRITE of ``app``; a test parametrizes it to choose."""
    return "background"


@pytest.fixture()
def app(settings: Any, embedder: Any, audit_write: str) -> Any:
    return create_app(settings.model_copy(update={"audit_write": audit_write}), embedder=embedder)


@pytest.fixture()
def loaded(client: TestClient, ingest_headers: Headers) -> TestClient:
    ingest(client, ingest_headers, records())
    return client


@pytest.fixture()
def rep(token_for: Callable[..., str]) -> Headers:
    return bearer(token_for(ACME, "rep-e1"))


def _events(raw: str) -> list[tuple[str, Any]]:
    """``(name, data)`` per block; a comment block is ``(":", text)``."""
    out: list[tuple[str, Any]] = []
    for block in raw.strip().split("\n\n"):
        if block.startswith(":"):
            out.append((":", block[1:].strip()))
            continue
        name, data = block.split("\n", 1)
        out.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def _stream(client: TestClient, headers: Headers, body: dict[str, Any]) -> list[tuple[str, Any]]:
    with client.stream("POST", "/v1/ask/stream", json=body, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return _events("".join(response.iter_text()))


def _entries(client: TestClient, path: str) -> list[AuditRecord]:
    db = client.app.state.copilot.db  # type: ignore[attr-defined]
    return [e for e in iter_records(db, org=ACME) if e.endpoint == f"POST /v1{path}"]


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
    _use(monkeypatch, lambda offline: _Engine(offline, wait=lambda: time.sleep(0.5)))
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
    _use(monkeypatch, lambda offline: _Engine(offline, error=error))
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
    _use(monkeypatch, lambda offline: WithFallback(_Engine(offline, error=failing), offline))
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
        _use(monkeypatch, lambda offline: _Engine(offline, error=lost))
        monkeypatch.setattr(AuditLog, "append", _raises(lost))
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
    monkeypatch.setattr(AuditLog, "append", _raises(psycopg.OperationalError("disk full")))
    refused = loaded.post("/v1/ask", json=QUESTION, headers=rep)
    assert refused.status_code == 503
    with loaded.stream("POST", "/v1/ask/stream", json=QUESTION, headers=rep) as response:
        raw = "".join(response.iter_text())
    for p in passages:
        assert p["document_id"] not in raw and p["title"] not in raw, raw
    assert [name for name, _ in _events(raw)] == ["error"]
    assert _events(raw)[-1][1] == refused.json()  # what /v1/ask answers the same failure
    labels = 'method="POST",route="/v1/ask/stream",status="503"'
    assert f"copilot_http_requests_total{{{labels}}} 1.0" in loaded.get("/metrics").text


def _raises(exc: Exception) -> Callable[..., Any]:
    def raising(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return raising


# ------------------------------------------------------------------ a real server


@pytest.fixture()
def served(app: Any) -> Iterator[str]:
    """The app under uvicorn on a free local port, in a thread; its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    assert not thread.is_alive(), "uvicorn did not stop: a request is still running"


def _read_until(lines: Iterator[str], name: str) -> list[str]:
    """The lines up to event ``name`` and its data line."""
    seen = _read_through(lines, f"event: {name}")
    return [*seen, next(lines)]


def _read_through(lines: Iterator[str], last: str) -> list[str]:
    seen = []
    for line in lines:
        seen.append(line)
        if line == last:
            return seen
    raise AssertionError(f"no {last!r} in {seen}")


def _gated(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[_Engine]]:
    """Engines that answer once the returned event is set (or after 10 s), as built."""
    gate, built = threading.Event(), []

    def make(offline: Engine) -> Engine:
        built.append(_Engine(offline, wait=lambda: gate.wait(10)))
        return built[-1]

    monkeypatch.setattr(routes, "KEEP_ALIVE_S", 0.05)
    _use(monkeypatch, make)
    return gate, built


def _rep_of_loaded(http: httpx.Client, app: Any, ingest_headers: Headers) -> Headers:
    body = "\n".join(json.dumps(r) for r in records())
    headers = {**ingest_headers, "content-type": "application/x-ndjson"}
    ingested = http.post("/v1/ingest", content=body, headers=headers)
    assert ingested.status_code == 200, ingested.text
    return bearer(app.state.tokens.mint(org=ACME, subject="rep-e1", ttl_s=60))


@pytest.mark.parametrize("audit_write", ["background"])
def test_retrieved_goes_out_before_the_engine_answers(
    served: str, app: Any, ingest_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, engines = _gated(monkeypatch)
    with httpx.Client(base_url=served, timeout=30) as http:
        rep = _rep_of_loaded(http, app, ingest_headers)
        with http.stream("POST", "/v1/ask/stream", json=QUESTION, headers=rep) as response:
            lines = response.iter_lines()
            first = _read_until(lines, "retrieved")
            assert first[-1].startswith("data: [") and not engines[-1].answered.is_set()
            kept = [next(lines) for _ in range(4)]  # two comments, each ends with a blank line
            assert kept.count(": keep-alive") == 2 and not engines[-1].answered.is_set()
            gate.set()
            rest = list(lines)
    assert "event: answer" in rest and "event: done" in rest
    assert rest.index("event: answer") < rest.index("event: done")


@pytest.mark.parametrize("audit_write", ["request"])
def test_in_request_mode_retrieved_waits_for_the_answer_and_its_entry(
    served: str, app: Any, ingest_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate, engines = _gated(monkeypatch)
    with httpx.Client(base_url=served, timeout=30) as http:
        rep = _rep_of_loaded(http, app, ingest_headers)
        with http.stream("POST", "/v1/ask/stream", json=QUESTION, headers=rep) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            kept = [next(lines) for _ in range(4)]  # only comments while the engine answers
            assert kept == [": keep-alive", "", ": keep-alive", ""]
            assert not engines[-1].answered.is_set() and not _stream_entries(app)
            gate.set()
            rest = list(lines)
    names = [line for line in rest if line.startswith("event: ")]
    assert names[0] == "event: retrieved" and names[-1] == "event: done", names
    (entry,) = _stream_entries(app)
    assert entry.status == 200
    retrieved = json.loads(rest[rest.index("event: retrieved") + 1].removeprefix("data: "))
    assert {p["document_id"] for p in retrieved} <= set(entry.record_ids)


@pytest.mark.parametrize("audit_write", ["background", "request"])
def test_a_client_that_leaves_mid_stream_leaves_no_error_and_is_audited(
    served: str,
    app: Any,
    ingest_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    audit_write: str,
) -> None:
    gate, engines = _gated(monkeypatch)
    with httpx.Client(base_url=served, timeout=30) as http:
        rep = _rep_of_loaded(http, app, ingest_headers)
        with caplog.at_level(logging.WARNING):
            with http.stream("POST", "/v1/ask/stream", json=QUESTION, headers=rep) as response:
                # Leaves at the first keep-alive: in request mode nothing else came.
                seen = _read_through(response.iter_lines(), ": keep-alive")
            # The connection is closed; the engine answers only afterwards.
            time.sleep(0.3)
            gate.set()
            assert engines[-1].answered.wait(10)
            deadline = time.monotonic() + 10
            while not (entries := _stream_entries(app)) and time.monotonic() < deadline:
                time.sleep(0.05)
            # Counted once the response is done, just after the entry is written.
            counted = 'route="/v1/ask/stream",status="499"} 1.0'
            while counted not in (metrics := http.get("/metrics").text):
                assert time.monotonic() < deadline, metrics  # it was counted as 200
                time.sleep(0.05)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    (entry,) = entries
    assert entry.status == 499  # as metrics count a client that left (CLIENT_CLOSED)
    sent = [json.loads(line.removeprefix("data: ")) for line in seen if line.startswith("data: ")]
    assert set(entry.record_ids) == {p["document_id"] for data in sent for p in data}
    assert bool(sent) == (audit_write == "background")  # the entry lists what went out


@pytest.mark.parametrize("audit_write", ["background", "request"])
def test_a_client_that_leaves_during_retrieval_ends_the_request_before_the_engine_answers(
    served: str,
    app: Any,
    ingest_headers: Headers,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # An LLM may take COPILOT_LLM_TIMEOUT_S to write an answer that nobody would read.
    searching, searched, go, asked = (threading.Event() for _ in range(4))
    evidence = Assistant.evidence

    def slow_evidence(self: Assistant, **kwargs: Any) -> Any:
        searching.set()
        go.wait(10)
        try:
            return evidence(self, **kwargs)
        finally:
            searched.set()

    _use(monkeypatch, lambda offline: _Engine(offline, wait=asked.set))
    with httpx.Client(base_url=served, timeout=30) as http:
        rep = _rep_of_loaded(http, app, ingest_headers)
        monkeypatch.setattr(Assistant, "evidence", slow_evidence)
        with caplog.at_level(logging.WARNING):
            _leave_during(served, rep, searching)
            # The request ends at once, as 499, while retrieval still runs.
            deadline = time.monotonic() + 5
            while not (entries := _stream_entries(app)):
                assert time.monotonic() < deadline, "no entry: the request still waits"
                time.sleep(0.05)
            counted = 'route="/v1/ask/stream",status="499"} 1.0'
            while counted not in (metrics := http.get("/metrics").text):
                assert time.monotonic() < deadline, metrics
                time.sleep(0.05)
            assert not searched.is_set()
            go.set()
            assert searched.wait(10)
            assert not asked.wait(1.0), "the engine was asked for a client that had left"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    (entry,) = entries
    assert (entry.status, entry.record_ids) == (499, ())  # nothing went out


def _leave_during(base_url: str, headers: Headers, started: threading.Event) -> None:
    """Sends a stream request on a bare socket and closes it once ``started`` is set,
    before any byte of the response (httpx returns only once the headers are in)."""
    host, port = base_url.removeprefix("http://").split(":")
    body = json.dumps(QUESTION).encode()
    head = (
        f"POST /v1/ask/stream HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: {headers['Authorization']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + body)
        assert started.wait(10), "retrieval did not start"


def _stream_entries(app: Any) -> list[AuditRecord]:
    found = iter_records(app.state.copilot.db, org=ACME)
    return [e for e in found if e.endpoint == "POST /v1/ask/stream"]
