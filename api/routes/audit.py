"""``GET /v1/audit``: an org's audit trail, for its admins."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BeforeValidator

from api.auditing import UserAuditDep, audit_log
from api.deps import CallerDep, CursorsDep
from api.schemas import MAX_ID_CHARS, NO_NUL_PATTERN, AuditResponse, ErrorResponse
from copilot.audit import record_json
from copilot.errors import InvalidRequest

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["audit"])

_NUMBER = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")


def _iso_8601(value: Any) -> Any:
    """An instant as ISO 8601 text; a bare number (which pydantic would read as a Unix
    time) is refused, so the parameter means what its schema says."""
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        raise ValueError("must be an ISO 8601 date-time such as 2026-11-01T00:00:00Z")
    return value


Since = Annotated[
    datetime | None,
    BeforeValidator(_iso_8601),
    Query(description="Entries at or after this instant (ISO 8601; no zone means UTC)."),
]
Until = Annotated[
    datetime | None,
    BeforeValidator(_iso_8601),
    Query(description="Entries before this instant (ISO 8601)."),
]


def _utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@router.get(
    "/audit",
    response_model=AuditResponse,
    responses={403: {"model": ErrorResponse, "description": "The caller is not an admin."}},
)
def read_audit(
    request: Request,
    caller: CallerDep,
    cursors: CursorsDep,
    audit: UserAuditDep,
    user: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_ID_CHARS,
            pattern=NO_NUL_PATTERN,
            description="Only entries of this user id.",
        ),
    ] = None,
    since: Since = None,
    until: Until = None,
    cursor: Annotated[
        str | None, Query(max_length=2048, pattern=NO_NUL_PATTERN, description="`next_cursor`.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Entries per page.")] = 100,
) -> AuditResponse:
    """The caller's org's audit entries in chain order (admins only; 403 otherwise).

    Reading the trail is itself audited.
    """
    since, until = _utc(since), _utc(until)
    if since and until and since > until:
        raise InvalidRequest(
            f"since {since.isoformat()} is after until {until.isoformat()}", field="since"
        )
    pages = cursors.for_query(
        org=caller.org, user_id=caller.user_id, user=user, since=since, until=until, limit=limit
    )
    page = audit_log(request).page(
        org=caller.org,
        admin_id=caller.user_id,
        user=user,
        since=since,
        until=until,
        after_seq=pages.offset(cursor),
        limit=limit,
    )
    return AuditResponse.model_validate(
        {
            "entries": [record_json(r) for r in page.entries],
            "next_cursor": pages.after(page.next_after),
        }
    )
