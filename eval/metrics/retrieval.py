"""Ranking metrics as ``trec_eval`` computes them: nDCG@k, recall@k, precision@k, RR."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from eval.metrics._common import check_k, dedupe

__all__ = ["ndcg_at_k", "precision_at_k", "recall_at_k", "reciprocal_rank"]


def _relevant_ids(relevant: Mapping[str, int]) -> set[str]:
    return {doc for doc, grade in relevant.items() if grade > 0}


def ndcg_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float | None:
    """nDCG@k with linear gain and log2 discount, as ``trec_eval``'s ``ndcg_cut.k``.

    ``DCG = sum(rel_i / log2(i + 1))`` over ranks ``i = 1..k`` of ``ranking``; the ideal
    DCG sorts every judged grade of ``relevant`` (retrieved or not). Grades <= 0 give no
    gain. Repeated ids count at their first rank only.

    Args:
        ranking: Document ids, best first.
        relevant: Document id → graded relevance (1 relevant, 2 highly relevant, ...).
        k: The cutoff.

    Returns:
        nDCG in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> round(ndcg_at_k(["b", "x", "a"], {"a": 2, "b": 1}), 4)  # 2 / (2 + 1/log2(3))
        0.7602
        >>> ndcg_at_k(["a"], {"a": 0}) is None
        True
    """
    check_k(k)
    ideal_gains = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    if not ideal_gains:
        return None
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(ideal_gains))
    dcg = sum(
        max(relevant.get(doc, 0), 0) / math.log2(i + 2) for i, doc in enumerate(dedupe(ranking)[:k])
    )
    return dcg / ideal


def recall_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float | None:
    """Share of the relevant documents (grade > 0) found in the top ``k``.

    Returns:
        Recall in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> recall_at_k(["a", "x", "b"], {"a": 1, "b": 2, "c": 1}, 2)
        0.3333333333333333
    """
    check_k(k)
    wanted = _relevant_ids(relevant)
    if not wanted:
        return None
    return len(wanted.intersection(dedupe(ranking)[:k])) / len(wanted)


def precision_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float | None:
    """Share of the top ``k`` ranks holding a relevant document (grade > 0).

    As ``trec_eval``'s ``P.k``, the denominator is ``k`` even if fewer were returned.

    Returns:
        Precision in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> precision_at_k(["a", "x"], {"a": 1, "b": 1}, 4)
        0.25
    """
    check_k(k)
    wanted = _relevant_ids(relevant)
    if not wanted:
        return None
    return len(wanted.intersection(dedupe(ranking)[:k])) / k


def reciprocal_rank(
    ranking: Sequence[str], relevant: Mapping[str, int], *, k: int | None = None
) -> float | None:
    """``1 / rank`` of the first relevant document (grade > 0); 0 if none is returned.

    The mean over queries is MRR. ``k`` cuts the ranking first (MRR@k); ``None`` means
    the whole ranking, as ``trec_eval``'s ``recip_rank``.

    Returns:
        RR in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> reciprocal_rank(["x", "y", "a"], {"a": 1})
        0.3333333333333333
        >>> reciprocal_rank(["x", "y", "a"], {"a": 1}, k=2)
        0.0
    """
    if k is not None:
        check_k(k)
    wanted = _relevant_ids(relevant)
    if not wanted:
        return None
    ranked = dedupe(ranking)
    for i, doc in enumerate(ranked if k is None else ranked[:k]):
        if doc in wanted:
            return 1.0 / (i + 1)
    return 0.0
