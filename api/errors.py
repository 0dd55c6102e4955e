"""The one place errors become HTTP responses: ``{"error": {"code", "message", "field"}}``.

A lost database (a dead connection, an administrator's shutdown, no pooled connection
within ``COPILOT_POOL_TIMEOUT_S``) is 503 ``database_unavailable`` with ``Retry-After``;
the driver's message, which names hosts, ports and sockets, goes to the log only.
Anything unexpected is 500 ``internal_error``, answered by :class:`CatchUnexpected` so the
connection stays open and the failure is logged once, without the exception's message
(database errors quote the values of the record that failed).

How OpenAPI lists each route's error responses is :mod:`api.error_docs`.
"""

from __future__ import annotations

import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.metrics import CLIENT_CLOSED
from copilot.auth import AuthError, ForbiddenError
from copilot.errors import (
    ConfigError,
    CopilotError,
    DatabaseUnavailable,
    IngestError,
    InvalidRequest,
    NotFound,
    UnknownUser,
)
from copilot.ingest import TooManyRecords
from retrieval.errors import RetrievalError, SchemaMismatchError
from summarizers.errors import SummarizerError

__all__ = [
    "CatchUnexpected",
    "ClientClosedRequest",
    "error_response",
    "handled",
    "install_error_handlers",
    "status_of",
]

log = logging.getLogger(__name__)


class ClientClosedRequest(Exception):
    """The client went away before any response started, so the work for it stops.

    Answered 499 (nginx's "client closed request", :data:`api.metrics.CLIENT_CLOSED`),
    which nobody receives: it is the status the audit trail records and /metrics counts.
    """


_STATUS: list[tuple[type[Exception], int]] = [
    (AuthError, 401),
    (UnknownUser, 401),
    (ForbiddenError, 403),
    (NotFound, 404),
    (TooManyRecords, 413),
    (InvalidRequest, 400),
    (IngestError, 422),
    (ConfigError, 500),
]


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    body.update(extra)
    headers = _HEADERS.get(status)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


_HEADERS: dict[int, dict[str, str]] = {
    401: {"WWW-Authenticate": "Bearer"},
    # The embedded server is back within seconds after a crash; pools retry meanwhile.
    503: {"Retry-After": "2"},
}


def _field_of(loc: tuple[Any, ...]) -> str:
    # loc is (where, field, ...): drop the location ("body", "query", "path", ...).
    return ".".join(str(p) for p in loc[1:]) if len(loc) > 1 else str(loc[0]) if loc else ""


# Handlers are async: Starlette runs sync handlers in a worker thread, where the
# exception being handled is no longer current and log.exception() would lose it.
async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if _validation_status(exc) == 400:  # the body is not JSON
        return error_response(400, "invalid_json", "request body is not valid JSON")
    content_type = request.headers.get("content-type", "")
    media = content_type.split(";")[0].strip().lower()
    is_json = media == "application/json" or media.endswith("+json")
    if tuple(first.get("loc", ())) == ("body",) and not is_json:
        # curl -d sends form encoding unless told otherwise: the body was never read as JSON.
        return error_response(
            422,
            "invalid_request",
            "body: expected a JSON object; send it with Content-Type: application/json "
            f"(this request said {content_type or 'nothing'!r})",
            field="body",
        )
    field = _field_of(tuple(first.get("loc", ())))
    messages: dict[str, str] = {}
    for e in errors:
        messages.setdefault(_field_of(tuple(e["loc"])) or "body", e["msg"])
    text = "; ".join(f"{f}: {m}" for f, m in list(messages.items())[:5])
    return error_response(422, "invalid_request", text, field=field or None)


async def _on_copilot_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CopilotError)
    status = _copilot_status(exc)
    if status == 401:
        # One message for every authentication failure: no hint whether a user exists.
        detail = str(exc) if isinstance(exc, AuthError) else "token does not name a known user"
        return error_response(401, "unauthorized", detail)
    if status >= 500:
        log.error("%s on %s: %s", type(exc).__name__, request.url.path, exc)
    field = getattr(exc, "field", None)
    return error_response(status, exc.code, str(exc), field=field)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    unparsed = _unparsed_body(exc)
    if unparsed is not None:
        return error_response(400, "invalid_json", unparsed)
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    code = codes.get(exc.status_code, "http_error")
    message = str(exc.detail)
    if exc.status_code == 404 and "route" not in request.scope:  # no route has this path
        message = _no_such_path(request)
    response = error_response(exc.status_code, code, message)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request.app, request.scope))
    return response


def _unparsed_body(exc: StarletteHTTPException) -> str | None:
    """Why FastAPI could not decode a JSON body, when its 400 hides it.

    FastAPI answers only ``json.JSONDecodeError`` as invalid JSON; bytes that are not
    UTF-8 (``UnicodeDecodeError``) and nesting past the recursion limit became a bare 400
    "There was an error parsing the body".
    """
    cause = exc.__cause__
    if exc.status_code != 400:
        return None
    if isinstance(cause, UnicodeDecodeError):
        # json.loads guesses UTF-16/32 from NUL bytes; a byte offset is meaningful only
        # for UTF-8, which JSON over HTTP must be.
        where = f" (at byte {cause.start})" if cause.encoding.lower() in ("utf-8", "utf8") else ""
        return f"request body is not valid UTF-8{where}; JSON bodies must be UTF-8"
    if isinstance(cause, RecursionError):
        return "request body is not valid JSON: nested too deeply to decode"
    return None


def _no_such_path(request: Request) -> str:
    """What a request to a path no route serves is told, with the likely fix."""
    path = request.url.path
    shown = path if len(path) <= 200 else f"{path[:199]}\u2026"  # a 65 KB path came back whole
    message = f"no such path: {request.method} {shown}"
    bare = path.rstrip("/")
    if bare and bare != path and allowed_methods(request.app, {**request.scope, "path": bare}):
        return f"{message}; did you mean {bare} (without the trailing slash)?"
    return f"{message} (the API's paths are listed at /docs)"


def allowed_methods(app: Any, scope: Scope) -> list[str]:
    """Every method some route accepts for this path.

    Starlette's 405 names only the first route whose path matched, so ``DELETE
    /v1/documents/x`` was missing from ``Allow`` beside ``GET``. Each method is tried
    against the router (FastAPI nests included routers, so the routes are not a flat list).
    """
    allowed = []
    for method in _METHODS:
        probe = {**scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in app.router.routes):
            allowed.append(method)
    return allowed


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


_DATABASE_LOST = "the database is unavailable; retry shortly"


async def _on_database_lost(request: Request, exc: Exception) -> JSONResponse:
    # psycopg's text names sockets and hosts; the log keeps it, the client gets the gist.
    # A warning: expected while the database restarts, and the service itself is fine.
    log.warning("database unavailable on %s: %s", request.url.path, _with_causes(exc))
    return error_response(status_of(exc), "database_unavailable", _database_lost_message(exc))


def _database_lost_message(exc: Exception) -> str:
    """What the client is told: a :class:`DatabaseUnavailable`'s own message ("the
    embedded database is down; it is being restarted"), unless it quotes an error it was
    raised from (``Database.ping`` quotes psycopg's); else the gist."""
    if not isinstance(exc, DatabaseUnavailable):
        return _DATABASE_LOST
    message = str(exc)
    for cause in _causes(exc):
        text = str(cause).strip()
        if text and text.splitlines()[0] in message:
            return _DATABASE_LOST
    return message


def _causes(exc: BaseException) -> list[BaseException]:
    """The errors ``exc`` was raised from or while handling, nearest first."""
    found: list[BaseException] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and cause not in found and len(found) < 8:
        found.append(cause)
        cause = cause.__cause__ or cause.__context__
    return found


def _with_causes(exc: BaseException) -> str:
    return " <- ".join(f"{type(e).__name__}: {e}" for e in (exc, *_causes(exc)))


async def _on_schema_mismatch(request: Request, exc: Exception) -> JSONResponse:
    return error_response(status_of(exc), "schema_mismatch", str(exc))


async def _on_client_closed(request: Request, exc: Exception) -> JSONResponse:
    # Not an error of the service: nothing is logged.
    return error_response(status_of(exc), "client_closed_request", str(exc))


def _log_unexpected(method: str, path: str, exc: BaseException) -> None:
    # Where it failed, not what it said: messages of database and validation errors quote
    # the record being written, and record content never goes to the log.
    frames = "".join(
        f"  {f.filename}:{f.lineno} in {f.name}\n" for f in traceback.extract_tb(exc.__traceback__)
    )
    log.error(
        "unhandled %s on %s %s (message withheld)\n%s",
        type(exc).__name__,
        method,
        path,
        frames.rstrip(),
    )


def _internal_error() -> JSONResponse:
    return error_response(500, "internal_error", "internal error; see the service log")


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    _log_unexpected(request.method, request.url.path, exc)
    return _internal_error()


async def handled(request: Request, exc: Exception) -> Response:
    """The response the app's handlers give ``exc``; a logged 500 ``internal_error`` for
    one no handler takes, as :class:`CatchUnexpected` answers it. For an error raised
    after a streamed response has started, which reaches no handler."""
    handlers = request.app.exception_handlers
    handler = next((handlers[c] for c in type(exc).__mro__ if c in handlers), None)
    if handler is None:
        return await _on_unexpected(request, exc)
    response = handler(request, exc)
    return await response if inspect.isawaitable(response) else response


class CatchUnexpected:
    """Answers an unhandled exception with a 500 and does not re-raise it.

    Starlette's own ``Exception`` handler runs in its outermost middleware and re-raises
    after answering, so uvicorn logged the error a second time (with the message) and
    closed the keep-alive connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # noqa: BLE001 - the last line of defence, logged once
            _log_unexpected(scope.get("method", ""), scope.get("path", ""), exc)
            if started:
                raise  # half a response is out; only closing the connection is honest
            await _internal_error()(scope, receive, send)


def _validation_status(exc: Exception) -> int:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    return 400 if errors and errors[0].get("type") == "json_invalid" else 422


def _copilot_status(exc: Exception) -> int:
    return next((s for t, s in _STATUS if isinstance(exc, t)), 500)


def _http_status(exc: Exception) -> int:
    assert isinstance(exc, StarletteHTTPException)
    return exc.status_code


def _always(status: int) -> Callable[[Exception], int]:
    return lambda exc: status


_Handler = Callable[[Request, Exception], Awaitable[Response]]

#: Each error the app answers: the status it is answered with, and its handler.
#: install_error_handlers registers these handlers and status_of reads these statuses,
#: so an audit entry records the status the client was given (a lost database was
#: answered 503 and audited as 500).
_ANSWERED: dict[type[Exception], tuple[Callable[[Exception], int], _Handler]] = {
    RequestValidationError: (_validation_status, _on_validation),
    CopilotError: (_copilot_status, _on_copilot_error),
    StarletteHTTPException: (_http_status, _on_http_error),
    SchemaMismatchError: (_always(409), _on_schema_mismatch),
    DatabaseUnavailable: (_always(503), _on_database_lost),
    psycopg.OperationalError: (_always(503), _on_database_lost),
    PoolTimeout: (_always(503), _on_database_lost),
    RetrievalError: (_always(500), _on_unexpected),
    SummarizerError: (_always(500), _on_unexpected),
    ClientClosedRequest: (_always(int(CLIENT_CLOSED)), _on_client_closed),
}


def status_of(exc: Exception) -> int:
    """The status ``exc`` is answered with (the audit trail records it): its handler's,
    found as Starlette finds it (the nearest class in its MRO), else 500."""
    for cls in type(exc).__mro__:
        if cls in _ANSWERED:
            status, _ = _ANSWERED[cls]
            return status(exc)
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers; add :class:`CatchUnexpected` as the innermost middleware."""
    for cls, (_, handler) in _ANSWERED.items():
        app.add_exception_handler(cls, handler)
