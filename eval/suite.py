"""What an evaluation suite is: labelled data a runner can index and query.

Loaders (``eval/datasets/``) turn a dataset into :class:`SuiteData`; the runner
indexes ``records`` into a scratch database and runs every task as the suite's users;
metric functions (``eval/metrics/``) are pure and score what came back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "ActionScenario",
    "DatasetMissing",
    "EvalError",
    "GoldSpan",
    "Query",
    "SuiteData",
    "SummaryTask",
]


class EvalError(Exception):
    """Base error of the eval package."""

    code = "eval_error"


class DatasetMissing(EvalError):
    """The suite's data is not on this machine; the suite is skipped, not failed."""

    code = "dataset_missing"


@dataclass(frozen=True)
class GoldSpan:
    """A span that answers a query: ``content[start:end] == text`` of a document's
    canonical indexed content (comparable with a citation's offsets)."""

    document_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Query:
    """A question asked by one user.

    Attributes:
        id: Unique within the suite.
        org: The tenant.
        user_id: Who asks; results must obey this user's access.
        role: The user's role (``rep``, ``manager``, ``admin``, ...) for per-role metrics.
        text: What the user types.
        relevant: Relevant document ids → graded relevance (1 = relevant), all documents
            in the org, visible or not; the runner intersects with what the user may see.
        kind: A label for slicing (``semantic``, ``keyword``, ``qmsum``, ...).
        reference_answer: A human answer, if the data has one.
        answer_terms: Terms a correct answer must contain (for citation precision).
        answerable: False for questions the user's records cannot answer (refusal rate).
        gold: Spans that answer it, in documents the user may see; any one is correct.
            Empty when the data has no span labels (or the query is unanswerable).
        gold_fact: The short fact a correct answer must state (``"March 3"``), when the
            question asks for one; otherwise the gold spans' texts are the facts.
    """

    id: str
    org: str
    user_id: str
    role: str
    text: str
    relevant: Mapping[str, int]
    kind: str = "query"
    reference_answer: str | None = None
    answer_terms: tuple[str, ...] = ()
    answerable: bool = True
    gold: tuple[GoldSpan, ...] = ()
    gold_fact: str | None = None

    @property
    def gold_facts(self) -> tuple[str, ...]:
        """What a correct answer states: the fact, else each gold span's text."""
        if self.gold_fact is not None:
            return (self.gold_fact,)
        return tuple(dict.fromkeys(g.text for g in self.gold))

    @property
    def gold_document_ids(self) -> tuple[str, ...]:
        """The documents a correct answer cites (one of them suffices)."""
        return tuple(dict.fromkeys(g.document_id for g in self.gold))


@dataclass(frozen=True)
class SummaryTask:
    """Text to summarize and the human references it is scored against."""

    id: str
    text: str
    kind: str  # one of textkit.kinds.TEXT_KINDS
    references: tuple[str, ...]
    occurred_at: datetime
    #: What is scored: "summary" (the 2-4 sentence summary) or "gist" (its first sentence).
    target: str = "summary"


@dataclass(frozen=True)
class ActionScenario:
    """An account whose correct next-best actions are known."""

    id: str
    org: str
    user_id: str
    account_id: str
    as_of: datetime
    expected_rules: tuple[str, ...]


@dataclass(frozen=True)
class SuiteData:
    """Everything a run needs.

    Attributes:
        records: Canonical CRM records (teams, users, accounts, documents, ...) to index.
        visible: ``{org: {user_id: document ids the user may see}}`` from an oracle
            independent of the code under test (for leak rate and per-user relevance).
        queries / summaries / scenarios: The tasks; any may be empty.
        notes: What the loader did (sampling, chunking of transcripts, ...), for the report.
    """

    name: str
    records: list[dict[str, Any]]
    visible: Mapping[str, Mapping[str, frozenset[str]]]
    queries: list[Query] = field(default_factory=list)
    summaries: list[SummaryTask] = field(default_factory=list)
    scenarios: list[ActionScenario] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
