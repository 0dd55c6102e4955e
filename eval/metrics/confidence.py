"""Per-item values to a mean with a bootstrap confidence interval."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from eval.metrics._common import finite_array
from eval.metrics.latency import percentile

__all__ = ["MetricValue", "bootstrap_ci", "summarize", "summarize_by_group"]


@dataclass(frozen=True)
class MetricValue:
    """A metric over items: its value, a confidence interval and how many items it saw.

    Attributes:
        name: What was measured (``"retrieval.ndcg@10"``, ...).
        value: The statistic over the items (the mean, for :func:`summarize`).
        ci_low / ci_high: The bootstrap confidence interval of ``value``.
        n: How many items were scored (items whose metric was ``None`` excluded).
    """

    name: str
    value: float
    ci_low: float
    ci_high: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields.

        Example:
            >>> MetricValue("mrr", 0.5, 0.25, 0.75, 4).as_dict()["ci_high"]
            0.75
        """
        return asdict(self)


def bootstrap_ci(
    values: Sequence[float],
    *,
    stat: Callable[[Sequence[float]], float] = statistics.fmean,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``stat(values)``.

    Resamples ``values`` with replacement ``n_resamples`` times, computes ``stat`` on
    each resample and returns the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
    percentiles of those statistics (numpy's linear interpolation). The same inputs and
    ``seed`` always give the same interval.

    Args:
        values: Per-item values; finite numbers, at least one.
        stat: The statistic; the mean by default (computed vectorised).
        n_resamples: How many bootstrap resamples.
        confidence: The interval's nominal coverage, in (0, 1).
        seed: Seed of the resampling generator.

    Raises:
        ValueError: ``values`` is empty or not finite, or an argument is out of range.

    Example:
        >>> bootstrap_ci([1.0, 1.0, 1.0])
        (1.0, 1.0)
        >>> low, high = bootstrap_ci([0.0, 1.0, 1.0, 0.0, 1.0])
        >>> low < 0.6 < high
        True
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    data = finite_array(values, what="bootstrap_ci values")
    if np.all(data == data[0]):
        # Exactly the value: a vectorised mean of 0.7s can round to 0.6999999999999998.
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    stats: list[float] = []
    # Resample in blocks so memory stays bounded for large item counts.
    block = max(1, min(n_resamples, 1_000_000 // len(data)))
    remaining = n_resamples
    while remaining:
        rows = min(block, remaining)
        samples = data[rng.integers(0, len(data), size=(rows, len(data)))]
        if stat is statistics.fmean or stat is statistics.mean:
            stats.extend(samples.mean(axis=1).tolist())
        else:
            stats.extend(float(stat(row.tolist())) for row in samples)
        remaining -= rows
    tail = (1.0 - confidence) / 2.0 * 100.0
    return percentile(stats, tail), percentile(stats, 100.0 - tail)


def summarize(
    name: str,
    per_item_values: Iterable[float | None],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> MetricValue:
    """The mean of the per-item values with its bootstrap confidence interval.

    ``None`` values (the metric was undefined for that item) are skipped; ``n`` counts
    the rest.

    Raises:
        ValueError: No value is left to summarize, or a value is not finite.

    Example:
        >>> summarize("recall@5", [1.0, 0.5, None, 0.0]).value
        0.5
        >>> summarize("recall@5", [1.0, 0.5, None, 0.0]).n
        3
    """
    values = [v for v in per_item_values if v is not None]
    if not values:
        raise ValueError(f"no values to summarize for {name!r}")
    low, high = bootstrap_ci(values, n_resamples=n_resamples, confidence=confidence, seed=seed)
    return MetricValue(name, statistics.fmean(values), low, high, len(values))


def summarize_by_group(
    name: str,
    keyed_values: Iterable[tuple[str, float | None]],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, MetricValue]:
    """:func:`summarize` per group (a user role, a query kind, ...).

    Groups whose values are all ``None`` are left out.

    Example:
        >>> out = summarize_by_group("mrr", [("rep", 1.0), ("admin", 0.5), ("rep", 0.0)])
        >>> {role: v.value for role, v in out.items()}
        {'admin': 0.5, 'rep': 0.5}
    """
    groups: dict[str, list[float]] = {}
    for key, value in keyed_values:
        if value is not None:
            groups.setdefault(key, []).append(value)
    return {
        key: summarize(name, groups[key], n_resamples=n_resamples, confidence=confidence, seed=seed)
        for key in sorted(groups)
    }
