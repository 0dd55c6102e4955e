"""Ingestion: idempotence, deletes, malformed input, mail import, keyword search."""

from __future__ import annotations

import json
from collections.abc import Sequence
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from retrieval.errors import SchemaMismatchError
from tests.db import crm_small
from tests.db.crm_small import ACME


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _chunk_count(cp, doc_id: str | None = None) -> int:  # type: ignore[no-untyped-def]
    with cp.db.connection() as conn:
        if doc_id is None:
            row = conn.execute("SELECT count(*) FROM chunks").fetchone()
        else:
            row = conn.execute(
                "SELECT count(*) FROM chunks WHERE document_id = %s", (doc_id,)
            ).fetchone()
    return int(row[0])


def test_reingesting_unchanged_records_embeds_nothing(copilot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _write_jsonl(tmp_path / "crm.jsonl", crm_small.records())
    first = copilot.indexer(progress=False).ingest_paths([path])
    assert first.embedded > 0 and first.errors == []
    chunks = _chunk_count(copilot)
    second = copilot.indexer(progress=False).ingest_paths([path])
    assert second.embedded == 0
    assert second.skipped == 6
    assert second.inserted == 0 and second.updated == 0
    assert second.unchanged == len(crm_small.records())
    assert _chunk_count(copilot) == chunks


def test_changed_content_reembeds_only_that_document(copilot) -> None:  # type: ignore[no-untyped-def]
    records = crm_small.records()
    copilot.indexer(progress=False).ingest_dicts(records)
    changed = [
        {**r, "body": r["body"] + " They also asked about the Q3 roadmap."}
        if r.get("id") == "d-org"
        else r
        for r in records
    ]
    report = copilot.indexer(progress=False).ingest_dicts(changed)
    assert report.embedded == _chunk_count(copilot, "d-org")
    assert report.skipped == 5


def test_tombstone_removes_document_and_chunks(copilot) -> None:  # type: ignore[no-untyped-def]
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    assert _chunk_count(copilot, "d-org") > 0
    report = copilot.indexer(progress=False).ingest_dicts(
        [{"type": "email", "org": ACME, "id": "d-org", "deleted": True}]
    )
    assert report.deleted == 1
    assert _chunk_count(copilot, "d-org") == 0
    hits = copilot.search(org=ACME, user_id="admin", query="Umbrella renewal", top_k=20).hits
    assert "d-org" not in {h.document_id for h in hits}


def test_a_record_of_another_kind_neither_deletes_nor_replaces_a_stored_one(copilot) -> None:  # type: ignore[no-untyped-def]
    """Ids are unique across kinds: a call tombstone naming an email, or a call sent with
    an email's id, is refused with a message naming both kinds; the email is untouched
    (both silently removed or replaced it, found by the probe of 2026-11-29)."""
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    chunks = _chunk_count(copilot, "d-org")
    call = crm_small.call_record("d-org")
    tombstone = {"type": "call", "org": ACME, "id": "d-org", "deleted": True}
    for record in (tombstone, call):
        report = copilot.indexer(progress=False).ingest_dicts([record])
        assert report.deleted == 0 and report.inserted == 0 and report.updated == 0
        (issue,) = report.errors
        assert "'d-org' is a stored email" in issue.message and "is a call" in issue.message
        assert _chunk_count(copilot, "d-org") == chunks
    with copilot.as_caller(org=ACME, user_id="admin") as (conn, acl):
        from retrieval import store

        assert store.document_state(conn, org=ACME, ids=["d-org"])["d-org"][3] == "email"


def _stored_texts(cp, doc_id: str) -> tuple[str, list[str]]:  # type: ignore[no-untyped-def]
    with cp.db.connection() as conn:
        content = conn.execute("SELECT content FROM documents WHERE id = %s", (doc_id,)).fetchone()
        chunks = conn.execute(
            "SELECT text FROM chunks WHERE document_id = %s ORDER BY ord", (doc_id,)
        ).fetchall()
    return (content[0] if content else ""), [c[0] for c in chunks]


def test_a_document_listed_twice_in_one_input_is_its_last_line_whole(copilot) -> None:  # type: ignore[no-untyped-def]
    """Found by the probe of 2026-11-29 (third round): the document kept the last line's
    text with the first line's chunks, and re-ingesting the last line said "unchanged"."""
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    a = {**crm_small.email_record("d-org"), "body": "Alpha: gooseberry pricing for Q3."}
    b = {**crm_small.email_record("d-org"), "body": "Bravo: tamarillo rollout in May."}
    report = copilot.indexer(progress=False).ingest_dicts([a, b])
    assert report.errors == [] and report.superseded == 1 and report.updated == 1
    assert [o["status"] for o in report.outcomes] == ["superseded", "updated"]
    content, chunks = _stored_texts(copilot, "d-org")
    assert "tamarillo" in content and chunks and all("tamarillo" in c for c in chunks)
    assert copilot.indexer(progress=False).ingest_dicts([b]).unchanged == 1


def test_a_tombstone_then_the_same_document_in_one_input_leaves_the_document(copilot) -> None:  # type: ignore[no-untyped-def]
    # Tombstones apply after a window's documents: the re-created record was deleted.
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    tombstone = {"type": "email", "org": ACME, "id": "d-org", "deleted": True}
    again = {**crm_small.email_record("d-org"), "body": "Back again: the renewal is on."}
    report = copilot.indexer(progress=False).ingest_dicts([tombstone, again])
    assert report.superseded == 1 and report.deleted == 0 and report.errors == []
    content, chunks = _stored_texts(copilot, "d-org")
    assert content.endswith("the renewal is on.") and chunks
    # And the other order deletes it, as the last line says.
    report = copilot.indexer(progress=False).ingest_dicts([again, tombstone])
    assert report.deleted == 1 and _stored_texts(copilot, "d-org") == ("", [])


def test_one_id_as_two_kinds_of_document_in_one_input_refuses_the_later(copilot) -> None:  # type: ignore[no-untyped-def]
    email = crm_small.email_record("x-1")
    call = crm_small.call_record("x-1")
    report = copilot.indexer(progress=False).ingest_dicts([*crm_small.records(), email, call])
    (issue,) = report.errors
    assert issue.message.startswith("id 'x-1' is an email at line ")
    assert issue.message.endswith("of this input, and this record is a call")
    with copilot.db.connection() as conn:
        kind = conn.execute("SELECT kind FROM documents WHERE id = 'x-1'").fetchone()
    assert kind == ("email",)


def test_a_principal_or_account_still_referred_to_is_not_deleted(copilot) -> None:  # type: ignore[no-untyped-def]
    """A user who still owns records (or manages someone), or an account with deals and
    documents, is kept with a message saying what refers to it, as pruning keeps it;
    listed together with what refers to it, all of it goes, whatever the input's order."""
    from retrieval import store
    from tests.db.crm_small import _email, user_record

    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    report = copilot.indexer(progress=False).ingest_dicts(
        [
            {"type": "user", "org": ACME, "id": "rep-e1", "deleted": True},
            {"type": "account", "org": ACME, "id": "a1", "deleted": True},
        ]
    )
    assert report.deleted == 0
    by_id = {issue.id: issue.message for issue in report.errors}
    assert "user 'rep-e1' is still referred to by 1 accounts" in by_id["rep-e1"]
    assert "documents" in by_id["rep-e1"] and "nothing deleted" in by_id["rep-e1"]
    assert "account 'a1' is still referred to by" in by_id["a1"]
    with copilot.db.connection() as conn:
        assert store.existing_ids(conn, table="users", org=ACME, ids=["rep-e1"]) == {"rep-e1"}
    # A new rep with one email: the user's tombstone first, the email's after it.
    copilot.indexer(progress=False).ingest_dicts(
        [
            user_record(ACME, "rep-tmp", "rep", "t-east", "mgr-e"),
            _email(ACME, "d-tmp", "rep-tmp", "private", "Temporary note about Initech."),
        ]
    )
    report = copilot.indexer(progress=False).ingest_dicts(
        [
            {"type": "user", "org": ACME, "id": "rep-tmp", "deleted": True},
            {"type": "email", "org": ACME, "id": "d-tmp", "deleted": True},
        ]
    )
    assert report.errors == [] and report.deleted == 2


def test_keyword_search_finds_exact_ticket_number_first(copilot) -> None:  # type: ignore[no-untyped-def]
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    hits = copilot.search(org=ACME, user_id="rep-e1", query="TCK-4471", top_k=5).hits
    assert hits[0].document_id == "d-shared-team"
    assert hits[0].keyword_rank == 1


def test_chunk_offsets_point_into_document_content(copilot) -> None:  # type: ignore[no-untyped-def]
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    for hit in copilot.search(org=ACME, user_id="admin", query="Umbrella", top_k=10).hits:
        doc = copilot.get_document(org=ACME, user_id="admin", document_id=hit.document_id)
        assert doc.content[hit.char_start : hit.char_end] == hit.text


def test_attributes_keep_unknown_fields(copilot) -> None:  # type: ignore[no-untyped-def]
    records = crm_small.records()
    records[-2] = {**records[-2], "crm_priority_score": 87, "tags": ["billing"]}
    copilot.indexer(progress=False).ingest_dicts(records)
    doc = copilot.get_document(org=ACME, user_id="admin", document_id="d-shared-team")
    assert doc.attributes == {"crm_priority_score": 87, "tags": ["billing"]}


def test_an_internal_call_written_with_nulls_is_filed_under_no_account(copilot) -> None:  # type: ignore[no-untyped-def]
    """A hand-written export's internal call: no account (it required one, so writers
    filed it under some customer's), and null for the optional fields it lacks (refused
    with "Input should be a valid tuple")."""
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    call = crm_small.call_record(
        "int-1", account_id=None, deal_id=None, shared_with=None, participants=None
    )
    report = copilot.indexer(progress=False).ingest_dicts([call])
    assert report.errors == [] and report.inserted == 1
    doc = copilot.get_document(org=ACME, user_id="rep-w1", document_id="int-1")
    assert doc.account_id is None and doc.fields["participants"] == []
    assert doc.attributes == {}  # the nulls were fields left out, not kept


BAD_LINES = [
    ('{"type": "email", "org": "acme", "id": "x1"', "bad JSON"),
    ('{"type": "memo", "org": "acme", "id": "x2"}', "type: unknown record type 'memo'"),
    (
        '{"type": "call", "org": "acme", "id": "x3", "account_id": "a1", "owner_id": "rep-e1",'
        ' "visibility": "org", "occurred_at": "2026-05-01T10:00:00Z", "title": "Intro"}',
        "transcript: Field required",
    ),
    (
        '{"type": "call", "org": "acme", "id": "x4", "account_id": "a1", "owner_id": "rep-e1",'
        ' "visibility": "org", "occurred_at": "2026-02-31", "title": "t", "transcript": "A: hi"}',
        "occurred_at:",
    ),
    (
        '{"type": "call", "org": "acme", "id": "x5", "account_id": "a1", "owner_id": "nobody",'
        ' "visibility": "org", "occurred_at": "2026-05-01", "title": "t", "transcript": "A: hi"}',
        "owner_id: unknown user 'nobody'",
    ),
]
GOOD_LINE = (
    '{"type": "call", "org": "acme", "id": "ok1", "account_id": "a1", "owner_id": "rep-e1",'
    ' "visibility": "org", "occurred_at": "2026-05-01T10:00:00Z", "title": "Discovery",'
    ' "transcript": "Dana: We need SSO.\\nSam: I will send the SSO guide by Friday."}'
)


def _bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.jsonl"
    with path.open("wb") as fh:
        fh.write((GOOD_LINE + "\n").encode())
        for line, _ in BAD_LINES:
            fh.write((line + "\n").encode())
        fh.write(b'{"type": "team", "org": "acme", "id": "t9", "name": "caf\xe9"}\n')  # latin-1
    return path


def test_malformed_records_are_listed_with_file_and_line_and_good_ones_written(
    copilot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    path = _bad_file(tmp_path)
    report = copilot.indexer(progress=False).ingest_paths([path])
    issues = {i.line: i for i in report.errors}
    assert sorted(issues) == [2, 3, 4, 5, 6, 7]
    for n, (_, expected) in enumerate(BAD_LINES, start=2):
        assert expected in issues[n].message
        assert issues[n].source == str(path)
    assert "UTF-8" in issues[7].message
    assert report.inserted == 1
    copilot.get_document(org=ACME, user_id="admin", document_id="ok1")


def test_strict_mode_writes_nothing_when_any_record_is_bad(copilot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    before = _chunk_count(copilot)
    report = copilot.indexer(progress=False).ingest_paths([_bad_file(tmp_path)], strict=True)
    assert not report.written and len(report.errors) == 6
    assert _chunk_count(copilot) == before
    with copilot.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM documents WHERE id = 'ok1'").fetchone()[0] == 0


def test_eml_and_mbox_import_attach_to_accounts_by_contact(copilot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import mailbox

    records = crm_small.records() + [
        {
            "type": "contact",
            "org": ACME,
            "id": "c1",
            "account_id": "a2",
            "name": "Pat Buyer",
            "email": "Pat.Buyer@umbrella.example",
            "title": "CFO",
        },
    ]
    copilot.indexer(progress=False).ingest_dicts(records)

    def message(n: int, subject: str, body: str) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = "Pat Buyer <pat.buyer@umbrella.example>"
        msg["To"] = "rep-w1@acme.example"
        msg["Subject"] = subject
        msg["Date"] = f"Mon, 0{n} Jun 2026 09:00:00 +0000"
        msg["Message-ID"] = f"<m{n}@umbrella.example>"
        msg.set_content(body)
        return msg

    eml = tmp_path / "one.eml"
    eml.write_bytes(bytes(message(1, "Procurement form", "Please fill in the vendor form PX-9.")))
    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    box.add(message(2, "Budget", "Our budget for the expansion is approved."))
    box.add(message(3, "Legal", "Legal returned the MSA redlines today."))
    box.flush()
    report = copilot.indexer(progress=False).ingest_paths(
        [eml, tmp_path / "inbox.mbox"], mail_org=ACME, mail_owner="rep-w1"
    )
    assert report.errors == [] and report.inserted == 3
    doc = copilot.get_document(org=ACME, user_id="rep-w1", document_id="m1@umbrella.example")
    assert doc.account_id == "a2" and doc.contact_id == "c1"
    assert doc.fields["direction"] == "inbound"
    # Imported mail is private to its owner by default.
    hits = copilot.search(org=ACME, user_id="rep-e1", query="MSA redlines", top_k=10).hits
    assert "m3@umbrella.example" not in {h.document_id for h in hits}
    hits = copilot.search(org=ACME, user_id="rep-w1", query="PX-9", top_k=3).hits
    assert hits[0].document_id == "m1@umbrella.example"


@pytest.mark.parametrize("re_embedded", [1, 0, "all"], ids=["running", "just-started", "done"])
def test_ingest_refuses_to_mix_embedding_models(copilot, re_embedded: int | str) -> None:  # type: ignore[no-untyped-def]
    # What `copilot reindex` to another model leaves while it runs (or if it stopped): the
    # new model recorded, some or none of the chunks re-embedded with it. Ingest advised
    # running the reindex that was running.
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    total = _chunk_count(copilot)
    with copilot.db.connection() as conn:
        conn.execute("UPDATE index_state SET value = 'other-model' WHERE key = 'model_id'")
        limit = total if re_embedded == "all" else re_embedded
        conn.execute(
            "UPDATE chunks SET model_id = 'other-model' WHERE (org, document_id, ord) IN"
            " (SELECT org, document_id, ord FROM chunks ORDER BY 1, 2, 3 LIMIT %s)",
            (limit,),
        )
    with pytest.raises(SchemaMismatchError) as info:
        copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    message = str(info.value)
    if re_embedded == "all":
        assert message.startswith("the index was built with model 'other-model', not ")
        assert "run `copilot reindex` to re-embed it with the new model" in message
    else:
        assert message.startswith(
            f"`copilot reindex` to model 'other-model' is in progress ({total - limit} of "
            f"{total} chunks still to re-embed; if it was interrupted, run it again): "
            "retry after it finishes, embedding with 'other-model', not "
        )


def test_reindex_reembeds_every_chunk_with_the_new_model(copilot) -> None:  # type: ignore[no-untyped-def]
    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    total = _chunk_count(copilot)
    with copilot.db.connection() as conn:
        conn.execute("UPDATE chunks SET model_id = 'old-model'")
        conn.execute("UPDATE index_state SET value = 'old-model' WHERE key = 'model_id'")
    report = copilot.indexer(progress=False).reindex()
    assert report.embedded == total
    with copilot.db.connection() as conn:
        models = conn.execute("SELECT DISTINCT model_id FROM chunks").fetchall()
    assert models == [(copilot.embedder.model_id,)]
    assert copilot.indexer(progress=False).ingest_dicts(crm_small.records()).embedded == 0


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kinds": ("call",)}, {"ok-call"}),
        ({"kinds": ("email", "ticket")}, set(crm_small.ACME_DOCS)),
        ({"account_id": "a1"}, {"d-private", "d-team", "ok-call"}),
        ({"date_from": "2026-06-01T00:00:00+00:00"}, {"ok-call"}),
        ({"date_to": "2026-06-01T00:00:00+00:00"}, set(crm_small.ACME_DOCS)),
    ],
)
def test_filters_narrow_the_permitted_set(copilot, filters: dict, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    from datetime import datetime

    from retrieval.models import SearchFilters

    call = {
        "type": "call",
        "org": ACME,
        "id": "ok-call",
        "account_id": "a1",
        "owner_id": "rep-e1",
        "visibility": "private",
        "occurred_at": "2026-07-01T10:00:00Z",
        "title": "Pricing call",
        "transcript": "Dana: The price is above budget.\nSam: I'll send a revised quote.",
    }
    copilot.indexer(progress=False).ingest_dicts([*crm_small.records(), call])
    parsed = {
        k: datetime.fromisoformat(v) if k.startswith("date") else v for k, v in filters.items()
    }
    hits = copilot.search(
        org=ACME, user_id="admin", query="customer", top_k=50, filters=SearchFilters(**parsed)
    ).hits
    assert {h.document_id for h in hits} == expected
    # The same filter never widens what a rep may see.
    rep_hits = copilot.search(
        org=ACME, user_id="rep-e2", query="customer", top_k=50, filters=SearchFilters(**parsed)
    ).hits
    assert {h.document_id for h in rep_hits} == expected & crm_small.EXPECTED[(ACME, "rep-e2")]


def test_an_id_stored_as_another_kind_after_the_batch_read_is_refused_not_replaced(
    copilot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Two requests giving one id two kinds at once (probe, third round): the slower one,
    which read "no such document", replaced the call the faster one had stored. The
    first read is made to miss the call, as a read before that commit does."""
    from copilot.ingest import indexer
    from retrieval import store

    copilot.indexer(progress=False).ingest_dicts(
        [*crm_small.records(), crm_small.call_record("x-2")]
    )
    real = store.document_state

    def read_before_the_call_was_committed(conn, *, org, ids, lock=False):  # type: ignore[no-untyped-def]
        found = real(conn, org=org, ids=ids, lock=lock)
        return found if lock else {k: v for k, v in found.items() if k != "x-2"}

    monkeypatch.setattr(indexer.store, "document_state", read_before_the_call_was_committed)
    email = crm_small.email_record("x-2")
    other = crm_small.email_record("x-3")
    report = copilot.indexer(progress=False).ingest_dicts([email, other])
    (issue,) = report.errors
    assert issue.id == "x-2"
    assert issue.message.endswith("id 'x-2' is a stored call, and this record is an email")
    assert [o["id"] for o in report.outcomes] == ["x-3"]  # the rest of the batch is written
    with copilot.db.connection() as conn:
        kinds = dict(conn.execute("SELECT id, kind FROM documents WHERE id LIKE 'x-%'").fetchall())
    assert kinds == {"x-2": "call", "x-3": "email"}


_TWO_TEAMS = [{"type": "team", "org": ACME, "id": f"t{n}", "name": f"T{n}"} for n in (1, 2)]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "bad.json",
            b'[{"type": "team", "org": "acme", "id": "x"},',
            "{path}: file is not valid JSON",
        ),
        (
            "bad.jsonl",
            json.dumps(_TWO_TEAMS[0]).encode("utf-16"),
            "{path}: file is not UTF-8 (looks like UTF-16: save it as UTF-8)",
        ),
    ],
    ids=["malformed-json", "utf-16-jsonl"],
)
def test_ingest_paths_refuses_a_malformed_file_before_writing_anything(  # type: ignore[no-untyped-def]
    copilot, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    # Only `copilot index` checked its files up front: through Indexer.ingest_paths (the
    # demo, the benches) the good file's first window was committed, then the run failed.
    from copilot.errors import IngestError
    from copilot.ingest import Indexer

    good = _write_jsonl(tmp_path / "a.jsonl", _TWO_TEAMS)
    bad = tmp_path / name
    bad.write_bytes(content)
    indexer = Indexer(copilot.db, copilot.embedder, window_records=1, progress=False)
    with pytest.raises(IngestError) as info:
        indexer.ingest_paths([good, bad])
    assert str(info.value).startswith(message.format(path=bad))
    with copilot.db.connection() as conn:
        assert conn.execute("SELECT count(*) FROM teams").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM index_state").fetchone() == (0,)


class _SmallModel:
    """The test model's tokenizer with 8-d vectors of its own: a model of another size.

    ``fail_at`` makes the n-th ``embed_documents`` call raise, as a reindex cut short."""

    class Stopped(Exception):
        """The reindex was stopped (Ctrl-C, a crash) in the middle."""

    dim = 8
    model_id = "small-8d"

    def __init__(self, base: Any, *, fail_at: int | None = None) -> None:
        self.base = base
        self.max_tokens = base.max_tokens
        self.calls = 0
        self.fail_at = fail_at

    def count_tokens(self, text: str) -> int:
        return int(self.base.count_tokens(text))

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.calls == self.fail_at:
            raise self.Stopped(f"stopped at call {self.calls}")
        vectors = np.ones((len(texts), self.dim), dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def test_ingest_during_a_reindex_to_another_vector_size_says_it_is_in_progress(copilot) -> None:  # type: ignore[no-untyped-def]
    # A reindex to another size deletes every chunk at its start, so no chunk of the old
    # model was left to show it ran: ingest advised running the reindex that was running.
    from copilot.ingest import Indexer

    copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    with copilot.db.connection() as conn:
        documents = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
    small = _SmallModel(copilot.embedder, fail_at=2)
    with pytest.raises(_SmallModel.Stopped):
        Indexer(copilot.db, small, batch_documents=1, progress=False).reindex()
    with pytest.raises(SchemaMismatchError) as info:
        copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    assert str(info.value) == (
        f"`copilot reindex` to model 'small-8d' is in progress ({documents - 1} of {documents}"
        " documents still to re-chunk and embed; if it was interrupted, run it again): retry"
        f" after it finishes, embedding with 'small-8d', not {copilot.embedder.model_id!r}"
    )
    # Run again to its end, it is over: the advice is to reindex back.
    Indexer(copilot.db, _SmallModel(copilot.embedder), progress=False).reindex()
    with pytest.raises(SchemaMismatchError) as info:
        copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    assert str(info.value).startswith("the index was built with model 'small-8d', not ")
    assert str(info.value).endswith("run `copilot reindex` to re-embed it with the new model")


def test_ingest_paths_does_not_check_again_what_check_inputs_checked(  # type: ignore[no-untyped-def]
    copilot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `copilot index` checks before the model loads and hands the result on: a .json is
    # decoded by the check and by the read, not by a second check on top.
    from copilot.ingest import check_inputs, readers

    path = tmp_path / "teams.json"
    path.write_text(json.dumps(_TWO_TEAMS))
    decoded: list[Path] = []
    real = readers._read_json_file

    def counted(p: Path) -> list[readers.SourcedRecord]:
        decoded.append(p)
        return real(p)

    monkeypatch.setattr(readers, "_read_json_file", counted)
    report = copilot.indexer(progress=False).ingest_paths(check_inputs([path]))
    assert report.inserted == 2 and decoded == [path, path]
    decoded.clear()
    copilot.indexer(progress=False).ingest_paths([path])  # unchecked: checked here
    assert decoded == [path, path]
