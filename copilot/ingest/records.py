"""The canonical input format: one JSON object per line, one model per ``type``.

Every record carries ``type`` and ``org``. Fields a model does not declare are kept
and stored in the ``attributes`` JSONB column, so nothing the CRM sends is lost.

Example:
    >>> rec = parse_record({"type": "team", "org": "acme", "id": "t1", "name": "EMEA"})
    >>> rec.name
    'EMEA'
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from textkit.documents import render_call_transcript, render_ticket
from textkit.kinds import DOCUMENT_KINDS, DocumentKind
from textkit.storable import SURROGATE, storable_problem

__all__ = [
    "Account",
    "Call",
    "Comment",
    "Contact",
    "Deal",
    "DocumentRecord",
    "Email",
    "EntityRecord",
    "MAX_INTEGER_DIGITS",
    "MAX_NESTING_DEPTH",
    "Record",
    "RecordError",
    "RecordLimits",
    "Team",
    "Ticket",
    "Tombstone",
    "User",
    "parse_record",
]

RECORD_TYPES = ("team", "user", "account", "contact", "deal", *DOCUMENT_KINDS)


def with_article(kind: str) -> str:
    """``"an email"``, ``"a call"``: a record type as a message names it."""
    return f"an {kind}" if kind[0] in "aeiou" else f"a {kind}"


Id = Annotated[str, Field(min_length=1, max_length=200)]
Visibility = Literal["private", "team", "org"]


class RecordError(ValueError):
    """A record that does not fit the canonical format; the message names the field."""


class _Base(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    org: Id
    id: Id

    @field_validator("id", "org", mode="before")
    @classmethod
    def _ids_are_strings(cls, value: Any) -> Any:
        # CRMs often export numeric ids; keep them as their string form.
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value

    @model_validator(mode="before")
    @classmethod
    def _null_is_left_out(cls, data: Any) -> Any:
        # Exporters write null for an empty field. For an optional field that means
        # "left out" (no shares, no subject): refusing it with "Input should be a valid
        # tuple" was a new user's first error. A required field's null is still refused,
        # and a field the format does not name keeps its null in ``attributes``.
        if not isinstance(data, dict):
            return data
        optional = {f.alias or n for n, f in cls.model_fields.items() if not f.is_required()}
        return {k: v for k, v in data.items() if v is not None or k not in optional}

    @property
    def attributes(self) -> dict[str, Any]:
        """The fields the CRM sent that this model does not declare."""
        return dict(self.model_extra or {})


def _aware(value: datetime) -> datetime:
    # A timestamp without zone is taken as UTC, so ordering never mixes naive and aware.
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        year = aware.astimezone(UTC).year
    except OverflowError:
        year = 0
    # In UTC it must stay a representable date, or reading it back would fail later.
    if not 1000 <= year <= 9998:
        raise ValueError(f"{value.isoformat()} is outside years 1000-9998 (in UTC)")
    return aware


#: Nesting deeper than this (the record itself is level 1) is refused, and checked
#: without recursion, so no input can reach a recursion limit further on.
MAX_NESTING_DEPTH = 32
#: Integers longer than this are refused (the longest int64 has 19 digits).
MAX_INTEGER_DIGITS = 64
_INTEGER_BOUND = 10**MAX_INTEGER_DIGITS


def _key_name(key: Any) -> str:
    text = str(key)
    # A key that cannot be echoed as is (NUL, surrogate, control) is quoted in ASCII.
    return text if text.isprintable() and not SURROGATE.search(text) else ascii(text)


def _number_problem(value: Any) -> str | None:
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value} is not a finite number"
    if isinstance(value, Decimal):
        return f"a {len(value.as_tuple().digits)}-digit number; at most {MAX_INTEGER_DIGITS} digits"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _INTEGER_BOUND:
        return f"an integer of over {MAX_INTEGER_DIGITS} digits; at most {MAX_INTEGER_DIGITS}"
    return None


def _value_problem(raw: dict[str, Any]) -> str | None:
    """``"field.path: problem"`` for the first value PostgreSQL or JSON could not hold.

    Walks the record with an explicit stack, so depth cannot raise ``RecursionError``.
    """
    stack: list[tuple[Any, str, int]] = [(raw, "", 1)]
    while stack:
        value, path, depth = stack.pop()
        if isinstance(value, str):
            problem = storable_problem(value)
        elif isinstance(value, (dict, list, tuple)):
            if depth > MAX_NESTING_DEPTH:
                return f"{path or 'record'}: nested deeper than {MAX_NESTING_DEPTH} levels"
            problem = None
            pairs = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in pairs:
                inner = f"{path}.{_key_name(key)}" if path else _key_name(key)
                if isinstance(key, str):
                    key_problem = storable_problem(key)
                    if key_problem is not None:
                        return f"{inner}: the field name {key_problem}"
                stack.append((item, inner, depth + 1))
        else:
            problem = _number_problem(value)
        if problem is not None:
            return f"{path or 'record'}: {problem}"
    return None


class Team(_Base):
    type: Literal["team"]
    name: str


class User(_Base):
    type: Literal["user"]
    name: str
    email: str
    team_id: Id | None = None
    manager_id: Id | None = None
    role: Literal["rep", "manager", "admin"]


class Account(_Base):
    type: Literal["account"]
    name: str
    owner_id: Id
    industry: str | None = None


class Contact(_Base):
    type: Literal["contact"]
    account_id: Id
    name: str
    email: str
    title: str | None = None


class Deal(_Base):
    type: Literal["deal"]
    account_id: Id
    owner_id: Id
    name: str
    stage: str
    # "NaN" and "inf" as strings would pass the value check and become floats here.
    amount: float = Field(allow_inf_nan=False)
    close_date: date

    @field_validator("close_date")
    @classmethod
    def _close_date_in_range(cls, value: date) -> date:
        if not 1000 <= value.year <= 9998:
            raise ValueError(f"{value.isoformat()} is outside years 1000-9998")
        return value


class _Document(_Base):
    owner_id: Id
    visibility: Visibility
    shared_with: tuple[Id, ...] = ()
    occurred_at: datetime

    _aware_at = field_validator("occurred_at")(lambda cls, v: _aware(v))

    @field_validator("shared_with")
    @classmethod
    def _shares_name_someone(cls, shares: tuple[str, ...]) -> tuple[str, ...]:
        # "team:<id>" shares with a team, "user:<id>" or a bare id with a user.
        out = []
        for n, share in enumerate(shares):
            kind, sep, rest = share.partition(":")
            if sep and kind in ("team", "user"):
                if not rest.strip():
                    raise ValueError(f"entry {n} {share!r} names no {kind}")
                if kind == "user" and rest.strip().partition(":")[0] in ("team", "user"):
                    # "user:team:t1" would have become a share with team t1.
                    raise ValueError(f"entry {n} {share!r} is not a user id; a team is 'team:<id>'")
                out.append(share if kind == "team" else rest.strip())
            else:
                out.append(share)
        return tuple(out)


class Email(_Document):
    type: Literal["email"]
    account_id: Id | None = None
    contact_id: Id | None = None
    deal_id: Id | None = None
    subject: str = ""
    from_: str = Field(alias="from")
    to: tuple[str, ...] | str
    direction: Literal["inbound", "outbound"]
    body: str


class Call(_Document):
    type: Literal["call"]
    # Optional, as for an email: an internal call filed under some customer would show
    # that account's deals and contacts to everyone who may see the call.
    account_id: Id | None = None
    deal_id: Id | None = None
    title: str
    participants: tuple[str, ...] = ()
    transcript: str | tuple[Any, ...]

    @field_validator("transcript")
    @classmethod
    def _turns_have_text(cls, transcript: str | tuple[Any, ...]) -> str | tuple[Any, ...]:
        if isinstance(transcript, str):
            return transcript
        for n, turn in enumerate(transcript):
            if isinstance(turn, str):
                continue
            if not isinstance(turn, dict):
                raise ValueError(
                    f"turn {n}: expected a string or an object, got {type(turn).__name__}"
                )
            text = turn.get("text", turn.get("content"))
            if not isinstance(text, str):
                raise ValueError(f"turn {n}: needs a string 'text' (or 'content')")
            speaker = turn.get("speaker", turn.get("name"))
            if speaker is not None and not isinstance(speaker, str):
                raise ValueError(f"turn {n}: 'speaker' must be a string")
        return transcript


class Comment(BaseModel):
    model_config = ConfigDict(frozen=True)
    author_id: Id
    at: datetime
    body: str

    _aware_at = field_validator("at")(lambda cls, v: _aware(v))


class Ticket(_Document):
    type: Literal["ticket"]
    account_id: Id
    contact_id: Id | None = None
    subject: str
    body: str
    status: str
    priority: str
    comments: tuple[Comment, ...] = ()


class Tombstone(BaseModel):
    """``{"type": ..., "org": ..., "id": ..., "deleted": true}`` removes a record."""

    model_config = ConfigDict(frozen=True)
    type: Literal["team", "user", "account", "contact", "deal"] | DocumentKind
    org: Id
    id: Id
    deleted: Literal[True]


EntityRecord = Team | User | Account | Contact | Deal
DocumentRecord = Email | Call | Ticket
Record = EntityRecord | DocumentRecord | Tombstone

_ADAPTER: TypeAdapter[Any] = TypeAdapter(
    Annotated[
        Team | User | Account | Contact | Deal | Email | Call | Ticket,
        Field(discriminator="type"),
    ]
)


@dataclass(frozen=True)
class RecordLimits:
    """Size caps on a document's title and its text (what gets chunked and embedded).

    A 300 KB subject or a 5 MB body costs minutes of embedding for one record, so both
    are refused per record; the defaults are ``COPILOT_MAX_TITLE_CHARS`` and
    ``COPILOT_MAX_BODY_CHARS``.
    """

    max_title_chars: int = 1_000
    max_body_chars: int = 500_000
    #: The fields kept in ``attributes`` (those the format does not name), as JSON.
    max_attributes_chars: int = 100_000
    #: Entries of an email's ``to`` or a call's ``participants``.
    max_list_entries: int = 1_000

    def __post_init__(self) -> None:
        if min(self.max_title_chars, self.max_body_chars, self.max_attributes_chars) < 1:
            raise ValueError(f"limits must be positive, got {self}")


def _extra_problem(rec: Record, limits: RecordLimits) -> str | None:
    """Fields kept as they came (``attributes``, ``to``, ``participants``) are stored and
    served whole: a 20 MB extra field was, so they are capped too."""
    extra = rec.model_extra or {}
    if extra:
        size = len(json.dumps(extra, ensure_ascii=False, default=str))
        if size > limits.max_attributes_chars:
            return (
                f"attributes (fields the format does not name: {', '.join(sorted(extra))[:80]}): "
                f"{size} characters as JSON; at most {limits.max_attributes_chars} "
                "(COPILOT_MAX_ATTRIBUTES_CHARS)"
            )
    for name in ("to", "participants"):
        entries = getattr(rec, name, None)
        if isinstance(entries, tuple) and len(entries) > limits.max_list_entries:
            return f"{name}: {len(entries)} entries; at most {limits.max_list_entries}"
    return None


def _size_problem(rec: Record, limits: RecordLimits) -> str | None:
    """``"field: N characters; at most M (SETTING)"`` when a record is over a cap."""
    extra = _extra_problem(rec, limits)
    if extra is not None:
        return extra
    if isinstance(rec, Email):
        title, body, body_field = ("subject", rec.subject), rec.body, "body"
    elif isinstance(rec, Call):
        title, body_field = ("title", rec.title), "transcript"
        body = render_call_transcript(rec.transcript)
    elif isinstance(rec, Ticket):
        title, body_field = ("subject", rec.subject), "body and comments"
        body = render_ticket(rec.body, [(c.author_id, c.at, c.body) for c in rec.comments])
    else:
        return None
    if len(title[1]) > limits.max_title_chars:
        return (
            f"{title[0]}: {len(title[1])} characters; at most {limits.max_title_chars} "
            "(COPILOT_MAX_TITLE_CHARS)"
        )
    if len(body) > limits.max_body_chars:
        return (
            f"{body_field}: {len(body)} characters; at most {limits.max_body_chars} "
            "(COPILOT_MAX_BODY_CHARS)"
        )
    return None


def parse_record(raw: Any, *, limits: RecordLimits = RecordLimits()) -> Record:  # noqa: B008
    """Validate one decoded JSON value as a canonical record.

    Checks, in order: the type; every value, nested ones and field names included, for
    what PostgreSQL or JSON cannot hold (NUL, lone surrogates, NaN and infinities,
    integers over :data:`MAX_INTEGER_DIGITS` digits, nesting deeper than
    :data:`MAX_NESTING_DEPTH`); the model's fields; a document's size against ``limits``.

    Raises:
        RecordError: naming the offending field, e.g. ``occurred_at: invalid datetime``.
    """
    if not isinstance(raw, dict):
        raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
    kind = raw.get("type")
    if kind not in RECORD_TYPES:
        raise RecordError(f"type: unknown record type {kind!r}; expected one of {RECORD_TYPES}")
    problem = _value_problem(raw)
    if problem is not None:
        raise RecordError(problem)
    try:
        if raw.get("deleted") is True:
            return Tombstone.model_validate(raw)
        rec: Record = _ADAPTER.validate_python(raw)
    except ValidationError as err:
        raise RecordError(_describe(err, raw)) from None
    too_big = _size_problem(rec, limits)
    if too_big is not None:
        raise RecordError(too_big)
    return rec


#: What a date or timestamp must look like, for errors a person reads: pydantic's own
#: words ("invalid character in year", "unexpected extra characters at the end of the
#: input") name the parser's trouble, not the format expected.
_EXPECTED = {
    "datetime": "an ISO 8601 timestamp such as 2026-11-14T10:00:00Z",
    "date": "an ISO 8601 date such as 2026-12-15",
}

#: What a type error expected, as JSON names it: pydantic names Python types ("a valid
#: tuple") the JSON's writer has not.
_EXPECTED_TYPE = {
    "string_type": "a string",
    "tuple_type": "a list",
    "list_type": "a list",
    "dict_type": "an object",
    "model_type": "an object",
    "bool_type": "true or false",
    "int_type": "a number",
    "float_type": "a number",
}

#: A value's type as JSON names it, for the same reader.
_JSON_TYPES = {
    str: "a string",
    int: "a number",
    float: "a number",
    dict: "an object",
    list: "a list",
    tuple: "a list",
}

#: The longest value received that a message quotes whole; a longer one is cut.
_QUOTED_CHARS = 80

_MISSING = object()


def _kind(value: Any) -> str:
    """What ``value`` is, as JSON names it: "a string", "null", "true"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _quoted(value: Any) -> str:
    """``value`` as a message quotes what it received: a string or number by its repr,
    cut to :data:`_QUOTED_CHARS`; anything else by its kind."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = repr(value)
        return text if len(text) <= _QUOTED_CHARS else f"{text[: _QUOTED_CHARS - 3]}..."
    return _kind(value)


def _located(e: Any, raw: dict[str, Any]) -> tuple[tuple[str | int, ...], Any]:
    """The record's field path an error is about, and the value the record has there.

    Pydantic's location also names the record type (the discriminator tag) and, inside
    a field that takes one of several shapes, the shape it tried
    ("to.tuple[constrained-str, ...]"): neither is a field the writer wrote, so both are
    left out. A key the record lacks is kept only for a missing field's error.
    """
    loc = list(e["loc"])
    if loc and loc[0] == raw.get("type"):
        loc = loc[1:]
    path: list[str | int] = []
    value: Any = raw
    for part in loc:
        if isinstance(value, dict) and isinstance(part, str):
            if part not in value and e["type"] != "missing":
                continue  # a shape's name, not a key
            value = value.get(part, _MISSING)
        elif isinstance(value, list | tuple) and isinstance(part, int) and part < len(value):
            value = value[part]
        elif isinstance(part, str) and value is not _MISSING:
            continue  # a shape's name inside a value that has no keys
        else:
            value = _MISSING
        path.append(part)
    return tuple(path), value


def _message(e: Any) -> str:
    kind = e["type"]
    got = e.get("input")
    if kind == "literal_error":
        return f"expected {e['ctx']['expected']}, got {_quoted(got)}"
    for prefix, expected in _EXPECTED.items():
        if kind.startswith(f"{prefix}_") and kind.endswith(("_parsing", "_type", "_invalid")):
            return f"expected {expected}, got {_quoted(got)}"
    return str(e["msg"])


def _field_message(errors: list[Any], path: tuple[str | int, ...], value: Any) -> str:
    """One message for the errors pydantic gave about one field."""
    if value is None and path and isinstance(path[-1], str):
        # Null in an optional field is the field left out (``_null_is_left_out``), so
        # here it is in one that must be there.
        return "required; null is not allowed"
    expected = [_EXPECTED_TYPE[e["type"]] for e in errors if e["type"] in _EXPECTED_TYPE]
    if expected and len(expected) == len(errors):
        # A field of several shapes (``to``: a string or a list) gets one error per shape.
        return f"expected {' or '.join(dict.fromkeys(expected))}, got {_kind(errors[0]['input'])}"
    return "; ".join(dict.fromkeys(_message(e) for e in errors))


def _describe(err: ValidationError, raw: dict[str, Any]) -> str:
    """``"field.path: problem"`` for each of the first three fields pydantic refused."""
    by_path: dict[tuple[str | int, ...], tuple[list[Any], Any]] = {}
    for e in err.errors():
        path, value = _located(e, raw)
        by_path.setdefault(path, ([], value))[0].append(e)
    # One shape's error inside the field ("to.1") says more than another shape's about
    # the field as a whole ("to" is no string): the deeper one is kept.
    deepest = [p for p in by_path if not any(q[: len(p)] == p and len(q) > len(p) for q in by_path)]
    parts = []
    for path in deepest[:3]:
        errors, value = by_path[path]
        where = ".".join(str(p) for p in path) or "record"
        parts.append(f"{where}: {_field_message(errors, path, value)}")
    return "; ".join(parts)
