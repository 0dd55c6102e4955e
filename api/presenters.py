"""Domain results as HTTP response models: the one place a result becomes JSON.

Routes parse a request, call the service, and hand what it returns to a function
here. Nothing in this module reads the database or makes a decision about access.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from api.schemas import (
    ActionsResponse,
    AskResponse,
    ChunkSpan,
    DocumentResponse,
    Highlight,
    IngestRecordResult,
    IngestResponse,
    RetrievedPassage,
    SearchHit,
    SearchResponse,
)
from copilot.ingest import IngestReport
from copilot.service import PageHit, SearchPage
from retrieval.models import ScoredChunk, StoredDocument
from summarizers.models import Answer, NextBestAction

__all__ = [
    "actions_response",
    "SSE_KEEP_ALIVE",
    "answer_events",
    "ask_response",
    "chunk_span",
    "document_response",
    "error_event",
    "ingest_response",
    "retrieved_event",
    "retrieved_passage",
    "search_hit",
    "search_response",
    "sse_event",
]


def chunk_span(hit: ScoredChunk) -> ChunkSpan:
    """Where the hit's chunk sits in its document's content."""
    return ChunkSpan(start=hit.char_start, end=hit.char_end)


def search_hit(hit: PageHit) -> SearchHit:
    chunk, snippet = hit.chunk, hit.snippet
    return SearchHit(
        document_id=chunk.document_id,
        kind=chunk.kind,  # type: ignore[arg-type]
        title=chunk.title,
        snippet=snippet.html,
        snippet_text=snippet.text,
        highlights=[Highlight(start=s, end=e) for s, e in snippet.marks],
        score=round(chunk.score, 6),
        occurred_at=chunk.occurred_at,
        account_id=chunk.account_id,
        chunk=chunk_span(chunk),
    )


def search_response(page: SearchPage, *, next_cursor: str | None) -> SearchResponse:
    return SearchResponse(results=[search_hit(h) for h in page.hits], next_cursor=next_cursor)


def retrieved_passage(hit: ScoredChunk) -> RetrievedPassage:
    return RetrievedPassage(
        document_id=hit.document_id,
        kind=hit.kind,  # type: ignore[arg-type]
        title=hit.title,
        score=round(hit.score, 6),
        occurred_at=hit.occurred_at,
        chunk=chunk_span(hit),
    )


def ask_response(answer: Answer, retrieved: Sequence[ScoredChunk]) -> AskResponse:
    return AskResponse(
        answer=answer.answer,
        answered=answer.answered,
        citations=answer.citations,
        engine=answer.engine,
        retrieved=[retrieved_passage(h) for h in retrieved],
        confidence=answer.confidence,
        see_also=answer.see_also,
        facts=answer.facts,
    )


#: A server-sent-events comment: clients ignore it, and a proxy sees the stream alive.
SSE_KEEP_ALIVE = ": keep-alive\n\n"


def sse_event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, default=str)}\n\n"


def retrieved_event(retrieved: Sequence[ScoredChunk]) -> str:
    """The ``retrieved`` event: the passages, as ``done`` lists them in ``retrieved``."""
    return sse_event("retrieved", [retrieved_passage(h).model_dump(mode="json") for h in retrieved])


def answer_events(response: AskResponse) -> Iterator[str]:
    """What follows ``retrieved``: an ``answer`` event per citation, then ``done``."""
    if response.citations:
        for citation in response.citations:
            yield sse_event("answer", {"text": citation.quote, "citation": citation.model_dump()})
    else:
        yield sse_event("answer", {"text": response.answer, "citation": None})
    yield sse_event("done", response.model_dump(mode="json"))


def error_event(body: object) -> str:
    """The ``error`` event that ends a stream, with the JSON error body of its status."""
    return sse_event("error", body)


def actions_response(
    subject: str, *, as_of: datetime, actions: Sequence[NextBestAction]
) -> ActionsResponse:
    return ActionsResponse(subject=subject, as_of=as_of, actions=list(actions))


def document_response(doc: StoredDocument) -> DocumentResponse:
    return DocumentResponse(
        id=doc.id,
        kind=doc.kind,  # type: ignore[arg-type]
        title=doc.title,
        content=doc.content,
        account_id=doc.account_id,
        contact_id=doc.contact_id,
        deal_id=doc.deal_id,
        owner_id=doc.owner_id,
        visibility=doc.visibility,  # type: ignore[arg-type]
        occurred_at=doc.occurred_at,
        fields=doc.fields,
        attributes=doc.attributes,
    )


def _ingest_results(report: IngestReport) -> list[IngestRecordResult]:
    out = [
        IngestRecordResult(
            line=o["line"], status=o["status"], type=o["type"], id=o["id"], org=o["org"]
        )
        for o in report.outcomes
    ]
    out += [
        IngestRecordResult(
            line=e.line, status="rejected", type=e.type, id=e.id, org=e.org, error=e.message
        )
        for e in report.errors
    ]
    return sorted(out, key=lambda r: r.line)


def ingest_response(report: IngestReport) -> IngestResponse:
    return IngestResponse(
        written=report.written,
        records=report.records,
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        deleted=report.deleted,
        superseded=report.superseded,
        rejected=len(report.errors),
        chunks=report.chunks,
        embedded=report.embedded,
        seconds=round(report.seconds, 3),
        results=_ingest_results(report),
    )
