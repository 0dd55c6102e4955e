"""What the tests of ``/v1/ask`` and ``/v1/ask/stream`` share: the question, an engine
that waits or fails, the parsing of server-sent events and the entries a route wrote.

No hosted LLM can exist here: :class:`FakeEngine` waits (on an event, or a sleep) to
stand in for one that takes seconds, and raises to stand in for an endpoint failing
mid-way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import pytest

from copilot.audit import AuditRecord, iter_records
from copilot.generation import Assistant
from summarizers.engine import Engine
from summarizers.models import Answer, CallSummary, Passage
from tests.api.test_generation import ACME

__all__ = ["QUESTION", "FakeEngine", "audit_entries", "parse_events", "raises", "use_engine"]

QUESTION = {"question": "When will the revised quote be sent?"}


class FakeEngine:
    """The offline engine, answering only after ``wait()`` returns, or raising ``error``."""

    def __init__(
        self,
        inner: Engine,
        *,
        wait: Callable[[], object] = lambda: None,
        error: Exception | None = None,
    ) -> None:
        self.inner, self.wait, self.error = inner, wait, error
        self.answered = threading.Event()

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def cache_key(self) -> str:
        return self.inner.cache_key

    def summarize_call(self, doc: Any) -> CallSummary:
        return self.inner.summarize_call(doc)

    def summarize_text(self, text: str, *, kind: str, now: datetime) -> CallSummary:
        return self.inner.summarize_text(text, kind=kind, now=now)

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        self.wait()
        if self.error is not None:
            raise self.error
        try:
            return self.inner.answer(question, passages)
        finally:
            self.answered.set()


def use_engine(monkeypatch: pytest.MonkeyPatch, make: Callable[[Engine], Engine]) -> None:
    """Every Assistant's ``engine`` (what ``ask`` answers with) becomes ``make(offline)``."""
    monkeypatch.setattr(Assistant, "engine", property(lambda self: make(self.offline)))


def parse_events(raw: str) -> list[tuple[str, Any]]:
    """``(name, data)`` per block; a comment block is ``(":", text)``."""
    out: list[tuple[str, Any]] = []
    for block in raw.strip().split("\n\n"):
        if block.startswith(":"):
            out.append((":", block[1:].strip()))
            continue
        name, data = block.split("\n", 1)
        out.append((name.removeprefix("event: "), json.loads(data.removeprefix("data: "))))
    return out


def audit_entries(app: Any, path: str) -> list[AuditRecord]:
    """The entries of ``POST /v1{path}`` in ACME's chain, in order."""
    found = iter_records(app.state.copilot.db, org=ACME)
    return [e for e in found if e.endpoint == f"POST /v1{path}"]


def raises(exc: Exception) -> Callable[..., Any]:
    """A stand-in for any function, raising ``exc``."""

    def raising(*args: Any, **kwargs: Any) -> Any:
        raise exc

    return raising
