"""Request-level search logic of ``copilot.service``: filters and pages (no database)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest

from copilot.errors import InvalidRequest
from copilot.service import Copilot, search_filters
from copilot.settings import Settings
from retrieval.models import ScoredChunk, SearchFilters
from retrieval.search import SearchResult

AT = datetime(2026, 3, 1, tzinfo=UTC)


def test_search_filters_sort_and_dedupe_kinds() -> None:
    filters = search_filters(kinds=["ticket", "email", "ticket"], account_id="a1")
    assert filters == SearchFilters(kinds=("email", "ticket"), account_id="a1")
    assert search_filters() == SearchFilters()


def test_search_filters_refuse_a_reversed_date_range() -> None:
    later = AT.replace(day=2)
    with pytest.raises(InvalidRequest, match="date_from 2026-03-02T00:00:00") as err:
        search_filters(date_from=later, date_to=AT)
    assert err.value.field == "date_from"
    assert search_filters(date_from=AT, date_to=AT).date_from == AT


def _hit(n: int) -> ScoredChunk:
    text = f"Renewal note {n}: pricing was discussed."
    return ScoredChunk(f"d{n}", 0, "email", f"t{n}", None, AT, 100, 100 + len(text), text, 1 / n)


class _Ranked(Copilot):
    """A service whose ranking is a fixed list, cut to ``top_k`` like the real one."""

    def __init__(self, hits: int, depth: int) -> None:
        self.settings = Settings(max_result_depth=depth)
        self.ranking = tuple(_hit(n) for n in range(1, hits + 1))
        self.asked_top_k: list[int] = []

    def search(self, *, top_k: int = 10, **_: Any) -> SearchResult:  # type: ignore[override]
        self.asked_top_k.append(top_k)
        return SearchResult(self.ranking[:top_k], "exact", len(self.ranking))


@pytest.fixture(autouse=True)
def _no_copilot_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("COPILOT_"):
            monkeypatch.delenv(name)


def _page(cp: Copilot, *, size: int, offset: int = 0) -> Any:
    return cp.search_page(org="o", user_id="u", query="pricing", page_size=size, offset=offset)


@pytest.mark.parametrize(
    ("hits", "depth", "size", "offset", "ids", "next_offset"),
    [
        (5, 100, 2, 0, ["d1", "d2"], 2),
        (5, 100, 2, 2, ["d3", "d4"], 4),
        (5, 100, 2, 4, ["d5"], None),  # nothing after the last hit
        (4, 100, 2, 2, ["d3", "d4"], None),  # the look-ahead finds nothing
        (5, 3, 2, 0, ["d1", "d2"], None),  # a next page would pass the depth
        (5, 4, 2, 0, ["d1", "d2"], 2),
    ],
)
def test_pages_are_cut_from_one_ranking_and_stop_at_the_depth(
    hits: int, depth: int, size: int, offset: int, ids: list[str], next_offset: int | None
) -> None:
    cp = _Ranked(hits, depth)
    page = _page(cp, size=size, offset=offset)
    assert [h.chunk.document_id for h in page.hits] == ids
    assert page.next_offset == next_offset
    assert page.offset == offset and page.strategy == "exact"
    assert cp.asked_top_k == [offset + size + 1]


def test_a_page_past_the_depth_is_refused_before_searching() -> None:
    cp = _Ranked(5, 3)
    with pytest.raises(InvalidRequest, match=r"deepest result served \(3\)") as err:
        _page(cp, size=2, offset=2)
    assert err.value.field == "cursor"
    assert cp.asked_top_k == []


def test_page_hits_carry_snippets_with_document_offsets() -> None:
    hit = _page(_Ranked(1, 10), size=1).hits[0]
    start = hit.chunk.char_start
    marked = [hit.chunk.text[s - start : e - start] for s, e in hit.snippet.marks]
    assert marked == ["pricing"]
    assert "<mark>pricing</mark>" in hit.snippet.html
