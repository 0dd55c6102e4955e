"""Run ``copilot`` in a fresh interpreter and report which heavy modules it imported.

A subprocess, not ``CliRunner``: the test process itself has long since imported torch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HEAVY_MODULES", "CliRun", "clean_env", "run_copilot"]

#: What a command that does not embed must never import (10+ s on 2 cores).
HEAVY_MODULES = ("torch", "sentence_transformers", "transformers")

_SCRIPT = """
import json, sys
from copilot.cli import main
_, args, heavy_names, report = sys.argv
sys.argv = ["copilot", *json.loads(args)]
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
heavy = [m for m in json.loads(heavy_names) if m in sys.modules]
with open(report, "w") as fh:
    json.dump({"code": code, "heavy": heavy}, fh)
sys.exit(code)
"""


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    stderr: str
    heavy_imported: list[str]


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without COPILOT_* or XDG dirs, this checkout first on PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COPILOT_", "XDG_"))}
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, env.get("PYTHONPATH", "")])
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["COLUMNS"] = "200"
    env.update(extra)
    return env


def run_copilot(*args: str, env: dict[str, str], timeout_s: float = 120) -> CliRun:
    """``copilot ARGS`` with ``env`` added to a clean copy of this process's environment."""
    full_env = clean_env(env)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "imports.json"
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                _SCRIPT,
                json.dumps(list(args)),
                json.dumps(HEAVY_MODULES),
                str(out),
            ],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        report = json.loads(out.read_text()) if out.exists() else {"heavy": ["<no report>"]}
    return CliRun(proc.returncode, proc.stdout, proc.stderr, report["heavy"])
