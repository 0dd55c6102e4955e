"""Offline answers: question understanding (:mod:`.question`), candidate features
(:mod:`.features`), the learned scorer (:mod:`.scorer`) and span selection (:mod:`.select`)."""

from summarizers.answer.question import answer_type, question_terms, required_terms
from summarizers.answer.scorer import Scorer, default_scorer
from summarizers.answer.select import (
    NO_ANSWER,
    Decision,
    Similarity,
    answer_offline,
    decide,
    score_candidates,
)

__all__ = [
    "NO_ANSWER",
    "Decision",
    "Scorer",
    "Similarity",
    "answer_offline",
    "answer_type",
    "decide",
    "default_scorer",
    "question_terms",
    "required_terms",
    "score_candidates",
]
