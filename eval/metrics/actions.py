"""Next-best-action metrics: precision and recall of predicted rule ids."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from eval.metrics._common import check_k, dedupe

__all__ = ["set_precision_at_k", "set_recall"]


def set_precision_at_k(
    predicted: Sequence[str], expected: Collection[str], k: int = 3
) -> float | None:
    """Share of the first ``k`` distinct predictions that are expected.

    For next-best actions (rule ids). The denominator is the number of predictions shown,
    at most ``k``: a scenario with one correct action scores 1.0 when only that action is
    suggested, where a fixed ``/ k`` would cap it at 1/3.

    Returns:
        Precision in [0, 1], or ``None`` when nothing was predicted (recall covers that).

    Example:
        >>> set_precision_at_k(["r1", "r1", "r2", "r3", "r4"], {"r1", "r4"}, k=3)
        0.3333333333333333
        >>> set_precision_at_k(["r1"], {"r1"}, k=3)
        1.0
    """
    check_k(k)
    shown = dedupe(predicted)[:k]
    if not shown:
        return None
    wanted = set(expected)
    return sum(rule in wanted for rule in shown) / len(shown)


def set_recall(predicted: Iterable[str], expected: Collection[str]) -> float | None:
    """Share of the expected ids that were predicted (duplicates counted once).

    Returns:
        Recall in [0, 1], or ``None`` when nothing was expected.

    Example:
        >>> set_recall(["r1", "r3", "r1"], ["r1", "r2"])
        0.5
    """
    wanted = set(expected)
    if not wanted:
        return None
    return len(wanted.intersection(predicted)) / len(wanted)
