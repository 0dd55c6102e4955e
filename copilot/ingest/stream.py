"""Input as a stream: windows of parsed records, and references resolved across them.

The indexer never holds the whole input: it reads ``size`` records at a time. A record
naming an entity that comes later in the input is held back (up to
:data:`MAX_HELD_BACK`) and checked again once everything else is in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from psycopg import Connection

from copilot.ingest.readers import SourcedRecord
from copilot.ingest.records import Record, RecordError, RecordLimits, parse_record
from copilot.ingest.report import IngestReport, RecordIssue
from copilot.ingest.validation import check_references

__all__ = ["MAX_HELD_BACK", "Pair", "Source", "reader", "resolved", "windows"]

#: An input read once, or a function that reads it afresh (what ``strict`` needs).
Source = Iterable[SourcedRecord] | Callable[[], Iterable[SourcedRecord]]

#: Records naming an entity not seen yet are held back at most this many; beyond it they
#: are rejected at once, so a wrong input cannot grow memory without bound.
MAX_HELD_BACK = 50_000

Pair = tuple[SourcedRecord, Record]


def windows(
    items: Iterable[SourcedRecord],
    report: IngestReport,
    *,
    size: int,
    limits: RecordLimits = RecordLimits(),  # noqa: B008
) -> Iterator[list[Pair]]:
    """Parsed records, ``size`` at a time; unreadable ones go to the report."""
    window: list[Pair] = []
    for item in items:
        report.records += 1
        if item.raw is None:
            report.errors.append(RecordIssue.of(item, item.error or "unreadable"))
            continue
        try:
            window.append((item, parse_record(item.raw, limits=limits)))
        except RecordError as err:
            report.errors.append(RecordIssue.of(item, str(err)))
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


def reader(items: Source, *, strict: bool) -> Callable[[], Iterable[SourcedRecord]]:
    """A function that reads the input (again, for the strict mode's second pass)."""
    if callable(items):
        return items
    if isinstance(items, Sequence) or not strict:
        return lambda: items
    # A one-shot iterator in strict mode: the only case that holds the input in memory
    # (the HTTP route's body, which is in memory already).
    materialized = list(items)
    return lambda: materialized


def resolved(
    conn: Connection[Any],
    window: Sequence[Pair],
    known: Sequence[Pair],
    report: IngestReport,
    held: list[Pair] | None,
) -> list[Pair]:
    """The records of ``window`` whose references resolve.

    References resolve against the window, ``known`` records and the store. A record
    whose references do not is appended to ``held`` (to be checked again once the rest
    of the input is in), or reported when ``held`` is ``None`` or full.
    """
    scratch = IngestReport(keep_outcomes=False)
    ok = {id(r) for _, r in check_references(conn, [*window, *known], scratch)}
    issues = {(e.source, e.line): e.message for e in scratch.errors}
    out: list[Pair] = []
    for item, rec in window:
        if id(rec) in ok:
            out.append((item, rec))
        elif held is not None and len(held) < MAX_HELD_BACK:
            held.append((item, rec))
        else:
            message = issues.get((item.source, item.line), "a reference does not resolve")
            report.errors.append(
                RecordIssue(item.source, item.line, message, rec.type, rec.id, rec.org)
            )
    return out
