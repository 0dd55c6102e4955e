"""``copilot audit``, ``erase`` and ``retention`` are found through the entry points,
even when installed metadata predates them, and load without the embedding stack."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import pytest
import typer
from typer.testing import CliRunner

from copilot import cli

NEW = {
    "audit": "copilot.cli_privacy:audit_app",
    "erase": "copilot.cli_privacy:erase",
    "retention": "copilot.cli_privacy:retention",
}


def test_new_groups_merge_into_metadata_that_predates_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stale = [metadata.EntryPoint("eval", "eval.cli:app", cli.COMMAND_GROUPS)]
    monkeypatch.setattr(
        cli.metadata, "entry_points", lambda *, group: [ep for ep in stale if ep.group == group]
    )
    assert cli.command_groups() == {
        "eval": "eval.cli:app",
        "ask": "copilot.cli_answers:ask",
        **NEW,
    }


def test_a_function_target_becomes_one_command_and_a_typer_a_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = typer.Typer()

    @app.callback()
    def _root() -> None: ...

    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(cli, "command_groups", lambda: NEW)
    cli._add_command_groups()
    runner = CliRunner()
    assert "--contact-id" in runner.invoke(app, ["erase", "--help"]).output
    assert "--older-than" in runner.invoke(app, ["retention", "--help"]).output
    out = runner.invoke(app, ["audit", "--help"]).output
    assert "verify" in out and "export" in out


def test_the_commands_module_does_not_load_the_model_stack() -> None:
    code = (
        "import sys, copilot.cli_privacy; "
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
