"""The audit chain's checks, on rows built in memory (no database)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from copilot.audit import query_digest, verify_chain
from retrieval.store import GENESIS_HASH, AuditRecord, ChainHead, audit_entry_hash


def _chain(n: int, *, start: int = 1, prev: str = GENESIS_HASH) -> list[AuditRecord]:
    rows = []
    at = datetime(2026, 11, 1, 9, 0, 0, 123456, tzinfo=UTC)
    for seq in range(start, start + n):
        query = f"query {seq}"
        fields = {
            "org": "acme",
            "seq": seq,
            "at": at + timedelta(seconds=seq),
            "actor": "user:u1",
            "request_id": f"r{seq}",
            "endpoint": "POST /v1/search",
            "query_sha256": query_digest(query),
            "record_ids": (f"em-{seq}",),
            "engine": "exact",
            "status": 200,
            "prev_hash": prev,
        }
        prev = audit_entry_hash(**fields)
        rows.append(AuditRecord(query_text=query, hash=prev, **fields))  # type: ignore[arg-type]
    return rows


def _head(rows: list[AuditRecord], *, pruned: int = 0, pruned_hash: str = GENESIS_HASH):
    return ChainHead(rows[-1].seq, rows[-1].hash, pruned, pruned_hash)


def test_an_intact_chain_and_an_empty_one_verify() -> None:
    rows = _chain(5)
    assert all(r.chained_hash() == r.hash for r in rows)
    report = verify_chain("acme", _head(rows), rows)
    assert report.ok and report.rows == 5
    assert verify_chain("acme", None, []).ok


def test_a_chain_after_pruning_verifies_from_its_anchor() -> None:
    rows = _chain(6)
    head = _head(rows, pruned=2, pruned_hash=rows[1].hash)
    assert verify_chain("acme", head, rows[2:]).ok
    assert not verify_chain("acme", head, rows[3:]).ok


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("actor", "user:someone-else"),
        ("record_ids", ("em-3", "em-99")),
        ("status", 404),
        ("at", datetime(2020, 1, 1, tzinfo=UTC)),
        ("query_sha256", query_digest("something else")),
    ],
)
def test_an_edited_row_is_named(change: str, value: object) -> None:
    rows = _chain(5)
    rows[2] = dataclasses.replace(rows[2], **{change: value})
    report = verify_chain("acme", _head(rows), rows)
    assert not report.ok and report.first_bad_seq == 3


def test_edited_query_text_is_caught_and_blanked_text_is_not_an_edit() -> None:
    rows = _chain(3)
    edited = [*rows[:1], dataclasses.replace(rows[1], query_text="other words"), *rows[2:]]
    assert verify_chain("acme", _head(rows), edited).first_bad_seq == 2
    blanked = [*rows[:1], dataclasses.replace(rows[1], query_text=None), *rows[2:]]
    assert verify_chain("acme", _head(rows), blanked).ok


def test_removed_rows_are_named_wherever_they_were() -> None:
    rows = _chain(5)
    head = _head(rows)
    middle = verify_chain("acme", head, rows[:2] + rows[3:])
    assert (middle.ok, middle.first_bad_seq) == (False, 3)
    newest = verify_chain("acme", head, rows[:4])
    assert (newest.ok, newest.first_bad_seq) == (False, 5)
    oldest = verify_chain("acme", head, rows[1:])
    assert (oldest.ok, oldest.first_bad_seq) == (False, 1)
    headless = verify_chain("acme", None, rows)
    assert (headless.ok, headless.first_bad_seq) == (False, 1)


def test_a_row_rehashed_after_an_edit_breaks_the_next_link() -> None:
    rows = _chain(4)
    forged = dataclasses.replace(rows[1], actor="user:u2")
    rows[1] = dataclasses.replace(forged, hash=forged.chained_hash())
    report = verify_chain("acme", _head(rows), rows)
    assert (report.ok, report.first_bad_seq) == (False, 3)
