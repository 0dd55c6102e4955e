"""The streaming indexer: refused writes, counts in the write's transaction, prune."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from copilot.ingest import Indexer
from retrieval import store
from tests.db import crm_small
from tests.db.crm_small import ACME, GLOBEX


def _indexer(cp: Any, **kw: Any) -> Indexer:
    # Small batches and windows, so a few records cross every boundary.
    return Indexer(cp.db, cp.embedder, progress=False, **{"batch_documents": 4, **kw})


def _emails(n: int, *, bad_at: int | None = None) -> list[dict[str, Any]]:
    return [
        {
            "type": "email",
            "org": ACME,
            "id": "bad-email" if i == bad_at else f"bulk-{i:03d}",
            "account_id": "a1",
            "owner_id": "rep-e1" if i % 2 else "rep-w1",
            "visibility": ("private", "team", "org")[i % 3],
            "occurred_at": "2026-05-04T10:00:00Z",
            "subject": f"Falcon rollout, part {i}",
            "from": "buyer@customer.example",
            "to": ["rep-e1@acme.example"],
            "direction": "inbound",
            "body": f"Step {i} of the Falcon rollout is planned; pricing stays as agreed.",
        }
        for i in range(1, n + 1)
    ]


def _assert_counts_consistent(cp: Any) -> None:
    with cp.db.connection() as conn:
        for org in (ACME, GLOBEX):
            assert store.counted_principals(conn, org=org) == store.recounted_principals(
                conn, org=org
            )


def _doc_ids(cp: Any, org: str = ACME) -> set[str]:
    with cp.db.connection() as conn:
        return {r[0] for r in conn.execute("SELECT id FROM documents WHERE org = %s", (org,))}


def _refuse(cp: Any, table: str, record_id: str) -> None:
    """A real database constraint that refuses one id: validation cannot know it."""
    with cp.db.connection() as conn:
        conn.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT refuse_one CHECK (id <> '{record_id}')"  # noqa: S608
        )


def test_a_document_the_database_refuses_rejects_only_itself(copilot) -> None:  # type: ignore[no-untyped-def]
    # Issue 12: 600 emails, a bad one at #301 -> 500, 256 written, counts stale.
    _refuse(copilot, "documents", "bad-email")
    records = crm_small.records() + _emails(30, bad_at=15)
    report = _indexer(copilot).ingest_dicts(records)
    [issue] = report.errors
    assert (issue.id, issue.type, issue.org) == ("bad-email", "email", ACME)
    assert issue.message.startswith("not written: CheckViolation")
    assert report.not_written == 1
    written = {o["id"] for o in report.outcomes if o["status"] == "inserted"}
    assert written == {r["id"] for r in records} - {"bad-email"}
    assert "bad-email" not in _doc_ids(copilot)
    assert {f"bulk-{i:03d}" for i in range(1, 31) if i != 15} <= _doc_ids(copilot)
    _assert_counts_consistent(copilot)
    # The search planner's counts cover every written chunk.
    with copilot.db.connection() as conn:
        total = conn.execute("SELECT count(*) FROM chunks WHERE org = %s", (ACME,)).fetchone()
        assert store.counted_principals(conn, org=ACME)["role:admin"] == total[0]


def test_an_entity_the_database_refuses_rejects_it_and_what_names_it(copilot) -> None:  # type: ignore[no-untyped-def]
    _refuse(copilot, "accounts", "a-refused")
    records = [
        *crm_small.records(),
        {"type": "account", "org": ACME, "id": "a-refused", "name": "X", "owner_id": "rep-e1"},
        {**_emails(1)[0], "id": "names-refused", "account_id": "a-refused"},
    ]
    report = _indexer(copilot).ingest_dicts(records)
    rejected = {e.id: e.message for e in report.errors}
    assert set(rejected) == {"a-refused", "names-refused"}
    assert rejected["a-refused"].startswith("not written:")
    assert "unknown account 'a-refused'" in rejected["names-refused"]
    assert report.inserted == len(crm_small.records())
    _assert_counts_consistent(copilot)


def test_the_api_reports_a_refused_write_with_its_id_not_a_500(copilot, settings, embedder) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.conftest import INGEST_TOKEN

    _refuse(copilot, "documents", "bad-email")
    body = "".join(json.dumps(r) + "\n" for r in crm_small.records() + _emails(12, bad_at=7))
    with TestClient(create_app(settings, embedder=embedder)) as client:
        response = client.post(
            "/v1/ingest",
            content=body,
            headers={
                "Authorization": f"Bearer {INGEST_TOKEN}",
                "Content-Type": "application/x-ndjson",
            },
        )
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    [rejected] = [r for r in results if r["status"] == "rejected"]
    assert (rejected["id"], rejected["type"]) == ("bad-email", "email")
    assert len([r for r in results if r["status"] == "inserted"]) == len(results) - 1
    _assert_counts_consistent(copilot)


def test_counts_stay_consistent_through_updates_moves_and_deletes(copilot) -> None:  # type: ignore[no-untyped-def]
    records = crm_small.records() + _emails(9)
    indexer = _indexer(copilot)
    indexer.ingest_dicts(records)
    _assert_counts_consistent(copilot)
    moved = [
        {**r, "team_id": "t-west"} if r["type"] == "user" and r["id"] == "rep-e1" else r
        for r in records
    ]
    changed = [
        {**r, "body": r["body"] + " Updated."} if r["id"] == "bulk-004" else r for r in moved
    ]
    report = indexer.ingest_dicts(changed)
    assert report.embedded > 0 and report.restamped > 0
    _assert_counts_consistent(copilot)
    indexer.ingest_dicts([{"type": "email", "org": ACME, "id": "bulk-005", "deleted": True}])
    _assert_counts_consistent(copilot)
    # The service's delete (DELETE /v1/documents/{id}) recounts nothing itself: the
    # triggers keep the counts in its transaction.
    copilot.delete_document(org=ACME, document_id="bulk-006")
    _assert_counts_consistent(copilot)


def test_unchanged_records_are_not_embedded_again(copilot) -> None:  # type: ignore[no-untyped-def]
    records = crm_small.records() + _emails(9)
    first = _indexer(copilot).ingest_dicts(records)
    second = _indexer(copilot).ingest_dicts(records)
    assert first.embedded > 0 and second.embedded == 0
    assert second.unchanged == len(records) and second.chunks == 0


class _MidIngest:
    """The service's embedder, running ``meanwhile`` once, on the first batch it embeds:
    between the ingest reading what is stored and writing."""

    def __init__(self, inner: Any, meanwhile: Any) -> None:
        self._inner, self._meanwhile = inner, meanwhile

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def embed_documents(self, texts: Any) -> Any:
        if texts and self._meanwhile is not None:
            meanwhile, self._meanwhile = self._meanwhile, None
            meanwhile()
        return self._inner.embed_documents(texts)


@pytest.mark.parametrize("meanwhile", ["replaced", "deleted"])
def test_a_record_changed_by_another_writer_mid_ingest_is_embedded_again(  # type: ignore[no-untyped-def]
    copilot, meanwhile: str
) -> None:
    # Found by a probe: X was read as unchanged, another writer replaced (or deleted) it
    # while the batch embedded, and the ingest then wrote X's row without chunks: the
    # document held version A while its chunks held version B (or there were none), and
    # re-ingesting reported "unchanged" forever.
    x, filler = _emails(2)
    a = {**x, "body": "Version A: the alpha contract goes to legal on Friday."}
    b = {**x, "body": "Version B: the bravo contract is on hold until the audit."}
    assert not _indexer(copilot).ingest_dicts(crm_small.records() + [a]).errors

    def other_writer() -> None:
        if meanwhile == "replaced":
            assert _indexer(copilot).ingest_dicts([b]).updated == 1
        else:
            copilot.delete_document(org=ACME, document_id=x["id"])

    slow = Indexer(copilot.db, _MidIngest(copilot.embedder, other_writer), progress=False)
    report = slow.ingest_dicts([a, filler])
    assert report.errors == []
    with copilot.db.connection() as conn:
        content = conn.execute(
            "SELECT content FROM documents WHERE org = %s AND id = %s", (ACME, x["id"])
        ).fetchone()[0]
        chunks = conn.execute(
            "SELECT char_start, char_end, text FROM chunks WHERE org = %s AND document_id = %s",
            (ACME, x["id"]),
        ).fetchall()
    # The last commit wins, whole: version A, with chunks of version A.
    assert "Version A" in content and chunks
    assert all(content[s:e] == text for s, e, text in chunks), (content, chunks)
    assert report.embedded > 1  # the filler's chunk and X's again
    again = _indexer(copilot).ingest_dicts([a, filler])
    assert again.unchanged == 2


def test_a_change_of_metadata_alone_is_an_update_that_embeds_nothing(copilot) -> None:  # type: ignore[no-untyped-def]
    # A corrected date (or deal) changes no text: nothing is embedded again, but the
    # report must not call the record unchanged, and search must see the new date.
    records = _emails(3)
    assert not _indexer(copilot).ingest_dicts(crm_small.records() + records).errors
    moved = {**records[1], "occurred_at": "2026-06-01T09:00:00Z"}
    report = _indexer(copilot).ingest_dicts([records[0], moved, records[2]])
    assert (report.updated, report.unchanged, report.embedded) == (1, 2, 0)
    [outcome] = [o for o in report.outcomes if o["status"] == "updated"]
    assert outcome["id"] == "bulk-002"
    with copilot.db.connection() as conn:
        stored = conn.execute(
            "SELECT d.occurred_at, array_agg(DISTINCT c.occurred_at) FROM documents d"
            " JOIN chunks c ON c.org = d.org AND c.document_id = d.id"
            " WHERE d.org = %s AND d.id = 'bulk-002' GROUP BY d.occurred_at",
            (ACME,),
        ).fetchone()
    assert stored is not None
    assert stored[0].isoformat() == "2026-06-01T09:00:00+00:00" and stored[1] == [stored[0]]
    again = _indexer(copilot).ingest_dicts([records[0], moved, records[2]])
    assert (again.updated, again.unchanged) == (0, 3)


@pytest.mark.parametrize("strict", [False, True])
def test_records_may_name_entities_that_come_later_in_the_input(copilot, strict: bool) -> None:  # type: ignore[no-untyped-def]
    # Documents first, then their users, teams and accounts, two records per window.
    records = list(reversed(crm_small.records() + _emails(5)))
    report = _indexer(copilot, window_records=2).ingest(
        (r for r in _sourced(records)), strict=strict
    )
    assert report.errors == []
    assert report.inserted == len(records)
    _assert_counts_consistent(copilot)


def test_a_reference_to_nothing_is_still_rejected_with_its_id(copilot) -> None:  # type: ignore[no-untyped-def]
    records = crm_small.records() + [{**_emails(1)[0], "owner_id": "nobody"}]
    report = _indexer(copilot, window_records=3).ingest_dicts(records)
    [issue] = report.errors
    assert issue.id == "bulk-001" and "unknown user 'nobody'" in issue.message


def _sourced(records: list[dict[str, Any]]) -> list[Any]:
    from copilot.ingest import SourcedRecord

    return [SourcedRecord("<test>", n, r) for n, r in enumerate(records, start=1)]


# --------------------------------------------------------------------------- prune


def _export(tmp_path: Path, records: list[dict[str, Any]], name: str = "export.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_prune_lists_then_deletes_what_a_full_export_lacks(copilot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    extra = {"type": "account", "org": ACME, "id": "a-extra", "name": "Gone", "owner_id": "vp"}
    full = [*crm_small.records(), *_emails(3), extra]
    _indexer(copilot).ingest_dicts(full)
    with copilot.db.connection() as conn:
        conn.execute(
            "INSERT INTO summaries (org, document_id, engine, content_hash, summary)"
            " VALUES (%s, 'bulk-002', 'offline', 'h', '{}')",
            (ACME,),
        )
    # The export lacks a document, an unreferenced account, and a2 (still named by two
    # documents of the export).
    export = [r for r in full if r["org"] == ACME and r["id"] not in {"bulk-002", "a-extra", "a2"}]
    path = _export(tmp_path, export)
    dry = _indexer(copilot).ingest_paths([path], prune="dry-run")
    assert dry.prune_refused is None
    assert {(p.type, p.id): p.status for p in dry.pruned} == {
        ("email", "bulk-002"): "would delete",
        ("account", "a-extra"): "would delete",
        ("account", "a2"): "would delete",
    }
    assert "bulk-002" in _doc_ids(copilot)  # a dry run deletes nothing

    applied = _indexer(copilot).ingest_paths([path], prune="apply")
    assert {(p.type, p.id): p.status for p in applied.pruned} == {
        ("email", "bulk-002"): "deleted",
        ("account", "a-extra"): "deleted",
        ("account", "a2"): "kept: still referenced",
    }
    assert "bulk-002" not in _doc_ids(copilot)
    assert _doc_ids(copilot, GLOBEX) == {"g-doc"}  # another org is never touched
    with copilot.db.connection() as conn:
        for table in ("chunks", "summaries"):
            left = conn.execute(
                f"SELECT count(*) FROM {table} WHERE org = %s AND document_id = 'bulk-002'",  # noqa: S608
                (ACME,),
            ).fetchone()
            assert left[0] == 0, table
        assert store.existing_ids(conn, table="accounts", org=ACME, ids=["a-extra", "a2"]) == {"a2"}
    _assert_counts_consistent(copilot)
    # Pruning again deletes nothing more.
    again = _indexer(copilot).ingest_paths([path], prune="apply")
    assert [(p.id, p.status) for p in again.pruned] == [("a2", "kept: still referenced")]


def test_prune_keeps_an_absent_entity_that_is_still_referenced(copilot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    full = crm_small.records()
    _indexer(copilot).ingest_dicts(full)
    export = [r for r in full if r["org"] == ACME and r["id"] != "rep-w1"]  # d-org's owner
    report = _indexer(copilot).ingest_paths([_export(tmp_path, export)], prune="apply")
    assert [(p.type, p.id, p.status) for p in report.pruned] == [
        ("user", "rep-w1", "kept: still referenced")
    ]


def test_prune_is_refused_when_a_record_was_rejected(copilot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    full = crm_small.records() + _emails(2)
    _indexer(copilot).ingest_dicts(full)
    export = [r for r in full if r["org"] == ACME and r["id"] != "bulk-001"]
    export.append({**_emails(1)[0], "id": "broken", "owner_id": "nobody"})
    report = _indexer(copilot).ingest_paths([_export(tmp_path, export)], prune="apply")
    assert report.pruned == [] and report.prune_refused
    assert "bulk-001" in _doc_ids(copilot)


# --------------------------------------------------------------------------- the command


@pytest.fixture()
def run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from copilot.cli import app

    monkeypatch.setenv("COPILOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_index_prune_is_a_dry_run_unless_applied(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    full = _export(tmp_path, crm_small.records() + _emails(2), "full.jsonl")
    assert run("index", str(full), "--no-progress").exit_code == 0
    export = _export(
        tmp_path, [r for r in crm_small.records() + _emails(2) if r["id"] != "bulk-001"]
    )
    dry = run("index", str(export), "--no-progress", "--prune")
    assert dry.exit_code == 0, dry.output
    assert "prune: would delete acme email bulk-001" in dry.output
    applied = run("index", str(export), "--no-progress", "--prune", "--apply", "--json")
    assert applied.exit_code == 0, applied.output
    report = json.loads(applied.output)
    assert report["pruned"] == [
        {"org": ACME, "type": "email", "id": "bulk-001", "status": "deleted"}
    ]
    assert run("index", str(export), "--apply").exit_code == 2


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM documents WHERE id = 'd-org'",
        "DELETE FROM chunks WHERE document_id = 'd-team' AND ord = 0",
        "UPDATE chunks SET access = array_append(access, 'user:extra') WHERE document_id = 'd-org'",
        "UPDATE documents SET id = id WHERE false",
        "TRUNCATE chunks",
        "TRUNCATE documents CASCADE",
    ],
)
def test_any_write_to_chunks_keeps_the_counts_in_its_transaction(copilot, statement: str) -> None:  # type: ignore[no-untyped-def]
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    with copilot.db.connection() as conn:
        conn.execute(statement)
        # Inside the same transaction, before it commits:
        assert store.counted_principals(conn, org=ACME) == store.recounted_principals(
            conn, org=ACME
        )
