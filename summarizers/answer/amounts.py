"""Amount questions: which kind of amount a question asks for (money, a percentage, a
count, and what it counts), and whether a sentence states it.

Pure string work over :mod:`summarizers.answer.written`'s patterns, used by
:func:`summarizers.answer.question.type_match` and the answer engine's checks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from summarizers.answer.written import (
    ABSOLUTE_DATE,
    AMOUNT,
    COUNT,
    MONEY,
    PERCENT,
    SPELLED,
    states_new,
)
from textkit.tokens import STOPWORDS

__all__ = [
    "WANTS_COUNT",
    "WANTS_MONEY",
    "WANTS_PERCENT",
    "amount_match",
    "lacks_count",
    "lacks_money",
]

# Which kind of amount a question asks for, by its cue words.
WANTS_MONEY = re.compile(
    r"\b(?:price|pricing|cost|costs|costing|dollars?|budget|quote|quoted|quoting|pay|pays"
    r"|paying|paid|worth|value|fee|fees|spend|spent|ceiling|threshold|revenue|arr|acv"
    r"|amount|bids?|bidding|charg(?:e|es|ed|ing)|c[ao]me? in at)\b",
    re.IGNORECASE,
)
WANTS_PERCENT = re.compile(
    r"\b(?:percent|percentage|discount|share|cut|reduction|markdown|steep|far|drop|growth"
    r"|increase|decrease|fallen|fell|rate)\b",
    re.IGNORECASE,
)
WANTS_COUNT = re.compile(
    r"\bhow many\b|\b(?:seats|users|licen[cs]es|headcount|people|employees)\b", re.IGNORECASE
)


def lacks_money(text: str, question: str) -> bool:
    """Whether ``question`` asks for money and nothing else (a price, a bid, a budget;
    not "how many", not a percentage) and ``text`` states neither money nor a percentage
    the question does not state itself.

    "What did Summit Ridge bid on the RFP?" is not answered by "Summit Ridge has had the
    work for six years": a count is another kind of amount. A percentage may state the
    price asked for ("15% off list"), so it counts.

    Example:
        >>> bid = "what did summit ridge bid?"
        >>> lacks_money("Summit Ridge has had the work for six years.", bid)
        True
        >>> lacks_money("Summit Ridge came in at ninety-one thousand.", bid)
        False
        >>> lacks_money("We need six seats.", "how many seats at what price?")
        False
    """
    asked = question.lower()
    if not WANTS_MONEY.search(asked) or WANTS_COUNT.search(asked):
        return False
    if WANTS_PERCENT.search(asked):
        return False
    plain = ABSOLUTE_DATE.sub(" ", text)
    return not (states_new(MONEY, plain, asked) or states_new(PERCENT, plain, asked))


def lacks_count(text: str, question: str) -> bool:
    """Whether ``question`` asks "how many" and every number of ``text`` is money, a
    percentage or part of a date: "How many expense reports does M&Q file a month?" is
    not answered by "$13 per user per month: $56,160 per year".

    Example:
        >>> q = "how many expense reports does merrow process a month"
        >>> lacks_count("- $13 per user per month: $56,160 per year", q)
        True
        >>> lacks_count("About 2,400 reports a month, at $13 per user.", q)
        False
    """
    if not re.search(r"\bhow many\b", question, re.IGNORECASE):
        return False
    plain = PERCENT.sub(" ", _MONEY_WHOLE.sub(" ", ABSOLUTE_DATE.sub(" ", text)))
    counted = _counted(question.lower())
    for unit, measure in _MEASURES:
        # "how many times", "how many weeks" are counts of the very unit.
        if unit is None or not any(noun.startswith(unit) for noun in counted):
            plain = measure.sub(" ", plain)
    return not states_new(AMOUNT, plain, question.lower())


# Numbers that are part of a code ("B-2"), or measure rather than count things: a
# temperature ("47°F"), a time of day ("5:40 AM", "03:00"), how often ("three times") and
# how long ("3 weeks"). "How many covers a day does the kitchen do?" is not answered by
# "walk-in cooler reading 47°F at 5:40 AM". A measure is kept when the question counts
# its very unit ("how many times").
_NUMBER = rf"(?:\d[\d,.]*|{SPELLED}(?:-{SPELLED})?)"
_MEASURES: tuple[tuple[str | None, re.Pattern[str]], ...] = (
    # Not a number at all: a code that holds one ("boiler B-2", "AP-14", "PM2").
    (None, re.compile(r"\b[A-Za-z]+-?\d[\w.-]*", re.I)),
    ("degree", re.compile(r"-?\d[\d,.]*\s?(?:°\s?[CF]?|degrees?\b(?:\s+[CF]\b)?)", re.I)),
    (
        "time",
        re.compile(r"\b\d{1,2}(?::\d{2})+\s?(?:[ap]\.?m\.?)?|\b\d{1,2}\s?[ap]\.?m\b\.?", re.I),
    ),
    ("time", re.compile(rf"\b{_NUMBER}\s+times\b|\b(?:once|twice)\b", re.I)),
    ("minute", re.compile(rf"\b{_NUMBER}\s+minutes?\b", re.I)),
    ("hour", re.compile(rf"\b{_NUMBER}\s+hours?\b", re.I)),
    ("day", re.compile(rf"\b{_NUMBER}\s+days?\b", re.I)),
    ("week", re.compile(rf"\b{_NUMBER}\s+weeks?\b", re.I)),
    ("month", re.compile(rf"\b{_NUMBER}\s+months?\b", re.I)),
    ("year", re.compile(rf"\b{_NUMBER}\s+years?\b", re.I)),
)


# A sum of money with all its digits ("$56,160", "$4.75k"): MONEY finds where one starts.
_MONEY_WHOLE = re.compile(r"[$€£]\s?\d[\d,.]*\w*|" + MONEY.pattern, re.IGNORECASE)


def amount_match(text: str, asked: str) -> float:
    """1.0 for the kind of amount asked (money, a percentage, a count), 0.5 for another
    kind, 0.0 for none. A number inside a date is not an amount."""
    plain = ABSOLUTE_DATE.sub(" ", text)
    kinds = [
        (WANTS_PERCENT, PERCENT),
        (WANTS_MONEY, MONEY),
        (WANTS_COUNT, COUNT),
    ]
    wanted = [found for cue, found in kinds if cue.search(asked)]
    counted = _counted(asked)
    if any(_counts(noun).search(plain) for noun in counted):
        return 1.0  # "How many reefers?": "120 reefers", "120 of the reefers"
    if wanted:
        if any(states_new(found, plain, asked) for found in wanted):
            return 0.5 if counted else 1.0
        return 0.5 if states_new(AMOUNT, plain, asked) else 0.0
    return 1.0 if states_new(AMOUNT, plain, asked) else 0.0


# What "how many" counts: "How many reefers does Gwen want?" counts reefers, "how many
# expense users does Ferrisburgh want?" expense users (a count of either word answers).
_COUNTED = re.compile(r"\bhow many ([a-z][a-z-]{2,})(?:\s+([a-z][a-z-]{2,}))?\b")


def _counted(asked: str) -> tuple[str, ...]:
    """The nouns "how many" counts in ``asked`` (lowercase), none without one.

    Example:
        >>> _counted("how many expense users does ferrisburgh want now")
        ('expense', 'users')
        >>> _counted("how many reefers does gwen want?")
        ('reefers',)
    """
    found = _COUNTED.search(asked)
    if found is None:
        return ()
    nouns: list[str] = []
    for word in found.groups():
        if word is None or word in STOPWORDS:  # "how many does Gwen want?"
            break
        nouns.append(word)
    return tuple(nouns)


@lru_cache(maxsize=256)
def _counts(noun: str) -> re.Pattern[str]:
    """A number counting ``noun`` (its stem, any ending), up to two words apart, in
    digits or words ("84 providers", "eighty-four providers")."""
    stem = re.escape(noun[: max(3, len(noun) - 2)])
    # Not a price per unit: "$13 per user" counts no users.
    return re.compile(
        rf"(?<![$€£\d.,])\b(?:\d[\d,.]*|{SPELLED}(?:-{SPELLED})?)\s+"
        rf"(?:(?!per\b|an?\b|each\b)[\w-]+\s+){{0,2}}{stem}\w*",
        re.IGNORECASE,
    )
