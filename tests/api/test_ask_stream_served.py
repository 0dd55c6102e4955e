"""``POST /v1/ask/stream`` under uvicorn, in a thread, over a real socket: what only a
real server shows, because Starlette's TestClient hands over a streamed body only once
the whole response is done. ``retrieved`` goes out before the engine answers (or, with
``COPILOT_AUDIT_WRITE=request``, only once the audit entry is written), and a client
that leaves mid-stream or during retrieval is audited as 499 and logs no error.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from api.routes import generation as routes
from copilot.audit import AuditRecord
from copilot.generation import Assistant
from summarizers.engine import Engine
from tests.api.asking import QUESTION, FakeEngine, audit_entries, use_engine
from tests.api.conftest import bearer
from tests.api.test_generation import ACME, records

Headers = dict[str, str]


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


def _gated(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, list[FakeEngine]]:
    """Engines that answer once the returned event is set (or after 10 s), as built."""
    gate, built = threading.Event(), []

    def make(offline: Engine) -> Engine:
        built.append(FakeEngine(offline, wait=lambda: gate.wait(10)))
        return built[-1]

    monkeypatch.setattr(routes, "KEEP_ALIVE_S", 0.05)
    use_engine(monkeypatch, make)
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

    use_engine(monkeypatch, lambda offline: FakeEngine(offline, wait=asked.set))
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
    return audit_entries(app, "/ask/stream")
