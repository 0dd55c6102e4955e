"""Answer metrics: citation precision, refusal rate and token F1 against a reference, and
grades against gold answers: exact match, token F1, correct citation, correct answer and
correct decline."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from eval.metrics._common import CitationLike, content_terms, is_real_span
from textkit.tokens import tokenize

__all__ = [
    "CitationLike",
    "answer_term_overlap",
    "answer_tokens",
    "citation_precision",
    "correct_answer",
    "correct_citation",
    "correct_decline_rate",
    "exact_match",
    "refusal_rate",
    "token_f1",
]


def citation_precision(
    citations: Sequence[CitationLike],
    *,
    documents: Mapping[str, str],
    answer_terms: Sequence[str] = (),
    titles: Mapping[str, str] | None = None,
) -> float | None:
    """Share of an answer's citations that are real, permitted and on the answer.

    A citation counts when its document is in ``documents``, its quote is the non-empty
    span ``content[start:end]`` of that document, and, when ``answer_terms`` are given,
    it contains at least one of them, or its document's title does (a ticket named by
    the number a lookup asks for: its comments rarely repeat "[TCK-18075]", and the
    record is what was asked for). A term is contained when all its content-word stems
    (:func:`textkit.tokens.terms`: lowercase, the eval stopwords dropped, light suffix
    stemming) occur among the quote's, so ``"SOC 2 reports"`` matches ``"the SOC 2 report"``.

    Args:
        citations: The answer's citations.
        documents: Document id → content of the documents the asking user may see. A
            citation of any other document fails.
        answer_terms: Terms a correct answer contains; empty to skip that condition.
        titles: Document id → title, for the condition above (none: quotes only).

    Returns:
        Precision in [0, 1], or ``None`` when there are no citations (a refusal has none).

    Raises:
        ValueError: ``answer_terms`` were given but none has a content word.

    Example:
        >>> from summarizers.models import Citation
        >>> docs = {"d1": "We need the SOC 2 report. Thanks."}
        >>> good = Citation(document_id="d1", start=0, end=25, quote="We need the SOC 2 report.")
        >>> fake = Citation(document_id="d1", start=0, end=7, quote="We want")
        >>> citation_precision([good, fake], documents=docs, answer_terms=["SOC 2"])
        0.5
    """
    required = [frozenset(content_terms(term)) for term in answer_terms]
    required = [stems for stems in required if stems]
    if answer_terms and not required:
        raise ValueError(f"answer_terms have no content words: {list(answer_terms)!r}")
    if not citations:
        return None
    good = 0
    for c in citations:
        content = documents.get(c.document_id)
        if content is None or not is_real_span(c, content):
            continue
        if required:
            quoted = set(content_terms(c.quote))
            named = set(content_terms((titles or {}).get(c.document_id, "")))
            if not any(stems <= quoted or stems <= named for stems in required):
                continue
        good += 1
    return good / len(citations)


def refusal_rate(answered_flags: Sequence[bool]) -> float | None:
    """Share of questions the copilot declined to answer.

    Pass the ``answered`` flags of the unanswerable questions (higher is better there);
    on answerable questions the same function gives the false-refusal rate.

    Returns:
        The rate, or ``None`` for no questions.

    Example:
        >>> refusal_rate([False, False, True, False])
        0.75
    """
    if not answered_flags:
        return None
    return sum(not answered for answered in answered_flags) / len(answered_flags)


def _content_tokens(text: str) -> list[str]:
    # _terms drops repeats; applied word by word it keeps them, as SQuAD's F1 does.
    return [stem for word in text.split() for stem in content_terms(word)]


def answer_term_overlap(answer: str, reference: str) -> float:
    """Token F1 between an answer and a reference answer, SQuAD-style.

    Tokens are the content-word stems of :func:`textkit.tokens.terms` with the eval
    stopwords (where SQuAD only drops articles and punctuation), repeats kept; overlap counts
    each token at most as often as it occurs in both. When either side has no token, the
    score is 1.0 if both have none, else 0.0 (as SQuAD).

    Example:
        >>> answer_term_overlap("The SOC 2 report is due on Friday.", "SOC 2 reports: due Friday")
        1.0
        >>> round(answer_term_overlap("Revised quote on Friday", "The quote is due Friday"), 3)
        0.667
    """
    predicted = _content_tokens(answer)
    gold = _content_tokens(reference)
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision = common / len(predicted)
    recall = common / len(gold)
    return 2 * precision * recall / (precision + recall)


# --------------------------------------------------------------------------- gold answers

#: SQuAD's normalization drops these (and punctuation, and case).
_ARTICLES = frozenset({"a", "an", "the"})


def answer_tokens(text: str) -> list[str]:
    """SQuAD-normalized tokens: the text layer's words, lowercased, articles dropped.

    Punctuation is never a word (:func:`textkit.tokens.tokenize`), so it goes too. Not the
    answer engine's tokens, so tuning the engine cannot move the metric.

    Example:
        >>> answer_tokens("The renewal is due on March 3, at $165,800.")
        ['renewal', 'is', 'due', 'on', 'march', '3', 'at', '165', '800']
    """
    return [t for t in tokenize(text) if t not in _ARTICLES]


def _gold_tokens(facts: Sequence[str]) -> list[list[str]]:
    return [tokens for tokens in (answer_tokens(f) for f in facts) if tokens]


def _holds(tokens: Sequence[str], run: Sequence[str]) -> bool:
    n = len(run)
    return any(list(tokens[i : i + n]) == list(run) for i in range(len(tokens) - n + 1))


def exact_match(answer: str, facts: Sequence[str]) -> float | None:
    """1.0 when some gold fact, normalized, occurs in the answer as a run of whole words.

    The answer is a sentence or two, the fact a short value (``"March 3"``) or, for a
    question answered by a sentence, that sentence; so "exact match" is SQuAD's EM
    relaxed to containment. Pass ``""`` for a declined answer: it matches nothing.

    Args:
        answer: The answer text (empty when the copilot declined).
        facts: The gold facts; any one is correct.

    Returns:
        1.0 or 0.0, or ``None`` when no fact has a word (nothing to match).

    Example:
        >>> exact_match("Their contract is up on March 3.", ["March 3"])
        1.0
        >>> exact_match("Their contract is up on March 30.", ["March 3"])
        0.0
    """
    gold = _gold_tokens(facts)
    if not gold:
        return None
    tokens = answer_tokens(answer)
    return float(any(_holds(tokens, run) for run in gold))


def token_f1(answer: str, facts: Sequence[str]) -> float | None:
    """SQuAD token F1 of the answer against the best-matching gold fact.

    Tokens are :func:`answer_tokens`; overlap counts each token at most as often as it
    occurs on both sides. An empty (declined) answer scores 0.0.

    Returns:
        The best F1 over ``facts``, or ``None`` when no fact has a word.

    Example:
        >>> token_f1("March 3", ["March 3"])
        1.0
        >>> token_f1("The contract is up on March 3.", ["March 3"])  # P 2/6, R 2/2
        0.5
    """
    gold = _gold_tokens(facts)
    if not gold:
        return None
    predicted = answer_tokens(answer)
    best = 0.0
    for tokens in gold:
        common = sum((Counter(predicted) & Counter(tokens)).values())
        if common:
            precision, recall = common / len(predicted), common / len(tokens)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def correct_citation(
    *, answered: bool, cited_document_ids: Iterable[str], gold_document_ids: Iterable[str]
) -> float | None:
    """1.0 when the copilot answered and cites at least one gold record.

    Returns:
        1.0 or 0.0, or ``None`` without gold records (an unanswerable question).

    Example:
        >>> correct_citation(answered=True, cited_document_ids=["d9", "d1"],
        ...                  gold_document_ids=["d1"])
        1.0
    """
    gold = set(gold_document_ids)
    if not gold:
        return None
    return float(answered and not gold.isdisjoint(cited_document_ids))


def correct_answer(
    *,
    answered: bool,
    answer: str,
    cited_document_ids: Iterable[str],
    facts: Sequence[str],
    gold_document_ids: Iterable[str],
) -> float | None:
    """1.0 when the copilot answered, the answer holds a gold fact and cites a gold record.

    Returns:
        1.0 or 0.0, or ``None`` when there is nothing to grade (no fact or no record).

    Example:
        >>> correct_answer(answered=True, answer="It runs out on March 3.",
        ...                cited_document_ids=["d1"], facts=["March 3"],
        ...                gold_document_ids=["d1"])
        1.0
    """
    cited = correct_citation(
        answered=answered,
        cited_document_ids=cited_document_ids,
        gold_document_ids=gold_document_ids,
    )
    matched = exact_match(answer if answered else "", facts)
    if cited is None or matched is None:
        return None
    return float(cited == 1.0 and matched == 1.0)


def correct_decline_rate(answered_flags: Sequence[bool]) -> float | None:
    """Share of unanswerable questions the copilot declined (``answered`` is False).

    Pass only questions without an answer the asker may see (missing facts, records the
    asker cannot see, entities that do not exist).

    Returns:
        The rate, or ``None`` for no questions.

    Example:
        >>> correct_decline_rate([False, True, False, False])
        0.75
    """
    return refusal_rate(answered_flags)
