"""The offline answer engine: the best supporting sentences of the retrieved passages.

Extractive and deterministic. Each sentence of each permitted passage is scored by how
much of the question it covers (IDF-weighted over the retrieved set, so a term every
passage shares counts little) plus a small bonus for its passage's retrieval rank. The
best few, above a coverage bar, become the answer in passage order, each cited by its
exact span. Below the bar the engine says it cannot answer instead of guessing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizers.models import Answer, Citation, Passage
from textkit.tokens import QUERY_STOPWORDS, terms, words

__all__ = ["NO_ANSWER", "answer_offline", "question_terms", "required_terms"]

ENGINE = "offline"
NO_ANSWER = "I can't answer that from the records you can see."

# A sentence ends at . ! ? (then space) or at a line break.
_SENTENCE = re.compile(r"[^\n.!?]+(?:[.!?]+(?=\s|$)|$)|[^\n]+", re.MULTILINE)


def question_terms(text: str) -> list[str]:
    """Stems of the content words of ``text``, in order, without repeats.

    The text layer's :func:`textkit.tokens.terms` with the query stopwords.

    Example:
        >>> question_terms("What did Initech say about the SOC 2 reports?")
        ['initech', 'soc', '2', 'report']
    """
    return terms(text, stopwords=QUERY_STOPWORDS)


@dataclass(frozen=True)
class _Sentence:
    passage_rank: int
    document_id: str
    start: int  # offset in the document's content
    end: int
    text: str
    terms: frozenset[str]
    title_terms: frozenset[str]  # context: a sentence is about its record's subject


def _sentences(passages: Sequence[Passage]) -> list[_Sentence]:
    out = []
    for rank, p in enumerate(passages):
        title_terms = frozenset(question_terms(p.title))
        for m in _SENTENCE.finditer(p.text):
            raw = m.group(0)
            stripped = raw.strip()
            if len(stripped) < 12:
                continue
            lead = len(raw) - len(raw.lstrip())
            start = p.start + m.start() + lead
            out.append(
                _Sentence(
                    passage_rank=rank,
                    document_id=p.document_id,
                    start=start,
                    end=start + len(stripped),
                    text=stripped,
                    terms=frozenset(question_terms(stripped)),
                    title_terms=title_terms,
                )
            )
    return out


def answer_offline(
    question: str,
    passages: Sequence[Passage],
    *,
    max_sentences: int = 3,
    min_coverage: float = 0.5,
    min_term_presence: float = 0.5,
) -> Answer:
    """Answer ``question`` with the best supporting sentences of ``passages``.

    Args:
        question: The user's question.
        passages: Retrieved permitted chunks, best first (``text`` is
            ``content[start:end]`` of its document).
        max_sentences: At most this many sentences in the answer.
        min_coverage: The share of the question's (IDF-weighted) terms found in the
            retrieved text that a sentence must cover to count as evidence. With none
            above it, the engine declines.
        min_term_presence: The share of the question's terms the retrieved text must
            mention at all; below it the engine declines.

    Example:
        >>> answer_offline("what is the capital of France?", []).answered
        False
    """
    terms = question_terms(question)
    sentences = _sentences(passages)
    mentioned = set().union(*(s.terms | s.title_terms for s in sentences)) if sentences else set()
    # Names, codes and numbers in the question must appear in the retrieved text: a
    # question about "NASA" is not answered by sentences about some other contact.
    required = required_terms(question)
    if any(t not in mentioned for t in required):
        return _declined()
    # Terms the retrieved text never mentions cannot be supported by any sentence. When
    # most of the question is like that, retrieval found nothing on topic: decline.
    present = [t for t in terms if t in mentioned]
    # A lookup of a code or a quoted name ("Which customers asked about QL-68?", 'Find
    # mentions of "Lena Ferraro"') is on topic when that is found, whatever the other
    # words. Plain capitalised names do not qualify: in "Where do negotiations stand with
    # Meridian Retail?" the company is context, and finding it answers nothing.
    targets = _lookup_targets(question)
    lookup = bool(targets) and all(t in mentioned for t in targets)
    if not present or (not lookup and len(present) < min_term_presence * len(terms)):
        return _declined()
    n = len(sentences)
    idf = {
        t: math.log(1 + n / (1 + sum(t in s.terms or t in s.title_terms for s in sentences)))
        for t in present
    }
    total = sum(idf.values())

    def coverage(s: _Sentence) -> float:
        # A term in the record's title supports the sentence at half weight.
        own = sum(idf[t] for t in present if t in s.terms)
        context = sum(idf[t] for t in present if t in s.title_terms and t not in s.terms)
        return (own + 0.5 * context) / total

    wants = _answer_type(question)
    scored = sorted(
        (
            (coverage(s) + 0.05 / (1 + s.passage_rank) + _type_bonus(wants, s.text), s)
            for s in sentences
        ),
        key=lambda pair: (-pair[0], pair[1].passage_rank, pair[1].start),
    )
    chosen: list[_Sentence] = []
    for _, s in scored:
        if len(chosen) == max_sentences:
            break
        if coverage(s) < min_coverage or any(_similar(s, c) for c in chosen):
            continue
        if lookup and not any(t in s.terms for t in targets):
            continue  # a lookup's evidence must name what is looked up
        chosen.append(s)
    if not chosen:
        return _declined()
    chosen.sort(key=lambda s: (s.passage_rank, s.start))
    return Answer(
        answer=" ".join(s.text for s in chosen),
        citations=[
            Citation(document_id=s.document_id, start=s.start, end=s.end, quote=s.text)
            for s in chosen
        ],
        answered=True,
        engine=ENGINE,
    )


def _declined() -> Answer:
    return Answer(answer=NO_ANSWER, citations=[], answered=False, engine=ENGINE)


def required_terms(question: str) -> list[str]:
    """Stems of names, codes and numbers in ``question`` (its first word aside).

    Example:
        >>> required_terms("Who is our contact at NASA for TCK-10234?")
        ['nasa', 'tck-10234']
    """
    out: list[str] = []
    for n, (start, end) in enumerate(words(question)):
        word = question[start:end]
        named = n > 0 and word[0].isupper()
        if not (named or any(ch.isdigit() for ch in word)):
            continue
        for term in question_terms(word):
            if term not in out:
                out.append(term)
    return out


_QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")


def _lookup_targets(question: str) -> list[str]:
    """Stems of codes (words with digits) and quoted phrases: what a lookup looks for.

    Example:
        >>> _lookup_targets('Find mentions of "Lena Ferraro" and TCK-10234')
        ['lena', 'ferraro', 'tck-10234']
    """
    out: list[str] = []
    for phrase in _QUOTED.findall(question):
        out += [t for t in question_terms(phrase) if t not in out]
    for start, end in words(question):
        if any(ch.isdigit() for ch in question[start:end]):
            out += [t for t in question_terms(question[start:end]) if t not in out]
    return out


_DATE = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b"
    r"|\b\d{1,2}/\d{1,2}\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\btomorrow\b"
    r"|\bnext (?:week|month|quarter)\b|\bend of (?:the )?(?:week|month|quarter|year)\b"
    r"|\bq[1-4]\b|\b(?:19|20)\d{2}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s?(?:%|k\b|seats?\b|users?\b|licenses?\b)", re.I)


def _answer_type(question: str) -> str | None:
    q = question.lower()
    if re.search(r"\bwhen\b|\bwhat (?:date|day|time)\b|\bdeadline\b|\bby when\b", q):
        return "date"
    if re.search(r"\bhow (?:much|many)\b|\bprice\b|\bcost\b|\bamount\b", q):
        return "amount"
    return None


def _type_bonus(wants: str | None, text: str) -> float:
    # A "when" question is answered by a sentence with a date, "how much" by an amount.
    if wants == "date" and _DATE.search(text):
        return 0.25
    if wants == "amount" and _AMOUNT.search(text):
        return 0.25
    return 0.0


def _similar(a: _Sentence, b: _Sentence) -> bool:
    # Quoted replies repeat sentences across emails; one copy is enough.
    union = a.terms | b.terms
    return bool(union) and len(a.terms & b.terms) / len(union) > 0.8
