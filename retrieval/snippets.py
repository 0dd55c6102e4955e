"""Search-result snippets: the best window of a chunk with the query terms marked."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from summarizers.answer import stem as _stem_word

__all__ = ["Snippet", "make_snippet", "query_terms"]

_WORD = re.compile(r"[\w][\w\-./#]*", re.UNICODE)
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "how",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
        "did",
        "do",
        "does",
        "about",
        "any",
        "there",
        "than",
        "then",
        "into",
        "can",
        "could",
        "would",
        "should",
    ]
)
#: Endings that may follow a query stem in the text ("pric" marks "price" and "prices",
#: "car" marks "cars" but not "career").
_TAILS = frozenset(["", "e", "s", "es", "ed", "ing", "er", "ers", "ly", "ment", "ments", "ion"])


def query_terms(query: str) -> list[str]:
    """Lowercased stems of the query's content words, in order, without repeats.

    Example:
        >>> query_terms("Who asked about the pricing discounts?")
        ['ask', 'pric', 'discount']
    """
    seen: list[str] = []
    for m in _WORD.finditer(query.lower()):
        word = m.group(0).strip("-./#")
        if len(word) < 2 or word in _STOPWORDS:
            continue
        stem = _stem_word(word)
        if stem not in seen:
            seen.append(stem)
    return seen


@dataclass(frozen=True)
class Snippet:
    """A window of a document's text.

    ``text`` is plain; ``html`` is the same text HTML-escaped with ``<mark>`` around each
    match; ``marks`` are the matches as ``(start, end)`` offsets into the document.
    ``start``/``end`` locate the window in the document.
    """

    text: str
    html: str
    start: int
    end: int
    marks: tuple[tuple[int, int], ...]


def _matches(text: str, terms: list[str]) -> list[tuple[int, int]]:
    out = []
    for m in _WORD.finditer(text):
        word = m.group(0).lower().rstrip("-./#")
        if any(
            _stem_word(word) == t or (word.startswith(t) and word[len(t) :] in _TAILS)
            for t in terms
        ):
            out.append((m.start(), m.start() + len(word)))
    return out


def make_snippet(text: str, query: str, *, offset: int = 0, max_chars: int = 240) -> Snippet:
    """The ``max_chars`` window of ``text`` holding the most distinct query terms.

    Args:
        text: The chunk text.
        query: The user's query.
        offset: Where ``text`` starts in its document, so marks are document offsets.
        max_chars: Window length; the window snaps to word boundaries.

    Example:
        >>> make_snippet("The renewal is at risk.", "renewal risk").html
        'The <mark>renewal</mark> is at <mark>risk</mark>.'
    """
    terms = query_terms(query)
    marks = _matches(text, terms) if terms else []
    lo, hi = _best_window(text, marks, terms, max_chars)
    inside = [(s, e) for s, e in marks if s >= lo and e <= hi]
    window = text[lo:hi]
    parts, cursor = [], lo
    for s, e in inside:
        parts.append(html.escape(text[cursor:s]))
        parts.append(f"<mark>{html.escape(text[s:e])}</mark>")
        cursor = e
    parts.append(html.escape(text[cursor:hi]))
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    return Snippet(
        text=prefix + window + suffix,
        html=prefix + "".join(parts) + suffix,
        start=offset + lo,
        end=offset + hi,
        marks=tuple((offset + s, offset + e) for s, e in inside),
    )


def _best_window(
    text: str, marks: list[tuple[int, int]], terms: list[str], max_chars: int
) -> tuple[int, int]:
    if len(text) <= max_chars:
        return 0, len(text)
    best_start, best_score, best_first = 0, -1, len(text)
    for s, _ in marks or [(0, 0)]:
        start = max(0, s - max_chars // 4)
        window = [text[a:b].lower() for a, b in marks if a >= start and b <= start + max_chars]
        score = len({t for t in terms for w in window if w.startswith(t)}) * 100 + len(window)
        first = next((a for a, _ in marks if a >= start), len(text))
        if score > best_score:
            best_start, best_score, best_first = start, score, first
    lo = best_start
    if lo > 0:  # snap to the next word start, never past the first match
        gap = re.search(r"\s", text[lo : min(best_first, lo + 30)])
        lo = lo + gap.end() if gap else lo
    hi = min(len(text), lo + max_chars)
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > lo + max_chars // 2 else hi
    return lo, hi
