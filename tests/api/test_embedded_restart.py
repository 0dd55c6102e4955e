"""``kill -9`` of the embedded postmaster under load, against a real ``copilot serve``.

Before: in-flight requests got 500 (``AdminShutdown``), then every request hung 30 s
for a 500 ``PoolTimeout``, and the server stayed down until some CLI command started it.
Now: errors are 503 only, no request waits more than 5 s, and search is back without
restarting the service within 30 s (the issue's acceptance figures).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from copilot.auth import TokenService
from copilot.embedded import EmbeddedServer, Supervisor, start_embedded, stop_embedded
from copilot.settings import Settings
from tests.api.test_http_surface import _jsonl
from tests.conftest import INGEST_TOKEN, JWT_SECRET
from tests.db import crm_small
from tests.db.crm_small import ACME

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 16


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    base_url: str
    settings: Settings
    log: Path


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    with serve(tmp_path) as out:
        yield out


@contextmanager
def serve(tmp_path: Path, **env_extra: str) -> Iterator[Served]:
    """``copilot serve`` as a subprocess on the embedded server in ``tmp_path``, ready;
    ``env_extra`` adds settings (``COPILOT_...`` variables)."""
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, jwt_secret=JWT_SECRET, ingest_token=INGEST_TOKEN)
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")},
        "COPILOT_DATA_DIR": str(data_dir),
        "COPILOT_JWT_SECRET": JWT_SECRET,
        "COPILOT_INGEST_TOKEN": INGEST_TOKEN,
        "COPILOT_RATE_LIMIT": "off",
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        **env_extra,
    }
    log = tmp_path / "serve.log"
    command = [sys.executable, "-c", "from copilot.cli import main; main()", "serve"]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("copilot serve did not become ready:\n" + log.read_text())
        yield Served(base_url, settings, log)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        stop_embedded(settings)


@dataclass
class Outcome:
    started: float
    seconds: float
    status: int | str


def _load(base_url: str, token: str, stop: threading.Event, out: list[Outcome]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while not stop.is_set():
            started = time.monotonic()
            try:
                status: int | str = client.post(
                    "/v1/search", json={"query": "customer email"}, headers=headers
                ).status_code
            except httpx.HTTPError as err:
                status = type(err).__name__
            out.append(Outcome(started, time.monotonic() - started, status))


@contextmanager
def under_load(base_url: str, token: str) -> Iterator[list[Outcome]]:
    """:data:`CLIENTS` threads searching until the block ends; yields their outcomes."""
    stop = threading.Event()
    outcomes: list[Outcome] = []
    workers = [
        threading.Thread(target=_load, args=(base_url, token, stop, outcomes))
        for _ in range(CLIENTS)
    ]
    for w in workers:
        w.start()
    try:
        yield outcomes
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=60)


def _back_at(
    outcomes: list[Outcome], killed_at: float, restarted_at: float | None = None
) -> float | None:
    """When search answered 200 again after the first failure the kill caused; or, when
    no request failed at all (the pool reconnected before any caller saw the outage),
    the first 200 of a request started once the new postmaster was seen."""
    failures = [o.started for o in outcomes if o.started >= killed_at and o.status != 200]
    if failures:
        first = min(failures)
    elif restarted_at is not None:
        first = restarted_at
    else:
        return None
    back = [o.started + o.seconds for o in outcomes if o.started > first and o.status == 200]
    return min(back) if back else None


def test_kill_9_of_the_embedded_postmaster_under_load(served: Served) -> None:
    ingest = httpx.post(
        f"{served.base_url}/v1/ingest",
        content=_jsonl(crm_small.records()),
        headers={"Authorization": f"Bearer {INGEST_TOKEN}", "Content-Type": "application/x-ndjson"},
        timeout=120,
    )
    assert ingest.status_code == 200, ingest.text
    # uvicorn as `copilot serve` runs it: no server banner, and the request id in its logs.
    assert "server" not in ingest.headers
    assert f"[{ingest.headers['x-request-id']}]" in served.log.read_text(errors="replace")
    tokens = TokenService.from_settings(served.settings)
    token = tokens.mint(org=ACME, subject="admin", ttl_s=600)
    server = EmbeddedServer(served.settings)
    old_pid = server.postmaster_pid()
    assert old_pid is not None

    with under_load(served.base_url, token) as outcomes:
        time.sleep(3)
        killed_at = time.monotonic()
        os.kill(old_pid, signal.SIGKILL)
        recovered_at = restarted_at = None
        while recovered_at is None and time.monotonic() - killed_at < 45:
            time.sleep(0.5)
            if restarted_at is None and _pid_now(server) not in (None, old_pid):
                restarted_at = time.monotonic()
            recovered_at = _back_at(list(outcomes), killed_at, restarted_at)
        time.sleep(2)  # keep the load on past the recovery

    log = served.log.read_text(errors="replace")
    statuses = {o.status for o in outcomes}
    assert statuses <= {200, 503}, (statuses, log[-3000:])
    slowest = max(o.seconds for o in outcomes)
    assert slowest < 5, f"a request waited {slowest:.1f} s"
    assert recovered_at is not None, log[-3000:]
    assert recovered_at - killed_at < 30
    new_pid = _pid_now(server)
    assert new_pid is not None and new_pid != old_pid
    assert "embedded PostgreSQL restarted" in log
    failed = [o for o in outcomes if o.status == 503]
    print(
        f"\n{len(outcomes)} requests, {len(failed)} answered 503, slowest {slowest:.2f} s, "
        f"search back {recovered_at - killed_at:.1f} s after the kill"
    )


def _pid_now(server: EmbeddedServer) -> int | None:
    """The postmaster's pid, read as the supervisor reads it: a postmaster.pid that is
    being rewritten (seen once in CI: seven of its eight lines) is read again."""
    for _ in range(20):
        try:
            return server.postmaster_pid()
        except (AssertionError, ValueError, OSError):
            time.sleep(0.1)
    return None


def test_stop_and_start_of_the_embedded_server(tmp_path: Path) -> None:
    # What `copilot db stop` / `copilot db start` call; a supervisor leaves a server
    # stopped on purpose down, and sees it come back.
    settings = Settings(data_dir=tmp_path / "data")
    server = start_embedded(settings)
    try:
        assert server.is_running() and not server.stopped_on_purpose()
        supervisor = Supervisor(server, poll_s=0.1).start()
        try:
            assert stop_embedded(settings) is True
            assert not server.is_running() and server.stopped_on_purpose()
            assert supervisor.down.wait(timeout=10)
            time.sleep(1)
            assert not server.is_running() and supervisor.restarts == 0
            assert stop_embedded(settings) is False  # already stopped
            start_embedded(settings)
            assert server.is_running() and not server.stopped_on_purpose()
            deadline = time.monotonic() + 10
            while supervisor.down.is_set() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not supervisor.down.is_set() and supervisor.restarts == 0
        finally:
            supervisor.close()
    finally:
        stop_embedded(settings)


def test_stop_while_postmaster_pid_is_being_rewritten_still_stops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race (a restarting postmaster writing postmaster.pid while `copilot db stop`
    # reads it: pgserver then asserts on seven of eight lines) cannot be timed from a
    # test, so the first read is made to fail as it does; the server is real.
    settings = Settings(data_dir=tmp_path / "data")
    server = start_embedded(settings)
    real = EmbeddedServer.postmaster_pid
    reads = []

    def half_written(self: EmbeddedServer) -> int | None:
        reads.append(1)
        if len(reads) == 1:
            raise AssertionError("_lines: seven of eight")
        return real(self)

    try:
        monkeypatch.setattr(EmbeddedServer, "postmaster_pid", half_written)
        assert stop_embedded(settings) is True
        monkeypatch.undo()
        assert not server.is_running() and server.stopped_on_purpose()
    finally:
        monkeypatch.undo()
        stop_embedded(settings)
