"""The examples in eval.metrics' docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "eval.metrics.actions",
    "eval.metrics.answers",
    "eval.metrics.confidence",
    "eval.metrics.latency",
    "eval.metrics.permissions",
    "eval.metrics.retrieval",
    "eval.metrics.summaries",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
