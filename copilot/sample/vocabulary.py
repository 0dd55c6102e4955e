"""The sample's phrase pools and org definitions, read once from ``copilot/sample/data``.

The pools are data, not code: names, companies, slot values, the scenarios' sentences
and the fixed phrases of emails, calls and tickets live in TOML files next to this
module. :func:`vocabulary` reads them on first use and caches the result.

Order matters: the generator draws from these sequences with a seeded RNG, so
reordering, adding or removing an entry changes the generated sample (a unit test pins
the default sample's hash).

Example:
    >>> v = vocabulary()
    >>> [o.org for o in v.orgs]
    ['acme', 'globex']
    >>> v.topic_by_key["pricing"].weight
    1.4
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Any, Literal

__all__ = ["FactSpec", "OrgSpec", "Topic", "Vocabulary", "vocabulary"]

_DATA_FILES = ("people", "companies", "slots", "topics", "phrases", "facts")


@dataclass(frozen=True)
class OrgSpec:
    """One org of the sample: our company, its product, modules and sales teams."""

    org: str
    company: str
    domain: str
    product: str
    modules: tuple[str, ...]
    teams: tuple[str, ...]
    # Indexes of the teams whose managers report to the director, not the VP.
    director_teams: tuple[int, ...]
    support_team: int
    code_style: Literal["sku", "short"]


@dataclass(frozen=True)
class Topic:
    """Phrase pools of one scenario.

    ``customer`` is said by the customer, ``rep`` by our side to the customer, ``notes``
    is third person about the account. ``questions`` ask about the scenario in words
    the pools avoid, so semantic search is tested rather than word overlap.
    """

    key: str
    weight: float
    subjects: tuple[str, ...]
    call_titles: tuple[str, ...]
    customer: tuple[str, ...]
    rep: tuple[str, ...]
    notes: tuple[str, ...]
    questions: tuple[str, ...]
    ticket_subjects: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactSpec:
    """A kind of fact the scenario sentences carry, and questions that ask for it.

    See ``data/facts.toml``: the fact is slot ``slot`` of the cued templates of topic
    ``topic`` (or of the planted-sentence pool ``pool``), or the literal ``answer``.
    """

    key: str
    answer_type: str
    questions: tuple[str, ...]
    topic: str | None = None
    pool: str | None = None
    slot: str | None = None
    answer: str | None = None
    cues: tuple[str, ...] = ()
    fields_may_answer: bool = False


Pools = Mapping[str, tuple[str, ...]]
"""Phrase pools by voice (``customer``, ``rep``, ``notes``) or by kind."""


@dataclass(frozen=True)
class Vocabulary:
    """Everything the generator draws from, as read from the data files."""

    # people.toml
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]
    mentioned_last_names: tuple[str, ...]
    contact_titles: tuple[str, ...]
    mentioned_roles: tuple[str, ...]
    # companies.toml
    account_prefixes: tuple[str, ...]
    account_suffixes: Mapping[str, str]  # suffix -> industry, in file order
    orgs: tuple[OrgSpec, ...]
    # slots.toml
    competitors: tuple[str, ...]
    integrations: tuple[str, ...]
    features: tuple[str, ...]
    weekdays: tuple[str, ...]
    seats: tuple[int, ...]
    percents: tuple[int, ...]
    deal_stages: tuple[str, ...]
    # topics.toml
    topics: tuple[Topic, ...]
    # phrases.toml
    email_openers: tuple[str, ...]
    email_signoffs: tuple[str, ...]
    email_closers: Pools
    call_openers: tuple[tuple[str, str], ...]  # (voice, text)
    call_fillers: Pools
    call_commitments: tuple[str, ...]
    call_goodbyes: tuple[str, ...]
    support_comments: tuple[str, ...]
    defect_comments: tuple[str, ...]
    closing_comments: tuple[str, ...]
    plant_code: Pools
    plant_ticket: Pools
    plant_person: Pools
    keyword_questions: Pools
    # facts.toml
    facts: tuple[FactSpec, ...]

    @cached_property
    def topic_by_key(self) -> Mapping[str, Topic]:
        """The scenarios by key."""
        return {t.key: t for t in self.topics}

    @cached_property
    def ticket_topics(self) -> tuple[Topic, ...]:
        """The scenarios that also make tickets."""
        return tuple(t for t in self.topics if t.ticket_subjects)


@cache
def vocabulary() -> Vocabulary:
    """The pools of ``copilot/sample/data/*.toml``, read once.

    Raises:
        ValueError: A data file lacks a key (it names the file and the key).
    """
    data = {name: _read(name) for name in _DATA_FILES}
    try:
        return _build(data)
    except KeyError as err:
        raise ValueError(f"copilot/sample/data: missing key {err}") from None


def _read(name: str) -> dict[str, Any]:
    path = resources.files("copilot.sample").joinpath("data", f"{name}.toml")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _strings(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _pools(table: Mapping[str, Any]) -> Pools:
    return {key: _strings(values) for key, values in table.items()}


def _build(data: Mapping[str, Mapping[str, Any]]) -> Vocabulary:
    people, companies, slots = data["people"], data["companies"], data["slots"]
    phrases = data["phrases"]
    calls, comments, plants = phrases["calls"], phrases["ticket_comments"], phrases["plants"]
    return Vocabulary(
        first_names=_strings(people["first_names"]),
        last_names=_strings(people["last_names"]),
        mentioned_last_names=_strings(people["mentioned_last_names"]),
        contact_titles=_strings(people["contact_titles"]),
        mentioned_roles=_strings(people["mentioned_roles"]),
        account_prefixes=_strings(companies["account_prefixes"]),
        account_suffixes=dict(companies["account_suffixes"]),
        orgs=tuple(_org_spec(o) for o in companies["orgs"]),
        competitors=_strings(slots["competitors"]),
        integrations=_strings(slots["integrations"]),
        features=_strings(slots["features"]),
        weekdays=_strings(slots["weekdays"]),
        seats=tuple(int(n) for n in slots["seats"]),
        percents=tuple(int(n) for n in slots["percents"]),
        deal_stages=_strings(slots["deal_stages"]),
        topics=tuple(_topic(t) for t in data["topics"]["topics"]),
        email_openers=_strings(phrases["email_openers"]),
        email_signoffs=_strings(phrases["email_signoffs"]),
        email_closers=_pools(phrases["email_closers"]),
        call_openers=tuple((str(voice), str(text)) for voice, text in calls["openers"]),
        call_fillers=_pools(calls["fillers"]),
        call_commitments=_strings(calls["commitments"]),
        call_goodbyes=_strings(calls["goodbyes"]),
        support_comments=_strings(comments["support"]),
        defect_comments=_strings(comments["defect"]),
        closing_comments=_strings(comments["closing"]),
        plant_code=_pools(plants["code"]),
        plant_ticket=_pools(plants["ticket"]),
        plant_person=_pools(plants["person"]),
        keyword_questions=_pools(phrases["keyword_questions"]),
        facts=tuple(_fact(f) for f in data["facts"]["facts"]),
    )


def _org_spec(raw: Mapping[str, Any]) -> OrgSpec:
    return OrgSpec(
        org=raw["org"],
        company=raw["company"],
        domain=raw["domain"],
        product=raw["product"],
        modules=_strings(raw["modules"]),
        teams=_strings(raw["teams"]),
        director_teams=tuple(int(n) for n in raw["director_teams"]),
        support_team=int(raw["support_team"]),
        code_style=raw["code_style"],
    )


def _fact(raw: Mapping[str, Any]) -> FactSpec:
    spec = FactSpec(
        key=raw["key"],
        answer_type=raw["answer_type"],
        questions=_strings(raw["questions"]),
        topic=raw.get("topic"),
        pool=raw.get("pool"),
        slot=raw.get("slot"),
        answer=raw.get("answer"),
        cues=_strings(raw.get("cues", ())),
        fields_may_answer=bool(raw.get("fields_may_answer", False)),
    )
    if (spec.topic is None) == (spec.pool is None) or (spec.slot is None) == (spec.answer is None):
        raise ValueError(f"facts.toml: {spec.key!r} needs one of topic/pool and one of slot/answer")
    return spec


def _topic(raw: Mapping[str, Any]) -> Topic:
    return Topic(
        key=raw["key"],
        weight=float(raw["weight"]),
        subjects=_strings(raw["subjects"]),
        call_titles=_strings(raw["call_titles"]),
        customer=_strings(raw["customer"]),
        rep=_strings(raw["rep"]),
        notes=_strings(raw["notes"]),
        questions=_strings(raw["questions"]),
        ticket_subjects=_strings(raw.get("ticket_subjects", ())),
    )
