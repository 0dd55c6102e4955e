"""Helpers the metric modules share: argument checks, rank dedupe, spans, content words."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np

from textkit.tokens import EVAL_STOPWORDS, terms


def finite_array(values: Iterable[float], *, what: str) -> np.ndarray:
    data = np.asarray(list(values), dtype=np.float64)
    if data.size == 0:
        raise ValueError(f"{what}: no values")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{what}: not all finite: {data[~np.isfinite(data)][:5].tolist()}")
    return data


def check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def dedupe(ranking: Iterable[str]) -> list[str]:
    # A ranking of chunks may name a document more than once; the document counts at its
    # first (best) rank, as in a trec run, which holds one score per document.
    return list(dict.fromkeys(ranking))


class CitationLike(Protocol):
    """A cited span, as :class:`summarizers.models.Citation`: ``quote == content[start:end]``."""

    @property
    def document_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def quote(self) -> str: ...


def is_real_span(c: CitationLike, content: str) -> bool:
    return 0 <= c.start < c.end <= len(content) and content[c.start : c.end] == c.quote


def content_terms(text: str) -> list[str]:
    """The metrics' content-word stems: the text layer's, with the metrics' own stopwords.

    Not the answer engine's query terms, so tuning the engine cannot move a metric.
    """
    return terms(text, stopwords=EVAL_STOPWORDS)
