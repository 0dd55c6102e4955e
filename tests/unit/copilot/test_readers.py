"""Decoding ingest input (``copilot.ingest.readers``): hostile JSON never raises."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from copilot.errors import InvalidRequest
from copilot.ingest.readers import (
    RecordIdentity,
    SourcedRecord,
    read_json_array,
    read_jsonl,
    read_request_body,
)

TEAM = {"type": "team", "org": "o", "id": "t1", "name": "East"}


def _deep(levels: int) -> str:
    return json.dumps({**TEAM, "deep": "x"}).replace(
        '"deep": "x"', '"deep": ' + "[" * levels + '"x"' + "]" * levels
    )


def test_a_line_too_deep_to_decode_is_an_error_line_not_a_recursion_error() -> None:
    lines = [json.dumps(TEAM).encode(), _deep(100_000).encode(), json.dumps(TEAM).encode()]
    out = list(read_jsonl(lines, source="s"))
    assert [o.raw is not None for o in out] == [True, False, True]
    assert "nested too deeply" in (out[1].error or "")


def test_a_number_too_long_for_int_is_kept_for_validation_to_refuse() -> None:
    text = json.dumps(TEAM)[:-1] + ', "n": ' + "9" * 5000 + ', "m": -' + "9" * 5000 + "}"
    (out,) = read_jsonl([text.encode()], source="s")
    assert out.raw is not None
    assert out.raw["n"] == Decimal("9" * 5000)
    assert out.raw["m"] == Decimal("-" + "9" * 5000)


def test_a_json_array_refuses_a_too_deep_element_by_position() -> None:
    body = f"[{json.dumps(TEAM)}, {_deep(100_000)},\n {json.dumps(TEAM)} ]"
    out = read_json_array(body, source="s")
    assert [(o.line, o.raw is not None) for o in out] == [(1, True), (2, False), (3, True)]


def test_a_json_object_body_is_one_record() -> None:
    (out,) = read_json_array(f" {json.dumps(TEAM)} ", source="s")
    assert out.raw == TEAM


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "holds no records"),
        (b" \n ", "holds no records"),
        (b"[]", "holds no records"),
        (b" [ \n ] ", "holds no records"),
        (b'"x"', "must be an array"),
        (b"[{}", "not valid JSON"),
        (b"[{} {}]", "expected ',' or ']'"),
        (b"[{}],", "extra data"),
        (b"[" + b"[" * 100_000, "never closes"),
        (b'{"a": 1}\n{"a": 2}\n', r"looks like JSON Lines .*application/x-ndjson"),
        (b'{\n"a": 1\n}\n{"a": 2}', "extra data"),  # concatenated, not one per line
        (b'[{"a": 1}]\n{"a": 2}', "extra data"),
        (b"\xff[]", r"not valid UTF-8 \(at byte 0\)"),
        (b"\xef\xbb\xbf[{}, \xff]", r"not valid UTF-8 \(at byte 8\)"),  # the mark counts
    ],
)
def test_a_json_body_that_is_no_array_of_records_is_a_body_error(body: bytes, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message) as info:
        read_request_body(body, "application/json; charset=utf-8", source="s")
    assert info.value.field == "body"


def test_an_empty_json_lines_body_is_the_same_body_error() -> None:
    with pytest.raises(InvalidRequest, match="holds no records"):
        read_request_body(b"\n\n", "application/x-ndjson", source="s")


@pytest.mark.parametrize(
    ("raw", "identity"),
    [
        ({"type": "email", "id": 7, "org": "o"}, RecordIdentity("email", "7", "o")),
        ({"type": "email", "id": "a\x00", "org": ["o"]}, RecordIdentity("email", None, None)),
        ({"type": "x\ud800", "id": True}, RecordIdentity(None, None, None)),
        (None, RecordIdentity(None, None, None)),
    ],
)
def test_identity_echoes_only_clean_strings(raw: dict | None, identity: RecordIdentity) -> None:
    assert SourcedRecord("s", 1, raw).identity() == identity


def test_a_refused_record_keeps_its_identity() -> None:
    item = SourcedRecord("s", 3, {"type": "team", "id": "t1", "org": "o"}).refused("no")
    assert (item.raw, item.error, item.identity()) == (None, "no", ("team", "t1", "o"))


@pytest.mark.parametrize("content_type", ["application/x-ndjson", "application/json"])
def test_a_byte_order_mark_before_the_first_record_is_not_content(content_type: str) -> None:
    # Excel and PowerShell start a UTF-8 file with one; the first record was refused as
    # "bad JSON: Expecting value at column 1".
    line = json.dumps(TEAM).encode()
    body = b"\xef\xbb\xbf" + (line + b"\n" + line if "ndjson" in content_type else line)
    out = read_request_body(body, content_type, source="s")
    assert [r.raw for r in out] == [TEAM] * len(out) and all(r.error is None for r in out)


def test_a_byte_order_mark_later_in_the_input_is_still_an_error() -> None:
    line = json.dumps(TEAM).encode()
    first, second = read_jsonl([line, b"\xef\xbb\xbf" + line], source="s")
    assert first.error is None and second.error is not None


def test_an_unterminated_string_after_deep_nesting_is_refused_in_linear_time() -> None:
    """Found by the probe of 2026-11-29 (third round): 67 KB took 15 s on the event loop,
    and twice the body four times as long. The bound tells a hang from a return."""
    import threading

    body = ("[" + "[" * 3000 + '"' + '\\"' * 300_000).encode()  # 600 KB: minutes before
    box: list[object] = []

    def read() -> None:
        try:
            read_request_body(body, "application/json", source="body")
        except InvalidRequest as err:
            box.append(err)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert box, "still reading after 30 s: quadratic again"
    assert "never closes" in str(box[0])


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
def test_a_body_over_the_record_limit_is_refused_before_it_is_all_read(
    content_type: str,
) -> None:
    from copilot.ingest.readers import TooManyRecords

    if content_type == "application/json":
        body = json.dumps([TEAM] * 5).encode()
    else:
        body = b"\n".join(json.dumps(TEAM).encode() for _ in range(5))
    assert len(read_request_body(body, content_type, source="b", max_records=5)) == 5
    with pytest.raises(TooManyRecords, match="more than 4 records"):
        read_request_body(body, content_type, source="b", max_records=4)


def test_a_trailing_comma_in_a_json_array_is_a_body_error() -> None:
    with pytest.raises(InvalidRequest, match="a comma before"):
        read_json_array(json.dumps([TEAM])[:-1] + ",]", source="b")


def test_a_rejected_records_message_is_cut_not_echoed_whole() -> None:
    from copilot.ingest.report import MAX_MESSAGE_CHARS, RecordIssue

    issue = RecordIssue("b", 1, "type: unknown record type " + repr("x" * 1_000_000))
    assert len(issue.message) == MAX_MESSAGE_CHARS and issue.message.endswith("\u2026")
