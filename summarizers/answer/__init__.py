"""Offline answers: question understanding (:mod:`.question`) and span selection
(:mod:`.select`). The public names of the former ``summarizers.answer`` module."""

from summarizers.answer.question import answer_type, question_terms, required_terms
from summarizers.answer.select import (
    ANSWER_THRESHOLD,
    NO_ANSWER,
    Similarity,
    answer_offline,
    confidence,
)

__all__ = [
    "ANSWER_THRESHOLD",
    "NO_ANSWER",
    "Similarity",
    "answer_offline",
    "answer_type",
    "confidence",
    "question_terms",
    "required_terms",
]
