"""One interface for the engines that write summaries and answers, and one fallback.

An :class:`Engine` is pure: it gets a record, a draft or retrieved passages and returns
a result whose ``engine`` field names who wrote it. :class:`OfflineEngine` is the
deterministic default; the LLM engine satisfies the same protocol through
:meth:`summarizers.llm.LLMEngine.as_engine`. :class:`WithFallback` puts one engine in
front of another: when the first raises :class:`~summarizers.errors.SummarizerError`,
the second answers and its result says so (``"offline (fallback: timeout)"``).

Example:
    >>> offline = OfflineEngine()
    >>> offline.name, offline.cache_key
    ('offline', 'offline-v1')
    >>> engine = WithFallback(llm.as_engine(), offline)  # doctest: +SKIP
    >>> engine.answer("Who asked for a discount?", passages).engine  # doctest: +SKIP
    'offline (fallback: timeout)'
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from summarizers import offline
from summarizers.answer import Similarity, answer_offline
from summarizers.errors import SummarizerError
from summarizers.models import Answer, CallSummary, Passage, SourceDocument

__all__ = ["Engine", "OfflineEngine", "WithFallback", "fallback_reason", "written_by"]

log = logging.getLogger(__name__)

_Result = TypeVar("_Result", CallSummary, Answer)


class Engine(Protocol):
    """What the generation service needs from an engine.

    ``name`` is what results report in ``engine``; ``cache_key`` files stored call
    summaries (bump it when the engine's output changes).
    """

    @property
    def name(self) -> str: ...

    @property
    def cache_key(self) -> str: ...

    def summarize_call(self, doc: SourceDocument) -> CallSummary:
        """Summarize a stored record; citations index ``doc.content``."""
        ...

    def summarize_text(self, text: str, *, kind: str, now: datetime) -> CallSummary:
        """Summarize a draft that is not stored; citations index ``text``."""
        ...

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        """Answer from ``passages`` only (the caller's retrieved, permitted chunks)."""
        ...


class OfflineEngine:
    """The deterministic extractive engine (:mod:`summarizers.offline`,
    :mod:`summarizers.answer`) behind :class:`Engine`.

    Args:
        competitors: Competitor list entries, ``"Name"`` or ``"Name|Alias|..."``.
        similarity: The embedding model's question-sentence cosines for answers
            (:data:`summarizers.answer.Similarity`); without it answers score lexically.
    """

    name = "offline"
    cache_key = "offline-v1"

    def __init__(
        self,
        competitors: Sequence[str] = offline.DEFAULT_COMPETITORS,
        *,
        similarity: Similarity | None = None,
    ) -> None:
        self.competitors = tuple(competitors)
        self.similarity = similarity

    def summarize_call(self, doc: SourceDocument) -> CallSummary:
        return offline.summarize_call(doc, competitors=self.competitors)

    def summarize_text(self, text: str, *, kind: str, now: datetime) -> CallSummary:
        return offline.summarize_text(text, kind=kind, now=now, competitors=self.competitors)

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        return answer_offline(question, passages, similarity=self.similarity)


def fallback_reason(err: SummarizerError) -> str:
    """The short reason a fallback result shows; it never quotes record text."""
    # LLMUnavailable carries a short reason; other errors show their type.
    return str(getattr(err, "reason", None) or type(err).__name__)


def written_by(engine: Engine, result: CallSummary | Answer) -> bool:
    """Whether ``engine`` itself wrote ``result`` (not its fallback).

    Only such a result may be stored under ``engine.cache_key``: a fallback summary is
    not cached under the LLM's key, so the next request tries the LLM again.
    """
    return result.engine == engine.name


class WithFallback:
    """``primary``, and ``fallback`` whenever ``primary`` raises ``SummarizerError``.

    The result of a fallback reports ``"<fallback name> (fallback: <reason>)"`` in
    ``engine``. ``name`` and ``cache_key`` are the primary's.
    """

    def __init__(self, primary: Engine, fallback: Engine) -> None:
        self.primary = primary
        self.fallback = fallback

    @property
    def name(self) -> str:
        return self.primary.name

    @property
    def cache_key(self) -> str:
        return self.primary.cache_key

    def summarize_call(self, doc: SourceDocument) -> CallSummary:
        return self._run(lambda e: e.summarize_call(doc), task=f"summary of {doc.document_id}")

    def summarize_text(self, text: str, *, kind: str, now: datetime) -> CallSummary:
        return self._run(lambda e: e.summarize_text(text, kind=kind, now=now), task="draft")

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        return self._run(lambda e: e.answer(question, passages), task="answer")

    def _run(self, call: Callable[[Engine], _Result], *, task: str) -> _Result:
        try:
            return call(self.primary)
        except SummarizerError as err:
            reason = fallback_reason(err)
            log.warning("%s failed on %s, falling back: %s", self.primary.name, task, reason)
            result = call(self.fallback)
            return result.model_copy(
                update={"engine": f"{self.fallback.name} (fallback: {reason})"}
            )
