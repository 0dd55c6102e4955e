"""The HTTP surface around the routes: request ids, response headers, rate limits,
/metrics (bounded labels, optional auth), 503 when the database goes away, 500s that
keep the connection, and the error responses OpenAPI lists.

Runs ``create_app`` on the real test database, as the rest of ``tests/api``.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from psycopg.conninfo import conninfo_to_dict
from pydantic import SecretStr

from api.app import create_app
from copilot.errors import ConfigError
from copilot.logs import RequestIdFilter
from copilot.settings import Settings
from tests.api.conftest import bearer
from tests.db import crm_small
from tests.db.crm_small import ACME

Headers = dict[str, str]
METRICS_TOKEN = "metrics-5c1e9a7b3d2f8e4a6c0b9d1f7e3a5c8b"


def _jsonl(records: list[Any]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


def _load(client: TestClient, ingest_headers: Headers) -> None:
    response = client.post(
        "/v1/ingest",
        content=_jsonl(crm_small.records()),
        headers={**ingest_headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200, response.text


def _search(client: TestClient, headers: Headers, **extra: Any) -> Any:
    return client.post("/v1/search", json={"query": "customer email", **extra}, headers=headers)


@pytest.fixture()
def admin(client: TestClient, token_for: Callable[..., str], ingest_headers: Headers) -> Headers:
    _load(client, ingest_headers)
    return bearer(token_for(ACME, "admin"))


# ------------------------------------------------------------------ request ids, headers


@pytest.mark.parametrize(
    ("given", "echoed"),
    [
        ("req-42.A_b", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("bad id!", False),
        ("", False),
        ("<script>", False),
        (None, False),
    ],
    ids=["ok", "128", "129", "space", "empty", "markup", "absent"],
)
def test_every_response_carries_a_request_id(
    client: TestClient, given: str | None, echoed: bool
) -> None:
    headers = {"X-Request-ID": given} if given is not None else {}
    for method, path in [("GET", "/healthz"), ("GET", "/nowhere"), ("POST", "/v1/search")]:
        response = client.request(method, path, headers=headers)
        request_id = response.headers["x-request-id"]
        if echoed:
            assert request_id == given
        else:
            assert re.fullmatch(r"[0-9a-f]{32}", request_id), request_id


def test_generated_request_ids_differ(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_the_request_id_is_in_request_state_and_in_the_requests_log_lines(
    settings: Settings, embedder: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, embedder=embedder)

    def peek(request: Request) -> dict[str, str]:
        # A sync route runs in a worker thread: the id must follow it there.
        logging.getLogger("copilot.test").warning("inside the request")
        return {"state": request.state.request_id}

    app.add_api_route("/_peek", peek)
    caplog.handler.addFilter(RequestIdFilter())
    with TestClient(app) as client, caplog.at_level(logging.DEBUG):
        response = client.get("/_peek", headers={"X-Request-ID": "trace-7"})
    assert response.json() == {"state": "trace-7"}
    ours = [r for r in caplog.records if r.name in ("copilot.test", "api.middleware")]
    assert len(ours) == 2
    assert {getattr(r, "request_id", None) for r in ours} == {"trace-7"}
    outside = logging.makeLogRecord({"msg": "after"})
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("method", "path", "auth"),
    [
        ("POST", "/v1/search", "user"),
        ("GET", "/v1/documents/d-org", "user"),
        ("GET", "/v1/documents/d-missing", "user"),
        ("POST", "/v1/ask", "user"),
        ("GET", "/v1/accounts/a1/next-best-actions", "user"),
        ("POST", "/v1/search", None),
        ("GET", "/healthz", None),
        ("GET", "/metrics", None),
        ("PUT", "/v1/search", None),
    ],
)
def test_security_headers_on_every_response(
    client: TestClient, admin: Headers, method: str, path: str, auth: str | None
) -> None:
    body = {"query": "customer email"} if method == "POST" else None
    headers = admin if auth else {}
    response = client.request(method, path, json=body, headers=headers)
    assert response.headers["cache-control"] == "no-store", (path, response.status_code)
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "server" not in response.headers


# ------------------------------------------------------------------ rate limits


@pytest.fixture()
def limited(settings: Settings, embedder: Any) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"rate_limit": "3/minute"}), embedder=embedder)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_rate_limit_per_token_subject_with_retry_after(
    limited: TestClient, ingest_headers: Headers
) -> None:
    tokens = limited.app.state.tokens  # type: ignore[attr-defined]
    rep = bearer(tokens.mint(org=ACME, subject="rep-w1", ttl_s=600))
    other = bearer(tokens.mint(org=ACME, subject="rep-e1", ttl_s=600))
    statuses = [_search(limited, rep).status_code for _ in range(3)]
    assert 429 not in statuses
    refused = _search(limited, rep)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "3 per 1 minute" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-request-id"] and refused.headers["cache-control"] == "no-store"
    # Another user has their own budget, even with the same address.
    assert _search(limited, other).status_code != 429
    # A fresh token of the same user shares the user's budget.
    again = bearer(tokens.mint(org=ACME, subject="rep-w1", ttl_s=300))
    assert _search(limited, again).status_code == 429


def test_rate_limit_by_address_when_unauthenticated_or_forged(limited: TestClient) -> None:
    for _ in range(3):
        assert limited.get("/healthz").status_code == 200
    assert limited.get("/healthz").status_code == 429
    # An unverifiable token does not buy a fresh budget: it counts against the address.
    forged = {"Authorization": "Bearer not.a.jwt"}
    assert _search(limited, forged).status_code == 429


def test_rate_limit_can_be_turned_off_and_bad_values_are_refused(
    settings: Settings, embedder: Any
) -> None:
    app = create_app(settings.model_copy(update={"rate_limit": "off"}), embedder=embedder)
    with TestClient(app) as client:
        assert all(client.get("/healthz").status_code == 200 for _ in range(30))
    with pytest.raises(ConfigError, match="COPILOT_RATE_LIMIT"):
        create_app(settings.model_copy(update={"rate_limit": "lots"}), embedder=embedder)


# ------------------------------------------------------------------ /metrics


def _metrics_size(client: TestClient, headers: Headers) -> int:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    return len(response.content)


def test_made_up_methods_and_paths_do_not_grow_metrics(settings: Settings, embedder: Any) -> None:
    unlimited = settings.model_copy(update={"rate_limit": "off"})
    with TestClient(create_app(unlimited, embedder=embedder)) as client:
        _made_up_requests_leave_metrics_bounded(client)


def _series(text: str) -> set[str]:
    return {line.rsplit(" ", 1)[0] for line in text.splitlines() if not line.startswith("#")}


def _made_up_requests_leave_metrics_bounded(client: TestClient) -> None:
    def made_up(i: int) -> None:
        client.request(f"BREW{i}", "/healthz")
        client.request(f"X{i}", f"/nowhere/{i}")
        client.get(f"/nowhere/{i}")

    made_up(0)
    client.get("/metrics")
    before = client.get("/metrics").text
    for i in range(1, 200):
        made_up(i)
    after = client.get("/metrics").text
    assert "BREW" not in after and "/nowhere" not in after
    assert 'method="other"' in after and 'route="unmatched"' in after
    # Only the counts changed, not the series (2,000 such requests took it to 3.56 MB).
    assert _series(after) == _series(before)
    assert len(after) - len(before) < 200


def test_metrics_token_when_configured(settings: Settings, embedder: Any) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    app = create_app(guarded, embedder=embedder)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers=bearer("wrong" + METRICS_TOKEN)).status_code == 401
        user = bearer(app.state.tokens.mint(org=ACME, subject="admin", ttl_s=60))
        assert client.get("/metrics", headers=user).status_code == 401
        assert _metrics_size(client, bearer(METRICS_TOKEN)) > 0
    with pytest.raises(ConfigError, match="COPILOT_METRICS_TOKEN"):
        create_app(settings.model_copy(update={"metrics_token": SecretStr("m" * 40)}))


# ------------------------------------------------------------------ database lost → 503


def _superuser_url(db_url: str) -> tuple[str, str]:
    params = conninfo_to_dict(db_url)
    name = str(params["dbname"])
    params["dbname"] = "postgres"
    return psycopg.conninfo.make_conninfo(**params), name


def test_database_gone_is_503_and_the_pools_reconnect_when_it_returns(
    client: TestClient, admin: Headers, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    # An external database going away: its connections are cut (AdminShutdown to
    # in-flight work) and new ones refused. Before: 500, then 500 PoolTimeout after 30 s.
    assert _search(client, admin).status_code == 200
    server, name = _superuser_url(db_url)
    with psycopg.connect(server, autocommit=True) as su:
        su.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        su.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        try:
            with caplog.at_level(logging.WARNING):
                for _ in range(3):
                    response = _search(client, admin)
                    assert response.status_code == 503, response.text
                    body = response.json()["error"]
                    assert body["code"] == "database_unavailable"
                    assert "socket" not in body["message"] and name not in body["message"]
                    assert response.headers["retry-after"] == "2"
                assert client.get("/v1/documents/d-org", headers=admin).status_code == 503
                assert client.get("/readyz").status_code == 503
        finally:
            su.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    # No request path logs an error for a database that is gone; the audit trail does
    # (entries of those requests could not be written, which an operator must see).
    assert not [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name != "api.auditing"
    ]
    # Back: the pools reconnect on their own, without restarting the app (they retry
    # in the background with a backoff, so the first searches may still be 503).
    statuses: list[int] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        statuses.append(_search(client, admin).status_code)
        if statuses[-1] == 200:
            break
        time.sleep(0.5)
    assert statuses[-1] == 200, statuses
    assert set(statuses) <= {200, 503}, statuses
    assert client.get("/readyz").status_code == 200


def test_readyz_does_not_tell_the_client_where_the_database_listens(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Database.ping quotes the driver's message in its DatabaseUnavailable.
    socket = "/run/pg-ready-9c1d/.s.PGSQL.6544"
    lost = psycopg.OperationalError(f'connection to server on socket "{socket}" failed')

    def connection(**kwargs: Any) -> Any:
        raise lost

    db = client.app.state.copilot.db  # type: ignore[attr-defined]
    monkeypatch.setattr(db.pool, "connection", connection)
    with caplog.at_level(logging.WARNING):
        ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["retry-after"] == "2"
    assert socket not in ready.text and "6544" not in ready.text
    assert ready.json()["error"]["code"] == "database_unavailable"
    assert any(socket in r.getMessage() for r in caplog.records)


# ------------------------------------------------------------------ 500s


class _QueriesFail:
    """The real embedder, except that embedding a query raises."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def embed_query(self, text: str) -> Any:
        raise RuntimeError(f"crashed on {text!r}")


def test_a_500_is_answered_by_the_app_not_raised_to_the_server(
    settings: Settings, embedder: Any, ingest_headers: Headers
) -> None:
    # Starlette's Exception handler re-raised after answering, so uvicorn logged it again
    # and closed the keep-alive connection. raise_server_exceptions=True surfaces that.
    app = create_app(settings, embedder=_QueriesFail(embedder))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=True) as client:
        _load(client, ingest_headers)
        user = bearer(app.state.tokens.mint(org=ACME, subject="admin", ttl_s=60))
        response = _search(client, user, query="secret words")
        assert response.status_code == 500
        assert response.json()["error"]["code"] == "internal_error"
        assert response.headers["x-request-id"]
        assert _search(client, user).status_code == 500  # and the next one too


# ------------------------------------------------------------------ OpenAPI


def test_openapi_lists_the_error_responses_routes_return(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    expected = {
        ("/v1/search", "post"): {"400", "401", "413", "422", "429", "503"},
        ("/v1/documents/{document_id}", "get"): {"401", "404", "422", "429", "503"},
        ("/v1/documents/{document_id}", "delete"): {"400", "401", "403", "404", "429", "503"},
        ("/v1/ingest", "post"): {"400", "401", "403", "409", "413", "422", "429", "503"},
        ("/v1/ask", "post"): {"400", "401", "413", "422", "429", "503"},
        ("/metrics", "get"): {"429", "503"},
        ("/readyz", "get"): {"429", "503"},
    }
    for (path, method), statuses in expected.items():
        responses = spec["paths"][path][method]["responses"]
        assert statuses <= set(responses), (path, method, sorted(responses))
        for status in statuses:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, status)
    # Without COPILOT_METRICS_TOKEN, /metrics is open, and documented as such.
    assert "401" not in spec["paths"]["/metrics"]["get"]["responses"]
    assert "security" not in spec["paths"]["/metrics"]["get"]


def test_openapi_documents_metrics_auth_when_a_token_is_set(settings: Settings) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr(METRICS_TOKEN)})
    operation = create_app(guarded).openapi()["paths"]["/metrics"]["get"]
    assert "401" in operation["responses"] and operation["security"]


def test_concurrent_requests_each_get_their_own_request_id(client: TestClient) -> None:
    seen: list[tuple[str, str]] = []

    def one(i: int) -> None:
        r = client.get("/healthz", headers={"X-Request-ID": f"r-{i}"})
        seen.append((f"r-{i}", r.headers["x-request-id"]))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 8 and all(a == b for a, b in seen)


def test_an_unknown_query_parameter_is_refused_and_named(client) -> None:  # type: ignore[no-untyped-def]
    # Found by the schemathesis run: routes accepted any query parameter, although their
    # published schemas list the ones they take (a typo such as `limt` did nothing).
    response = client.get("/v1/audit", params={"limt": "5"})
    assert response.status_code == 422
    assert "limt" in response.json()["error"]["message"]
