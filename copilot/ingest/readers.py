"""Reading inputs: JSON Lines, ``.eml`` files and mbox mailboxes, as sourced records.

A record that cannot be decoded does not stop the run: it becomes a
:class:`SourcedRecord` carrying its error, and the indexer reports it with its line.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot.errors import IngestError
from copilot.ingest.mail import MailContext, MailError, read_eml, read_mbox

__all__ = ["SourcedRecord", "read_inputs", "read_jsonl"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourcedRecord:
    """A decoded record (or the error decoding it) and where it came from."""

    source: str
    line: int
    raw: dict[str, Any] | None
    error: str | None = None


def read_jsonl(lines: Iterable[bytes], *, source: str) -> Iterator[SourcedRecord]:
    """Decode JSON Lines; a bad line becomes a :class:`SourcedRecord` carrying its error."""
    for n, raw_line in enumerate(lines, start=1):
        if not raw_line.strip():
            continue
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError as err:
            yield SourcedRecord(source, n, None, f"not valid UTF-8 at byte {err.start}")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            yield SourcedRecord(source, n, None, f"bad JSON: {err.msg} at column {err.colno}")
            continue
        if not isinstance(value, dict):
            yield SourcedRecord(source, n, None, "expected a JSON object")
            continue
        yield SourcedRecord(source, n, value)


def _read_jsonl(path: Path) -> Iterator[SourcedRecord]:
    with path.open("rb") as fh:
        yield from read_jsonl(fh, source=str(path))


def read_inputs(
    paths: Sequence[Path], *, mail_context: Callable[[], MailContext] | None = None
) -> Iterator[SourcedRecord]:
    """Decode JSON Lines, ``.eml`` and mbox inputs; directories are walked.

    ``mail_context`` supplies org and owner for mail files, which carry neither.
    """
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file()))
        elif p.exists():
            files.append(p)
        else:
            raise IngestError(f"input path {str(p)!r} does not exist")
    for f in files:
        suffix = f.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            yield from _read_jsonl(f)
        elif suffix in (".eml", ".mbox") or f.name == "mbox":
            if mail_context is None:
                raise IngestError(f"{f}: mail files need --org and --owner to be attached to")
            ctx = mail_context()
            try:
                if suffix == ".eml":
                    yield SourcedRecord(str(f), 1, read_eml(f, ctx))
                else:
                    for n, rec in read_mbox(f, ctx):
                        if isinstance(rec, MailError):
                            yield SourcedRecord(str(f), n, None, str(rec))
                        else:
                            yield SourcedRecord(str(f), n, rec)
            except MailError as err:
                yield SourcedRecord(str(f), 1, None, str(err))
        else:
            log.warning("skipping %s: not .jsonl, .ndjson, .eml or .mbox", f)
