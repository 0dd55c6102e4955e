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
from copilot.ingest.records import (
    Record,
    RecordError,
    RecordLimits,
    parse_record,
    with_article,
)
from copilot.ingest.report import IngestReport, RecordIssue
from copilot.ingest.validation import check_references
from textkit.kinds import DOCUMENT_KINDS

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
    """Parsed records, ``size`` at a time; unreadable ones go to the report.

    A window holds each email, call or ticket once (:class:`_OnePerDocument`): a later
    line for the same id replaces an earlier one, which is reported ``superseded``; a
    later line giving the id another kind of document is refused.
    """
    window = _OnePerDocument(report)
    for item in items:
        report.records += 1
        if item.raw is None:
            report.errors.append(RecordIssue.of(item, item.error or "unreadable"))
            continue
        try:
            window.add(item, parse_record(item.raw, limits=limits))
        except RecordError as err:
            report.errors.append(RecordIssue.of(item, str(err)))
        if len(window) >= size:
            yield window.take()
    if len(window):
        yield window.take()


class _OnePerDocument:
    """A window's records with at most one per document id (tombstones included).

    The writer reads a batch's stored state once and writes its documents in order, so
    two lines for one id in a batch left the document with the first line's chunks and
    the last line's text (the re-check under lock found it "unchanged"); a tombstone and
    a re-creation of the id in one input ended deleted, since tombstones apply after a
    window's documents; an email and a call with one id ended as whichever came last.
    Now the last line of a document wins, as in a later input.
    """

    def __init__(self, report: IngestReport) -> None:
        self.report = report
        self.pairs: list[Pair | None] = []
        self.at: dict[tuple[str, str], int] = {}  # (org, id) -> index in pairs

    def __len__(self) -> int:
        return len(self.pairs)

    def add(self, item: SourcedRecord, rec: Record) -> None:
        if rec.type not in DOCUMENT_KINDS:
            self.pairs.append((item, rec))
            return
        key = (rec.org, rec.id)
        earlier = self.at.get(key)
        if earlier is not None:
            before = self.pairs[earlier]
            assert before is not None
            if before[1].type != rec.type:
                message = (
                    f"id {rec.id!r} is {with_article(before[1].type)} at line "
                    f"{before[0].line} of this input, and this record is {with_article(rec.type)}"
                )
                self.report.errors.append(
                    RecordIssue(item.source, item.line, message, rec.type, rec.id, rec.org)
                )
                return
            self.report.add_outcome(line=before[0].line, rec=before[1], outcome="superseded")
            self.pairs[earlier] = None
        self.at[key] = len(self.pairs)
        self.pairs.append((item, rec))

    def take(self) -> list[Pair]:
        out = [p for p in self.pairs if p is not None]
        self.pairs, self.at = [], {}
        return out


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
