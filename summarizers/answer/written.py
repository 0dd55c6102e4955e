"""How records write the facts questions ask for: dates, amounts, counts.

Patterns, shared by :func:`summarizers.answer.question.type_match` and the rules built
on it, and whether a text states one the question does not. A relative date ("by
Friday", "next week") and a release ("release 4.2") count as dates; a number inside a
date is no amount; money said in words ("ninety-one thousand a year") is money.
"""

from __future__ import annotations

import re

__all__ = [
    "ABSOLUTE_DATE",
    "AMOUNT",
    "COUNT",
    "DATE",
    "MONEY",
    "MONTH",
    "ORDINAL",
    "PERCENT",
    "SLASH_DATE",
    "SPELLED",
    "new_matches",
    "states_new",
]

MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
ORDINAL = (
    r"(?:\d{1,2}(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
    r"|tenth|eleventh|twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth"
    r"|eighteenth|nineteenth|twentieth|twenty-(?:first|second|third|fourth|fifth|sixth"
    r"|seventh|eighth|ninth)|thirtieth|thirty-first)"
)
# "5/12", "on 11/30." but not the "1/1" inside a model number ("iCombi Pro 10-1/1"), a
# fraction of a part number ("3/8-16") or a path.
SLASH_DATE = r"(?<![\w/.-])\d{1,2}/\d{1,2}(?![\w/-]|\.\d)"
DATE = re.compile(
    rf"\b{MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}"
    r"|\b(?:january|february|march|april|june|july|august|september|october|november"
    r"|december)\b|" + SLASH_DATE + r"|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\btomorrow\b|\b(?:next|this|last) (?:week|month|quarter|year)\b"
    r"|\bend of (?:the )?(?:week|month|quarter|year|[a-z]+)\b|\bq[1-4]\b|\b(?:19|20)\d{2}\b"
    r"|\bin \d+ (?:days?|weeks?|months?)\b"
    # When software ships: "fix planned for release 4.2", "in v3.1", "next sprint"
    r"|\b(?:release|version|build|patch|sprint)\s+v?\d+(?:\.\d+)+\b|\bv\d+\.\d+(?:\.\d+)?\b"
    r"|\b(?:next|upcoming|following) (?:sprint|release|patch|build)\b"
    # A day of the month said alone: "we kicked off on the sixteenth", "by the 14th."
    rf"|\b(?:on|by|from|until|till|before|after) the {ORDINAL}"
    r"(?=\s*(?:[.,;:!?)]|$|of\b|and\b|or\b|instead\b|at\b|then\b))",
    re.IGNORECASE,
)
ABSOLUTE_DATE = re.compile(
    rf"\b{MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}"
    r"|" + SLASH_DATE + r"|\b(?:19|20)\d{2}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
PERCENT = re.compile(r"\b\d[\d,.]*\s?(?:%|percent\b)", re.IGNORECASE)
# A number as said on a call: "eighty-four", "a hundred and ten", "eighteen-fifty".
SPELLED = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|thousand|million|dozen)"
)
# Money said on a call: "ninety-one thousand a year", "forty grand", "twelve dollars",
# "three seventy-four a month" (a price read as its digits).
_SPELLED_MONEY = (
    rf"\b{SPELLED}(?:[- ](?:and )?{SPELLED})*[- ](?:thousand|million|grand)\b"
    rf"|\b{SPELLED}(?:[- ]{SPELLED})*\s+(?:dollars?|bucks)\b"
    rf"|\b{SPELLED}(?:[- ]{SPELLED})+\s+(?:a|an|per)\s+[a-z]+\b"
)
MONEY = re.compile(
    r"[$€£]\s?\d|\b\d[\d,.]*\s?(?:k|m|dollars?|euros?|usd|eur)\b|" + _SPELLED_MONEY,
    re.IGNORECASE,
)
COUNT = re.compile(
    r"\b\d[\d,.]*\s?(?:seats?|users?|licen[cs]es?|people|employees|agents|reps|sites"
    r"|locations|days|weeks|months|hours|minutes|tickets|accounts)\b"
    rf"|\b(?!one\b){SPELLED}\b",  # "one change", "no one": a bare "one" counts nothing
    re.IGNORECASE,
)
AMOUNT = re.compile(
    rf"{MONEY.pattern}|{PERCENT.pattern}|{COUNT.pattern}|\b\d[\d,.]*\b", re.IGNORECASE
)


def new_matches(pattern: re.Pattern[str], text: str, asked: str) -> list[re.Match[str]]:
    """``pattern``'s matches in ``text`` that the question (``asked``, lowercase) does
    not state itself: the answer to "what did we quote on the $40 plan?" is another
    amount than $40."""
    return [m for m in pattern.finditer(text) if m.group(0).lower().strip() not in asked]


def states_new(pattern: re.Pattern[str], text: str, asked: str) -> bool:
    """Whether ``text`` holds a match of ``pattern`` the question does not state."""
    return bool(new_matches(pattern, text, asked))
