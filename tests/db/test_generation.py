"""The generation service with the LLM engine, on the real database.

A ``GenericFakeChatModel`` stands in for a hosted LLM: it returns canned replies, so
these tests check the plumbing around the model (how often we search, what the engine
is handed, when we fall back and what is cached), not a model's quality.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from copilot.generation import Assistant
from retrieval.models import SearchFilters
from summarizers.llm import LLMEngine, LLMStats
from summarizers.models import Answer, Passage
from tests.db import crm_small
from tests.db.crm_small import ACME
from tests.unit.summarizers.test_llm import PromptRecorder, fake_model

QUESTION = "What is going on with renewals?"
RENEWAL_ANSWER = json.dumps(
    {
        "answered": True,
        "sentences": [
            {
                "text": "Umbrella's renewal is on track.",
                "document_id": "d-org",
                "quote": "Umbrella renewal is on track",
            }
        ],
    }
)
CALL_TRANSCRIPT = (
    "Pat Buyer: Honestly the price is above our budget, and we're also evaluating Salesforce.\n"
    "Rep E1: I'll send a revised quote with the multi-year discount by Friday."
)
CALL_SUMMARY = json.dumps(
    {
        "summary": [
            {
                "text": "The price is above the customer's budget.",
                "quote": "the price is above our budget",
            }
        ],
        "key_points": [],
        "action_items": [],
        "next_steps": [],
        "sentiment": {"label": "negative", "score": -0.3, "quote": "above our budget"},
        "objections": [],
        "competitors": [],
        "risks": [],
    }
)


class SpyLLM(LLMEngine):
    """The real LLM engine over a fake chat model, recording the passages it is handed."""

    def __init__(self, *replies: str, recorder: PromptRecorder | None = None) -> None:
        super().__init__(fake_model(*replies, recorder=recorder), name="fake-llm")
        self.given: list[list[Passage]] = []

    def answer_from_passages(
        self, question: str, passages: Sequence[Passage]
    ) -> tuple[Answer, LLMStats]:
        self.given.append(list(passages))
        return super().answer_from_passages(question, passages)


@pytest.fixture()
def loaded(copilot):  # type: ignore[no-untyped-def]
    """The small CRM plus one call."""
    call = {
        "type": "call",
        "org": ACME,
        "id": "call-1",
        "account_id": "a1",
        "owner_id": "rep-e1",
        "visibility": "private",
        "occurred_at": "2026-05-06T15:00:00Z",
        "title": "Pricing call",
        "participants": ["Pat Buyer", "Rep E1"],
        "transcript": CALL_TRANSCRIPT,
    }
    report = copilot.indexer(progress=False).ingest_dicts([*crm_small.records(), call])
    assert report.errors == []
    return copilot


@pytest.fixture()
def searches(loaded, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """Every ``search`` the service runs from now on, by its arguments."""
    seen: list[dict[str, Any]] = []
    search = loaded.search

    def counted(**kwargs: Any) -> Any:
        seen.append(kwargs)
        return search(**kwargs)

    monkeypatch.setattr(loaded, "search", counted)
    return seen


def spans(passages: Sequence[Any]) -> list[tuple[str, int, int, str]]:
    return [(p.document_id, p.start, p.end, p.text) for p in passages]


def hit_spans(hits: Sequence[Any]) -> list[tuple[str, int, int, str]]:
    return [(h.document_id, h.char_start, h.char_end, h.text) for h in hits]


def test_ask_searches_once_and_the_engine_reads_exactly_the_retrieved_hits(
    loaded, searches
) -> None:  # type: ignore[no-untyped-def]
    llm = SpyLLM(RENEWAL_ANSWER)
    result = Assistant(loaded, llm=llm).ask(org=ACME, user_id="rep-w1", question=QUESTION, top_k=10)
    assert len(searches) == 1
    assert len(llm.given) == 1
    assert result.retrieved
    assert spans(llm.given[0]) == hit_spans(result.retrieved)
    assert result.answer.engine == "fake-llm" and result.answer.answered
    assert [c.document_id for c in result.answer.citations] == ["d-org"]
    assert {c.document_id for c in result.answer.citations} <= {
        h.document_id for h in result.retrieved
    }


def test_on_retrieved_hears_the_hits_once_before_the_engine_answers(loaded) -> None:  # type: ignore[no-untyped-def]
    llm = SpyLLM(RENEWAL_ANSWER)
    heard: list[tuple[Any, ...]] = []

    def on_retrieved(hits: tuple[Any, ...]) -> None:
        assert llm.given == []  # the engine has not been asked yet
        heard.append(hits)

    result = Assistant(loaded, llm=llm).ask(
        org=ACME, user_id="rep-w1", question=QUESTION, top_k=10, on_retrieved=on_retrieved
    )
    assert heard == [result.retrieved] and result.retrieved
    assert len(llm.given) == 1


def test_a_failed_llm_answer_falls_back_on_the_same_hits(loaded, searches) -> None:  # type: ignore[no-untyped-def]
    llm = SpyLLM("not json", "still not json")
    result = Assistant(loaded, llm=llm).ask(org=ACME, user_id="rep-w1", question=QUESTION, top_k=10)
    assert len(searches) == 1
    assert spans(llm.given[0]) == hit_spans(result.retrieved)
    assert result.answer.engine == "offline (fallback: invalid output)"
    assert {c.document_id for c in result.answer.citations} <= {
        h.document_id for h in result.retrieved
    }


def test_nothing_retrieved_means_no_model_call(loaded) -> None:  # type: ignore[no-untyped-def]
    recorder = PromptRecorder()
    llm = SpyLLM(recorder=recorder)
    result = Assistant(loaded, llm=llm).ask(
        org=ACME,
        user_id="rep-w1",
        question=QUESTION,
        top_k=10,
        filters=SearchFilters(account_id="no-such-account"),
    )
    assert result.retrieved == () and not result.answer.answered
    assert result.answer.engine == "offline"
    assert llm.given == [] and recorder.prompts == []


def test_a_fallback_summary_is_not_cached_under_the_llm_key(loaded) -> None:  # type: ignore[no-untyped-def]
    recorder = PromptRecorder()
    llm = SpyLLM("not json", "still not json", CALL_SUMMARY, recorder=recorder)
    assistant = Assistant(loaded, llm=llm)

    def summary() -> str:
        return assistant.summarize_call(org=ACME, user_id="rep-e1", document_id="call-1").engine

    assert summary() == "offline (fallback: invalid output)"
    assert len(recorder.prompts) == 2
    assert summary() == "fake-llm"  # the fallback was not cached: the LLM is asked again
    assert len(recorder.prompts) == 3
    assert summary() == "fake-llm"  # now cached: no model call
    assert len(recorder.prompts) == 3
