"""Answer terms: the few content words of a human answer that its evidence also holds.

The stopword list is this package's own for now (a shared text layer will own named
word sets); keep it here, in one place.
"""

from __future__ import annotations

import re

__all__ = ["STOPWORDS", "salient_terms"]

# Words an answer uses about any meeting; they say nothing about this one.
_STOPWORDS_TEXT = """
    a about above after again against all also although among an and any are around as at
    be because been before being below between both but by can could did does doing down
    during each either else etc even ever every few for from further had has have having he
    her here hers him his how however i if in into is it its itself just like many may me
    might more most much must my neither no nor not now of off often on once one only or
    other others our out over own per quite rather really same shall she should since so
    some such than that the their theirs them then there these they this those though
    through thus to too under until up upon us very via was we well were what when where
    whether which while who whom whose why will with within without would yet you your
    able agreed also asked believed came come decided described discussed discussion
    explained felt first group included including indicated meeting members mentioned next
    noted pointed presented proposed raised regarding said say says seemed since
    speaker stated suggested talked team think thought told went whole wanted want use
    used using things thing need needed needs lot kind sort way ways part make made get got
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")


def salient_terms(answer: str, evidence: str, count: int = 3) -> tuple[str, ...]:
    """A few content words of ``answer`` that the evidence also contains.

    Ranked by frequency in the answer, then length, then first occurrence, so the
    answer's subject ("remote", "battery", "transcription") comes before filler.
    """
    seen_in_evidence = {w.lower() for w in _WORD.findall(evidence)}
    stats: dict[str, tuple[int, int]] = {}  # word -> (count, first position)
    for pos, word in enumerate(_WORD.findall(answer)):
        low = word.lower()
        if len(low) < 4 or low in STOPWORDS or low not in seen_in_evidence:
            continue
        n, first = stats.get(low, (0, pos))
        stats[low] = (n + 1, first)
    ranked = sorted(stats, key=lambda w: (-stats[w][0], -len(w), stats[w][1]))
    return tuple(ranked[:count])
