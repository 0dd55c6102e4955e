"""Call transcripts and notes: the canonical text and its labelled lines.

A line that opens with ``Label:`` is a speaker turn (``Ana Lopez: ...``), a section
heading (``Next steps:``) or a metadata line (``Attendees: ...``). One pattern finds
such lines for both chunking (a labelled line starts a unit) and segmentation (which
tells the three apart with :func:`is_speaker_label` and the two label sets).

Example:
    >>> text = render_call_transcript([{"speaker": "Ana", "text": "Hi"}, "Bo: Hello"])
    >>> [text[i:i + 3] for i in label_line_starts(text)]
    ['Ana', 'Bo:']
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from textkit.errors import TextError
from textkit.tokens import wordlist

__all__ = [
    "METADATA_LABELS",
    "SECTION_LABELS",
    "is_speaker_label",
    "label_line",
    "label_line_starts",
    "render_call_transcript",
]


def render_call_transcript(transcript: str | Sequence[Any]) -> str:
    """The canonical text of a call transcript, one ``Speaker: text`` line per turn.

    Args:
        transcript: Either the text itself (returned unchanged) or a sequence of turns,
            each a ``"Speaker: text"`` string or a mapping with ``speaker`` (or ``name``)
            and ``text`` (or ``content``).

    Raises:
        TextError: A turn is neither a string nor a mapping with a text field.

    Example:
        >>> render_call_transcript([{"speaker": "Ana", "text": "Hi"}, "Bo: Hello"])
        'Ana: Hi\\nBo: Hello'
    """
    if isinstance(transcript, str):
        return transcript
    lines = []
    for n, turn in enumerate(transcript):
        if isinstance(turn, str):
            lines.append(turn)
            continue
        if not isinstance(turn, Mapping):
            raise TextError(
                f"transcript turn {n}: expected a string or a mapping, got {type(turn).__name__}"
            )
        text = turn.get("text", turn.get("content"))
        if text is None:
            raise TextError(f"transcript turn {n}: no 'text' or 'content' in {dict(turn)!r}")
        speaker = turn.get("speaker", turn.get("name"))
        text = str(text).strip()
        lines.append(f"{str(speaker).strip()}: {text}" if speaker else text)
    return "\n".join(lines)


_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
# "Ana:", "[00:12:03] Ana:", "00:12 - Ana Lopez:", "Ana (00:12):", "**Ana:**", "#Person1#:".
_LABEL = (
    rf"[ \t]*(?:[\[(]?{_CLOCK}[\])]?[ \t]*(?:[-\u2013][ \t]*)?)?"
    r"(?:\*\*)?(?P<label>#[A-Za-z]+\d*#|[^\W\d_][\w.'\u2019&-]*(?:[ \t]+[\w.'\u2019&()-]+){0,3})"
    rf"(?:\*\*)?(?:[ \t]*[\[(]{_CLOCK}[\])])?[ \t]*:(?:\*\*)?(?:[ \t]+|\r?$)"
)
_LABEL_LINE = re.compile(_LABEL)
_LABEL_LINES = re.compile("^" + _LABEL, re.M)


def label_line(line: str) -> tuple[str, int] | None:
    """The label before ``line``'s colon and the offset where its body starts, if any.

    Example:
        >>> label_line("[00:12] Ana Lopez: Sounds good.")
        ('Ana Lopez', 19)
    """
    m = _LABEL_LINE.match(line)
    return (m.group("label").strip(), m.end()) if m else None


def label_line_starts(text: str) -> list[int]:
    """Offsets of the lines of ``text`` that open with a label: turns, headings, metadata.

    Example:
        >>> label_line_starts("Ana: Hi.\\nHow are you?\\nNext steps:\\n- call")
        [0, 22]
    """
    return [m.start() for m in _LABEL_LINES.finditer(text)]


# Labels that start a section ("Next steps:") or a metadata line ("Attendees: ..."),
# never a speaker. Compared lower-cased.
def _labels(text: str) -> frozenset[str]:
    return frozenset(label.strip() for label in text.split("|"))


#: Lower-cased headings that open a section of notes ("Next steps:"), never a speaker.
SECTION_LABELS: frozenset[str] = _labels(
    """next steps|next step|action items|action item|actions|action|follow-ups|follow ups
    |follow-up|follow up|followups|to do|todo|to-dos|todos|tasks|ai|owner|owners
    |decisions|decision|summary|recap|notes|note|call notes|meeting notes|agenda
    |background|context|pain points|pain|risks|risk|concerns|concern|objections
    |objection|blockers|blocker|competition|competitors|competitor|budget|pricing|price
    |timeline|timing|status|update|updates|ps|p.s|nb|fyi|outcome|outcomes|takeaways
    |key takeaways|highlights|questions|open questions|issues|issue|requirements|scope
    |goals|goal|discussion|details|important|reminder|warning|tip|q|a|question|answer
    |problem|solution|result|results|deadline|due|products|product|use case|use cases
    |champion|decision maker|stakeholders|feedback|customer feedback|wins|win|loss|why
    |what|when|where|how|who|step 1|step 2|step 3|phase 1|phase 2|option 1|option 2"""
)
#: Lower-cased labels of metadata lines ("Attendees: Ana, Bo"), never a speaker.
METADATA_LABELS: frozenset[str] = _labels(
    """attendees|participants|present|date|time|when|location|where|subject|re|to|from|cc
    |bcc|sent|account|company|customer account|opportunity|deal|stage|duration|recording
    |dial-in|zoom|meeting|call|title|org|organization|organizer|invitees|amount
    |close date|contact|contacts|owner name|region|territory|link|url|id|ref|reference
    |ticket|case"""
)
_NAME_PARTICLES = frozenset(
    wordlist("de da del della der den di du la le van von bin al el st. st dos das y")
)
# Words that, alone, are never speakers even when capitalised at the start of a line.
_NOT_SPEAKERS = frozenset(
    wordlist(
        """however also but and so then yes no ok okay note update important reminder example
        e.g i.e result therefore because quote answer question problem monday tuesday
        wednesday thursday friday saturday sunday today tomorrow yesterday tonight morning
        afternoon evening january february march april may june july august september
        october november december http https mailto www"""
    )
)


def is_speaker_label(label: str) -> bool:
    """Whether ``label`` (the text before a line's colon) names a speaker.

    Speakers are ``#Person1#``-style tags, or one to four Title-case words (name
    particles such as "van" and a parenthesised company allowed), and never a known
    heading or metadata label.

    Example:
        >>> [is_speaker_label(x) for x in ("Ana Lopez", "Next steps", "Finance came back")]
        [True, False, False]
    """
    label = label.strip()
    lowered = label.lower().rstrip(".")
    if not label or lowered in SECTION_LABELS or lowered in METADATA_LABELS:
        return False
    if label.startswith("#"):
        return bool(re.fullmatch(r"#[A-Za-z]+\d*#", label))
    parts = label.split()
    if len(parts) > 4 or lowered in _NOT_SPEAKERS:
        return False
    if not parts[0][0].isupper():
        return False
    for part in parts[1:]:
        if part.lower() in _NAME_PARTICLES or part.startswith("("):
            continue
        if not (part[0].isupper() or part[0].isdigit() or part.endswith(")")):
            return False
    return True
