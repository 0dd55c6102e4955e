"""Typed dependencies: the service, and who is calling (from the bearer token only)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.cursors import CursorCodec
from copilot.auth import AuthError, Caller, IngestCaller, TokenService
from copilot.service import Copilot
from copilot.settings import Settings

__all__ = ["CallerDep", "CopilotDep", "CursorsDep", "IngesterDep", "MetricsReaderDep"]

_bearer = HTTPBearer(auto_error=False, description="A user JWT, or an ingest credential.")


def _copilot(request: Request) -> Copilot:
    cp: Copilot = request.app.state.copilot
    return cp


def _tokens(request: Request) -> TokenService:
    tokens: TokenService = request.app.state.tokens
    return tokens


def _cursors(request: Request) -> CursorCodec:
    codec: CursorCodec = request.app.state.cursors
    return codec


def _token(credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is None or not credentials.credentials:
        raise AuthError("missing bearer token (Authorization: Bearer <token>)")
    return credentials.credentials


def _caller(
    tokens: Annotated[TokenService, Depends(_tokens)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    # Whether the user exists is checked inside the request's transaction, when its
    # principals are read (UnknownUser -> 401).
    return tokens.user(_token(credentials))


def _ingester(
    tokens: Annotated[TokenService, Depends(_tokens)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> IngestCaller:
    return tokens.ingester(_token(credentials))


def _metrics_reader(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    # Open unless COPILOT_METRICS_TOKEN is set; then only that exact token reads metrics.
    settings: Settings = request.app.state.settings
    if settings.metrics_token is None:
        return
    expected = settings.metrics_token.get_secret_value().encode()
    if not hmac.compare_digest(_token(credentials).encode(), expected):
        raise AuthError("/metrics needs the metrics token (COPILOT_METRICS_TOKEN)")


CopilotDep = Annotated[Copilot, Depends(_copilot)]
CursorsDep = Annotated[CursorCodec, Depends(_cursors)]
CallerDep = Annotated[Caller, Depends(_caller)]
IngesterDep = Annotated[IngestCaller, Depends(_ingester)]
MetricsReaderDep = Annotated[None, Depends(_metrics_reader)]


def reject_unknown_query(request: Request) -> None:
    """Refuse query parameters the route does not take (``?limt=5`` is a typo, not a
    no-op), naming the first one; the routes' published schemas allow no others.

    Raises:
        RequestValidationError: An unknown parameter (422 ``invalid_request``).
    """
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or not getattr(route, "include_in_schema", False):
        return
    known = _query_names(dependant)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", name),
                    "msg": f"unknown query parameter {name!r}",
                    "type": "extra_forbidden",
                    "input": request.query_params.get(name),
                }
                for name in unknown
            ]
        )


def _query_names(dependant: Any) -> set[str]:
    """The query parameter names a route's dependency tree reads."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
