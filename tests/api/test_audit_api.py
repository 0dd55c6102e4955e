"""The audit trail and erasure through the HTTP API: what each route records, who may
read the trail, and ``POST /v1/privacy/erase``."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from copilot.audit import AuditLog, AuditRecord, iter_records
from tests.api.conftest import bearer
from tests.db import privacy_crm
from tests.db.privacy_crm import ACME, GLOBEX, PAT_EMAIL, PAT_NAME, PAT_QUOTE

Headers = dict[str, str]


def _ingest(client: TestClient, headers: Headers, records: list[dict[str, Any]]) -> None:
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    response = client.post(
        "/v1/ingest", content=body, headers={**headers, "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text


@pytest.fixture()
def loaded(client: TestClient, ingest_headers: Headers) -> TestClient:
    _ingest(client, ingest_headers, privacy_crm.records())
    return client


@pytest.fixture()
def as_user(token_for: Callable[..., str]) -> Callable[..., Headers]:
    def headers(user: str, org: str = ACME) -> Headers:
        return bearer(token_for(org, user))

    return headers


def _entries(client: TestClient, org: str = ACME) -> list[AuditRecord]:
    return list(iter_records(client.app.state.copilot.db, org=org))  # type: ignore[attr-defined]


def _last(client: TestClient, org: str = ACME) -> AuditRecord:
    return _entries(client, org)[-1]


def test_ingest_is_audited_per_org_with_the_ids_written(loaded: TestClient) -> None:
    (acme,) = _entries(loaded, ACME)
    (globex,) = _entries(loaded, GLOBEX)
    assert acme.actor == globex.actor == "ingest:ingest-token"
    assert acme.endpoint == "POST /v1/ingest" and acme.status == 200
    assert {"c-pat", "em-from-pat", "tk-sam", "admin"} <= set(acme.record_ids)
    assert not set(acme.record_ids) & {"g-pat", "g-em-pat"}
    assert set(globex.record_ids) >= {"g-pat", "g-em-pat"}
    assert re.fullmatch(r"[0-9a-f]{32}", acme.request_id)


def test_search_is_audited_with_query_ids_engine_and_status(
    loaded: TestClient, as_user: Callable[..., Headers]
) -> None:
    response = loaded.post(
        "/v1/search", json={"query": "Falcon quote", "top_k": 3}, headers=as_user("rep-1")
    )
    assert response.status_code == 200
    entry = _last(loaded)
    assert (entry.actor, entry.endpoint, entry.status) == ("user:rep-1", "POST /v1/search", 200)
    assert entry.query_text == "Falcon quote" and entry.query_sha256
    assert list(entry.record_ids) == list(
        dict.fromkeys(r["document_id"] for r in response.json()["results"])
    )
    assert entry.engine  # the search plan


def test_every_content_route_is_audited_including_refusals(
    loaded: TestClient, as_user: Callable[..., Headers], ingest_headers: Headers
) -> None:
    calls: list[tuple[str, str, dict[str, Any] | None, str, int, set[str]]] = [
        ("GET", "/v1/documents/em-sam", None, "rep-2", 200, {"em-sam"}),
        # rep-2 may not see rep-1's private mail: audited as the 404 it was.
        ("GET", "/v1/documents/em-from-pat", None, "rep-2", 404, {"em-from-pat"}),
        ("POST", "/v1/calls/call-sam/summary", None, "rep-1", 200, {"call-sam"}),
        ("GET", "/v1/accounts/a1/next-best-actions", None, "rep-1", 200, {"a1"}),
        ("GET", "/v1/deals/no-such-deal/next-best-actions", None, "rep-1", 404, {"no-such-deal"}),
        ("POST", "/v1/ask", {"question": "When is the onboarding workshop?"}, "rep-1", 200, set()),
        ("POST", "/v1/ask/stream", {"question": "onboarding workshop"}, "rep-1", 200, set()),
        (
            "POST",
            "/v1/summaries",
            {"text": "Sam: Tuesday works.", "kind": "call"},
            "rep-1",
            200,
            set(),
        ),
    ]
    for method, path, body, user, status, ids in calls:
        response = loaded.request(method, path, json=body, headers=as_user(user))
        assert response.status_code == status, (path, response.text)
        entry = _last(loaded)
        assert (entry.actor, entry.status) == (f"user:{user}", status), path
        assert entry.endpoint.startswith(f"{method} /v1/"), path
        assert ids <= set(entry.record_ids), path
    ask = [e for e in _entries(loaded) if e.endpoint == "POST /v1/ask"][0]
    assert ask.query_text == "When is the onboarding workshop?" and ask.record_ids
    assert ask.engine
    draft = _last(loaded)
    assert draft.query_text is None  # a draft's text is never kept

    deleted = loaded.delete("/v1/documents/em-sam", params={"org": ACME}, headers=ingest_headers)
    assert deleted.status_code == 200
    entry = _last(loaded)
    assert (entry.actor, entry.endpoint, entry.record_ids) == (
        "ingest:ingest-token",
        "DELETE /v1/documents/{document_id:record_id}",
        ("em-sam",),
    )
    assert AuditLog(loaded.app.state.copilot.db).verify(org=ACME).ok  # type: ignore[attr-defined]


def test_bad_credentials_leave_no_entry(loaded: TestClient) -> None:
    before = len(_entries(loaded))
    response = loaded.post("/v1/search", json={"query": "x"}, headers=bearer("nope"))
    assert response.status_code == 401
    assert len(_entries(loaded)) == before


def test_the_trail_is_for_admins_of_their_own_org(
    loaded: TestClient, as_user: Callable[..., Headers]
) -> None:
    loaded.post("/v1/search", json={"query": "workshop"}, headers=as_user("rep-1"))
    loaded.post("/v1/search", json={"query": "hooli"}, headers=as_user("g-rep", GLOBEX))

    for user in ("rep-1", "mgr"):
        refused = loaded.get("/v1/audit", headers=as_user(user))
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert loaded.get("/v1/audit", headers=as_user("ghost")).status_code == 401

    acme = loaded.get("/v1/audit", headers=as_user("admin")).json()["entries"]
    assert {e["actor"] for e in acme} >= {"ingest:ingest-token", "user:rep-1"}
    assert not any("hooli" in (e["query_text"] or "") for e in acme)
    globex = loaded.get("/v1/audit", headers=as_user("g-admin", GLOBEX)).json()["entries"]
    assert [e["query_text"] for e in globex if e["actor"] == "user:g-rep"] == ["hooli"]
    assert not any(e["actor"] == "user:rep-1" for e in globex)
    # Reading the trail is audited too (the refusals included).
    assert {e.status for e in _entries(loaded) if e.endpoint == "GET /v1/audit"} == {403, 401, 200}


def test_the_trail_pages_with_cursors_and_filters(
    loaded: TestClient, as_user: Callable[..., Headers]
) -> None:
    for q in ("one", "two", "three", "four"):
        loaded.post("/v1/search", json={"query": q}, headers=as_user("rep-2"))
    admin = as_user("admin")
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"user": "rep-2", "limit": 3}
    while True:
        page = loaded.get("/v1/audit", params=params, headers=admin)
        assert page.status_code == 200, page.text
        seen += page.json()["entries"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
        params = {**params, "cursor": cursor}
    assert [e["query_text"] for e in seen] == ["one", "two", "three", "four"]
    assert [e["seq"] for e in seen] == sorted(e["seq"] for e in seen)

    first = loaded.get("/v1/audit", params={"user": "rep-2", "limit": 1}, headers=admin).json()
    other_query = loaded.get(
        "/v1/audit", params={"user": "rep-1", "cursor": first["next_cursor"]}, headers=admin
    )
    assert other_query.status_code == 400
    assert other_query.json()["error"]["code"] == "invalid_cursor"
    for bad in (
        {"since": "yesterday"},
        {"limit": 0},
        {"since": "2026-02-01", "until": "2026-01-01"},
    ):
        assert loaded.get("/v1/audit", params=bad, headers=admin).status_code in (400, 422)
    future = loaded.get("/v1/audit", params={"since": "2999-01-01"}, headers=admin).json()
    assert future == {"entries": [], "next_cursor": None}
    window = loaded.get(
        "/v1/audit", params={"since": "2000-01-01", "until": "2999-01-01T00:00:00Z"}, headers=admin
    ).json()["entries"]
    assert len(window) >= 5


@pytest.fixture()
def client_with(settings: Any, embedder: Any) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(**changes: Any) -> TestClient:
        app = create_app(settings.model_copy(update=changes), embedder=embedder)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


@pytest.mark.parametrize("mode", ["request", "background"])
def test_both_write_modes_record_the_search(
    client_with: Callable[..., TestClient], ingest_headers: Headers, token_for: Any, mode: str
) -> None:
    client = client_with(audit_write=mode)
    _ingest(client, ingest_headers, privacy_crm.records())
    response = client.post(
        "/v1/search", json={"query": "workshop"}, headers=bearer(token_for(ACME, "rep-1"))
    )
    assert response.status_code == 200
    assert _last(client).query_text == "workshop"


def test_queries_can_be_kept_as_hashes_only_or_not_audited(
    client_with: Callable[..., TestClient], ingest_headers: Headers, token_for: Any
) -> None:
    import hashlib

    hashed = client_with(audit_store_queries=False)
    _ingest(hashed, ingest_headers, privacy_crm.records())
    hashed.post("/v1/search", json={"query": "workshop"}, headers=bearer(token_for(ACME, "rep-1")))
    entry = _last(hashed)
    assert entry.query_text is None
    assert entry.query_sha256 == hashlib.sha256(b"workshop").hexdigest()

    off = client_with(audit_enabled=False)
    before = len(_entries(off))
    off.post("/v1/search", json={"query": "workshop"}, headers=bearer(token_for(ACME, "rep-1")))
    assert len(_entries(off)) == before


# --------------------------------------------------------------------------- erasure


def test_erase_endpoint_removes_the_person_for_every_user_and_is_idempotent(
    loaded: TestClient, as_user: Callable[..., Headers], ingest_headers: Headers
) -> None:
    loaded.post("/v1/search", json={"query": PAT_EMAIL}, headers=as_user("rep-1"))
    erased = loaded.post(
        "/v1/privacy/erase", json={"org": ACME, "email": PAT_EMAIL}, headers=ingest_headers
    )
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["status"] == "erased" and body["contacts"] == ["c-pat"]
    assert set(body["documents"]) == privacy_crm.PAT_DOCUMENTS

    for user in sorted(privacy_crm.USERS):
        for query in (PAT_NAME, PAT_EMAIL, f'"{PAT_QUOTE}"'):
            hits = loaded.post(
                "/v1/search", json={"query": query, "top_k": 50}, headers=as_user(user)
            ).json()["results"]
            assert not {h["document_id"] for h in hits} & privacy_crm.PAT_DOCUMENTS
            text = json.dumps(hits).lower()
            assert "pat buyer" not in text and PAT_EMAIL not in text and "zanzibar" not in text
        for doc in privacy_crm.PAT_DOCUMENTS:
            assert loaded.get(f"/v1/documents/{doc}", headers=as_user(user)).status_code == 404

    again = loaded.post(
        "/v1/privacy/erase", json={"org": ACME, "contact_id": "c-pat"}, headers=ingest_headers
    )
    assert again.json() == {
        "org": ACME,
        "status": "nothing_to_erase",
        "contacts": [],
        "documents": [],
    }
    # globex's Pat is another tenant's record.
    g_hits = loaded.post(
        "/v1/search", json={"query": PAT_QUOTE}, headers=as_user("g-rep", GLOBEX)
    ).json()["results"]
    assert "g-em-pat" in {h["document_id"] for h in g_hits}

    erase_entries = [e for e in _entries(loaded) if e.endpoint == "POST /v1/privacy/erase"]
    assert [len(e.record_ids) for e in erase_entries] == [len(privacy_crm.PAT_DOCUMENTS) + 1, 0]
    assert all(e.actor == "ingest:ingest-token" and e.query_text is None for e in erase_entries)
    # Up to the erasure, the trail holds nothing of the person (the search for their
    # address before it is kept as its digest); later searches naming them are new.
    trail = loaded.get("/v1/audit", headers=as_user("admin")).json()["entries"]
    dump = json.dumps([e for e in trail if e["seq"] <= erase_entries[0].seq]).lower()
    assert PAT_EMAIL not in dump and "pat buyer" not in dump
    assert any(e["query_text"] is None and e["query_sha256"] for e in trail)
    assert AuditLog(loaded.app.state.copilot.db).verify(org=ACME).ok  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [
        {"org": ACME},
        {"org": ACME, "email": PAT_EMAIL, "contact_id": "c-pat"},
        {"org": ACME, "email": "not an address"},
        {"org": ACME, "contact_id": ""},
        {"org": "", "email": PAT_EMAIL},
        {"org": ACME, "email": PAT_EMAIL, "extra": 1},
        {"org": ACME, "contact_id": "c\x00pat"},
        {"org": ACME, "contact_id": "c-\ud800"},
        {"org": ACME, "email": "pat\udfff@initech.example"},
    ],
)
def test_erase_bad_bodies_are_422_and_remove_nothing(
    loaded: TestClient, ingest_headers: Headers, body: dict[str, Any]
) -> None:
    response = loaded.post(
        "/v1/privacy/erase",
        content=json.dumps(body),  # ASCII-escaped, so lone surrogates arrive as sent
        headers={**ingest_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"
    found = loaded.post(
        "/v1/privacy/erase", json={"org": ACME, "contact_id": "c-pat"}, headers=ingest_headers
    )
    assert found.json()["status"] == "erased"


def test_erase_needs_an_ingest_credential_of_the_org(
    loaded: TestClient, as_user: Callable[..., Headers], token_for: Any
) -> None:
    body = {"org": ACME, "email": PAT_EMAIL}
    assert loaded.post("/v1/privacy/erase", json=body).status_code == 401
    assert loaded.post("/v1/privacy/erase", json=body, headers=as_user("admin")).status_code == 403
    globex_ingest = bearer(token_for(GLOBEX, "etl", scopes=("ingest",)))
    other_org = loaded.post("/v1/privacy/erase", json=body, headers=globex_ingest)
    assert other_org.status_code == 400 and other_org.json()["error"]["field"] == "org"
    acme_ingest = bearer(token_for(ACME, "etl", scopes=("ingest",)))
    ok = loaded.post("/v1/privacy/erase", json=body, headers=acme_ingest)
    assert ok.status_code == 200 and ok.json()["status"] == "erased"
    assert _last(loaded).actor == "ingest:etl"


@pytest.mark.parametrize("value", ["-1.5", "1700000000", "1e9"])
def test_since_and_until_take_iso_dates_not_numbers(
    loaded: TestClient, as_user: Callable[..., Headers], value: str
) -> None:
    # Found by the schemathesis run: `since=-1.5` was read as a Unix time and accepted,
    # although the schema says date-time.
    for param in ("since", "until"):
        response = loaded.get("/v1/audit", params={param: value}, headers=as_user("admin"))
        assert response.status_code == 422, response.text
        assert "ISO 8601" in response.text
    ok = loaded.get("/v1/audit", params={"since": "2026-01-01T00:00:00Z"}, headers=as_user("admin"))
    assert ok.status_code == 200
