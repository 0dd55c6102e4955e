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

from eval.metrics.actions import set_precision_at_k, set_recall
from eval.metrics.answers import (
    CitationLike,
    answer_term_overlap,
    answer_tokens,
    citation_precision,
    correct_answer,
    correct_citation,
    correct_decline_rate,
    exact_match,
    refusal_rate,
    token_f1,
)
from eval.metrics.confidence import MetricValue, bootstrap_ci, summarize, summarize_by_group
from eval.metrics.latency import LatencySummary, latency_summary, percentile
from eval.metrics.permissions import leak_rate, permitted_recall_loss
from eval.metrics.retrieval import ndcg_at_k, precision_at_k, recall_at_k, reciprocal_rank
from eval.metrics.summaries import (
    CitedSentence,
    RougeF1,
    grounding_rate,
    rouge_f1,
    rouge_tokens,
)

__all__ = [
    "CitationLike",
    "CitedSentence",
    "LatencySummary",
    "MetricValue",
    "RougeF1",
    "answer_term_overlap",
    "answer_tokens",
    "bootstrap_ci",
    "citation_precision",
    "correct_answer",
    "correct_citation",
    "correct_decline_rate",
    "exact_match",
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
    "token_f1",
]
