"""Search-result snippets: the best window of a chunk with the query terms marked."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from textkit import tokens

__all__ = ["Snippet", "make_snippet", "query_terms"]


def query_terms(query: str) -> list[str]:
    """Lowercased stems of the query's content words (two letters or more), no repeats.

    Example:
        >>> query_terms("Who asked about the pricing discounts?")
        ['ask', 'pric', 'discount']
    """
    return tokens.terms(query, stopwords=tokens.QUERY_STOPWORDS, min_chars=2)


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
    """Spans of the words of ``text`` whose stem is a query term."""
    wanted = set(terms)
    return [(s, e) for s, e in tokens.words(text) if tokens.stem(_folded(text[s:e])) in wanted]


def _folded(word: str) -> str:
    return word.lower().replace("\u2019", "'")


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
    lo, hi = _best_window(text, marks, max_chars)
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


def _best_window(text: str, marks: list[tuple[int, int]], max_chars: int) -> tuple[int, int]:
    if len(text) <= max_chars:
        return 0, len(text)
    best_start, best_score, best_first = 0, -1, len(text)
    for s, _ in marks or [(0, 0)]:
        start = max(0, s - max_chars // 4)
        window = [text[a:b] for a, b in marks if a >= start and b <= start + max_chars]
        score = len({tokens.stem(_folded(w)) for w in window}) * 100 + len(window)
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
