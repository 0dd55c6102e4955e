"""Pure parts of erasure and retention: ages, and the patterns that find a person."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from copilot.errors import InvalidRequest
from copilot.privacy import age_cutoff, person_patterns

NOW = datetime(2028, 2, 29, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        ("90d", datetime(2027, 12, 1, 12, 0, tzinfo=UTC)),
        ("2w", datetime(2028, 2, 15, 12, 0, tzinfo=UTC)),
        ("1m", datetime(2028, 1, 29, 12, 0, tzinfo=UTC)),
        ("13m", datetime(2027, 1, 29, 12, 0, tzinfo=UTC)),
        ("3y", datetime(2025, 2, 28, 12, 0, tzinfo=UTC)),
        ("3Y", datetime(2025, 2, 28, 12, 0, tzinfo=UTC)),
    ],
)
def test_age_cutoff(age: str, expected: datetime) -> None:
    assert age_cutoff(age, now=NOW) == expected


@pytest.mark.parametrize("age", ["", "3", "3 years", "0d", "-1y", "1.5y", "3h", "99999y"])
def test_bad_ages_are_refused_naming_the_value(age: str) -> None:
    with pytest.raises(InvalidRequest, match="age"):
        age_cutoff(age, now=NOW)


def _matches(pattern: str, text: str) -> bool:
    # The patterns are POSIX (PostgreSQL); these ones use nothing Python reads differently
    # except the [:alnum:] class.
    return re.search(pattern.replace("[:alnum:]", "a-zA-Z0-9"), text, re.IGNORECASE) is not None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("From: Pat Buyer <pat@initech.example>", True),
        ("to PAT@INITECH.EXAMPLE.", True),
        ('["pat@initech.example"]', True),
        ("spat@initech.example", False),
        ("pat@initech.example.com", False),
        ("pat@initech.examples", False),
        ("per pat   buyer, the budget", True),
        ("Pat Buyers club", False),
        ("Pat said hello", False),
    ],
)
def test_person_patterns(text: str, named: bool) -> None:
    patterns = person_patterns(emails=["pat@initech.example"], names=["Pat Buyer", "Pat"])
    assert len(patterns) == 2  # a one-word name is not searched in text
    assert any(_matches(p, text) for p in patterns) is named


def test_regex_metacharacters_in_names_are_literal() -> None:
    (pattern,) = person_patterns(emails=[], names=["J. (Jo) O'Neil+Co"])
    assert _matches(pattern, "met J. (Jo) O'Neil+Co today")
    assert not _matches(pattern, "met JX (Jo) O'Neil+Co today")
