"""Reading inputs: JSON Lines, JSON arrays, ``.eml`` files and mbox mailboxes.

A record that cannot be decoded does not stop the run: it becomes a
:class:`SourcedRecord` carrying its error, and the indexer reports it with its line.
Decoding never raises on hostile input: a number too long for ``int`` is kept as a
:class:`~decimal.Decimal` for validation to refuse by field, and nesting too deep for the
decoder's recursion limit is reported as such rather than escaping as ``RecursionError``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from copilot.errors import IngestError, InvalidRequest
from copilot.ingest.files import JSON_LINES, input_files
from copilot.ingest.mail import MailContext, MailError, read_eml, read_mbox
from copilot.ingest.records import MAX_NESTING_DEPTH

__all__ = [
    "CheckedInputs",
    "RecordIdentity",
    "SourcedRecord",
    "TooManyRecords",
    "check_inputs",
    "decode_json",
    "read_inputs",
    "read_json_array",
    "read_jsonl",
    "read_request_body",
]

log = logging.getLogger(__name__)

#: Python refuses to turn longer digit strings into ``int`` (CVE-2020-10735).
_INT_STR_DIGITS = 4300
_TOO_DEEP = (
    f"JSON nested too deeply to decode; a record may nest at most {MAX_NESTING_DEPTH} levels"
)
# Strings (with escapes) and brackets: enough to find where a JSON value ends.
# A string is taken whole and possessively, closed or not: an unterminated one (which
# never closes the value anyway) was retried from each escaped quote inside it, quadratic
# time on the event loop (67 KB took 15 s).
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*+"?|[\[\]{}]', re.DOTALL)
_WHITESPACE = re.compile(r"[ \t\n\r]*")


class RecordIdentity(NamedTuple):
    """What a record says it is, when that can be read (``None`` where it cannot)."""

    type: str | None
    id: str | None
    org: str | None


def _readable(value: Any) -> str | None:
    # Only a clean string is echoed back: a NUL or lone surrogate would break the reply.
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    if "\x00" in value or any("\ud800" <= c <= "\udfff" for c in value):
        return None
    return value


@dataclass(frozen=True)
class SourcedRecord:
    """A decoded record (or the error decoding it) and where it came from."""

    source: str
    line: int
    raw: dict[str, Any] | None
    error: str | None = None
    #: The identity of a record refused before parsing (its ``raw`` is dropped).
    held: RecordIdentity | None = None

    def identity(self) -> RecordIdentity:
        """The record's ``type``, ``id`` and ``org`` as far as they can be read."""
        if self.raw is None:
            return self.held or RecordIdentity(None, None, None)
        return RecordIdentity(
            _readable(self.raw.get("type")),
            _readable(self.raw.get("id")),
            _readable(self.raw.get("org")),
        )

    def refused(self, message: str) -> SourcedRecord:
        """This record turned into an error, keeping its identity for the report."""
        return replace(self, raw=None, error=message, held=self.identity())


def _parse_int(digits: str) -> int | Decimal:
    # Past Python's limit, keep the number so validation can name its field.
    return int(digits) if len(digits) <= _INT_STR_DIGITS else Decimal(digits)


_DECODER = json.JSONDecoder(parse_int=_parse_int)
#: A UTF-8 byte-order mark, which some tools write at the start of a file: not content.
_BOM = b"\xef\xbb\xbf"


def decode_json(text: str) -> Any:
    """Decode one JSON value without ever raising anything but ``ValueError``.

    Raises:
        ValueError: Bad JSON (``JSONDecodeError``) or nesting too deep to decode.
    """
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError(_TOO_DEEP) from None


def read_jsonl(lines: Iterable[bytes], *, source: str) -> Iterator[SourcedRecord]:
    """Decode JSON Lines; a bad line becomes a :class:`SourcedRecord` carrying its error."""
    for n, raw_line in enumerate(lines, start=1):
        if n == 1 and raw_line.startswith(_BOM):
            raw_line = raw_line[len(_BOM) :]  # Excel and PowerShell write one
        if not raw_line.strip():
            continue
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError as err:
            yield SourcedRecord(source, n, None, f"not valid UTF-8 at byte {err.start}")
            continue
        try:
            value = decode_json(text)
        except json.JSONDecodeError as err:
            yield SourcedRecord(source, n, None, f"bad JSON: {err.msg} at column {err.colno}")
            continue
        except ValueError as err:
            yield SourcedRecord(source, n, None, str(err))
            continue
        yield _sourced(value, source, n)


def _sourced(value: Any, source: str, n: int) -> SourcedRecord:
    if not isinstance(value, dict):
        return SourcedRecord(source, n, None, "expected a JSON object")
    return SourcedRecord(source, n, value)


def _skip_ws(text: str, at: int) -> int:
    match = _WHITESPACE.match(text, at)
    assert match is not None  # the pattern matches the empty string
    return match.end()


def _end_of_value(text: str, at: int) -> int | None:
    """Where the array or object starting at ``at`` ends, or None if it never closes."""
    depth = 0
    for match in _JSON_TOKEN.finditer(text, at):
        token = match.group()
        if token in "[{":
            depth += 1
        elif token in "]}":
            depth -= 1
            if depth == 0:
                return match.end()
    return None


class TooManyRecords(InvalidRequest):
    """An input holds more records than one request may (``max_records``)."""

    code = "payload_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"the body holds more than {limit} records (COPILOT_MAX_INGEST_RECORDS); send "
            "it in parts, or load it with `copilot index`",
            field="body",
        )


class BodyNotJson(InvalidRequest):
    """A body sent as JSON that does not decode as JSON (or is not UTF-8)."""

    code = "invalid_json"

    def __init__(self, message: str) -> None:
        super().__init__(message, field="body")


class LooksLikeJsonLines(BodyNotJson):
    """A body sent as one JSON value that holds one record per line instead."""

    def __init__(self) -> None:
        super().__init__("body is not valid JSON: it looks like JSON Lines (one record per line)")


def _counted(out: list[SourcedRecord], max_records: int | None) -> None:
    if max_records is not None and len(out) > max_records:
        raise TooManyRecords(max_records)


def read_json_array(
    text: str, *, source: str, max_records: int | None = None
) -> list[SourcedRecord]:
    """Decode a JSON array of records (or one object); positions count from 1.

    Each element is decoded on its own, so one nested too deeply to decode is refused
    by its position while the others go on.

    Raises:
        InvalidRequest: The text is not a JSON array or object, or holds no records.
        TooManyRecords: It holds more than ``max_records`` (reading stops there).
    """
    at = start = _skip_ws(text, 0)
    out: list[SourcedRecord] = []
    one_object = text.startswith("{", at)
    if one_object:
        at = _decode_element(text, at, source, out)
    elif not text.startswith("[", at):
        raise InvalidRequest("JSON body must be an array of records", field="body")
    else:
        at = _skip_ws(text, at + 1)
        while not text.startswith("]", at):
            at = _skip_ws(text, _decode_element(text, at, source, out))
            _counted(out, max_records)
            if text.startswith(",", at):
                at = _skip_ws(text, at + 1)
                if text.startswith("]", at):
                    raise BodyNotJson(
                        f"body is not valid JSON: a comma before ']' at character {at}"
                    )
            elif not text.startswith("]", at):
                raise BodyNotJson(f"body is not valid JSON: expected ',' or ']' at character {at}")
        at += 1
    rest = _skip_ws(text, at)
    if rest < len(text):
        # One object on its own line, another on the next: JSON Lines sent as JSON.
        one_line = "\n" not in text[start:at] and "\n" in text[at:rest]
        if one_object and one_line and text.startswith("{", rest):
            raise LooksLikeJsonLines()
        raise BodyNotJson(f"body is not valid JSON: extra data at character {at}")
    if not out:
        raise _no_records()
    return out


def _decode_element(text: str, at: int, source: str, out: list[SourcedRecord]) -> int:
    """Decode the value at ``at`` into ``out``; returns where it ends."""
    position = len(out) + 1
    try:
        value, end = _DECODER.raw_decode(text, at)
    except RecursionError:
        closes = _end_of_value(text, at)
        if closes is None:
            raise BodyNotJson("body is not valid JSON: a value never closes") from None
        out.append(SourcedRecord(source, position, None, _TOO_DEEP))
        return closes
    except json.JSONDecodeError as err:
        raise BodyNotJson(f"body is not valid JSON: {err}") from None
    out.append(_sourced(value, source, position))
    return int(end)


def _no_records() -> InvalidRequest:
    return InvalidRequest(
        "request body holds no records; send JSON Lines or a JSON array", field="body"
    )


def read_request_body(
    body: bytes, content_type: str, *, source: str, max_records: int | None = None
) -> list[SourcedRecord]:
    """Decode an ingest request: JSON Lines, or a JSON array when ``content_type`` says so.

    Raises:
        InvalidRequest: The body is empty, holds no records, or (as JSON) does not decode.
        TooManyRecords: It holds more than ``max_records`` records or lines.
    """
    if not body.strip():
        raise _no_records()
    if content_type.split(";")[0].strip().lower() == "application/json":
        unmarked = body.removeprefix(_BOM)
        try:
            text = unmarked.decode("utf-8")
        except UnicodeDecodeError as err:
            at = err.start + len(body) - len(unmarked)
            raise BodyNotJson(f"request body is not valid UTF-8 (at byte {at})") from None
        try:
            return read_json_array(text, source=source, max_records=max_records)
        except LooksLikeJsonLines as err:
            raise BodyNotJson(f"{err}; send it with Content-Type: application/x-ndjson") from None
    out: list[SourcedRecord] = []
    for record in read_jsonl(body.splitlines(), source=source):
        out.append(record)
        _counted(out, max_records)
    return out


def _other_encoding(head: bytes) -> str | None:
    """``UTF-16`` or ``UTF-32`` when a JSON text's first bytes are in that encoding.

    By its byte-order mark, or by NUL bytes: JSON starts with an ASCII character, which
    UTF-16 writes as two bytes, one NUL, and UTF-32 as four, three NUL.
    """
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    if len(head) >= 4 and (head[1:4] == b"\x00\x00\x00" or head[:3] == b"\x00\x00\x00"):
        return "UTF-32"
    if len(head) >= 2 and (head[0] == 0) != (head[1] == 0):
        return "UTF-16"
    return None


def _refuse_other_encoding(path: Path, head: bytes) -> None:
    encoding = _other_encoding(head)
    if encoding is not None:
        raise IngestError(f"{path}: file is not UTF-8 (looks like {encoding}: save it as UTF-8)")


def _read_jsonl(path: Path) -> Iterator[SourcedRecord]:
    try:
        with path.open("rb") as fh:
            # Read as UTF-8, a UTF-16 file's every line was rejected with a codec error.
            _refuse_other_encoding(path, fh.peek(4)[:4])
            yield from read_jsonl(fh, source=str(path))
    except OSError as err:  # unreadable, or /proc/self/mem behind a symlink
        raise IngestError(f"cannot read {str(path)!r}: {err.strerror or err}") from None


def _read_json_file(path: Path) -> list[SourcedRecord]:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise IngestError(f"cannot read {str(path)!r}: {err.strerror or err}") from None
    _refuse_other_encoding(path, data[:4])
    unmarked = data.removeprefix(_BOM)
    try:
        return read_json_array(unmarked.decode("utf-8"), source=str(path))
    except UnicodeDecodeError as err:
        at = err.start + len(data) - len(unmarked)
        raise IngestError(f"{path}: file is not UTF-8 (at byte {at}): save it as UTF-8") from None
    except LooksLikeJsonLines:
        # Refused rather than read as JSON Lines: the name says what the file holds,
        # and the run reads it as /v1/ingest reads application/json. One rename fixes it.
        raise IngestError(
            f"{path}: this looks like JSON Lines (one record per line); name it .jsonl"
        ) from None
    except InvalidRequest as err:  # worded for a request body: say which file instead
        message = str(err).replace("request body", "the file").replace("body", "file")
        raise IngestError(f"{path}: {message}") from None


class CheckedInputs(tuple[Path, ...]):
    """Input files :func:`check_inputs` has checked, in the order a run reads them.

    What ``Indexer.ingest_paths`` takes to skip checking them again: ``copilot index``
    checks before the model loads, then hands the result on. Make one only through
    :func:`check_inputs`.
    """

    __slots__ = ()


def check_inputs(paths: Sequence[Path]) -> CheckedInputs:
    """The files of :func:`input_files`, each checked as far as it can be before a run
    writes anything.

    JSON Lines files must be UTF-8 by their first bytes, and every ``.json`` is decoded
    whole, as it is read anyway: a malformed one was found only when its turn came,
    after the files before it were written. A bad line of JSON Lines stays a problem of
    its record, reported while the others are written. ``Indexer.ingest_paths`` runs
    this first, unless handed its result.

    Raises:
        IngestError: As :func:`input_files`; or a file cannot be read, is not UTF-8, or
            (``.json``) is not a JSON array or object of records.
    """
    if isinstance(paths, CheckedInputs):
        return paths
    files = input_files(paths)
    for f in files:
        suffix = f.suffix.lower()
        if suffix == ".json":
            _read_json_file(f)
        elif suffix in JSON_LINES:
            try:
                with f.open("rb") as fh:
                    head = fh.read(4)
            except OSError as err:
                raise IngestError(f"cannot read {str(f)!r}: {err.strerror or err}") from None
            _refuse_other_encoding(f, head)
    return CheckedInputs(files)


def read_inputs(
    paths: Sequence[Path], *, mail_context: Callable[[], MailContext] | None = None
) -> Iterator[SourcedRecord]:
    """Decode JSON Lines, JSON array, ``.eml`` and mbox inputs; directories are walked.

    ``mail_context`` supplies org and owner for mail files, which carry neither.

    Raises:
        IngestError: As :func:`input_files`; or a ``.json`` file is not a JSON array or
            object of records (nothing of that file is read).
    """
    for f in input_files(paths):
        suffix = f.suffix.lower()
        if suffix in JSON_LINES:
            yield from _read_jsonl(f)
        elif suffix == ".json":
            yield from _read_json_file(f)
        else:
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
