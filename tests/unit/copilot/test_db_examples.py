"""The examples in copilot.db's docstrings hold (the TCP settings a URL may override)."""

from __future__ import annotations

from tests.docstrings import assert_examples_hold


def test_db_docstring_examples() -> None:
    assert_examples_hold("copilot.db")
