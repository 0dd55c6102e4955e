"""Text helpers of the rules: the span to quote from a document, and how values are phrased."""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from summarizers.actions.inputs import DocumentFacts, _utc
from textkit.crm import ContactRow
from textkit.documents import authored_ranges, ticket_body_end
from textkit.sentences import Sentence
from textkit.tokens import content_tokens, stem

_MAX_QUOTE_CHARS = 240  # evidence quotes: one sentence, cut at a word if longer
_SHORT_QUOTE_CHARS = 140  # quotes inside a rationale

_Span = tuple[int, int]
_GREETING = re.compile(r"(?:hi|hello|hey|dear|good (?:morning|afternoon))\b", re.I)
# Openers that say nothing about the ask; quoted only when nothing else is left.
_PLEASANTRY = re.compile(
    r"(?:sorry for|thanks|thank you|hope |following up|circling back|quick update|just checking"
    r"|apologies|great to|good to|nice to)",
    re.I,
)
_ASK_STRONG = re.compile(
    r"\b(?:can|could|would|will) you\b|\bplease\b|\b(?:we|i) (?:still )?need\b"
    r"|\bneed (?:you|your)\b|\bany update\b",
    re.I,
)
_THREAD_PREFIX = re.compile(r"^(?:(?:re|fw|fwd|aw|sv)\s*:\s*)+", re.I)
# Dates say when, not what: "by Friday" must not make a commitment look met. Stemmed,
# as the keywords they are taken out of are.
_CALENDAR_WORDS = frozenset(
    stem(word)
    for word in [
        *(name.lower() for name in calendar.day_name),
        *(name.lower() for name in calendar.month_name if name),
        "today",
        "tomorrow",
        "tonight",
        "week",
        "day",
        "month",
        "morning",
        "afternoon",
        "evening",
        "end",
    ]
)


def _keywords(text: str) -> frozenset[str]:
    """Stemmed content words of 3+ letters, without stop words, weekdays or months."""
    return frozenset(t for t in content_tokens(text) if len(t) >= 3 and t not in _CALENDAR_WORDS)


def _clip(content: str, span: _Span) -> _Span:
    """The span, cut at a word if longer than a quote should be."""
    start, end = span
    if end - start <= _MAX_QUOTE_CHARS:
        return span
    cut = content.rfind(" ", start, start + _MAX_QUOTE_CHARS)
    cut = cut if cut > start else start + _MAX_QUOTE_CHARS
    return start, len(content[start:cut].rstrip()) + start


def _regions(doc: DocumentFacts) -> list[_Span]:
    """The parts of a document its author wrote: no quoted reply, signature or comments."""
    if doc.kind == "email":
        return authored_ranges(doc.content)
    if doc.kind == "ticket":
        return [(0, ticket_body_end(doc.content))]
    return [(0, len(doc.content))]


def _substantive(content: str, sentence: Sentence) -> bool:
    text = content[sentence.start : sentence.end]
    return len(text.split()) >= 4 and not _GREETING.match(text)


def _first_good(content: str, sentences: Sequence[Sentence]) -> Sentence | None:
    good = [s for s in sentences if _substantive(content, s)] or sentences
    meant = [s for s in good if not _PLEASANTRY.match(content, s.start, s.end)]
    return (meant or good)[0] if good else None


def _lead_span(doc: DocumentFacts, sentences: Sequence[Sentence]) -> _Span | None:
    """The sentence that best says what a document is about: its ask, else its first point."""
    regions = _regions(doc)
    own = [s for s in sentences if any(a <= s.start and s.end <= b for a, b in regions)]
    own = own or list(sentences)
    if doc.kind == "email":
        good = [s for s in own if _substantive(doc.content, s)]
        for test in (lambda t: "?" in t, _ASK_STRONG.search):
            asks = [s for s in good if test(doc.content[s.start : s.end])]
            if asks:
                return _clip(doc.content, (asks[0].start, asks[0].end))
    lead = _first_good(doc.content, own)
    return _clip(doc.content, (lead.start, lead.end)) if lead else None


def _sentence_at(doc: DocumentFacts, sentences: Sequence[Sentence], offset: int) -> _Span:
    for s in sentences:
        if s.start <= offset < s.end:
            return _clip(doc.content, (s.start, s.end))
    line_start = doc.content.rfind("\n", 0, offset) + 1
    line_end = doc.content.find("\n", offset)
    return _clip(doc.content, (line_start, len(doc.content) if line_end < 0 else line_end))


def _line_by(
    doc: DocumentFacts, sentences: Sequence[Sentence], contact: ContactRow
) -> _Span | None:
    """The first thing ``contact`` said on a call, if the transcript names speakers."""
    names = {contact.name.strip().lower(), contact.name.split()[0].lower()}
    said = [s for s in sentences if s.speaker and s.speaker.strip().lower() in names]
    first = _first_good(doc.content, said)
    return _clip(doc.content, (first.start, first.end)) if first else None


def _speaker_at(sentences: Sequence[Sentence], offset: int) -> str | None:
    return next((s.speaker for s in sentences if s.start <= offset < s.end), None)


def _best_match(
    doc: DocumentFacts, sentences: Sequence[Sentence], wanted: frozenset[str]
) -> _Span | None:
    best: tuple[int, Sentence] | None = None
    for s in sentences:
        shared = len(wanted & _keywords(doc.content[s.start : s.end]))
        if shared and (best is None or shared > best[0]):
            best = (shared, s)
    return _clip(doc.content, (best[1].start, best[1].end)) if best else None


def _short(text: str, limit: int = _SHORT_QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(",;:") + "\u2026"


def _thread(subject: str) -> str | None:
    key = " ".join(_THREAD_PREFIX.sub("", subject.strip()).lower().split())
    return key or None


def _day(value: date, today: date) -> str:
    text = f"{value:%b} {value.day}"
    return text if value.year == today.year else f"{text}, {value.year}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _duration(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return _count(int(hours), "hour") if hours < 48 else _count(delta.days, "day")


def _period(delta: timedelta) -> str:
    """``_duration`` as an adjective: "24-hour", "5-day"."""
    hours = delta.total_seconds() / 3600
    return f"{hours:g}-hour" if hours < 48 else f"{delta / timedelta(days=1):g}-day"


def _money(amount: float) -> str:
    return f"${amount:,.0f}"


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return _utc(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return _utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00"))).date()
        except ValueError:
            return None
    return None
