"""Pure parts of the retriever: rank fusion and per-document grouping."""

from __future__ import annotations

from datetime import datetime

from retrieval.models import ScoredChunk
from retrieval.search import fuse_rrf, group_by_document


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
