"""Prometheus metrics and the request-size guard, as plain ASGI middleware."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.exceptions import HTTPException

__all__ = [
    "AUDIT_ENTRIES",
    "CLIENT_CLOSED",
    "ENDED_WITH",
    "KNOWN_METHODS",
    "BodySizeLimit",
    "Metrics",
    "RequestMetrics",
]

Scope = dict[str, Any]
_CONVERTER = re.compile(r":\w+}")
#: Label values are a fixed set, so nobody can grow the series without bound: any other
#: method name (anyone can send "FOO") is "other", and a path no route matched is
#: "unmatched" (2,000 made-up methods took /metrics from 186 KB to 3.56 MB).
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
UNMATCHED_ROUTE = "unmatched"
ASGIApp = Callable[..., Any]
#: What an audit entry that could not be written was of (the ``entry`` label of
#: ``copilot_audit_write_failures_total``).
AUDIT_ENTRIES = ("served", "withheld", "failed")


class Metrics:
    """One app's metrics, in its own registry (so several apps in one process never clash).

    Index size is reported as totals only: per-tenant counts on an unauthenticated
    endpoint would tell one tenant about another.
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "copilot_http_requests",
            "HTTP requests by route template, method and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "copilot_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ["method", "route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.documents = Gauge(
            "copilot_index_documents", "Indexed documents (all tenants).", registry=self.registry
        )
        self.chunks = Gauge(
            "copilot_index_chunks", "Indexed chunks (all tenants).", registry=self.registry
        )
        self.bytes = Gauge(
            "copilot_index_bytes",
            "On-disk size of index relations.",
            ["relation"],
            registry=self.registry,
        )
        self.audit_write_failures = Counter(
            "copilot_audit_write_failures",
            "Audit writes that failed, by the entry: served (background write mode: its "
            "answer had gone out), withheld (request write mode: the client got the error "
            "instead of the answer), failed (of a request that had failed).",
            ["entry"],
            registry=self.registry,
        )
        for entry in AUDIT_ENTRIES:  # every series is there to alert on, at 0
            self.audit_write_failures.labels(entry)

    def render(self, index_size: dict[str, Any]) -> bytes:
        self.documents.set(sum(index_size["documents"].values()))
        self.chunks.set(sum(index_size["chunks"].values()))
        for relation, size in index_size["bytes"].items():
            self.bytes.labels(relation=relation).set(size)
        return generate_latest(self.registry)


#: The status a request is counted under when its client went away before any response
#: started (a dropped upload, a closed tab): nginx's "client closed request". The app
#: still answers such a request (FastAPI reads a cut-off body as 400), but nobody got
#: that answer, and counting it as 400 would fire a client-error alert on network drops.
CLIENT_CLOSED = "499"

#: Where a streamed response whose 200 has gone out puts the status it ended with (an
#: ``error`` event's, or :data:`CLIENT_CLOSED` when its client left), so the request is
#: counted as one not streamed would be, and as its audit entry records it.
ENDED_WITH = "copilot.ended_with"


class RequestMetrics:
    """Counts and times every request under its route template (not its raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500, "responded": False, "gone": False}

        async def receive_wrapper() -> dict[str, Any]:
            message: dict[str, Any] = await receive()
            if message["type"] == "http.disconnect" and not status["responded"]:
                status["gone"] = True
            return message

        async def send_wrapper(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["responded"] = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        finally:
            route = scope.get("route")
            # "/v1/documents/{document_id:path}" -> "/v1/documents/{document_id}"
            template = _CONVERTER.sub("}", getattr(route, "path", None) or UNMATCHED_ROUTE)
            method = scope.get("method", "")
            method = method if method in KNOWN_METHODS else OTHER_METHOD
            code = CLIENT_CLOSED if status["gone"] else str(scope.get(ENDED_WITH, status["code"]))
            self.metrics.requests.labels(method, template, code).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


class BodySizeLimit:
    """Refuses request bodies over a limit with 413, before the app reads them.

    ``limit_for(path)`` gives the limit; a declared ``Content-Length`` is checked up front
    and a streamed body is counted as it arrives.
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        seen = {"bytes": 0}

        async def limited_receive() -> dict[str, Any]:
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request":
                seen["bytes"] += len(message.get("body", b""))
                if seen["bytes"] > limit:
                    # An HTTPException passes through FastAPI's body reader to the
                    # app's error handler, which answers 413 in the usual error format.
                    raise HTTPException(413, f"request body is larger than the {limit}-byte limit")
            return message

        await self.app(scope, limited_receive, send)


async def _too_large(send: Any, limit: int) -> None:
    body = json.dumps(
        {
            "error": {
                "code": "payload_too_large",
                "message": f"request body is larger than the {limit}-byte limit",
            }
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
