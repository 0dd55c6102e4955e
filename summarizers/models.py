"""Schemas shared by the offline and the LLM engines, and the inputs they take.

Every generated item carries ``citations``: the record and the exact character span of
its ``content`` the item came from, with ``quote == content[start:end]``. Engines are
pure: they get rows handed to them (never connections) and return these models.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from textkit.kinds import DocumentKind

__all__ = [
    "ActionItem",
    "Answer",
    "CallSummary",
    "Citation",
    "Competitor",
    "Item",
    "NextBestAction",
    "Evidence",
    "Passage",
    "SeeAlso",
    "Sentiment",
    "SourceDocument",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Citation(_Frozen):
    """An exact span of a source record: ``quote`` is ``content[start:end]``."""

    document_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    quote: str


class Item(_Frozen):
    """One generated statement and where it came from."""

    text: str
    citations: list[Citation] = Field(default_factory=list)


class ActionItem(Item):
    """A commitment: who does what, by when (relative dates resolved to the call date)."""

    owner: str | None = None
    due: date | None = None


class Sentiment(_Frozen):
    label: Literal["positive", "neutral", "negative"]
    score: float = Field(ge=-1.0, le=1.0, description="-1 very negative .. +1 very positive")
    citations: list[Citation] = Field(default_factory=list)


class Competitor(_Frozen):
    name: str
    citations: list[Citation] = Field(default_factory=list)


class CallSummary(_Frozen):
    """A call's summary. ``engine`` says which engine made it (and any fallback)."""

    document_id: str | None
    summary: Item = Field(description="2-4 sentences; citations per sentence.")
    key_points: list[Item] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    next_steps: list[Item] = Field(default_factory=list)
    sentiment: Sentiment
    objections: list[Item] = Field(default_factory=list)
    competitors: list[Competitor] = Field(default_factory=list)
    risks: list[Item] = Field(default_factory=list)
    engine: str = "offline"


class Evidence(_Frozen):
    """What an action rests on: a span of a document, or facts of a CRM record.

    For ``record_type="document"`` the quote is ``content[start:end]`` of that document.
    For ``record_type="deal"`` ``document_id`` is the deal's id and the quote states the
    deal's fields the rule read (stage, close date, amount); it has no offsets. For
    ``record_type="account"`` it is the account's id and the quote states its fields;
    for ``record_type="ticket"`` the ticket's id, and the quote states its status and
    priority fields (not a span of its text); for ``record_type="contact"`` the contact's
    id, and the quote states their name, title, account and email; for
    ``record_type="user"`` a CRM user's id (someone on our side), the same of them.
    """

    document_id: str
    quote: str
    start: int | None = None
    end: int | None = None
    record_type: Literal["document", "deal", "account", "ticket", "contact", "user"] = "document"


class NextBestAction(_Frozen):
    action: str
    rationale: str
    priority: int = Field(ge=0, le=100, description="Higher first.")
    due: date | None = None
    rule: str = Field(description="The playbook rule that fired.")
    evidence: list[Evidence] = Field(default_factory=list)


class SeeAlso(_Frozen):
    """A related record offered when an answer is declined."""

    document_id: str
    title: str


class Answer(_Frozen):
    """An answer to a question, built only from the passages handed in."""

    answer: str
    citations: list[Citation] = Field(default_factory=list)
    answered: bool = Field(description="False when the evidence was too weak to answer.")
    engine: str = "offline"
    confidence: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="How likely the answer is supported (the engine answers above its "
        "calibrated threshold; a declined answer reports its best candidate's score).",
    )
    see_also: list[SeeAlso] = Field(
        default_factory=list,
        description="When declined: the closest related records, never a sentence of them.",
    )
    facts: list[Evidence] = Field(
        default_factory=list,
        description="CRM fields the answer states (deal close date, amount, stage; "
        "account owner), each cited by its record; shown beside document evidence.",
    )


class SourceDocument(_Frozen):
    """A record handed to an engine: its canonical ``content`` is what citations index."""

    document_id: str
    kind: DocumentKind | Literal["draft"]
    title: str
    content: str
    occurred_at: datetime
    participants: tuple[str, ...] = ()
    owner_name: str | None = None
    fields: dict[str, object] = Field(default_factory=dict)


class Passage(_Frozen):
    """A retrieved chunk: ``text`` is ``content[start:end]`` of its document."""

    document_id: str
    kind: str
    title: str
    text: str
    start: int
    end: int
    score: float
    occurred_at: datetime
    account_id: str | None = None
    #: Names the question resolved to that this record belongs to by reference (its
    #: account's name when the question names that account): context the text may omit.
    context: tuple[str, ...] = ()
    #: The cosine of the question and this chunk under the embedding model, when vector
    #: search found it: how close the whole passage is to what was asked.
    similarity: float | None = None
    #: Whose words its spans are, ``(start, end, "ours" | "theirs")`` in document
    #: offsets (:func:`textkit.documents.spoken_sides`); empty when nobody's is known.
    sides: tuple[tuple[int, int, str], ...] = ()
    #: The people the record is with (its contact, a call's participants, its owner):
    #: like ``context``, who it is about though its text may not name them (an email
    #: whose sender signed off above the part that is kept).
    people: tuple[str, ...] = ()
