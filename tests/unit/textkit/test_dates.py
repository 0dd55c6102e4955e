"""Date expressions resolved against the call date, with exact spans."""

from __future__ import annotations

from datetime import date

import pytest

from textkit.dates import find_dates, find_due_date, find_due_dates_before

# =========================================================================== dates

WED = date(2026, 3, 4)
SAT = date(2026, 3, 7)
FRI_JAN = date(2026, 1, 30)
DEC = date(2026, 12, 10)

DUE_CASES = [
    # weekdays: next occurrence strictly after the call date, wrapping the week
    (WED, "by Friday", date(2026, 3, 6)),
    (WED, "by Wednesday", date(2026, 3, 11)),
    (WED, "on Monday", date(2026, 3, 9)),
    (WED, "by Tues", date(2026, 3, 10)),
    (WED, "this Friday", date(2026, 3, 6)),
    (WED, "next Friday", date(2026, 3, 13)),
    (SAT, "by Monday", date(2026, 3, 9)),
    (SAT, "by Saturday", date(2026, 3, 14)),
    (FRI_JAN, "by Friday", date(2026, 2, 6)),
    # days
    (WED, "tomorrow", date(2026, 3, 5)),
    (WED, "the day after tomorrow", date(2026, 3, 6)),
    (WED, "today", WED),
    (WED, "EOD", WED),
    (WED, "by end of day", WED),
    (WED, "by close of business", WED),
    (WED, "this afternoon", WED),
    (WED, "by EOD Friday", date(2026, 3, 6)),
    (WED, "tomorrow EOD", date(2026, 3, 5)),
    (WED, "in 10 days", date(2026, 3, 14)),
    (WED, "within 48 hours", date(2026, 3, 6)),
    (WED, "within 5 business days", date(2026, 3, 11)),
    (WED, "a week from today", date(2026, 3, 11)),
    (WED, "in two weeks", date(2026, 3, 18)),
    (WED, "in a couple of weeks", date(2026, 3, 18)),
    # weeks
    (WED, "this week", date(2026, 3, 6)),
    (WED, "by the end of the week", date(2026, 3, 6)),
    (WED, "EOW", date(2026, 3, 6)),
    (SAT, "by the end of the week", date(2026, 3, 13)),
    (WED, "next week", date(2026, 3, 13)),
    (WED, "early next week", date(2026, 3, 9)),
    (WED, "by next week", date(2026, 3, 9)),
    (WED, "end of next week", date(2026, 3, 13)),
    (WED, "the week after next", date(2026, 3, 20)),
    # months, with month ends
    (WED, "end of month", date(2026, 3, 31)),
    (WED, "EOM", date(2026, 3, 31)),
    (FRI_JAN, "by the end of the month", date(2026, 1, 31)),
    (FRI_JAN, "in a month", date(2026, 2, 28)),
    (FRI_JAN, "next month", date(2026, 2, 28)),
    (FRI_JAN, "end of next month", date(2026, 2, 28)),
    (date(2028, 2, 10), "end of the month", date(2028, 2, 29)),
    (DEC, "end of next month", date(2027, 1, 31)),
    (DEC, "early next month", date(2027, 1, 1)),
    (WED, "by March", date(2026, 3, 31)),
    (WED, "by April", date(2026, 4, 1)),
    (WED, "in April", date(2026, 4, 30)),
    (WED, "end of April", date(2026, 4, 30)),
    (WED, "mid-April", date(2026, 4, 15)),
    # days of the month and explicit dates
    (WED, "by the 15th", date(2026, 3, 15)),
    (WED, "by the 3rd", date(2026, 4, 3)),
    (FRI_JAN, "by the 31st", date(2026, 1, 31)),
    (date(2026, 2, 10), "by the 31st", date(2026, 3, 31)),
    (WED, "December 4", date(2026, 12, 4)),
    (WED, "on Dec. 4th", date(2026, 12, 4)),
    (WED, "4 December", date(2026, 12, 4)),
    (WED, "Friday, December 4", date(2026, 12, 4)),
    (WED, "Dec 4th, 2027", date(2027, 12, 4)),
    (WED, "12/4", date(2026, 12, 4)),
    (WED, "2026-12-04", date(2026, 12, 4)),
    (DEC, "December 4", date(2027, 12, 4)),
    (DEC, "January 5", date(2027, 1, 5)),
    # quarters and years
    (WED, "end of quarter", date(2026, 3, 31)),
    (WED, "next quarter", date(2026, 6, 30)),
    (WED, "end of Q2", date(2026, 6, 30)),
    (DEC, "next quarter", date(2027, 3, 31)),
    (WED, "by the end of the year", date(2026, 12, 31)),
]


@pytest.mark.parametrize(("ref", "phrase", "expected"), DUE_CASES)
def test_due_dates_resolve_against_the_call_date(ref: date, phrase: str, expected: date) -> None:
    found = find_due_date(f"I'll send it {phrase}.", ref)
    assert found is not None, phrase
    assert found.value == expected


@pytest.mark.parametrize(
    "text",
    [
        "The sync has been failing since Thursday.",
        "We met last Monday.",
        "It broke two weeks ago.",
        "Our copper wiring is fine.",
        "We may need more seats.",
        "It's 24/7 support.",
    ],
)
def test_no_due_date_where_none_is_meant(text: str) -> None:
    assert find_due_date(text, WED) is None


def test_date_mentions_are_exact_spans() -> None:
    text = "I'll send the monday.com comparison by EOD Friday, or December 4 at the latest."
    mentions = find_dates(text, WED)
    assert [text[m.start : m.end] for m in mentions] == ["EOD", "Friday", "December 4"]
    assert find_due_date(text, WED).value == date(2026, 12, 4)  # type: ignore[union-attr]


# =========================================================================== lead-ins

LEAD_INS = (
    "By Friday, I'll send it; in two weeks we will call Bo and I'll ping Ana. "
    "See you Mon.I'll go, in Jan Kowalski will sign by 12/4 EOD and I'll file it."
)


@pytest.mark.parametrize("start", [0, 11, 24, 80])
def test_due_dates_before_each_end_are_those_found_one_at_a_time(start: int) -> None:
    # Every end: word starts read off one scan, the rest (mid-word, after "Mon.", inside
    # "in Jan") looked up again.
    ends = list(range(start, len(LEAD_INS) + 1))
    expected = [find_due_date(LEAD_INS, WED, start, end) for end in ends]
    assert find_due_dates_before(LEAD_INS, WED, start, ends) == expected
    assert find_due_dates_before(LEAD_INS, WED, start, []) == []


def test_due_dates_before_the_subjects_of_a_long_sentence_read_it_once(
    date_scans: list[int],
) -> None:
    text = "I'll send it by next " * 200 + "I'll send it by Friday."
    subjects = [n for n in range(len(text)) if text.startswith("I'll", n)]
    dues = find_due_dates_before(text, WED, 0, subjects)
    assert dues == [None] * len(subjects)
    assert date_scans == [subjects[-1] + 1]  # one scan, none of the ends looked up again


def test_many_dates_keep_the_first_pattern_that_claims_each_span() -> None:
    text = "by next week, Friday " * 500
    mentions = find_dates(text, WED)
    assert [text[m.start : m.end] for m in mentions[:2]] == ["by next week", "Friday"]
    assert len(mentions) == 1_000
