"""The README's shell blocks run as written against the demo's data (issue 13).

``make demo`` indexes the seed-7 sample (2,000 documents, minutes of embedding). This test
stands in for it: it generates the same sample, indexes every entity and the documents the
README names (plus the demo rep's and a few others) into the suite's PostgreSQL, serves the
app on loopback, and runs each README command in one bash session, in README order, with
``copilot`` on PATH and ``localhost:8000`` pointing at that server. ``curl`` runs with
``--fail-with-body``, so any non-2xx answer fails the command.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from copilot import demo, sample
from tests.clirun import clean_env

README = Path(__file__).resolve().parents[2] / "README.md"

#: The demo's sample: what `make demo` generates (copilot demo's defaults).
DEMO_SEED = 7

#: Sections whose blocks are not run, and why.
SECTIONS_NOT_RUN = {
    "Evaluating": "each suite indexes its own corpus for minutes; tests/db/test_eval_runner.py",
}

#: Commands not run, by prefix, and why (each is covered elsewhere).
COMMANDS_NOT_RUN = {
    "make ": "installs .venv and runs for minutes; this test stands in for `make demo`",
    "source ": "the test puts the venv's bin directory on PATH itself",
    "copilot demo": "indexes 2,000 documents; the fixture indexes a subset of the same sample",
    "copilot serve": "serves until stopped; the fixture serves the same app",
    "copilot reindex": "re-embeds every chunk (minutes); tests/db/test_ingest.py",
    "copilot db stop": "would stop a server; tests/db/test_embedded.py runs stop and start",
    "copilot db start": "tests/db/test_embedded.py",
    "export COPILOT_": "production secrets for `copilot serve`, which is not run",
}

#: Record ids of the sample: `acme-cl-523`, `globex-u-4`, ...
SAMPLE_ID = re.compile(r"\b(?:acme|globex)-(?:u|t|a|c|d|cl|em|tk)-\d+\b")


def readme_commands(text: str) -> list[tuple[str, str]]:
    """``(section, command)`` for every command in the README's ``bash`` blocks.

    Continuation lines (ending in a backslash) are joined; comment lines are dropped.
    """
    commands: list[tuple[str, str]] = []
    section, in_block, pending = "", False, ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        elif line.strip() == "```bash":
            in_block = True
        elif line.strip() == "```":
            in_block = False
        elif in_block:
            pending += line
            if line.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            if pending.strip() and not pending.lstrip().startswith("#"):
                commands.append((section, pending.strip()))
            pending = ""
    return commands


def _commands_to_run() -> list[str]:
    out = []
    for section, command in readme_commands(README.read_text(encoding="utf-8")):
        if section in SECTIONS_NOT_RUN:
            continue
        if any(command.startswith(prefix) for prefix in COMMANDS_NOT_RUN):
            continue
        out.append(command)
    return out


@pytest.fixture(scope="module")
def demo_records() -> list[dict[str, Any]]:
    return list(sample.generate(DEMO_SEED, docs_per_org=demo.DEMO_DOCS_PER_ORG).records)


def test_the_readme_has_commands_to_run() -> None:
    commands = _commands_to_run()
    assert len(commands) >= 20
    for needle in ("copilot db status", "copilot token", "curl -s localhost:8000/v1/search"):
        assert any(c.startswith(needle) for c in commands), needle


def test_every_sample_id_in_the_readme_exists_in_the_demo_data(
    demo_records: list[dict[str, Any]],
) -> None:
    text = README.read_text(encoding="utf-8")
    known = {r["id"] for r in demo_records}
    # Ids the README itself creates (the ingest example) are fine too.
    known |= set(re.findall(r'"id": "([^"]+)"', text))
    missing = sorted(set(SAMPLE_ID.findall(text)) - known)
    assert not missing, f"README names ids the demo sample does not have: {missing}"


def test_the_readmes_demo_users_are_the_ones_make_demo_prints(
    demo_records: list[dict[str, Any]],
) -> None:
    org, who = demo.pick_demo_users(demo_records)
    text = README.read_text(encoding="utf-8")
    assert org == "acme"
    for role, uid in who.items():
        assert f"the {role} `{uid}`" in text or f"their {role} `{uid}`" in text, (role, uid)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _demo_subset(records: list[dict[str, Any]], named: set[str]) -> list[dict[str, Any]]:
    """Every entity; documents the README names, the demo rep's, and a few of each org."""
    documents = [r for r in records if r["type"] in ("email", "call", "ticket")]
    keep = {r["id"] for r in documents if r["id"] in named or r.get("owner_id") == "acme-u-9"}
    for org in ("acme", "globex"):
        keep |= {r["id"] for r in [d for d in documents if d["org"] == org][:30]}
    return [r for r in records if r["type"] not in ("email", "call", "ticket") or r["id"] in keep]


@pytest.fixture(scope="module")
def demo_server(
    demo_records: list[dict[str, Any]],
    pg_server: str,
    template_db: str,
    embedder: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, str]]:
    """A HOME whose data dir holds the demo sample, indexed and served: the env to run in."""
    import psycopg
    import uvicorn

    from api.app import create_app
    from copilot.service import Copilot
    from copilot.settings import Settings
    from tests.conftest import _with_db, _with_user

    name = "readme_demo"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    db_url = _with_db(pg_server, name)
    home = tmp_path_factory.mktemp("home")
    data_dir = home / ".local" / "share" / "crm-copilot"  # the default data dir under HOME
    named = set(SAMPLE_ID.findall(README.read_text(encoding="utf-8")))
    subset = _demo_subset(demo_records, named)
    jsonl = data_dir / "sample" / "crm.jsonl"
    jsonl.parent.mkdir(parents=True)
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in subset), encoding="utf-8")
    settings = Settings(
        data_dir=data_dir,
        database_url=db_url,
        service_database_url=_with_user(db_url, "copilot_service"),
        dev=True,
    )
    with Copilot.open(settings, embedder=embedder) as cp:
        report = cp.indexer(progress=False).ingest_paths([jsonl])
    assert not report.errors, report.errors[:3]

    port = _free_port()
    app = create_app(settings, embedder=embedder)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the demo app did not start"
        time.sleep(0.1)
    try:
        yield clean_env(
            {
                "HOME": str(home),
                "COPILOT_DATABASE_URL": db_url,
                "COPILOT_SERVICE_DATABASE_URL": settings.service_database_url or "",
                "DEMO_PORT": str(port),
            }
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


_PREAMBLE = """
set -eo pipefail
curl() { command curl --fail-with-body --show-error "${@//localhost:8000/127.0.0.1:$DEMO_PORT}"; }
"""


@pytest.mark.slow
def test_every_readme_command_runs_against_the_demo_data(
    demo_server: dict[str, str], tmp_path: Path
) -> None:
    commands = _commands_to_run()
    script = _PREAMBLE + "".join(
        f"echo '>>> {i}' >&2\n{command}\n" for i, command in enumerate(commands)
    )
    proc = subprocess.run(
        ["bash", "-c", script],
        env=demo_server,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if proc.returncode != 0:
        steps = re.findall(r">>> (\d+)", proc.stderr)
        failed = commands[int(steps[-1])] if steps else "?"
        pytest.fail(
            f"README command failed (exit {proc.returncode}):\n  {failed}\n"
            f"stdout tail:\n{proc.stdout[-1500:]}\nstderr tail:\n{proc.stderr[-1500:]}"
        )
    assert proc.stderr.count(">>> ") == len(commands)
