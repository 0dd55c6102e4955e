"""The offline answer engine: the best supporting span of the retrieved passages.

Extractive and deterministic. Every sentence (or speaker turn) of the permitted passages
is a candidate; greetings, sign-offs and attribution lines never are. Names, codes and
numbers in the question must belong to a candidate's record (its text, title, or the
account the question named that it belongs to); otherwise the candidate is out, so a
question about a customer nobody mentions is declined.

Each remaining candidate is described by :data:`summarizers.answer.features.FEATURES`
(how close its record is to the question, whether it belongs to the account asked
about, how close the sentence is in meaning, its words, whether it holds the kind of
fact asked for) and a learned logistic model (:mod:`summarizers.answer.scorer`) turns
them into one probability: the answer's confidence. The engine answers with the best
candidate when its confidence reaches the scorer's calibrated threshold, adding at most
one more span from the *same* record; spans of different records are never stitched
together. Otherwise it declines and lists the closest related records as "see also".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from summarizers.answer.features import Candidate, QuestionView, candidates, features, view
from summarizers.answer.scorer import Scorer, default_scorer
from summarizers.models import Answer, Citation, Passage, SeeAlso

__all__ = [
    "NO_ANSWER",
    "Scored",
    "Similarity",
    "answer_offline",
    "score_candidates",
]

ENGINE = "offline"
NO_ANSWER = "I can't answer that from the records you can see."

#: ``similarity(question, texts)`` → the cosine of the question with each text.
Similarity = Callable[[str, Sequence[str]], Sequence[float]]

# Sentences of this many of the best records are embedded (the rest are scored without
# a cosine of their own); at most _EMBEDDED_SENTENCES per question, best records first:
# the latency budget of /v1/ask (bench.generation).
_EMBEDDED_RECORDS = 4
_EMBEDDED_SENTENCES = 32


@dataclass(frozen=True)
class Scored:
    """The candidates of one question, their feature rows and probabilities."""

    question: QuestionView
    candidates: tuple[Candidate, ...]
    rows: tuple[tuple[float, ...], ...]
    probabilities: tuple[float, ...]


def score_candidates(
    question: str,
    passages: Sequence[Passage],
    *,
    similarity: Similarity | None = None,
    scorer: Scorer | None = None,
) -> Scored:
    """Every eligible candidate of ``passages`` with its features and probability.

    The training script (``eval.answer_model``) fits the scorer on exactly these rows.
    """
    scorer = scorer or default_scorer()
    q = view(question, passages)
    cands = [
        c
        for c in candidates(passages)
        # Names, codes and numbers in the question must belong to the candidate's
        # record: a question about "NASA" is not answered by some other customer's.
        if all(t in c.record_terms for t in q.required)
        # A lookup's evidence names what is looked up, or is in the record titled by it
        # (a ticket's comments under "TCK-20561 SSO login fails").
        and (
            not q.targets
            or not all(t in c.record_terms for t in q.targets)
            or any(t in c.terms or t in c.context_terms for t in q.targets)
        )
    ]
    if not q.terms or not cands:
        return Scored(q, (), (), ())
    meaning = _meaning(q.topic, cands, similarity)
    rows = features(question, q, cands, meaning)
    probs = tuple(scorer.probability(r) for r in rows)
    return Scored(q, tuple(cands), tuple(tuple(r) for r in rows), probs)


def answer_offline(
    question: str,
    passages: Sequence[Passage],
    *,
    similarity: Similarity | None = None,
    scorer: Scorer | None = None,
    threshold: float | None = None,
    max_spans: int = 2,
) -> Answer:
    """Answer ``question`` with the best supporting span of ``passages``, or decline.

    Args:
        question: The user's question.
        passages: Retrieved permitted chunks, best first (``text`` is
            ``content[start:end]`` of its document; ``context`` the names the question
            resolved to that the record belongs to; ``similarity`` the chunk's cosine).
        similarity: The embedding model's cosine of the question with each text; without
            it the engine scores lexically.
        scorer: The weights (the committed ones by default).
        threshold: The confidence an answer needs (the scorer's calibrated one by default).
        max_spans: At most this many spans, all from the best span's record.

    Example:
        >>> answer_offline("what is the capital of France?", []).answered
        False
    """
    scorer = scorer or default_scorer()
    threshold = scorer.threshold if threshold is None else threshold
    scored = score_candidates(question, passages, similarity=similarity, scorer=scorer)
    if not scored.candidates:
        return _declined(passages, 0.0)
    order = sorted(
        range(len(scored.candidates)),
        key=lambda i: (
            -scored.probabilities[i],
            scored.candidates[i].passage_rank,
            scored.candidates[i].start,
        ),
    )
    best_i = order[0]
    best, best_p = scored.candidates[best_i], scored.probabilities[best_i]
    if best_p < threshold:
        return _declined(passages, best_p)
    chosen = [best]
    for i in order[1:]:
        if len(chosen) == max_spans:
            break
        c, p = scored.candidates[i], scored.probabilities[i]
        # A second span supports the same answer only from the same record, and only
        # when it is nearly as good on its own; quoted replies repeat sentences.
        if (
            c.document_id == best.document_id
            and p >= max(threshold, 0.85 * best_p)
            and not any(_similar(c, x) for x in chosen)
        ):
            chosen.append(c)
    chosen.sort(key=lambda c: c.start)
    return Answer(
        answer=" ".join(c.text for c in chosen),
        citations=[
            Citation(document_id=c.document_id, start=c.start, end=c.end, quote=c.text)
            for c in chosen
        ],
        answered=True,
        engine=ENGINE,
        confidence=round(best_p, 4),
    )


def _meaning(
    question: str, cands: Sequence[Candidate], similarity: Similarity | None
) -> list[float | None]:
    """Each candidate's cosine with the question; ``None`` where it was not measured."""
    if similarity is None:
        return [None] * len(cands)
    top = [i for i, c in enumerate(cands) if c.record_rank < _EMBEDDED_RECORDS][
        :_EMBEDDED_SENTENCES
    ]
    out: list[float | None] = [None] * len(cands)
    if top:
        cosines = similarity(question, [cands[i].text for i in top])
        for i, v in zip(top, cosines, strict=True):
            out[i] = float(v)
    return out


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


def _similar(a: Candidate, b: Candidate) -> bool:
    union = a.terms | b.terms
    return bool(union) and len(a.terms & b.terms) / len(union) > 0.8
