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

__all__ = ["WEIGHTS_FILE", "Scorer", "default_scorer"]

WEIGHTS_FILE = Path(__file__).with_name("scorer.json")


@dataclass(frozen=True)
class Scorer:
    """``p = sigmoid(intercept + coef · features)``; answers at ``p >= threshold``."""

    coef: tuple[float, ...]
    intercept: float
    threshold: float
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def probability(self, row: Sequence[float]) -> float:
        z = self.intercept + sum(w * x for w, x in zip(self.coef, row, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Scorer:
        names = tuple(raw.get("features", ()))
        if names != FEATURES:
            raise SummarizerError(
                f"answer scorer weights are for features {names}, the engine has {FEATURES}:"
                " re-run `python -m eval.answer_model`"
            )
        return cls(
            coef=tuple(float(x) for x in raw["coef"]),
            intercept=float(raw["intercept"]),
            threshold=float(raw["threshold"]),
            provenance={k: v for k, v in raw.items() if k not in ("coef", "intercept")},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.provenance,
            "features": list(FEATURES),
            "coef": [round(x, 6) for x in self.coef],
            "intercept": round(self.intercept, 6),
            "threshold": self.threshold,
        }


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    """The committed weights (``scorer.json``)."""
    return Scorer.from_dict(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))
