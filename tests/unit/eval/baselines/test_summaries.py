"""Lead-n: the first sentences of a text, cut by the text layer's splitter."""

from __future__ import annotations

import doctest

import pytest

from eval.baselines import summaries
from eval.baselines.summaries import lead_sentences


@pytest.mark.parametrize(
    ("text", "n", "expected"),
    [
        ("One. Two! Three? Four.", 3, "One. Two! Three?"),
        ("Only one sentence here", 3, "Only one sentence here"),
        ("", 3, ""),
        ("One. Two. Three.", 1, "One."),
        # Speaker labels are not part of a sentence; turns count sentence by sentence.
        (
            "#Person1#: Hi, Mr. Smith. How are you?\n#Person2#: Fine.",
            3,
            "Hi, Mr. Smith. How are you? Fine.",
        ),
        # Bullet markers are left out, metadata lines are sentences of their own.
        (
            "- Send the quote.\n- Book the demo.\n- Call Ana.\n- Late.",
            3,
            "Send the quote. Book the demo. Call Ana.",
        ),
    ],
)
def test_lead_sentences(text: str, n: int, expected: str) -> None:
    assert lead_sentences(text, n) == expected


def test_lead_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="got 0"):
        lead_sentences("One.", 0)


def test_docstring_example() -> None:
    result = doctest.testmod(summaries)
    assert result.failed == 0 and result.attempted > 0
