"""How records write the facts questions ask for: dates, amounts, counts.

Patterns only, shared by :func:`summarizers.answer.question.type_match` and the rules
built on it. A relative date ("by Friday", "next week") and a release ("release 4.2")
count as dates; a number inside a date is no amount.
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
MONEY = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s?(?:k|m|dollars?|euros?|usd|eur)\b", re.IGNORECASE)
PERCENT = re.compile(r"\b\d[\d,.]*\s?(?:%|percent\b)", re.IGNORECASE)
# A number as said on a call: "eighty-four", "a hundred and ten", "eighteen-fifty".
SPELLED = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|thousand|million|dozen)"
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
