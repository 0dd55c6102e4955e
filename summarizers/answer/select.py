"""The offline answer engine: the best supporting span of the retrieved passages.

Extractive and deterministic. Every sentence (or speaker turn) of the permitted passages
is a candidate; greetings and thanks never are. A candidate is scored on four features:

* **lexical**: the IDF-weighted share of the question's content terms it covers, times
  the share of them the retrieved text mentions at all. Terms of its record's title and
  of the record's *context* (the account the question named, when the record belongs to
  it) count at half weight;
* **meaning**: the cosine of the question and the sentence under the embedding model,
  when the caller injects ``similarity`` (the engine never loads a model itself);
* **answer type**: a "when" question wants a date, "how much" an amount, "who" a person;
* **names**: names, codes and numbers in the question must appear in the sentence's
  record or its context, otherwise the candidate is out.

The features combine into one confidence in [0, 1] (:func:`confidence`, a transparent
weighted score). The engine answers with the best candidate when its confidence reaches
:data:`ANSWER_THRESHOLD`, adding at most one more span from the *same* record; spans of
different records are never stitched together. Otherwise it declines and lists the
closest related records as "see also".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from summarizers.answer.question import (
    answer_type,
    is_pleasantry,
    lookup_targets,
    question_terms,
    required_terms,
    type_match,
)
from summarizers.models import Answer, Citation, Passage, SeeAlso

__all__ = [
    "ANSWER_THRESHOLD",
    "NO_ANSWER",
    "Similarity",
    "answer_offline",
    "confidence",
]

ENGINE = "offline"
NO_ANSWER = "I can't answer that from the records you can see."

#: ``similarity(question, texts)`` → the cosine of the question with each text.
Similarity = Callable[[str, Sequence[str]], Sequence[float]]

#: The confidence an answer needs, chosen with ``python -m eval.calibrate --suite synthetic
#: --suite qmsum`` (dev, 2026-11-28, the engine of commit e289f3b). Refusal of unanswerable
#: questions has a plateau, answered share falls ~1.5 points per 0.025 step:
#:
#:   threshold   synthetic (104 ans / 16 unans)   qmsum dev (86 ans / 3 unans)
#:                answered  refusal              answered  refusal
#:   0.375        0.827     0.938                0.767     0.667
#:   0.450        0.750     0.938                0.721     1.000
#:   0.500        0.702     0.938                0.674     1.000
#:   0.650        0.375     1.000                0.442     1.000
#:
#: 0.5 sits just above the lowest threshold where qmsum reaches its refusal plateau (0.45)
#: and inside synthetic's (0.375-0.625); the one synthetic refusal miss below 0.65 was an
#: attribution line, since excluded as a candidate (not by raising the threshold). Checked
#: across the two splits: the same value holds on both. Few unanswerable dev questions
#: (19): re-run the sweep on the gold-span labels when they land.
ANSWER_THRESHOLD = 0.5

# Cosines of MiniLM-class models: unrelated sentences sit near 0.1, a sentence that
# answers a paraphrased question near 0.5-0.7. Mapped linearly onto [0, 1].
_SIM_FLOOR, _SIM_SPAN = 0.15, 0.45
# A sentence sharing no content word with the question (a paraphrase) must be this close
# in meaning (mapped cosine; 0.3 is a cosine of 0.285). At 0.5 (cosine 0.375) synthetic
# dev paraphrases ("internal supporter" for "champion") lost their only candidates.
_MEANING_WITHOUT_WORDS = 0.3
# How many passages' sentences are embedded (the top ones); the rest score lexically.
_EMBEDDED_PASSAGES = 6
# At most this many sentences embedded per question (in passage order): the latency
# budget of /v1/ask. bench.generation (2 cores, load ~1.7): ask p95 159/130 ms at 24,
# 126/121 ms at 16; synthetic full unchanged (answer rate 0.539, refusal 1.0).
_EMBEDDED_SENTENCES = 16

# A sentence ends at . ! ? (then space) or at a line break.
_SENTENCE = re.compile(r"[^\n.!?]+(?:[.!?]+(?=\s|$)|$)|[^\n]+", re.MULTILINE)


@dataclass(frozen=True)
class _Sentence:
    passage_rank: int
    document_id: str
    title: str
    start: int  # offset in the document's content
    end: int
    text: str
    terms: frozenset[str]
    context_terms: frozenset[str]  # the record's title and context: what it is about
    record_terms: frozenset[str]  # every term of its passage, title and context


def _sentences(passages: Sequence[Passage]) -> list[_Sentence]:
    out = []
    for rank, p in enumerate(passages):
        context_terms = frozenset(question_terms(" ".join((p.title, *p.context))))
        record_terms = frozenset(question_terms(p.text)) | context_terms
        for m in _SENTENCE.finditer(p.text):
            raw = m.group(0)
            stripped = raw.strip()
            if len(stripped) < 12 or is_pleasantry(stripped):
                continue
            lead = len(raw) - len(raw.lstrip())
            start = p.start + m.start() + lead
            out.append(
                _Sentence(
                    passage_rank=rank,
                    document_id=p.document_id,
                    title=p.title,
                    start=start,
                    end=start + len(stripped),
                    text=stripped,
                    terms=frozenset(question_terms(stripped)),
                    context_terms=context_terms,
                    record_terms=record_terms,
                )
            )
    return out


def confidence(*, lexical: float, meaning: float | None, type_fit: float) -> float:
    """One confidence in [0, 1] from a candidate's features.

    A transparent weighted score rather than a learned one: there were no answer labels
    to fit weights on when it was written (gold spans came later). Meaning weighs most
    because it sees paraphrase; lexical match keeps exact names and codes decisive;
    a wanted date or amount that is absent halves the score.

    Args:
        lexical: IDF-weighted term coverage in [0, 1].
        meaning: The cosine mapped onto [0, 1], or ``None`` without a model (then the
            lexical score stands in for it).
        type_fit: :func:`summarizers.answer.question.type_match`.

    Example:
        >>> round(confidence(lexical=1.0, meaning=1.0, type_fit=1.0), 2)
        1.0
    """
    sem = lexical if meaning is None else meaning
    score = 0.4 * lexical + 0.45 * sem + 0.15 * type_fit
    if type_fit == 0.0:
        score *= 0.5
    return max(0.0, min(1.0, score))


def answer_offline(
    question: str,
    passages: Sequence[Passage],
    *,
    similarity: Similarity | None = None,
    threshold: float = ANSWER_THRESHOLD,
    max_spans: int = 2,
) -> Answer:
    """Answer ``question`` with the best supporting span of ``passages``, or decline.

    Args:
        question: The user's question.
        passages: Retrieved permitted chunks, best first (``text`` is
            ``content[start:end]`` of its document; ``context`` the names the question
            resolved to that the record belongs to).
        similarity: The embedding model's cosine of the question with each text; without
            it the engine scores lexically.
        threshold: The confidence an answer needs.
        max_spans: At most this many spans, all from the best span's record.

    Example:
        >>> answer_offline("what is the capital of France?", []).answered
        False
    """
    terms = question_terms(question)
    sentences = _sentences(passages)
    if not terms or not sentences:
        return _declined(passages, 0.0)
    required = required_terms(question)
    targets = lookup_targets(question)
    mentioned = set().union(*(s.record_terms for s in sentences))
    # A lookup of a code or a quoted name ("Which customers asked about QL-68?") is on
    # topic when the code is found, whatever the other words.
    lookup = bool(targets) and all(t in mentioned for t in targets)
    present = [t for t in terms if t in mentioned]
    presence = 1.0 if lookup else len(present) / len(terms)
    n = len(sentences)
    idf = {
        t: math.log(1 + n / (1 + sum(t in s.terms or t in s.context_terms for s in sentences)))
        for t in present
    }
    total = sum(idf.values()) or 1.0

    def lexical(s: _Sentence) -> float:
        own = sum(idf[t] for t in present if t in s.terms)
        context = sum(idf[t] for t in present if t in s.context_terms and t not in s.terms)
        return presence * (own + 0.5 * context) / total

    # Names, codes and numbers in the question must belong to the candidate's record: a
    # question about "NASA" is not answered by a record about some other customer.
    eligible = [
        s
        for s in sentences
        if all(t in s.record_terms for t in required)
        # A lookup's evidence names what is looked up, or is in the record titled by it
        # (a ticket's comments under "TCK-20561 SSO login fails").
        and (not lookup or any(t in s.terms or t in s.context_terms for t in targets))
    ]
    if not eligible:
        return _declined(passages, 0.0)
    meaning = _meaning(question, eligible, similarity)
    # Names only locate a record; a sentence that shares nothing else with the question
    # (no content term, no closeness of meaning) says nothing about what was asked.
    topical = set(terms) - set(required)
    eligible = [
        s
        for s in eligible
        if lookup
        or not topical
        or s.terms & topical
        or meaning.get(id(s), 0.0) >= _MEANING_WITHOUT_WORDS
    ]
    if not eligible:
        return _declined(passages, 0.0)
    wants = answer_type(question)
    scored = sorted(
        (
            (
                confidence(
                    lexical=lexical(s),
                    meaning=meaning.get(id(s)) if similarity else None,
                    type_fit=type_match(wants, s.text),
                )
                + 0.01 / (1 + s.passage_rank),
                s,
            )
            for s in eligible
        ),
        key=lambda pair: (-pair[0], pair[1].passage_rank, pair[1].start),
    )
    best_score, best = scored[0]
    best_score = min(1.0, best_score)
    if best_score < threshold:
        return _declined(passages, best_score)
    chosen = [best]
    for score, s in scored[1:]:
        if len(chosen) == max_spans:
            break
        # A second span supports the same answer only from the same record, and only
        # when it is nearly as good on its own; quoted replies repeat sentences.
        if (
            s.document_id == best.document_id
            and score >= max(threshold, 0.85 * best_score)
            and not any(_similar(s, c) for c in chosen)
        ):
            chosen.append(s)
    chosen.sort(key=lambda s: s.start)
    return Answer(
        answer=" ".join(s.text for s in chosen),
        citations=[
            Citation(document_id=s.document_id, start=s.start, end=s.end, quote=s.text)
            for s in chosen
        ],
        answered=True,
        engine=ENGINE,
        confidence=round(best_score, 4),
    )


def _meaning(
    question: str, sentences: Sequence[_Sentence], similarity: Similarity | None
) -> dict[int, float]:
    """Each top-passage sentence's cosine with the question, mapped onto [0, 1]."""
    if similarity is None:
        return {}
    top = [s for s in sentences if s.passage_rank < _EMBEDDED_PASSAGES][:_EMBEDDED_SENTENCES]
    if not top:
        return {}
    cosines = similarity(question, [s.text for s in top])
    return {
        id(s): max(0.0, min(1.0, (float(c) - _SIM_FLOOR) / _SIM_SPAN))
        for s, c in zip(top, cosines, strict=True)
    }


def _declined(passages: Sequence[Passage], best: float) -> Answer:
    see_also: list[SeeAlso] = []
    for p in passages:
        if len(see_also) == 3:
            break
        if all(s.document_id != p.document_id for s in see_also):
            see_also.append(SeeAlso(document_id=p.document_id, title=p.title))
    return Answer(
        answer=NO_ANSWER,
        citations=[],
        answered=False,
        engine=ENGINE,
        confidence=round(max(0.0, min(1.0, best)), 4),
        see_also=see_also,
    )


def _similar(a: _Sentence, b: _Sentence) -> bool:
    union = a.terms | b.terms
    return bool(union) and len(a.terms & b.terms) / len(union) > 0.8
