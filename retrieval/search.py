"""The permission-aware retriever: vector and keyword search, fused and grouped.

The access filter is always inside the SQL. What changes with the caller is the plan:

* **exact** when the caller may see at most ``exact_max_chunks`` chunks (or a filter
  such as one account makes the set small): the permitted rows are reached through the
  GIN index on ``access`` and every one of them is ranked. Recall is 1 by construction.
* **hnsw** otherwise: HNSW with ``hnsw.iterative_scan = relaxed_order`` and the access
  predicate re-checked per row. If the scan gives up before ``limit`` permitted rows
  (pgvector's over-filtering), the query is re-run exactly, so a short page never
  silently drops permitted results.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from psycopg import Connection

from embeddings import Embedder
from retrieval import store
from retrieval.models import ScoredChunk, SearchFilters
from textkit.tokens import QUOTED_PHRASE

__all__ = ["Retriever", "SearchResult", "fuse_rrf", "group_by_document"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SearchResult:
    hits: tuple[ScoredChunk, ...]
    strategy: str  # "exact", "hnsw" or "hnsw->exact"
    permitted_estimate: int


_CODE = re.compile(r"[\w-]*\d[\w-]*")


def identifiers(query: str) -> str:
    """The codes (words with a digit) and quoted names of ``query``, space-joined.

    Example:
        >>> identifiers('TCK-16328 updates'), identifiers('notes on "Jonah Okonkwo"')
        ('TCK-16328', 'Jonah Okonkwo')
        >>> identifiers("renewal paperwork")
        ''
    """
    found = [*QUOTED_PHRASE.findall(query), *_CODE.findall(QUOTED_PHRASE.sub(" ", query))]
    return " ".join(dict.fromkeys(f.strip() for f in found if f.strip()))


def fuse_rrf(
    rankings: Sequence[Sequence[ScoredChunk]],
    *,
    k: int = 60,
    weights: Sequence[float] | None = None,
) -> list[ScoredChunk]:
    """Weighted reciprocal-rank fusion: score = sum of weight / (k + rank).

    The first ranking is taken as the vector one and the second as the keyword one for
    the ``vector_rank`` / ``keyword_rank`` of each hit.

    Example:
        >>> fuse_rrf([[], []])
        []
    """
    weights = weights or [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    fused: dict[tuple[str, int], ScoredChunk] = {}
    scores: dict[tuple[str, int], float] = {}
    ranks: dict[tuple[str, int], dict[int, int]] = {}
    cosines: dict[tuple[str, int], float] = {}
    for which, (ranking, weight) in enumerate(zip(rankings, weights, strict=True)):
        for rank, hit in enumerate(ranking, start=1):
            key = (hit.document_id, hit.ord)
            fused.setdefault(key, hit)
            scores[key] = scores.get(key, 0.0) + weight / (k + rank)
            ranks.setdefault(key, {})[which] = rank
            if which == 0:
                cosines[key] = hit.score if hit.vector_similarity is None else hit.vector_similarity
    out = [
        replace(
            fused[key],
            score=scores[key],
            vector_rank=ranks[key].get(0),
            keyword_rank=ranks[key].get(1),
            vector_similarity=cosines.get(key),
        )
        for key in fused
    ]
    out.sort(key=lambda h: (-h.score, h.document_id, h.ord))
    return out


def group_by_document(hits: Sequence[ScoredChunk], *, per_document: int) -> list[ScoredChunk]:
    """Keep at most ``per_document`` chunks of each document, preserving order."""
    seen: dict[str, int] = {}
    out = []
    for hit in hits:
        n = seen.get(hit.document_id, 0)
        if n < per_document:
            out.append(hit)
            seen[hit.document_id] = n + 1
    return out


class Retriever:
    """Hybrid search over the chunks a caller may see.

    Args:
        embedder: Embeds the query.
        exact_max_chunks: Permitted-set size up to which ranking is exact.
        ef_search: HNSW candidate list size.
        max_scan_tuples: Iterative-scan budget before falling back to exact.
        candidates: Chunks each of vector and keyword search contributes to fusion,
            as a multiple of the page size.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        exact_max_chunks: int = 10_000,
        ef_search: int = 400,
        max_scan_tuples: int = 40_000,
        candidates: int = 4,
        rrf_k: int = 60,
        keyword_weight: float = 1.5,
    ) -> None:
        if exact_max_chunks < 0:
            raise ValueError(f"exact_max_chunks must be >= 0, got {exact_max_chunks}")
        self.embedder = embedder
        self.exact_max_chunks = exact_max_chunks
        self.ef_search = ef_search
        self.max_scan_tuples = max_scan_tuples
        self.candidates = candidates
        self.rrf_k = rrf_k
        self.keyword_weight = keyword_weight

    def plan(
        self, conn: Connection[Any], *, org: str, acl: frozenset[str], filters: SearchFilters
    ) -> tuple[str, int]:
        estimate = store.permitted_chunk_estimate(conn, org=org, acl=acl)
        # One account's chunks are few whoever the caller is: rank them exactly.
        small = estimate <= self.exact_max_chunks or filters.account_id is not None
        return ("exact" if small else "hnsw"), estimate

    def vector_search(
        self,
        conn: Connection[Any],
        *,
        org: str,
        acl: frozenset[str],
        query_embedding: Any,
        filters: SearchFilters,
        limit: int,
        strategy: str | None = None,
    ) -> tuple[list[ScoredChunk], str, int]:
        """Nearest permitted chunks by cosine similarity; returns ``(hits, strategy, estimate)``."""
        estimate = -1
        if strategy is None:
            strategy, estimate = self.plan(conn, org=org, acl=acl, filters=filters)
        if strategy == "hnsw":
            hits = store.vector_search_hnsw(
                conn,
                org=org,
                acl=acl,
                query_embedding=query_embedding,
                filters=filters,
                limit=limit,
                ef_search=self.ef_search,
                max_scan_tuples=self.max_scan_tuples,
            )
            if len(hits) >= limit:
                return hits, strategy, estimate
            # The iterative scan ran out of budget: the page may be short, not the data.
            strategy = "hnsw->exact"
        hits = store.vector_search_exact(
            conn, org=org, acl=acl, query_embedding=query_embedding, filters=filters, limit=limit
        )
        return hits, strategy, estimate

    def search(
        self,
        conn: Connection[Any],
        *,
        org: str,
        acl: frozenset[str],
        query: str,
        top_k: int,
        filters: SearchFilters | None = None,
        per_document: int = 2,
    ) -> SearchResult:
        """The ``top_k`` best permitted chunks for ``query``, at most ``per_document`` each.

        Example:
            >>> hits = retriever.search(conn, org="acme", acl=acl, query="renewal", top_k=5)
            ... # doctest: +SKIP
        """
        if not query.strip():
            raise ValueError("query must not be empty")
        if top_k < 1:
            raise ValueError(f"top_k must be >= 1, got {top_k}")
        filters = filters or SearchFilters()
        limit = max(top_k * self.candidates, 20)
        qvec = self.embedder.embed_query(query)
        vector_hits, strategy, estimate = self.vector_search(
            conn, org=org, acl=acl, query_embedding=qvec, filters=filters, limit=limit
        )
        keyword_hits = store.keyword_search(
            conn, org=org, acl=acl, query=query, filters=filters, limit=limit
        )
        # The keyword leg ANDs every word, so "TCK-16328 updates" finds nothing when the
        # ticket never says "updates". What such a query looks up is its codes and quoted
        # names: the leg tries them alone (only when the whole query matched nothing).
        lookup = identifiers(query)
        if not keyword_hits and lookup and lookup != query:
            keyword_hits = store.keyword_search(
                conn, org=org, acl=acl, query=lookup, filters=filters, limit=limit
            )
        # Keyword hits contain every query term, so they weigh more: an exact ticket
        # number or name outranks text that is merely similar.
        fused = fuse_rrf(
            [vector_hits, keyword_hits], k=self.rrf_k, weights=(1.0, self.keyword_weight)
        )
        hits = group_by_document(fused, per_document=per_document)[:top_k]
        return SearchResult(hits=tuple(hits), strategy=strategy, permitted_estimate=estimate)
