"""What an ingest run did: counts, per-record outcomes, and the records it rejected."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from copilot.ingest.readers import SourcedRecord
from copilot.ingest.records import Record

__all__ = ["IngestReport", "RecordIssue"]

#: Outcomes that have a counter of their own on :class:`IngestReport`.
_COUNTED = ("inserted", "updated", "unchanged", "deleted")


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

    @classmethod
    def of(cls, item: SourcedRecord, message: str) -> RecordIssue:
        """The issue of one input record, naming its type, id and org when readable."""
        kind, record_id, org = item.identity()
        return cls(item.source, item.line, message, kind, record_id, org)

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass
class IngestReport:
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    restamped: int = 0
    chunks: int = 0
    embedded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    written: bool = True
    errors: list[RecordIssue] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.records} records ({self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted, {len(self.errors)} rejected), "
            f"{self.chunks} chunks written, {self.embedded} embedded, {self.skipped} documents "
            f"skipped unchanged, {self.restamped} re-stamped, {self.seconds:.1f}s"
        )

    def add_outcome(self, *, line: int, rec: Record, outcome: str) -> None:
        """Record what happened to one input record (and count it if it has a counter)."""
        if outcome in _COUNTED:
            setattr(self, outcome, getattr(self, outcome) + 1)
        self.outcomes.append(
            {"line": line, "type": rec.type, "id": rec.id, "org": rec.org, "status": outcome}
        )
