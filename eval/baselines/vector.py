"""Vector-only retrieval: embedding similarity alone, no keyword leg, no fusion."""

from __future__ import annotations

from typing import Any, Protocol

from retrieval.models import ScoredChunk

__all__ = ["NearestChunks", "vector_only_search"]


class NearestChunks(Protocol):
    """What the baseline needs of the service: exact nearest permitted chunks."""

    def nearest_chunks(
        self, *, org: str, user_id: str, query_embedding: Any, top_k: int
    ) -> list[ScoredChunk]: ...


def vector_only_search(
    service: NearestChunks, *, org: str, user_id: str, query_embedding: Any, top_k: int
) -> list[ScoredChunk]:
    """The caller's ``top_k`` permitted chunks by cosine similarity to the query.

    Exact search (every permitted chunk is compared), so the baseline measures the
    embedding model, not the approximate index or the planner.

    Args:
        query_embedding: The query's vector from the index's model (``embed_query``).
    """
    return service.nearest_chunks(
        org=org, user_id=user_id, query_embedding=query_embedding, top_k=top_k
    )
