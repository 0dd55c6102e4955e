"""Lead-n: the first sentences of a text, cut by the text layer's splitter."""

from __future__ import annotations

import doctest

import pytest

from eval.baselines import summaries
from eval.baselines.summaries import lead_sentence, lead_sentences


@pytest.mark.parametrize(
    ("text", "n", "expected"),
    [
        ("One. Two! Three? Four.", 3, "One. Two! Three?"),
        ("Only one sentence here", 3, "Only one sentence here"),
        ("", 3, ""),
        ("One. Two. Three.", 1, "One."),
        # Sentences count within turns; a label is written once per run of a speaker,
        # as the engine renders its summaries.
        (
            "#Person1#: Hi, Mr. Smith. How are you?\n#Person2#: Fine.",
            3,
            "#Person1#: Hi, Mr. Smith. How are you? #Person2#: Fine.",
        ),
        (
            "Ana: One.\nBo: Two.\nAna: Three\n  and more.",
            3,
            "Ana: One. Bo: Two. Ana: Three and more.",
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#Person1#: Hi, Mr. Smith. How are you?", "Hi, Mr. Smith."),
        ("", ""),
        ("No stop", "No stop"),
    ],
)
def test_lead_sentence_is_the_first_quote(text: str, expected: str) -> None:
    assert lead_sentence(text) == expected


def test_lead_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="got 0"):
        lead_sentences("One.", 0)


def test_docstring_example() -> None:
    result = doctest.testmod(summaries)
    assert result.failed == 0 and result.attempted > 0
