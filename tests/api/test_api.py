"""The HTTP API end to end: ``create_app`` on the real database, driven over HTTP.

Every test gets a fresh database, so tests that need data ingest the small two-org CRM
of ``tests/db/crm_small.py`` through ``POST /v1/ingest`` first (``loaded``).

Sections: authentication, each endpoint, sharing rules, tenant isolation,
404-for-invisible, cursors, bad input, startup refusal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.app import create_app
from copilot.auth import AuthError
from copilot.errors import ConfigError
from copilot.settings import Settings
from tests.api.conftest import bearer
from tests.conftest import INGEST_TOKEN, JWT_SECRET
from tests.db import crm_small
from tests.db.crm_small import ACME, ACME_DOCS, EXPECTED, GLOBEX

ALL_DOCS = ACME_DOCS | {"g-doc"}
#: Matches every document: the exact vector search ranks all permitted chunks.
BROAD_QUERY = "customer email"
NDJSON = {"Content-Type": "application/x-ndjson"}
Headers = dict[str, str]
#: TestClient's response: httpx2's or httpx's, whichever Starlette found installed.
Response = Any

# --------------------------------------------------------------------------- helpers


def jsonl(records: list[Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def post_ingest(client: TestClient, headers: Headers, body: bytes, **params: Any) -> Response:
    return client.post("/v1/ingest", content=body, headers={**headers, **NDJSON}, params=params)


def search(client: TestClient, headers: Headers, query: str = BROAD_QUERY, **body: Any) -> Response:
    return client.post("/v1/search", json={"query": query, **body}, headers=headers)


def search_ok(
    client: TestClient, headers: Headers, query: str = BROAD_QUERY, **body: Any
) -> dict[str, Any]:
    response = search(client, headers, query, **body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def search_all(
    client: TestClient, headers: Headers, query: str = BROAD_QUERY, *, top_k: int = 2, **body: Any
) -> list[dict[str, Any]]:
    """Every hit, following ``next_cursor`` until it runs out."""
    hits: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        page = search_ok(client, headers, query, top_k=top_k, cursor=cursor, **body)
        assert len(page["results"]) <= top_k
        hits += page["results"]
        cursor = page["next_cursor"]
        if cursor is None:
            return hits
    raise AssertionError("next_cursor never ran out")


def ids(hits: list[dict[str, Any]]) -> set[str]:
    return {h["document_id"] for h in hits}


def get_doc(client: TestClient, headers: Headers, doc_id: str) -> Response:
    return client.get(f"/v1/documents/{doc_id}", headers=headers)


def assert_error(
    response: Response, status: int, *, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """The response is ``status`` with the one JSON error shape; returns ``error``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["code"], str) and isinstance(error["message"], str)
    if code is not None:
        assert error["code"] == code, error
    if field is not None:
        named = str(error.get("field") or "").split(".")[0]
        assert named == field or field in error["message"], error
    return error


def assert_unauthorized(response: Response) -> dict[str, Any]:
    error = assert_error(response, 401, code="unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"
    return error


def raw_token(
    key: str = JWT_SECRET, algorithm: str = "HS256", drop: tuple[str, ...] = (), **claims: Any
) -> str:
    """A JWT built by hand (what ``mint`` refuses to make: expired, claims missing, ...)."""
    now = int(time.time())
    body: dict[str, Any] = {"sub": "rep-e1", "org": ACME, "iat": now, "exp": now + 600, **claims}
    for name in drop:
        body.pop(name)
    return jwt.encode(body, key, algorithm=algorithm)


def cursor_body(cursor: str) -> dict[str, Any]:
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    body: dict[str, Any] = json.loads(raw[:-16])
    return body


def resign(key: bytes, body: dict[str, Any]) -> str:
    """A correctly signed cursor with any content (for checks past the signature)."""
    data = json.dumps(body, separators=(",", ":")).encode()
    tag = hmac.new(key, data, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(data + tag).decode().rstrip("=")


def with_id(doc_id: str, **extra: Any) -> dict[str, Any]:
    """A valid new acme email owned by rep-e1 with org visibility."""
    return crm_small.email_record(doc_id, **extra)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture()
def loaded(client: TestClient, ingest_headers: Headers) -> dict[str, Any]:
    """The small CRM ingested through the API; returns the ingest report."""
    response = post_ingest(client, ingest_headers, jsonl(crm_small.records()))
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    assert report["rejected"] == 0, report
    return report


@pytest.fixture()
def as_user(token_for: Callable[..., str]) -> Callable[[str, str], Headers]:
    """``as_user(org, user)``: headers carrying a fresh token for that user."""

    def headers(org: str, user: str) -> Headers:
        return bearer(token_for(org, user))

    return headers


# --------------------------------------------------------------------------- authentication

BAD_CREDENTIALS: dict[str, Callable[[], Headers]] = {
    "no Authorization header": lambda: {},
    "Basic scheme": lambda: {"Authorization": "Basic cmVwLWUxOnB3"},
    "Bearer without a token": lambda: {"Authorization": "Bearer "},
    "garbage token": lambda: bearer("not-a-jwt"),
    "another secret": lambda: bearer(raw_token(key="another-secret-0123456789abcdef0123")),
    "expired": lambda: bearer(raw_token(exp=int(time.time()) - 60)),
    "no exp claim": lambda: bearer(raw_token(drop=("exp",))),
    "no sub claim": lambda: bearer(raw_token(drop=("sub",))),
    "no org claim": lambda: bearer(raw_token(drop=("org",))),
    "empty sub claim": lambda: bearer(raw_token(sub="")),
    "numeric org claim": lambda: bearer(raw_token(org=7)),
    # Signed with the right key, but no database text can hold a lone surrogate (was 500).
    "lone surrogate in sub": lambda: bearer(raw_token(sub="\udfff")),
    "lone surrogate in org": lambda: bearer(raw_token(org="\ud800")),
    "HS512 with the right secret": lambda: bearer(raw_token(algorithm="HS512")),
    "not yet valid (nbf)": lambda: bearer(raw_token(nbf=int(time.time()) + 600)),
    "unexpected audience": lambda: bearer(raw_token(aud="someone-else")),
    "alg none": lambda: bearer(jwt.encode({"sub": "rep-e1", "org": ACME}, "", algorithm="none")),
    "alg none with exp": lambda: bearer(
        jwt.encode(
            {"sub": "rep-e1", "org": ACME, "exp": int(time.time()) + 600}, "", algorithm="none"
        )
    ),
    "ingest token as a user token": lambda: bearer(INGEST_TOKEN),
}

#: ``(method, path, json body)`` of each endpoint a user token opens.
USER_CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/v1/search", {"query": "pricing"}),
    ("GET", "/v1/documents/d-org", None),
]


@pytest.mark.filterwarnings("ignore:The HMAC key is")  # the HS512 case's key, on purpose
@pytest.mark.parametrize("credentials", list(BAD_CREDENTIALS), ids=list(BAD_CREDENTIALS))
def test_bad_credentials_are_401_with_a_bearer_challenge(
    loaded: dict[str, Any], client: TestClient, credentials: str
) -> None:
    headers = BAD_CREDENTIALS[credentials]()
    for method, path, body in USER_CALLS:
        response = client.request(method, path, json=body, headers=headers)
        assert_unauthorized(response)


def test_the_expired_token_is_refused_only_for_its_expiry(
    loaded: dict[str, Any], client: TestClient
) -> None:
    fresh = search(client, bearer(raw_token()))
    assert fresh.status_code == 200, fresh.text
    expired = search(client, bearer(raw_token(exp=int(time.time()) - 60)))
    assert "expired" in assert_unauthorized(expired)["message"]


def test_unknown_user_and_wrong_org_answer_identically(
    loaded: dict[str, Any], client: TestClient, token_for: Callable[..., str]
) -> None:
    ghost_in_acme = bearer(token_for(ACME, "ghost"))
    acme_user_in_globex = bearer(token_for(GLOBEX, "rep-e1"))
    for method, path, body in USER_CALLS:
        first = client.request(method, path, json=body, headers=ghost_in_acme)
        second = client.request(method, path, json=body, headers=acme_user_in_globex)
        assert_unauthorized(first)
        assert_unauthorized(second)
        assert first.content == second.content
        for secret in ("ghost", "rep-e1", GLOBEX):
            assert secret not in first.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        pytest.param("POST", "/v1/ingest", id="ingest"),
        pytest.param("DELETE", "/v1/documents/d-org?org=acme", id="delete"),
    ],
)
def test_ingest_endpoints_refuse_user_tokens_and_missing_tokens(
    loaded: dict[str, Any],
    client: TestClient,
    token_for: Callable[..., str],
    method: str,
    path: str,
) -> None:
    body = jsonl([{"type": "team", "org": ACME, "id": "t-x", "name": "X"}])
    admin = bearer(token_for(ACME, "admin"))
    assert_error(client.request(method, path, content=body, headers=admin), 403, code="forbidden")
    assert_unauthorized(client.request(method, path, content=body))
    assert_unauthorized(client.request(method, path, content=body, headers=bearer("garbage")))
    # Nothing was deleted.
    assert get_doc(client, admin, "d-org").status_code == 200


def test_ingest_jwt_works_for_its_own_org_and_rejects_other_orgs_per_record(
    client: TestClient, token_for: Callable[..., str]
) -> None:
    records = crm_small.records()
    etl = bearer(token_for(ACME, "etl-bot", scopes=("ingest",)))
    response = post_ingest(client, etl, jsonl(records))
    assert response.status_code == 200, response.text
    report = response.json()
    by_line = {r["line"]: r for r in report["results"]}
    assert sorted(by_line) == list(range(1, len(records) + 1))
    for line, record in enumerate(records, start=1):
        result = by_line[line]
        if record["org"] == ACME:
            assert result["status"] == "inserted", result
        else:
            assert result["status"] == "rejected", result
            assert "org" in result["error"] and GLOBEX in result["error"]
    assert report["rejected"] == sum(r["org"] == GLOBEX for r in records)
    admin = bearer(token_for(ACME, "admin"))
    assert ids(search_all(client, admin)) == ACME_DOCS
    # The globex users were never written: their tokens name no known user.
    assert_unauthorized(search(client, bearer(token_for(GLOBEX, "g-admin"))))


def test_ingest_jwt_deletes_only_in_its_own_org(
    loaded: dict[str, Any], client: TestClient, token_for: Callable[..., str]
) -> None:
    etl = bearer(token_for(ACME, "etl-bot", scopes=("read", "ingest")))
    wrong_org = client.delete("/v1/documents/d-org", params={"org": GLOBEX}, headers=etl)
    assert_error(wrong_org, 400, code="invalid_request", field="org")
    # g-doc exists, but in globex: to an acme credential it does not.
    assert_error(client.delete("/v1/documents/g-doc", headers=etl), 404, code="not_found")
    assert get_doc(client, bearer(token_for(GLOBEX, "g-rep")), "g-doc").status_code == 200
    deleted = client.delete("/v1/documents/d-org", headers=etl)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"id": "d-org", "org": ACME, "status": "deleted"}


# --------------------------------------------------------------------------- endpoints


def test_search_hit_has_the_documented_shape(
    loaded: dict[str, Any], client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    headers = as_user(ACME, "rep-e1")
    page = search_ok(client, headers, "discount pricing", top_k=5)
    assert set(page) == {"results", "next_cursor"}
    hit = page["results"][0]
    assert set(hit) == {
        "document_id",
        "kind",
        "title",
        "snippet",
        "snippet_text",
        "highlights",
        "score",
        "occurred_at",
        "account_id",
        "chunk",
    }
    assert hit["document_id"] == "d-private"
    assert hit["kind"] == "email"
    assert hit["title"] == "Re: d-private"
    assert hit["account_id"] == "a1"
    assert isinstance(hit["score"], float)
    assert datetime.fromisoformat(hit["occurred_at"]) == datetime(2026, 5, 4, 10, tzinfo=UTC)
    assert "<mark>discount</mark>" in hit["snippet"]
    assert "<mark>pricing</mark>" in hit["snippet"]
    assert "<" not in hit["snippet_text"]

    doc = get_doc(client, headers, "d-private").json()
    content = doc["content"]
    chunk = content[hit["chunk"]["start"] : hit["chunk"]["end"]]
    assert hit["snippet_text"].strip("…") in chunk
    marked = [content[h["start"] : h["end"]].lower() for h in hit["highlights"]]
    assert marked and set(marked) <= {"discount", "pricing"}
    assert {"discount", "pricing"} <= set(marked)
    assert all(
        hit["chunk"]["start"] <= h["start"] < h["end"] <= hit["chunk"]["end"]
        for h in hit["highlights"]
    )


def test_snippet_html_escapes_document_text(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    body = 'Initech wants <script>alert("x")</script> & a cheaper pilot.'
    report = post_ingest(client, ingest_headers, jsonl([with_id("d-html", body=body)]))
    assert report.status_code == 200, report.text
    hits = search_ok(client, as_user(ACME, "rep-e1"), "cheaper pilot", top_k=10)["results"]
    hit = next(h for h in hits if h["document_id"] == "d-html")
    assert "<script>" not in hit["snippet"]
    assert "&lt;script&gt;" in hit["snippet"] and "&amp;" in hit["snippet"]
    assert "<mark>cheaper</mark>" in hit["snippet"]
    assert "<script>" in hit["snippet_text"]


def test_get_document_returns_the_whole_record(
    loaded: dict[str, Any], client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    response = get_doc(client, as_user(ACME, "rep-e2"), "d-shared-user")
    assert response.status_code == 200, response.text
    doc = response.json()
    source = next(r for r in crm_small.records() if r["id"] == "d-shared-user")
    assert doc == {
        "id": "d-shared-user",
        "kind": "email",
        "title": source["subject"],
        "content": source["body"],
        "account_id": "a2",
        "contact_id": None,
        "deal_id": None,
        "owner_id": "rep-w1",
        "visibility": "private",
        "occurred_at": doc["occurred_at"],
        "fields": {
            "subject": source["subject"],
            "from": source["from"],
            "to": source["to"],
            "direction": "inbound",
        },
        "attributes": {},
    }
    assert datetime.fromisoformat(doc["occurred_at"]) == datetime(2026, 5, 4, 10, tzinfo=UTC)


def test_ingest_jsonl_reports_each_line_and_reingest_is_idempotent(
    loaded: dict[str, Any], client: TestClient, ingest_headers: Headers
) -> None:
    records = crm_small.records()
    assert loaded["written"] is True
    assert loaded["records"] == loaded["inserted"] == len(records)
    assert loaded["chunks"] >= len(ALL_DOCS) and loaded["embedded"] == loaded["chunks"]
    assert [(r["line"], r["status"], r["id"], r["org"], r["type"]) for r in loaded["results"]] == [
        (n, "inserted", r["id"], r["org"], r["type"]) for n, r in enumerate(records, start=1)
    ]

    again = post_ingest(client, ingest_headers, jsonl(records))
    assert again.status_code == 200, again.text
    report = again.json()
    assert report["unchanged"] == len(records)
    assert report["inserted"] == report["updated"] == report["embedded"] == report["chunks"] == 0
    assert {r["status"] for r in report["results"]} == {"unchanged"}


def test_ingest_accepts_a_json_array_with_positions_as_lines(
    client: TestClient, ingest_headers: Headers, as_user: Callable[[str, str], Headers]
) -> None:
    records = crm_small.records()
    response = client.post("/v1/ingest", json=records, headers=ingest_headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["line"], r["status"]) for r in results] == [
        (n, "inserted") for n in range(1, len(records) + 1)
    ]
    assert ids(search_all(client, as_user(ACME, "admin"))) == ACME_DOCS


def test_ingest_keeps_undeclared_fields_as_attributes(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    record = with_id("d-extra", crm_url="https://crm.example/e/1", priority_score=3)
    assert post_ingest(client, ingest_headers, jsonl([record])).status_code == 200
    doc = get_doc(client, as_user(ACME, "rep-e1"), "d-extra").json()
    assert doc["attributes"] == {"crm_url": "https://crm.example/e/1", "priority_score": 3}


def test_ingest_tombstone_deletes_and_then_reports_absent(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    admin = as_user(ACME, "admin")
    tombstone = {"type": "email", "org": ACME, "id": "d-org", "deleted": True}
    first = post_ingest(client, ingest_headers, jsonl([tombstone]))
    assert first.status_code == 200, first.text
    assert first.json()["deleted"] == 1
    assert first.json()["results"] == [
        {"line": 1, "status": "deleted", "type": "email", "id": "d-org", "org": ACME, "error": None}
    ]
    assert_error(get_doc(client, admin, "d-org"), 404, code="not_found")
    assert "d-org" not in ids(search_all(client, admin))
    again = post_ingest(client, ingest_headers, jsonl([tombstone]))
    assert again.status_code == 200, again.text
    assert again.json()["results"][0]["status"] == "absent"
    assert again.json()["deleted"] == 0


def test_delete_document_with_the_static_token(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    admin = as_user(ACME, "admin")
    no_org = client.delete("/v1/documents/d-org", headers=ingest_headers)
    assert_error(no_org, 400, code="invalid_request", field="org")
    assert get_doc(client, admin, "d-org").status_code == 200

    # The static token may act in any org, but only on that org's documents.
    assert_error(
        client.delete("/v1/documents/g-doc", params={"org": ACME}, headers=ingest_headers), 404
    )
    deleted = client.delete("/v1/documents/d-org", params={"org": ACME}, headers=ingest_headers)
    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"id": "d-org", "org": ACME, "status": "deleted"}

    assert_error(get_doc(client, admin, "d-org"), 404, code="not_found")
    assert ids(search_all(client, admin)) == ACME_DOCS - {"d-org"}
    again = client.delete("/v1/documents/d-org", params={"org": ACME}, headers=ingest_headers)
    assert_error(again, 404, code="not_found")
    assert get_doc(client, as_user(GLOBEX, "g-rep"), "g-doc").status_code == 200


def test_search_filters_only_narrow(
    loaded: dict[str, Any], client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    def found(user: str, **filters: Any) -> set[str]:
        return ids(search_ok(client, as_user(ACME, user), top_k=20, **filters)["results"])

    assert found("admin", account_id="a2") == {"d-org", "d-shared-user", "d-shared-team"}
    assert found("rep-e2", account_id="a2") == {"d-org", "d-shared-user", "d-shared-team"}
    assert found("rep-e1", account_id="a2") == {"d-org", "d-shared-team"}
    assert found("rep-w1", account_id="a1") == set()
    assert found("admin", kinds=["email"]) == ACME_DOCS
    assert found("admin", kinds=["call", "ticket"]) == set()
    # Every document is at 2026-05-04T10:00:00Z; bounds are inclusive.
    assert found("admin", date_from="2026-05-04T10:00:00Z") == ACME_DOCS
    assert found("admin", date_from="2026-05-04T10:00:01Z") == set()
    assert found("admin", date_to="2026-05-04T09:59:59Z") == set()
    assert found("admin", date_to="2026-05-04") == ACME_DOCS  # the whole day
    assert found("admin", date_to="2026-05-03") == set()
    assert found("admin", date_from="2026-05-04", date_to="2026-05-04") == ACME_DOCS
    assert found("admin", date_from="2026-05-04T12:00:00+02:00") == ACME_DOCS  # 10:00Z
    assert found("admin", date_from="2026-05-04T10:00:01") == set()  # naive means UTC


def test_healthz_and_readyz(client: TestClient, embedder: Any) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "ok",
        "model": embedder.model_id,
    }
    # Load balancers and uptime checkers probe with HEAD: the same status, no body.
    for path in ("/healthz", "/readyz"):
        head = client.head(path)
        assert head.status_code == 200 and head.content == b"", (path, head.text)


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_count_requests_by_route_template_and_index_size(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    admin = as_user(ACME, "admin")
    search_ok(client, admin)
    search_ok(client, admin)
    get_doc(client, admin, "d-org")
    client.get("/no/such/route")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)

    def requests(method: str, route: str, status: str) -> float:
        labels = frozenset({("method", method), ("route", route), ("status", status)})
        return samples.get(("copilot_http_requests_total", labels), 0.0)

    assert requests("POST", "/v1/search", "200") == 2
    assert requests("GET", "/v1/documents/{document_id}", "200") == 1
    assert requests("POST", "/v1/ingest", "200") == 1
    assert samples[("copilot_index_documents", frozenset())] == len(ALL_DOCS)
    assert samples[("copilot_index_chunks", frozenset())] == loaded["chunks"]
    # Raw paths and tenant names never become labels.
    assert "d-org" not in response.text and "/no/such/route" not in response.text
    assert ACME not in response.text and GLOBEX not in response.text

    client.delete("/v1/documents/d-org", params={"org": ACME}, headers=ingest_headers)
    after = _samples(client.get("/metrics").text)
    assert after[("copilot_index_documents", frozenset())] == len(ALL_DOCS) - 1


def test_a_client_gone_before_the_response_is_counted_as_499_not_400(
    app: Any, client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    """A dropped upload (1000 bytes declared, 11 sent, then the connection closes)."""
    auth = as_user(ACME, "admin")["Authorization"].encode()
    sent: list[dict[str, Any]] = []
    messages = iter(
        [
            {"type": "http.request", "body": b'{"query": "', "more_body": True},
            {"type": "http.disconnect"},
        ]
    )

    async def receive() -> dict[str, Any]:
        return next(messages, {"type": "http.disconnect"})

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/search",
        "raw_path": b"/v1/search",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", b"1000"),
            (b"authorization", auth),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    client.portal.call(app, scope, receive, send)  # type: ignore[union-attr]
    assert sent and sent[0]["status"] == 400  # the app still answers; nobody reads it
    samples = _samples(client.get("/metrics").text)

    def count(status: str) -> float:
        labels = frozenset({("method", "POST"), ("route", "/v1/search"), ("status", status)})
        return samples.get(("copilot_http_requests_total", labels), 0.0)

    assert count("499") == 1
    assert count("400") == 0


def test_a_trailing_slash_is_a_json_404_not_an_empty_redirect(
    client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    # A 307 with no body made clients that follow redirects resend without the body.
    response = client.post(
        "/v1/search/",
        json={"query": BROAD_QUERY},
        headers=as_user(ACME, "admin"),
        follow_redirects=False,
    )
    error = assert_error(response, 404, code="not_found")
    assert error["message"] == (
        "no such path: POST /v1/search/; did you mean /v1/search (without the trailing slash)?"
    )
    error = assert_error(client.get("/v1/nothing-here"), 404, code="not_found")
    assert error["message"] == (
        "no such path: GET /v1/nothing-here (the API's paths are listed at /docs)"
    )
    error = assert_error(client.get("/v1/" + "p" * 65_000), 404, code="not_found")
    assert len(error["message"]) < 300  # the path is cut, not echoed whole


def test_a_body_sent_without_a_json_content_type_says_so(
    client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    # What `curl -d '{...}'` sends: the right JSON, labelled as a form.
    headers = {**as_user(ACME, "admin"), "Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/v1/search", content=json.dumps({"query": "x"}), headers=headers)
    error = assert_error(response, 422, field="body")
    assert "Content-Type: application/json" in error["message"]
    assert "application/x-www-form-urlencoded" in error["message"]
    # Any other media type, json-ish or not (application/x-ndjson), gets the same hint.
    headers["Content-Type"] = "application/x-ndjson"
    response = client.post("/v1/search", content=json.dumps({"query": "x"}), headers=headers)
    assert "Content-Type: application/json" in assert_error(response, 422)["message"]


@pytest.mark.parametrize(
    ("path", "content_type", "body", "message"),
    [
        pytest.param(
            "/v1/search",
            "application/json",
            b'{"query": "caf\xe9"}',
            "request body is not valid UTF-8 (at byte 14)",
            id="search-latin-1",
        ),
        pytest.param(
            "/v1/search",
            "application/json",
            b"[" * 100_000 + b"]" * 100_000,
            "nested too deeply",
            id="search-deep",
        ),
        pytest.param(
            "/v1/ingest",
            "application/json",
            b'[{"type": "caf\xe9"}]',
            "request body is not valid UTF-8 (at byte 14)",
            id="ingest-latin-1",
        ),
        pytest.param(
            "/v1/ingest", "application/json", b"[{}", "body is not valid JSON", id="ingest-cut"
        ),
    ],
)
def test_a_body_that_does_not_decode_is_invalid_json(
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    ingest_headers: Headers,
    path: str,
    content_type: str,
    body: bytes,
    message: str,
) -> None:
    # Bytes that were not UTF-8 got FastAPI's bare 400 http_error "There was an error
    # parsing the body"; the README promises invalid_json for a body that is not JSON.
    auth = ingest_headers if path == "/v1/ingest" else as_user(ACME, "admin")
    response = client.post(path, content=body, headers={**auth, "Content-Type": content_type})
    error = assert_error(response, 400, code="invalid_json")
    assert message in error["message"]


def test_openapi_document_is_valid_and_lists_the_v1_paths(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    paths = spec["paths"]
    assert set(paths["/v1/search"]) >= {"post"}
    assert set(paths["/v1/documents/{document_id}"]) >= {"get", "delete"}
    assert set(paths["/v1/ingest"]) >= {"post"}
    assert {"/healthz", "/readyz", "/metrics"} <= set(paths)


# --------------------------------------------------------------------------- sharing rules


@pytest.mark.parametrize(("org", "user"), sorted(EXPECTED), ids=[u for _, u in sorted(EXPECTED)])
def test_every_sharing_rule_through_search_and_get(
    loaded: dict[str, Any],
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    org: str,
    user: str,
) -> None:
    headers = as_user(org, user)
    expected = EXPECTED[(org, user)]
    hits = search_all(client, headers, top_k=2)
    assert ids(hits) == expected
    assert len(hits) == len(expected)  # one chunk each: nothing repeated across pages
    for doc_id in sorted(ALL_DOCS | {"no-such-doc"}):
        response = get_doc(client, headers, doc_id)
        if doc_id in expected:
            assert response.status_code == 200, (doc_id, response.text)
            assert response.json()["id"] == doc_id
        else:
            assert_error(response, 404, code="not_found")


# --------------------------------------------------------------------------- tenant isolation


def test_tenants_never_see_each_other_even_on_identical_text(
    loaded: dict[str, Any], client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    query = "discount on the Falcon rollout pricing"  # d-private and g-doc share it
    for user in ("g-admin", "g-rep"):
        headers = as_user(GLOBEX, user)
        assert ids(search_all(client, headers, query, top_k=10)) == {"g-doc"}
        assert ids(search_all(client, headers, query, top_k=10, account_id="a1")) == set()
        for doc_id in ACME_DOCS:
            assert_error(get_doc(client, headers, doc_id), 404, code="not_found")
    for user in ("admin", "vp"):
        headers = as_user(ACME, user)
        assert "g-doc" not in ids(search_all(client, headers, query, top_k=10))
        assert_error(get_doc(client, headers, "g-doc"), 404, code="not_found")


def test_a_token_naming_an_acme_user_in_globex_is_refused(
    loaded: dict[str, Any], client: TestClient, token_for: Callable[..., str]
) -> None:
    for user in ("admin", "rep-e1"):
        headers = bearer(token_for(GLOBEX, user))
        assert_unauthorized(search(client, headers))
        assert_unauthorized(get_doc(client, headers, "g-doc"))


# --------------------------------------------------------------------------- 404 for invisible


def _comparable_headers(response: Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in ("date", "x-request-id")}


@pytest.mark.parametrize(
    ("org", "user", "invisible", "missing"),
    [
        pytest.param(ACME, "rep-w1", "d-private", "d-missing", id="private-in-own-org"),
        pytest.param(ACME, "rep-e1", "d-shared-user", "d-sharedxuser", id="shared-elsewhere"),
        pytest.param(ACME, "admin", "g-doc", "g-nop", id="other-org"),
    ],
)
def test_invisible_and_missing_documents_answer_identically(
    loaded: dict[str, Any],
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    org: str,
    user: str,
    invisible: str,
    missing: str,
) -> None:
    assert len(invisible) == len(missing)  # so even Content-Length must match
    headers = as_user(org, user)
    hidden = get_doc(client, headers, invisible)
    absent = get_doc(client, headers, missing)
    assert_error(hidden, 404, code="not_found")
    assert hidden.status_code == absent.status_code
    assert hidden.text.replace(invisible, "<id>") == absent.text.replace(missing, "<id>")
    assert _comparable_headers(hidden) == _comparable_headers(absent)


# --------------------------------------------------------------------------- cursors


def test_pages_of_one_partition_the_one_shot_ranking(
    loaded: dict[str, Any], client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    admin = as_user(ACME, "admin")
    one_shot = search_ok(client, admin, top_k=len(ACME_DOCS))
    assert one_shot["next_cursor"] is None
    expected = [h["document_id"] for h in one_shot["results"]]
    assert set(expected) == ACME_DOCS

    pages: list[str] = []
    cursor = None
    for n in range(len(ACME_DOCS)):
        page = search_ok(client, admin, top_k=1, cursor=cursor)
        assert len(page["results"]) == 1
        pages.append(page["results"][0]["document_id"])
        cursor = page["next_cursor"]
        if n < len(ACME_DOCS) - 1:
            assert cursor is not None
    assert cursor is None  # the last page says so
    assert len(pages) == len(set(pages))
    assert pages == expected


def test_a_cursor_only_works_for_the_caller_it_was_issued_to(
    loaded: dict[str, Any], client: TestClient, as_user: Callable[[str, str], Headers]
) -> None:
    cursor = search_ok(client, as_user(ACME, "admin"), top_k=1)["next_cursor"]
    assert cursor is not None
    for org, user in [(ACME, "vp"), (ACME, "rep-e1"), (GLOBEX, "g-admin")]:
        stolen = search(client, as_user(org, user), top_k=1, cursor=cursor)
        error = assert_error(stolen, 400, code="invalid_cursor", field="cursor")
        assert "admin" not in error["message"] and ACME not in error["message"]
    assert search(client, as_user(ACME, "admin"), top_k=1, cursor=cursor).status_code == 200


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"query": "renewal"}, id="query"),
        pytest.param({"top_k": 2}, id="top_k"),
        pytest.param({"kinds": ["email"]}, id="kinds"),
        pytest.param({"account_id": "a1"}, id="account_id"),
        pytest.param({"date_from": "2026-01-01"}, id="date_from"),
    ],
)
def test_a_cursor_only_continues_its_own_query(
    loaded: dict[str, Any],
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    changed: dict[str, Any],
) -> None:
    admin = as_user(ACME, "admin")
    cursor = search_ok(client, admin, top_k=1)["next_cursor"]
    body = {"query": BROAD_QUERY, "top_k": 1, "cursor": cursor, **changed}
    response = client.post("/v1/search", json=body, headers=admin)
    assert_error(response, 400, code="invalid_cursor", field="cursor")


def _flip(text: str, at: int) -> str:
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1 :]


def test_tampered_and_forged_cursors_are_400_never_500(
    loaded: dict[str, Any],
    app: Any,
    client: TestClient,
    as_user: Callable[[str, str], Headers],
) -> None:
    admin = as_user(ACME, "admin")
    cursor = search_ok(client, admin, top_k=1)["next_cursor"]
    body = cursor_body(cursor)
    assert set(body) == {"v", "o", "u", "q", "n", "t"}  # no ids, scores or counts inside
    key = app.state.cursors.key
    bad = [_flip(cursor, 0), _flip(cursor, len(cursor) // 2), _flip(cursor, len(cursor) - 3)]
    bad += [cursor[:-4], cursor + "AAAA", "", "not a cursor!", "%%%%", "A" * 2000]
    # Correctly signed, but nonsense inside: the checks past the signature hold too.
    bad += [
        resign(key, {**body, "n": -1}),
        resign(key, {**body, "n": 10**9}),
        resign(key, {**body, "n": "many"}),
        resign(key, {**body, "v": 1}),
        resign(key, {**body, "t": "yesterday"}),
        resign(key, [body]),  # type: ignore[arg-type]
    ]
    for forged in bad:
        response = search(client, admin, top_k=1, cursor=forged)
        error = assert_error(response, 400, field="cursor")
        assert error["code"] in ("invalid_cursor", "invalid_request"), (forged, error)


@pytest.mark.parametrize(
    ("org", "user", "top_k", "has_more"),
    [
        # The same query ranks invisible matches too; only permitted ones decide paging.
        pytest.param(ACME, "rep-w1", 3, False, id="rep-w1-sees-exactly-3"),
        pytest.param(ACME, "rep-e1", 3, True, id="rep-e1-sees-4"),
        pytest.param(ACME, "admin", 5, False, id="admin-sees-exactly-5"),
        pytest.param(ACME, "admin", 4, True, id="admin-sees-5"),
        pytest.param(GLOBEX, "g-rep", 1, False, id="g-rep-sees-exactly-1"),
    ],
)
def test_next_cursor_depends_only_on_the_callers_permitted_results(
    loaded: dict[str, Any],
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    org: str,
    user: str,
    top_k: int,
    has_more: bool,
) -> None:
    page = search_ok(client, as_user(org, user), top_k=top_k)
    assert len(page["results"]) == min(top_k, len(EXPECTED[(org, user)]))
    assert (page["next_cursor"] is not None) is has_more


def test_paging_stops_at_the_result_depth(
    settings: Settings, embedder: Any, ingest_headers: Headers
) -> None:
    app = create_app(settings.model_copy(update={"max_result_depth": 3}), embedder=embedder)
    with TestClient(app, raise_server_exceptions=False) as client:
        post_ingest(client, ingest_headers, jsonl(crm_small.records()))
        admin = bearer(app.state.tokens.mint(org=ACME, subject="admin", ttl_s=600))
        first = search_ok(client, admin, top_k=2)
        assert len(first["results"]) == 2
        # Another page of 2 would go past depth 3: no cursor is offered.
        assert first["next_cursor"] is None
        deep = search(client, admin, top_k=4)
        assert_error(deep, 400, field="cursor")


# --------------------------------------------------------------------------- bad input

SEARCH_BAD_INPUT = [
    pytest.param({"query": ""}, 422, "query", id="empty-query"),
    pytest.param({"query": "  \t\n "}, 422, "query", id="whitespace-query"),
    pytest.param({"query": "x" * 2001}, 422, "query", id="query-over-2000"),
    pytest.param({"query": 5}, 422, "query", id="query-not-a-string"),
    pytest.param({"top_k": 3}, 422, "query", id="query-missing"),
    pytest.param({"query": "q", "top_k": 0}, 422, "top_k", id="top_k-0"),
    pytest.param({"query": "q", "top_k": 101}, 422, "top_k", id="top_k-101"),
    pytest.param({"query": "q", "top_k": -1}, 422, "top_k", id="top_k-negative"),
    pytest.param({"query": "q", "top_k": "abc"}, 422, "top_k", id="top_k-abc"),
    pytest.param({"query": "q", "top_k": 1.5}, 422, "top_k", id="top_k-fraction"),
    pytest.param({"query": "q", "date_from": "2026-13-01"}, 422, "date_from", id="month-13"),
    pytest.param({"query": "q", "date_to": "2026-02-30"}, 422, "date_to", id="feb-30"),
    pytest.param({"query": "q", "date_from": "yesterday"}, 422, "date_from", id="date-words"),
    pytest.param(
        {"query": "q", "date_from": "2026-05-02", "date_to": "2026-05-01"},
        400,
        "date_from",
        id="date_from-after-date_to",
    ),
    pytest.param(
        {"query": "q", "date_from": "2026-05-01T12:00:00Z", "date_to": "2026-05-01T11:59:59Z"},
        400,
        "date_from",
        id="timestamp-from-after-to",
    ),
    pytest.param({"query": "q", "kinds": ["memo"]}, 422, "kinds", id="unknown-kind"),
    pytest.param({"query": "q", "kinds": "email"}, 422, "kinds", id="kinds-not-a-list"),
    pytest.param({"query": "q", "account_id": ""}, 422, "account_id", id="empty-account_id"),
    pytest.param({"query": "q", "cursor": "garbage"}, 400, "cursor", id="invalid-cursor"),
    pytest.param({"query": "q", "cursor": "x" * 2001}, 422, "cursor", id="cursor-too-long"),
    pytest.param({"query": "q", "colour": "red"}, 422, "colour", id="unknown-field"),
    pytest.param({"query": "q", "org": GLOBEX}, 422, "org", id="org-in-body"),
]


@pytest.mark.parametrize(("body", "status", "field"), SEARCH_BAD_INPUT)
def test_search_bad_input_is_a_4xx_naming_the_field(
    loaded: dict[str, Any],
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    response = client.post("/v1/search", json=body, headers=as_user(ACME, "admin"))
    assert_error(response, status, field=field)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"query": "x" * 2000}, id="query-of-2000"),
        pytest.param({"query": "q", "top_k": 1}, id="top_k-1"),
        pytest.param({"query": "q", "top_k": 100}, id="top_k-100"),
        pytest.param({"query": "q", "kinds": []}, id="no-kinds"),
        pytest.param({"query": "q", "date_from": "2026-05-04", "date_to": "2026-05-04"}, id="day"),
        pytest.param({"query": "';DROP TABLE documents;--"}, id="sql-ish"),
        pytest.param({"query": "Ω ∑ 日本 end"}, id="unicode"),
        pytest.param({"query": "q", "top_k": "5"}, id="top_k-numeric-string"),
        pytest.param({"query": "q", "date_to": "9999-12-31"}, id="date_to-year-9999"),
        pytest.param({"query": "a & b | !c <-> (d:*)"}, id="tsquery-operators"),
    ],
)
def test_search_edge_values_are_accepted(
    loaded: dict[str, Any],
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    body: dict[str, Any],
) -> None:
    response = client.post("/v1/search", json=body, headers=as_user(ACME, "admin"))
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("content", "content_type", "status", "field"),
    [
        pytest.param(b"{not json", "application/json", 400, "body", id="not-json"),
        pytest.param(b'["query"]', "application/json", 422, "body", id="json-list"),
        pytest.param(b'"pricing"', "application/json", 422, "body", id="json-string"),
        pytest.param(b"null", "application/json", 422, "body", id="json-null"),
        pytest.param(b"", "application/json", 422, "body", id="empty-body"),
        pytest.param(b'{"query": "q"}', "text/plain", 422, "body", id="text-plain"),
        pytest.param(b'{"query": "\xff\xfe"}', "application/json", 400, "body", id="bad-utf8"),
    ],
)
def test_search_malformed_body_is_a_4xx(
    loaded: dict[str, Any],
    client: TestClient,
    as_user: Callable[[str, str], Headers],
    content: bytes,
    content_type: str,
    status: int,
    field: str,
) -> None:
    headers = {**as_user(ACME, "admin"), "Content-Type": content_type}
    response = client.post("/v1/search", content=content, headers=headers)
    assert_error(response, status, field=field)


def test_search_body_over_the_request_limit_is_413(
    loaded: dict[str, Any],
    client: TestClient,
    settings: Settings,
    as_user: Callable[[str, str], Headers],
) -> None:
    headers = {**as_user(ACME, "admin"), "Content-Type": "application/json"}
    big = json.dumps({"query": "q", "padding": "x" * settings.max_request_bytes}).encode()
    assert_error(client.post("/v1/search", content=big, headers=headers), 413)

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it streams in
        for start in range(0, len(big), 4096):
            yield big[start : start + 4096]

    streamed = client.post("/v1/search", content=chunks(), headers=headers)
    assert_error(streamed, 413, code="payload_too_large")


def test_ingest_body_over_the_ingest_limit_is_413(
    settings: Settings, embedder: Any, ingest_headers: Headers
) -> None:
    app = create_app(settings.model_copy(update={"max_ingest_bytes": 2048}), embedder=embedder)
    small = jsonl([{"type": "team", "org": ACME, "id": "t-east", "name": "East"}])
    big = jsonl(
        [{"type": "team", "org": ACME, "id": f"t-{n}", "name": "x" * 100} for n in range(30)]
    )
    assert len(small) < 2048 < len(big)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_error(post_ingest(client, ingest_headers, big), 413, code="payload_too_large")
        streamed = client.post(
            "/v1/ingest",
            content=iter([big[:1500], big[1500:]]),
            headers={**ingest_headers, **NDJSON},
        )
        assert_error(streamed, 413, code="payload_too_large")
        ok = post_ingest(client, ingest_headers, small)
        assert ok.status_code == 200, ok.text
        assert ok.json()["inserted"] == 1


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_overlong_document_id_is_422_naming_it(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
    method: str,
) -> None:
    headers = as_user(ACME, "admin") if method == "GET" else ingest_headers
    path = "/v1/documents/" + "d" * 257 + ("?org=acme" if method == "DELETE" else "")
    assert_error(client.request(method, path, headers=headers), 422, field="document_id")
    at_limit = "/v1/documents/" + "d" * 256 + ("?org=acme" if method == "DELETE" else "")
    assert_error(client.request(method, at_limit, headers=headers), 404, code="not_found")


def test_ingest_rejects_bad_records_by_line_and_writes_the_rest(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    missing_body = with_id("d-no-body")
    del missing_body["body"]
    lines = [
        json.dumps(with_id("d-good-1")),  # 1
        "{not json",  # 2
        json.dumps(missing_body),  # 3
        json.dumps({**with_id("d-memo"), "type": "memo"}),  # 4
        json.dumps(with_id("d-ghost-owner", owner_id="ghost")),  # 5
        "",  # 6: blank lines are skipped but still counted
        json.dumps(with_id("d-bad-date", occurred_at="yesterday")),  # 7
        "[1, 2]",  # 8
        json.dumps(with_id("d-bad-account", account_id="a-nowhere")),  # 9
        json.dumps(with_id("d-good-2")),  # 10
    ]
    response = post_ingest(client, ingest_headers, "\n".join(lines).encode() + b"\n")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["written"] is True
    assert (report["inserted"], report["rejected"]) == (2, 7)
    by_line = {r["line"]: r for r in report["results"]}
    assert sorted(by_line) == [1, 2, 3, 4, 5, 7, 8, 9, 10]
    assert by_line[1]["status"] == by_line[10]["status"] == "inserted"
    expected_errors = {2: "JSON", 3: "body", 4: "type", 5: "owner_id", 7: "occurred_at"}
    expected_errors |= {8: "object", 9: "account_id"}
    for line, word in expected_errors.items():
        assert by_line[line]["status"] == "rejected", by_line[line]
        assert word in by_line[line]["error"], by_line[line]

    admin = as_user(ACME, "admin")
    for doc_id in ("d-good-1", "d-good-2"):
        assert get_doc(client, admin, doc_id).status_code == 200
    rejected = {"d-no-body", "d-memo", "d-ghost-owner", "d-bad-date", "d-bad-account"}
    for doc_id in rejected:
        assert_error(get_doc(client, admin, doc_id), 404)
    found = ids(search_all(client, admin, "purchase order pilot", top_k=20))
    assert found == ACME_DOCS | {"d-good-1", "d-good-2"}


def test_strict_ingest_with_one_bad_record_writes_nothing(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    body = jsonl(
        [
            {"type": "team", "org": ACME, "id": "t-north", "name": "North"},
            with_id("d-strict-ok"),
            with_id("d-strict-bad", owner_id="ghost"),
        ]
    )
    response = post_ingest(client, ingest_headers, body, strict="true")
    error = assert_error(response, 422, code="invalid_input")
    assert error["field"] == "line 3"
    assert error["report"]["written"] is False
    assert error["report"]["rejected"] == 1
    admin = as_user(ACME, "admin")
    assert_error(get_doc(client, admin, "d-strict-ok"), 404)
    assert ids(search_all(client, admin, "purchase order pilot", top_k=20)) == ACME_DOCS
    # Without strict, the same body writes the good records.
    relaxed = post_ingest(client, ingest_headers, body)
    assert relaxed.status_code == 200, relaxed.text
    assert relaxed.json()["inserted"] == 2
    assert get_doc(client, admin, "d-strict-ok").status_code == 200


def test_ingest_where_every_record_is_bad_is_422(
    client: TestClient, ingest_headers: Headers
) -> None:
    response = post_ingest(client, ingest_headers, b"{bad\n[1]\n")
    error = assert_error(response, 422, code="invalid_input", field="line 1")
    assert [r["line"] for r in error["report"]["results"]] == [1, 2]


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        pytest.param(b"", "application/x-ndjson", "invalid_request", id="empty-jsonl"),
        pytest.param(b"  \n\n \r\n", "application/x-ndjson", "invalid_request", id="blank-jsonl"),
        pytest.param(b"", "application/json", "invalid_request", id="empty-json"),
        pytest.param(b"[{", "application/json", "invalid_json", id="bad-json"),
        pytest.param(b'"records"', "application/json", "invalid_request", id="json-string"),
        pytest.param(b"\xff\xfe[]", "application/json", "invalid_json", id="json-bad-utf8"),
    ],
)
def test_ingest_unreadable_body_is_400(
    client: TestClient, ingest_headers: Headers, content: bytes, content_type: str, code: str
) -> None:
    # A body that does not decode as JSON is invalid_json, as on every JSON endpoint.
    headers = {**ingest_headers, "Content-Type": content_type}
    response = client.post("/v1/ingest", content=content, headers=headers)
    assert_error(response, 400, code=code, field="body")


def test_ingest_non_object_array_items_are_rejected_by_position(
    loaded: dict[str, Any], client: TestClient, ingest_headers: Headers
) -> None:
    body = [{"type": "team", "org": ACME, "id": "t-south", "name": "South"}, 7, ["x"]]
    response = client.post("/v1/ingest", json=body, headers=ingest_headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["line"], r["status"]) for r in results] == [
        (1, "inserted"),
        (2, "rejected"),
        (3, "rejected"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        pytest.param("GET", "/no/such/route", 404, "not_found", id="unknown-route"),
        pytest.param("GET", "/v1/documents", 404, "not_found", id="documents-without-id"),
        pytest.param("GET", "/v1/search", 405, "method_not_allowed", id="get-search"),
        pytest.param("PUT", "/v1/documents/d-org", 405, "method_not_allowed", id="put-document"),
        pytest.param("GET", "/v1/ingest", 405, "method_not_allowed", id="get-ingest"),
        pytest.param("POST", "/healthz", 405, "method_not_allowed", id="post-healthz"),
    ],
)
def test_unknown_routes_and_methods_answer_json(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    assert_error(client.request(method, path), status, code=code)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/v1/search", "POST"),
        # Two routes share this path; Starlette named only the first (Allow: GET).
        ("PUT", "/v1/documents/d-1", "GET, DELETE"),
        ("POST", "/v1/documents/fw/123", "GET, DELETE"),
        ("POST", "/healthz", "GET, HEAD"),
    ],
)
def test_method_not_allowed_lists_the_allowed_methods(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path)
    assert_error(response, 405, code="method_not_allowed")
    assert response.headers.get("allow") == allow


# --------------------------------------------------------------------------- app defects

NUL_REQUESTS: dict[str, Callable[[TestClient, Headers, Headers], Response]] = {
    "search query": lambda c, user, _: search(c, user, "pricing\u0000"),
    "search account_id": lambda c, user, _: search(c, user, account_id="a1\u0000"),
    "GET document id": lambda c, user, _: c.get("/v1/documents/d%00x", headers=user),
    "DELETE document id": lambda c, _, ingest: c.delete(
        "/v1/documents/d%00x", params={"org": ACME}, headers=ingest
    ),
    "DELETE org": lambda c, _, ingest: c.delete(
        "/v1/documents/d-org", params={"org": "ac\u0000me"}, headers=ingest
    ),
    "token sub": lambda c, _, __: search(c, bearer(raw_token(sub="admin\u0000"))),
    "token org": lambda c, _, __: search(c, bearer(raw_token(org="acme\u0000"))),
}


@pytest.mark.parametrize("where", list(NUL_REQUESTS), ids=list(NUL_REQUESTS))
def test_nul_characters_in_request_values_are_4xx_not_500(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
    where: str,
) -> None:
    response = NUL_REQUESTS[where](client, as_user(ACME, "admin"), ingest_headers)
    assert response.status_code < 500, response.text


def _new_rep(uid: str) -> dict[str, Any]:
    return {
        "type": "user",
        "org": ACME,
        "id": uid,
        "name": uid,
        "email": f"{uid}@acme.example",
        "team_id": "t-east",
        "manager_id": "mgr-e",
        "role": "rep",
    }


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"body": "Initech\u0000 pilot"}, id="body"),
        pytest.param({"subject": "Re:\u0000"}, id="subject"),
        pytest.param({"crm_note": "x\u0000y"}, id="attribute"),
    ],
)
def test_ingest_rejects_a_record_with_nul_by_its_line(
    loaded: dict[str, Any], client: TestClient, ingest_headers: Headers, bad: dict[str, Any]
) -> None:
    body = jsonl([with_id("d-before"), with_id("d-nul", **bad), with_id("d-after")])
    response = post_ingest(client, ingest_headers, body)
    assert response.status_code == 200, response.text
    by_line = {r["line"]: r["status"] for r in response.json()["results"]}
    assert by_line == {1: "inserted", 2: "rejected", 3: "inserted"}


def test_a_failed_ingest_request_leaves_nothing_behind(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    token_for: Callable[..., str],
) -> None:
    body = jsonl([_new_rep("rep-new"), with_id("d-nul", body="a\u0000b")])
    response = post_ingest(client, ingest_headers, body)
    if response.status_code == 200:  # the record was rejected by line: a valid outcome
        assert response.json()["results"][1]["status"] == "rejected"
    else:
        assert_unauthorized(search(client, bearer(token_for(ACME, "rep-new"))))


@pytest.mark.parametrize("occurred_at", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00"])
def test_an_out_of_range_timestamp_cannot_poison_search(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
    occurred_at: str,
) -> None:
    record = with_id("d-far", occurred_at=occurred_at, visibility="private")
    response = post_ingest(client, ingest_headers, jsonl([record]))
    assert response.status_code in (200, 422), response.text
    for user in ("rep-e1", "mgr-e", "admin"):  # the owner and everyone above
        headers = as_user(ACME, user)
        assert search(client, headers).status_code == 200
        assert get_doc(client, headers, "d-far").status_code in (200, 404)


def test_a_signed_cursor_without_a_query_digest_is_400(
    loaded: dict[str, Any],
    app: Any,
    client: TestClient,
    as_user: Callable[[str, str], Headers],
) -> None:
    admin = as_user(ACME, "admin")
    body = cursor_body(search_ok(client, admin, top_k=1)["next_cursor"])
    del body["q"]
    response = search(client, admin, top_k=1, cursor=resign(app.state.cursors.key, body))
    assert_error(response, 400, code="invalid_cursor", field="cursor")


class _QueriesFail:
    """The session's model, except that embedding a query fails (an injected fault)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def embed_query(self, text: str) -> Any:
        raise RuntimeError("model crashed while embedding")


@pytest.fixture()
def faulty(settings: Settings, embedder: Any) -> Iterator[tuple[TestClient, Headers]]:
    """A loaded app whose query embedding fails, and an acme admin's headers."""
    app = create_app(settings, embedder=_QueriesFail(embedder))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        loaded = post_ingest(client, bearer(INGEST_TOKEN), jsonl(crm_small.records()))
        assert loaded.status_code == 200, loaded.text
        yield client, bearer(app.state.tokens.mint(org=ACME, subject="admin", ttl_s=600))


def test_an_unexpected_failure_is_a_generic_json_500(
    faulty: tuple[TestClient, Headers],
) -> None:
    response = search(*faulty)
    error = assert_error(response, 500, code="internal_error")
    assert "crashed" not in response.text and "RuntimeError" not in response.text
    assert "crashed" not in error["message"]


def test_an_unexpected_failure_is_logged_once_with_its_traceback_not_its_message(
    faulty: tuple[TestClient, Headers], caplog: pytest.LogCaptureFixture
) -> None:
    # The message of a database or validation error quotes the record being written; it
    # was logged twice (our handler, then uvicorn's, as Starlette re-raised).
    with caplog.at_level("ERROR"):
        assert search(*faulty).status_code == 500
    records = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(records) == 1, [r.getMessage() for r in records]
    text = records[0].getMessage()
    assert "RuntimeError" in text and "/v1/search" in text and ".py" in text  # the frames
    assert "crashed" not in text and records[0].exc_info is None


def test_a_document_whose_id_has_a_slash_can_be_fetched(
    loaded: dict[str, Any],
    client: TestClient,
    ingest_headers: Headers,
    as_user: Callable[[str, str], Headers],
) -> None:
    assert post_ingest(client, ingest_headers, jsonl([with_id("fw/123")])).status_code == 200
    admin = as_user(ACME, "admin")
    assert "fw/123" in ids(search_all(client, admin, "purchase order pilot", top_k=20))
    response = client.get("/v1/documents/fw%2F123", headers=admin)
    assert response.status_code == 200, response.text


def test_ingest_media_type_is_case_insensitive(client: TestClient, ingest_headers: Headers) -> None:
    body = json.dumps(crm_small.records()[:3], indent=2).encode()
    headers = {**ingest_headers, "Content-Type": "Application/JSON"}
    response = client.post("/v1/ingest", content=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 3


# --------------------------------------------------------------------------- startup refusal


def _settings(tmp_path: Path, **values: Any) -> Settings:
    base: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": "postgresql://unused/unused",
        "jwt_secret": SecretStr(JWT_SECRET),
        "ingest_token": SecretStr(INGEST_TOKEN),
        "dev": False,
    }
    return Settings(**(base | values))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"jwt_secret": None}, id="no-secret"),
        pytest.param({"jwt_secret": SecretStr("changeme")}, id="changeme"),
        pytest.param({"jwt_secret": SecretStr("ChangeThis")}, id="changethis"),
        pytest.param({"jwt_secret": SecretStr("")}, id="empty"),
        pytest.param({"jwt_secret": SecretStr("s" * 31)}, id="31-chars"),
        pytest.param({"ingest_token": SecretStr("changeme")}, id="placeholder-ingest-token"),
        pytest.param({"ingest_token": SecretStr("short-ingest")}, id="short-ingest-token"),
        pytest.param(
            {"jwt_public_key_file": Path("/nonexistent/key.pem")}, id="missing-public-key"
        ),
    ],
)
def test_create_app_refuses_weak_or_missing_secrets(tmp_path: Path, values: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        create_app(_settings(tmp_path, **values))


def test_create_app_accepts_a_32_character_secret(tmp_path: Path) -> None:
    secret = SecretStr("1f7c0d9e3a5b2c8f4e6a7b1d3c5e9f2a")  # 32 hex digits, 128 bits
    app = create_app(_settings(tmp_path, jwt_secret=secret))
    assert app.state.tokens.algorithm == "HS256"


def test_dev_mode_without_a_secret_generates_and_keeps_one(tmp_path: Path) -> None:
    settings = _settings(tmp_path, jwt_secret=None, dev=True)
    first = create_app(settings)
    secret_file = settings.data_dir / "dev-jwt-secret"
    assert secret_file.exists()
    assert (secret_file.stat().st_mode & 0o777) == 0o600
    assert len(secret_file.read_text().strip()) >= 32
    token = first.state.tokens.mint(org=ACME, subject="admin", ttl_s=60)
    # A restart reuses the secret: tokens minted before still verify.
    second = create_app(settings)
    caller = second.state.tokens.user(token)
    assert (caller.org, caller.user_id) == (ACME, "admin")
    # And it is not a secret anyone else knows.
    third = create_app(_settings(tmp_path / "other", jwt_secret=None, dev=True))
    with pytest.raises(AuthError, match="invalid token"):
        third.state.tokens.user(token)
