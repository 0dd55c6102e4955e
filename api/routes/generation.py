"""Grounded generation: call summaries, draft summaries, answers, next-best actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api import presenters
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
from summarizers.models import CallSummary

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["copilot"])

RecordId = Annotated[str, Path(min_length=1, max_length=MAX_ID_CHARS, pattern=NO_NUL_PATTERN)]
_404: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Missing or not visible."}
}


@router.post("/calls/{call_id}/summary", response_model=CallSummary, responses=_404)
def summarize_call(call_id: RecordId, caller: CallerDep, cp: CopilotDep) -> CallSummary:
    """Summary, key points, action items, next steps, sentiment, objections, competitors
    and risks of a call the caller may see; every item cites its source span."""
    return cp.assistant.summarize_call(org=caller.org, user_id=caller.user_id, document_id=call_id)


@router.post("/summaries", response_model=CallSummary)
def summarize_draft(body: DraftSummaryRequest, caller: CallerDep, cp: CopilotDep) -> CallSummary:
    """Summarize text sent in the request (e.g. draft notes). The text is not stored;
    citations use document_id "draft" and offsets into `text`."""
    cp.check_user(org=caller.org, user_id=caller.user_id)
    return cp.assistant.summarize_text(text=body.text, kind=body.kind)


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
    account_id: RecordId, caller: CallerDep, cp: CopilotDep, limit: Limit = 5, as_of: AsOf = None
) -> ActionsResponse:
    """Ranked next steps for an account, from the caller's visible records only."""
    now = _as_of(as_of)
    actions = cp.assistant.next_best_actions(
        org=caller.org, user_id=caller.user_id, account_id=account_id, limit=limit, now=now
    )
    return presenters.actions_response(account_id, as_of=now, actions=actions)


@router.get("/deals/{deal_id}/next-best-actions", response_model=ActionsResponse, responses=_404)
def deal_actions(
    deal_id: RecordId, caller: CallerDep, cp: CopilotDep, limit: Limit = 5, as_of: AsOf = None
) -> ActionsResponse:
    """Ranked next steps for a deal, from the caller's visible records only."""
    now = _as_of(as_of)
    actions = cp.assistant.next_best_actions(
        org=caller.org, user_id=caller.user_id, deal_id=deal_id, limit=limit, now=now
    )
    return presenters.actions_response(deal_id, as_of=now, actions=actions)


def _ask(body: AskRequest, caller: CallerDep, cp: CopilotDep) -> AskResponse:
    result = cp.assistant.ask(
        org=caller.org,
        user_id=caller.user_id,
        question=body.question,
        filters=search_filters(kinds=body.kinds, account_id=body.account_id),
        top_k=body.top_k,
    )
    return presenters.ask_response(result.answer, result.retrieved)


@router.post("/ask", response_model=AskResponse)
def ask(body: AskRequest, caller: CallerDep, cp: CopilotDep) -> AskResponse:
    """Answer a question from the records the caller may see, with citations; declines
    ("answered": false) when the evidence is weak."""
    return _ask(body, caller, cp)


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def ask_stream(body: AskRequest, caller: CallerDep, cp: CopilotDep) -> StreamingResponse:
    """The same as `/v1/ask`, as server-sent events: `retrieved`, then one `answer` event
    per cited sentence (`{"text", "citation"}`), then `done` with the whole response.
    Errors before the stream starts are ordinary JSON errors."""
    response = await run_in_threadpool(_ask, body, caller, cp)
    return StreamingResponse(presenters.ask_events(response), media_type="text/event-stream")
