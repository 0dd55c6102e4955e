"""Latency figures: percentiles as ``numpy.percentile`` computes them, and their summary."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import TypedDict

from eval.metrics._common import finite_array

__all__ = ["LatencySummary", "latency_summary", "percentile"]


class LatencySummary(TypedDict):
    """Latency percentiles and mean in milliseconds, and the number of calls."""

    p50: float
    p95: float
    mean: float
    n: int


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation, as ``numpy.percentile``.

    Raises:
        ValueError: ``values`` is empty or not finite, or ``q`` is outside [0, 100].

    Example:
        >>> percentile([10.0, 20.0, 30.0, 40.0], 50)
        25.0
        >>> round(percentile([10.0, 20.0, 30.0, 40.0], 95), 6)
        38.5
    """
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q must be in [0, 100], got {q}")
    ordered = sorted(finite_array(values, what="percentile values").tolist())
    # numpy's "linear" method: virtual index (n - 1) * q, then its _lerp.
    index = (len(ordered) - 1) * (q / 100.0)
    below = math.floor(index)
    above = min(below + 1, len(ordered) - 1)
    t = index - below
    a, b = ordered[below], ordered[above]
    diff = b - a
    return b - diff * (1.0 - t) if t >= 0.5 else a + diff * t


def latency_summary(values_ms: Sequence[float]) -> LatencySummary:
    """p50, p95 and mean of one endpoint's latencies, in milliseconds.

    Raises:
        ValueError: No latency was measured.

    Example:
        >>> latency_summary([12.0, 10.0, 30.0, 11.0])
        {'p50': 11.5, 'p95': 27.299999999999994, 'mean': 15.75, 'n': 4}
    """
    if not values_ms:
        raise ValueError("latency_summary: no latencies")
    return LatencySummary(
        p50=percentile(values_ms, 50),
        p95=percentile(values_ms, 95),
        mean=statistics.fmean(values_ms),
        n=len(values_ms),
    )
