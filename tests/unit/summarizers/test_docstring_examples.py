"""The examples in the answer engine's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "summarizers.answer.fields",
    "summarizers.answer.question",
    "summarizers.answer.listing",
    "summarizers.answer.select",
    "summarizers.competitors",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
