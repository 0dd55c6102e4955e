"""``POST /v1/privacy/erase``: remove a person's records (ingest credential)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.auditing import audit_log, request_id
from api.deps import CopilotDep, IngesterDep
from api.schemas import ErasureRequest, ErasureResponse, ErrorResponse
from copilot.errors import InvalidRequest
from copilot.privacy import Privacy

__all__ = ["router"]

router = APIRouter(prefix="/v1/privacy", tags=["privacy"])


@router.post(
    "/erase",
    response_model=ErasureResponse,
    responses={403: {"model": ErrorResponse, "description": "Not an ingest credential."}},
)
def erase(
    body: ErasureRequest, request: Request, ingester: IngesterDep, cp: CopilotDep
) -> ErasureResponse:
    """Erase a person: their contact and every email, call and ticket they sent, received,
    took part in or that names their address or full name, with chunks and cached
    summaries. One transaction; running it again removes nothing. Audited with the ids
    removed, never the address."""
    if ingester.org is not None and body.org != ingester.org:
        raise InvalidRequest(f"org {body.org!r} is not this credential's org", field="org")
    report = Privacy(cp.db, audit_log(request)).erase(
        org=body.org,
        email=body.email,
        contact_id=body.contact_id,
        actor=f"ingest:{ingester.subject}",
        request_id=request_id(request),
        endpoint="POST /v1/privacy/erase",
    )
    return ErasureResponse(
        org=report.org,
        status="erased" if report.removed else "nothing_to_erase",
        contacts=list(report.contacts),
        documents=list(report.documents),
    )
