"""Metric functions of the evaluation harness: pure, typed, no I/O.

Each function scores one item (a query, an answer, a summary, a scenario) or one list of
measurements; :func:`summarize` turns per-item values into a mean with a bootstrap
confidence interval. Definitions follow the reference implementations the unit tests
cross-check against on fixed inputs:

* retrieval: ``trec_eval`` as run by ``ir-measures`` (nDCG with linear gain and a log2
  discount, ideal ranking from the judgements; R@k; RR), and ``ranx``;
* summaries: ``rouge-score`` (``RougeScorer([...], use_stemmer=True)``, F1, several
  references scored with ``score_multi``, i.e. the best reference per ROUGE type);
* percentiles: ``numpy.percentile`` (linear interpolation).

**Undefined is not zero.** A metric that has nothing to measure (a query without
relevant documents, an answer without citations, a scenario without expected actions)
returns ``None``; the caller skips the item rather than count it as a 0 or a 1.
:func:`summarize` skips ``None`` for that reason.
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any, Protocol, TypedDict, TypeVar

import numpy as np

from textkit.tokens import EVAL_STOPWORDS, terms

__all__ = [
    "CitationLike",
    "CitedSentence",
    "LatencySummary",
    "MetricValue",
    "RougeF1",
    "answer_term_overlap",
    "bootstrap_ci",
    "citation_precision",
    "grounding_rate",
    "latency_summary",
    "leak_rate",
    "ndcg_at_k",
    "percentile",
    "permitted_recall_loss",
    "precision_at_k",
    "recall_at_k",
    "reciprocal_rank",
    "refusal_rate",
    "rouge_f1",
    "rouge_tokens",
    "set_precision_at_k",
    "set_recall",
    "summarize",
    "summarize_by_group",
]

_H = TypeVar("_H", bound=Hashable)


# =========================================================================== confidence


@dataclass(frozen=True)
class MetricValue:
    """A metric over items: its value, a confidence interval and how many items it saw.

    Attributes:
        name: What was measured (``"retrieval.ndcg@10"``, ...).
        value: The statistic over the items (the mean, for :func:`summarize`).
        ci_low / ci_high: The bootstrap confidence interval of ``value``.
        n: How many items were scored (items whose metric was ``None`` excluded).
    """

    name: str
    value: float
    ci_low: float
    ci_high: float
    n: int

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the fields.

        Example:
            >>> MetricValue("mrr", 0.5, 0.25, 0.75, 4).as_dict()["ci_high"]
            0.75
        """
        return asdict(self)


def bootstrap_ci(
    values: Sequence[float],
    *,
    stat: Callable[[Sequence[float]], float] = statistics.fmean,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of ``stat(values)``.

    Resamples ``values`` with replacement ``n_resamples`` times, computes ``stat`` on
    each resample and returns the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
    percentiles of those statistics (numpy's linear interpolation). The same inputs and
    ``seed`` always give the same interval.

    Args:
        values: Per-item values; finite numbers, at least one.
        stat: The statistic; the mean by default (computed vectorised).
        n_resamples: How many bootstrap resamples.
        confidence: The interval's nominal coverage, in (0, 1).
        seed: Seed of the resampling generator.

    Raises:
        ValueError: ``values`` is empty or not finite, or an argument is out of range.

    Example:
        >>> bootstrap_ci([1.0, 1.0, 1.0])
        (1.0, 1.0)
        >>> low, high = bootstrap_ci([0.0, 1.0, 1.0, 0.0, 1.0])
        >>> low < 0.6 < high
        True
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1, got {n_resamples}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    data = _finite_array(values, what="bootstrap_ci values")
    if np.all(data == data[0]):
        # Exactly the value: a vectorised mean of 0.7s can round to 0.6999999999999998.
        return float(data[0]), float(data[0])
    rng = np.random.default_rng(seed)
    stats: list[float] = []
    # Resample in blocks so memory stays bounded for large item counts.
    block = max(1, min(n_resamples, 1_000_000 // len(data)))
    remaining = n_resamples
    while remaining:
        rows = min(block, remaining)
        samples = data[rng.integers(0, len(data), size=(rows, len(data)))]
        if stat is statistics.fmean or stat is statistics.mean:
            stats.extend(samples.mean(axis=1).tolist())
        else:
            stats.extend(float(stat(row.tolist())) for row in samples)
        remaining -= rows
    tail = (1.0 - confidence) / 2.0 * 100.0
    return percentile(stats, tail), percentile(stats, 100.0 - tail)


def summarize(
    name: str,
    per_item_values: Iterable[float | None],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> MetricValue:
    """The mean of the per-item values with its bootstrap confidence interval.

    ``None`` values (the metric was undefined for that item) are skipped; ``n`` counts
    the rest.

    Raises:
        ValueError: No value is left to summarize, or a value is not finite.

    Example:
        >>> summarize("recall@5", [1.0, 0.5, None, 0.0]).value
        0.5
        >>> summarize("recall@5", [1.0, 0.5, None, 0.0]).n
        3
    """
    values = [v for v in per_item_values if v is not None]
    if not values:
        raise ValueError(f"no values to summarize for {name!r}")
    low, high = bootstrap_ci(values, n_resamples=n_resamples, confidence=confidence, seed=seed)
    return MetricValue(name, statistics.fmean(values), low, high, len(values))


def summarize_by_group(
    name: str,
    keyed_values: Iterable[tuple[str, float | None]],
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> dict[str, MetricValue]:
    """:func:`summarize` per group (a user role, a query kind, ...).

    Groups whose values are all ``None`` are left out.

    Example:
        >>> out = summarize_by_group("mrr", [("rep", 1.0), ("admin", 0.5), ("rep", 0.0)])
        >>> {role: v.value for role, v in out.items()}
        {'admin': 0.5, 'rep': 0.5}
    """
    groups: dict[str, list[float]] = {}
    for key, value in keyed_values:
        if value is not None:
            groups.setdefault(key, []).append(value)
    return {
        key: summarize(name, groups[key], n_resamples=n_resamples, confidence=confidence, seed=seed)
        for key in sorted(groups)
    }


def _finite_array(values: Iterable[float], *, what: str) -> np.ndarray:
    data = np.asarray(list(values), dtype=np.float64)
    if data.size == 0:
        raise ValueError(f"{what}: no values")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{what}: not all finite: {data[~np.isfinite(data)][:5].tolist()}")
    return data


# =========================================================================== retrieval


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")


def _dedupe(ranking: Iterable[str]) -> list[str]:
    # A ranking of chunks may name a document more than once; the document counts at its
    # first (best) rank, as in a trec run, which holds one score per document.
    return list(dict.fromkeys(ranking))


def _relevant_ids(relevant: Mapping[str, int]) -> set[str]:
    return {doc for doc, grade in relevant.items() if grade > 0}


def ndcg_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int = 10) -> float | None:
    """nDCG@k with linear gain and log2 discount, as ``trec_eval``'s ``ndcg_cut.k``.

    ``DCG = sum(rel_i / log2(i + 1))`` over ranks ``i = 1..k`` of ``ranking``; the ideal
    DCG sorts every judged grade of ``relevant`` (retrieved or not). Grades <= 0 give no
    gain. Repeated ids count at their first rank only.

    Args:
        ranking: Document ids, best first.
        relevant: Document id → graded relevance (1 relevant, 2 highly relevant, ...).
        k: The cutoff.

    Returns:
        nDCG in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> round(ndcg_at_k(["b", "x", "a"], {"a": 2, "b": 1}), 4)  # 2 / (2 + 1/log2(3))
        0.7602
        >>> ndcg_at_k(["a"], {"a": 0}) is None
        True
    """
    _check_k(k)
    ideal_gains = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    if not ideal_gains:
        return None
    ideal = sum(g / math.log2(i + 2) for i, g in enumerate(ideal_gains))
    dcg = sum(
        max(relevant.get(doc, 0), 0) / math.log2(i + 2)
        for i, doc in enumerate(_dedupe(ranking)[:k])
    )
    return dcg / ideal


def recall_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float | None:
    """Share of the relevant documents (grade > 0) found in the top ``k``.

    Returns:
        Recall in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> recall_at_k(["a", "x", "b"], {"a": 1, "b": 2, "c": 1}, 2)
        0.3333333333333333
    """
    _check_k(k)
    wanted = _relevant_ids(relevant)
    if not wanted:
        return None
    return len(wanted.intersection(_dedupe(ranking)[:k])) / len(wanted)


def precision_at_k(ranking: Sequence[str], relevant: Mapping[str, int], k: int) -> float | None:
    """Share of the top ``k`` ranks holding a relevant document (grade > 0).

    As ``trec_eval``'s ``P.k``, the denominator is ``k`` even if fewer were returned.

    Returns:
        Precision in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> precision_at_k(["a", "x"], {"a": 1, "b": 1}, 4)
        0.25
    """
    _check_k(k)
    wanted = _relevant_ids(relevant)
    if not wanted:
        return None
    return len(wanted.intersection(_dedupe(ranking)[:k])) / k


def reciprocal_rank(
    ranking: Sequence[str], relevant: Mapping[str, int], *, k: int | None = None
) -> float | None:
    """``1 / rank`` of the first relevant document (grade > 0); 0 if none is returned.

    The mean over queries is MRR. ``k`` cuts the ranking first (MRR@k); ``None`` means
    the whole ranking, as ``trec_eval``'s ``recip_rank``.

    Returns:
        RR in [0, 1], or ``None`` when no document is relevant (skip the query).

    Example:
        >>> reciprocal_rank(["x", "y", "a"], {"a": 1})
        0.3333333333333333
        >>> reciprocal_rank(["x", "y", "a"], {"a": 1}, k=2)
        0.0
    """
    if k is not None:
        _check_k(k)
    wanted = _relevant_ids(relevant)
    if not wanted:
        return None
    ranked = _dedupe(ranking)
    for i, doc in enumerate(ranked if k is None else ranked[:k]):
        if doc in wanted:
            return 1.0 / (i + 1)
    return 0.0


# =========================================================================== permissions


def leak_rate(
    returned_ids_per_query: Sequence[Collection[str]],
    visible_ids_per_query: Sequence[Collection[str]],
) -> float:
    """Share of all returned results that their user may not see. Must be exactly 0.

    Pooled over every returned item of every query (not a mean of per-query rates), so
    one leak among a thousand results reads as 0.001, never rounds to a query's 0.

    Args:
        returned_ids_per_query: What each query returned.
        visible_ids_per_query: What that query's user may see, from an oracle independent
            of the code under test; aligned with ``returned_ids_per_query``.

    Returns:
        The leak rate; 0.0 when nothing was returned at all.

    Raises:
        ValueError: The two sequences differ in length.

    Example:
        >>> leak_rate([["a", "b"], ["c", "z"]], [{"a", "b"}, {"c"}])
        0.25
    """
    if len(returned_ids_per_query) != len(visible_ids_per_query):
        raise ValueError(
            f"leak_rate: {len(returned_ids_per_query)} result lists but "
            f"{len(visible_ids_per_query)} visibility sets"
        )
    returned = leaked = 0
    for ids, visible in zip(returned_ids_per_query, visible_ids_per_query, strict=True):
        returned += len(ids)
        leaked += sum(doc not in visible for doc in ids)
    return leaked / returned if returned else 0.0


def permitted_recall_loss(got: Iterable[_H], exact: Iterable[_H]) -> float:
    """What the permission-aware search misses of the exact permitted search.

    ``1 - |got ∩ exact| / |exact|`` over distinct ids (documents, or ``(document, chunk)``
    pairs); 0.0 when the exact search found nothing, since nothing could be lost.

    Example:
        >>> permitted_recall_loss(["a", "b", "x"], ["a", "b", "c", "d"])
        0.5
        >>> permitted_recall_loss(["a"], [])
        0.0
    """
    wanted = set(exact)
    if not wanted:
        return 0.0
    return 1.0 - len(wanted.intersection(got)) / len(wanted)


# =========================================================================== answers


class CitationLike(Protocol):
    """A cited span, as :class:`summarizers.models.Citation`: ``quote == content[start:end]``."""

    @property
    def document_id(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def quote(self) -> str: ...


def _is_real_span(c: CitationLike, content: str) -> bool:
    return 0 <= c.start < c.end <= len(content) and content[c.start : c.end] == c.quote


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
    required = [frozenset(_terms(term)) for term in answer_terms]
    required = [stems for stems in required if stems]
    if answer_terms and not required:
        raise ValueError(f"answer_terms have no content words: {list(answer_terms)!r}")
    if not citations:
        return None
    good = 0
    for c in citations:
        content = documents.get(c.document_id)
        if content is None or not _is_real_span(c, content):
            continue
        if required:
            quoted = set(_terms(c.quote))
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


def _terms(text: str) -> list[str]:
    """The metrics' content-word stems: the text layer's, with the metrics' own stopwords.

    Not the answer engine's query terms, so tuning the engine cannot move a metric.
    """
    return terms(text, stopwords=EVAL_STOPWORDS)


def _content_tokens(text: str) -> list[str]:
    # _terms drops repeats; applied word by word it keeps them, as SQuAD's F1 does.
    return [stem for word in text.split() for stem in _terms(word)]


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


# =========================================================================== summaries


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
        words = set(_terms(sentence.text))
        if any(
            _is_real_span(c, source_text) and words.intersection(_terms(c.quote))
            for c in sentence.citations
        ):
            grounded += 1
    return grounded / len(sentences)


# =========================================================================== next-best actions


def set_precision_at_k(
    predicted: Sequence[str], expected: Collection[str], k: int = 3
) -> float | None:
    """Share of the first ``k`` distinct predictions that are expected.

    For next-best actions (rule ids). The denominator is the number of predictions shown,
    at most ``k``: a scenario with one correct action scores 1.0 when only that action is
    suggested, where a fixed ``/ k`` would cap it at 1/3.

    Returns:
        Precision in [0, 1], or ``None`` when nothing was predicted (recall covers that).

    Example:
        >>> set_precision_at_k(["r1", "r1", "r2", "r3", "r4"], {"r1", "r4"}, k=3)
        0.3333333333333333
        >>> set_precision_at_k(["r1"], {"r1"}, k=3)
        1.0
    """
    _check_k(k)
    shown = _dedupe(predicted)[:k]
    if not shown:
        return None
    wanted = set(expected)
    return sum(rule in wanted for rule in shown) / len(shown)


def set_recall(predicted: Iterable[str], expected: Collection[str]) -> float | None:
    """Share of the expected ids that were predicted (duplicates counted once).

    Returns:
        Recall in [0, 1], or ``None`` when nothing was expected.

    Example:
        >>> set_recall(["r1", "r3", "r1"], ["r1", "r2"])
        0.5
    """
    wanted = set(expected)
    if not wanted:
        return None
    return len(wanted.intersection(predicted)) / len(wanted)


# =========================================================================== latency


class LatencySummary(TypedDict):
    """Latency percentiles and mean in milliseconds, and the number of calls."""

    p50: float
    p95: float
    mean: float
    n: int


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile with linear interpolation, as ``numpy.percentile``.

    Raises:
        ValueError: ``values`` is empty or not finite, or ``q`` is outside [0, 100].

    Example:
        >>> percentile([10.0, 20.0, 30.0, 40.0], 50)
        25.0
        >>> round(percentile([10.0, 20.0, 30.0, 40.0], 95), 6)
        38.5
    """
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"q must be in [0, 100], got {q}")
    ordered = sorted(_finite_array(values, what="percentile values").tolist())
    # numpy's "linear" method: virtual index (n - 1) * q, then its _lerp.
    index = (len(ordered) - 1) * (q / 100.0)
    below = math.floor(index)
    above = min(below + 1, len(ordered) - 1)
    t = index - below
    a, b = ordered[below], ordered[above]
    diff = b - a
    return b - diff * (1.0 - t) if t >= 0.5 else a + diff * t


def latency_summary(values_ms: Sequence[float]) -> LatencySummary:
    """p50, p95 and mean of one endpoint's latencies, in milliseconds.

    Raises:
        ValueError: No latency was measured.

    Example:
        >>> latency_summary([12.0, 10.0, 30.0, 11.0])
        {'p50': 11.5, 'p95': 27.299999999999994, 'mean': 15.75, 'n': 4}
    """
    if not values_ms:
        raise ValueError("latency_summary: no latencies")
    return LatencySummary(
        p50=percentile(values_ms, 50),
        p95=percentile(values_ms, 95),
        mean=statistics.fmean(values_ms),
        n=len(values_ms),
    )
