"""Value types: filter validation and the row types the store returns."""

from __future__ import annotations

from datetime import datetime

import pytest

from retrieval import acl, models, store
from retrieval.models import SearchFilters
from textkit import crm


def test_filters_validate() -> None:
    with pytest.raises(ValueError, match="'memo'"):
        SearchFilters(kinds=("memo",))
    with pytest.raises(ValueError, match="after"):
        SearchFilters(date_from=datetime(2026, 2, 1), date_to=datetime(2026, 1, 1))


def test_crm_rows_have_one_definition() -> None:
    for name in ("AccountRow", "DealRow", "ContactRow"):
        assert getattr(models, name) is getattr(crm, name)
        assert getattr(store, name) is getattr(crm, name)
    assert models.DocumentAccess is acl.DocumentAccess
    assert store.UserRow is models.UserRow
