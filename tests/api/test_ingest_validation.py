"""Ingest input that used to pass validation and fail in PostgreSQL (issue 12, defect 1).

Each bad record must be rejected by its line, naming the field, with its type and id
when they can be read; the records around it are written; ``strict=true`` answers 422.
Also: size caps on titles and bodies (defect 2), ``[]`` bodies and shares to principals
that do not exist (defect 6), and out-of-range dates and boolean integers in requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.api.test_api import Headers, assert_error, get_doc, jsonl, post_ingest, search, with_id
from tests.db import crm_small
from tests.db.crm_small import ACME, call_record


@pytest.fixture()
def loaded(client: TestClient, ingest_headers: Headers) -> None:
    response = post_ingest(client, ingest_headers, jsonl(crm_small.records()))
    assert response.status_code == 200, response.text


@pytest.fixture()
def as_user(token_for: Callable[..., str]) -> Callable[[str, str], Headers]:
    return lambda org, user: bearer(token_for(org, user))


def _deep(levels: int) -> str:
    """A record whose ``deep`` attribute nests ``levels`` arrays (as JSON text)."""
    text = json.dumps(with_id("d-bad", deep="x"))
    return text.replace('"deep": "x"', '"deep": ' + "[" * levels + '"x"' + "]" * levels)


def _with_number(literal: str) -> str:
    """A record whose ``score`` is ``literal`` verbatim (what json.dumps cannot write)."""
    return json.dumps(with_id("d-bad", score=1)).replace('"score": 1', f'"score": {literal}')


#: ``name -> (the bad record's JSON text, a word its error must contain)``.
BAD_LINES: dict[str, tuple[str, str]] = {
    "NaN": (json.dumps(with_id("d-bad", score=float("nan"))), "score"),
    "Infinity": (json.dumps(with_id("d-bad", score=float("inf"))), "score"),
    "-Infinity": (json.dumps(with_id("d-bad", score=float("-inf"))), "score"),
    "1e400": (_with_number("1e400"), "score"),
    "5000-digit integer": (_with_number("9" * 5000), "score"),
    "NUL in an attribute key": (json.dumps(with_id("d-bad", **{"crm\u0000note": "x"})), "crm"),
    "NUL in a nested key": (json.dumps(with_id("d-bad", meta={"a\u0000": 1})), "meta"),
    "NUL in a nested value": (json.dumps(with_id("d-bad", meta={"a": ["x\u0000"]})), "meta.a.0"),
    "lone surrogate in a value": (json.dumps(with_id("d-bad", note="x\ud800y")), "note"),
    "lone surrogate in the body": (json.dumps(with_id("d-bad", body="x\udfffy")), "body"),
    "lone surrogate in a key": (json.dumps(with_id("d-bad", **{"n\ud800": 1})), "surrogate"),
    "nested 990 deep": (_deep(990), "nest"),
    "nested 70 deep": (_deep(70), "deep"),
    "transcript turn without text": (
        json.dumps(call_record("d-bad", transcript=[{"speaker": "Ana"}])),
        "transcript",
    ),
    "transcript turn of a number": (json.dumps(call_record("d-bad", transcript=[7])), "transcript"),
    "share to an empty team": (json.dumps(with_id("d-bad", shared_with=["team:"])), "shared_with"),
    "share to an empty user": (json.dumps(with_id("d-bad", shared_with=["user:"])), "shared_with"),
    "share to an empty id": (json.dumps(with_id("d-bad", shared_with=[""])), "shared_with"),
    "share to an unknown team": (
        json.dumps(with_id("d-bad", shared_with=["team:t-nowhere"])),
        "t-nowhere",
    ),
    "share to an unknown user": (
        json.dumps(with_id("d-bad", shared_with=["u-nobody"])),
        "u-nobody",
    ),
}


@pytest.mark.parametrize("name", list(BAD_LINES), ids=list(BAD_LINES))
def test_a_bad_value_rejects_its_line_and_the_rest_is_written(
    loaded: None,
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
    name: str,
) -> None:
    bad, word = BAD_LINES[name]
    body = "\n".join([json.dumps(with_id("d-before")), bad, json.dumps(with_id("d-after"))])
    response = post_ingest(client, ingest_headers, body.encode() + b"\n")
    assert response.status_code == 200, response.text
    by_line = {r["line"]: r for r in response.json()["results"]}
    assert by_line[1]["status"] == by_line[3]["status"] == "inserted"
    rejected = by_line[2]
    assert rejected["status"] == "rejected", rejected
    assert word in rejected["error"], rejected
    if "990" not in name:  # a body too deep to decode has no readable id
        assert (rejected["type"], rejected["id"]) in {("email", "d-bad"), ("call", "d-bad")}
    admin = as_user(ACME, "admin")
    assert get_doc(client, admin, "d-after").status_code == 200
    assert_error(get_doc(client, admin, "d-bad"), 404)


#: One case of each kind, for the strict and JSON-array paths.
SOME_BAD_LINES = [
    "NaN",
    "5000-digit integer",
    "NUL in an attribute key",
    "lone surrogate in a key",
    "nested 990 deep",
    "transcript turn without text",
    "share to an empty team",
    "share to an unknown user",
]


@pytest.mark.parametrize("name", SOME_BAD_LINES)
def test_strict_ingest_refuses_a_bad_value_with_422(
    loaded: None, client: TestClient, ingest_headers: Headers, name: str
) -> None:
    bad, _ = BAD_LINES[name]
    body = "\n".join([json.dumps(with_id("d-before")), bad]).encode()
    error = assert_error(
        post_ingest(client, ingest_headers, body, strict="true"), 422, code="invalid_input"
    )
    assert error["field"] == "line 2"
    assert error["report"]["written"] is False


@pytest.mark.parametrize("name", SOME_BAD_LINES)
def test_a_bad_value_in_a_json_array_rejects_its_position(
    loaded: None, client: TestClient, ingest_headers: Headers, name: str
) -> None:
    bad, word = BAD_LINES[name]
    body = "[" + ",".join([json.dumps(with_id("d-before")), bad, json.dumps(with_id("d-after"))])
    headers = {**ingest_headers, "Content-Type": "application/json"}
    response = client.post("/v1/ingest", content=(body + "]").encode(), headers=headers)
    assert response.status_code == 200, response.text
    by_line = {r["line"]: r for r in response.json()["results"]}
    assert [by_line[n]["status"] for n in (1, 2, 3)] == ["inserted", "rejected", "inserted"]
    assert word in by_line[2]["error"], by_line[2]


def test_a_rejected_line_reports_the_type_and_id_it_could_read(
    loaded: None, client: TestClient, ingest_headers: Headers
) -> None:
    lines = [
        json.dumps(with_id("d-ghost", owner_id="ghost")),  # a reference that does not resolve
        json.dumps(with_id("d-date", occurred_at="yesterday")),  # a field that does not parse
        json.dumps({"type": "memo", "org": ACME, "id": "m-1"}),  # an unknown type
        "{not json",
        json.dumps(with_id("d-ok")),
    ]
    response = post_ingest(client, ingest_headers, "\n".join(lines).encode())
    results = {r["line"]: r for r in response.json()["results"]}
    assert (results[1]["type"], results[1]["id"], results[1]["org"]) == ("email", "d-ghost", ACME)
    assert (results[2]["type"], results[2]["id"]) == ("email", "d-date")
    assert (results[3]["type"], results[3]["id"]) == ("memo", "m-1")
    assert (results[4]["type"], results[4]["id"]) == (None, None)
    assert results[5]["status"] == "inserted"


def test_a_share_to_a_team_or_user_of_the_batch_is_accepted(
    loaded: None,
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    team = {"type": "team", "org": ACME, "id": "t-new", "name": "New"}
    doc = with_id("d-shared", visibility="private", shared_with=["team:t-west", "user:rep-e2"])
    other = with_id("d-2", shared_with=["team:t-new"])
    response = post_ingest(client, ingest_headers, jsonl([team, doc, other]))
    assert [r["status"] for r in response.json()["results"]] == ["inserted"] * 3
    assert get_doc(client, as_user(ACME, "rep-e2"), "d-shared").status_code == 200
    assert get_doc(client, as_user(ACME, "rep-w1"), "d-shared").status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        pytest.param(b"[]", "application/json", id="empty-array"),
        pytest.param(b" [ \n ] ", "application/json", id="blank-array"),
        pytest.param(b"", "application/x-ndjson", id="empty-jsonl"),
    ],
)
def test_a_body_with_no_records_is_400_with_one_message(
    client: TestClient, ingest_headers: Headers, content: bytes, content_type: str
) -> None:
    headers = {**ingest_headers, "Content-Type": content_type}
    response = client.post("/v1/ingest", content=content, headers=headers)
    error = assert_error(response, 400, code="invalid_request", field="body")
    assert error["message"].startswith("request body holds no records")


# --------------------------------------------------------------------------- request values


@pytest.mark.parametrize(
    ("path", "as_of", "status"),
    [
        ("/v1/accounts/a1/next-best-actions", "0001-01-01", 422),
        ("/v1/accounts/a1/next-best-actions", "9999-12-31", 422),
        ("/v1/accounts/a1/next-best-actions", "0999-12-31", 422),
        ("/v1/deals/nope/next-best-actions", "9999-12-31", 422),
        ("/v1/accounts/a1/next-best-actions", "1000-01-01", 200),
        ("/v1/accounts/a1/next-best-actions", "9998-12-31", 200),
    ],
)
def test_next_best_actions_as_of_outside_the_date_range_is_422_naming_it(
    loaded: None,
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    path: str,
    as_of: str,
    status: int,
) -> None:
    response = client.get(path, params={"as_of": as_of}, headers=as_user(ACME, "admin"))
    if status == 200:
        assert response.status_code == 200, response.text
        return
    error = assert_error(response, 422, code="invalid_request", field="as_of")
    assert "1000-01-01" in error["message"] and "9998-12-31" in error["message"], error


@pytest.mark.parametrize("as_of", ["0", "1700000000", "2026-5-1", "20260501"])
def test_next_best_actions_as_of_not_written_as_a_day_is_422(
    loaded: None, client: TestClient, as_user: Callable[[str, str], Headers], as_of: str
) -> None:
    """Lax parsing read "0" as 1970-01-01 (schemathesis, 2026-11-29)."""
    response = client.get(
        "/v1/accounts/a1/next-best-actions", params={"as_of": as_of}, headers=as_user(ACME, "admin")
    )
    error = assert_error(response, 422, code="invalid_request", field="as_of")
    assert "YYYY-MM-DD" in error["message"], error


@pytest.mark.parametrize(
    "dates",
    [
        {"date_from": "0001-01-01"},
        {"date_from": "0001-01-01T00:00:00+01:00"},
        {"date_to": "9999-12-31T23:59:59-01:00"},
        {"date_from": "9999-12-31T23:59:59.999999-14:00"},
        {"date_to": "0001-01-01T00:30:00+01:00"},
    ],
)
def test_search_dates_that_overflow_in_utc_are_4xx(
    loaded: None, client: TestClient, as_user: Callable[[str, str], Headers], dates: dict
) -> None:
    response = search(client, as_user(ACME, "admin"), **dates)
    assert response.status_code in (200, 422), response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/search", {"query": "pricing", "top_k": True}),
        ("/v1/search", {"query": "pricing", "top_k": False}),
        ("/v1/ask", {"question": "What did Initech confirm?", "top_k": True}),
    ],
)
def test_a_boolean_is_not_an_integer(
    loaded: None,
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    path: str,
    body: dict,
) -> None:
    response = client.post(path, json=body, headers=as_user(ACME, "admin"))
    assert_error(response, 422, code="invalid_request", field="top_k")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/ask", {"question": " \t\u00a0\u2003"}, "question"),
        ("/v1/ask/stream", {"question": "   "}, "question"),
        ("/v1/search", {"query": "pricing", "account_id": "\udfff"}, "account_id"),
        ("/v1/ask", {"question": "pricing?", "account_id": "a\ud800"}, "account_id"),
        ("/v1/ask/stream", {"question": "pricing?", "account_id": "\ud800"}, "account_id"),
    ],
    ids=[
        "blank-question",
        "blank-stream-question",
        "surrogate-search",
        "surrogate-ask",
        "surrogate-stream",
    ],
)
def test_a_blank_question_or_an_unstorable_id_is_a_422_naming_it(
    loaded: None,
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    path: str,
    body: dict,
    field: str,
) -> None:
    """Whitespace asks nothing and a lone surrogate cannot reach the database: both were
    500s (the probe of 2026-11-29)."""
    response = client.post(
        path,
        content=json.dumps(body),  # ASCII-escaped, so lone surrogates arrive as sent
        headers={**as_user(ACME, "admin"), "Content-Type": "application/json"},
    )
    assert_error(response, 422, code="invalid_request", field=field)


# --------------------------------------------------------------------------- size caps


def test_titles_and_bodies_over_the_configured_caps_are_rejected_by_line(
    settings: Any, embedder: Any, ingest_headers: Headers
) -> None:
    from api.app import create_app

    capped = settings.model_copy(update={"max_title_chars": 40, "max_body_chars": 400})
    call = call_record("d-long-call", transcript=[{"speaker": "Ana", "text": "word " * 100}])
    body = jsonl(
        [
            *crm_small.records(),
            with_id("d-long-subject", subject="s" * 41),
            with_id("d-long-body", body="b" * 401),
            call,
            with_id("d-at-the-caps", subject="s" * 40, body="b" * 400),
        ]
    )
    with TestClient(create_app(capped, embedder=embedder), raise_server_exceptions=False) as c:
        response = post_ingest(c, ingest_headers, body)
        assert response.status_code == 200, response.text
        results = {r["id"]: r for r in response.json()["results"]}
    assert results["d-at-the-caps"]["status"] == "inserted"
    expected = {
        "d-long-subject": "subject: 41 characters; at most 40 (COPILOT_MAX_TITLE_CHARS)",
        "d-long-body": "body: 401 characters; at most 400 (COPILOT_MAX_BODY_CHARS)",
        "d-long-call": "transcript: 504 characters; at most 400 (COPILOT_MAX_BODY_CHARS)",
    }
    for doc_id, message in expected.items():
        assert results[doc_id]["status"] == "rejected"
        assert results[doc_id]["error"] == message


def test_a_body_over_the_record_limit_is_413_and_writes_nothing(
    settings: Any, embedder: Any, ingest_headers: Headers
) -> None:
    """Its report lists each record: a million tiny ones took gigabytes to answer."""
    from api.app import create_app

    capped = settings.model_copy(update={"max_ingest_records": 3})
    records = crm_small.records()[:4]
    with TestClient(create_app(capped, embedder=embedder), raise_server_exceptions=False) as c:
        response = post_ingest(c, ingest_headers, jsonl(records))
        error = assert_error(response, 413, code="payload_too_large", field="body")
        assert "more than 3 records (COPILOT_MAX_INGEST_RECORDS)" in error["message"]
        second = post_ingest(c, ingest_headers, jsonl(records[:3]))
        assert second.status_code == 200 and second.json()["inserted"] == 3  # none before
