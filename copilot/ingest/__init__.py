"""The ingest pipeline: read inputs, validate records, chunk, embed and write them.

``records`` is the canonical input format, ``mail`` turns ``.eml`` and mbox files into
such records, and ``indexer`` validates, chunks, embeds and writes them.
"""

from copilot.ingest.indexer import (
    Indexer,
    IngestReport,
    RecordIssue,
    SourcedRecord,
    read_inputs,
    read_jsonl,
)
from copilot.ingest.mail import MailContext, MailError, read_eml, read_mbox
from copilot.ingest.records import Record, RecordError, parse_record

__all__ = [
    "Indexer",
    "IngestReport",
    "MailContext",
    "MailError",
    "Record",
    "RecordError",
    "RecordIssue",
    "SourcedRecord",
    "parse_record",
    "read_eml",
    "read_inputs",
    "read_jsonl",
    "read_mbox",
]
