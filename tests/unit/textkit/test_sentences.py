"""Sentence segmentation: turns, notes, sections, bullets and speaker labels."""

from __future__ import annotations

import pytest

from tests.texts import NOTES
from textkit.documents import is_speaker_label
from textkit.sentences import segment, segment_within

# =========================================================================== segmentation


def test_segment_turns_keep_exact_offsets_speakers_and_continuations() -> None:
    text = (
        "[00:00:05] Ana Lopez: Hi Bo. Can you hear me?\n"
        "Bo (Acme) (00:12): Yes.\n"
        "I also have a question about the\n"
        "renewal date.\n"
        "00:31 - Ana Lopez: Sure, Mr. Smith sent it e.g. yesterday."
    )
    got = [(s.speaker, text[s.start : s.end]) for s in segment(text)]
    assert got == [
        ("Ana Lopez", "Hi Bo."),
        ("Ana Lopez", "Can you hear me?"),
        ("Bo (Acme)", "Yes."),
        ("Bo (Acme)", "I also have a question about the\nrenewal date."),
        ("Ana Lopez", "Sure, Mr. Smith sent it e.g. yesterday."),
    ]


def test_segment_dialogsum_tags_and_number_abbreviation() -> None:
    text = "#Person1#: See No. 5 please. No. Their task is here.\n#Person2#: OK."
    got = [(s.speaker, text[s.start : s.end]) for s in segment(text)]
    assert got == [
        ("#Person1#", "See No. 5 please."),
        ("#Person1#", "No."),
        ("#Person1#", "Their task is here."),
        ("#Person2#", "OK."),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Wait... What? Yes!!! Done.", ["Wait...", "What?", "Yes!!!", "Done."]),
        ('He said "stop." Then he left.', ['He said "stop."', "Then he left."]),
        ("Sure.  \t \r\nThe next line.", ["Sure.", "The next line."]),
        ("no stop here   \nNew line", ["no stop here", "New line"]),
        ("Hi Mr.   Smith. Dr. No.", ["Hi Mr.   Smith.", "Dr. No."]),
        # Long runs of stops or blanks: each was rescanned from every character in it.
        # (A run is also cut into sentences of at most MAX_SENTENCE_CHARS, 600.)
        ("." * 5_000, ["." * 600] * 8 + ["." * 200]),
        ("Hi." + " " * 5_000 + "Bo.", ["Hi.", "Bo."]),
        ("Hi" + " " * 5_000 + "\nBo.", ["Hi", "Bo."]),
        ("?" * 5_000 + " Ok.", ["?" * 600] * 8 + ["?" * 200, "Ok."]),
    ],
)
def test_segment_runs_of_stops_and_blanks(text: str, expected: list[str]) -> None:
    assert [text[s.start : s.end] for s in segment(text)] == expected


def test_segment_notes_skip_metadata_and_mark_sections_and_bullets() -> None:
    sentences = segment(NOTES)
    texts = [NOTES[s.start : s.end] for s in sentences]
    assert not any("Attendees" in t or "Sam Ortiz, Bill" in t for t in texts)
    assert texts[0] == "Call notes - Initech renewal, Oct 3"
    bullets = [s for s in sentences if s.bullet]
    assert all(not NOTES[s.start : s.end].startswith("-") for s in bullets)
    actions = [NOTES[s.start : s.end] for s in sentences if s.section == "action items"]
    assert actions == [
        "Send redlined MSA to Bill (Dana) - by Wednesday",
        "Sam to confirm the discount with deal desk by EOD Friday.",
        "Schedule the security review for next week",
    ]
    assert all(s.speaker is None for s in sentences)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("Ana", True),
        ("Ana Lopez", True),
        ("Jean van der Berg", True),
        ("#Person1#", True),
        ("Customer", True),
        ("Next steps", False),
        ("Attendees", False),
        ("Action items", False),
        ("Pricing", False),
        ("Finance came back", False),
        ("Monday", False),
        ("https", False),
    ],
)
def test_speaker_labels(label: str, expected: bool) -> None:
    assert is_speaker_label(label) is expected


def test_segment_within_keeps_only_sentences_inside_the_ranges() -> None:
    text = "Answers below.\n> Price?\n40 USD per seat.\n\nOn Mon Bo wrote:\n> ping"
    ranges = [(0, 14), (24, 40)]
    assert [text[s.start : s.end] for s in segment_within(text, ranges)] == [
        "Answers below.",
        "40 USD per seat.",
    ]
    assert segment_within(text, []) == []


def test_text_without_stops_is_cut_into_bounded_pieces_at_blanks() -> None:
    from textkit.sentences import MAX_SENTENCE_CHARS

    # Many speech-to-text exports have no punctuation: 133,000 characters were one
    # sentence, and a call's 2-4 sentence summary was the whole call.
    text = "Ana: " + " ".join(f"word{i}" for i in range(20_000))
    pieces = segment(text)
    assert len(pieces) > 1 and all(s.end - s.start <= MAX_SENTENCE_CHARS for s in pieces)
    # Cut between words, nothing lost or doubled, every piece still Ana's.
    assert " ".join(text[s.start : s.end] for s in pieces) == text[len("Ana: ") :]
    assert {s.speaker for s in pieces} == {"Ana"}
    # A run with no blank at all is cut anyway; ordinary sentences are untouched.
    blob = segment("x" * (2 * MAX_SENTENCE_CHARS + 7))
    assert [s.end - s.start for s in blob] == [MAX_SENTENCE_CHARS, MAX_SENTENCE_CHARS, 7]
    assert [(s.start, s.end) for s in segment("Hi there. Short one.")] == [(0, 9), (10, 20)]
