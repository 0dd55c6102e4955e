"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from api.deps import CopilotDep, MetricsReaderDep

__all__ = ["router"]

router = APIRouter(tags=["operations"])


# HEAD too (same status, no body): load balancers and uptime checkers often probe with
# it. Left out of the OpenAPI document, where it would repeat GET's operation.
@router.get("/healthz")
@router.head("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """The process is up (no dependencies checked)."""
    return {"status": "ok"}


@router.get("/readyz")
@router.head("/readyz", include_in_schema=False)
def readyz(cp: CopilotDep) -> dict[str, Any]:
    """Database reachable from both pools, migrations applied, model loaded (else 503)."""
    return {"status": "ready", **cp.check_ready()}


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, cp: CopilotDep, _reader: MetricsReaderDep) -> Response:
    """Request counts and latencies by route, and index size, in Prometheus format.
    Needs `Authorization: Bearer <COPILOT_METRICS_TOKEN>` when that is set."""
    size = await run_in_threadpool(cp.index_size)
    body = request.app.state.metrics.render(size)
    return Response(content=body, media_type=CONTENT_TYPE_LATEST)
