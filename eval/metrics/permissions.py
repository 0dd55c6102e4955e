"""Permission metrics: results a user may not see, and what the access filter costs."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from typing import TypeVar

__all__ = ["leak_rate", "permitted_recall_loss"]

_H = TypeVar("_H", bound=Hashable)


def leak_rate(
    returned_ids_per_query: Sequence[Collection[str]],
    visible_ids_per_query: Sequence[Collection[str]],
) -> float:
    """Share of all returned results that their user may not see. Must be exactly 0.

    Pooled over every returned item of every query (not a mean of per-query rates), so
    one leak among a thousand results reads as 0.001, never rounds to a query's 0.

    Args:
        returned_ids_per_query: What each query returned.
        visible_ids_per_query: What that query's user may see, from an oracle independent
            of the code under test; aligned with ``returned_ids_per_query``.

    Returns:
        The leak rate; 0.0 when nothing was returned at all.

    Raises:
        ValueError: The two sequences differ in length.

    Example:
        >>> leak_rate([["a", "b"], ["c", "z"]], [{"a", "b"}, {"c"}])
        0.25
    """
    if len(returned_ids_per_query) != len(visible_ids_per_query):
        raise ValueError(
            f"leak_rate: {len(returned_ids_per_query)} result lists but "
            f"{len(visible_ids_per_query)} visibility sets"
        )
    returned = leaked = 0
    for ids, visible in zip(returned_ids_per_query, visible_ids_per_query, strict=True):
        returned += len(ids)
        leaked += sum(doc not in visible for doc in ids)
    return leaked / returned if returned else 0.0


def permitted_recall_loss(got: Iterable[_H], exact: Iterable[_H]) -> float:
    """What the permission-aware search misses of the exact permitted search.

    ``1 - |got ∩ exact| / |exact|`` over distinct ids (documents, or ``(document, chunk)``
    pairs); 0.0 when the exact search found nothing, since nothing could be lost.

    Example:
        >>> permitted_recall_loss(["a", "b", "x"], ["a", "b", "c", "d"])
        0.5
        >>> permitted_recall_loss(["a"], [])
        0.0
    """
    wanted = set(exact)
    if not wanted:
        return 0.0
    return 1.0 - len(wanted.intersection(got)) / len(wanted)
