"""What an ingest run did: counts, per-record outcomes, and the records it rejected.

A record is either in ``outcomes`` (written, unchanged or deleted: it landed) or in
``errors`` (nothing of it was written), never both. ``errors`` holds records rejected by
validation and records whose write the database refused; the latter carry their id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from copilot.ingest.readers import SourcedRecord
from copilot.ingest.records import Record

__all__ = ["IngestReport", "PrunedRecord", "RecordIssue"]

#: The longest message a rejected record gets (the value it quotes is cut).
MAX_MESSAGE_CHARS = 500
#: Outcomes that have a counter of their own on :class:`IngestReport`.
_COUNTED = ("inserted", "updated", "unchanged", "deleted", "superseded")


@dataclass(frozen=True)
class RecordIssue:
    """Why one input record was rejected."""

    source: str
    line: int
    message: str
    #: What the record said it was, where that could be read.
    type: str | None = None
    id: str | None = None
    org: str | None = None

    def __post_init__(self) -> None:
        # A message quotes the bad value; a megabyte field name or type would come back
        # whole, twice (message and report), so it is cut.
        if len(self.message) > MAX_MESSAGE_CHARS:
            cut = self.message[: MAX_MESSAGE_CHARS - 1] + "\u2026"
            object.__setattr__(self, "message", cut)

    @classmethod
    def of(cls, item: SourcedRecord, message: str) -> RecordIssue:
        """The issue of one input record, naming its type, id and org when readable."""
        kind, record_id, org = item.identity()
        return cls(item.source, item.line, message, kind, record_id, org)

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True)
class PrunedRecord:
    """A stored record absent from a full export: deleted, or listed by a dry run."""

    org: str
    type: str
    id: str
    status: str  # "would delete", "deleted" or "kept: still referenced"


@dataclass
class IngestReport:
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    #: Lines of a document that a later line of the same input replaced.
    superseded: int = 0
    restamped: int = 0
    chunks: int = 0
    embedded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    #: Of ``seconds``: in the model, and writing on the writer thread (which overlap).
    embed_seconds: float = 0.0
    write_seconds: float = 0.0
    written: bool = True
    errors: list[RecordIssue] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    #: False for runs that only need the counts (the CLI): memory then stays flat
    #: however many records stream through.
    keep_outcomes: bool = True
    #: Records the write path rejected (database or rendering errors), also in ``errors``.
    not_written: int = 0
    pruned: list[PrunedRecord] = field(default_factory=list)
    #: Why ``--prune`` did nothing, if it did nothing.
    prune_refused: str | None = None

    def summary(self) -> str:
        return (
            f"{self.records} records ({self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted, {len(self.errors)} rejected), "
            f"{self.chunks} chunks written, {self.embedded} embedded, {self.skipped} documents "
            f"skipped unchanged, {self.restamped} re-stamped, {self.seconds:.1f}s"
            + (f"; {self.not_written} refused by the database" if self.not_written else "")
            + (f"; {self.superseded} superseded by a later line" if self.superseded else "")
            + self._prune_summary()
        )

    def _prune_summary(self) -> str:
        if self.prune_refused:
            return "; prune refused"
        counts: dict[str, int] = {}
        for p in self.pruned:
            counts[p.status] = counts.get(p.status, 0) + 1
        return "".join(f"; {n} {status} by prune" for status, n in sorted(counts.items()))

    def add_outcome(self, *, line: int, rec: Record, outcome: str) -> None:
        """Record what happened to one input record (and count it if it has a counter)."""
        if outcome in _COUNTED:
            setattr(self, outcome, getattr(self, outcome) + 1)
        if self.keep_outcomes:
            self.outcomes.append(
                {"line": line, "type": rec.type, "id": rec.id, "org": rec.org, "status": outcome}
            )

    def reject_write(self, *, source: str, line: int, rec: Record, message: str) -> None:
        """Report a valid record that was not written (the database refused it)."""
        self.not_written += 1
        self.errors.append(
            RecordIssue(source, line, f"not written: {message}", rec.type, rec.id, rec.org)
        )
