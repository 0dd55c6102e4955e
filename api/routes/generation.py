"""Grounded generation: call summaries, draft summaries, answers, next-best actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import presenters
from api.auditing import AuditTrail, UserAuditDep
from api.deps import CallerDep, CopilotDep
from api.schemas import (
    MAX_ID_CHARS,
    NO_NUL_PATTERN,
    ActionsResponse,
    AskRequest,
    AskResponse,
    AsOfDay,
    DraftSummaryRequest,
    ErrorResponse,
)
from copilot.service import search_filters
from summarizers.models import CallSummary, NextBestAction

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["copilot"])

RecordId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS, pattern=NO_NUL_PATTERN)]
_404: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Missing or not visible."}
}


@router.post("/calls/{call_id}/summary", response_model=CallSummary, responses=_404)
def summarize_call(
    call_id: RecordId, caller: CallerDep, cp: CopilotDep, audit: UserAuditDep
) -> CallSummary:
    """Summary, key points, action items, next steps, sentiment, objections, competitors
    and risks of a call the caller may see; every item cites its source span."""
    audit.returned([call_id])
    summary = cp.assistant.summarize_call(
        org=caller.org, user_id=caller.user_id, document_id=call_id
    )
    audit.engine = summary.engine
    return summary


@router.post("/summaries", response_model=CallSummary)
def summarize_draft(
    body: DraftSummaryRequest, caller: CallerDep, cp: CopilotDep, audit: UserAuditDep
) -> CallSummary:
    """Summarize text sent in the request (e.g. draft notes). The text is not stored;
    citations use document_id "draft" and offsets into `text`."""
    cp.check_user(org=caller.org, user_id=caller.user_id)
    summary = cp.assistant.summarize_text(text=body.text, kind=body.kind)
    audit.engine = summary.engine
    return summary


def _as_of(value: date | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    return datetime.combine(value, time.max, tzinfo=UTC)


AsOf = Annotated[
    AsOfDay,
    Query(
        description="Evaluate signals as of the end of this day (default: now); "
        "a day from 1000-01-01 to 9998-12-31."
    ),
]
Limit = Annotated[int, Query(ge=1, le=20, description="At most this many actions.")]


@router.get(
    "/accounts/{account_id}/next-best-actions", response_model=ActionsResponse, responses=_404
)
def account_actions(
    account_id: RecordId,
    caller: CallerDep,
    cp: CopilotDep,
    audit: UserAuditDep,
    limit: Limit = 5,
    as_of: AsOf = None,
) -> ActionsResponse:
    """Ranked next steps for an account, from the caller's visible records only."""
    now = _as_of(as_of)
    audit.returned([account_id])
    actions = cp.assistant.next_best_actions(
        org=caller.org, user_id=caller.user_id, account_id=account_id, limit=limit, now=now
    )
    _actions_read(audit, actions)
    return presenters.actions_response(account_id, as_of=now, actions=actions)


@router.get("/deals/{deal_id}/next-best-actions", response_model=ActionsResponse, responses=_404)
def deal_actions(
    deal_id: RecordId,
    caller: CallerDep,
    cp: CopilotDep,
    audit: UserAuditDep,
    limit: Limit = 5,
    as_of: AsOf = None,
) -> ActionsResponse:
    """Ranked next steps for a deal, from the caller's visible records only."""
    now = _as_of(as_of)
    audit.returned([deal_id])
    actions = cp.assistant.next_best_actions(
        org=caller.org, user_id=caller.user_id, deal_id=deal_id, limit=limit, now=now
    )
    _actions_read(audit, actions)
    return presenters.actions_response(deal_id, as_of=now, actions=actions)


def _actions_read(audit: AuditTrail, actions: list[NextBestAction]) -> None:
    audit.returned(e.document_id for a in actions for e in a.evidence)


def _ask(body: AskRequest, caller: CallerDep, cp: CopilotDep, audit: AuditTrail) -> AskResponse:
    audit.query = body.question
    result = cp.assistant.ask(
        org=caller.org,
        user_id=caller.user_id,
        question=body.question,
        filters=search_filters(kinds=body.kinds, account_id=body.account_id),
        top_k=body.top_k,
    )
    answer = result.answer
    audit.engine = answer.engine
    audit.returned(h.document_id for h in result.retrieved)
    audit.returned(c.document_id for c in answer.citations)
    audit.returned(f.document_id for f in answer.facts)
    audit.returned(s.document_id for s in answer.see_also)
    return presenters.ask_response(answer, result.retrieved)


@router.post("/ask", response_model=AskResponse)
def ask(body: AskRequest, caller: CallerDep, cp: CopilotDep, audit: UserAuditDep) -> AskResponse:
    """Answer a question from the records the caller may see, with citations; declines
    ("answered": false) when the evidence is weak."""
    return _ask(body, caller, cp, audit)


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def ask_stream(
    body: AskRequest, caller: CallerDep, cp: CopilotDep, audit: UserAuditDep
) -> StreamingResponse:
    """The same as `/v1/ask`, as server-sent events: `retrieved`, then one `answer` event
    per cited sentence (`{"text", "citation"}`), then `done` with the whole response.
    Errors before the stream starts are ordinary JSON errors."""
    response = await run_in_threadpool(_ask, body, caller, cp, audit)
    return StreamingResponse(
        presenters.ask_events(response), media_type="text/event-stream", headers=_SSE_HEADERS
    )


#: A proxy must pass events on as they come: nginx buffers unless told not to. (Every
#: response already says ``Cache-Control: no-store``.)
_SSE_HEADERS = {"X-Accel-Buffering": "no"}
