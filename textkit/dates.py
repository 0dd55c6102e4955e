"""Date expressions in text, resolved against a reference date (normally the call date).

A :class:`DateMention` is ``text[start:end]`` of the text searched, so a citation built
from it quotes the source verbatim.

Example:
    >>> from datetime import date
    >>> find_due_date("I'll send the quote by Friday.", date(2026, 3, 4)).value
    datetime.date(2026, 3, 6)
"""

from __future__ import annotations

import bisect
import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

from textkit._calendar import (
    current,
    day_of_month,
    edge,
    last_day,
    next_weekday,
    period,
    quarter_bounds,
    relative,
    upcoming,
    week_monday,
)

__all__ = ["DateMention", "find_dates", "find_due_date", "find_due_dates_before"]


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression in a text, resolved against a reference date.

    Attributes:
        start: Offset of the expression.
        end: Offset after it.
        value: The resolved date.
        rank: How specific the expression is: 5 an explicit date, 4 a day of the month,
            3 a weekday or a day count, 2 a week, month, quarter or year, 1 today / EOD.
    """

    start: int
    end: int
    value: date
    rank: int


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_INDEX = {d: i for i, d in enumerate(_WEEKDAYS)} | {
    d[:3]: i for i, d in enumerate(_WEEKDAYS)
}
_WEEKDAY_INDEX.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
_MONTH_INDEX = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTH_INDEX.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH_INDEX["sept"] = 9
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fourteen": 14,
    "fifteen": 15,
    "thirty": 30,
    "couple": 2,
    "couple of": 2,
    "a couple": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
}

_WD = (
    r"(?P<wd>mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday|s)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)(?!\.\w)"  # not "monday.com"
)
_MON = (
    r"(?P<mon>january|february|march|april|may|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)"
)
_NUM = (
    r"(?P<num>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fourteen|fifteen|thirty|(?:a\s+)?couple(?:\s+of)?|(?:a\s+)?few)"
)
_ORD = r"(?:st|nd|rd|th)"

# Each pattern has a handler below; the first that matches at a position wins, so the
# longer forms come first ("end of next week" before "next week").
_DATE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        (
            "iso",
            r"\b(?P<y>20\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b",
        ),
        (
            "mdy_slash",
            r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{2}|\d{4}))?\b",
        ),
        (
            "month_day",
            rf"\b(?:{_WD},?\s+)?{_MON}\.?\s+(?P<d>\d{{1,2}}){_ORD}?\b(?:,?\s+(?P<y>20\d{{2}})\b)?",
        ),
        (
            "day_month",
            rf"\b(?P<d>\d{{1,2}}){_ORD}?\s+(?:of\s+)?{_MON}\b\.?(?:,?\s+(?P<y>20\d{{2}})\b)?",
        ),
        (
            "end_of_next",
            r"\b(?:the\s+)?(?P<edge>end|close|start|beginning|early|middle|mid|late|later)"
            r"(?:\s+of)?[\s-]+(?:the\s+)?next\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "week_after_next",
            r"\b(?:the\s+)?week\s+after\s+next\b",
        ),
        (
            "edge_of_period",
            r"\b(?:the\s+)?(?P<edge>end|close|start|beginning|middle|mid)\s+of\s+"
            r"(?:the\s+|this\s+)?(?P<unit>day|business\s+day|week|month|quarter|year)\b",
        ),
        (
            "edge_of_month_name",
            rf"\b(?:the\s+)?(?P<edge>end|close|start|beginning|early|middle|mid|late)"
            rf"(?:\s+of)?[\s-]+{_MON}\b",
        ),
        (
            "edge_of_quarter",
            r"\b(?:the\s+)?(?P<edge>end|close|start|beginning|early|middle|mid|late)"
            r"(?:\s+of)?[\s-]+(?:the\s+)?q(?P<q>[1-4])\b",
        ),
        (
            "abbrev",
            r"\b(?P<abbr>eod|cob|eob|eow|eom|eoq|eoy)\b",
        ),
        (
            "period_end",
            r"\b(?P<unit>month|quarter|year)[\s-]end\b",
        ),
        (
            "by_next",
            r"\b(?P<prep>by|before|until|till)\s+next\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "next_unit",
            r"\bnext\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "this_unit",
            r"\bthis\s+(?P<unit>week|month|quarter|year)\b",
        ),
        (
            "next_weekday",
            rf"\bnext\s+{_WD}\b",
        ),
        (
            "this_weekday",
            rf"\bthis\s+(?:coming\s+)?{_WD}\b",
        ),
        (
            "relative",
            rf"\b(?:in|within)\s+(?:the\s+next\s+)?{_NUM}\s+(?P<business>business\s+|working\s+)?"
            r"(?P<unit>hours?|days?|weeks?|months?)\b",
        ),
        (
            "from_now",
            rf"\b{_NUM}\s+(?P<business>business\s+|working\s+)?(?P<unit>days?|weeks?|months?)"
            r"\s+from\s+(?:now|today)\b",
        ),
        (
            "day_after_tomorrow",
            r"\bday\s+after\s+tomorrow\b",
        ),
        (
            "tomorrow",
            r"\b(?:tomorrow|tmrw|tmr)\b",
        ),
        (
            "today",
            r"\b(?:today|tonight|(?:this|later\s+this)\s+(?:morning|afternoon|evening)"
            r"|later\s+today|end\s+of\s+(?:the\s+)?(?:business\s+)?day|close\s+of\s+business)\b",
        ),
        (
            "prep_month",
            rf"\b(?P<prep>in|by|before|until|during|for)\s+{_MON}\b(?!\s+\d)",
        ),
        (
            "day_of_month",
            rf"\b(?:by|on|before|until|for)\s+the\s+(?P<d>\d{{1,2}}){_ORD}\b",
        ),
        (
            "weekday",
            rf"\b{_WD}\b",
        ),
    )
)


def _number(raw: str) -> int:
    raw = " ".join(raw.lower().split())
    return int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]


def _resolve(name: str, m: re.Match[str], ref: date) -> tuple[date | None, int]:
    g = {k: (v.lower() if isinstance(v, str) else v) for k, v in m.groupdict().items()}
    if name == "iso":
        return upcoming(ref, int(g["m"]), int(g["d"]), int(g["y"])), 5
    if name == "mdy_slash":
        if not 1 <= int(g["m"]) <= 12:
            return None, 0
        year = int(g["y"]) if g["y"] else None
        return upcoming(ref, int(g["m"]), int(g["d"]), year), 5
    if name in ("month_day", "day_month"):
        year = int(g["y"]) if g["y"] else None
        return upcoming(ref, _MONTH_INDEX[g["mon"].rstrip(".")], int(g["d"]), year), 5
    if name == "end_of_next":
        return edge(*period(ref, g["unit"], 1), g["edge"]), 2
    if name == "week_after_next":
        return period(ref, "week", 2)[1], 2
    if name == "edge_of_period":
        unit = g["unit"]
        if unit.endswith("day"):
            return ref, 1
        return max(ref, edge(*current(ref, unit), g["edge"])), 2
    if name == "edge_of_month_name":
        month = _MONTH_INDEX[g["mon"]]
        year = ref.year if month >= ref.month else ref.year + 1
        return max(ref, edge(date(year, month, 1), last_day(year, month), g["edge"])), 2
    if name == "edge_of_quarter":
        first, last = quarter_bounds(ref.year, int(g["q"]))
        if last < ref:
            first, last = quarter_bounds(ref.year + 1, int(g["q"]))
        return max(ref, edge(first, last, g["edge"])), 2
    if name == "abbrev":
        unit = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}.get(g["abbr"])
        return (current(ref, unit)[1], 2) if unit else (ref, 1)
    if name == "period_end":
        return current(ref, g["unit"])[1], 2
    if name == "by_next":
        return period(ref, g["unit"], 1)[0], 2
    if name == "next_unit":
        return period(ref, g["unit"], 1)[1], 2
    if name == "this_unit":
        return current(ref, g["unit"])[1], 2
    if name == "next_weekday":
        return week_monday(ref, 1) + timedelta(days=_WEEKDAY_INDEX[g["wd"]]), 3
    if name == "this_weekday":
        value = week_monday(ref) + timedelta(days=_WEEKDAY_INDEX[g["wd"]])
        return (value if value >= ref else next_weekday(ref, _WEEKDAY_INDEX[g["wd"]])), 3
    if name in ("relative", "from_now"):
        return relative(ref, _number(g["num"]), g["unit"], bool(g.get("business"))), 3
    if name == "day_after_tomorrow":
        return ref + timedelta(days=2), 3
    if name == "tomorrow":
        return ref + timedelta(days=1), 3
    if name == "today":
        return ref, 1
    if name == "prep_month":
        month = _MONTH_INDEX[g["mon"]]
        year = ref.year if month >= ref.month else ref.year + 1
        if g["prep"] in ("by", "before", "until") and month != ref.month:
            return date(year, month, 1), 2
        return last_day(year, month), 2  # "by March" said in March means its end
    if name == "day_of_month":
        return day_of_month(ref, int(g["d"])), 4
    if name == "weekday":
        return next_weekday(ref, _WEEKDAY_INDEX[g["wd"]]), 3
    raise AssertionError(name)  # pragma: no cover - every pattern has a branch


def _mentions_weekday_word(m: re.Match[str]) -> bool:
    # "May" and "March" are words too; a bare month needs a preposition (handled by the
    # pattern), and "mon"/"sun"/"sat"/"wed" abbreviations need a capital or a period.
    wd = m.groupdict().get("wd")
    if not wd or len(wd) >= 6 or wd.lower() in ("tues", "thurs"):
        return True
    return wd[0].isupper()


_BACK_BEFORE = re.compile(
    r"\b(?:since|last|past|previous|earlier|until\s+last)\s+(?:the\s+)?$", re.I
)
_BACK_AFTER = re.compile(r"\s+ago\b", re.I)


def _points_back(text: str, start: int, end: int) -> bool:
    """Whether a date expression refers to the past ("since Friday", "last Monday")."""
    return bool(
        _BACK_BEFORE.search(text, max(0, start - 24), start) or _BACK_AFTER.match(text, end)
    )


def find_dates(text: str, ref: date, start: int = 0, end: int | None = None) -> list[DateMention]:
    """Date expressions in ``text[start:end]``, resolved against ``ref`` (the call date).

    Conventions, chosen so a due date is the deadline a listener would write down:

    * a weekday ("Friday", "by Friday", "on Fri") is its next occurrence strictly after
      ``ref``, so "by Friday" said on a Friday means a week later; "this Friday" is the
      Friday of ``ref``'s Monday-to-Sunday week unless it has passed; "next Friday" is
      the Friday of the following week;
    * "tomorrow" is +1; "today", "tonight", "EOD", "COB", "end of day" are ``ref``;
    * "this week", "end of the week", "EOW" are the Friday of ``ref``'s week; "next week"
      and "end of next week" the Friday of the next; "early next week" and "by next
      week" its Monday; "the week after next" the Friday of the week after;
    * "end of month", "EOM", "month-end", "this month" are the month's last day; "next
      month" the last day of the next, "by / early next month" its first; quarters and
      years likewise;
    * "in two weeks", "within 5 business days", "48 hours", "a week from today" count
      from ``ref`` (business days skip weekends; hours round up to days);
    * "by the 15th" is the next 15th on or after ``ref``; "December 4", "Dec 4th",
      "4 December", "12/4" (US order) and "2026-12-04" are that date, in the next year
      when it has passed and no year is given; "by March" is March 1, "in March" and
      "end of March" March 31, "mid-March" March 16;
    * expressions that point back ("since Thursday", "last Monday", "a week ago") are
      left out: they are not deadlines.

    Args:
        text: The text to search.
        ref: The reference date, normally the call date.
        start: Where to start looking.
        end: Where to stop looking; the end of ``text`` when None.

    Returns:
        Non-overlapping mentions in text order.

    Example:
        >>> from datetime import date
        >>> [(m.value.isoformat(), m.rank) for m in find_dates("by EOD Friday", date(2026, 3, 4))]
        [('2026-03-04', 1), ('2026-03-06', 3)]
    """
    found, _ = _scan(text, ref, start, len(text) if end is None else end)
    return found


def _scan(
    text: str, ref: date, start: int, stop: int
) -> tuple[list[DateMention], list[tuple[int, int]]]:
    """:func:`find_dates` of ``text[start:stop]``, and the span of every pattern match."""
    found: list[DateMention] = []
    spans: list[tuple[int, int]] = []
    # Spans already claimed, disjoint, so sorted by start they are sorted by end too and
    # only the last one starting before a match can overlap it. A scan over all of them
    # per match made "Friday " * 3_000 quadratic.
    taken_starts: list[int] = []
    taken_ends: list[int] = []
    for name, pattern in _DATE_PATTERNS:
        for m in pattern.finditer(text, start, stop):
            spans.append(m.span())
            before = bisect.bisect_left(taken_starts, m.end())
            if before and taken_ends[before - 1] > m.start():
                continue
            if name == "weekday" and not _mentions_weekday_word(m):
                continue
            taken_starts.insert(before, m.start())
            taken_ends.insert(before, m.end())
            if _points_back(text, m.start(), m.end()):
                continue
            value, rank = _resolve(name, m, ref)
            if value is None:
                continue
            found.append(DateMention(m.start(), m.end(), value, rank))
    found.sort(key=lambda d: d.start)
    return found, spans


def find_due_date(
    text: str, ref: date, start: int = 0, end: int | None = None
) -> DateMention | None:
    """The most specific date mention in ``text[start:end]``; the earliest on a tie.

    "by EOD Friday" gives Friday, not today; "December 4, or next week at the latest"
    gives December 4.

    Example:
        >>> from datetime import date
        >>> find_due_date("I'll send it over tomorrow EOD", date(2026, 1, 30)).value
        datetime.date(2026, 1, 31)
    """
    mentions: Sequence[DateMention] = find_dates(text, ref, start, end)
    if not mentions:
        return None
    return max(mentions, key=lambda d: (d.rank, -d.start))


_WORD_START = re.compile(r"[^\W\d]")  # a letter (or "_"): no date expression goes on there
_NOT_WORD = re.compile(r"[^\w.]")  # nor does one end on it, and "." is read past


def _more_specific(a: DateMention | None, b: DateMention) -> DateMention:
    """The due date of ``a`` and a later mention ``b``: the earlier one on a tie."""
    return b if a is None or b.rank > a.rank else a


def find_due_dates_before(
    text: str, ref: date, start: int, ends: Sequence[int]
) -> list[DateMention | None]:
    """``[find_due_date(text, ref, start, end) for end in ends]``, reading the text once.

    For a clause's lead-in up to each of several subjects ("By Friday, I'll send X and
    I'll call Y"): asked one at a time, each lead-in rescans the ones before it.

    ``text[start:max(ends) + 1]`` is scanned once, and each answer is read off the
    mentions that end by ``end``. That is :func:`find_due_date`'s answer when ``end``
    falls between a character that is neither a word character nor "." and a letter,
    and no pattern match runs across it: no pattern then ends at ``end``, and none that
    ends before it reads past it. Any other ``end`` is looked up on its own.

    Example:
        >>> from datetime import date
        >>> text = "By Friday, I'll send it; I'll call Bo."
        >>> dues = find_due_dates_before(text, date(2026, 3, 4), 0, [11, 25])
        >>> [d and d.value.isoformat() for d in dues]
        ['2026-03-06', '2026-03-06']
    """
    if not ends:
        return []
    stop = min(len(text), max(ends) + 1)
    found, spans = _scan(text, ref, start, stop)
    # crossed[i]: how many matches run across offset start + i.
    steps = [0] * (stop - start + 2)
    for s, e in spans:
        steps[s + 1 - start] += 1
        steps[e - start] -= 1
    crossed = list(accumulate(steps))
    found_ends = [m.end for m in found]  # disjoint mentions: ascending like their starts
    best: list[DateMention | None] = [None]  # best[i]: the due date of the first i mentions
    for mention in found:
        best.append(_more_specific(best[-1], mention))
    out: list[DateMention | None] = []
    for end in ends:
        if end <= start:
            out.append(None)
        elif (
            end < stop
            and _NOT_WORD.match(text, end - 1)
            and _WORD_START.match(text, end)
            and not crossed[end - start]
        ):
            out.append(best[bisect.bisect_right(found_ends, end)])
        else:
            out.append(find_due_date(text, ref, start, end))
    return out
