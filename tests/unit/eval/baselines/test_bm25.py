"""BM25 ranks only the chunks the service hands over, best match first."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eval.baselines.bm25 import BM25Baseline
from retrieval.models import ScoredChunk


def _chunk(document_id: str, text: str) -> ScoredChunk:
    return ScoredChunk(
        document_id=document_id,
        ord=0,
        kind="email",
        title=f"Re: {document_id}",
        account_id=None,
        occurred_at=datetime(2026, 5, 4, tzinfo=UTC),
        char_start=0,
        char_end=len(text),
        text=text,
        score=0.0,
    )


class FakeService:
    """Permitted chunks per user; counts calls to prove the index is built once."""

    def __init__(self, chunks: dict[str, list[ScoredChunk]]) -> None:
        self.chunks = chunks
        self.calls = 0

    def permitted_chunks(self, *, org: str, user_id: str) -> list[ScoredChunk]:
        self.calls += 1
        return self.chunks.get(user_id, [])


SHARED = [
    _chunk("d-renewal", "The Umbrella renewal is on track for next quarter."),
    _chunk("d-ticket", "Umbrella reported invoice dispute TCK-4471 about duplicate charges."),
    _chunk("d-workshop", "Umbrella wants an onboarding workshop for their admins."),
]
SECRET = _chunk("d-secret", "Invoice dispute TCK-4471: duplicate charges, invoice dispute again.")


def test_ranks_the_exact_match_first_and_never_what_the_user_may_not_see() -> None:
    service = FakeService({"rep": SHARED, "admin": [*SHARED, SECRET]})
    bm25 = BM25Baseline(service)
    hits = bm25.search(org="acme", user_id="rep", query="invoice dispute TCK-4471", top_k=10)
    assert [h.document_id for h in hits] == ["d-ticket"]  # no shared term: left out
    assert hits[0].score > 0
    admin = bm25.search(org="acme", user_id="admin", query="TCK-4471 dispute", top_k=10)
    assert {h.document_id for h in admin} == {"d-ticket", "d-secret"}
    bm25.search(org="acme", user_id="rep", query="renewal", top_k=1)
    assert service.calls == 2  # one index per caller


def test_a_user_without_chunks_or_a_query_without_terms_gets_nothing() -> None:
    bm25 = BM25Baseline(FakeService({"rep": SHARED}))
    assert bm25.search(org="acme", user_id="nobody", query="renewal", top_k=5) == []
    assert bm25.search(org="acme", user_id="rep", query="the of and", top_k=5) == []
    with pytest.raises(ValueError, match="got 0"):
        bm25.search(org="acme", user_id="rep", query="renewal", top_k=0)
