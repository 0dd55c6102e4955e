"""Filters compile to SQL fragments with bound values."""

from __future__ import annotations

from retrieval.filters import compile_filters
from retrieval.models import SearchFilters


def test_filters_bind_values_never_inline_them() -> None:
    evil = "x'; DROP TABLE chunks; --"
    frag, params = compile_filters(SearchFilters(kinds=("call",), account_id=evil))
    assert evil not in frag.as_string(None)
    assert params["f_account"] == evil
