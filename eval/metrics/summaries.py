"""Summary metrics: ROUGE F1 as ``rouge-score`` computes it, and grounding in the source."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol, TypedDict

from eval.metrics._common import CitationLike, content_terms, is_real_span

__all__ = ["CitedSentence", "RougeF1", "grounding_rate", "rouge_f1", "rouge_tokens"]


class RougeF1(TypedDict):
    """ROUGE F1 scores, keyed as ``rouge-score`` names them."""

    rouge1: float
    rouge2: float
    rougeL: float


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_VALID_TOKEN = re.compile(r"^[a-z0-9]+$")


@lru_cache(maxsize=65536)
def _porter_stem(word: str) -> str:
    return str(_porter().stem(word))


@lru_cache(maxsize=1)
def _porter() -> Any:
    # Imported on first use: nltk is slow to import and only ROUGE needs it.
    from nltk.stem.porter import PorterStemmer

    return PorterStemmer()


def rouge_tokens(text: str, *, stem: bool = True) -> list[str]:
    """Tokens as ``rouge-score``'s default tokenizer makes them.

    Lowercase; every run of characters outside ``[a-z0-9]`` becomes a space (so accented
    letters split words, as there); words longer than 3 characters are Porter-stemmed
    (``nltk``'s ``PorterStemmer``, as ``use_stemmer=True``).

    Example:
        >>> rouge_tokens("The customers' renewal was SIGNED!")
        ['the', 'custom', 'renew', 'was', 'sign']
    """
    words = _NON_ALNUM.sub(" ", text.lower()).split()
    if stem:
        words = [_porter_stem(w) if len(w) > 3 else w for w in words]
    return [w for w in words if _VALID_TOKEN.match(w)]


def _f1(overlap: int, predicted: int, reference: int) -> float:
    precision = overlap / max(predicted, 1)
    recall = overlap / max(reference, 1)
    return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0


def _ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _rouge_n(predicted: Sequence[str], reference: Sequence[str], n: int) -> float:
    p, r = _ngrams(predicted, n), _ngrams(reference, n)
    return _f1(sum((p & r).values()), sum(p.values()), sum(r.values()))


def _lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _rouge_l(predicted: Sequence[str], reference: Sequence[str]) -> float:
    if not predicted or not reference:
        return 0.0
    return _f1(_lcs_length(reference, predicted), len(predicted), len(reference))


def rouge_f1(prediction: str, references: str | Sequence[str]) -> RougeF1:
    """ROUGE-1, ROUGE-2 and ROUGE-L F1 of ``prediction`` against human references.

    Matches ``rouge_score.rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"],
    use_stemmer=True)``: ``score`` for one reference, ``score_multi`` for several, which
    takes for each ROUGE type separately the reference with the best F1. ROUGE-L is the
    LCS of the whole texts (not the sentence-level ``rougeLsum``).

    Args:
        prediction: The generated summary.
        references: One reference, or several.

    Raises:
        ValueError: No reference was given.

    Example:
        >>> s = rouge_f1("the cat sat on the mat", ["a cat sat on a mat", "the cat sat"])
        >>> round(s["rouge1"], 4), round(s["rouge2"], 4), round(s["rougeL"], 4)
        (0.6667, 0.5714, 0.6667)
    """
    refs = [references] if isinstance(references, str) else list(references)
    if not refs:
        raise ValueError("rouge_f1: no references")
    predicted = rouge_tokens(prediction)
    tokenized = [rouge_tokens(r) for r in refs]
    return RougeF1(
        rouge1=max(_rouge_n(predicted, ref, 1) for ref in tokenized),
        rouge2=max(_rouge_n(predicted, ref, 2) for ref in tokenized),
        rougeL=max(_rouge_l(predicted, ref) for ref in tokenized),
    )


class CitedSentence(Protocol):
    """A generated sentence and its citations, as :class:`summarizers.models.Item`."""

    @property
    def text(self) -> str: ...
    @property
    def citations(self) -> Sequence[CitationLike]: ...


def grounding_rate(sentences: Sequence[CitedSentence], source_text: str) -> float | None:
    """Share of summary sentences supported by a cited span of the source.

    A sentence is grounded when at least one of its citations quotes the non-empty span
    ``source_text[start:end]`` exactly and shares a content word (stems of
    :func:`textkit.tokens.terms`, eval stopwords) with the sentence. Sentences without
    citations count as not grounded. Citation document ids are not checked: a summary
    task has one source text.

    Returns:
        The rate, or ``None`` for a summary without sentences.

    Example:
        >>> from summarizers.models import Citation, Item
        >>> src = "Pat asked for a discount. Dana will send a quote."
        >>> cite = Citation(document_id="c", start=26, end=49, quote="Dana will send a quote.")
        >>> grounding_rate([Item(text="Dana sends a quote.", citations=[cite]),
        ...                 Item(text="Pat is happy.")], src)
        0.5
    """
    if not sentences:
        return None
    grounded = 0
    for sentence in sentences:
        words = set(content_terms(sentence.text))
        if any(
            is_real_span(c, source_text) and words.intersection(content_terms(c.quote))
            for c in sentence.citations
        ):
            grounded += 1
    return grounded / len(sentences)
