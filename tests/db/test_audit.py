"""The audit trail on the real database: chained appends, the append-only guard, and
``copilot audit verify`` passing fresh and failing after a hand edit or deletion."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
import typer
from typer.testing import CliRunner

from copilot.audit import AuditLog, iter_records


@pytest.fixture()
def audit(copilot) -> AuditLog:  # type: ignore[no-untyped-def]
    return AuditLog(copilot.db)


def _append(audit: AuditLog, n: int, *, org: str = "acme", query: str | None = "q") -> None:
    for i in range(n):
        audit.append(
            [
                audit.entry(
                    org=org,
                    actor="user:u1",
                    request_id=f"r{i}",
                    endpoint="POST /v1/search",
                    status=200,
                    record_ids=[f"em-{i}", f"em-{i}"],
                    query=query,
                    engine="exact",
                )
            ]
        )


def _tamper(audit: AuditLog, statement: str, *params: Any) -> None:
    """What someone with the owner's or a superuser's rights can do by hand."""
    with audit.db.connection() as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER USER")
        conn.execute(statement, params)
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER USER")


@pytest.fixture()
def cli(settings: Any, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from copilot import cli_privacy

    monkeypatch.setenv("COPILOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(settings.data_dir))
    app = typer.Typer()
    app.add_typer(cli_privacy.audit_app, name="audit")
    app.command("erase")(cli_privacy.erase)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_entries_chain_per_org_with_ids_deduplicated(audit: AuditLog) -> None:
    _append(audit, 3)
    _append(audit, 2, org="globex")
    rows = list(iter_records(audit.db, org="acme"))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].record_ids == ("em-0",)
    assert all(b.prev_hash == a.hash for a, b in zip(rows, rows[1:], strict=False))
    assert [r.seq for r in iter_records(audit.db, org="globex")] == [1, 2]
    assert audit.verify(org="acme").ok and audit.verify(org="globex").ok


def test_verify_passes_fresh_and_fails_after_a_hand_edit(cli: Any, audit: AuditLog) -> None:
    _append(audit, 4)
    fresh = cli("audit", "verify", "--org", "acme")
    assert fresh.exit_code == 0 and "intact: 4 entries" in fresh.output

    _tamper(audit, "UPDATE audit_log SET record_ids = '{}' WHERE org = 'acme' AND seq = 2")
    edited = cli("audit", "verify", "--org", "acme")
    assert edited.exit_code == 1
    assert "broken at row 2" in edited.output and "edited" in edited.output
    assert audit.verify(org="globex").ok  # other orgs' chains are their own


@pytest.mark.parametrize(
    ("where", "bad_row"),
    [("seq = 3", 3), ("seq = 5", 5), ("seq = 1", 1), ("seq >= 4", 4)],
)
def test_verify_names_the_first_deleted_row(audit: AuditLog, where: str, bad_row: int) -> None:
    _append(audit, 5)
    _tamper(audit, f"DELETE FROM audit_log WHERE org = 'acme' AND {where}")
    report = audit.verify(org="acme")
    assert (report.ok, report.first_bad_seq) == (False, bad_row)
    assert "missing" in (report.problem or "")


def test_verify_catches_an_edited_query_text(audit: AuditLog) -> None:
    _append(audit, 2, query="renewal risk")
    _tamper(audit, "UPDATE audit_log SET query_text = 'harmless' WHERE seq = 1")
    assert audit.verify(org="acme").first_bad_seq == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET status = 500 WHERE seq = 1",
        "UPDATE audit_log SET query_text = 'other' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 1",
        "TRUNCATE audit_log",
    ],
)
def test_the_table_refuses_edits_and_deletes_even_from_its_owner(
    audit: AuditLog, statement: str
) -> None:
    _append(audit, 2)
    refused = pytest.raises(psycopg.errors.RaiseException, match="append-only")
    with refused, audit.db.connection() as conn:
        conn.execute(statement)
    assert audit.verify(org="acme").ok


def test_the_service_role_can_neither_read_nor_write_the_trail(audit: AuditLog) -> None:
    _append(audit, 1)
    for statement in (
        "SELECT * FROM audit_log",
        "INSERT INTO audit_chain VALUES ('x', 0, 'h', 0, 'h')",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), audit.db.caller() as conn:
            conn.execute(statement)


def test_stored_queries_can_be_hashes_only(copilot: Any) -> None:
    hashed = AuditLog(copilot.db, store_queries=False)
    _append(hashed, 1, query="pat@initech.example")
    (row,) = iter_records(copilot.db, org="acme")
    assert row.query_text is None and row.query_sha256 is not None
    assert len(row.query_sha256) == 64


def test_queries_postgres_cannot_hold_are_kept_as_their_digest(audit: AuditLog) -> None:
    for query in ("nul\x00byte", "lone \ud800 surrogate"):
        _append(audit, 1, query=query)
    assert [r.query_text for r in iter_records(audit.db, org="acme")] == [None, None]
    assert audit.verify(org="acme").ok


def test_concurrent_appends_form_one_chain(audit: AuditLog) -> None:
    threads = [threading.Thread(target=_append, args=(audit, 10)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = audit.verify(org="acme")
    assert report.ok and report.rows == 60


def test_export_writes_json_lines_in_the_window(cli: Any, audit: AuditLog, tmp_path: Path) -> None:
    _append(audit, 3)
    out = tmp_path / "audit.jsonl"
    result = cli("audit", "export", "--org", "acme", "--since", "2000-01-01", "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3]
    assert set(lines[0]) >= {"at", "actor", "request_id", "record_ids", "hash", "prev_hash"}
    later = cli("audit", "export", "--org", "acme", "--since", "2999-01-01")
    assert later.exit_code == 0 and later.stdout == ""
    bad = cli("audit", "export", "--org", "acme", "--since", "yesterday")
    assert bad.exit_code == 2 and "--since" in bad.output
