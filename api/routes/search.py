"""``POST /v1/search``: hybrid search over what the caller may see, with cursor paging."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.cursors import query_digest
from api.deps import CallerDep, CopilotDep, CursorsDep
from api.schemas import ChunkSpan, Highlight, SearchHit, SearchRequest, SearchResponse
from copilot.errors import InvalidRequest
from retrieval.models import SearchFilters
from retrieval.snippets import make_snippet

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search", response_model=SearchResponse, summary="Search as the caller")
def search(
    body: SearchRequest,
    request: Request,
    caller: CallerDep,
    cp: CopilotDep,
    cursors: CursorsDep,
) -> SearchResponse:
    """Emails, calls and tickets the caller may see, best first.

    Ranking fuses vector similarity and full-text matches. A page holds at most two
    chunks of one document. `next_cursor` continues the same query and filters for the
    same caller; it is rejected for anyone else.
    """
    date_from, date_to = body.date_range()
    if date_from and date_to and date_from > date_to:
        raise InvalidRequest(
            f"date_from {date_from.isoformat()} is after date_to {date_to.isoformat()}",
            field="date_from",
        )
    filters = SearchFilters(
        kinds=tuple(sorted(set(body.kinds or ()))),
        account_id=body.account_id,
        date_from=date_from,
        date_to=date_to,
    )
    digest = query_digest(query=body.query, top_k=body.top_k, filters=filters)
    offset = 0
    if body.cursor is not None:
        offset = cursors.decode(body.cursor, org=caller.org, user_id=caller.user_id, digest=digest)
    depth: int = request.app.state.settings.max_result_depth
    if offset + body.top_k > depth:
        raise InvalidRequest(
            f"cursor pages past the deepest result served ({depth}); refine the query",
            field="cursor",
        )
    page = cp.search_page(
        org=caller.org,
        user_id=caller.user_id,
        query=body.query,
        page_size=body.top_k,
        offset=offset,
        filters=filters,
    )
    next_offset = offset + len(page.hits)
    next_cursor = None
    if page.has_more and next_offset + body.top_k <= depth:
        next_cursor = cursors.encode(
            org=caller.org, user_id=caller.user_id, digest=digest, offset=next_offset
        )
    results = []
    for hit in page.hits:
        snippet = make_snippet(hit.text, body.query, offset=hit.char_start)
        results.append(
            SearchHit(
                document_id=hit.document_id,
                kind=hit.kind,  # type: ignore[arg-type]
                title=hit.title,
                snippet=snippet.html,
                snippet_text=snippet.text,
                highlights=[Highlight(start=s, end=e) for s, e in snippet.marks],
                score=round(hit.score, 6),
                occurred_at=hit.occurred_at,
                account_id=hit.account_id,
                chunk=ChunkSpan(start=hit.char_start, end=hit.char_end),
            )
        )
    return SearchResponse(results=results, next_cursor=next_cursor)
