"""Answer terms: the few content words of a human answer that its evidence also holds.

Words and stopwords come from the text layer: :func:`textkit.tokens.tokenize_compounds`
(a compound such as "follow-up" is one word) and
:data:`textkit.tokens.MEETING_REPORT_STOPWORDS` (words a report uses about any meeting).
"""

from __future__ import annotations

from textkit.tokens import MEETING_REPORT_STOPWORDS, tokenize_compounds

__all__ = ["salient_terms"]


def salient_terms(answer: str, evidence: str, count: int = 3) -> tuple[str, ...]:
    """A few content words of ``answer`` that the evidence also contains.

    Ranked by frequency in the answer, then length, then first occurrence, so the
    answer's subject ("remote", "battery", "transcription") comes before filler.
    """
    seen_in_evidence = set(tokenize_compounds(evidence))
    stats: dict[str, tuple[int, int]] = {}  # word -> (count, first position)
    for pos, low in enumerate(tokenize_compounds(answer)):
        if len(low) < 4 or low in MEETING_REPORT_STOPWORDS or low not in seen_in_evidence:
            continue
        n, first = stats.get(low, (0, pos))
        stats[low] = (n + 1, first)
    ranked = sorted(stats, key=lambda w: (-stats[w][0], -len(w), stats[w][1]))
    return tuple(ranked[:count])
