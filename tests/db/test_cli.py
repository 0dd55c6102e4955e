"""The ``copilot`` command line against the real database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from copilot.cli import app
from tests.db import crm_small


@pytest.fixture()
def run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COPILOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_help_lists_every_command(run) -> None:  # type: ignore[no-untyped-def]
    out = run("--help").output
    for command in ("demo", "index", "reindex", "search", "db"):
        assert command in out
    assert "--org" in run("search", "--help").output


def test_index_search_and_status(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "crm.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in crm_small.records()))
    result = run("index", str(path), "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["inserted"] == len(crm_small.records()) and report["errors"] == []

    result = run("search", "invoice dispute", "--org", "acme", "--user", "rep-e2", "--json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.output)["results"]
    assert hits[0]["document_id"] == "d-shared-team"
    assert {h["document_id"] for h in hits} <= crm_small.EXPECTED[("acme", "rep-e2")]

    status = json.loads(run("db", "status", "--json").output)
    assert status["orgs"]["acme"]["documents"] == 5
    assert status["pending_migrations"] == []


def test_bad_input_exits_2_naming_file_and_line(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.jsonl"
    path.write_text('{"type": "team", "org": "acme", "id": "t1", "name": "A"}\n{"type": "nope"}\n')
    result = run("index", str(path), "--no-progress")
    assert result.exit_code == 2
    assert f"{path}:2: type: unknown record type 'nope'" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "--since must be an ISO date"),
        (["--kind", "memo"], "unknown kind(s) ['memo']"),
        (["--user", "ghost"], "user 'ghost' does not exist in org 'acme'"),
    ],
)
def test_search_rejects_bad_arguments_clearly(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    base = {"--org": "acme", "--user": "admin"}
    for flag, value in zip(args[::2], args[1::2], strict=False):
        base[flag] = value
    flat = [x for kv in base.items() for x in kv]
    result = run("search", "pricing", *flat)
    assert result.exit_code == 2
    assert message in result.output
