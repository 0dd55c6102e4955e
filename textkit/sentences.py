"""Segmentation, tokenization and date resolution with exact character offsets.

Everything here indexes the original text: a :class:`Sentence` is ``text[start:end]``
and a :class:`DateMention` is ``text[start:end]``, so a citation built from either
quotes the source verbatim. Nothing is normalised in place; patterns are written to
tolerate the variants instead (curly apostrophes, ``I ' ll`` as some corpora tokenise it).

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

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "DateMention",
    "Sentence",
    "STOPWORDS",
    "content_tokens",
    "find_dates",
    "find_due_date",
    "is_speaker_label",
    "segment",
    "stem",
    "tokenize",
    "words",
]


def _wordlist(text: str) -> list[str]:
    """The whitespace-separated words of a literal: long word lists read better as prose."""
    return text.split()


# =========================================================================== tokens

_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")

STOPWORDS: frozenset[str] = frozenset(
    _wordlist(
        """a about above after again against all also am an and any are aren't as at be because
        been before being below between both but by can can't cannot could couldn't did
        didn't do does doesn't doing don't down during each few for from further had hadn't
        has hasn't have haven't having he he'd he'll he's her here here's hers herself him
        himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
        just let's me more most mustn't my myself no nor not of off on once only or other
        ought our ours ourselves out over own same shan't she she'd she'll she's should
        shouldn't so some such than that that's the their theirs them themselves then there
        there's these they they'd they'll they're they've this those through to too under
        until up very was wasn't we we'd we'll we're we've were weren't what what's when
        when's where where's which while who who's whom why why's will with won't would
        wouldn't you you'd you'll you're you've your yours yourself yourselves yes yeah okay
        ok um uh oh really actually just well also maybe get got going go gonna want like
        know think thing things lot bit one s t ve ll re d m"""
    )
)


def words(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the words of ``text[start:end]`` (letters and digits, inner apostrophes).

    Example:
        >>> text = "We'll send it."
        >>> [text[s:e] for s, e in words(text)]
        ["We'll", 'send', 'it']
    """
    stop = len(text) if end is None else end
    return [m.span() for m in _WORD.finditer(text, start, stop)]


def tokenize(text: str) -> list[str]:
    """Lower-cased words, curly apostrophes folded to straight ones.

    Example:
        >>> tokenize("We\\u2019ll send 2 quotes.")
        ["we'll", 'send', '2', 'quotes']
    """
    return [m.group().lower().replace("\u2019", "'") for m in _WORD.finditer(text)]


def stem(token: str) -> str:
    """A light suffix stripper, so "quotes", "quoted" and "quote" share one key.

    Example:
        >>> [stem(t) for t in ("quotes", "priced", "pricing", "companies", "class")]
        ['quote', 'pric', 'pric', 'company', 'class']
    """
    token = token.removesuffix("'s")
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 4 and token.endswith("ed"):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def content_tokens(text: str) -> list[str]:
    """Stemmed tokens without stopwords: what similarity and salience are computed on.

    Example:
        >>> content_tokens("We need the revised quotes by Friday")
        ['need', 'revis', 'quote', 'friday']
    """
    return [stem(t) for t in tokenize(text) if t not in STOPWORDS and len(t) > 1]


# =========================================================================== segmentation


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


_CLOCK = r"\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?"
_LABEL_LINE = re.compile(
    rf"[ \t]*(?:[\[(]?{_CLOCK}[\])]?[ \t]*(?:[-\u2013][ \t]*)?)?"
    r"(?:\*\*)?(?P<label>#[A-Za-z]+\d*#|[^\W\d_][\w.'\u2019&-]*(?:[ \t]+[\w.'\u2019&()-]+){0,3})"
    rf"(?:\*\*)?(?:[ \t]*[\[(]{_CLOCK}[\])])?[ \t]*:(?:\*\*)?(?:[ \t]+|$)"
)
_BULLET = re.compile(r"[ \t]*(?:[-*\u2022\u2013>]|\d{1,2}[.)])[ \t]+")
_HEADING = re.compile(r"[ \t]*(?:#{1,6}[ \t]+)?(?:\*\*)?(?P<label>[^\n:]{1,40}?)(?:\*\*)?[ \t]*:?")


# Labels that start a section ("Next steps:") or a metadata line ("Attendees: ..."),
# never a speaker. Compared lower-cased.
def _labels(text: str) -> frozenset[str]:
    return frozenset(label.strip() for label in text.split("|"))


_SECTION_LABELS = _labels(
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
_METADATA_LABELS = _labels(
    """attendees|participants|present|date|time|when|location|where|subject|re|to|from|cc
    |bcc|sent|account|company|customer account|opportunity|deal|stage|duration|recording
    |dial-in|zoom|meeting|call|title|org|organization|organizer|invitees|amount
    |close date|contact|contacts|owner name|region|territory|link|url|id|ref|reference
    |ticket|case"""
)
_NAME_PARTICLES = frozenset(
    _wordlist("de da del della der den di du la le van von bin al el st. st dos das y")
)
# Words that, alone, are never speakers even when capitalised at the start of a line.
_NOT_SPEAKERS = frozenset(
    _wordlist(
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
    if not label or lowered in _SECTION_LABELS or lowered in _METADATA_LABELS:
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
    if label in _SECTION_LABELS and (is_marked or len(label.split()) >= 2):
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
        label_match = _LABEL_LINE.match(line)
        if label_match:
            label = label_match.group("label").strip()
            lowered = label.lower().rstrip(".")
            body_start = start + label_match.end()
            if lowered in _METADATA_LABELS:
                blocks.append(_Block(body_start, end, None, lowered, False, metadata=True))
                current = None
                continue
            if lowered in _SECTION_LABELS:
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
_SENTENCE_END = re.compile(
    r"(?P<stop>[.!?\u2026]+[\"'\u201d\u2019)\]]*)(?P<gap>[ \t]+|[ \t]*\r?\n[ \t]*)"
    r"(?=[\"'\u201c\u2018(#\[]?[A-Z0-9#\u00c0-\u00de])"
    r"|(?P<nl>[ \t]*\r?\n[ \t]*)(?=[\"'\u201c(#]?[A-Z0-9#\u00c0-\u00de])"
)
_ABBREVIATIONS = frozenset(
    _wordlist(
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
    for m in _SENTENCE_END.finditer(text, start, end):
        if m.group("stop") is not None:
            if _is_abbreviation(text, m.start("stop")):
                continue
            piece = _trim_range(text, sent_start, m.end("stop"))
        else:
            piece = _trim_range(text, sent_start, m.start())
        if piece:
            out.append(piece)
        sent_start = m.end()
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
            out.append(Sentence(start, end, block.speaker, turn, block.section, block.bullet))
    return out


# =========================================================================== dates


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression in a text, resolved against a reference date.

    Attributes:
        start: Offset of the expression.
        end: Offset after it.
        value: The resolved date.
        rank: How specific the expression is: 5 an explicit date, 4 a day of the month,
            3 a weekday or a day count, 2 a week, month, quarter or year, 1 today / EOD.
    """

    start: int
    end: int
    value: date
    rank: int


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_INDEX = {d: i for i, d in enumerate(_WEEKDAYS)} | {
    d[:3]: i for i, d in enumerate(_WEEKDAYS)
}
_WEEKDAY_INDEX.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_MONTH_INDEX = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH_INDEX.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH_INDEX["sept"] = 9
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "thirty": 30,
    "couple": 2,
    "couple of": 2,
    "a couple": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
}

_WD = (
    r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday|s)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)(?!\.\w)"  # not "monday.com"
)
_MON = (
    r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
)
_NUM = (
    r"(?P<num>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fourteen|fifteen|thirty|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)"
)
_ORD = r"(?:st|nd|rd|th)"

# Each pattern has a handler below; the first that matches at a position wins, so the
# longer forms come first ("end of next week" before "next week").
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        (
            "iso",
            r"\b(?P<y>20\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b",
        ),
        (
            "mdy_slash",
            r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?\b",
        ),
        (
            "month_day",
            rf"\b(?:{_WD},?\s+)?{_MON}\.?\s+(?P<d>\d{{1,2}}){_ORD}?\b(?:,?\s+(?P<y>20\d{{2}})\b)?",
        ),
        (
            "day_month",
            rf"\b(?P<d>\d{{1,2}}){_ORD}?\s+(?:of\s+)?{_MON}\b\.?(?:,?\s+(?P<y>20\d{{2}})\b)?",
        ),
        (
            "end_of_next",
            r"\b(?:the\s+)?(?P<edge>end|close|start|beginning|early|middle|mid|late|later)"
            r"(?:\s+of)?[\s-]+(?:the\s+)?next\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "week_after_next",
            r"\b(?:the\s+)?week\s+after\s+next\b",
        ),
        (
            "edge_of_period",
            r"\b(?:the\s+)?(?P<edge>end|close|start|beginning|middle|mid)\s+of\s+"
            r"(?:the\s+|this\s+)?(?P<unit>day|business\s+day|week|month|quarter|year)\b",
        ),
        (
            "edge_of_month_name",
            rf"\b(?:the\s+)?(?P<edge>end|close|start|beginning|early|middle|mid|late)"
            rf"(?:\s+of)?[\s-]+{_MON}\b",
        ),
        (
            "edge_of_quarter",
            r"\b(?:the\s+)?(?P<edge>end|close|start|beginning|early|middle|mid|late)"
            r"(?:\s+of)?[\s-]+(?:the\s+)?q(?P<q>[1-4])\b",
        ),
        (
            "abbrev",
            r"\b(?P<abbr>eod|cob|eob|eow|eom|eoq|eoy)\b",
        ),
        (
            "period_end",
            r"\b(?P<unit>month|quarter|year)[\s-]end\b",
        ),
        (
            "by_next",
            r"\b(?P<prep>by|before|until|till)\s+next\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "next_unit",
            r"\bnext\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "this_unit",
            r"\bthis\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "next_weekday",
            rf"\bnext\s+{_WD}\b",
        ),
        (
            "this_weekday",
            rf"\bthis\s+(?:coming\s+)?{_WD}\b",
        ),
        (
            "relative",
            rf"\b(?:in|within)\s+(?:the\s+next\s+)?{_NUM}\s+(?P<business>business\s+|working\s+)?"
            r"(?P<unit>hours?|days?|weeks?|months?)\b",
        ),
        (
            "from_now",
            rf"\b{_NUM}\s+(?P<business>business\s+|working\s+)?(?P<unit>days?|weeks?|months?)"
            r"\s+from\s+(?:now|today)\b",
        ),
        (
            "day_after_tomorrow",
            r"\bday\s+after\s+tomorrow\b",
        ),
        (
            "tomorrow",
            r"\b(?:tomorrow|tmrw|tmr)\b",
        ),
        (
            "today",
            r"\b(?:today|tonight|(?:this|later\s+this)\s+(?:morning|afternoon|evening)"
            r"|later\s+today|end\s+of\s+(?:the\s+)?(?:business\s+)?day|close\s+of\s+business)\b",
        ),
        (
            "prep_month",
            rf"\b(?P<prep>in|by|before|until|during|for)\s+{_MON}\b(?!\s+\d)",
        ),
        (
            "day_of_month",
            rf"\b(?:by|on|before|until|for)\s+the\s+(?P<d>\d{{1,2}}){_ORD}\b",
        ),
        (
            "weekday",
            rf"\b{_WD}\b",
        ),
    )
)


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + month - 1 + months
    return total // 12, total % 12 + 1


def _week_monday(ref: date, weeks_ahead: int = 0) -> date:
    return ref - timedelta(days=ref.weekday()) + timedelta(weeks=weeks_ahead)


def _quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first_month = 3 * (quarter - 1) + 1
    return date(year, first_month, 1), _last_day(year, first_month + 2)


def _add_business_days(ref: date, days: int) -> date:
    out = ref
    while days > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


def _number(raw: str) -> int:
    raw = " ".join(raw.lower().split())
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def _next_weekday(ref: date, weekday: int) -> date:
    """The first ``weekday`` strictly after ``ref``: "by Friday" said on a Friday is +7."""
    return ref + timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1)


def _upcoming(ref: date, month: int, day: int, year: int | None) -> date | None:
    """``month``/``day`` in ``year``, or its next occurrence on or after ``ref``."""
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        value = date(ref.year, month, day)
        return value if value >= ref else date(ref.year + 1, month, day)
    except ValueError:
        return None  # "February 30": no such date, so no due date rather than a wrong one


def _period(ref: date, unit: str, ahead: int) -> tuple[date, date]:
    """First and last day of the week/month/quarter/year ``ahead`` periods from ``ref``'s."""
    if unit == "week":
        monday = _week_monday(ref, ahead)
        return monday, monday + timedelta(days=4)  # the business week
    if unit == "month":
        year, month = _add_months(ref.year, ref.month, ahead)
        return date(year, month, 1), _last_day(year, month)
    if unit == "quarter":
        index = ref.year * 4 + (ref.month - 1) // 3 + ahead
        return _quarter_bounds(index // 4, index % 4 + 1)
    year = ref.year + ahead
    return date(year, 1, 1), date(year, 12, 31)


def _current(ref: date, unit: str) -> tuple[date, date]:
    """The period holding ``ref``; at a weekend, "this week" is the coming business week."""
    first, last = _period(ref, unit, 0)
    return (first, last) if last >= ref else _period(ref, unit, 1)


def _edge(first: date, last: date, edge: str) -> date:
    if edge in ("start", "beginning", "early"):
        return first
    if edge in ("middle", "mid"):
        return first + (last - first) // 2
    return last  # end, close, late, later


def _resolve(name: str, m: re.Match[str], ref: date) -> tuple[date | None, int]:
    g = {k: (v.lower() if isinstance(v, str) else v) for k, v in m.groupdict().items()}
    if name == "iso":
        return _upcoming(ref, int(g["m"]), int(g["d"]), int(g["y"])), 5
    if name == "mdy_slash":
        if not 1 <= int(g["m"]) <= 12:
            return None, 0
        year = int(g["y"]) if g["y"] else None
        return _upcoming(ref, int(g["m"]), int(g["d"]), year), 5
    if name in ("month_day", "day_month"):
        year = int(g["y"]) if g["y"] else None
        return _upcoming(ref, _MONTH_INDEX[g["mon"].rstrip(".")], int(g["d"]), year), 5
    if name == "end_of_next":
        return _edge(*_period(ref, g["unit"], 1), g["edge"]), 2
    if name == "week_after_next":
        return _period(ref, "week", 2)[1], 2
    if name == "edge_of_period":
        unit = g["unit"]
        if unit.endswith("day"):
            return ref, 1
        return max(ref, _edge(*_current(ref, unit), g["edge"])), 2
    if name == "edge_of_month_name":
        month = _MONTH_INDEX[g["mon"]]
        year = ref.year if month >= ref.month else ref.year + 1
        return max(ref, _edge(date(year, month, 1), _last_day(year, month), g["edge"])), 2
    if name == "edge_of_quarter":
        first, last = _quarter_bounds(ref.year, int(g["q"]))
        if last < ref:
            first, last = _quarter_bounds(ref.year + 1, int(g["q"]))
        return max(ref, _edge(first, last, g["edge"])), 2
    if name == "abbrev":
        unit = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}.get(g["abbr"])
        return (_current(ref, unit)[1], 2) if unit else (ref, 1)
    if name == "period_end":
        return _current(ref, g["unit"])[1], 2
    if name == "by_next":
        return _period(ref, g["unit"], 1)[0], 2
    if name == "next_unit":
        return _period(ref, g["unit"], 1)[1], 2
    if name == "this_unit":
        return _current(ref, g["unit"])[1], 2
    if name == "next_weekday":
        return _week_monday(ref, 1) + timedelta(days=_WEEKDAY_INDEX[g["wd"]]), 3
    if name == "this_weekday":
        value = _week_monday(ref) + timedelta(days=_WEEKDAY_INDEX[g["wd"]])
        return (value if value >= ref else _next_weekday(ref, _WEEKDAY_INDEX[g["wd"]])), 3
    if name in ("relative", "from_now"):
        return _relative(ref, _number(g["num"]), g["unit"], bool(g.get("business"))), 3
    if name == "day_after_tomorrow":
        return ref + timedelta(days=2), 3
    if name == "tomorrow":
        return ref + timedelta(days=1), 3
    if name == "today":
        return ref, 1
    if name == "prep_month":
        month = _MONTH_INDEX[g["mon"]]
        year = ref.year if month >= ref.month else ref.year + 1
        if g["prep"] in ("by", "before", "until") and month != ref.month:
            return date(year, month, 1), 2
        return _last_day(year, month), 2  # "by March" said in March means its end
    if name == "day_of_month":
        return _day_of_month(ref, int(g["d"])), 4
    if name == "weekday":
        return _next_weekday(ref, _WEEKDAY_INDEX[g["wd"]]), 3
    raise AssertionError(name)  # pragma: no cover - every pattern has a branch


def _relative(ref: date, count: int, unit: str, business: bool) -> date:
    unit = unit.rstrip("s")
    if unit == "hour":
        return ref + timedelta(days=-(-count // 24))
    if unit == "day":
        return _add_business_days(ref, count) if business else ref + timedelta(days=count)
    if unit == "week":
        return ref + timedelta(weeks=count)
    year, month = _add_months(ref.year, ref.month, count)
    return date(year, month, min(ref.day, calendar.monthrange(year, month)[1]))


def _day_of_month(ref: date, day: int) -> date | None:
    """The next ``day``-th on or after ``ref``; months without that day are skipped."""
    if not 1 <= day <= 31:
        return None
    year, month = ref.year, ref.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= ref:
            return date(year, month, day)
        year, month = _add_months(year, month, 1)
    return None  # pragma: no cover - some month within a year has every day 1..31


def _mentions_weekday_word(m: re.Match[str]) -> bool:
    # "May" and "March" are words too; a bare month needs a preposition (handled by the
    # pattern), and "mon"/"sun"/"sat"/"wed" abbreviations need a capital or a period.
    wd = m.groupdict().get("wd")
    if not wd or len(wd) >= 6 or wd.lower() in ("tues", "thurs"):
        return True
    return wd[0].isupper()


_BACK_BEFORE = re.compile(
    r"\b(?:since|last|past|previous|earlier|until\s+last)\s+(?:the\s+)?$", re.I
)
_BACK_AFTER = re.compile(r"\s+ago\b", re.I)


def _points_back(text: str, start: int, end: int) -> bool:
    """Whether a date expression refers to the past ("since Friday", "last Monday")."""
    return bool(
        _BACK_BEFORE.search(text, max(0, start - 24), start) or _BACK_AFTER.match(text, end)
    )


def find_dates(text: str, ref: date, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Date expressions in ``text[start:end]``, resolved against ``ref`` (the call date).

    Conventions, chosen so a due date is the deadline a listener would write down:

    * a weekday ("Friday", "by Friday", "on Fri") is its next occurrence strictly after
      ``ref``, so "by Friday" said on a Friday means a week later; "this Friday" is the
      Friday of ``ref``'s Monday-to-Sunday week unless it has passed; "next Friday" is
      the Friday of the following week;
    * "tomorrow" is +1; "today", "tonight", "EOD", "COB", "end of day" are ``ref``;
    * "this week", "end of the week", "EOW" are the Friday of ``ref``'s week; "next week"
      and "end of next week" the Friday of the next; "early next week" and "by next
      week" its Monday; "the week after next" the Friday of the week after;
    * "end of month", "EOM", "month-end", "this month" are the month's last day; "next
      month" the last day of the next, "by / early next month" its first; quarters and
      years likewise;
    * "in two weeks", "within 5 business days", "48 hours", "a week from today" count
      from ``ref`` (business days skip weekends; hours round up to days);
    * "by the 15th" is the next 15th on or after ``ref``; "December 4", "Dec 4th",
      "4 December", "12/4" (US order) and "2026-12-04" are that date, in the next year
      when it has passed and no year is given; "by March" is March 1, "in March" and
      "end of March" March 31, "mid-March" March 16;
    * expressions that point back ("since Thursday", "last Monday", "a week ago") are
      left out: they are not deadlines.

    Args:
        text: The text to search.
        ref: The reference date, normally the call date.
        start: Where to start looking.
        end: Where to stop looking; the end of ``text`` when None.

    Returns:
        Non-overlapping mentions in text order.

    Example:
        >>> from datetime import date
        >>> [(m.value.isoformat(), m.rank) for m in find_dates("by EOD Friday", date(2026, 3, 4))]
        [('2026-03-04', 1), ('2026-03-06', 3)]
    """
    stop = len(text) if end is None else end
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for name, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text, start, stop):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            if name == "weekday" and not _mentions_weekday_word(m):
                continue
            taken.append(m.span())
            if _points_back(text, m.start(), m.end()):
                continue
            value, rank = _resolve(name, m, ref)
            if value is None:
                continue
            found.append(DateMention(m.start(), m.end(), value, rank))
    found.sort(key=lambda d: d.start)
    return found


def find_due_date(
    text: str, ref: date, start: int = 0, end: int | None = None
) -> DateMention | None:
    """The most specific date mention in ``text[start:end]``; the earliest on a tie.

    "by EOD Friday" gives Friday, not today; "December 4, or next week at the latest"
    gives December 4.

    Example:
        >>> from datetime import date
        >>> find_due_date("I'll send it over tomorrow EOD", date(2026, 1, 30)).value
        datetime.date(2026, 1, 31)
    """
    mentions: Sequence[DateMention] = find_dates(text, ref, start, end)
    if not mentions:
        return None
    return max(mentions, key=lambda d: (d.rank, -d.start))
