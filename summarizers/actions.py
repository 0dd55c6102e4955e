"""Next-best actions: ranked, cited recommendations from the records of one account or deal.

:func:`recommend` reads an :class:`AccountContext` (or a :class:`DealContext`) and a
:class:`Playbook` and returns up to ``limit`` :class:`~summarizers.models.NextBestAction`,
highest priority first, then most recent evidence. Each rule of the playbook
(``summarizers/playbook.toml``) looks for one signal: an unanswered inbound email, an open
high-priority ticket or one past its SLA, an unmet call commitment, falling call
sentiment, a competitor mention, a quiet champion, an untouched or stuck deal, a passed
close date.

The engine is pure. The service hands it only the rows the caller may see, and every
piece of evidence it cites is a span of one of those rows: ``quote == content[start:end]``
of a document in the context. Anything else it is given (a call summary of a document
not in the context, a citation into another document) is ignored. Rules that fire on the
*absence* of a record (no reply, no touch) see the caller's view too: a reply the caller
cannot see does not count, which may recommend something a colleague already did, but
never reveals that colleague's record.

Example:
    >>> from datetime import UTC, datetime
    >>> email = DocumentFacts(
    ...     document_id="e1", kind="email", title="SOC 2 report",
    ...     content="Hi Sam,\\n\\nCan you send your SOC 2 report?\\n\\nThanks,\\nPat",
    ...     occurred_at=datetime(2026, 11, 2, 15, tzinfo=UTC), account_id="a1",
    ...     fields={"direction": "inbound", "from": "pat@nw.example", "to": ["sam@x.example"]},
    ... )
    >>> context = AccountContext(
    ...     account_id="a1", account_name="Northwind", now=datetime(2026, 11, 8, tzinfo=UTC),
    ...     contacts=[ContactRow(contact_id="c1", name="Pat Buyer", email="pat@nw.example")],
    ...     documents=[email],
    ... )
    >>> [action] = recommend(context, load_playbook())
    >>> action.rule, action.priority, action.due.isoformat()
    ('unanswered_inbound_email', 82, '2026-11-08')
    >>> print(action.rationale)  # doctest: +NORMALIZE_WHITESPACE
    Pat Buyer emailed on Nov 2 ("SOC 2 report"): "Can you send your SOC 2 report?" No reply in
    5 days.
    >>> ev = action.evidence[0]
    >>> email.content[ev.start:ev.end] == ev.quote
    True
"""

from __future__ import annotations

import calendar
import logging
import math
import re
import string
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from summarizers.competitors import find_competitors
from summarizers.errors import PlaybookError
from summarizers.models import CallSummary, Citation, Evidence, NextBestAction
from textkit.documents import authored_ranges, ticket_body_end
from textkit.kinds import DOCUMENT_KINDS, DocumentKind
from textkit.sentences import Sentence, segment
from textkit.tokens import content_tokens, stem

__all__ = [
    "RULE_IDS",
    "AccountContext",
    "ContactRow",
    "DealContext",
    "DealRow",
    "Definitions",
    "DocumentFacts",
    "Playbook",
    "PlaybookError",
    "Rule",
    "build_context",
    "load_playbook",
    "parse_playbook",
    "recommend",
]

log = logging.getLogger(__name__)

_MAX_QUOTE_CHARS = 240  # evidence quotes: one sentence, cut at a word if longer
_SHORT_QUOTE_CHARS = 140  # quotes inside a rationale


# =========================================================================== inputs


def _utc(value: datetime) -> datetime:
    # A timestamp without zone is taken as UTC, as copilot.records does.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Row(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContactRow(_Row):
    """A contact of the account. ``attributes`` holds the CRM's extra fields."""

    contact_id: str
    name: str
    email: str | None = None
    title: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class DealRow(_Row):
    """A deal of the account. ``attributes.stage_entered_at`` (ISO date) dates its stage."""

    deal_id: str
    account_id: str
    name: str
    stage: str
    amount: float
    close_date: date
    owner_id: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class DocumentFacts(_Row):
    """An email, call or ticket the caller may see, as the indexer renders it.

    ``content`` is the canonical text evidence offsets index. ``fields`` is the
    indexer's: for an email ``subject``, ``from``, ``to``, ``direction``
    (``inbound``/``outbound``); for a call ``participants``; for a ticket ``subject``,
    ``status``, ``priority`` and ``comments`` (``[{author_id, at}]``).
    """

    document_id: str
    kind: DocumentKind
    title: str
    content: str
    occurred_at: datetime
    fields: dict[str, Any] = Field(default_factory=dict)
    account_id: str | None = None
    deal_id: str | None = None
    contact_id: str | None = None
    owner_id: str | None = None

    _aware = field_validator("occurred_at")(lambda cls, v: _utc(v))

    @property
    def direction(self) -> str | None:
        value = self.fields.get("direction")
        return value.lower() if isinstance(value, str) else None

    @property
    def sender(self) -> str | None:
        value = self.fields.get("from")
        return value.strip().lower() if isinstance(value, str) and value.strip() else None

    @property
    def recipients(self) -> frozenset[str]:
        value = self.fields.get("to")
        values = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        return frozenset(str(v).strip().lower() for v in values)

    @property
    def subject(self) -> str:
        value = self.fields.get("subject")
        return value if isinstance(value, str) and value else self.title

    @property
    def participants(self) -> frozenset[str]:
        value = self.fields.get("participants")
        return frozenset(str(p).strip().lower() for p in value or ()) if value else frozenset()

    @property
    def ticket_status(self) -> str:
        return str(self.fields.get("status") or "").strip().lower()

    @property
    def ticket_priority(self) -> str:
        return str(self.fields.get("priority") or "").strip().lower()

    @property
    def last_comment_at(self) -> datetime | None:
        times = []
        for comment in self.fields.get("comments") or ():
            at = comment.get("at") if isinstance(comment, Mapping) else None
            if isinstance(at, str):
                try:
                    at = datetime.fromisoformat(at)
                except ValueError:
                    continue
            if isinstance(at, datetime):
                times.append(_utc(at))
        return max(times, default=None)


class AccountContext(_Row):
    """Everything about one account the caller may see, as of ``now``.

    Documents dated after ``now`` are ignored, so a context can be replayed as of a
    past instant.
    """

    account_id: str
    account_name: str
    now: datetime
    deals: Sequence[DealRow] = ()
    documents: Sequence[DocumentFacts] = ()
    contacts: Sequence[ContactRow] = ()
    call_summaries: Mapping[str, CallSummary] = Field(
        default_factory=dict, description="Summaries of calls, by document id."
    )

    _aware = field_validator("now")(lambda cls, v: _utc(v))

    @model_validator(mode="after")
    def _unique_ids(self) -> AccountContext:
        seen: set[str] = set()
        for doc in self.documents:
            if doc.document_id in seen:
                raise ValueError(f"documents: duplicate document_id {doc.document_id!r}")
            seen.add(doc.document_id)
        return self


class DealContext(AccountContext):
    """An account context with one deal in focus.

    Deal rules look at that deal only, and documents of the account's *other* deals are
    left out: what counts is the deal's own documents and the account's unattached ones.
    """

    deal_id: str

    @model_validator(mode="after")
    def _deal_is_known(self) -> DealContext:
        if not any(d.deal_id == self.deal_id for d in self.deals):
            raise ValueError(f"deal_id: {self.deal_id!r} is not among the context's deals")
        return self


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


class _AccountLike(_HasId, Protocol):
    @property
    def name(self) -> str: ...


class _DealLike(_HasId, Protocol):
    @property
    def account_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def stage(self) -> str: ...
    @property
    def amount(self) -> float: ...
    @property
    def close_date(self) -> Any: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...


class _ContactLike(_HasId, Protocol):
    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def attributes(self) -> Mapping[str, Any]: ...


class _DocumentLike(_HasId, Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def content(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...
    @property
    def account_id(self) -> str | None: ...
    @property
    def deal_id(self) -> str | None: ...
    @property
    def contact_id(self) -> str | None: ...
    @property
    def owner_id(self) -> str | None: ...


def build_context(
    *,
    account: _AccountLike,
    deals: Iterable[_DealLike],
    documents: Iterable[_DocumentLike],
    contacts: Iterable[_ContactLike],
    call_summaries: Mapping[str, CallSummary],
    now: datetime,
    focus_deal_id: str | None = None,
) -> AccountContext:
    """A context from store-shaped rows (anything with ``id`` and the row's fields).

    The rows must already be the caller's visible ones; this only reshapes them.
    Documents of kinds the rules do not read (drafts) are left out.

    Returns:
        A :class:`DealContext` when ``focus_deal_id`` is given, else an
        :class:`AccountContext`.

    Raises:
        ValueError: ``focus_deal_id`` is not among ``deals``, or a row is malformed.

    Example:
        >>> from types import SimpleNamespace as Row
        >>> ctx = build_context(account=Row(id="a1", name="Northwind"), deals=[], documents=[],
        ...                     contacts=[], call_summaries={}, now=datetime(2026, 1, 1))
        >>> ctx.account_name, ctx.now.tzinfo
        ('Northwind', datetime.timezone.utc)
    """
    fields: dict[str, Any] = {
        "account_id": account.id,
        "account_name": account.name,
        "now": now,
        "deals": [
            DealRow(
                deal_id=d.id,
                account_id=d.account_id,
                name=d.name,
                stage=d.stage,
                amount=d.amount,
                close_date=d.close_date,
                owner_id=getattr(d, "owner_id", None),
                attributes=dict(d.attributes or {}),
            )
            for d in deals
        ],
        "documents": [
            DocumentFacts(
                document_id=d.id,
                kind=d.kind,  # type: ignore[arg-type]  # checked by the filter below
                title=d.title,
                content=d.content,
                occurred_at=d.occurred_at,
                fields=dict(d.fields or {}),
                account_id=d.account_id,
                deal_id=d.deal_id,
                contact_id=d.contact_id,
                owner_id=d.owner_id,
            )
            for d in documents
            if d.kind in DOCUMENT_KINDS
        ],
        "contacts": [
            ContactRow(
                contact_id=c.id,
                name=c.name,
                email=c.email,
                title=c.title,
                attributes=dict(c.attributes or {}),
            )
            for c in contacts
        ],
        "call_summaries": dict(call_summaries),
    }
    if focus_deal_id is not None:
        return DealContext(**fields, deal_id=focus_deal_id)
    return AccountContext(**fields)


# =========================================================================== playbook


@dataclass(frozen=True)
class Definitions:
    """Vocabulary the rules share (``[definitions]`` of the playbook)."""

    closed_ticket_statuses: frozenset[str]
    closed_deal_stages: frozenset[str]
    large_deal_amount: float
    large_deal_bonus: int


@dataclass(frozen=True)
class Rule:
    """One validated playbook rule; ``params`` holds its own thresholds."""

    id: str
    enabled: bool
    when: str
    steps: tuple[str, ...]
    priority: int
    boost_per_day: float
    max_priority: int
    lookback_days: int
    action: str
    rationale: str
    due_in_days: int | None = None
    max_actions: int | None = None
    supersedes: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Playbook:
    """A validated playbook. ``rules`` keeps file order; ``source`` names where it came from."""

    version: int
    definitions: Definitions
    rules: Mapping[str, Rule]
    source: str

    def rule(self, rule_id: str) -> Rule:
        """The rule ``rule_id``; raises :class:`PlaybookError` naming it if unknown."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise PlaybookError(f"rules.{rule_id}: no such rule in {self.source}") from None


# ---- value checks: each takes the key path and the raw value, returns the clean value

_Check = Callable[[str, Any], Any]


def _bad(key: str, expected: str, value: Any) -> PlaybookError:
    return PlaybookError(f"{key}: expected {expected}, got {value!r}")


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(key, "true or false", value)
    return value


def _int_in(low: int, high: int) -> _Check:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad(key, f"a whole number from {low} to {high}", value)
        return value

    return check


def _number_in(low: float, high: float) -> _Check:
    def check(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(key, f"a number from {low} to {high}", value)
        if not (math.isfinite(value) and low <= value <= high):
            raise _bad(key, f"a number from {low} to {high}", value)
        return float(value)

    return check


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(key, "a non-empty string", value)
    return value


def _texts(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _bad(key, "a non-empty list of strings", value)
    return tuple(_text(f"{key}[{n}]", v) for n, v in enumerate(value))


def _lower_texts(key: str, value: Any) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in _texts(key, value))


def _one_of(allowed: Sequence[str]) -> _Check:
    def check(key: str, value: Any) -> frozenset[str]:
        values = _lower_texts(key, value)
        unknown = sorted(values - set(allowed))
        if unknown:
            raise PlaybookError(f"{key}: unknown value {unknown[0]!r}; expected some of {allowed}")
        return values

    return check


def _table(check_value: _Check) -> _Check:
    def check(key: str, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise _bad(key, "a table", value)
        return MappingProxyType(
            {k.strip().lower(): check_value(f"{key}.{k}", v) for k, v in value.items()}
        )

    return check


_DAYS = _int_in(0, 36_500)
_PRIORITY = _int_in(0, 100)
_BONUS = _int_in(-100, 100)

_COMMON_KEYS: Mapping[str, _Check] = {
    "enabled": _bool,
    "when": _text,
    "steps": _texts,
    "priority": _PRIORITY,
    "boost_per_day": _number_in(0, 100),
    "max_priority": _PRIORITY,
    "lookback_days": _DAYS,
    "action": _text,
    "rationale": _text,
}
_OPTIONAL_KEYS: Mapping[str, _Check] = {
    "due_in_days": _DAYS,
    "max_actions": _int_in(1, 100),
    "supersedes": _texts,
}
_DEFINITIONS: Mapping[str, _Check] = {
    "closed_ticket_statuses": _lower_texts,
    "closed_deal_stages": _lower_texts,
    "large_deal_amount": _number_in(0, 1e15),
    "large_deal_bonus": _BONUS,
}


_DEFAULT_SOURCE = "summarizers/playbook.toml"


@lru_cache(maxsize=1)
def _default_text() -> str:
    return resources.files("summarizers").joinpath("playbook.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _default_playbook() -> Playbook:
    # Immutable (frozen dataclasses, mapping proxies, tuples), so one copy serves all.
    return _validated(_parse_toml(_default_text(), _DEFAULT_SOURCE), _DEFAULT_SOURCE)


def load_playbook(path: Path | str | None = None) -> Playbook:
    """Load and validate a playbook; ``None`` means the default ``playbook.toml``.

    A custom file is laid over the default one, so it only lists what it changes
    (``[rules.deal_no_touch]`` / ``after_days = 7``, or ``enabled = false``).

    Raises:
        PlaybookError: The file is unreadable, not TOML, or names an unknown rule or key
            or a bad value; the message names the file and the key.

    Example:
        >>> load_playbook().rule("ticket_sla_breach").params["sla_hours"]["urgent"]
        8.0
    """
    if path is None:
        return _default_playbook()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PlaybookError(f"{path}: cannot read the playbook ({err})") from None
    return parse_playbook(text, source=str(path))


def parse_playbook(text: str, *, source: str = "<playbook>") -> Playbook:
    """Validate playbook TOML text laid over the default playbook, as a file would be.

    Raises:
        PlaybookError: Naming ``source`` and the offending key.

    Example:
        >>> custom = parse_playbook("rules.deal_no_touch.after_days = 7")
        >>> custom.rule("deal_no_touch").params["after_days"]
        7
        >>> parse_playbook("rules.deal_no_touch.after_days = -1", source="my.toml")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        summarizers.errors.PlaybookError: my.toml: rules.deal_no_touch.after_days: expected ...
    """
    custom = _parse_toml(text, source)
    default = _parse_toml(_default_text(), _DEFAULT_SOURCE)
    try:
        merged = _overlay(default, custom)
    except PlaybookError as err:
        raise PlaybookError(f"{source}: {err}") from None
    return _validated(merged, source)


def _validated(raw: Mapping[str, Any], source: str) -> Playbook:
    try:
        return _validate(raw, source)
    except PlaybookError as err:
        raise PlaybookError(f"{source}: {err}") from None


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlaybookError(f"{source}: not valid TOML: {err}") from None


def _overlay(base: Mapping[str, Any], custom: Mapping[str, Any]) -> dict[str, Any]:
    """``custom`` over ``base``, merged per table for ``definitions`` and each rule."""
    merged: dict[str, Any] = {k: v for k, v in base.items() if k not in ("definitions", "rules")}
    for key, value in custom.items():
        if key not in ("definitions", "rules"):
            merged[key] = value
    for key in ("definitions", "rules"):
        value = custom.get(key, {})
        if not isinstance(value, dict):
            raise _bad(key, "a table", value)
        merged[key] = dict(base.get(key, {}))
        for sub, sub_value in value.items():
            if key == "rules" and isinstance(sub_value, dict) and sub in merged[key]:
                merged[key][sub] = {**merged[key][sub], **sub_value}
            else:
                merged[key][sub] = sub_value
    return merged


def _known(key: str, present: Iterable[str], allowed: Iterable[str]) -> None:
    allowed = sorted(allowed)
    for name in present:
        if name not in allowed:
            raise PlaybookError(f"{key}{name}: unknown key; expected one of {allowed}")


def _validate(raw: Mapping[str, Any], source: str) -> Playbook:
    _known("", raw, ("version", "definitions", "rules"))
    if raw.get("version") != 1:
        raise PlaybookError(f"version: expected 1, got {raw.get('version')!r}")
    definitions = _section(raw, "definitions", _DEFINITIONS, {})
    rules_raw = raw.get("rules")
    if not isinstance(rules_raw, dict):
        raise _bad("rules", "a table of rules", rules_raw)
    _known("rules.", rules_raw, _SPECS)
    rules = {rule_id: _rule(rule_id, value) for rule_id, value in rules_raw.items()}
    for rule in rules.values():
        for n, other in enumerate(rule.supersedes):
            if other not in _SPECS or other == rule.id:
                raise PlaybookError(
                    f"rules.{rule.id}.supersedes[{n}]: {other!r} is not another rule's id"
                )
    return Playbook(
        version=1,
        definitions=Definitions(**definitions),
        rules=MappingProxyType(rules),
        source=source,
    )


def _section(
    raw: Mapping[str, Any], key: str, required: Mapping[str, _Check], optional: Mapping[str, _Check]
) -> dict[str, Any]:
    table = raw.get(key)
    if not isinstance(table, dict):
        raise _bad(key, "a table", table)
    _known(f"{key}.", table, [*required, *optional])
    for name in required:
        if name not in table:
            raise PlaybookError(f"{key}.{name}: missing")
    checks = {**required, **optional}
    return {name: checks[name](f"{key}.{name}", value) for name, value in table.items()}


def _rule(rule_id: str, value: Any) -> Rule:
    spec = _SPECS[rule_id]
    key = f"rules.{rule_id}"
    if not isinstance(value, dict):
        raise _bad(key, "a table", value)
    values = _section({key: value}, key, {**_COMMON_KEYS, **spec.params}, _OPTIONAL_KEYS)
    common = {k: v for k, v in values.items() if k in _COMMON_KEYS or k in _OPTIONAL_KEYS}
    params = {k: v for k, v in values.items() if k in spec.params}
    if common["max_priority"] < common["priority"]:
        raise PlaybookError(
            f"{key}.max_priority: {common['max_priority']} is below priority {common['priority']}"
        )
    for name in ("action", "rationale"):
        _check_template(f"{key}.{name}", common[name], spec.placeholders)
    if spec.check is not None:
        spec.check(key, params)
    return Rule(id=rule_id, params=MappingProxyType(params), **common)


def _check_template(key: str, template: str, allowed: frozenset[str]) -> None:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as err:
        raise PlaybookError(f"{key}: {err} in {template!r}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            raise PlaybookError(
                f"{key}: unknown placeholder {{{name}}}; this rule offers {sorted(allowed)}"
            )
        if spec or conversion:
            raise PlaybookError(f"{key}: placeholder {{{name}}} takes no format spec")


# =========================================================================== text helpers

_Span = tuple[int, int]
_GREETING = re.compile(r"(?:hi|hello|hey|dear|good (?:morning|afternoon))\b", re.I)
# Openers that say nothing about the ask; quoted only when nothing else is left.
_PLEASANTRY = re.compile(
    r"(?:sorry for|thanks|thank you|hope |following up|circling back|quick update|just checking"
    r"|apologies|great to|good to|nice to)",
    re.I,
)
_ASK_STRONG = re.compile(
    r"\b(?:can|could|would|will) you\b|\bplease\b|\b(?:we|i) (?:still )?need\b"
    r"|\bneed (?:you|your)\b|\bany update\b",
    re.I,
)
_THREAD_PREFIX = re.compile(r"^(?:(?:re|fw|fwd|aw|sv)\s*:\s*)+", re.I)
# Dates say when, not what: "by Friday" must not make a commitment look met. Stemmed,
# as the keywords they are taken out of are.
_CALENDAR_WORDS = frozenset(
    stem(word)
    for word in [
        *(name.lower() for name in calendar.day_name),
        *(name.lower() for name in calendar.month_name if name),
        "today",
        "tomorrow",
        "tonight",
        "week",
        "day",
        "month",
        "morning",
        "afternoon",
        "evening",
        "end",
    ]
)


def _keywords(text: str) -> frozenset[str]:
    """Stemmed content words of 3+ letters, without stop words, weekdays or months."""
    return frozenset(t for t in content_tokens(text) if len(t) >= 3 and t not in _CALENDAR_WORDS)


def _clip(content: str, span: _Span) -> _Span:
    """The span, cut at a word if longer than a quote should be."""
    start, end = span
    if end - start <= _MAX_QUOTE_CHARS:
        return span
    cut = content.rfind(" ", start, start + _MAX_QUOTE_CHARS)
    cut = cut if cut > start else start + _MAX_QUOTE_CHARS
    return start, len(content[start:cut].rstrip()) + start


def _regions(doc: DocumentFacts) -> list[_Span]:
    """The parts of a document its author wrote: no quoted reply, signature or comments."""
    if doc.kind == "email":
        return authored_ranges(doc.content)
    if doc.kind == "ticket":
        return [(0, ticket_body_end(doc.content))]
    return [(0, len(doc.content))]


def _substantive(content: str, sentence: Sentence) -> bool:
    text = content[sentence.start : sentence.end]
    return len(text.split()) >= 4 and not _GREETING.match(text)


def _first_good(content: str, sentences: Sequence[Sentence]) -> Sentence | None:
    good = [s for s in sentences if _substantive(content, s)] or sentences
    meant = [s for s in good if not _PLEASANTRY.match(content, s.start, s.end)]
    return (meant or good)[0] if good else None


def _lead_span(doc: DocumentFacts, sentences: Sequence[Sentence]) -> _Span | None:
    """The sentence that best says what a document is about: its ask, else its first point."""
    regions = _regions(doc)
    own = [s for s in sentences if any(a <= s.start and s.end <= b for a, b in regions)]
    own = own or list(sentences)
    if doc.kind == "email":
        good = [s for s in own if _substantive(doc.content, s)]
        for test in (lambda t: "?" in t, _ASK_STRONG.search):
            asks = [s for s in good if test(doc.content[s.start : s.end])]
            if asks:
                return _clip(doc.content, (asks[0].start, asks[0].end))
    lead = _first_good(doc.content, own)
    return _clip(doc.content, (lead.start, lead.end)) if lead else None


def _sentence_at(doc: DocumentFacts, sentences: Sequence[Sentence], offset: int) -> _Span:
    for s in sentences:
        if s.start <= offset < s.end:
            return _clip(doc.content, (s.start, s.end))
    line_start = doc.content.rfind("\n", 0, offset) + 1
    line_end = doc.content.find("\n", offset)
    return _clip(doc.content, (line_start, len(doc.content) if line_end < 0 else line_end))


def _line_by(
    doc: DocumentFacts, sentences: Sequence[Sentence], contact: ContactRow
) -> _Span | None:
    """The first thing ``contact`` said on a call, if the transcript names speakers."""
    names = {contact.name.strip().lower(), contact.name.split()[0].lower()}
    said = [s for s in sentences if s.speaker and s.speaker.strip().lower() in names]
    first = _first_good(doc.content, said)
    return _clip(doc.content, (first.start, first.end)) if first else None


def _speaker_at(sentences: Sequence[Sentence], offset: int) -> str | None:
    return next((s.speaker for s in sentences if s.start <= offset < s.end), None)


def _best_match(
    doc: DocumentFacts, sentences: Sequence[Sentence], wanted: frozenset[str]
) -> _Span | None:
    best: tuple[int, Sentence] | None = None
    for s in sentences:
        shared = len(wanted & _keywords(doc.content[s.start : s.end]))
        if shared and (best is None or shared > best[0]):
            best = (shared, s)
    return _clip(doc.content, (best[1].start, best[1].end)) if best else None


def _short(text: str, limit: int = _SHORT_QUOTE_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit].rstrip(",;:") + "\u2026"


def _thread(subject: str) -> str | None:
    key = " ".join(_THREAD_PREFIX.sub("", subject.strip()).lower().split())
    return key or None


def _day(value: date, today: date) -> str:
    text = f"{value:%b} {value.day}"
    return text if value.year == today.year else f"{text}, {value.year}"


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _duration(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return _count(int(hours), "hour") if hours < 48 else _count(delta.days, "day")


def _period(delta: timedelta) -> str:
    """``_duration`` as an adjective: "24-hour", "5-day"."""
    hours = delta.total_seconds() / 3600
    return f"{hours:g}-hour" if hours < 48 else f"{delta / timedelta(days=1):g}-day"


def _money(amount: float) -> str:
    return f"${amount:,.0f}"


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return _utc(value).date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return _utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00"))).date()
        except ValueError:
            return None
    return None


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


# =========================================================================== the engine


@dataclass
class _Scope:
    """The context narrowed to what the rules may use, with lookups."""

    account_name: str
    now: datetime
    documents: tuple[DocumentFacts, ...]  # oldest first
    deals: tuple[DealRow, ...]
    contacts: tuple[ContactRow, ...]
    summaries: tuple[tuple[DocumentFacts, CallSummary], ...]  # oldest call first
    focus: str  # "account" or the focused deal's id: the subject of account-wide rules
    definitions: Definitions
    by_id: Mapping[str, DocumentFacts] = field(default_factory=dict)
    _keyword_cache: dict[str, frozenset[str]] = field(default_factory=dict)
    _sentence_cache: dict[str, list[Sentence]] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.date()

    def recent(self, days: int, kind: str | None = None) -> Iterator[DocumentFacts]:
        since = self.now - timedelta(days=days)
        for doc in self.documents:
            if doc.occurred_at >= since and (kind is None or doc.kind == kind):
                yield doc

    def after(self, doc: DocumentFacts) -> Iterator[DocumentFacts]:
        return (d for d in self.documents if d.occurred_at > doc.occurred_at)

    def keywords(self, doc: DocumentFacts) -> frozenset[str]:
        if doc.document_id not in self._keyword_cache:
            self._keyword_cache[doc.document_id] = _keywords(doc.content)
        return self._keyword_cache[doc.document_id]

    def sentences(self, doc: DocumentFacts) -> list[Sentence]:
        if doc.document_id not in self._sentence_cache:
            self._sentence_cache[doc.document_id] = segment(doc.content)
        return self._sentence_cache[doc.document_id]

    def lead(self, doc: DocumentFacts) -> list[Evidence]:
        """The document's ask or first point, as evidence (empty for an empty document)."""
        return self.evidence(doc, _lead_span(doc, self.sentences(doc)))

    def contact_of(self, doc: DocumentFacts) -> ContactRow | None:
        sender = doc.sender
        for contact in self.contacts:
            if sender and contact.email and contact.email.strip().lower() == sender:
                return contact
        return next((c for c in self.contacts if c.contact_id == doc.contact_id), None)

    def open_deals(self) -> Iterator[DealRow]:
        closed = self.definitions.closed_deal_stages
        return (d for d in self.deals if d.stage.strip().lower() not in closed)

    def open_tickets(self, days: int) -> Iterator[DocumentFacts]:
        closed = self.definitions.closed_ticket_statuses
        return (t for t in self.recent(days, "ticket") if t.ticket_status not in closed)

    def evidence(self, doc: DocumentFacts, span: _Span | None) -> list[Evidence]:
        if span is None:
            return []
        start, end = span
        quote = doc.content[start:end]
        return [Evidence(document_id=doc.document_id, quote=quote, start=start, end=end)]

    def cited(self, citations: Iterable[Citation]) -> list[Evidence]:
        """Citations that point into a document of the scope, re-anchored if they drifted."""
        out = []
        for c in citations:
            doc = self.by_id.get(c.document_id)
            if doc is None or not c.quote.strip():
                continue
            start = c.start
            if doc.content[c.start : c.end] != c.quote:
                start = doc.content.find(c.quote)
            if start >= 0:
                out += self.evidence(doc, _clip(doc.content, (start, start + len(c.quote))))
        return out


def _scope(context: AccountContext, definitions: Definitions) -> _Scope:
    focus = context.deal_id if isinstance(context, DealContext) else None
    now = context.now

    def in_scope(doc: DocumentFacts) -> bool:
        return (
            doc.account_id in (None, context.account_id)
            and doc.occurred_at <= now
            and (focus is None or doc.deal_id in (None, focus))
        )

    documents = tuple(
        sorted(filter(in_scope, context.documents), key=lambda d: (d.occurred_at, d.document_id))
    )
    by_id = {d.document_id: d for d in documents}
    summaries = tuple(
        (by_id[doc_id], summary)
        for doc_id, summary in context.call_summaries.items()
        if doc_id in by_id and by_id[doc_id].kind == "call"
    )
    deals = tuple(
        d
        for d in context.deals
        if d.account_id == context.account_id and (focus is None or d.deal_id == focus)
    )
    return _Scope(
        account_name=context.account_name,
        now=now,
        documents=documents,
        deals=deals,
        contacts=tuple(context.contacts),
        summaries=tuple(sorted(summaries, key=lambda p: (p[0].occurred_at, p[0].document_id))),
        focus=focus or "account",
        definitions=definitions,
        by_id=by_id,
    )


@dataclass(frozen=True)
class _Candidate:
    rule: Rule
    subject: str
    priority: int
    recency: datetime
    values: Mapping[str, str]
    evidence: tuple[Evidence, ...]
    due: date | None

    def build(self, account_name: str) -> NextBestAction:
        values = {"account": account_name, **self.values}
        return NextBestAction(
            action=self.rule.action.format_map(values),
            rationale=self.rule.rationale.format_map(values),
            priority=self.priority,
            due=self.due,
            rule=self.rule.id,
            evidence=list(self.evidence),
        )


def _score(rule: Rule, days_over: float, bonus: int = 0) -> int:
    """Base priority, plus the daily boost up to ``max_priority``, plus a bonus; 0-100."""
    boosted = min(rule.priority + rule.boost_per_day * max(0.0, days_over), rule.max_priority)
    return max(0, min(100, round(boosted + bonus)))


def _due(rule: Rule, scope: _Scope) -> date | None:
    return None if rule.due_in_days is None else scope.today + timedelta(days=rule.due_in_days)


def _candidate(
    rule: Rule,
    scope: _Scope,
    subject: str,
    *,
    priority: int,
    recency: datetime,
    values: Mapping[str, str],
    evidence: Iterable[Evidence],
    due: date | None = None,
) -> _Candidate:
    return _Candidate(
        rule=rule,
        subject=subject,
        priority=priority,
        recency=recency,
        values=values,
        evidence=tuple(evidence),
        due=due if due is not None else _due(rule, scope),
    )


def recommend(
    context: AccountContext, playbook: Playbook, *, limit: int = 5
) -> list[NextBestAction]:
    """Up to ``limit`` next-best actions for the context, highest priority first.

    Deterministic: ties go to the most recent evidence, then rule id and subject. One
    action per rule and subject (an email's sender, a ticket, a deal, a commitment, a
    competitor, a contact); a rule's ``supersedes`` drops other rules' actions on the
    same subject, and ``max_actions`` caps how many one rule contributes.

    Args:
        context: Rows the caller may see, already permission-filtered.
        playbook: From :func:`load_playbook`.
        limit: At most this many actions (1 or more).

    Raises:
        ValueError: ``limit`` is below 1.

    Example:
        >>> from datetime import UTC, datetime
        >>> ctx = AccountContext(account_id="a", account_name="A", now=datetime.now(UTC))
        >>> recommend(ctx, load_playbook())
        []
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit!r}")
    scope = _scope(context, playbook.definitions)
    candidates: list[_Candidate] = []
    for rule in playbook.rules.values():
        if rule.enabled:
            candidates.extend(_SPECS[rule.id].detect(scope, rule))
    return [c.build(scope.account_name) for c in _rank(candidates, scope, limit)]


def _rank(candidates: list[_Candidate], scope: _Scope, limit: int) -> list[_Candidate]:
    def order(c: _Candidate) -> tuple[int, float, str, str]:
        return (-c.priority, -c.recency.timestamp(), c.rule.id, c.subject)

    best: dict[tuple[str, str], _Candidate] = {}
    for c in sorted(candidates, key=order):
        if _evidence_in_scope(c, scope):
            best.setdefault((c.rule.id, c.subject), c)
    dropped = {(other, c.subject) for c in best.values() for other in c.rule.supersedes}
    out: list[_Candidate] = []
    per_rule: dict[str, int] = {}
    for c in sorted(best.values(), key=order):
        if (c.rule.id, c.subject) in dropped:
            continue
        if c.rule.max_actions is not None and per_rule.get(c.rule.id, 0) >= c.rule.max_actions:
            continue
        per_rule[c.rule.id] = per_rule.get(c.rule.id, 0) + 1
        out.append(c)
        if len(out) == limit:
            break
    return out


def _evidence_in_scope(candidate: _Candidate, scope: _Scope) -> bool:
    # The rules only quote scope documents; this re-check keeps that true by construction.
    for ev in candidate.evidence:
        if ev.record_type == "deal":
            if not any(d.deal_id == ev.document_id for d in scope.deals):
                return False
            continue
        doc = scope.by_id.get(ev.document_id)
        if doc is None or ev.start is None or ev.end is None:
            return False
        if doc.content[ev.start : ev.end] != ev.quote:
            return False
    return True


# =========================================================================== the rules


def _unanswered_emails(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    after = timedelta(days=rule.params["after_days"])
    for email in scope.recent(rule.lookback_days, "email"):
        waited = scope.now - email.occurred_at
        if email.direction != "inbound" or waited < after:
            continue
        if _answered(scope, email, calls_count=rule.params["calls_count_as_reply"]):
            continue
        evidence = scope.lead(email)
        if not evidence:
            continue
        contact = scope.contact_of(email)
        name = contact.name if contact else email.sender or "The customer"
        yield _candidate(
            rule,
            scope,
            contact.contact_id if contact else email.sender or email.document_id,
            priority=_score(rule, (waited - after) / timedelta(days=1)),
            recency=email.occurred_at,
            values={
                "contact": name,
                "sender_email": email.sender or "",
                "subject": email.subject,
                "date": _day(email.occurred_at.date(), scope.today),
                "waited": _duration(waited),
                "quote": _short(evidence[0].quote),
            },
            evidence=evidence,
        )


def _answered(scope: _Scope, inbound: DocumentFacts, *, calls_count: bool) -> bool:
    """A later outbound email to the sender, its contact or its thread; or a call with them."""
    sender, thread = inbound.sender, _thread(inbound.subject)
    contact = scope.contact_of(inbound)
    for later in scope.after(inbound):
        if later.kind == "email" and later.direction == "outbound":
            if sender and sender in later.recipients:
                return True
            if inbound.contact_id and later.contact_id == inbound.contact_id:
                return True
            if thread and _thread(later.subject) == thread:
                return True
        elif later.kind == "call" and calls_count and contact and _on_call(contact, later):
            return True
    return False


def _on_call(contact: ContactRow, call: DocumentFacts) -> bool:
    return contact.name.strip().lower() in call.participants


def _ticket_values(scope: _Scope, ticket: DocumentFacts, quote: str) -> dict[str, str]:
    last = ticket.last_comment_at
    return {
        "ticket": ticket.title,
        "ticket_priority": ticket.ticket_priority or "unset",
        "status": ticket.ticket_status or "open",
        "opened": _day(ticket.occurred_at.date(), scope.today),
        "age": _duration(scope.now - ticket.occurred_at),
        "last_update": _day(last.date(), scope.today) if last else "none",
        "quote": _short(quote),
    }


def _high_priority_tickets(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    priorities, bonus = rule.params["priorities"], rule.params["priority_bonus"]
    for ticket in scope.open_tickets(rule.lookback_days):
        if ticket.ticket_priority not in priorities:
            continue
        evidence = scope.lead(ticket)
        if not evidence:
            continue
        age_days = (scope.now - ticket.occurred_at) / timedelta(days=1)
        yield _candidate(
            rule,
            scope,
            ticket.document_id,
            priority=_score(rule, age_days, bonus.get(ticket.ticket_priority, 0)),
            recency=ticket.occurred_at,
            values=_ticket_values(scope, ticket, evidence[0].quote),
            evidence=evidence,
        )


def _sla_breaches(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    sla_hours, bonus = rule.params["sla_hours"], rule.params["priority_bonus"]
    for ticket in scope.open_tickets(rule.lookback_days):
        sla = timedelta(
            hours=sla_hours.get(ticket.ticket_priority, rule.params["default_sla_hours"])
        )
        overdue = scope.now - ticket.occurred_at - sla
        if overdue <= timedelta(0):
            continue
        evidence = scope.lead(ticket)
        if not evidence:
            continue
        yield _candidate(
            rule,
            scope,
            ticket.document_id,
            priority=_score(
                rule, overdue / timedelta(days=1), bonus.get(ticket.ticket_priority, 0)
            ),
            recency=ticket.occurred_at,
            values={
                **_ticket_values(scope, ticket, evidence[0].quote),
                "sla": _period(sla),
                "overdue_by": _duration(overdue),
            },
            evidence=evidence,
        )


def _unmet_commitments(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    horizon = scope.today + timedelta(days=p["due_within_days"])
    since = scope.now - timedelta(days=rule.lookback_days)
    for call, summary in scope.summaries:
        if call.occurred_at < since:
            continue
        for item in summary.action_items:
            due = item.due
            if due is None and p["include_undated"]:
                due = call.occurred_at.date() + timedelta(days=p["undated_due_days"])
            if due is None or due > horizon or _mentioned_later(scope, call, item.text, p):
                continue
            sentences = scope.sentences(call)
            evidence = scope.cited(item.citations) or scope.evidence(
                call, _best_match(call, sentences, _keywords(item.text))
            )
            if not evidence:
                continue
            owner = item.owner or _speaker_at(sentences, evidence[0].start or 0) or "the team"
            yield _candidate(
                rule,
                scope,
                f"{call.document_id}:{' '.join(item.text.lower().split())}",
                priority=_score(rule, (scope.today - due).days),
                recency=call.occurred_at,
                values={
                    "item": item.text.strip(),
                    "owner": owner,
                    "call": call.title,
                    "call_date": _day(call.occurred_at.date(), scope.today),
                    "due": _day(due, scope.today),
                    "due_phrase": _due_phrase(due, scope.today, dated=item.due is not None),
                },
                evidence=evidence,
                due=max(due, scope.today),
            )


def _due_phrase(due: date, today: date, *, dated: bool) -> str:
    when = _day(due, today)
    if not dated:
        return f"no date given, taken as due {when}"
    if due < today:
        return f"was due {when}"
    return "due today" if due == today else f"due {when}"


def _mentioned_later(
    scope: _Scope, call: DocumentFacts, text: str, params: Mapping[str, Any]
) -> bool:
    """Whether a later outbound email or call shares enough of the item's keywords.

    The heuristic: keywords are the item's words of 3+ letters without stop words,
    weekdays or months; a later document mentions the item when it shares at least
    ``min_shared_keywords`` of them (fewer if the item has fewer) and at least
    ``min_keyword_share`` of them. An item with no keywords is never taken as met.
    """
    wanted = _keywords(text)
    if not wanted:
        return False
    need = min(params["min_shared_keywords"], len(wanted))
    for later in scope.after(call):
        if later.kind == "call" or (later.kind == "email" and later.direction == "outbound"):
            shared = len(wanted & scope.keywords(later))
            if shared >= need and shared / len(wanted) >= params["min_keyword_share"]:
                return True
    return False


def _declining_sentiment(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    since = scope.now - timedelta(days=rule.lookback_days)
    window = [(c, s) for c, s in scope.summaries if c.occurred_at >= since][-p["calls"] :]
    if len(window) < p["calls"]:
        return
    scores = [s.sentiment.score for _, s in window]
    latest_call, latest = window[-1][0], window[-1][1].sentiment
    falling = all(b < a for a, b in zip(scores, scores[1:], strict=False))
    negative = latest.label == "negative" or latest.score <= p["negative_at_or_below"]
    if not (falling and negative and scores[0] - scores[-1] >= p["min_drop"]):
        return
    evidence = [e for _, s in reversed(window) for e in scope.cited(s.sentiment.citations)[:1]]
    evidence = evidence or scope.lead(latest_call)
    yield _candidate(
        rule,
        scope,
        scope.focus,
        priority=_score(rule, 0),
        recency=latest_call.occurred_at,
        values={
            "calls": str(len(window)),
            "scores": " \u2192 ".join(f"{s:+.2f}" for s in scores),
            "first_date": _day(window[0][0].occurred_at.date(), scope.today),
            "latest_date": _day(latest_call.occurred_at.date(), scope.today),
            "latest_call": latest_call.title,
            "latest_score": f"{latest.score:+.2f}",
        },
        evidence=evidence,
    )


def _competitors(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    entries: tuple[str, ...] = rule.params["names"]
    canonical = {
        alias.strip().lower(): entry.split("|")[0].strip()
        for entry in entries
        for alias in entry.split("|")
    }
    # People's names are never competitors, even in "we're also talking to Dana".
    people = [c.name for c in scope.contacts] + [w for c in scope.contacts for w in c.name.split()]
    mentions: dict[str, dict[str, Evidence]] = {}  # name -> document id -> evidence
    recent = list(scope.recent(rule.lookback_days))
    for doc in recent:
        for mention in find_competitors(doc.content, entries, exclude=people):
            if not rule.params["include_unlisted"] and mention.name.lower() not in canonical:
                continue
            [ev] = scope.evidence(doc, _sentence_at(doc, scope.sentences(doc), mention.start))
            mentions.setdefault(mention.name, {}).setdefault(doc.document_id, ev)
    recent_ids = {d.document_id for d in recent}
    for call, summary in scope.summaries:
        if call.document_id not in recent_ids:
            continue
        for competitor in summary.competitors:
            name = canonical.get(competitor.name.strip().lower(), competitor.name.strip())
            for ev in scope.cited(competitor.citations)[:1]:
                mentions.setdefault(name, {}).setdefault(ev.document_id, ev)
    for name, by_doc in sorted(mentions.items()):
        found = sorted(
            by_doc.values(),
            key=lambda e: (scope.by_id[e.document_id].occurred_at, e.document_id),
            reverse=True,
        )
        latest = scope.by_id[found[0].document_id]
        yield _candidate(
            rule,
            scope,
            name.lower(),
            priority=_score(rule, 0),
            recency=latest.occurred_at,
            values={
                "competitor": name,
                "mentions": f"in {_count(len(found), 'document')}",
                "window": _count(rule.lookback_days, "day"),
                "latest_date": _day(latest.occurred_at.date(), scope.today),
                "latest_title": latest.title,
                "quote": _short(found[0].quote),
            },
            evidence=found[: rule.params["max_evidence"]],
        )


def _quiet_champions(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    activity = {c.contact_id: _inbound_activity(scope, c) for c in scope.contacts}
    marked = [c for c in scope.contacts if _truthy(c.attributes.get(p["attribute"]))]
    champions = [(c, "marked champion") for c in marked] or _most_engaged(scope, activity, p)
    since = scope.now - timedelta(days=rule.lookback_days)
    for contact, why in champions:
        seen = [d for d in activity[contact.contact_id] if d.occurred_at >= since]
        if not seen:
            continue  # nothing visible to cite
        last = seen[-1]
        quiet = scope.now - last.occurred_at
        if quiet < timedelta(days=p["quiet_days"]):
            continue
        said = _line_by(last, scope.sentences(last), contact) if last.kind == "call" else None
        evidence = scope.evidence(last, said) if said else scope.lead(last)
        if not evidence:
            continue
        yield _candidate(
            rule,
            scope,
            contact.contact_id,
            priority=_score(rule, quiet.days - p["quiet_days"]),
            recency=last.occurred_at,
            values={
                "contact": contact.name,
                "contact_title": contact.title or "contact",
                "why": why,
                "last_date": _day(last.occurred_at.date(), scope.today),
                "last_title": last.title,
                "quiet": _duration(quiet),
            },
            evidence=evidence,
        )


def _inbound_activity(scope: _Scope, contact: ContactRow) -> list[DocumentFacts]:
    """Emails from the contact and calls they joined, oldest first."""
    out = []
    for doc in scope.documents:
        if doc.kind == "email" and doc.direction == "inbound":
            author = scope.contact_of(doc)
            if author is not None and author.contact_id == contact.contact_id:
                out.append(doc)
        elif doc.kind == "call" and _on_call(contact, doc):
            out.append(doc)
    return out


def _most_engaged(
    scope: _Scope, activity: Mapping[str, list[DocumentFacts]], p: Mapping[str, Any]
) -> list[tuple[ContactRow, str]]:
    since = scope.now - timedelta(days=p["activity_window_days"])
    ranked = []
    for contact in scope.contacts:
        docs = [d for d in activity[contact.contact_id] if d.occurred_at >= since]
        if len(docs) >= p["min_interactions"]:
            ranked.append((-len(docs), -docs[-1].occurred_at.timestamp(), contact.contact_id))
    if not ranked:
        return []
    count, _, contact_id = min(ranked)
    contact = next(c for c in scope.contacts if c.contact_id == contact_id)
    window = _day(since.date(), scope.today)
    done = "1 email or call" if count == -1 else f"{-count} emails and calls"
    return [(contact, f"most engaged: {done} since {window}")]


def _deal_values(scope: _Scope, deal: DealRow) -> dict[str, str]:
    return {"deal": deal.name, "stage": deal.stage, "amount": _money(deal.amount)}


def _deal_evidence(deal: DealRow, *fields: str) -> tuple[Evidence, ...]:
    """The deal record itself as evidence: the fields the rule read, as stated there."""
    facts = {
        "stage": f"stage {deal.stage}",
        "close_date": f"close date {deal.close_date.isoformat()}",
        "amount": f"amount {deal.amount:,.0f}",
        "stage_entered_at": f"stage entered {deal.attributes.get('stage_entered_at')}",
    }
    quote = f"{deal.name}: " + ", ".join(facts[f] for f in fields)
    return (Evidence(document_id=deal.deal_id, quote=quote, record_type="deal"),)


def _deal_bonus(scope: _Scope, deal: DealRow) -> int:
    big = deal.amount >= scope.definitions.large_deal_amount
    return scope.definitions.large_deal_bonus if big else 0


def _untouched_deals(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    for deal in scope.open_deals():
        touches = [
            d
            for d in scope.documents
            if d.kind in p["touch_kinds"]
            and (d.deal_id == deal.deal_id or (p["count_account_touches"] and d.deal_id is None))
        ]
        if not touches:
            continue  # no date to count from and nothing visible to cite
        last = touches[-1]
        idle = scope.now - last.occurred_at
        if idle < timedelta(days=p["after_days"]) or idle > timedelta(days=rule.lookback_days):
            continue
        yield _candidate(
            rule,
            scope,
            deal.deal_id,
            priority=_score(rule, idle.days - p["after_days"], _deal_bonus(scope, deal)),
            recency=last.occurred_at,
            values={
                **_deal_values(scope, deal),
                "days": _duration(idle),
                "last_touch": f'the {last.kind} "{last.title}" on '
                f"{_day(last.occurred_at.date(), scope.today)}",
            },
            evidence=scope.lead(last),
        )


def _stuck_deals(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    p = rule.params
    for deal in scope.open_deals():
        entered = _as_date(deal.attributes.get("stage_entered_at"))
        if entered is None:
            # No stage history in the canonical record: stage age unknown, so no claim.
            log.debug("deal %s: stage age unknown, deal_stuck_in_stage skipped", deal.deal_id)
            continue
        limit = p["max_days_by_stage"].get(deal.stage.strip().lower(), p["max_days_in_stage"])
        days = (scope.today - entered).days
        if days <= limit:
            continue
        yield _candidate(
            rule,
            scope,
            deal.deal_id,
            priority=_score(rule, days - limit, _deal_bonus(scope, deal)),
            recency=datetime.combine(entered, time(), UTC),
            values={
                **_deal_values(scope, deal),
                "days": _count(days, "day"),
                "since": _day(entered, scope.today),
                "limit": _count(limit, "day"),
            },
            evidence=_deal_evidence(deal, "stage", "stage_entered_at"),
        )


def _overdue_deals(scope: _Scope, rule: Rule) -> Iterator[_Candidate]:
    for deal in scope.open_deals():
        days = (scope.today - deal.close_date).days
        if days <= rule.params["grace_days"] or days > rule.lookback_days:
            continue
        yield _candidate(
            rule,
            scope,
            deal.deal_id,
            priority=_score(rule, days, _deal_bonus(scope, deal)),
            recency=datetime.combine(deal.close_date, time(), UTC),
            values={
                **_deal_values(scope, deal),
                "close_date": _day(deal.close_date, scope.today),
                "days": _count(days, "day"),
            },
            evidence=_deal_evidence(deal, "stage", "close_date", "amount"),
        )


# =========================================================================== rule specs


def _check_sentiment(key: str, params: Mapping[str, Any]) -> None:
    if params["calls"] < 2:
        raise PlaybookError(f"{key}.calls: a trend needs at least 2 calls, got {params['calls']}")


@dataclass(frozen=True)
class _RuleSpec:
    detect: Callable[[_Scope, Rule], Iterable[_Candidate]]
    params: Mapping[str, _Check]
    placeholders: frozenset[str]
    check: Callable[[str, Mapping[str, Any]], None] | None = None


def _names(*names: str) -> frozenset[str]:
    return frozenset(("account", *names))


_TICKET_NAMES = ("ticket", "ticket_priority", "status", "opened", "age", "last_update", "quote")
_DEAL_NAMES = ("deal", "stage", "amount")

_SPECS: Mapping[str, _RuleSpec] = {
    "unanswered_inbound_email": _RuleSpec(
        _unanswered_emails,
        {"after_days": _DAYS, "calls_count_as_reply": _bool},
        _names("contact", "sender_email", "subject", "date", "waited", "quote"),
    ),
    "ticket_high_priority": _RuleSpec(
        _high_priority_tickets,
        {"priorities": _lower_texts, "priority_bonus": _table(_BONUS)},
        _names(*_TICKET_NAMES),
    ),
    "ticket_sla_breach": _RuleSpec(
        _sla_breaches,
        {
            "sla_hours": _table(_number_in(0.01, 1e6)),
            "default_sla_hours": _number_in(0.01, 1e6),
            "priority_bonus": _table(_BONUS),
        },
        _names(*_TICKET_NAMES, "sla", "overdue_by"),
    ),
    "commitment_unmet": _RuleSpec(
        _unmet_commitments,
        {
            "due_within_days": _DAYS,
            "include_undated": _bool,
            "undated_due_days": _DAYS,
            "min_shared_keywords": _int_in(1, 100),
            "min_keyword_share": _number_in(0, 1),
        },
        _names("item", "owner", "call", "call_date", "due", "due_phrase"),
    ),
    "sentiment_declining": _RuleSpec(
        _declining_sentiment,
        {
            "calls": _int_in(2, 50),
            "min_drop": _number_in(0, 2),
            "negative_at_or_below": _number_in(-1, 1),
        },
        _names("calls", "scores", "first_date", "latest_date", "latest_call", "latest_score"),
        _check_sentiment,
    ),
    "competitor_mentioned": _RuleSpec(
        _competitors,
        {"names": _texts, "include_unlisted": _bool, "max_evidence": _int_in(1, 20)},
        _names("competitor", "mentions", "window", "latest_date", "latest_title", "quote"),
    ),
    "champion_quiet": _RuleSpec(
        _quiet_champions,
        {
            "attribute": _text,
            "quiet_days": _DAYS,
            "min_interactions": _int_in(1, 10_000),
            "activity_window_days": _DAYS,
        },
        _names("contact", "contact_title", "why", "last_date", "last_title", "quiet"),
    ),
    "deal_no_touch": _RuleSpec(
        _untouched_deals,
        {
            "after_days": _DAYS,
            "touch_kinds": _one_of(DOCUMENT_KINDS),
            "count_account_touches": _bool,
        },
        _names(*_DEAL_NAMES, "days", "last_touch"),
    ),
    "deal_stuck_in_stage": _RuleSpec(
        _stuck_deals,
        {"max_days_in_stage": _DAYS, "max_days_by_stage": _table(_DAYS)},
        _names(*_DEAL_NAMES, "days", "since", "limit"),
    ),
    "deal_close_date_passed": _RuleSpec(
        _overdue_deals,
        {"grace_days": _DAYS},
        _names(*_DEAL_NAMES, "close_date", "days"),
    ),
}

#: Every rule a playbook may configure.
RULE_IDS: tuple[str, ...] = tuple(_SPECS)
