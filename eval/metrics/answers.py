"""Answer metrics: citation precision, refusal rate and token F1 against a reference."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from eval.metrics._common import CitationLike, content_terms, is_real_span

__all__ = ["CitationLike", "answer_term_overlap", "citation_precision", "refusal_rate"]


def citation_precision(
    citations: Sequence[CitationLike],
    *,
    documents: Mapping[str, str],
    answer_terms: Sequence[str] = (),
) -> float | None:
    """Share of an answer's citations that are real, permitted and on the answer.

    A citation counts when its document is in ``documents``, its quote is the non-empty
    span ``content[start:end]`` of that document, and, when ``answer_terms`` are given,
    it contains at least one of them. A term is contained when all its content-word stems
    (:func:`textkit.tokens.terms`: lowercase, the eval stopwords dropped, light suffix
    stemming) occur among the quote's, so ``"SOC 2 reports"`` matches ``"the SOC 2 report"``.

    Args:
        citations: The answer's citations.
        documents: Document id → content of the documents the asking user may see. A
            citation of any other document fails.
        answer_terms: Terms a correct answer contains; empty to skip that condition.

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
            if not any(stems <= quoted for stems in required):
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
