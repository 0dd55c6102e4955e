"""``copilot db stop`` / ``db start`` on a real embedded server of its own (root too)."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot import embedded
from copilot.settings import Settings
from tests.clirun import run_copilot


@pytest.fixture()
def data_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: as root, pgserver hands the data dir to its own system user.
    root = Path(tempfile.mkdtemp(prefix="copilot-embedded-"))
    try:
        yield root
    finally:
        embedded.stop(Settings(data_dir=root))


def test_stop_then_start_the_embedded_server(data_dir: Path) -> None:
    env = {"COPILOT_DATA_DIR": str(data_dir)}
    settings = Settings(data_dir=data_dir)
    pgdata = settings.embedded_data_dir

    run = run_copilot("db", "stop", env=env)
    assert run.exit_code == 0 and "not running" in run.stdout, run.stderr

    run = run_copilot("db", "start", env=env)
    assert run.exit_code == 0 and run.stdout.startswith("started:"), run.stderr
    pid = embedded.server_pid(settings)
    assert pid is not None and f"(pid {pid})" in run.stdout
    run = run_copilot("db", "start", env=env)
    assert run.stdout.startswith("already running:") and f"(pid {pid})" in run.stdout
    # pgserver was imported after its runtime dir was set (one lock file for all commands).
    assert "XDG_RUNTIME_DIR is not set" not in run.stderr, run.stderr

    run = run_copilot("db", "status", env=env)
    assert run.exit_code == 0 and f"database: {pgdata}" in run.stdout, run.stderr

    run = run_copilot("db", "stop", env=env)
    assert run.exit_code == 0 and run.stdout.startswith("stopped:"), run.stderr
    assert "XDG_RUNTIME_DIR is not set" not in run.stderr, run.stderr
    assert embedded.server_pid(settings) is None
    assert run.heavy_imported == []

    # Any command starts it again, data intact (migrations already applied).
    run = run_copilot("db", "status", "--json", env=env)
    assert run.exit_code == 0 and '"pending_migrations": []' in run.stdout, run.stderr
    assert embedded.server_pid(settings) is not None


@pytest.mark.parametrize("command", ["start", "stop"])
def test_an_external_database_is_not_managed(command: str, db_url: str, tmp_path: Path) -> None:
    env = {"COPILOT_DATA_DIR": str(tmp_path), "COPILOT_DATABASE_URL": db_url}
    run = run_copilot("db", command, env=env)
    assert run.exit_code == 2
    assert "COPILOT_DATABASE_URL is set" in run.stderr


def test_demo_refuses_a_busy_port_before_indexing(tmp_path: Path, db_url: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"COPILOT_DATA_DIR": str(tmp_path / "data"), "COPILOT_DATABASE_URL": db_url}
        run = run_copilot("demo", "--port", str(port), env=env)
    assert run.exit_code == 2
    assert f"cannot serve on 127.0.0.1:{port}" in run.stderr and "--port" in run.stderr
    # Failed before generating or indexing anything, and before loading the model.
    assert "indexing" not in run.stdout and not (tmp_path / "data" / "sample").exists()
    assert run.heavy_imported == []
