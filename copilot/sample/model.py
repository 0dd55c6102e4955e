"""The sample's public types: questions, users, ground truth and the generated CRM."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from copilot.sample.visibility import visible_document_ids

__all__ = ["GoldSpan", "Question", "QuestionKind", "SampleCRM", "SampleTruth", "SampleUser"]

QuestionKind = Literal["semantic", "keyword", "fact", "missing"]


@dataclass(frozen=True)
class GoldSpan:
    """Where a document states the answer: ``content[start:end] == text``.

    ``content`` is the document's canonical indexed text
    (:func:`copilot.ingest.documents.render_document`), so the span is comparable with a
    citation's offsets.
    """

    document_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Question:
    """An evaluation question and the documents that answer it.

    Attributes:
        id: Unique across orgs, e.g. ``acme-q-007``.
        org: The org whose documents answer it.
        text: What a user would type.
        relevant_document_ids: Exactly the documents that answer it, sorted.
        kind: ``semantic`` (paraphrased scenario), ``keyword`` (exact token), ``fact``
            (asks for one value: a date, amount, name, ...) or ``missing`` (asks for a
            fact no document of the account states: it has no answer).
        answer: The fact a ``fact`` question asks for, as the documents write it
            (e.g. ``"March 3"``); None for other kinds, whose answer is a sentence.
        answer_type: What a reader expects of a fact: ``date``, ``amount``, ``number``,
            ``person``, ``name``, ``product``, ``code`` or ``reason``.
        gold: The spans that answer it, in relevant documents (authored text only, never
            a quoted reply); any one is a correct answer. Empty when unanswerable.
    """

    id: str
    org: str
    text: str
    relevant_document_ids: tuple[str, ...]
    kind: QuestionKind
    answer: str | None = None
    answer_type: str | None = None
    gold: tuple[GoldSpan, ...] = ()

    @property
    def answerable(self) -> bool:
        """False for a question no document answers (kind ``missing``)."""
        return self.kind != "missing"


@dataclass(frozen=True)
class SampleUser:
    """A user as the truth file lists it, so evaluation can act as each role."""

    org: str
    id: str
    name: str
    role: str
    team_id: str | None
    manager_id: str | None


@dataclass(frozen=True)
class SampleTruth:
    """Ground truth for evaluation.

    Attributes:
        questions: The questions of every org.
        users: Every user of every org.
        visible_document_ids: ``{org: {user id: document ids the user may see}}``.
    """

    questions: tuple[Question, ...]
    users: tuple[SampleUser, ...]
    visible_document_ids: Mapping[str, Mapping[str, frozenset[str]]]


@dataclass(frozen=True)
class SampleCRM:
    """A generated CRM: canonical records in ingest order plus its questions.

    Attributes:
        seed: The seed it was generated from.
        records: Entities (teams, users, accounts, contacts, deals) then documents.
        questions: Evaluation questions with their relevant documents.
    """

    seed: int
    records: list[dict[str, Any]]
    questions: list[Question] = field(default_factory=list)

    @property
    def orgs(self) -> tuple[str, ...]:
        """The orgs, in order of first appearance."""
        return tuple(dict.fromkeys(r["org"] for r in self.records))

    def truth(self) -> SampleTruth:
        """Questions, users and what every user may see, by :func:`visible_document_ids`."""
        users = tuple(
            SampleUser(
                org=r["org"],
                id=r["id"],
                name=r["name"],
                role=r["role"],
                team_id=r.get("team_id"),
                manager_id=r.get("manager_id"),
            )
            for r in self.records
            if r["type"] == "user"
        )
        visible: dict[str, dict[str, frozenset[str]]] = {}
        for org in self.orgs:
            in_org = [r for r in self.records if r["org"] == org]
            visible[org] = {
                u.id: frozenset(visible_document_ids(in_org, u.id, org=org))
                for u in users
                if u.org == org
            }
        return SampleTruth(tuple(self.questions), users, visible)
