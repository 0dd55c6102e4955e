"""The engine protocol and the one fallback: labels, logging and the cache rule."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from summarizers.engine import Engine, OfflineEngine, WithFallback, written_by
from summarizers.errors import SummarizerError
from summarizers.llm import LLMEngine, LLMUnavailable
from summarizers.models import Answer, CallSummary, Passage, SourceDocument
from tests.unit.summarizers.test_llm import call_doc, fake_model, summary_reply

NOW = datetime(2026, 5, 6, 15, 0, tzinfo=UTC)
PASSAGE = Passage(
    document_id="d-1",
    kind="email",
    title="Pricing",
    text="Initech asked for a 15% discount on the Falcon rollout.",
    start=0,
    end=55,
    score=0.9,
    occurred_at=NOW,
)


class Broken:
    """An engine that always fails, like an LLM behind a closed port."""

    name = cache_key = "broken"

    def __init__(self, error: SummarizerError) -> None:
        self.error = error

    def summarize_call(self, doc: SourceDocument) -> CallSummary:
        raise self.error

    def summarize_text(self, text: str, *, kind: str, now: datetime) -> CallSummary:
        raise self.error

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        raise self.error


def test_the_offline_and_llm_engines_satisfy_the_protocol() -> None:
    engines: list[Engine] = [
        OfflineEngine(),
        LLMEngine(fake_model(), name="fake").as_engine(),
        WithFallback(OfflineEngine(), OfflineEngine()),
    ]
    assert [(e.name, e.cache_key) for e in engines] == [
        ("offline", "offline-v1"),
        ("fake", "fake"),
        ("offline", "offline-v1"),
    ]


@pytest.mark.parametrize(
    ("error", "label"),
    [
        (LLMUnavailable("timeout"), "offline (fallback: timeout)"),
        (SummarizerError("boom"), "offline (fallback: SummarizerError)"),
    ],
)
def test_every_task_falls_back_with_its_reason(error: SummarizerError, label: str) -> None:
    engine = WithFallback(Broken(error), OfflineEngine())
    summary = engine.summarize_call(call_doc())
    draft = engine.summarize_text("Sam to send redlines by Friday.", kind="note", now=NOW)
    answer = engine.answer("Who asked for a discount?", [PASSAGE])
    assert summary.engine == draft.engine == answer.engine == label
    assert (engine.name, engine.cache_key) == ("broken", "broken")
    # Apart from the label, the fallback's result is the offline engine's own.
    assert summary.model_copy(update={"engine": "offline"}) == OfflineEngine().summarize_call(
        call_doc()
    )
    assert not written_by(engine, summary)


def test_errors_that_are_not_summarizer_errors_propagate() -> None:
    class Bug(Broken):
        def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
            raise KeyError("a bug, not a model failure")

    with pytest.raises(KeyError):
        WithFallback(Bug(LLMUnavailable("x")), OfflineEngine()).answer("q?", [PASSAGE])


def test_a_fallback_is_logged_without_record_text(caplog: pytest.LogCaptureFixture) -> None:
    engine = WithFallback(Broken(LLMUnavailable("timeout")), OfflineEngine())
    with caplog.at_level(logging.WARNING, logger="summarizers.engine"):
        engine.summarize_call(call_doc())
    assert [r.getMessage() for r in caplog.records] == [
        "broken failed on summary of call-1, falling back: timeout"
    ]


def test_the_primary_answers_when_it_can() -> None:
    llm = LLMEngine(fake_model(summary_reply()), name="fake")
    engine = WithFallback(llm.as_engine(), OfflineEngine())
    summary = engine.summarize_call(call_doc())
    assert summary.engine == "fake" and written_by(engine, summary)
