"""The canonical input format: one JSON object per line, one model per ``type``.

Every record carries ``type`` and ``org``. Fields a model does not declare are kept
and stored in the ``attributes`` JSONB column, so nothing the CRM sends is lost.

Example:
    >>> rec = parse_record({"type": "team", "org": "acme", "id": "t1", "name": "EMEA"})
    >>> rec.name
    'EMEA'
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
)

from textkit.kinds import DOCUMENT_KINDS, DocumentKind

__all__ = [
    "Account",
    "Call",
    "Comment",
    "Contact",
    "Deal",
    "DocumentRecord",
    "Email",
    "EntityRecord",
    "Record",
    "RecordError",
    "Team",
    "Ticket",
    "Tombstone",
    "User",
    "parse_record",
]

RECORD_TYPES = ("team", "user", "account", "contact", "deal", *DOCUMENT_KINDS)
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


def _find_nul(value: Any, path: str) -> str | None:
    """The path of the first string holding U+0000 (PostgreSQL text cannot store it)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for k, v in value.items():
            found = _find_nul(str(k), path) or _find_nul(v, f"{path}.{k}" if path else str(k))
            if found is not None:
                return found
    if isinstance(value, list):
        for i, v in enumerate(value):
            found = _find_nul(v, f"{path}.{i}" if path else str(i))
            if found is not None:
                return found
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
    amount: float
    close_date: date


class _Document(_Base):
    owner_id: Id
    visibility: Visibility
    shared_with: tuple[Id, ...] = ()
    occurred_at: datetime

    _aware_at = field_validator("occurred_at")(lambda cls, v: _aware(v))


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
    account_id: Id
    deal_id: Id | None = None
    title: str
    participants: tuple[str, ...] = ()
    transcript: str | tuple[Any, ...]


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


def parse_record(raw: Any) -> Record:
    """Validate one decoded JSON value as a canonical record.

    Raises:
        RecordError: naming the offending field, e.g. ``occurred_at: invalid datetime``.
    """
    if not isinstance(raw, dict):
        raise RecordError(f"expected a JSON object, got {type(raw).__name__}")
    kind = raw.get("type")
    if kind not in RECORD_TYPES:
        raise RecordError(f"type: unknown record type {kind!r}; expected one of {RECORD_TYPES}")
    nul_at = _find_nul(raw, "")
    if nul_at is not None:
        raise RecordError(f"{nul_at or 'record'}: contains a NUL character (U+0000)")
    try:
        if raw.get("deleted") is True:
            return Tombstone.model_validate(raw)
        return _ADAPTER.validate_python(raw)  # type: ignore[no-any-return]
    except ValidationError as err:
        raise RecordError(_describe(err)) from None


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:3]:
        # Drop the discriminator tag from the location: "email.body" -> "body".
        loc = [str(p) for p in e["loc"] if p not in RECORD_TYPES]
        parts.append(f"{'.'.join(loc) or 'record'}: {e['msg']}")
    return "; ".join(parts)
