"""The summary (2-4 sentences, the best commitment last) and the key points."""

from __future__ import annotations

from summarizers.models import Item
from summarizers.offline.analysis import _Call
from summarizers.offline.rendering import _render
from summarizers.offline.scoring import _mmr, _Scores

_MAX_KEY_POINTS = 5


def _summary_size(n_candidates: int) -> int:
    if n_candidates <= 1:
        return n_candidates
    if n_candidates <= 6:
        return 2
    return 3 if n_candidates <= 20 else 4


def _summary(call: _Call, scores: _Scores, action_units: set[int]) -> tuple[Item, set[int]]:
    candidates = sorted(scores.salience)
    k = _summary_size(len(candidates))
    # The best commitment closes the summary, as a recap would; the rest is MMR.
    commitments = [i for i in candidates if i in action_units]
    closing = max(commitments, key=lambda i: (scores.salience[i], -i), default=None)
    if closing is not None and k >= 3:
        others = [i for i in candidates if i not in action_units]
        picked = [*_mmr(others, scores, k - 1), closing]
    else:
        picked = _mmr(candidates, scores, k)
    picked = _with_customer(call, scores, picked, keep=closing)
    units = [call.units[i] for i in picked]
    return _render(call, units), set(picked)


def _with_customer(
    call: _Call, scores: _Scores, picked: list[int], *, keep: int | None
) -> list[int]:
    """Swap the weakest pick for the customer's best sentence if the customer is absent.

    A recap made only of what our side said misses why the call happened.
    """
    if len(picked) < 2 or not call.our_speakers:
        return picked
    if any(not call.units[i].ours for i in picked):
        return picked
    theirs = [i for i in scores.salience if not call.units[i].ours and i not in picked]
    if not theirs:
        return picked
    best = max(theirs, key=lambda i: (scores.salience[i], -i))
    weakest = min((i for i in picked if i != keep), key=lambda i: (scores.salience[i], -i))
    return [best if i == weakest else i for i in picked]


def _key_points(call: _Call, scores: _Scores, exclude: set[int]) -> list[Item]:
    candidates = [i for i in sorted(scores.salience) if i not in exclude]
    if not candidates:
        return []
    floor = 0.35 * max(scores.salience.values())
    strong = [i for i in candidates if scores.salience[i] >= floor]
    picked = _mmr(strong, scores, _MAX_KEY_POINTS, chosen=sorted(exclude & set(scores.salience)))
    return [_render(call, [call.units[i]]) for i in sorted(picked)]
