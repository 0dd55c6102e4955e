"""Pure logic: access lists, principals, filters and fusion."""

from __future__ import annotations

from datetime import datetime

import pytest

from retrieval.acl import principals_for_user
from retrieval.filters import compile_filters
from retrieval.models import DocumentAccess, ScoredChunk, SearchFilters
from retrieval.search import fuse_rrf, group_by_document


@pytest.mark.parametrize(
    ("access", "expected"),
    [
        (DocumentAccess("u1", "t1", "private"), {"role:admin", "owner:u1"}),
        (DocumentAccess("u1", "t1", "team"), {"role:admin", "owner:u1", "team:t1"}),
        (DocumentAccess("u1", None, "team"), {"role:admin", "owner:u1"}),
        (DocumentAccess("u1", "t1", "org"), {"role:admin", "owner:u1", "org"}),
        (
            DocumentAccess("u1", "t1", "private", ("u2", "team:t9")),
            {"role:admin", "owner:u1", "user:u2", "team:t9"},
        ),
    ],
)
def test_document_access_lists(access: DocumentAccess, expected: set[str]) -> None:
    assert set(access.to_acl()) == expected


def test_document_access_rejects_unknown_visibility() -> None:
    with pytest.raises(ValueError, match="'everyone'"):
        DocumentAccess("u1", None, "everyone")


def test_principals() -> None:
    assert principals_for_user(user_id="m", role="manager", team_id="t", reports=["r1", "r2"]) == {
        "org",
        "user:m",
        "owner:m",
        "owner:r1",
        "owner:r2",
        "team:t",
    }
    assert "role:admin" in principals_for_user(user_id="a", role="admin", team_id=None, reports=[])
    # A user id that looks like a team cannot become a team principal.
    assert "team:x" not in principals_for_user(
        user_id="team:x", role="rep", team_id=None, reports=[]
    )


def test_filters_bind_values_never_inline_them() -> None:
    evil = "x'; DROP TABLE chunks; --"
    frag, params = compile_filters(SearchFilters(kinds=("call",), account_id=evil))
    assert evil not in frag.as_string(None)
    assert params["f_account"] == evil


def test_filters_validate() -> None:
    with pytest.raises(ValueError, match="'memo'"):
        SearchFilters(kinds=("memo",))
    with pytest.raises(ValueError, match="after"):
        SearchFilters(date_from=datetime(2026, 2, 1), date_to=datetime(2026, 1, 1))


def _hit(doc: str, ord: int = 0) -> ScoredChunk:
    return ScoredChunk(doc, ord, "email", "t", None, datetime(2026, 1, 1), 0, 1, "x", 0.0)


def test_rrf_rewards_agreement_and_grouping_caps_documents() -> None:
    fused = fuse_rrf([[_hit("a"), _hit("b"), _hit("c")], [_hit("c"), _hit("d")]])
    assert [h.document_id for h in fused][:1] == ["c"]
    assert fused[0].vector_rank == 3 and fused[0].keyword_rank == 1
    grouped = group_by_document(
        [_hit("a", 0), _hit("a", 1), _hit("a", 2), _hit("b")], per_document=2
    )
    assert [(h.document_id, h.ord) for h in grouped] == [("a", 0), ("a", 1), ("b", 0)]
