"""The examples in eval.metrics' docstrings run and hold."""

from __future__ import annotations

import pytest

from tests.docstrings import assert_examples_hold

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
    assert_examples_hold(name)
