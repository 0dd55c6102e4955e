"""``copilot ... --help`` reads cleanly: no type placeholders, no sentence broken mid-line."""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator

import pytest
import typer
from typer.testing import CliRunner

from copilot import cli

#: What typer's rich help printed for parameters before (issue 13): `<bool>`, `<list[Path]>`.
PLACEHOLDER = re.compile(r"<(bool|str|int|float|path|Path|list\[[^\]]*\]|[a-z]+ range)>")


def _app_with_groups() -> typer.Typer:
    cli._add_command_groups()  # eval, as main() does
    return cli.app


def _command_paths() -> Iterator[list[str]]:
    root = typer.main.get_command(_app_with_groups())

    def walk(command, path: list[str]) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    yield from walk(root, [])


COMMANDS = list(_command_paths())


def _help(path: list[str]) -> str:
    # Wide enough that any line break inside a paragraph would be a hard one.
    result = CliRunner().invoke(_app_with_groups(), [*path, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return result.output


def test_every_command_is_covered() -> None:
    names = {" ".join(p) for p in COMMANDS}
    expected = {"", "index", "search", "token", "db status", "db stop", "db start", "eval gate"}
    assert expected <= names


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "copilot")
def test_help_has_no_type_placeholders(path: list[str]) -> None:
    out = _help(path)
    assert not PLACEHOLDER.search(out), PLACEHOLDER.search(out)
    assert "{paths}" not in out


@pytest.mark.parametrize("path", [p for p in COMMANDS if p], ids=" ".join)
def test_each_paragraph_of_a_docstring_is_printed_on_one_line(path: list[str]) -> None:
    command = typer.main.get_command(_app_with_groups())
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    doc = inspect.getdoc(command.callback) if command.callback else None
    if not doc:
        return
    lines = [" ".join(line.split()) for line in _help(path).splitlines()]
    for paragraph in re.split(r"\n\s*\n", doc):
        joined = " ".join(paragraph.split())
        assert any(joined in line for line in lines), f"{joined!r} is broken across lines"


def test_the_unit_is_shown_instead_of_a_placeholder() -> None:
    out = _help(["search"])
    assert re.search(r"--top-k\s+INTEGER \[1<=x<=100\]", out)
    assert re.search(r"QUERY\s+TEXT", out)
