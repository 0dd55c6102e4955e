"""``POST /v1/ingest``: canonical records as JSON Lines or a JSON array."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from api import presenters
from api.auditing import IngestAuditDep
from api.deps import CopilotDep, IngesterDep
from api.errors import error_response
from api.schemas import ErrorResponse, IngestResponse
from copilot.ingest import read_request_body

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["ingest"])

SOURCE = "request"

_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-ndjson": {
                "schema": {"type": "string"},
                "example": '{"type": "team", "org": "acme", "id": "t-east", "name": "East"}\n',
            },
            "application/json": {
                "schema": {"type": "array", "items": {"type": "object"}},
            },
        },
    }
}


@router.post(
    "/ingest",
    response_model=IngestResponse,
    openapi_extra=_BODY_DOC,
    responses={422: {"model": ErrorResponse, "description": "Nothing was written."}},
)
async def ingest(
    request: Request,
    ingester: IngesterDep,
    cp: CopilotDep,
    audit: IngestAuditDep,
    strict: Annotated[bool, Query(description="Write nothing if any record is invalid.")] = False,
) -> Any:
    """Index canonical records (ingest credential required).

    Each record is validated before anything is written. Invalid records are rejected
    with their line and nothing of them is written; valid ones are indexed
    (idempotently: unchanged records cost nothing). With `strict=true`, one invalid
    record means nothing is written and the answer is 422.
    """
    # Decoding is CPU work: off the event loop, so a large or odd body delays no other request.
    items = await run_in_threadpool(
        read_request_body,
        await request.body(),
        request.headers.get("content-type", ""),
        source=SOURCE,
        max_records=cp.settings.max_ingest_records,
    )
    report = await run_in_threadpool(cp.ingest, items, only_org=ingester.org, strict=strict)
    for o in report.outcomes:
        if o["status"] not in ("unchanged", "superseded"):
            audit.wrote(o["org"], [o["id"]])
    response = presenters.ingest_response(report)
    if not report.written or (report.errors and len(report.errors) == report.records):
        first = report.errors[0]
        audit.status = 422
        return error_response(
            422,
            "invalid_input",
            f"nothing written: {len(report.errors)} invalid record(s); first at line "
            f"{first.line}: {first.message}",
            field=f"line {first.line}",
            report={**response.model_dump(mode="json"), "written": False},
        )
    return response
