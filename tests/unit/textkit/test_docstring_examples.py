"""The examples in textkit's docstrings run and hold."""

from __future__ import annotations

import pytest

from tests.docstrings import assert_examples_hold

MODULES = [
    "textkit.tokens",
    "textkit.sentences",
    "textkit.dates",
    "textkit.kinds",
    "textkit.storable",
    "textkit.crm_words",
    "textkit.documents.calls",
    "textkit.documents.emails",
    "textkit.documents.tickets",
    "textkit.documents.sides",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    assert_examples_hold(name)
