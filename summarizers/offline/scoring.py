"""Sentence salience (centrality, cue phrases, position) and maximal marginal relevance."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from summarizers.offline.analysis import _DOMAIN_WORDS, _SALIENT, _Call, _Unit
from summarizers.offline.objections import _OBJECTION_TEST, _RISK_TEST
from textkit.dates import find_dates


def _tfidf(units: Sequence[_Unit]) -> list[dict[str, float]]:
    df: Counter[str] = Counter()
    for u in units:
        df.update(set(u.tokens))
    n = len(units)
    vectors = []
    for u in units:
        tf = Counter(u.tokens)
        vec = {t: (1 + math.log(c)) * math.log((n + 1) / (df[t] + 0.5)) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@dataclass(frozen=True, slots=True)
class _Scores:
    """Per-unit salience and TF-IDF vectors (for redundancy), by unit index."""

    salience: dict[int, float]
    vectors: dict[int, dict[str, float]]


def _scores(call: _Call) -> _Scores:
    units = [u for u in call.units if u.candidate]
    vectors = _tfidf(units)
    centroid: Counter[str] = Counter()
    for vec in vectors:
        centroid.update(vec)
    # Centrality is the cosine to the centroid of the *other* sentences; the centroid's
    # norm stands in for theirs, a constant that keeps ranking intact and costs O(1).
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    salience: dict[int, float] = {}
    for pos, (u, vec) in enumerate(zip(units, vectors, strict=True)):
        rest = {t: centroid[t] - v for t, v in vec.items()}
        centrality = _cosine(vec, rest) / norm
        salience[u.index] = _cue_score(call, u, centrality, pos / max(1, len(units) - 1))
    return _Scores(salience, {u.index: vec for u, vec in zip(units, vectors, strict=True)})


def _cue_score(call: _Call, u: _Unit, centrality: float, position: float) -> float:
    n_tokens = len(u.tokens)
    domain = sum(1 for t in u.tokens if t in _DOMAIN_WORDS)
    score = 0.6 * centrality + 0.12 * min(domain, 3)
    if _SALIENT.search(u.text) or find_dates(u.text, call.ref):
        score += 0.15
    if _OBJECTION_TEST.search(u.text) or _RISK_TEST.search(u.text):
        score += 0.2
    if not u.ours:
        score += 0.05  # what the customer says carries the call
    score += 0.08 * (1.0 - position)
    if u.question:
        score *= 0.75
    if n_tokens < 4:
        score *= 0.5
    elif n_tokens > 40:
        score *= 0.7
    return score


def _mmr(
    candidates: Sequence[int], scores: _Scores, k: int, *, chosen: Sequence[int] = ()
) -> list[int]:
    """Pick ``k`` units by maximal marginal relevance (salience minus redundancy)."""
    picked = list(chosen)
    pool = [i for i in candidates if i not in picked]
    top = max((scores.salience[i] for i in pool), default=1.0) or 1.0
    while pool and len(picked) < len(chosen) + k:

        def gain(i: int) -> tuple[float, int]:
            redundancy = max(
                (_cosine(scores.vectors[i], scores.vectors[j]) for j in picked), default=0.0
            )
            return 0.7 * scores.salience[i] / top - 0.3 * redundancy, -i

        best = max(pool, key=gain)
        picked.append(best)
        pool.remove(best)
    return picked[len(chosen) :]
