"""Metric functions of the evaluation harness (being split into modules by concern)."""

from eval.metrics.confidence import *  # noqa: F403
from eval.metrics.confidence import __all__ as __all__
