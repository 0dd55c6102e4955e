"""Record validation: the canonical input format (``copilot.ingest.records``)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from copilot.ingest.records import RecordError, parse_record

EMAIL = {
    "type": "email",
    "org": "o",
    "id": "e1",
    "owner_id": "u1",
    "visibility": "team",
    "occurred_at": "2026-01-02T03:04:05",
    "subject": "s",
    "from": "a@x",
    "to": ["b@x"],
    "direction": "inbound",
    "body": "hello",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "memo"}, "type: unknown record type 'memo'"),
        ({"visibility": "public"}, "visibility: Input should be 'private', 'team' or 'org'"),
        ({"occurred_at": "yesterday"}, "occurred_at:"),
        ({"direction": None}, "direction:"),
        ({"body": None}, "body:"),
        ({"id": ""}, "id: String should have at least 1 character"),
    ],
)
def test_invalid_records_name_the_field(change: dict, message: str) -> None:
    with pytest.raises(RecordError, match=message.replace("(", r"\(")):
        parse_record({**EMAIL, **change})


def test_unknown_fields_become_attributes_and_naive_times_are_utc() -> None:
    rec = parse_record({**EMAIL, "sentiment_score": 0.4})
    assert rec.attributes == {"sentiment_score": 0.4}
    assert rec.occurred_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_numeric_ids_are_kept_as_strings() -> None:
    assert parse_record({**EMAIL, "id": 42}).id == "42"


def test_tombstone() -> None:
    rec = parse_record({"type": "call", "org": "o", "id": "c1", "deleted": True})
    assert (rec.type, rec.id) == ("call", "c1")
