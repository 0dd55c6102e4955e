"""The ingest pipeline: read inputs, validate records, chunk, embed and write them.

``records`` is the canonical input format; ``files`` lists the files a run reads;
``readers`` decodes JSON Lines, JSON arrays and, through ``mail``, ``.eml`` and mbox
files into such records; ``validation`` checks them; ``documents`` renders each
document's canonical text; ``stream`` cuts the input into windows; ``indexer`` chunks
and embeds documents, ``writer`` writes them on a thread of its own, and ``entities``
writes everything else; ``report`` says what happened.
"""

from copilot.ingest.files import input_files
from copilot.ingest.indexer import Indexer
from copilot.ingest.mail import MailContext, MailError, read_eml, read_mbox
from copilot.ingest.readers import (
    CheckedInputs,
    SourcedRecord,
    TooManyRecords,
    check_inputs,
    read_inputs,
    read_jsonl,
    read_request_body,
)
from copilot.ingest.records import Record, RecordError, RecordLimits, parse_record
from copilot.ingest.report import IngestReport, RecordIssue

__all__ = [
    "CheckedInputs",
    "Indexer",
    "IngestReport",
    "MailContext",
    "MailError",
    "Record",
    "RecordError",
    "RecordIssue",
    "RecordLimits",
    "SourcedRecord",
    "TooManyRecords",
    "check_inputs",
    "input_files",
    "parse_record",
    "read_eml",
    "read_inputs",
    "read_jsonl",
    "read_mbox",
    "read_request_body",
]
