"""Commands that do not embed load no model and import no torch (issue 13: 14 s → ~1 s).

Each runs ``copilot`` in a fresh interpreter and checks ``sys.modules`` at exit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import run_copilot


def _report(path: Path) -> Path:
    path.write_text(json.dumps({"suite": "synthetic-quick", "status": "ok", "metrics": {}}))
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["db", "--help"],
        ["index", "--help"],
        ["ask", "--help"],
        ["token", "--org", "acme", "--user", "acme-u-9", "--dev"],
        ["db", "status"],
        ["db", "status", "--json"],
        ["eval", "list"],
        ["eval", "compare", "{report}", "{report}", "--gates", "{gates}"],
        ["eval", "gate", "{report}", "--gates", "{gates}"],
    ],
    ids=lambda a: " ".join(a),
)
def test_commands_that_do_not_embed_import_no_torch(
    args: list[str], db_url: str, tmp_path: Path
) -> None:
    gates = tmp_path / "gates.toml"
    gates.write_text("")
    files = {"report": str(_report(tmp_path / "report.json")), "gates": str(gates)}
    env = {"COPILOT_DATABASE_URL": db_url, "COPILOT_DATA_DIR": str(tmp_path / "data")}
    run = run_copilot(*(a.format(**files) for a in args), env=env)
    assert run.exit_code == 0, run.stderr
    assert run.heavy_imported == []
    if args[:2] == ["db", "status"]:
        assert "configured model: all-MiniLM-L6-v2" in run.stdout or '"model"' in run.stdout


def test_a_command_that_embeds_does_import_the_model(db_url: str, tmp_path: Path) -> None:
    # The check above can fail: search loads the model (and says so on a terminal).
    env = {"COPILOT_DATABASE_URL": db_url, "COPILOT_DATA_DIR": str(tmp_path / "data")}
    run = run_copilot("search", "pricing", "--org", "acme", "--user", "nobody", env=env)
    assert run.exit_code == 2 and "user 'nobody' does not exist" in run.stderr
    assert "torch" in run.heavy_imported
