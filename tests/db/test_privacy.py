"""Erasure and retention against the real database: every record naming the person goes,
nothing else does, searches as every user find nothing of them, and a re-run is a no-op."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from copilot.audit import AuditLog
from copilot.privacy import Privacy
from tests.db import privacy_crm
from tests.db.privacy_crm import ACME, GLOBEX, PAT_EMAIL, PAT_NAME, PAT_QUOTE


@pytest.fixture()
def loaded(copilot):  # type: ignore[no-untyped-def]
    report = copilot.indexer(progress=False).ingest_dicts(privacy_crm.records())
    assert not report.errors, report.errors
    return copilot


def _privacy(cp: Any) -> Privacy:
    return Privacy(cp.db, AuditLog(cp.db))


def _erase(cp: Any, **person: str) -> Any:
    return _privacy(cp).erase(
        org=ACME, actor="cli:test", request_id="r-erase", endpoint="copilot erase", **person
    )


def _rows(cp: Any, query: str, *params: Any) -> list[tuple[Any, ...]]:
    with cp.db.connection() as conn:
        return list(conn.execute(query, params).fetchall())


def _ids(cp: Any, table: str, org: str = ACME) -> set[str]:
    return {r[0] for r in _rows(cp, f"SELECT id FROM {table} WHERE org = %s", org)}


def _counts_consistent(cp: Any, org: str) -> bool:
    stored = dict(_rows(cp, "SELECT principal, chunks FROM principal_counts WHERE org = %s", org))
    real = dict(
        _rows(
            cp,
            "SELECT p, count(*) FROM chunks, unnest(access) p WHERE org = %s GROUP BY p",
            org,
        )
    )
    return stored == real


def test_erase_by_email_removes_every_record_naming_the_person(loaded: Any) -> None:
    summary = loaded.assistant.summarize_call(
        org=ACME, user_id="rep-1", document_id="call-with-pat"
    )
    assert summary.document_id == "call-with-pat"
    assert _rows(loaded, "SELECT 1 FROM summaries WHERE document_id = 'call-with-pat'")

    report = _erase(loaded, email=PAT_EMAIL)

    assert set(report.documents) == privacy_crm.PAT_DOCUMENTS
    assert report.contacts == ("c-pat",)
    docs = _ids(loaded, "documents")
    assert not docs & privacy_crm.PAT_DOCUMENTS
    assert docs >= privacy_crm.OTHER_DOCUMENTS
    assert _ids(loaded, "contacts") == {"c-sam"}
    assert not _rows(
        loaded, "SELECT 1 FROM chunks WHERE document_id = ANY(%s)", list(report.documents)
    )
    assert not _rows(loaded, "SELECT 1 FROM summaries WHERE document_id = 'call-with-pat'")
    assert _counts_consistent(loaded, ACME)
    # Tenant isolation: globex's contact with the same address and its mail stay.
    assert _ids(loaded, "contacts", GLOBEX) == {"g-pat"}
    assert "g-em-pat" in _ids(loaded, "documents", GLOBEX)


@pytest.mark.parametrize("user", sorted(privacy_crm.USERS))
def test_after_erasure_no_search_finds_the_person(loaded: Any, user: str) -> None:
    _erase(loaded, contact_id="c-pat")
    for query in (PAT_NAME, PAT_EMAIL, f'"{PAT_QUOTE}"', PAT_QUOTE):
        hits = loaded.search(org=ACME, user_id=user, query=query, top_k=50).hits
        assert not {h.document_id for h in hits} & privacy_crm.PAT_DOCUMENTS
        for h in hits:
            text = f"{h.title}\n{h.text}".lower()
            assert "pat buyer" not in text and PAT_EMAIL not in text and "zanzibar" not in text


def test_erase_by_contact_id_matches_erase_by_email(loaded: Any) -> None:
    report = _erase(loaded, contact_id="c-pat")
    assert set(report.documents) == privacy_crm.PAT_DOCUMENTS
    assert report.contacts == ("c-pat",)


def test_a_second_erasure_is_a_no_op(loaded: Any) -> None:
    _erase(loaded, email=PAT_EMAIL)
    before = (_ids(loaded, "documents"), _ids(loaded, "contacts"))
    again = _erase(loaded, email=PAT_EMAIL)
    assert again.removed == ()
    assert (_ids(loaded, "documents"), _ids(loaded, "contacts")) == before
    by_contact = _erase(loaded, contact_id="c-pat")
    assert by_contact.removed == ()


def test_erasure_is_audited_by_ids_and_blanks_queries_that_named_the_person(
    loaded: Any,
) -> None:
    audit = AuditLog(loaded.db)
    audit.append(
        [
            audit.entry(
                org=ACME,
                actor="user:rep-1",
                request_id=f"r{i}",
                endpoint="POST /v1/search",
                status=200,
                record_ids=["em-from-pat"],
                query=query,
            )
            for i, query in enumerate([f"mail from {PAT_EMAIL}", "pat BUYER budget", "falcon"])
        ]
    )
    report = _erase(loaded, email=PAT_EMAIL)
    assert report.redacted_queries == 2

    rows = _rows(loaded, "SELECT to_jsonb(a)::text FROM audit_log a WHERE org = %s", ACME)
    dump = "\n".join(r[0] for r in rows).lower()
    assert PAT_EMAIL not in dump and "pat buyer" not in dump
    last = _rows(
        loaded,
        "SELECT actor, endpoint, record_ids, query_text FROM audit_log"
        " WHERE org = %s ORDER BY seq DESC LIMIT 1",
        ACME,
    )[0]
    assert last[:2] == ("cli:test", "copilot erase")
    assert set(last[2]) == privacy_crm.PAT_DOCUMENTS | {"c-pat"} and last[3] is None
    assert audit.verify(org=ACME).ok


def test_erase_refuses_neither_or_both_and_a_non_address(loaded: Any) -> None:
    from copilot.errors import InvalidRequest

    for person in ({}, {"email": PAT_EMAIL, "contact_id": "c-pat"}, {"email": "not-an-address"}):
        with pytest.raises(InvalidRequest):
            _erase(loaded, **person)
    assert _ids(loaded, "documents") >= privacy_crm.PAT_DOCUMENTS


def _retention(cp: Any, **kw: Any) -> Any:
    return _privacy(cp).retention(
        actor="cli:test",
        request_id="r-ret",
        now=datetime(2029, 6, 1, tzinfo=UTC),
        **kw,
    )


def test_retention_dry_run_then_removal_then_no_op(loaded: Any) -> None:
    loaded.indexer(progress=False).ingest_dicts(
        [
            privacy_crm._email(
                "em-recent", "rep-1", "org", body="Recent note.", occurred_at="2029-01-01T00:00:00Z"
            ),
        ]
    )
    dry = _retention(loaded, older_than="3y", dry_run=True)
    assert dry.before == datetime(2026, 6, 1, tzinfo=UTC)
    old_acme = set(dry.documents[ACME])
    assert "em-recent" not in old_acme and "em-sam" in old_acme
    assert old_acme <= _ids(loaded, "documents")  # nothing removed

    done = _retention(loaded, older_than="3y", kinds=("email",))
    assert set(done.documents[ACME]) == {d for d in old_acme if d.startswith("em-")}
    assert not _ids(loaded, "documents") & set(done.documents[ACME])
    assert {"call-sam", "tk-sam", "em-recent"} <= _ids(loaded, "documents")
    assert _counts_consistent(loaded, ACME) and _counts_consistent(loaded, GLOBEX)
    assert AuditLog(loaded.db).verify(org=ACME).ok

    again = _retention(loaded, older_than="3y", kinds=("email",))
    assert again.documents == {}


def test_retention_prunes_the_audit_trail_and_the_chain_still_verifies(loaded: Any) -> None:
    audit = AuditLog(loaded.db)
    for i in range(3):
        audit.append(
            [audit.entry(org=ACME, actor="user:rep-1", request_id=str(i), endpoint="x", status=200)]
        )
    with loaded.db.connection() as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        # Age the first two entries (the trigger would refuse; re-hashing them keeps the
        # chain valid, as if they had been written then).
        conn.execute(
            "UPDATE audit_log SET at = at - interval '800 days' WHERE org = %s AND seq <= 2",
            (ACME,),
        )
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    _rehash(loaded, ACME)
    assert audit.verify(org=ACME).ok
    report = _privacy(loaded).retention(
        older_than="9y", audit_older_than="2y", actor="cli:test", request_id="r"
    )
    assert report.audit_pruned == {ACME: 2}
    assert [r[0] for r in _rows(loaded, "SELECT seq FROM audit_log WHERE org = %s", ACME)] == [3]
    assert audit.verify(org=ACME).ok


def _rehash(cp: Any, org: str) -> None:
    """Recompute an org's chain after a test moved entries back in time."""
    from retrieval import store

    with cp.db.connection() as conn:
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        prev = store.GENESIS_HASH
        for r in list(store.iter_audit(conn, org=org, limit=10_000)):
            digest = r.chained_hash(prev)
            conn.execute(
                "UPDATE audit_log SET prev_hash = %s, hash = %s WHERE org = %s AND seq = %s",
                (prev, digest, org, r.seq),
            )
            prev = digest
        conn.execute("UPDATE audit_chain SET last_hash = %s WHERE org = %s", (prev, org))
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


def test_retention_refuses_bad_ages_and_kinds(loaded: Any) -> None:
    from copilot.errors import InvalidRequest

    for kw in (
        {"older_than": "3 years"},
        {"older_than": "0y"},
        {"older_than": "3y", "kinds": ("fax",)},
        {"older_than": "99999y"},
    ):
        with pytest.raises(InvalidRequest):
            _retention(loaded, **kw)


# --------------------------------------------------------------------------- CLI


@pytest.fixture()
def cli(loaded: Any, settings: Any, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from copilot import cli_privacy

    monkeypatch.setenv("COPILOT_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(settings.data_dir))
    app = typer.Typer()
    app.command("erase")(cli_privacy.erase)
    app.command("retention")(cli_privacy.retention)
    app.add_typer(cli_privacy.audit_app, name="audit")
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_cli_erase_twice_and_retention(cli: Any, loaded: Any) -> None:
    first = cli("erase", "--org", ACME, "--email", PAT_EMAIL, "--json")
    assert first.exit_code == 0, first.output
    assert set(json.loads(first.output)["documents"]) == privacy_crm.PAT_DOCUMENTS
    second = cli("erase", "--org", ACME, "--contact-id", "c-pat")
    assert second.exit_code == 0 and "nothing to erase" in second.output

    bad = cli("erase", "--org", ACME)
    assert bad.exit_code == 2 and "exactly one of email and contact_id" in bad.output

    dry = cli("retention", "--older-than", "1d", "--kind", "ticket", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["documents"][ACME] == ["tk-sam"]
    assert "tk-sam" in _ids(loaded, "documents")
    assert cli("retention", "--older-than", "1d", "--kind", "ticket").exit_code == 0
    assert "tk-sam" not in _ids(loaded, "documents")

    missing = cli("retention")
    assert missing.exit_code == 2 and "--older-than" in missing.output
    assert cli("audit", "verify", "--org", ACME).exit_code == 0
