"""The ``copilot`` command line against the real database."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from copilot import cli_answers
from copilot.cli import app
from tests.db import crm_small


@pytest.fixture()
def run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    # `ask` comes in through the entry points, as main() attaches it.
    if "ask" not in {c.name for c in app.registered_commands}:
        app.command("ask")(cli_answers.ask)
    monkeypatch.setenv("COPILOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_help_lists_every_command(run) -> None:  # type: ignore[no-untyped-def]
    out = run("--help").output
    for command in ("demo", "index", "reindex", "search", "db", "serve", "token"):
        assert command in out
    assert "--org" in run("search", "--help").output
    version = run("--version")
    assert version.exit_code == 0 and version.output.startswith("crm-copilot ")


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
    assert all(h["occurred_at"].endswith("Z") for h in hits)  # as the API writes it
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


def test_index_reads_a_json_array_named_on_its_own(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # What /v1/ingest takes as application/json, the command line takes as a .json file.
    path = tmp_path / "export.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(crm_small.records(), indent=1).encode())
    result = run("index", str(path), "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["inserted"] == len(crm_small.records())
    # In a directory, a .json is skipped (the sample's truth.json sits beside crm.jsonl).
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "truth.json").write_text('{"questions": []}')
    (folder / "crm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in crm_small.records()))
    result = run("index", str(folder), "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["unchanged"] == len(crm_small.records())


def test_index_reports_a_file_the_system_cannot_read_as_bad_input(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # A traceback and exit 1 before (OSError from reading /proc/self/mem).
    for name in ("mem.jsonl", "mem.json"):
        link = tmp_path / name
        link.symlink_to("/proc/self/mem")
        result = run("index", str(link), "--no-progress")
        assert result.exit_code == 2, result.output
        assert f"cannot read '{link}'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("teams.csv", "type,org,id\nteam,acme,t1\n", "cannot read '{path}': ingest reads .jsonl"),
        ("nope.jsonl", None, "input path '{path}' does not exist"),
        ("one.json", '"just a string"', "{path}: JSON file must be an array of records"),
        ("cut.json", '[{"type": "team"', "{path}: file is not valid JSON"),
    ],
)
def test_index_refuses_a_file_it_cannot_read_by_name(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    result = run("index", str(path), "--no-progress")
    assert result.exit_code == 2, result.output
    assert message.format(path=path) in result.output


_TEAMS = [{"type": "team", "org": "acme", "id": f"t{n}", "name": "Caf\u00e9"} for n in (1, 2)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param(
            "export.json",
            json.dumps(_TEAMS).encode("utf-16"),
            "{path}: file is not UTF-8 (looks like UTF-16: save it as UTF-8)",
            id="utf-16-json",
        ),
        pytest.param(
            "export.jsonl",
            "".join(json.dumps(t) + "\n" for t in _TEAMS).encode("utf-16-le"),
            "{path}: file is not UTF-8 (looks like UTF-16: save it as UTF-8)",
            id="utf-16-le-jsonl-no-mark",
        ),
        pytest.param(
            "export.json",
            json.dumps(_TEAMS).encode("utf-32"),
            "{path}: file is not UTF-8 (looks like UTF-32: save it as UTF-8)",
            id="utf-32-json",
        ),
        pytest.param(
            "export.json",
            json.dumps(_TEAMS, ensure_ascii=False).encode("latin-1"),
            "{path}: file is not UTF-8 (at byte 57): save it as UTF-8",
            id="latin-1-json",
        ),
        pytest.param(
            "export.json",
            "".join(json.dumps(t) + "\n" for t in _TEAMS).encode(),
            "{path}: this looks like JSON Lines (one record per line); name it .jsonl",
            id="json-lines-named-json",
        ),
    ],
)
def test_index_says_how_to_fix_a_file_in_another_encoding_or_format(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    # A raw codec error, every line of a .jsonl rejected, or "extra data at character 57".
    path = tmp_path / name
    path.write_bytes(content)
    result = run("index", str(path), "--no-progress")
    assert result.exit_code == 2, result.output
    assert message.format(path=path) in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last week"], "--since must be an ISO date"),
        (["--kind", "memo"], "unknown kind(s) ['memo']"),
        (
            ["--user", "ghost"],
            "user 'ghost' does not exist in org 'acme'; `copilot db status` lists the orgs",
        ),
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


def test_token_mints_a_token_the_api_accepts(run, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from copilot.auth import TokenService
    from copilot.settings import Settings
    from tests.conftest import JWT_SECRET

    monkeypatch.setenv("COPILOT_JWT_SECRET", JWT_SECRET)
    result = run("token", "--org", "acme", "--user", "rep-e1", "--ttl", "15m")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    caller = TokenService.from_settings(Settings()).user(token)
    assert (caller.org, caller.user_id) == ("acme", "rep-e1")

    ingest = run("token", "--org", "acme", "--user", "etl", "--scope", "ingest").output.strip()
    assert TokenService.from_settings(Settings()).ingester(ingest).org == "acme"


@pytest.mark.parametrize(
    ("args", "env_secret", "message"),
    [
        (
            ["token", "--org", "acme", "--user", "u", "--ttl", "soon"],
            "x" * 40,
            "ttl must look like",
        ),
        (["token", "--org", "acme", "--user", "u"], "changeme", "placeholder"),
        (["token", "--org", "acme", "--user", "u"], None, "no token key"),
        (["serve", "--port", "1"], "changeme", "placeholder"),
        (["serve", "--port", "1"], "short-secret", "at least 32"),
    ],
)
def test_token_and_serve_refuse_bad_configuration(
    run, monkeypatch: pytest.MonkeyPatch, args: list[str], env_secret: str | None, message: str
) -> None:  # type: ignore[no-untyped-def]
    if env_secret is None:
        monkeypatch.delenv("COPILOT_JWT_SECRET", raising=False)
    else:
        monkeypatch.setenv("COPILOT_JWT_SECRET", env_secret)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output


def test_dev_tokens_use_one_persistent_local_secret(run) -> None:  # type: ignore[no-untyped-def]
    first = run("token", "--org", "acme", "--user", "u1", "--dev")
    second = run("token", "--org", "acme", "--user", "u1", "--dev")
    assert first.exit_code == second.exit_code == 0
    from copilot.auth import TokenService
    from copilot.settings import Settings

    tokens = TokenService.from_settings(Settings(), dev=True)
    assert tokens.user(first.output.strip()).user_id == "u1"
    assert tokens.user(second.output.strip()).user_id == "u1"


def test_summarize_prints_a_cited_summary_of_a_visible_call(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    call = {
        "type": "call",
        "org": "acme",
        "id": "call-1",
        "account_id": "a1",
        "owner_id": "rep-e1",
        "visibility": "private",
        "occurred_at": "2026-05-06T15:00:00Z",
        "title": "Pricing call",
        "participants": ["Rep E1", "Pat Buyer"],
        "transcript": "Pat Buyer: The price is above our budget.\n"
        "Rep E1: I'll send a revised quote by Friday.",
    }
    path = tmp_path / "crm.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [*crm_small.records(), call]))
    assert run("index", str(path), "--no-progress").exit_code == 0
    result = run("summarize", "--call", "call-1", "--org", "acme", "--user", "rep-e1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["action_items"][0]["due"] == "2026-05-08"
    hidden = run("summarize", "--call", "call-1", "--org", "acme", "--user", "rep-w1")
    assert hidden.exit_code == 2 and "not found" in hidden.output


def test_ask_answers_as_one_user_and_cites_only_what_they_may_see(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "crm.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in crm_small.records()))
    assert run("index", str(path), "--no-progress").exit_code == 0

    owner = run("ask", "Who owns the Initech account?", "--org", "acme", "--user", "rep-e1")
    assert owner.exit_code == 0, owner.output
    assert "Initech is owned by" in owner.output and "[account] a1" in owner.output

    as_json = run(
        "ask", "Who owns the Initech account?", "--org", "acme", "--user", "rep-e1", "--json"
    )
    body = json.loads(as_json.output)
    assert body["answered"] and body["facts"][0]["document_id"] == "a1"
    for hit in body["retrieved"]:
        assert hit["document_id"] in crm_small.EXPECTED[("acme", "rep-e1")]

    # Another team's rep may not see the account: no answer, and nothing of it named.
    other = run("ask", "Who owns the Initech account?", "--org", "acme", "--user", "rep-w1")
    assert other.exit_code == 0, other.output
    assert other.output.startswith("No answer") and "a1" not in other.output
    blind = json.loads(
        run(
            "ask", "Who owns the Initech account?", "--org", "acme", "--user", "rep-w1", "--json"
        ).output
    )
    cited = {c["document_id"] for c in blind["citations"]} | {
        s["document_id"] for s in blind["see_also"]
    }
    assert cited <= crm_small.EXPECTED[("acme", "rep-w1")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "the question is empty"),
        (["pricing", "--since", "last week"], "--since must be an ISO date"),
        (["pricing", "--user", "ghost"], "user 'ghost' does not exist in org 'acme'"),
    ],
)
def test_ask_rejects_bad_arguments_clearly(run, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    flags = ["--org", "acme", "--user", "admin"]
    if "--user" in args:
        flags = ["--org", "acme"]
    result = run("ask", *args, *flags)
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize("query", ["", "   "])
def test_search_rejects_a_blank_query_clearly(run, query: str) -> None:  # type: ignore[no-untyped-def]
    result = run("search", query, "--org", "acme", "--user", "admin")
    assert result.exit_code == 2
    assert "the query is empty" in result.output
    assert "Traceback" not in result.output


@contextmanager
def _unblocked(pipe: Path) -> Iterator[None]:
    """Opens ``pipe`` for writing, then closes it, once something opens it for reading,
    so that a run reading it sees end of file instead of blocking the test forever."""
    done = threading.Event()

    def writer() -> None:
        while not done.is_set():
            try:
                os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:  # ENXIO: no reader yet
                time.sleep(0.05)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


@pytest.mark.parametrize("name", ["pipe.jsonl", "pipe.json"])
def test_index_refuses_a_named_pipe_by_name(run, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    # Opening it blocked the run forever, waiting for a writer.
    pipe = tmp_path / name
    os.mkfifo(pipe)
    with _unblocked(pipe):
        result = run("index", str(pipe), "--no-progress")
    assert result.exit_code == 2, result.output
    assert f"cannot read '{pipe}': it is a named pipe (FIFO)" in result.output


def test_index_skips_what_is_no_regular_file_in_a_folder_with_a_warning(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    records = crm_small.records()
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "crm.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    os.mkfifo(folder / "pipe.jsonl")
    (folder / "gone.jsonl").symlink_to(tmp_path / "nowhere.jsonl")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    team = {"type": "team", "org": "acme", "id": "t-elsewhere", "name": "Elsewhere"}
    (elsewhere / "more.jsonl").write_text(json.dumps(team) + "\n")
    (folder / "linked").symlink_to(elsewhere, target_is_directory=True)
    with _unblocked(folder / "pipe.jsonl"):
        result = run("index", str(folder), "--json", "--no-progress")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["records"] == len(records)  # not the linked folder's
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert f"skipping {folder / 'pipe.jsonl'}: a named pipe (FIFO), not a regular file" in warned
    assert f"skipping {folder / 'gone.jsonl'}: a broken symbolic link, not a regular file" in warned
    assert any(m.startswith(f"skipping {folder / 'linked'}: a symbolic link to a") for m in warned)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.json", b'[{"type": "team", "org": "acme", "id": "x"},', "not valid JSON"),
        ("bad.jsonl", json.dumps(_TEAMS[0]).encode("utf-16"), "not UTF-8"),
    ],
)
def test_a_malformed_file_is_refused_before_anything_is_written(  # type: ignore[no-untyped-def]
    run, tmp_path: Path, db_url: str, name: str, content: bytes, message: str
) -> None:
    # The .json was parsed only when its turn came: a.jsonl's first window (2,000 records)
    # was committed, then the run stopped with exit 2 and no report of what it wrote.
    first = tmp_path / "a.jsonl"
    first.write_text(
        "".join(
            json.dumps({"type": "team", "org": "acme", "id": f"t{n}", "name": f"T{n}"}) + "\n"
            for n in range(2_100)
        )
    )
    bad = tmp_path / name
    bad.write_bytes(content)
    result = run("index", str(first), str(bad), "--no-progress")
    assert result.exit_code == 2, result.output
    assert f"{bad}: file is {message}" in result.output
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM teams").fetchone() == (0,)
