"""A database that is up but does not answer in time fails a request, never hangs it.

Real servers only: a statement is made to wait behind a real lock, and a real embedded
server is frozen with SIGSTOP (what a paused VM or a stuck host looks like to a client).
Before: both waited forever, holding the request, its pooled connection and a thread.
Each blocking call runs in a thread joined with a bound, so a regression fails the test
instead of hanging the suite; the bound tests "it returns", not how fast.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import psutil
import psycopg

from copilot.db import Database, _with_user
from copilot.embedded import start_embedded, stop_embedded
from copilot.errors import DatabaseUnavailable
from copilot.settings import Settings
from retrieval import store

#: Long enough that only a hang reaches it.
HANG_S = 60.0


def _outcome(work: Callable[[], Any]) -> Any:
    """``work()``'s result or the exception it raised, run in a thread bounded by HANG_S."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(work())
        except Exception as err:  # noqa: BLE001 - returned for the test to judge
            box.append(err)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=HANG_S)
    assert box, f"still waiting after {HANG_S:g} s: the call hangs"
    return box[0]


def _count_documents(db: Database) -> int:
    with db.caller() as conn:
        return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])


@contextmanager
def _locked(url: str, table: str) -> Iterator[None]:
    """``table`` locked against every reader by another session until the block ends."""
    with psycopg.connect(url) as other:
        other.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        try:
            yield
        finally:
            other.rollback()


def test_a_read_stuck_behind_a_lock_is_cancelled_and_its_connection_kept(db_url: str) -> None:
    with Database(db_url, query_timeout_s=0.5) as db:
        with _locked(db_url, "documents"):
            err = _outcome(lambda: _count_documents(db))
        assert isinstance(err, DatabaseUnavailable), err
        assert "ran longer than 0.5 s and was cancelled" in str(err)
        assert isinstance(err.__cause__, psycopg.errors.QueryCanceled)
        # The server cancelled the statement; the connection was not dropped.
        assert db.service_pool.get_stats().get("connections_lost", 0) == 0
        assert _outcome(lambda: _count_documents(db)) == 0


def test_bulk_work_has_no_deadline_and_waits_for_the_lock(db_url: str) -> None:
    # Ingest and re-embedding use connection() without a deadline: a lock held longer
    # than the request limit delays them, it does not fail them.
    with Database(db_url, query_timeout_s=0.2) as db, psycopg.connect(db_url) as other:
        other.execute("LOCK TABLE documents IN ACCESS EXCLUSIVE MODE")
        threading.Timer(1.0, other.rollback).start()

        def bulk() -> int:
            with db.connection() as conn:
                return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])

        assert _outcome(bulk) == 0


def test_owner_work_on_a_request_path_takes_the_deadline(db_url: str) -> None:
    with Database(db_url, query_timeout_s=0.3) as db:

        def audit_like() -> None:
            with db.connection(deadline=True) as conn:
                store.audit_orgs(conn)

        with _locked(db_url, "audit_chain"):
            err = _outcome(audit_like)
        assert isinstance(err, DatabaseUnavailable), err
        # The limit is per transaction: the next one on the same pool has its own.
        with db.connection() as conn:
            conn.execute("SELECT pg_sleep(0.5)")


def _frozen(pid: int) -> list[psutil.Process]:
    postmaster = psutil.Process(pid)
    procs = [postmaster, *postmaster.children(recursive=True)]
    for p in procs:
        p.send_signal(signal.SIGSTOP)
    return procs


def _thaw(procs: list[psutil.Process]) -> None:
    for p in procs:
        with suppress(psutil.NoSuchProcess):
            p.send_signal(signal.SIGCONT)


def test_a_frozen_server_fails_requests_then_serves_again_once_it_thaws(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    server = start_embedded(settings)
    service_url = _with_user(server.url, store.SERVICE_ROLE)
    try:
        with Database(server.url, service_url=service_url, query_timeout_s=0.5) as db:
            assert _count_documents(db) == 0  # a pooled connection, checked and live
            pid = server.postmaster_pid()
            assert pid is not None
            procs: list[psutil.Process] = []

            def frozen_mid_request() -> int:
                with db.caller() as conn:
                    conn.execute("SELECT 1")
                    procs.extend(_frozen(pid))
                    return int(conn.execute("SELECT count(*) FROM documents").fetchone()[0])

            try:
                # The request's socket is shut down past the deadline...
                err = _outcome(frozen_mid_request)
                assert isinstance(err, DatabaseUnavailable), err
                assert "did not answer within 2.5 s" in str(err), err
                # ...and new connections, which the frozen server never accepts, time out.
                for _ in range(2):
                    err = _outcome(lambda: _count_documents(db))
                    assert isinstance(err, DatabaseUnavailable), err
            finally:
                _thaw(procs)
            give_up = time.monotonic() + HANG_S
            result = _outcome(lambda: _count_documents(db))
            while result != 0 and time.monotonic() < give_up:
                time.sleep(0.5)
                result = _outcome(lambda: _count_documents(db))
            assert result == 0, result
    finally:
        stop_embedded(settings)


def test_pooled_connections_carry_tcp_keepalives_unless_the_url_sets_its_own(
    db_url: str,
) -> None:
    """A dead network path fails a connection in seconds, not the kernel's 15 minutes.

    Checked on the real libpq connections both pools hand out (over the embedded server's
    socket, which ignores them: dropping packets needs a network this suite does not
    build). A URL's own value wins.
    """
    own = f"{db_url} keepalives_idle=7"
    with Database(own) as db:
        for conn_of in (db.connection, db.caller):
            with conn_of() as conn:
                params = conn.info.get_parameters()
                assert params["keepalives_idle"] == "7"
                assert params["keepalives_interval"] == "10"
                assert params["keepalives_count"] == "3"
                assert params["tcp_user_timeout"] == "30000"
