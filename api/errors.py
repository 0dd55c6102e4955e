"""The one place errors become HTTP responses: ``{"error": {"code", "message", "field"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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
from retrieval.errors import RetrievalError, SchemaMismatchError
from summarizers.errors import SummarizerError

__all__ = ["error_response", "install_error_handlers", "status_of"]

log = logging.getLogger(__name__)

_STATUS: list[tuple[type[Exception], int]] = [
    (AuthError, 401),
    (UnknownUser, 401),
    (ForbiddenError, 403),
    (NotFound, 404),
    (InvalidRequest, 400),
    (IngestError, 422),
    (DatabaseUnavailable, 503),
    (ConfigError, 500),
]


def status_of(exc: Exception) -> int:
    """The status an exception is answered with (the audit trail records it)."""
    if isinstance(exc, RequestValidationError):
        return 422
    if isinstance(exc, CopilotError):
        return next((s for t, s in _STATUS if isinstance(exc, t)), 500)
    if isinstance(exc, StarletteHTTPException):
        return exc.status_code
    if isinstance(exc, SchemaMismatchError):
        return 409
    return 500


def error_response(
    status: int, code: str, message: str, *, field: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        body["field"] = field
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _field_of(loc: tuple[Any, ...]) -> str:
    # loc is (where, field, ...): drop the location ("body", "query", "path", ...).
    return ".".join(str(p) for p in loc[1:]) if len(loc) > 1 else str(loc[0]) if loc else ""


# Handlers are async: Starlette runs sync handlers in a worker thread, where the
# exception being handled is no longer current and log.exception() would lose it.
async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request", "type": ""}
    if first.get("type") == "json_invalid":
        return error_response(400, "invalid_json", "request body is not valid JSON")
    field = _field_of(tuple(first.get("loc", ())))
    messages: dict[str, str] = {}
    for e in errors:
        messages.setdefault(_field_of(tuple(e["loc"])) or "body", e["msg"])
    text = "; ".join(f"{f}: {m}" for f, m in list(messages.items())[:5])
    return error_response(422, "invalid_request", text, field=field or None)


async def _on_copilot_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CopilotError)
    status = next((s for t, s in _STATUS if isinstance(exc, t)), 500)
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
    codes = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
    code = codes.get(exc.status_code, "http_error")
    response = error_response(exc.status_code, code, str(exc.detail))
    response.headers.update(exc.headers or {})  # e.g. Allow on 405
    return response


async def _on_schema_mismatch(request: Request, exc: Exception) -> JSONResponse:
    return error_response(409, "schema_mismatch", str(exc))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "internal error; see the service log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(CopilotError, _on_copilot_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(SchemaMismatchError, _on_schema_mismatch)
    app.add_exception_handler(RetrievalError, _on_unexpected)
    app.add_exception_handler(SummarizerError, _on_unexpected)
    app.add_exception_handler(Exception, _on_unexpected)
