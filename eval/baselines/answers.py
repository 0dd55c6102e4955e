"""The "first retrieved sentence" answer: what an answer engine must beat."""

from __future__ import annotations

from collections.abc import Sequence

from retrieval.models import ScoredChunk
from summarizers.models import Answer, Citation
from textkit.sentences import segment

__all__ = ["ENGINE", "first_sentence_answer"]

ENGINE = "baseline:first-sentence"


def first_sentence_answer(hits: Sequence[ScoredChunk]) -> Answer:
    """Answer with the first sentence of the top hit, cited as its exact span.

    It never declines when something was retrieved (its refusal rate shows what
    declining is worth); with no hit there is nothing to cite and it declines.

    Args:
        hits: The retrieved chunks, best first (the same hits the system's engine read).

    Example:
        >>> from datetime import UTC, datetime
        >>> hit = ScoredChunk(document_id="d1", ord=0, kind="email", title="Re: SOC 2",
        ...     account_id=None, occurred_at=datetime(2026, 5, 4, tzinfo=UTC), char_start=10,
        ...     char_end=52, text="We need the SOC 2 report. Send it Friday.", score=0.9)
        >>> answer = first_sentence_answer([hit])
        >>> answer.answer, answer.citations[0].start, answer.citations[0].end
        ('We need the SOC 2 report.', 10, 35)
    """
    for hit in hits[:1]:
        sentences = segment(hit.text)
        if not sentences:
            break
        s = sentences[0]
        quote = hit.text[s.start : s.end]
        citation = Citation(
            document_id=hit.document_id,
            start=hit.char_start + s.start,
            end=hit.char_start + s.end,
            quote=quote,
        )
        return Answer(answer=quote, citations=[citation], answered=True, engine=ENGINE)
    return Answer(answer="", citations=[], answered=False, engine=ENGINE)
