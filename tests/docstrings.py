"""The check every docstring-example test makes: a module's examples run and hold."""

from __future__ import annotations

import doctest
import importlib


def assert_examples_hold(name: str) -> None:
    """Run the doctests of module ``name``; fail if any fails or if it has none."""
    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0, (name, result)
