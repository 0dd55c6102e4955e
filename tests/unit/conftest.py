"""Fixtures shared by the unit tests of more than one package."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import textkit.dates


@pytest.fixture
def date_scans(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every span ``textkit.dates._scan`` reads from now on, in order: a
    count of the date scanner's work that a test can bound without timing it."""
    scanned: list[int] = []
    scan = textkit.dates._scan

    def counted(text: str, ref: date, start: int, stop: int) -> Any:
        scanned.append(stop - start)
        return scan(text, ref, start, stop)

    monkeypatch.setattr(textkit.dates, "_scan", counted)
    return scanned
