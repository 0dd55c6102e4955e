"""The learned weights that turn a candidate's features into a probability of answering.

A logistic model over :data:`summarizers.answer.features.FEATURES`, fitted by
``python -m eval.answer_model`` on the seeded sample CRM's gold answer spans (seeds other
than the evaluation suite's, so the suite stays held out). The fitted weights, the
seeds, the data sizes and the threshold chosen on dev data live in ``scorer.json`` next
to this module; this module only reads them. A logistic model was chosen over anything
larger because the features are few and meaningful, its weights can be read and
checked for sign, and its output is a probability one threshold can be calibrated on.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from summarizers.answer.features import FEATURES
from summarizers.errors import SummarizerError

__all__ = ["WEIGHTS_FILE", "Scorer", "default_scorer", "pair_scale"]

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")


def pair_scale(dim: int) -> float:
    """The factor of a question/sentence product ``q_d * s_d``: with unit vectors each is
    of order ``1 / dim``, and ``dim / 10`` brings them to the features' order of
    magnitude, so one L2 strength suits both in the fit."""
    return dim / 10.0


@dataclass(frozen=True)
class Scorer:
    """Two small linear models over a candidate's features.

    * **Which span** (the ranker): ``rank_coef · features + Σ_d metric_d · q_d · s_d ·
      scale``, a conditional logit fitted to put a question's gold sentence first among
      its candidates. ``metric`` is a learned weighting of the embedding dimensions for
      "this sentence answers this question" (a diagonal bilinear form over the
      question's and the sentence's unit vectors); it belongs to the embedding model it
      was fitted on, ``metric_model``, and is left out with any other model.
    * **Whether to answer** (the confidence): ``p = sigmoid(intercept + coef ·
      features)``, a logistic model; its highest ``p`` among a question's candidates is
      how sure it is that the passages hold an answer at all. It leaves
      the metric out on purpose: measured on QMSum, a metric fitted on the sample CRM's
      sentences made the probability overconfident on text unlike them, while the
      ranking it gives still helped.

    * **The answer check**: ``sigmoid(check[0] · logit(p) + check[1] · cos + check[2])``
      recalibrates that best ``p`` with ``cos``, the embedding model's cosine of the
      question (without the account names it resolved) and the ranker's pick *with its
      neighbours* (the passage an untyped answer shows). A sentence can match the
      question's kind of fact while its surroundings are about something else; the
      passage tells. Fitted on other sample seeds than both models above, after them.
      This is the answer's confidence, and the engine answers at ``confidence >=
      threshold``.

    Without ``rank_coef`` (older weight files) the confidence also ranks; without
    ``check``, or when no cosine was measured (the engine scored lexically), the
    confidence is ``p``.
    """

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    rank_coef: tuple[float, ...] = ()
    metric: tuple[float, ...] = ()
    metric_model: str | None = None
    check: tuple[float, ...] = ()  # (weight of logit p, weight of the cosine, intercept)
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def probability(self, row: Sequence[float]) -> float:
        """The confidence that a candidate with features ``row`` answers the question."""
        z = self.intercept + sum(w * x for w, x in zip(self.coef, row, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def confidence(self, probability: float, passage_similarity: float | None) -> float:
        """The answer's confidence: the best candidate's ``probability``, checked against
        ``passage_similarity`` (the question's cosine with the passage around the pick).
        """
        if len(self.check) != 3 or passage_similarity is None:
            return probability
        p = min(max(probability, 1e-4), 1.0 - 1e-4)
        a, b, c = self.check
        z = a * math.log(p / (1.0 - p)) + b * passage_similarity + c
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def rank(self, row: Sequence[float], metric_term: float = 0.0) -> float:
        """The ranker's score (higher first); ``metric_term`` is :meth:`metric_term` of
        the candidate's vectors (0 when they were not measured)."""
        if not self.rank_coef:
            return self.probability(row)
        return metric_term + sum(w * x for w, x in zip(self.rank_coef, row, strict=True))

    def uses_metric(self, model_id: str, dim: int) -> bool:
        """Whether the learned metric applies to vectors of ``model_id`` of ``dim``."""
        return bool(self.metric) and self.metric_model == model_id and len(self.metric) == dim

    def weighted_question(self, question_vector: Sequence[float]) -> list[float]:
        """``metric ⊙ q · scale``: its dot product with a sentence's vector is the
        sentence's metric term."""
        scale = pair_scale(len(question_vector))
        return [m * x * scale for m, x in zip(self.metric, question_vector, strict=True)]

    def metric_term(self, pair: Sequence[float]) -> float:
        """The metric term of a scaled product ``q ⊙ s · scale`` (training rows)."""
        return sum(m * x for m, x in zip(self.metric, pair, strict=True)) if self.metric else 0.0

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Scorer:
        names = tuple(raw.get("features", ()))
        if names != FEATURES:
            raise SummarizerError(
                f"answer scorer weights are for features {names}, the engine has {FEATURES}:"
                " re-run `python -m eval.answer_model`"
            )
        own = ("coef", "intercept", "threshold", "rank_coef", "metric", "metric_model", "check")
        return cls(
            coef=tuple(float(x) for x in raw["coef"]),
            intercept=float(raw["intercept"]),
            threshold=float(raw["threshold"]),
            rank_coef=tuple(float(x) for x in raw.get("rank_coef", ())),
            metric=tuple(float(x) for x in raw.get("metric", ())),
            metric_model=raw.get("metric_model"),
            check=tuple(float(x) for x in raw.get("check", ())),
            provenance={k: v for k, v in raw.items() if k not in own},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.provenance,
            "features": list(FEATURES),
            "coef": [round(x, 6) for x in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": self.threshold,
            "rank_coef": [round(x, 6) for x in self.rank_coef],
            "metric_model": self.metric_model,
            "check": [round(x, 6) for x in self.check],
            "metric": [round(x, 5) for x in self.metric],
        }


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    """The committed weights (``scorer.json``)."""
    return Scorer.from_dict(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))
