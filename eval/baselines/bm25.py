"""BM25 over the caller's permitted chunks, with the ``bm25s`` library."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import bm25s
import numpy as np

from retrieval.models import ScoredChunk
from textkit.tokens import content_tokens

__all__ = ["BM25Baseline", "PermittedChunks"]

# bm25s sets its own logger to DEBUG on import, which prints a line per index built
# through any handler configured for the CLI.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class PermittedChunks(Protocol):
    """What the baseline needs of the service: the caller's permitted chunks."""

    def permitted_chunks(self, *, org: str, user_id: str) -> list[ScoredChunk]: ...


def _tokens(text: str) -> list[str]:
    # The project's one tokenizer and stemmer, so BM25 and the system's keyword leg see
    # the same words; bm25s does the weighting.
    return content_tokens(text)


@dataclass(frozen=True)
class _Index:
    chunks: Sequence[ScoredChunk]
    bm25: bm25s.BM25 | None  # None: the caller may see no chunk


class BM25Baseline:
    """BM25 (Lucene variant, k1=1.5, b=0.75, the ``bm25s`` defaults) per caller.

    The index of a caller is built once, over exactly the chunks the service says the
    caller may see (title and text of each chunk, as the system's keyword leg indexes
    them), and reused for all their queries. Nothing outside that set can be returned.

    Args:
        service: Hands out the caller's permitted chunks (``copilot.service.Copilot``).
    """

    def __init__(self, service: PermittedChunks) -> None:
        self._service = service
        self._indexes: dict[tuple[str, str], _Index] = {}
        # Users share most chunks: each is tokenized once per run.
        self._tokens: dict[tuple[str, str, int], list[str]] = {}

    def _chunk_tokens(self, org: str, chunk: ScoredChunk) -> list[str]:
        key = (org, chunk.document_id, chunk.ord)
        if key not in self._tokens:
            self._tokens[key] = _tokens(f"{chunk.title}\n{chunk.text}")
        return self._tokens[key]

    def _index(self, org: str, user_id: str) -> _Index:
        key = (org, user_id)
        if key not in self._indexes:
            chunks = self._service.permitted_chunks(org=org, user_id=user_id)
            index = None
            if chunks:
                index = bm25s.BM25()
                index.index([self._chunk_tokens(org, c) for c in chunks], show_progress=False)
            self._indexes[key] = _Index(chunks=chunks, bm25=index)
        return self._indexes[key]

    def search(self, *, org: str, user_id: str, query: str, top_k: int) -> list[ScoredChunk]:
        """The caller's ``top_k`` best chunks by BM25 score; chunks scoring 0 (sharing no
        term with the query) are left out, ties go to document order.

        Raises:
            ValueError: ``top_k`` is below 1.
        """
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        index = self._index(org, user_id)
        terms = _tokens(query)
        if index.bm25 is None or not terms:
            return []
        scores = np.asarray(index.bm25.get_scores(terms), dtype=np.float64)
        order = np.lexsort((np.arange(len(scores)), -scores))
        return [
            replace(index.chunks[i], score=float(scores[i]))
            for i in order[:top_k]
            if scores[i] > 0.0
        ]
