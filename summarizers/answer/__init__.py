"""Offline answers: question understanding (:mod:`.question`), candidate features
(:mod:`.features`), the learned scorer (:mod:`.scorer`) and span selection (:mod:`.select`)."""

from summarizers.answer.question import answer_type, question_terms, required_terms
from summarizers.answer.scorer import Scorer, default_scorer
from summarizers.answer.select import (
    NO_ANSWER,
    Similarity,
    answer_offline,
    score_candidates,
)

__all__ = [
    "NO_ANSWER",
    "Scorer",
    "Similarity",
    "answer_offline",
    "answer_type",
    "default_scorer",
    "question_terms",
    "required_terms",
    "score_candidates",
]
