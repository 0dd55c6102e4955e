"""Questions about a named account that phrasing answers better than meaning.

"Who is Copperleaf comparing us against?" is answered by the competitors its records
name (:mod:`summarizers.answer.rivals`), "What would Meridian like us to build?" by what
the customer asked the product to do (:mod:`summarizers.answer.gaps`). Such a sentence is
rarely close in meaning to the question, so the ranker's calibrated confidence cannot
vouch for it; the phrasing that recognises it does, and the answer carries a fixed
confidence for that (:data:`RECOGNISED_CONFIDENCE`), lower when only our own pitch says it
(:data:`PITCH_CONFIDENCE`). Neither is calibrated on data: both sit above the answer
threshold, the pitch between it and the customer's own words.

Pure: the caller retrieves the named accounts' passages under the asker's access.
"""

from __future__ import annotations

from collections.abc import Sequence

from summarizers.answer.gaps import asks_product_gap, gap_mentions
from summarizers.answer.rivals import asks_competitor, rival_mentions
from summarizers.answer.select import ENGINE
from summarizers.competitors import DEFAULT_COMPETITORS
from summarizers.models import Answer, Passage

__all__ = ["PITCH_CONFIDENCE", "RECOGNISED_CONFIDENCE", "asks_recognised", "recognised_answer"]

#: The customer's own words, recognised by their phrasing, say it.
RECOGNISED_CONFIDENCE = 0.95
#: Only our pitch to them names a competitor: answered, said to be ours, less sure.
PITCH_CONFIDENCE = 0.8


def asks_recognised(question: str, competitors: Sequence[str] = DEFAULT_COMPETITORS) -> bool:
    """Whether ``question`` asks for a competitor or for what the product lacks
    (``competitors``: the configured names a question may name its own with)."""
    return asks_competitor(question, competitors) or asks_product_gap(question, competitors)


def recognised_answer(
    question: str,
    passages: Sequence[Passage],
    *,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
) -> Answer | None:
    """The answer the named accounts' ``passages`` give ``question`` by phrasing, cited;
    None when none says it (the question is then answered as any other).

    Example:
        >>> from datetime import UTC, datetime
        >>> text = "Kwame: We're running a bake-off against Sage Intacct next week."
        >>> p = Passage(document_id="call-3", kind="call", title="Discovery", text=text,
        ...             start=0, end=len(text), score=1.0, occurred_at=datetime.now(UTC),
        ...             context=("Copperleaf Logistics",))
        >>> print(recognised_answer("Who is Copperleaf comparing us against?", [p]).answer)
        - Sage Intacct: Kwame: We're running a bake-off against Sage Intacct next week.
    """
    if asks_competitor(question, competitors):
        mentions = rival_mentions(question, passages, names=competitors)
        if not mentions:
            return None
        listed = "\n".join(f"- {m.name}: {m.citation.quote}" for m in mentions)
        pitched = all(m.ours for m in mentions)
        if pitched:
            listed = f"Only our own words to them name a competitor:\n{listed}"
        return Answer(
            answer=listed,
            citations=[m.citation for m in mentions],
            answered=True,
            engine=ENGINE,
            confidence=PITCH_CONFIDENCE if pitched else RECOGNISED_CONFIDENCE,
        )
    if asks_product_gap(question, competitors):
        asked = gap_mentions(passages)
        if not asked:
            return None
        return Answer(
            answer=" ".join(c.quote for c in asked),
            citations=list(asked),
            answered=True,
            engine=ENGINE,
            confidence=RECOGNISED_CONFIDENCE,
        )
    return None
