"""The offline answer engine: the best supporting span of the retrieved passages.

Extractive and deterministic. Every sentence (or speaker turn) of the permitted passages
is a candidate; greetings, sign-offs and attribution lines never are. Names, codes and
numbers in the question must belong to a candidate's record (its text, title, or the
account the question named that it belongs to); otherwise the candidate is out, so a
question about a customer nobody mentions is declined.

Each remaining candidate is described by :data:`summarizers.answer.features.FEATURES`
(how close its record is to the question, whether it belongs to the account asked
about, how close the sentence is in meaning, its words, whether it holds the kind of
fact asked for). Two learned linear models (:mod:`summarizers.answer.scorer`) use them:
a ranker, which with a learned metric over the question's and the sentence's vectors
picks the span, and a logistic confidence model, whose probability of its own best
candidate is how sure it is that the passages hold an answer. The scorer's check
weighs that probability with the question's cosine with the passage around the pick:
the answer's confidence (:func:`decide`). The engine answers when the confidence
reaches the scorer's calibrated threshold. A
typed fact (a date, an amount, a name, a code) is answered by the sentence that states
it, with at most one more span from the *same* record; any other question by a passage,
the best sentence with its neighbours as one exact span. Spans of different records are
never stitched together. Otherwise it declines and lists the closest related records as
"see also".
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from summarizers.answer.amounts import lacks_count, lacks_money
from summarizers.answer.diagnosis import diagnosis_first
from summarizers.answer.features import (
    FEATURES,
    Candidate,
    QuestionView,
    candidates,
    features,
    put_first,
    sentence_before,
    view,
)
from summarizers.answer.polar import asks_yes_or_no, speaks_of_the_asked
from summarizers.answer.question import opens_with_pronoun, type_match
from summarizers.answer.roles import role_first, role_unstated
from summarizers.answer.scorer import Scorer, default_scorer, pair_scale
from summarizers.answer.topics import TOPIC_CONFIDENCE, off_topic, topic_pick
from summarizers.answer.updates import latest_first
from summarizers.models import Answer, Citation, Passage, SeeAlso
from textkit.documents import without_comment_headers
from textkit.sentences import opens_list_item

__all__ = [
    "NO_ANSWER",
    "Decision",
    "Scored",
    "SentenceVectors",
    "Similarity",
    "answer_offline",
    "decide",
    "declined",
    "score_candidates",
    "through_reply",
]

log = logging.getLogger(__name__)

ENGINE = "offline"
NO_ANSWER = "I can't answer that from the records you can see."

#: ``similarity(question, texts)`` → the cosine of the question with each text.
Similarity = Callable[[str, Sequence[str]], Sequence[float]]


@runtime_checkable
class SentenceVectors(Protocol):
    """A :data:`Similarity` that also hands out the unit vectors (the service's
    sentence cache does): the scorer's learned metric needs them."""

    @property
    def model_id(self) -> str: ...

    def vectors(
        self, question: str, texts: Sequence[str]
    ) -> tuple[Sequence[float], Sequence[Sequence[float]]]: ...

    def __call__(self, question: str, texts: Sequence[str]) -> Sequence[float]: ...


# Sentences of this many of the best records are embedded (the rest are scored without
# a cosine of their own); at most _EMBEDDED_SENTENCES per question, best records first:
# the latency budget of /v1/ask (bench.generation).
_EMBEDDED_RECORDS = 4
_EMBEDDED_SENTENCES = 32

# Questions without a typed answer ("what did they say about…", "is X unhappy…") and
# why/how questions are answered by a passage: the best sentence with its neighbours in
# the record, one span of at most this many characters. A date, an amount, a name or a
# code is answered by the sentence that states it.
_PASSAGE_ANSWERS = (None, "reason")
_TYPE_HIT = FEATURES.index("type_hit")
_TYPE_MISS = FEATURES.index("type_miss")
_LEXICAL = FEATURES.index("lexical")
_WINDOW_CHARS = 400
#: How many lines after an introducing colon may be its list's items.
_LIST_ITEMS = 8
#: A sentence this short ends no passage ("Celeste: Not really."): its reply goes on.
_BARE_REPLY = 30


@dataclass(frozen=True)
class Scored:
    """The candidates of one question, their feature rows and probabilities."""

    question: QuestionView
    candidates: tuple[Candidate, ...]
    rows: tuple[tuple[float, ...], ...]
    probabilities: tuple[float, ...]
    ranks: tuple[float, ...] = ()  # the ranker's scores (higher first)
    #: Per candidate, ``q ⊙ s · scale`` of the question's and its vectors (zeros where
    #: not measured); only with ``pairs=True``, for fitting the metric.
    pairs: tuple[tuple[float, ...], ...] | None = None


def score_candidates(
    question: str,
    passages: Sequence[Passage],
    *,
    similarity: Similarity | None = None,
    scorer: Scorer | None = None,
    pairs: bool = False,
) -> Scored:
    """Every eligible candidate of ``passages`` with its features and probability.

    The training script (``eval.answer_model``) fits the scorer on exactly these rows
    (and, with ``pairs``, the vector products its metric is fitted on).
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
    cands = _on_the_side_asked(question, q, cands)
    if q.wants == "person":
        # A sentence that asks ("Who else needs to sign?") names nobody, unless it names
        # someone new or the one looked up ("Should we include Lena Ferraro?"):
        # otherwise it echoes the question.
        looked_up = set(q.required) | set(q.targets)
        cands = [
            c
            for c in cands
            if not c.text.rstrip().endswith("?")
            or looked_up & c.terms
            or type_match(q.wants, c.text, question) == 1.0
        ]
    if not q.terms or not cands:
        return Scored(q, (), (), (), (), () if pairs else None)
    measured = _meaning(q.topic, cands, _to_embed(question, q, cands), similarity, scorer, pairs)
    rows = features(question, q, cands, measured.cosines)
    probs = tuple(scorer.probability(r) for r in rows)
    ranks = tuple(scorer.rank(r, t) for r, t in zip(rows, measured.terms, strict=True))
    return Scored(q, tuple(cands), tuple(tuple(r) for r in rows), probs, ranks, measured.pairs)


@dataclass(frozen=True)
class Decision:
    """What the engine decided for one question, before any text is written."""

    scored: Scored
    order: tuple[int, ...]  # candidate indices, the ranker's best first
    passage: Citation | None  # the best candidate with its neighbours, one exact span
    probability: float  # the confidence model's highest probability of any candidate
    passage_similarity: float | None  # the question's cosine with ``passage``
    confidence: float  # the scorer's check of both: what the threshold applies to

    @property
    def best(self) -> Candidate | None:
        return self.scored.candidates[self.order[0]] if self.order else None


def decide(
    question: str,
    passages: Sequence[Passage],
    *,
    similarity: Similarity | None = None,
    scorer: Scorer | None = None,
) -> Decision:
    """Score the candidates, let the ranker pick, and measure the answer's confidence.

    The confidence starts from how sure the logistic model is that the passages hold an
    answer at all (its probability of its own best candidate; which span shows it is
    the ranker's call, made with more evidence). The scorer's check then weighs in how
    close the passage around the pick is to the question: a sentence may hold the kind
    of fact asked for ("October" for "when does our contact leave?") while its passage
    is about a project plan. ``eval.answer_model`` fits and calibrates on exactly this.
    """
    scorer = scorer or default_scorer()
    scored = score_candidates(question, passages, similarity=similarity, scorer=scorer)
    if not scored.candidates:
        return Decision(scored, (), None, 0.0, None, 0.0)
    order = tuple(
        sorted(
            range(len(scored.candidates)),
            key=lambda i: (
                -scored.ranks[i],
                scored.candidates[i].passage_rank,
                scored.candidates[i].start,
            ),
        )
    )
    order = latest_first(question, scored.question, scored.candidates, order, similarity)
    order = diagnosis_first(question, scored.question, scored.candidates, order, passages)
    order = role_first(question, scored.question, scored.candidates, order)
    probability = max(scored.probabilities)
    passage = _window(scored.candidates[order[0]], scored.candidates, passages)
    cosine = None
    if similarity is not None and scorer.check:
        cosine = float(similarity(scored.question.topic, [passage.quote])[0])
    return Decision(
        scored, order, passage, probability, cosine, scorer.confidence(probability, cosine)
    )


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
        max_spans: At most this many spans of a typed answer, all from the best span's
            record (a passage answer is one span).

    Example:
        >>> answer_offline("what is the capital of France?", []).answered
        False
    """
    scorer = scorer or default_scorer()
    threshold = scorer.threshold if threshold is None else threshold
    decision = decide(question, passages, similarity=similarity, scorer=scorer)
    if decision.best is not None and decision.confidence < threshold <= TOPIC_CONFIDENCE:
        decision = _topic_rescue(question, decision, passages)
    elif (
        decision.best is not None
        and decision.confidence >= threshold
        and off_topic(question, decision.best.text)
        and not _says_what_was_asked(decision)
    ):
        # A confident pick that states another trouble than the one asked about ("Have we
        # lost our supporter?": "We lost two hours of work in the incident") is no
        # answer: the asked topic's own sentence answers instead, or nothing does.
        rescued = _topic_rescue(question, decision, passages)
        if rescued is decision:
            log.info("declined: the best sentence states another topic than the one asked")
            return declined(passages, 0.0)
        decision = rescued
    best, scored, confidence = decision.best, decision.scored, decision.confidence
    passage = decision.passage
    if best is None or passage is None or confidence < threshold:
        return declined(passages, confidence)
    if role_unstated(question, scored.question, scored.candidates, decision.order):
        return declined(passages, 0.0)
    intro: list[Candidate] = []
    listed = _listed_after(decision)
    if listed is not None:
        # "Here's the quote for the Carson City division:" introduces the list that holds
        # the figure asked for ("- Annual: $33,600"): the item answers, after its intro.
        intro, best = [best], scored.candidates[listed]
        decision = dataclasses.replace(decision, order=put_first(decision.order, listed))
    if _lacks_the_fact_asked(question, scored.question, scored.rows[decision.order[0]], best):
        # "What's the PO number for …?" or "How much is the punch-list pack?" is not
        # answered by a sentence without one, however close it is (a lookup, "Which calls
        # reference TCK-1?", names its code itself and may be answered by any sentence
        # of the record). Nor is "What did Summit Ridge bid?" by a sentence with a count
        # and no money.
        log.info("declined: the question asks for an amount or code the best sentence lacks")
        return declined(passages, 0.0)
    lead = [best, *(intro or _antecedent(best, scored.candidates))]
    passage_answer = scored.question.wants in _PASSAGE_ANSWERS
    shown = [passage.quote] if passage_answer else [c.text for c in lead]
    if asks_yes_or_no(question) and not speaks_of_the_asked(question, scored.question, shown):
        # "Is Orvane planning to out-license ORV-214?" is not answered by "So tell me
        # about ORV-214" (:mod:`summarizers.answer.polar`).
        log.info("declined: a yes/no question whose answer does not speak of the act asked")
        return declined(passages, 0.0)
    if passage_answer:
        return Answer(
            # A window across a ticket's comments reads without their header lines; the
            # citation keeps the exact span.
            answer=without_comment_headers(passage.quote),
            citations=[passage],
            answered=True,
            engine=ENGINE,
            confidence=round(confidence, 4),
        )
    chosen = lead[:max_spans]
    best_p = decision.probability
    for i in decision.order[1:]:
        if len(chosen) == max_spans:
            break
        c, p = scored.candidates[i], scored.probabilities[i]
        # A second span supports the same answer only from the same record, only when it
        # is nearly as good on its own and holds the kind of fact asked for too (a date
        # for "when"); quoted replies repeat sentences.
        if (
            c.document_id == best.document_id
            and p >= 0.85 * best_p
            and scored.rows[i][_TYPE_HIT] == 1.0
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
        confidence=round(confidence, 4),
    )


def _topic_rescue(question: str, decision: Decision, passages: Sequence[Passage]) -> Decision:
    """``decision`` with the sentence its topic vouches for first, at the topic's
    confidence (:mod:`summarizers.answer.topics`); unchanged without one."""
    scored = decision.scored
    i = topic_pick(question, scored.question, scored.candidates, decision.order)
    if i is None:
        return decision
    order = put_first(decision.order, i)
    passage = _window(scored.candidates[i], scored.candidates, passages)
    return dataclasses.replace(decision, order=order, passage=passage, confidence=TOPIC_CONFIDENCE)


def _listed_after(decision: Decision) -> int | None:
    """When the pick introduces a list ("…, here's the quote:") and lacks the kind of
    fact a typed question asks for, the ranker's best of the list items right after it
    (same passage, up to :data:`_LIST_ITEMS`) that holds it; otherwise None."""
    scored = decision.scored
    best, row = decision.best, scored.rows[decision.order[0]]
    if (
        best is None
        or scored.question.wants in _PASSAGE_ANSWERS
        or row[_TYPE_HIT] == 1.0
        or not best.text.rstrip().endswith(":")
    ):
        return None
    after = sorted(
        (
            i
            for i, c in enumerate(scored.candidates)
            if c.passage_rank == best.passage_rank and c.start > best.start
        ),
        key=lambda i: scored.candidates[i].start,
    )
    items = []
    for i in after[:_LIST_ITEMS]:
        if not opens_list_item(scored.candidates[i].text):
            break
        items.append(i)
    holding = {i for i in items if scored.rows[i][_TYPE_HIT] == 1.0}
    return next((i for i in decision.order if i in holding), None)


#: The share of the question's content words a pick must repeat to keep its place against
#: :func:`off_topic` (with the kind of fact asked for). "tessaly expansion - what's the
#: new annual total" is answered by "- New total $38,400 a year, co-termed with your
#: current agreement, which renews June 1" (0.46), which mentions a renewal in passing;
#: the veto's own cases ("Have we lost our supporter?": "We lost two hours in the
#: outage") share a word or none. At 0.3 and 0.4 alike, no replay of synthetic seeds 7,
#: 9 and 13 or of the hand-written CRMs changed.
ON_TOPIC_SHARE = 0.4


def _says_what_was_asked(decision: Decision) -> bool:
    """The pick holds the kind of fact asked for, in much of the question's wording."""
    row = decision.scored.rows[decision.order[0]]
    return (
        decision.scored.question.wants is not None
        and row[_TYPE_HIT] == 1.0
        and row[_LEXICAL] >= ON_TOPIC_SHARE
    )


def _lacks_the_fact_asked(
    question: str, q: QuestionView, row: Sequence[float], best: Candidate
) -> bool:
    """The question asks for an amount, or an identifier it does not name itself, and the
    sentence holds none; or it asks for money only, or "how many", and the sentence holds
    no such amount (naming a code or not: "how many patients is Halden Bay enrolling in
    HB-0907?" is not answered by "Total: $879,500 over the life of the study")."""
    if q.wants == "amount" and (
        lacks_money(best.text, question) or lacks_count(best.text, question)
    ):
        return True
    return q.wants in ("amount", "code") and not q.targets and row[_TYPE_MISS] == 1.0


def _antecedent(best: Candidate, cands: Sequence[Candidate]) -> list[Candidate]:
    """The sentence right before ``best`` in its passage when ``best`` opens with a
    pronoun: an answer says whom it is about."""
    before = sentence_before(best, cands) if opens_with_pronoun(best.text) else None
    return [before] if before is not None else []


def _window(best: Candidate, cands: Sequence[Candidate], passages: Sequence[Passage]) -> Citation:
    """``best`` with the sentence before and after it in its passage, as one exact span,
    up to :data:`_WINDOW_CHARS` (the nearer context first: the sentence after, then the
    one before), and on past a question (:func:`through_reply`)."""
    return through_reply(best, cands, passages, neighbours=True)


def through_reply(
    best: Candidate,
    cands: Sequence[Candidate],
    passages: Sequence[Passage],
    *,
    neighbours: bool = False,
) -> Citation:
    """``best`` as one exact span that does not stop at a question or a bare reply ("…is
    that on the roadmap?", "Not really."): what answers it, or says more of it, comes
    next, up to :data:`_WINDOW_CHARS`. With ``neighbours``, the sentences either side
    first (:func:`_window`)."""
    passage = passages[best.passage_rank]
    around = sorted(
        (c for c in cands if c.passage_rank == best.passage_rank), key=lambda c: c.start
    )
    i = around.index(best)
    start, end = best.start, best.end
    last = i
    for j in (i + 1, i - 1) if neighbours else ():
        if 0 <= j < len(around):
            s, e = min(start, around[j].start), max(end, around[j].end)
            if e - s <= _WINDOW_CHARS:
                start, end = s, e
                last = max(last, j)
    while last + 1 < len(around) and (
        around[last].text.rstrip().endswith("?") or len(around[last].text) < _BARE_REPLY
    ):
        if around[last + 1].end - start > _WINDOW_CHARS:
            break
        last += 1
        end = around[last].end
    quote = passage.text[start - passage.start : end - passage.start]
    return Citation(document_id=best.document_id, start=start, end=end, quote=quote)


_WARNED: set[str] = set()


@dataclass(frozen=True)
class _Measured:
    cosines: list[float | None]  # None where not measured
    terms: list[float]  # the scorer's metric term (0 where not measured or not applied)
    pairs: tuple[tuple[float, ...], ...] | None


def _on_the_side_asked(question: str, q: QuestionView, cands: list[Candidate]) -> list[Candidate]:
    """For a question about an offer of ours or an ask of theirs, the other side's
    sentences are left out, when the side asked about has one of the kind of fact asked
    for: "Can you do 20% off?" does not say what we offered. Sentences of no known side
    stay; with nothing of the side asked about, all stay."""
    if q.side is None:
        return cands
    fits = [
        c
        for c in cands
        if c.side == q.side and (q.wants is None or type_match(q.wants, c.text, question) == 1.0)
    ]
    if not fits:
        return cands
    return [c for c in cands if c.side in (None, q.side)]


def _to_embed(question: str, q: QuestionView, cands: Sequence[Candidate]) -> list[int]:
    """Which candidates get a cosine: sentences of the best records, at most
    :data:`_EMBEDDED_SENTENCES`. When there are more, those that hold the kind of fact
    asked for or a word of the question go first, then each record's next sentence in
    turn, so one long transcript cannot use up the budget before the record that
    answers is reached."""
    eligible = [i for i, c in enumerate(cands) if c.record_rank < _EMBEDDED_RECORDS]
    if len(eligible) <= _EMBEDDED_SENTENCES:
        return eligible
    seen: dict[str, int] = {}
    order: dict[int, tuple[float, int, int]] = {}
    for i in eligible:
        c = cands[i]
        nth = seen[c.document_id] = seen.get(c.document_id, -1) + 1
        typed = type_match(q.wants, c.text, question) if q.wants else 0.0
        said = sum(t in c.terms for t in q.topical)
        order[i] = (-(typed + said), nth, c.record_rank)
    return sorted(sorted(eligible, key=order.__getitem__)[:_EMBEDDED_SENTENCES])


def _meaning(
    question: str,
    cands: Sequence[Candidate],
    top: Sequence[int],
    similarity: Similarity | None,
    scorer: Scorer,
    pairs: bool,
) -> _Measured:
    """Each candidate's cosine with the question (those of ``top``), and its
    learned-metric term."""
    n = len(cands)
    cosines: list[float | None] = [None] * n
    terms = [0.0] * n
    products: list[tuple[float, ...]] | None = [] if pairs else None
    texts = [cands[i].text for i in top]
    if similarity is None or not top:
        pass
    elif isinstance(similarity, SentenceVectors):
        qvec, vecs = similarity.vectors(question, texts)
        weighted = (
            scorer.weighted_question(qvec)
            if scorer.uses_metric(similarity.model_id, len(qvec))
            else None
        )
        if weighted is None and scorer.metric and similarity.model_id not in _WARNED:
            _WARNED.add(similarity.model_id)
            log.warning(
                "answer ranking without its learned metric: fitted for %s, the model is %s"
                " (refit with `python -m eval.answer_model`)",
                scorer.metric_model,
                similarity.model_id,
            )
        for i, v in zip(top, vecs, strict=True):
            cosines[i] = sum(a * b for a, b in zip(qvec, v, strict=True))
            if weighted is not None:
                terms[i] = sum(a * b for a, b in zip(weighted, v, strict=True))
        if products is not None:
            scale = pair_scale(len(qvec))
            by_index = dict(zip(top, vecs, strict=True))
            zero = (0.0,) * len(qvec)
            products.extend(
                tuple(a * b * scale for a, b in zip(qvec, by_index[i], strict=True))
                if i in by_index
                else zero
                for i in range(n)
            )
    else:
        for i, cosine in zip(top, similarity(question, texts), strict=True):
            cosines[i] = float(cosine)
    return _Measured(cosines, terms, tuple(products) if products else None)


def declined(passages: Sequence[Passage], best: float) -> Answer:
    """The offline engine's decline: no answer, the best confidence reached, and up to
    three of ``passages``' records as "see also"."""
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
