"""Record validation: the canonical input format (``copilot.ingest.records``)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from copilot.ingest.records import RecordError, RecordLimits, parse_record

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
        ({"visibility": "public"}, "visibility: expected 'private', 'team' or 'org', got 'public'"),
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


# --------------------------------------------------------------------------- hostile values

CALL = {
    "type": "call",
    "org": "o",
    "id": "c1",
    "owner_id": "u1",
    "account_id": "a1",
    "visibility": "org",
    "occurred_at": "2026-01-02T03:04:05Z",
    "title": "Pricing call",
    "transcript": [{"speaker": "Ana", "text": "Fine."}, "Bo: Great."],
}


def _nested(levels: int) -> object:
    value: object = "x"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"score": float("nan")}, "score: nan is not a finite number"),
        ({"score": float("inf")}, "score: inf is not a finite number"),
        ({"meta": {"v": [1, float("-inf")]}}, "meta.v.1: -inf is not a finite number"),
        ({"score": Decimal("9" * 5000)}, "score: a 5000-digit number; at most 64 digits"),
        ({"score": 10**64}, "score: an integer of over 64 digits"),
        ({"crm\x00note": 1}, r"'crm\\x00note': the field name contains a NUL"),
        ({"meta": {"k\x00": 1}}, r"meta.'k\\x00': the field name contains a NUL"),
        ({"meta": ["a", "b\x00"]}, "meta.1: contains a NUL"),
        ({"note": "x\ud800"}, r"note: contains a lone surrogate '\\ud800'"),
        ({"body": "x\udfff"}, "body: contains a lone surrogate"),
        ({"k\udc80": 1}, r"'k\\udc80': the field name contains a lone surrogate"),
        ({"deep": _nested(32)}, "deep.0.0.0.*: nested deeper than 32 levels"),
        ({"deep": _nested(5000)}, "nested deeper than 32 levels"),
        ({"shared_with": ["team:"]}, "shared_with: Value error, entry 0 'team:' names no team"),
        (
            {"shared_with": ["u2", "user: "]},
            "shared_with: Value error, entry 1 'user:' names no user",
        ),
        ({"shared_with": [""]}, "shared_with.0: String should have at least 1 character"),
        (
            {"shared_with": ["user:team:t1"]},
            "entry 0 'user:team:t1' is not a user id; a team is 'team:<id>'",
        ),
    ],
)
def test_values_postgres_or_json_cannot_hold_are_refused_by_field(
    change: dict, message: str
) -> None:
    with pytest.raises(RecordError, match=message.replace("(", r"\(").replace(".*", "[.0-9]*")):
        parse_record({**EMAIL, **change})


def test_the_deepest_allowed_nesting_and_long_valid_numbers_pass() -> None:
    rec = parse_record({**EMAIL, "deep": _nested(30), "n": 10**63, "x": 1e308, "ok": "é😀"})
    assert rec.attributes["n"] == 10**63


def test_user_shares_are_normalized_to_bare_ids_and_team_shares_kept() -> None:
    rec = parse_record({**EMAIL, "shared_with": ["user:u2", "team:t1", "u3"]})
    assert rec.shared_with == ("u2", "team:t1", "u3")


@pytest.mark.parametrize(
    ("transcript", "message"),
    [
        ([{"speaker": "Ana"}], "transcript: Value error, turn 0: needs a string 'text'"),
        (["Ana: hi", {"text": None}], "turn 1: needs a string 'text'"),
        ([7], "turn 0: expected a string or an object, got int"),
        ([{"speaker": 3, "text": "hi"}], "turn 0: 'speaker' must be a string"),
    ],
)
def test_a_transcript_turn_without_text_is_refused(transcript: list, message: str) -> None:
    with pytest.raises(RecordError, match=message):
        parse_record({**CALL, "transcript": transcript})


def test_content_is_accepted_as_a_turns_text() -> None:
    assert parse_record({**CALL, "transcript": [{"name": "Ana", "content": "Hi"}]}).id == "c1"


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {**EMAIL, "subject": "s" * 11},
            "subject: 11 characters; at most 10 (COPILOT_MAX_TITLE_CHARS)",
        ),
        (
            {**EMAIL, "body": "b" * 101},
            "body: 101 characters; at most 100 (COPILOT_MAX_BODY_CHARS)",
        ),
        ({**CALL, "title": "t" * 11}, "title: 11 characters"),
        (
            {**CALL, "title": "t", "transcript": [{"speaker": "A", "text": "x" * 98}]},
            "transcript: 101 characters",
        ),
        (
            {
                **CALL,
                "type": "ticket",
                "subject": "s",
                "body": "b" * 60,
                "status": "open",
                "priority": "low",
                "comments": [{"author_id": "u1", "at": "2026-01-01T00:00:00Z", "body": "c" * 10}],
            },
            "body and comments: 1[0-9][0-9] characters; at most 100",
        ),
    ],
)
def test_titles_and_bodies_over_the_limits_are_refused(record: dict, message: str) -> None:
    limits = RecordLimits(max_title_chars=10, max_body_chars=100)
    with pytest.raises(RecordError, match=message.replace("(C", r"\(C").replace("S)", r"S\)")):
        parse_record(record, limits=limits)


def test_titles_and_bodies_at_the_limits_pass() -> None:
    limits = RecordLimits(max_title_chars=10, max_body_chars=100)
    assert parse_record({**EMAIL, "subject": "s" * 10, "body": "b" * 100}, limits=limits)


DEAL = {
    "type": "deal",
    "org": "o",
    "id": "d1",
    "account_id": "a1",
    "owner_id": "u1",
    "name": "Expansion",
    "stage": "negotiation",
    "amount": 48000,
    "close_date": "2026-12-15",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"amount": "NaN"}, "amount: Input should be a finite number"),
        ({"amount": "-inf"}, "amount: Input should be a finite number"),
        ({"close_date": "0001-01-01"}, "close_date: Value error, 0001-01-01 is outside years"),
        ({"close_date": "9999-12-31"}, "close_date: Value error, 9999-12-31 is outside years"),
    ],
)
def test_deal_amounts_and_close_dates_in_strings_are_checked_too(
    change: dict, message: str
) -> None:
    with pytest.raises(RecordError, match=message):
        parse_record({**DEAL, **change})


def test_the_readme_lists_each_types_required_and_optional_fields() -> None:
    """The README's "Fields by type" table is what validation requires, no more, no less."""
    import re
    from pathlib import Path

    from copilot.ingest import records as r

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): (m.group(2), m.group(3))
        for m in re.finditer(r"^\| `(\w+)` \| ([^|]*)\| ([^|]*)\|$", readme, re.M)
    }

    def names(cell: str) -> set[str]:
        return set(re.findall(r"`(\w+)`", re.sub(r"\(.*?\)", "", cell)))

    for model in (r.Team, r.User, r.Account, r.Contact, r.Deal, r.Email, r.Call, r.Ticket):
        kind = model.model_fields["type"].annotation.__args__[0]  # Literal["team"] -> "team"
        fields = {(f.alias or n, f.is_required()) for n, f in model.model_fields.items()}
        required = {n for n, req in fields if req} - {"type", "org"}
        optional = {n for n, req in fields if not req}
        assert kind in rows, f"no README row for {kind}"
        assert names(rows[kind][0]) == required, kind
        assert names(rows[kind][1]) == optional, kind


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"occurred_at": "11/14/2026"},
            "occurred_at: expected an ISO 8601 timestamp such as 2026-11-14T10:00:00Z, "
            "got '11/14/2026'",
        ),
        ({"occurred_at": "2026-11-14T25:00:00"}, "got '2026-11-14T25:00:00'"),
        ({"occurred_at": None}, "occurred_at: required; null is not allowed"),
        ({"occurred_at": ["2026"]}, "got a list"),
        ({"occurred_at": "x" * 500}, "got 'xxxxxxxx"),
    ],
)
def test_a_bad_timestamp_says_what_it_should_look_like(change: dict, message: str) -> None:
    with pytest.raises(RecordError) as info:
        parse_record({**EMAIL, **change})
    assert message in str(info.value)
    assert len(str(info.value)) < 200  # a long value is cut, not echoed whole


def test_a_bad_close_date_says_what_it_should_look_like() -> None:
    deal = {"type": "deal", "org": "o", "id": "d", "account_id": "a", "owner_id": "u"}
    deal |= {"name": "n", "stage": "s", "amount": 1, "close_date": "Dec 15"}
    with pytest.raises(
        RecordError, match="close_date: expected an ISO 8601 date such as 2026-12-15, got 'Dec 15'"
    ):
        parse_record(deal)


def test_fields_kept_as_they_came_are_capped_too() -> None:
    """A 20 MB extra field was stored and served whole (probe, third round)."""
    limits = RecordLimits(max_attributes_chars=1_000, max_list_entries=3)
    assert parse_record({**EMAIL, "crm_url": "https://crm/x"}, limits=limits)
    with pytest.raises(RecordError, match=r"attributes \(fields the format does not name: "):
        parse_record({**EMAIL, "notes": "n" * 1_000}, limits=limits)
    with pytest.raises(RecordError, match="COPILOT_MAX_ATTRIBUTES_CHARS"):
        parse_record({**EMAIL, "notes": "n" * 1_000}, limits=limits)
    with pytest.raises(RecordError, match="to: 4 entries; at most 3"):
        parse_record({**EMAIL, "to": ["a@x", "b@x", "c@x", "d@x"]}, limits=limits)
    team = {"type": "team", "org": "o", "id": "t1", "name": "A", "extra": ["x" * 600] * 2}
    with pytest.raises(RecordError, match="attributes"):
        parse_record(team, limits=limits)


# --------------------------------------------------------------------------- null and lists

TICKET = {
    "type": "ticket",
    "org": "o",
    "id": "t1",
    "owner_id": "u1",
    "account_id": "a1",
    "visibility": "org",
    "occurred_at": "2026-01-02T03:04:05Z",
    "subject": "SSO fails",
    "body": "500 after the redirect.",
    "status": "open",
    "priority": "high",
}
USER = {"type": "user", "org": "o", "id": "u2", "name": "N", "email": "n@x", "role": "rep"}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (USER, "team_id"),
        (USER, "manager_id"),
        (EMAIL, "subject"),
        (EMAIL, "shared_with"),
        (EMAIL, "account_id"),
        (CALL, "account_id"),
        (CALL, "participants"),
        (CALL, "deal_id"),
        (TICKET, "comments"),
        (TICKET, "contact_id"),
    ],
)
def test_null_for_an_optional_field_is_the_field_left_out(record: dict, field: str) -> None:
    """Exporters write null for an empty field: `"shared_with": null` was refused with
    "Input should be a valid tuple" (a new user's report), `"subject": null` with "a valid
    string", though leaving either out was fine."""
    left_out = parse_record({k: v for k, v in record.items() if k != field})
    assert parse_record({**record, field: None}) == left_out


CONTACT = {
    "type": "contact",
    "org": "o",
    "id": "c9",
    "account_id": "a1",
    "name": "N",
    "email": "n@x",
}


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (EMAIL, "to"),
        (EMAIL, "body"),
        (EMAIL, "from"),
        (EMAIL, "direction"),
        (EMAIL, "visibility"),
        (EMAIL, "occurred_at"),
        (CALL, "transcript"),
        (TICKET, "status"),
        (DEAL, "close_date"),
        (USER, "role"),
        # "email" is also a record type: it was dropped from the message ("record: ...").
        (CONTACT, "email"),
    ],
)
def test_null_for_a_required_field_says_it_is_required(record: dict, field: str) -> None:
    """An email's `"to": null` said `to.tuple[constrained-str, ...]: expected a list, got
    null; to.constrained-str: Input should be a valid string`: pydantic's union members,
    not that the field must be there."""
    with pytest.raises(RecordError) as err:
        parse_record({**record, field: None})
    assert str(err.value) == f"{field}: required; null is not allowed"


def test_a_required_null_is_reported_with_the_records_other_problems() -> None:
    with pytest.raises(RecordError) as err:
        parse_record({**EMAIL, "to": None, "visibility": "public"})
    assert str(err.value) == (
        "visibility: expected 'private', 'team' or 'org', got 'public'; "
        "to: required; null is not allowed"
    )


@pytest.mark.parametrize(
    ("record", "change", "message"),
    [
        (USER, {"role": "boss"}, "role: expected 'rep', 'manager' or 'admin', got 'boss'"),
        (USER, {"role": "Admin"}, "role: expected 'rep', 'manager' or 'admin', got 'Admin'"),
        (EMAIL, {"visibility": 2}, "visibility: expected 'private', 'team' or 'org', got 2"),
        (EMAIL, {"direction": "IN"}, "direction: expected 'inbound' or 'outbound', got 'IN'"),
        (EMAIL, {"direction": True}, "direction: expected 'inbound' or 'outbound', got true"),
        (
            EMAIL,
            {"direction": ["inbound"]},
            "direction: expected 'inbound' or 'outbound', got a list",
        ),
    ],
)
def test_an_enum_error_quotes_the_value_received(record: dict, change: dict, message: str) -> None:
    with pytest.raises(RecordError) as err:
        parse_record({**record, **change})
    assert str(err.value) == message


def test_a_long_value_received_is_cut() -> None:
    with pytest.raises(RecordError) as err:
        parse_record({**EMAIL, "visibility": "p" * 500})
    got = str(err.value).split(", got ", 1)[1]
    assert got.startswith("'ppp") and got.endswith("...") and len(got) <= 80


def test_null_in_an_unnamed_field_is_kept_in_attributes() -> None:
    assert parse_record({**EMAIL, "loss_reason": None}).attributes == {"loss_reason": None}


@pytest.mark.parametrize(
    ("record", "change", "message"),
    [
        (EMAIL, {"shared_with": "u2"}, "shared_with: expected a list, got a string"),
        (CALL, {"participants": "Ana, Bo"}, "participants: expected a list, got a string"),
        (TICKET, {"comments": {"author_id": "u1"}}, "comments: expected a list, got an object"),
        # One message for a field of two shapes, not one per shape under pydantic's names
        # ("to.tuple[constrained-str, ...]: ...; to.constrained-str: ...").
        (EMAIL, {"to": 5}, "to: expected a list or a string, got a number"),
        (EMAIL, {"to": ["a@x", None]}, "to.1: expected a string, got null"),
    ],
)
def test_a_list_field_given_something_else_says_a_list_is_expected(
    record: dict, change: dict, message: str
) -> None:
    """Pydantic's "Input should be a valid tuple" names a Python type the JSON has not."""
    with pytest.raises(RecordError, match=message):
        parse_record({**record, **change})


def test_a_call_needs_no_account() -> None:
    """An internal call (a pipeline review, a handover) has no customer. Requiring one made
    writers file it under some customer's account, which then shows that account's deals
    and contacts to everyone who may see the call, and puts the internal talk in the
    account's answers and next-best actions."""
    call = parse_record({k: v for k, v in CALL.items() if k != "account_id"})
    assert call.account_id is None
