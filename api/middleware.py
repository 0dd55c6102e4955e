"""Per-request plumbing as plain ASGI middleware: request ids, response headers, rate limits.

- ``X-Request-ID``: taken from the client when well-formed (1-128 of ``[A-Za-z0-9._-]``),
  else generated; echoed on every response, kept in ``request.state.request_id`` and in
  :data:`copilot.logs.request_id_var`, so every log line of the request carries it.
- ``Cache-Control: no-store`` (responses carry CRM content and per-caller results) and
  ``X-Content-Type-Options: nosniff`` on every response.
- Rate limits per caller with the ``limits`` library: a verified token's subject, or the
  client's address when there is none; 429 ``rate_limited`` with ``Retry-After``.
"""

from __future__ import annotations

import logging
import math
import re
import time
import uuid
from collections.abc import Callable

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import error_response
from copilot.logs import request_id_var

__all__ = ["RateLimit", "RequestContext", "parse_rate_limit"]

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff"}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


def request_id_of(scope: Scope) -> str:
    """The client's ``X-Request-ID`` if well-formed, else a new random one."""
    given = _header(scope, b"x-request-id")
    if given is not None and _REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


class RequestContext:
    """Assigns the request id and adds the fixed response headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                for name, value in _HEADERS.items():
                    headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log.debug(
                "%s %s -> %s in %.1f ms",
                scope.get("method"),
                scope.get("path"),
                status,
                (time.perf_counter() - started) * 1000,
            )
            request_id_var.reset(token)


def parse_rate_limit(text: str) -> list[RateLimitItem]:
    """``"20/second;600/minute"`` → limits; empty or ``off`` → none.

    Raises:
        ValueError: Not in the ``limits`` notation.

    Example:
        >>> [str(i) for i in parse_rate_limit("20/second;600/minute")]
        ['20 per 1 second', '600 per 1 minute']
    """
    if text.strip().lower() in ("", "off", "none"):
        return []
    return list(parse_many(text))


class RateLimit:
    """Refuses a caller's requests over its limits with 429 and ``Retry-After``.

    Args:
        limits: What each caller may do (all must hold).
        caller_of: The caller key of a bearer token, or None if it does not verify
            (then the client address is the key, as for unauthenticated routes).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: list[RateLimitItem],
        caller_of: Callable[[str], str | None],
    ) -> None:
        self.app = app
        self.limits = limits
        self.caller_of = caller_of
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def _key(self, scope: Scope) -> str:
        auth = _header(scope, b"authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            caller = self.caller_of(token.strip())
            if caller is not None:
                return caller
        client = scope.get("client")
        return f"ip:{client[0] if client else 'unknown'}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.limits:
            await self.app(scope, receive, send)
            return
        key = self._key(scope)
        for item in self.limits:
            if not self.limiter.hit(item, key):
                reset_at = self.limiter.get_window_stats(item, key).reset_time
                retry_after_s = max(1, math.ceil(reset_at - time.time()))
                response = error_response(
                    429,
                    "rate_limited",
                    f"too many requests: the limit is {item}; retry after {retry_after_s} s",
                )
                response.headers["Retry-After"] = str(retry_after_s)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
