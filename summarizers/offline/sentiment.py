"""Sentiment: a lexicon with negation, intensifiers and "but" over the customer's sentences."""

from __future__ import annotations

import math
import re
from typing import Literal

from summarizers.competitors import CompetitorMention
from summarizers.models import Sentiment
from summarizers.offline.analysis import _MAX_CITATIONS, _Call, _Unit
from textkit.tokens import wordlist, words

_POSITIVE_AT = 0.15
_NEGATIVE_AT = -0.15

_VALENCES: tuple[tuple[float, str], ...] = (
    (
        3.0,
        """excellent amazing awesome fantastic thrilled delighted love loved loves outstanding
    superb phenomenal""",
    ),
    (
        2.0,
        """great excited exciting impressed impressive happy pleased enthusiastic success
    successful perfect valuable intuitive recommend reliable wonderful""",
    ),
    (
        1.5,
        """good glad helpful useful smooth smoothly easy easier confident comfortable
    interested keen appreciate improved solid nice benefit win wins resolved approved seamless
    faster saves saving strong best""",
    ),
    (1.0, "better fast quick fixed growth expand expanding clear"),
    (-3.0, "terrible awful horrible unacceptable useless angry furious disaster"),
    (
        -2.0,
        """disappointed disappointing frustrated frustrating unhappy upset annoyed outage
    broken failing failed fails failure painful complaint complain skeptical overcharged
    unreliable crash crashes crashed downtime waste cancel churn worst""",
    ),
    (
        -1.5,
        """concerned concern concerns worried worry problem problems bug bugs error errors
    slow slowly lost lose missing wrong struggling struggle stuck expensive pricey costly
    overpriced freeze froze frozen unfortunately sadly difficult pain escalate escalation
    confusing confused complicated delay delayed slipped blocked blocker blocking questioning
    doubt hesitant stalled incident dispute lacking lacks risky rejected reject rejecting""",
    ),
    (-1.0, "issue issues risk duplicate cut uncertain unsure limited hard latency late"),
)
_LEXICON: dict[str, float] = {
    word: valence for valence, text in _VALENCES for word in wordlist(text)
}
_PHRASES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p, re.I), v)
    for p, v in (
        (r"\bnot\s+sure\s+we['\u2019]?(?:ll|\s+will)\s+(?:continue|renew|stay)", -2.5),
        (r"\bon\s+the\s+list\s+to\s+cut\b", -2.5),
        (r"\bwent\s+back\s+to\s+(?:spreadsheets|excel)", -2.0),
        (r"\b(?:has\s+been|is|was|went)\s+down\b", -2.0),
        (r"\bcharged\s+twice\b", -2.0),
        (r"\bhigher\s+than\s+(?:what\s+)?we\s+budgeted|\bover\s+(?:our\s+)?budget\b", -1.5),
        (r"\bholding\s+up\b", -1.5),
        (r"\b(?:can['\u2019]?t|cannot|won['\u2019]?t)\s+accept\b", -1.5),
        (r"\badoption\s+(?:has\s+been|is|was)\s+low\b|\blow\s+adoption\b", -2.0),
        (r"\b(?:works|worked|went|going)\s+(?:really\s+|very\s+)?well\b", 2.0),
        (r"\bon\s+track\b", 1.5),
        (r"\blooking\s+forward\b", 1.5),
        (r"\b(?:move|moving)\s+forward\b", 1.5),
        (r"\bgreat\s+news\b", 1.0),
        (r"\bready\s+to\s+(?:sign|buy|go|move)\b", 2.0),
        (r"\bno\s+(?:problem|issues?|concerns?)\b", 1.0),
    )
)
_NEGATORS = frozenset(
    wordlist(
        """not no never without hardly barely nothing none nobody neither nor cannot t n't
        isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't
        shouldn't haven't hasn't hadn't ain't"""
    )
)
_BOOSTERS = frozenset(
    wordlist(
        """very really extremely so super incredibly totally absolutely highly particularly
        especially too truly seriously"""
    )
)
_DAMPENERS = frozenset(wordlist("slightly somewhat bit little kinda sort fairly mildly"))


def _sentence_valence(text: str, *, praise_sign: float = 1.0) -> float:
    """VADER-style compound of one sentence in ``[-1, 1]``; positive words count
    ``praise_sign`` times."""
    spans = words(text)
    tokens = [text[s:e].lower().replace("\u2019", "'") for s, e in spans]
    raw = 0.0
    but_at = next((n for n, t in enumerate(tokens) if t in ("but", "however", "although")), None)
    phrase_spans = [(m.start(), m.end(), v) for p, v in _PHRASES for m in p.finditer(text)]
    raw += sum(v for _, _, v in phrase_spans)
    for n, token in enumerate(tokens):
        value = _LEXICON.get(token)
        in_phrase = any(s <= spans[n][0] < e for s, e, _ in phrase_spans)
        if value is None or in_phrase:
            continue
        if value > 0:
            value *= praise_sign
        window = tokens[max(0, n - 3) : n]
        if any(w in _NEGATORS or w.endswith("n't") for w in window):
            value *= -0.74  # as VADER: "not good" is weaker than "bad"
        if any(w in _BOOSTERS for w in tokens[max(0, n - 2) : n]):
            value *= 1.3
        elif any(w in _DAMPENERS for w in tokens[max(0, n - 2) : n]):
            value *= 0.7
        if but_at is not None:
            value *= 0.5 if n < but_at else 1.5
        raw += value
    return raw / math.sqrt(raw * raw + 15.0) if raw else 0.0


def _sentiment(call: _Call, rivals: dict[int, list[CompetitorMention]]) -> Sentiment:
    units = [u for u in call.customer_units() if not (u.filler or u.title)]
    scored = []
    for u in units:
        # Praise in a sentence naming a competitor ("their demo was strong") is a threat.
        praise_sign = -0.5 if rivals.get(u.index) else 1.0
        scored.append((_sentence_valence(u.text, praise_sign=praise_sign), u))
    bearing = [(v, u) for v, u in scored if v]
    neutral = len(scored) - len(bearing)
    # Shrink toward 0: one sharp remark in a long, calm call does not make it negative.
    total = sum(v for v, _ in bearing)
    score = total / (len(bearing) + 0.25 * neutral + 0.5) if bearing else 0.0
    score = round(max(-1.0, min(1.0, score)), 3)
    label: Literal["positive", "neutral", "negative"]
    positive = sorted((x for x in bearing if x[0] > 0), key=_by_strength)
    negative = sorted((x for x in bearing if x[0] < 0), key=_by_strength)
    if score >= _POSITIVE_AT:
        label, evidence = "positive", positive
    elif score <= _NEGATIVE_AT:
        label, evidence = "negative", negative
    else:
        # Neutral: the strongest remark each way, if any, shows what was weighed.
        label, evidence = "neutral", positive[:1] + negative[:1]
    cited = sorted((u for _, u in evidence[:_MAX_CITATIONS]), key=lambda u: u.index)
    return Sentiment(label=label, score=score, citations=[call.cite(u.start, u.end) for u in cited])


def _by_strength(item: tuple[float, _Unit]) -> tuple[float, int]:
    return -abs(item[0]), item[1].index
