"""Request and response bodies of the HTTP API (published in ``/openapi.json``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

from summarizers.models import Citation, Evidence, NextBestAction, SeeAlso
from textkit.kinds import DocumentKind, TextKind
from textkit.storable import storable_problem

__all__ = [
    "MAX_DAY",
    "MAX_DRAFT_CHARS",
    "MAX_EMAIL_CHARS",
    "MAX_ID_CHARS",
    "MAX_QUERY_CHARS",
    "MAX_QUESTION_CHARS",
    "MAX_TOP_K",
    "MIN_DAY",
    "NO_NUL_PATTERN",
    "ActionsResponse",
    "AskRequest",
    "AskResponse",
    "AsOfDay",
    "AuditEntryResponse",
    "AuditResponse",
    "ChunkSpan",
    "DeleteResponse",
    "DocumentResponse",
    "DraftSummaryRequest",
    "ErasureRequest",
    "ErasureResponse",
    "ErrorBody",
    "ErrorResponse",
    "Highlight",
    "IngestRecordResult",
    "IngestResponse",
    "Kind",
    "NotBool",
    "RetrievedPassage",
    "SearchHit",
    "SearchRequest",
    "SearchResponse",
    "Text",
]

MAX_QUERY_CHARS = 2000
MAX_TOP_K = 100
MAX_ID_CHARS = 256
MAX_DRAFT_CHARS = 20_000
MAX_QUESTION_CHARS = 2000
#: The days a record may carry (as ingest enforces) and a request may name: evaluating
#: next-best actions at 0001-01-01 or 9999-12-31 overflowed the date arithmetic (500).
MIN_DAY = date(1000, 1, 1)
MAX_DAY = date(9998, 12, 31)

Kind = DocumentKind

#: Path and query parameters: no NUL, which PostgreSQL text cannot hold.
NO_NUL_PATTERN = r"^[^\x00]+$"


def _storable(value: str) -> str:
    problem = storable_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


#: Published as a pattern too, so clients (and schemathesis) know NUL is refused.
Text = Annotated[
    str, AfterValidator(_storable), Field(json_schema_extra={"pattern": r"^[^\x00]*$"})
]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain more than whitespace")
    return value


#: Text with something in it: a query or question of only spaces asks nothing.
NonBlankText = Annotated[Text, AfterValidator(_not_blank)]


def _not_bool(value: Any) -> Any:
    # JSON true is not 1: lax validation would take it as top_k=1.
    if isinstance(value, bool):
        raise ValueError("must be an integer, not a boolean")
    return value


#: Put before ``int``: a boolean is refused; numeric strings like "5" stay accepted.
NotBool = BeforeValidator(_not_bool)


def _in_day_range(value: date | None) -> date | None:
    if value is not None and not MIN_DAY <= value <= MAX_DAY:
        raise ValueError(
            f"must be a day from {MIN_DAY.isoformat()} to {MAX_DAY.isoformat()}, "
            f"got {value.isoformat()}"
        )
    return value


# Years MIN_DAY..MAX_DAY (1000-9998) as a pattern, so the published schema states the
# range the validator enforces.
_DAY_PATTERN = r"^(?:1\d{3}|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])-\d{2}-\d{2}$"


def _written_as_a_day(value: Any) -> Any:
    # Lax validation read "0" (or 0) as 1970-01-01; the schema promises YYYY-MM-DD.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"must be a day written YYYY-MM-DD, got {value[:40]!r}")
    if isinstance(value, (int, float)):
        raise ValueError("must be a day written YYYY-MM-DD, not a number")
    return value


#: A day within the range records may carry (``MIN_DAY`` to ``MAX_DAY``).
AsOfDay = Annotated[
    date | None,
    BeforeValidator(_written_as_a_day),
    AfterValidator(_in_day_range),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "format": "date", "pattern": _DAY_PATTERN}, {"type": "null"}]}
    ),
]


def _iso_date_or_time(value: Any) -> date | datetime:
    if isinstance(value, (date, datetime)):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"must be an ISO date like 2026-03-01 or a timestamp like 2026-03-01T09:00:00Z, "
            f"got {text[:40]!r}"
        ) from None


#: A date (whole day) or a timestamp, in ISO 8601.
DateOrTime = Annotated[
    date | datetime,
    BeforeValidator(_iso_date_or_time),
    Field(json_schema_extra={"type": "string", "format": "date-time"}),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _as_utc(value: date | datetime, *, end_of_day: bool) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    start = datetime.combine(value, time.min, tzinfo=UTC)
    # A bare date as the upper bound means "through the end of that day".
    return start + timedelta(days=1, microseconds=-1) if end_of_day else start


class SearchRequest(_Strict):
    """A search as the authenticated user. Filters only narrow what the user may see."""

    query: NonBlankText = Field(min_length=1, max_length=MAX_QUERY_CHARS, examples=["renewal risk"])
    top_k: Annotated[int, NotBool] = Field(
        default=10, ge=1, le=MAX_TOP_K, description="Results per page."
    )
    kinds: list[Kind] | None = Field(default=None, description="Only these record kinds.")
    account_id: Text | None = Field(default=None, min_length=1, max_length=MAX_ID_CHARS)
    date_from: DateOrTime | None = Field(
        default=None, description="ISO date or timestamp; inclusive."
    )
    date_to: DateOrTime | None = Field(
        default=None, description="ISO date (through that whole day) or timestamp; inclusive."
    )
    cursor: Text | None = Field(
        default=None,
        max_length=2000,
        description="`next_cursor` of the previous page; send the same query and filters.",
    )

    def date_range(self) -> tuple[datetime | None, datetime | None]:
        lo = _as_utc(self.date_from, end_of_day=False) if self.date_from else None
        hi = _as_utc(self.date_to, end_of_day=True) if self.date_to else None
        return lo, hi


class ChunkSpan(BaseModel):
    start: int = Field(description="Character offset of the chunk in the document content.")
    end: int


class Highlight(BaseModel):
    start: int = Field(description="Character offset of a matched term in the document content.")
    end: int


class SearchHit(BaseModel):
    document_id: str
    kind: Kind
    title: str
    snippet: str = Field(
        description="HTML-escaped text around the match, query terms wrapped in <mark>."
    )
    snippet_text: str = Field(description="The same snippet as plain text.")
    highlights: list[Highlight]
    score: float
    occurred_at: datetime
    account_id: str | None
    chunk: ChunkSpan


class SearchResponse(BaseModel):
    results: list[SearchHit]
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page.")


class DocumentResponse(BaseModel):
    id: str
    kind: Kind
    title: str
    content: str
    account_id: str | None
    contact_id: str | None
    deal_id: str | None
    owner_id: str
    visibility: Literal["private", "team", "org"]
    occurred_at: datetime
    fields: dict[str, Any]
    attributes: dict[str, Any]


class IngestRecordResult(BaseModel):
    line: int = Field(description="Line of the JSON Lines body, or 1-based array position.")
    status: Literal[
        "inserted", "updated", "unchanged", "deleted", "superseded", "absent", "rejected"
    ]
    type: str | None = None
    id: str | None = None
    org: str | None = None
    error: str | None = None


class IngestResponse(BaseModel):
    written: bool = Field(description="False when strict mode refused the whole batch.")
    records: int
    inserted: int
    updated: int
    unchanged: int
    deleted: int
    superseded: int = Field(
        description="Lines of a document that a later line of the same body replaced."
    )
    rejected: int
    chunks: int
    embedded: int
    seconds: float
    results: list[IngestRecordResult]


class DeleteResponse(BaseModel):
    id: str
    org: str
    status: Literal["deleted"]


class DraftSummaryRequest(_Strict):
    text: Text = Field(min_length=1, max_length=MAX_DRAFT_CHARS)
    kind: TextKind = "call"


class AskRequest(_Strict):
    question: NonBlankText = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    account_id: Text | None = Field(default=None, min_length=1, max_length=MAX_ID_CHARS)
    kinds: list[Kind] | None = None
    top_k: Annotated[int, NotBool] = Field(
        default=8, ge=1, le=20, description="Passages retrieved as evidence."
    )


class RetrievedPassage(BaseModel):
    document_id: str
    kind: Kind
    title: str
    score: float
    occurred_at: datetime
    chunk: ChunkSpan


class AskResponse(BaseModel):
    answer: str
    answered: bool = Field(description="False when the evidence was too weak to answer.")
    citations: list[Citation]
    engine: str
    retrieved: list[RetrievedPassage]
    confidence: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="How likely the answer is supported; answers are given above a "
        "threshold calibrated on dev data.",
    )
    see_also: list[SeeAlso] = Field(
        default_factory=list,
        description="When not answered: the closest related records (ids and titles).",
    )
    facts: list[Evidence] = Field(
        default_factory=list,
        description="CRM fields the answer states, each cited by its deal or account.",
    )


class ActionsResponse(BaseModel):
    subject: str = Field(description="The account or deal id.")
    as_of: datetime
    actions: list[NextBestAction]


class ErrorBody(BaseModel):
    code: str = Field(examples=["invalid_request"])
    message: str = Field(examples=["top_k: Input should be less than or equal to 100"])
    field: str | None = Field(default=None, description="The offending request field, if any.")


class ErrorResponse(BaseModel):
    error: ErrorBody


MAX_EMAIL_CHARS = 320


class AuditEntryResponse(BaseModel):
    """One audit entry: who did what, when, to which records, with what outcome."""

    seq: int = Field(description="Position in the org's chain, from 1.")
    at: datetime
    actor: str = Field(description="`user:<id>`, `ingest:<subject>` or `cli:<login>`.")
    request_id: str
    endpoint: str
    query_sha256: str | None = Field(description="SHA-256 of the query or question, if any.")
    query_text: str | None = Field(
        description="The query itself, unless the deployment stores hashes only or an "
        "erasure blanked it."
    )
    record_ids: list[str] = Field(description="Records returned, cited, written or removed.")
    engine: str | None
    status: int = Field(description="The outcome, as an HTTP status.")
    prev_hash: str
    hash: str


class AuditResponse(BaseModel):
    entries: list[AuditEntryResponse]
    next_cursor: str | None = Field(description="Pass back as `cursor` for the next page.")


class ErasureRequest(_Strict):
    """The person to erase: a contact id, or an email address (every contact with it)."""

    org: Text = Field(min_length=1, max_length=MAX_ID_CHARS)
    email: Text | None = Field(
        default=None, min_length=3, max_length=MAX_EMAIL_CHARS, pattern=r"^[^@\s]+@[^@\s]+$"
    )
    contact_id: Text | None = Field(default=None, min_length=1, max_length=MAX_ID_CHARS)

    @model_validator(mode="after")
    def _one_person(self) -> ErasureRequest:
        if (self.email is None) == (self.contact_id is None):
            raise ValueError("give exactly one of email and contact_id")
        return self


class ErasureResponse(BaseModel):
    org: str
    status: Literal["erased", "nothing_to_erase"]
    contacts: list[str] = Field(description="Contact ids removed.")
    documents: list[str] = Field(description="Email, call and ticket ids removed.")
