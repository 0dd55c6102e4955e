"""``POST /v1/search``: hybrid search over what the caller may see, with cursor paging."""

from __future__ import annotations

from fastapi import APIRouter

from api import presenters
from api.auditing import UserAuditDep
from api.deps import CallerDep, CopilotDep, CursorsDep
from api.schemas import SearchRequest, SearchResponse
from copilot.service import search_filters

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search", response_model=SearchResponse, summary="Search as the caller")
def search(
    body: SearchRequest,
    caller: CallerDep,
    cp: CopilotDep,
    cursors: CursorsDep,
    audit: UserAuditDep,
) -> SearchResponse:
    """Emails, calls and tickets the caller may see, best first.

    Ranking fuses vector similarity and full-text matches. A page holds at most two
    chunks of one document. `next_cursor` continues the same query and filters for the
    same caller; it is rejected for anyone else.
    """
    audit.query = body.query
    date_from, date_to = body.date_range()
    filters = search_filters(
        kinds=body.kinds, account_id=body.account_id, date_from=date_from, date_to=date_to
    )
    pages = cursors.for_query(
        org=caller.org, user_id=caller.user_id, query=body.query, top_k=body.top_k, filters=filters
    )
    page = cp.search_page(
        org=caller.org,
        user_id=caller.user_id,
        query=body.query,
        page_size=body.top_k,
        offset=pages.offset(body.cursor),
        filters=filters,
    )
    audit.returned(h.chunk.document_id for h in page.hits)
    audit.engine = page.strategy
    return presenters.search_response(page, next_cursor=pages.after(page.next_offset))
