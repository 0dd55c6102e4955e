"""Sentence segmentation with exact character offsets.

A :class:`Sentence` is ``text[start:end]``, so a citation built from it quotes the
source verbatim. Nothing is normalised in place; patterns are written to tolerate the
variants instead (curly apostrophes, ``I ' ll`` as some corpora tokenise it).

Three layouts are understood, and may be mixed in one text:

* speaker turns, one per line: ``Ana: ...``, ``Ana Lopez (Acme): ...``,
  ``[00:12:03] Ana: ...``, ``00:12 - Ana:``, ``Ana (00:12):``, ``#Person1#: ...``;
  lines that follow a turn without a label continue it, up to a blank line;
* notes: ``Attendees: ...`` metadata lines, ``Next steps:`` headings that open a
  section, ``- bullet`` lines (the marker is left out of the sentence);
* plain prose, split into sentences.

Example:
    >>> text = "Ana: Hi Bo. I'll send the quote by Friday.\\nBo: Great."
    >>> [(s.speaker, text[s.start:s.end]) for s in segment(text)]
    [('Ana', 'Hi Bo.'), ('Ana', "I'll send the quote by Friday."), ('Bo', 'Great.')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from textkit.documents.calls import METADATA_LABELS, SECTION_LABELS, is_speaker_label, label_line
from textkit.tokens import wordlist

__all__ = ["MAX_SENTENCE_CHARS", "Sentence", "opens_list_item", "segment", "segment_within"]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a text: ``text[start:end]``, who said it and where it sits.

    Attributes:
        start: Offset of the first character (a bullet marker is not part of it).
        end: Offset after the last character.
        speaker: The turn's speaker label as written, or None for prose and notes.
        turn: Index of the turn (or paragraph / bullet / line block) it belongs to.
        section: The lower-cased heading it falls under (``"next steps"``), if any.
        bullet: Whether it comes from a ``- item`` line.
    """

    start: int
    end: int
    speaker: str | None
    turn: int
    section: str | None = None
    bullet: bool = False


_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u2013>]|\d{1,2}[.)])[ \t]+")


def opens_list_item(line: str) -> bool:
    """Whether ``line`` opens with a list marker ("- ", "• ", "1. ", "2) "...), the rule
    :func:`segment` marks a sentence's ``bullet`` by.

    Example:
        >>> opens_list_item("- Annual: $33,600"), opens_list_item("Annual: $33,600")
        (True, False)
    """
    return _BULLET.match(line) is not None


_HEADING = re.compile(r"[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*)?(?P<label>[^\n:]{1,40}?)(?:\*\*)?[ \t]*:?")


def _heading_label(line: str) -> str | None:
    """The lower-cased section name when ``line`` is a heading such as ``Next steps:``."""
    stripped = line.strip()
    if not stripped or len(stripped) > 48:
        return None
    m = _HEADING.fullmatch(stripped)
    if not m:
        return None
    label = m.group("label").strip().strip("*").strip().lower()
    is_marked = stripped.endswith(":") or stripped.startswith("#") or stripped.startswith("**")
    if label in SECTION_LABELS and (is_marked or len(label.split()) >= 2):
        return label
    return None


@dataclass(slots=True)
class _Block:
    """Lines that form one unit: a turn, a bullet, a paragraph or a metadata line."""

    start: int
    end: int
    speaker: str | None
    section: str | None
    bullet: bool
    metadata: bool = False


def _lines(text: str) -> list[tuple[int, int]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        end = pos + len(line)
        out.append((pos, end - 1 if line.endswith("\r") else end))
        pos = end + 1
    return out


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    section: str | None = None
    current: _Block | None = None
    for start, end in _lines(text):
        line = text[start:end]
        if not line.strip():
            current = None  # a blank line ends a turn, a bullet and a paragraph
            continue
        heading = _heading_label(line)
        if heading is not None:
            section, current = heading, None
            continue
        labelled = label_line(line)
        if labelled:
            label, body_offset = labelled
            lowered = label.lower().rstrip(".")
            body_start = start + body_offset
            if lowered in METADATA_LABELS:
                blocks.append(_Block(body_start, end, None, lowered, False, metadata=True))
                current = None
                continue
            if lowered in SECTION_LABELS:
                # "Next steps: send the deck" -- a one-line section.
                current = _Block(body_start, end, None, lowered, False)
                blocks.append(current)
                continue
            if is_speaker_label(label) and body_start < end:
                current = _Block(body_start, end, label, section, False)
                blocks.append(current)
                continue
        bullet = _BULLET.match(line)
        if bullet:
            body_start = start + bullet.end()
            speaker = current.speaker if current is not None and current.speaker else None
            current = _Block(body_start, end, speaker, section, True)
            blocks.append(current)
            continue
        if current is not None:
            current.end = end  # a continuation line of a turn, bullet or paragraph
            continue
        current = _Block(start, end, None, section, False)
        blocks.append(current)
    return blocks


# A sentence ends at . ! ? or an ellipsis (plus closing quotes) before whitespace and a
# capital, digit, quote or speaker tag; a line break inside a block ends one when the
# next line does not continue in lower case.
#
# A match may only begin where a run of stops (or of blanks) begins, and the runs are
# taken possessively. Neither changes a match: one that starts inside a run also starts
# at the run's first character, and giving back part of a run leaves a stop or a blank
# where the gap or the line break must begin. Without them every character of a run of
# N stops or blanks rescans the rest of the run: "." * 20_000 took 15 s to split.
_SENTENCE_END = re.compile(
    r"(?<![.!?\u2026])(?P<stop>[.!?\u2026]++[\"'\u201d\u2019)\]]*+)"
    r"(?P<gap>[ \t]+|[ \t]*\r?\n[ \t]*)"
    r"(?=[\"'\u201c\u2018(#\[]?[A-Z0-9#\u00c0-\u00de])"
    r"|(?<![ \t])(?P<nl>[ \t]*+\r?\n[ \t]*)(?=[\"'\u201c(#]?[A-Z0-9#\u00c0-\u00de])"
)
_ABBREVIATIONS = frozenset(
    wordlist(
        """mr mrs ms dr prof sr jr st vs v e.g i.e eg ie inc ltd co corp llc approx dept est
        jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri
        sat sun u.s u.k a.m p.m al cf ca"""
    )
)

_NUMBER_ABBREVIATIONS = frozenset(("no", "nos", "fig", "vol", "p", "pp"))


def _is_abbreviation(text: str, stop: int) -> bool:
    """Whether the period at ``stop`` ends an abbreviation or an initial, not a sentence."""
    if text[stop] != ".":
        return False
    begin = stop
    while begin > 0 and (text[begin - 1].isalpha() or text[begin - 1] == "."):
        begin -= 1
    word = text[begin:stop].lower()
    if word in _ABBREVIATIONS:
        return True
    if word in _NUMBER_ABBREVIATIONS:  # "No. 5", but "No. Their task ..." ends a sentence
        return text[stop + 1 : stop + 3].strip()[:1].isdigit()
    # "J. Smith" or "U.S." -- a single letter before the period.
    return len(word) == 1 and word.isalpha() and text[begin].isupper()


def _trim_range(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    sent_start = start
    # Searched in a copy of the block so the look-behinds cannot see the text before it:
    # a block that starts inside a run of stops or blanks splits as it always did.
    for m in _SENTENCE_END.finditer(text[start:end]):
        if m.group("stop") is not None:
            if _is_abbreviation(text, start + m.start("stop")):
                continue
            piece = _trim_range(text, sent_start, start + m.end("stop"))
        else:
            piece = _trim_range(text, sent_start, start + m.start())
        if piece:
            out.append(piece)
        sent_start = start + m.end()
    piece = _trim_range(text, sent_start, end)
    if piece:
        out.append(piece)
    return out


def segment(text: str) -> list[Sentence]:
    """Split ``text`` into sentences with speakers, sections and exact offsets.

    Metadata lines (``Attendees: ...``, ``Date: ...``) and headings are left out; a
    bullet's marker is not part of its sentence.

    Args:
        text: A transcript, call notes, an email body or any prose.

    Returns:
        Sentences in text order; ``text[s.start:s.end]`` is each one's text.

    Example:
        >>> notes = "Attendees: Ana, Bo\\n\\nNext steps:\\n- Ana to send the quote."
        >>> [(s.section, notes[s.start:s.end]) for s in segment(notes)]
        [('next steps', 'Ana to send the quote.')]
    """
    out: list[Sentence] = []
    for turn, block in enumerate(_blocks(text)):
        if block.metadata:
            continue
        for start, end in _split_sentences(text, block.start, block.end):
            for piece_start, piece_end in _bounded(text, start, end):
                out.append(
                    Sentence(
                        piece_start, piece_end, block.speaker, turn, block.section, block.bullet
                    )
                )
    return out


#: The longest sentence :func:`segment` returns. Text without stops (many speech-to-text
#: exports) was one 133,000-character "sentence", so a call's 2-4 sentence summary was the
#: whole call; a longer run is cut at the last blank before this length.
MAX_SENTENCE_CHARS = 600


def _bounded(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``text[start:end]`` in pieces of at most :data:`MAX_SENTENCE_CHARS`, cut at blanks
    (inside a word only when it has none), each trimmed of blanks."""
    out: list[tuple[int, int]] = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = max(text.rfind(" ", start + 1, limit + 1), text.rfind("\n", start + 1, limit + 1))
        cut = cut if cut > start else limit
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        out.append((start, end))
    return [(s, e) for s, e in out if e > s]


def segment_within(text: str, ranges: Sequence[tuple[int, int]]) -> list[Sentence]:
    """The sentences of ``text`` that lie inside ``ranges``, such as an email's own text.

    ``text`` is segmented up to the end of the last range, so a sentence is never cut
    by what follows it; sentences outside every range (a quoted line) are left out.

    Example:
        >>> text = "Answers below.\\n> Price?\\n40 USD per seat.\\n\\nOn Mon Bo wrote:"
        >>> [text[s.start:s.end] for s in segment_within(text, [(0, 14), (24, 40)])]
        ['Answers below.', '40 USD per seat.']
    """
    if not ranges:
        return []
    return [
        s
        for s in segment(text[: ranges[-1][1]])
        if any(start <= s.start and s.end <= end for start, end in ranges)
    ]
