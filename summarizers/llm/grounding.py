"""Grounding: every item the model returns must quote its source, and the quote must fit.

Each quote is located in the source (exactly, then ignoring case, whitespace and
typographic quotes) and becomes a :class:`Citation` of that exact span; an item whose
quote is not found, or shares too little with its text, is dropped and tallied.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from summarizers.llm.errors import LLMUnavailable
from summarizers.llm.prompts import restore_markers
from summarizers.llm.schemas import LLMCallSummary, LLMClaim, LLMSentiment
from summarizers.models import (
    ActionItem,
    CallSummary,
    Citation,
    Competitor,
    Item,
    Sentiment,
    SourceDocument,
)
from textkit.tokens import STOPWORDS, tokenize

__all__ = ["Source", "Tally", "build_summary", "cite", "locate_quote", "supports", "verified"]

# ---------------------------------------------------------------- grounding

_TYPOGRAPHIC = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
        "\u2039": "<",
    }
)
_QUOTE_EDGES = "\"'\u2018\u2019\u201c\u201d`\u2026. "
_MIN_QUOTE_CHARS = 4


def _normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Case-folded, whitespace-collapsed ``text`` and each output char's source index."""
    out: list[str] = []
    where: list[int] = []
    in_space = False
    for i, ch in enumerate(text.translate(_TYPOGRAPHIC)):
        if ch.isspace():
            if not in_space and out:
                out.append(" ")
                where.append(i)
            in_space = True
            continue
        in_space = False
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
        where.append(i)
    return "".join(out), where


def _quote_candidates(quote: str) -> list[str]:
    """The quote as given, then without wrapping quotation marks or trailing ellipses."""
    quote = restore_markers(quote).strip()
    stripped = quote.strip(_QUOTE_EDGES)
    candidates = [quote, stripped] if stripped != quote else [quote]
    return [c for c in candidates if len(c) >= _MIN_QUOTE_CHARS]


def locate_quote(content: str, quote: str) -> tuple[int, int] | None:
    """The ``(start, end)`` of ``quote`` in ``content``, or ``None`` if it is not there.

    Exact match first; then a match ignoring case, runs of whitespace and typographic
    quotes/dashes, mapped back to offsets of the original ``content``.

    Example:
        >>> locate_quote("We will send the  SOC 2 report.", "send the soc 2 report")
        (8, 30)
    """
    candidates = _quote_candidates(quote)
    for candidate in candidates:
        at = content.find(candidate)
        if at >= 0:
            return at, at + len(candidate)
    norm_content, where = _normalize_with_map(content)
    for candidate in candidates:
        norm_quote = _normalize_with_map(candidate)[0].strip()
        if len(norm_quote) < _MIN_QUOTE_CHARS:
            continue
        at = norm_content.find(norm_quote)
        if at >= 0:
            return where[at], where[at + len(norm_quote) - 1] + 1
    return None


_NUMBER = re.compile(r"\d+")
_CAPITALIZED = re.compile(r"[A-Z][^\W_]{2,}")
_SENTENCE_STARTERS = ".!?:;\"'(-*\u2022"
_MIN_SHARED_TERMS = 2
_MIN_SHARED_FRACTION = 0.3
# A prefix key, looser than textkit's stem() on purpose: the check is "plausibly
# supports", so "negotiation" and "negotiate" should meet.
_STEM_CHARS = 5


def _terms(text: str) -> set[str]:
    # A code counts by its parts, so "TCK" named in a claim is found in "TCK-10234".
    words = [part for token in tokenize(text) for part in token.split("-")]
    return {w[:_STEM_CHARS] for w in words if w not in STOPWORDS and (len(w) >= 3 or w.isdigit())}


def _names(text: str) -> set[str]:
    """Stems of capitalized words that are not sentence starts: names, products, places."""
    names = set()
    for m in _CAPITALIZED.finditer(text):
        before = text[: m.start()].rstrip()
        if not before or before[-1] in _SENTENCE_STARTERS or text[m.start() - 1].isalnum():
            continue
        word = m.group(0).lower()
        if word not in STOPWORDS:
            names.add(word[:_STEM_CHARS])
    return names


def supports(text: str, quote: str, *, context: str | None = None) -> bool:
    """Whether ``quote`` plausibly supports the statement ``text``.

    A cheap, conservative check:

    * every number in ``text`` appears in ``quote``;
    * every name in ``text`` (a capitalized word not starting a sentence) appears in
      ``context`` (the whole source the quote came from; ``quote`` if omitted), so an item
      cannot bring in accounts or people its source never mentions. A sentence's first
      word is not checked: without a lexicon it cannot be told from "Customer" or "The";
    * ``text`` and ``quote`` share at least two content terms (one when either has only
      one) and at least 30% of the smaller side's terms. Terms are lower-cased words
      without stop-words, cut to five characters so ``accounts``/``account`` match.

    Example:
        >>> supports("Initech wants a discount", "Initech asked for a discount on pricing")
        True
        >>> supports("Globex owes $2M", "Initech asked for a discount on pricing")
        False
    """
    text_terms, quote_terms = _terms(text), _terms(quote)
    if not text_terms or not quote_terms:
        return False
    if not set(_NUMBER.findall(text)) <= set(_NUMBER.findall(quote)):
        return False
    if not _names(text) <= _terms(context if context is not None else quote):
        return False
    shared = len(text_terms & quote_terms)
    smaller = min(len(text_terms), len(quote_terms))
    return shared >= min(_MIN_SHARED_TERMS, smaller) and shared / smaller >= _MIN_SHARED_FRACTION


@dataclass(frozen=True)
class Source:
    """A span of a document the model saw: ``text == content[start:start+len(text)]``."""

    document_id: str
    text: str
    start: int = 0


@dataclass
class Tally:
    kept: int = 0
    dropped: int = 0


def cite(sources: Sequence[Source], quote: str) -> tuple[Citation, Source] | None:
    """The first source containing ``quote``, and the citation of that exact span."""
    for source in sources:
        span = locate_quote(source.text, quote)
        if span is not None:
            start, end = span
            citation = Citation(
                document_id=source.document_id,
                start=source.start + start,
                end=source.start + end,
                quote=source.text[start:end],
            )
            return citation, source
    return None


def verified(sources: Sequence[Source], text: str, quote: str, tally: Tally) -> Citation | None:
    found = cite(sources, quote)
    if found is None:
        tally.dropped += 1
        return None
    citation, source = found
    if not supports(text, citation.quote, context=source.text):
        tally.dropped += 1
        return None
    tally.kept += 1
    return citation


def _parse_due(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _known_owner(doc: SourceDocument, owner: str | None) -> str | None:
    """``owner`` if the record names them; the model may not invent people."""
    if not owner or not owner.strip():
        return None
    haystack = " ".join([doc.content, doc.owner_name or "", *doc.participants]).lower()
    return owner.strip() if owner.strip().lower() in haystack else None


def build_summary(
    doc: SourceDocument, out: LLMCallSummary, *, engine: str
) -> tuple[CallSummary, Tally]:
    tally = Tally()
    sources = [Source(document_id=doc.document_id, text=doc.content)]

    def items(claims: Sequence[LLMClaim]) -> list[Item]:
        kept = []
        for claim in claims:
            citation = verified(sources, claim.text, claim.quote, tally)
            if citation is not None:
                kept.append(Item(text=claim.text.strip(), citations=[citation]))
        return kept

    summary_sentences = items(out.summary)
    if not summary_sentences:
        raise LLMUnavailable("ungrounded output")
    actions = []
    for claim in out.action_items:
        citation = verified(sources, claim.text, claim.quote, tally)
        if citation is not None:
            actions.append(
                ActionItem(
                    text=claim.text.strip(),
                    citations=[citation],
                    owner=_known_owner(doc, claim.owner),
                    due=_parse_due(claim.due),
                )
            )
    competitors = []
    for competitor in out.competitors:
        found = cite(sources, competitor.quote)
        citation = found[0] if found else None
        if citation is not None and competitor.name.strip().lower() in citation.quote.lower():
            tally.kept += 1
            competitors.append(Competitor(name=competitor.name.strip(), citations=[citation]))
        else:
            tally.dropped += 1
    summary = CallSummary(
        document_id=doc.document_id,
        summary=Item(
            text=" ".join(s.text for s in summary_sentences),
            citations=[c for s in summary_sentences for c in s.citations],
        ),
        key_points=items(out.key_points),
        action_items=actions,
        next_steps=items(out.next_steps),
        sentiment=_sentiment(sources, out.sentiment, tally),
        objections=items(out.objections),
        competitors=competitors,
        risks=items(out.risks),
        engine=engine,
    )
    return summary, tally


def _sentiment(sources: Sequence[Source], claim: LLMSentiment, tally: Tally) -> Sentiment:
    found = cite(sources, claim.quote)
    if found is None:
        # An unsupported sentiment is dropped like any claim; neutral says "no evidence".
        tally.dropped += 1
        return Sentiment(label="neutral", score=0.0, citations=[])
    tally.kept += 1
    return Sentiment(label=claim.label, score=claim.score, citations=[found[0]])
