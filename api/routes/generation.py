"""Grounded generation: call summaries, draft summaries, answers, next-best actions."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from api import errors, presenters
from api.auditing import AuditTrail, UserAuditDep
from api.deps import CallerDep, CopilotDep
from api.errors import ClientClosedRequest
from api.metrics import CLIENT_CLOSED, ENDED_WITH
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
from copilot.generation import AskResult
from copilot.service import search_filters
from retrieval.models import ScoredChunk
from summarizers.models import CallSummary, NextBestAction

__all__ = ["KEEP_ALIVE_S", "router"]

log = logging.getLogger(__name__)

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


def _asked(
    body: AskRequest,
    caller: CallerDep,
    cp: CopilotDep,
    audit: AuditTrail,
    on_retrieved: Callable[[tuple[ScoredChunk, ...]], None] | None = None,
) -> AskResult:
    audit.query = body.question
    return cp.assistant.ask(
        org=caller.org,
        user_id=caller.user_id,
        question=body.question,
        filters=search_filters(kinds=body.kinds, account_id=body.account_id),
        top_k=body.top_k,
        on_retrieved=on_retrieved,
    )


def _answered(result: AskResult, audit: AuditTrail) -> AskResponse:
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
    return _answered(_asked(body, caller, cp, audit), audit)


#: While the engine answers, a comment line goes out this often, so a proxy's idle
#: timeout (nginx's proxy_read_timeout defaults to 60 s) does not cut a stream that an
#: LLM keeps quiet for up to COPILOT_LLM_TIMEOUT_S.
KEEP_ALIVE_S = 10.0


@router.post(
    "/ask/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def ask_stream(
    body: AskRequest, caller: CallerDep, cp: CopilotDep, audit: UserAuditDep, request: Request
) -> StreamingResponse:
    """The same as `/v1/ask`, as server-sent events: `retrieved` as soon as retrieval is
    done, then one `answer` event per cited sentence (`{"text", "citation"}`), then
    `done` with the whole response; a `: keep-alive` comment every 10 s while the engine
    answers. With `COPILOT_AUDIT_WRITE=request`, `retrieved` waits until the answer is
    ready and its audit entry written: only keep-alives precede it. Errors until
    retrieval is done are ordinary JSON errors; a later one (an audit entry that cannot
    be written, in request mode) ends the stream with an `error` event carrying the JSON
    error body it would have had. A client that leaves before `retrieved` ends the
    request there, audited as 499, and no engine is asked for its answer."""
    loop = asyncio.get_running_loop()
    retrieved: asyncio.Future[tuple[ScoredChunk, ...]] = loop.create_future()
    gone = threading.Event()

    def on_retrieved(hits: tuple[ScoredChunk, ...]) -> None:
        loop.call_soon_threadsafe(_resolve, retrieved, hits)
        if gone.is_set():  # raised through Assistant.ask, before its engine is called
            raise ClientClosedRequest("the client left while the records were retrieved")

    asking = asyncio.ensure_future(run_in_threadpool(_asked, body, caller, cp, audit, on_retrieved))
    leaving = asyncio.ensure_future(_client_left(request, gone))
    first: set[asyncio.Future[Any]] = {retrieved, asking, leaving}
    try:
        # No header goes out before the hits are known, so an error until then is an
        # ordinary JSON error response.
        await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        asking.add_done_callback(_collect)
        raise
    finally:
        leaving.cancel()  # from here the streaming response watches the client
    if gone.is_set():
        # The engine (an LLM may take COPILOT_LLM_TIMEOUT_S) was not called yet, or is
        # answering already, which cannot be interrupted: nobody waits for it either way.
        asking.add_done_callback(_collect)
        raise ClientClosedRequest("the client left before the answer started")
    hits = retrieved.result() if retrieved.done() else asking.result().retrieved
    audit.defer()
    stream = _AskStream(request, audit, asking)
    if not audit.written_before_serving:
        audit.returned(h.document_id for h in hits)  # they go out with the 200
    return _EventStream(
        stream.events(hits, audited_first=audit.written_before_serving),
        on_close=stream.close,
        media_type="text/event-stream",
        headers=_SSE_HEADERS,
    )


#: A proxy must pass events on as they come: nginx buffers unless told not to. (Every
#: response already says ``Cache-Control: no-store``.)
_SSE_HEADERS = {"X-Accel-Buffering": "no"}


def _resolve(
    future: asyncio.Future[tuple[ScoredChunk, ...]], hits: tuple[ScoredChunk, ...]
) -> None:
    if not future.done():  # the route may have gone (cancelled) meanwhile
        future.set_result(hits)


async def _client_left(request: Request, gone: threading.Event) -> None:
    """Returns once the client has gone, having set ``gone``.

    The body has been read, so the next message the server sends is ``http.disconnect``
    (when the client closes the connection): this waits for it, and polls nothing.
    """
    while (await request.receive())["type"] != "http.disconnect":
        continue
    gone.set()


def _collect(asking: asyncio.Future[AskResult]) -> None:
    """Takes the outcome of an answer nobody waits for any more (its client left), so
    asyncio does not log it as never retrieved."""
    if asking.cancelled() or isinstance(exc := asking.exception(), ClientClosedRequest | None):
        return  # answered, or stopped before its engine: nothing to report
    log.warning("an answer whose client left failed: %s", type(exc).__name__)


class _AskStream:
    """One streamed answer after retrieval: its events, and its audit entry written once,
    with the status it ended with (200, an error's, or 499 if the client left)."""

    def __init__(self, request: Request, audit: AuditTrail, asking: asyncio.Future[AskResult]):
        self.request = request
        self.audit = audit
        self.asking = asking
        self.settled = False

    async def events(
        self, hits: tuple[ScoredChunk, ...], *, audited_first: bool
    ) -> AsyncGenerator[str, None]:
        """``retrieved``, keep-alives while the engine answers, then the answer.

        Background write mode sends ``retrieved`` at once and the entry is written when
        the stream ends. Request write mode (``audited_first``): a read whose entry cannot
        be written is not served, so no record goes out before the entry is written;
        keep-alives, comments without data, may. The 200 went out with the response's
        start, so a write that fails is an ``error`` event (a JSON error would need the
        answer before the status line: no keep-alive, and a proxy's idle timeout could
        cut a slow LLM's answer)."""
        if not audited_first:
            yield presenters.retrieved_event(hits)
        while not await self._answered_within(KEEP_ALIVE_S):
            yield presenters.SSE_KEEP_ALIVE
        outcome = await self._settled()
        if isinstance(outcome, str):
            yield outcome
            return
        if audited_first:
            yield presenters.retrieved_event(hits)
        for event in presenters.answer_events(outcome):
            yield event

    async def _answered_within(self, timeout_s: float) -> bool:
        return bool((await asyncio.wait({self.asking}, timeout=timeout_s))[0])

    async def _settled(self) -> AskResponse | str:
        """The answer, its entry written (in request write mode) or scheduled as a 200;
        or, for a failure, the ``error`` event ending the stream, its entry written."""
        try:
            response = _answered(self.asking.result(), self.audit)
            await self._settle(200)
        except Exception as exc:  # noqa: BLE001 - answered as its handler answers it
            failure = await errors.handled(self.request, exc)
            self.request.scope[ENDED_WITH] = failure.status_code  # what /metrics counts
            await self._settle(errors.status_of(exc))  # what /v1/ask's trail records
            return presenters.error_event(json.loads(bytes(failure.body)))
        return response

    async def _settle(self, status: int) -> None:
        self.settled = True
        await run_in_threadpool(self.audit.finish, status)

    async def close(self) -> None:
        """After the stream, however it ended: a client that left is audited, and counted
        by /metrics, as 499 (its 200 had gone out, so /metrics counted it as served)."""
        if self.settled:
            return
        self.request.scope[ENDED_WITH] = CLIENT_CLOSED
        if self.asking.done():
            _collect(self.asking)
        else:
            self.asking.add_done_callback(_collect)
        await self._settle(int(CLIENT_CLOSED))


class _EventStream(StreamingResponse):
    """A streaming response that runs ``on_close`` when its stream ends or its client
    leaves (before background tasks, such as a deferred audit write, run). A client that
    leaves is not an error: nothing is logged."""

    def __init__(
        self,
        events: AsyncGenerator[str, None],
        *,
        on_close: Callable[[], Awaitable[None]],
        **kw: Any,
    ) -> None:
        super().__init__(events, **kw)
        self.events = events
        self.on_close = on_close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        background, self.background = self.background, None
        try:
            await super().__call__(scope, receive, send)
        except ClientDisconnect:  # ASGI 2.4 servers raise on sending to a closed client
            pass
        finally:
            with anyio.CancelScope(shield=True):
                await self.events.aclose()
                await self.on_close()
        if background is not None:
            await background()
