"""Calendar arithmetic behind :mod:`textkit.dates`: periods, edges and day counts."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

__all__ = [
    "add_business_days",
    "add_months",
    "current",
    "day_of_month",
    "edge",
    "last_day",
    "next_weekday",
    "period",
    "quarter_bounds",
    "relative",
    "upcoming",
    "week_monday",
]


def last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + month - 1 + months
    return total // 12, total % 12 + 1


def week_monday(ref: date, weeks_ahead: int = 0) -> date:
    return ref - timedelta(days=ref.weekday()) + timedelta(weeks=weeks_ahead)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first_month = 3 * (quarter - 1) + 1
    return date(year, first_month, 1), last_day(year, first_month + 2)


def add_business_days(ref: date, days: int) -> date:
    out = ref
    while days > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            days -= 1
    return out


def next_weekday(ref: date, weekday: int) -> date:
    """The first ``weekday`` strictly after ``ref``: "by Friday" said on a Friday is +7."""
    return ref + timedelta(days=(weekday - ref.weekday() - 1) % 7 + 1)


def upcoming(ref: date, month: int, day: int, year: int | None) -> date | None:
    """``month``/``day`` in ``year``, or its next occurrence on or after ``ref``."""
    try:
        if year is not None:
            return date(year + 2000 if year < 100 else year, month, day)
        value = date(ref.year, month, day)
        return value if value >= ref else date(ref.year + 1, month, day)
    except ValueError:
        return None  # "February 30": no such date, so no due date rather than a wrong one


def period(ref: date, unit: str, ahead: int) -> tuple[date, date]:
    """First and last day of the week/month/quarter/year ``ahead`` periods from ``ref``'s."""
    if unit == "week":
        monday = week_monday(ref, ahead)
        return monday, monday + timedelta(days=4)  # the business week
    if unit == "month":
        year, month = add_months(ref.year, ref.month, ahead)
        return date(year, month, 1), last_day(year, month)
    if unit == "quarter":
        index = ref.year * 4 + (ref.month - 1) // 3 + ahead
        return quarter_bounds(index // 4, index % 4 + 1)
    year = ref.year + ahead
    return date(year, 1, 1), date(year, 12, 31)


def current(ref: date, unit: str) -> tuple[date, date]:
    """The period holding ``ref``; at a weekend, "this week" is the coming business week."""
    first, last = period(ref, unit, 0)
    return (first, last) if last >= ref else period(ref, unit, 1)


def edge(first: date, last: date, edge: str) -> date:
    if edge in ("start", "beginning", "early"):
        return first
    if edge in ("middle", "mid"):
        return first + (last - first) // 2
    return last  # end, close, late, later


def relative(ref: date, count: int, unit: str, business: bool) -> date:
    unit = unit.rstrip("s")
    if unit == "hour":
        return ref + timedelta(days=-(-count // 24))
    if unit == "day":
        return add_business_days(ref, count) if business else ref + timedelta(days=count)
    if unit == "week":
        return ref + timedelta(weeks=count)
    year, month = add_months(ref.year, ref.month, count)
    return date(year, month, min(ref.day, calendar.monthrange(year, month)[1]))


def day_of_month(ref: date, day: int) -> date | None:
    """The next ``day``-th on or after ``ref``; months without that day are skipped."""
    if not 1 <= day <= 31:
        return None
    year, month = ref.year, ref.month
    for _ in range(13):
        if day <= calendar.monthrange(year, month)[1] and date(year, month, day) >= ref:
            return date(year, month, day)
        year, month = add_months(year, month, 1)
    return None  # pragma: no cover - some month within a year has every day 1..31
