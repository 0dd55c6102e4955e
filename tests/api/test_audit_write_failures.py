"""An audit entry that cannot be written, on ``/v1/ask`` and ``/v1/ask/stream``.

With ``COPILOT_AUDIT_WRITE=request`` the answer is withheld: the client gets the 503 it
got before (a JSON error, or the stream's ``error`` event), and the failure is logged and
counted by /metrics. A failure entry is tried once more only when the database answered
the write with an error of its own (a deadlock): not when the connection was lost or a
statement ran out its deadline, where a second write fails the same way, after the same
wait. With ``background``, an entry lost after its answer went out is counted too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from copilot.audit import AuditEntry, AuditLog, AuditRecord
from retrieval import store
from tests.api.asking import QUESTION, audit_entries, parse_events, raises
from tests.api.conftest import bearer
from tests.api.test_generation import ACME, ingest, records

Headers = dict[str, str]
REQUEST_ID = "audit-write-failure-1"
#: Where the database listens, as psycopg's message for a lost connection names it.
SOCKET = "/run/pg-audit-4f2a/.s.PGSQL.6543"


@pytest.fixture()
def audit_write() -> str:
    """COPILOT_AUDIT_WRITE of ``app``; a test parametrizes it to choose."""
    return "request"


@pytest.fixture()
def loaded(client: TestClient, ingest_headers: Headers) -> TestClient:
    ingest(client, ingest_headers, records())
    return client


@pytest.fixture()
def rep(token_for: Callable[..., str]) -> Headers:
    return {**bearer(token_for(ACME, "rep-e1")), "X-Request-ID": REQUEST_ID}


def _failing_first(monkeypatch: pytest.MonkeyPatch, cause: Exception) -> list[list[int]]:
    """The first ``AuditLog.append`` fails as the database fails its first statement with
    ``cause``, later ones write; returns the statuses each call was given."""
    calls: list[list[int]] = []
    append, write = AuditLog.append, store.append_audit

    def recorded(self: AuditLog, entries: Iterable[AuditEntry], **kwargs: Any) -> None:
        entries = list(entries)
        calls.append([e.status for e in entries])
        append(self, entries, **kwargs)

    def failing_first(*args: Any, **kwargs: Any) -> AuditRecord:
        if len(calls) == 1:
            raise cause
        return write(*args, **kwargs)

    monkeypatch.setattr(AuditLog, "append", recorded)
    monkeypatch.setattr(store, "append_audit", failing_first)
    return calls


def _ask(client: TestClient, path: str, headers: Headers) -> tuple[int, dict[str, Any]]:
    """The status the client was given and its error body (a stream's ``error`` event)."""
    if path == "/ask":
        response = client.post("/v1/ask", json=QUESTION, headers=headers)
        return response.status_code, response.json()
    with client.stream("POST", "/v1/ask/stream", json=QUESTION, headers=headers) as response:
        events = parse_events("".join(response.iter_text()))
    assert [name for name, _ in events] == ["error"], events  # none of the records
    return response.status_code, events[-1][1]


def _entries(client: TestClient, path: str) -> list[AuditRecord]:
    return audit_entries(client.app, path)


def _counted(client: TestClient, entry: str) -> float:
    prefix = f'copilot_audit_write_failures_total{{entry="{entry}"}} '
    (line,) = [x for x in client.get("/metrics").text.splitlines() if x.startswith(prefix)]
    return float(line.removeprefix(prefix))


@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
@pytest.mark.parametrize(
    ("cause", "retried"),
    [
        pytest.param(
            psycopg.OperationalError("server closed the connection unexpectedly"),
            False,
            id="connection-lost",
        ),
        pytest.param(
            psycopg.errors.QueryCanceled("canceling statement due to statement timeout"),
            False,
            id="statement-timeout",
        ),
        pytest.param(psycopg.errors.DeadlockDetected("deadlock detected"), True, id="deadlock"),
    ],
)
def test_an_answer_whose_entry_cannot_be_written_is_withheld_logged_and_counted(
    loaded: TestClient,
    rep: Headers,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    path: str,
    cause: Exception,
    retried: bool,
) -> None:
    calls = _failing_first(monkeypatch, cause)
    with caplog.at_level(logging.WARNING):
        status, body = _ask(loaded, path, rep)
    if path == "/ask":
        assert status == 503
    assert body["error"]["code"] == "database_unavailable"
    # The failure entry is written only where a second write can succeed.
    assert calls == ([[200], [503]] if retried else [[200]])
    written = [(e.status, e.request_id, e.record_ids) for e in _entries(loaded, path)]
    assert written == ([(503, REQUEST_ID, ())] if retried else [])  # nothing went out
    (logged,) = [r for r in caplog.records if r.getMessage().startswith("audit entry not written")]
    assert logged.levelno == logging.ERROR
    assert REQUEST_ID in logged.getMessage() and f"POST /v1{path}" in logged.getMessage()
    assert QUESTION["question"] not in logged.getMessage()  # no query text in the log
    assert (_counted(loaded, "withheld"), _counted(loaded, "failed")) == (1.0, 0.0)


@pytest.mark.parametrize("audit_write", ["request"])
def test_a_failure_entry_that_cannot_be_written_either_is_counted(
    loaded: TestClient, rep: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    deadlock = psycopg.errors.DeadlockDetected("deadlock detected")
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> AuditRecord:
        calls.append(len(calls))
        raise deadlock

    monkeypatch.setattr(store, "append_audit", failing)
    status, _ = _ask(loaded, "/ask", rep)
    assert status == 503 and len(calls) == 2
    assert (_counted(loaded, "withheld"), _counted(loaded, "failed")) == (1.0, 1.0)


@pytest.mark.parametrize("audit_write", ["background"])
@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
def test_in_background_mode_an_entry_lost_after_its_answer_is_counted(
    loaded: TestClient,
    rep: Headers,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    assert _counted(loaded, "served") == 0.0  # every series is there before any failure
    _failing_first(monkeypatch, psycopg.OperationalError("server closed the connection"))
    with caplog.at_level(logging.ERROR):
        if path == "/ask":
            assert loaded.post("/v1/ask", json=QUESTION, headers=rep).status_code == 200
        else:
            with loaded.stream("POST", "/v1/ask/stream", json=QUESTION, headers=rep) as r:
                events = parse_events("".join(r.iter_text()))
            assert events[-1][0] == "done"
    assert any(r.getMessage().startswith("audit entries lost") for r in caplog.records)
    assert _counted(loaded, "served") == 1.0
    assert (_counted(loaded, "withheld"), _counted(loaded, "failed")) == (0.0, 0.0)


@pytest.mark.parametrize("path", ["/ask", "/ask/stream"])
def test_the_database_error_of_an_entry_not_written_goes_to_the_log_not_the_client(
    loaded: TestClient,
    rep: Headers,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    # AuditLog.append quoted the driver's message in its own, which went out whole.
    lost = psycopg.OperationalError(
        f'connection to server on socket "{SOCKET}" failed: server closed the connection'
    )
    monkeypatch.setattr(store, "append_audit", raises(lost))
    with caplog.at_level(logging.WARNING):
        if path == "/ask":
            response = loaded.post("/v1/ask", json=QUESTION, headers=rep)
            raw, body = response.text, response.json()
            assert response.status_code == 503 and response.headers["retry-after"] == "2"
        else:
            with loaded.stream("POST", "/v1/ask/stream", json=QUESTION, headers=rep) as r:
                raw = "".join(r.iter_text())
            ((name, body),) = parse_events(raw)
            assert name == "error"
    assert SOCKET not in raw and "6543" not in raw
    assert body["error"]["code"] == "database_unavailable"
    message = body["error"]["message"]
    assert "audit" in message and "retry" in message, message  # what failed; retryable
    assert any(SOCKET in r.getMessage() for r in caplog.records)  # the operator sees it
