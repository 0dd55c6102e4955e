"""``api.errors``: the status the audit trail records is the status the client is given."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException

from api.errors import ClientClosedRequest, handled, install_error_handlers, status_of
from copilot.auth import AuthError, ForbiddenError
from copilot.errors import (
    ConfigError,
    DatabaseUnavailable,
    IngestError,
    InvalidRequest,
    NotFound,
    UnknownUser,
)
from copilot.ingest import TooManyRecords
from retrieval.errors import MigrationError, SchemaMismatchError
from summarizers.errors import SummarizerError


def _unparsed_body() -> HTTPException:
    try:
        b'{"q": "caf\xe9"}'.decode("utf-8")
    except UnicodeDecodeError as err:
        exc = HTTPException(400, "There was an error parsing the body")
        exc.__cause__ = err
    return exc


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        pytest.param(psycopg.OperationalError("server closed the connection"), 503, id="db-lost"),
        pytest.param(psycopg.errors.AdminShutdown("terminating connection"), 503, id="shutdown"),
        pytest.param(PoolTimeout("couldn't get a connection after 5.00 sec"), 503, id="pool"),
        pytest.param(DatabaseUnavailable("the database is starting"), 503, id="unavailable"),
        pytest.param(SchemaMismatchError("built with model 'a', not 'b'"), 409, id="schema"),
        pytest.param(MigrationError("migration 7 failed"), 500, id="retrieval"),
        pytest.param(SummarizerError("the endpoint timed out"), 500, id="summarizer"),
        pytest.param(AuthError("token expired"), 401, id="auth"),
        pytest.param(UnknownUser("u-9"), 401, id="unknown-user"),
        pytest.param(ForbiddenError("a user token on ingest"), 403, id="forbidden"),
        pytest.param(NotFound("no such call"), 404, id="not-found"),
        pytest.param(TooManyRecords(3), 413, id="too-many"),
        pytest.param(InvalidRequest("inverted range"), 400, id="invalid"),
        pytest.param(IngestError("nothing written"), 422, id="ingest"),
        pytest.param(ConfigError("no model"), 500, id="config"),
        pytest.param(HTTPException(404), 404, id="http-404"),
        pytest.param(_unparsed_body(), 400, id="http-not-utf8"),
        pytest.param(
            RequestValidationError([{"type": "json_invalid", "loc": ("body", 1), "msg": "x"}]),
            400,
            id="json-invalid",
        ),
        pytest.param(
            RequestValidationError([{"type": "missing", "loc": ("body", "q"), "msg": "x"}]),
            422,
            id="validation",
        ),
        pytest.param(ClientClosedRequest("left"), 499, id="client-closed"),
        pytest.param(RuntimeError("a bug"), 500, id="unhandled"),
    ],
)
def test_status_of_is_what_the_handlers_answer(exc: Exception, status: int) -> None:
    # A lost database was answered 503 and audited as 500 (/v1/ask, /v1/ask/stream).
    app = FastAPI()
    install_error_handlers(app)
    scope = {"type": "http", "method": "POST", "path": "/v1/ask", "headers": [], "app": app}
    response = asyncio.run(handled(Request(scope), exc))
    assert (status_of(exc), response.status_code) == (status, status)


def _raised_from(cause: Exception, message: str) -> DatabaseUnavailable:
    """``DatabaseUnavailable(message.format(cause))``, raised ``from cause``."""
    exc = DatabaseUnavailable(message.format(cause))
    exc.__cause__ = cause
    return exc


_SOCKET = 'connection to server on socket "/run/pg-7e1b/.s.PGSQL.5433" failed'


@pytest.mark.parametrize(
    ("exc", "told"),
    [
        pytest.param(
            _raised_from(psycopg.OperationalError(_SOCKET), "database not reachable: {}"),
            "the database is unavailable; retry shortly",
            id="quotes-its-cause",
        ),
        pytest.param(
            _raised_from(
                psycopg.OperationalError(f"{_SOCKET}\nDETAIL: more"), "not reachable ({})"
            ),
            "the database is unavailable; retry shortly",
            id="quotes-the-first-line",
        ),
        pytest.param(
            _raised_from(psycopg.OperationalError(_SOCKET), "the audit trail could not be written"),
            "the audit trail could not be written",
            id="own-words",
        ),
        pytest.param(
            DatabaseUnavailable("the embedded database is down; it is being restarted"),
            "the embedded database is down; it is being restarted",
            id="no-cause",
        ),
        pytest.param(
            psycopg.OperationalError(_SOCKET),
            "the database is unavailable; retry shortly",
            id="driver",
        ),
    ],
)
def test_a_lost_database_is_told_without_the_drivers_message(exc: Exception, told: str) -> None:
    # psycopg's messages name hosts, ports and sockets; the log has them, a client must not.
    app = FastAPI()
    install_error_handlers(app)
    scope = {"type": "http", "method": "GET", "path": "/readyz", "headers": [], "app": app}
    response = asyncio.run(handled(Request(scope), exc))
    assert response.status_code == 503 and response.headers["retry-after"] == "2"
    body = bytes(response.body).decode()
    assert "PGSQL" not in body
    assert json.loads(body)["error"] == {"code": "database_unavailable", "message": told}
