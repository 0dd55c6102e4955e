"""The examples in textkit's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "textkit.tokens",
    "textkit.sentences",
    "textkit.dates",
    "textkit.kinds",
    "textkit.documents.calls",
    "textkit.documents.emails",
    "textkit.documents.tickets",
    "textkit.documents.sides",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
