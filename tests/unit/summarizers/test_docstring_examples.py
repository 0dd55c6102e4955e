"""The examples in the answer engine's docstrings run and hold."""

from __future__ import annotations

import pytest

from tests.docstrings import assert_examples_hold

MODULES = [
    "summarizers.answer.fields",
    "summarizers.answer.question",
    "summarizers.answer.listing",
    "summarizers.answer.roles",
    "summarizers.answer.select",
    "summarizers.competitors",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    assert_examples_hold(name)
