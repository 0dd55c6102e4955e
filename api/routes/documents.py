"""``GET /v1/documents/{id}`` for users; ``DELETE`` for ingestion clients."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.convertors import Convertor, register_url_convertor

from api import presenters
from api.auditing import IngestAuditDep, UserAuditDep
from api.deps import CallerDep, CopilotDep, IngesterDep
from api.schemas import (
    MAX_ID_CHARS,
    NO_NUL_PATTERN,
    DeleteResponse,
    DocumentResponse,
    ErrorResponse,
)
from copilot.errors import InvalidRequest

__all__ = ["router"]

router = APIRouter(prefix="/v1/documents", tags=["documents"])


class _IdConvertor(Convertor[str]):
    """Like Starlette's ``path`` (ids may contain "/"), but never empty."""

    regex = ".+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("record_id", _IdConvertor())

# CRM ids may contain "/" (e.g. "fw/123", sent as fw%2F123); they still route here.
DocumentId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS, pattern=NO_NUL_PATTERN)]


@router.get(
    "/{document_id:record_id}",
    response_model=DocumentResponse,
    responses={404: {"model": ErrorResponse, "description": "Missing or not visible."}},
)
def get_document(
    document_id: DocumentId, caller: CallerDep, cp: CopilotDep, audit: UserAuditDep
) -> DocumentResponse:
    """One email, call or ticket, if the caller may see it.

    A document that exists but is not visible answers exactly like a missing one.
    """
    audit.returned([document_id])
    doc = cp.get_document(org=caller.org, user_id=caller.user_id, document_id=document_id)
    return presenters.document_response(doc)


@router.delete(
    "/{document_id:record_id}",
    response_model=DeleteResponse,
    responses={404: {"model": ErrorResponse}},
)
def delete_document(
    document_id: DocumentId,
    ingester: IngesterDep,
    cp: CopilotDep,
    audit: IngestAuditDep,
    org: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_ID_CHARS,
            pattern=NO_NUL_PATTERN,
            description="Tenant; required with the static ingest token, "
            "implied by an ingest JWT's `org`.",
        ),
    ] = None,
) -> DeleteResponse:
    """Remove a document and its chunks (ingest credential required)."""
    if ingester.org is not None and org not in (None, ingester.org):
        raise InvalidRequest(f"org {org!r} is not this credential's org", field="org")
    tenant = ingester.org or org
    if tenant is None:
        raise InvalidRequest("org is required with the static ingest token", field="org")
    audit.org = tenant
    audit.returned([document_id])
    cp.delete_document(org=tenant, document_id=document_id)
    return DeleteResponse(id=document_id, org=tenant, status="deleted")
