"""How ``copilot`` finds the sub-command groups other packages plug in (no database)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from copilot import cli

GROUP = typer.Typer(no_args_is_help=True)


@GROUP.command()
def hello() -> None:
    typer.echo("hello from a plug-in")


@GROUP.command()
def bye() -> None:
    typer.echo("bye")


def _entry_points(*eps: metadata.EntryPoint):  # type: ignore[no-untyped-def]
    def entry_points(*, group: str) -> list[metadata.EntryPoint]:
        return [ep for ep in eps if ep.group == group]

    return entry_points


def _pyproject(tmp_path: Path, body: str, name: str = "crm-copilot") -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "{name}"\n\n{body}', encoding="utf-8")
    return path


def test_the_checkout_declares_eval_as_a_command_group() -> None:
    assert cli.command_groups()["eval"] == "eval.cli:app"


def test_installed_entry_points_are_used(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ep = metadata.EntryPoint("extra", f"{__name__}:GROUP", cli.COMMAND_GROUPS)
    other = metadata.EntryPoint("nope", f"{__name__}:GROUP", "some.other.group")
    monkeypatch.setattr(metadata, "entry_points", _entry_points(ep, other))
    assert cli.command_groups(tmp_path / "absent.toml") == {"extra": f"{__name__}:GROUP"}


def test_stale_metadata_falls_back_to_the_checkouts_pyproject(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An editable install made before the group was declared: no entry point at all.
    monkeypatch.setattr(metadata, "entry_points", _entry_points())
    declared = '[project.entry-points."copilot.commands"]\neval = "eval.cli:app"\n'
    assert cli.command_groups(_pyproject(tmp_path, declared)) == {"eval": "eval.cli:app"}


def test_installed_entry_points_win_over_the_pyproject(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ep = metadata.EntryPoint("eval", "installed.cli:app", cli.COMMAND_GROUPS)
    monkeypatch.setattr(metadata, "entry_points", _entry_points(ep))
    declared = '[project.entry-points."copilot.commands"]\neval = "eval.cli:app"\n'
    assert cli.command_groups(_pyproject(tmp_path, declared)) == {"eval": "installed.cli:app"}


def test_another_projects_pyproject_is_ignored(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(metadata, "entry_points", _entry_points())
    declared = '[project.entry-points."copilot.commands"]\nx = "x.cli:app"\n'
    assert cli.command_groups(_pyproject(tmp_path, declared, name="something-else")) == {}


def test_main_attaches_groups_and_eval_list_works(monkeypatch: pytest.MonkeyPatch) -> None:
    app = typer.Typer(no_args_is_help=True)
    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(
        cli,
        "command_groups",
        lambda: {"eval": "eval.cli:app", "plug": f"{__name__}:GROUP"},
    )
    cli._add_command_groups()
    runner = CliRunner()
    listed = runner.invoke(app, ["eval", "list"])
    assert listed.exit_code == 0 and "synthetic" in listed.output
    assert runner.invoke(app, ["plug", "hello"]).output == "hello from a plug-in\n"
