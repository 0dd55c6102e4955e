"""The LangChain retriever bound to one caller, on the real database: it never widens access."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from langchain_core.language_models import GenericFakeChatModel
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests
from pydantic import ValidationError

from copilot.errors import UnknownUser
from copilot.integrations.langchain import CallerRetriever
from retrieval.models import SearchFilters
from summarizers.llm import LLMEngine
from tests.db import crm_small
from tests.db.crm_small import ACME, EXPECTED, GLOBEX
from tests.unit.summarizers.test_llm import PromptRecorder

QUERY = "customer email"


@pytest.fixture()
def loaded(copilot):  # type: ignore[no-untyped-def]
    report = copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    assert report.errors == []
    return copilot


def ids(documents: list[Any]) -> set[str]:
    return {d.metadata["document_id"] for d in documents}


@pytest.mark.parametrize(("org", "user"), sorted(EXPECTED))
def test_returns_only_what_the_caller_may_see(loaded, org: str, user: str) -> None:  # type: ignore[no-untyped-def]
    retriever = CallerRetriever(loaded, org=org, user_id=user, top_k=50)
    for query in (QUERY, "discount on the Falcon rollout pricing", "TCK-4471 invoice"):
        assert ids(retriever.invoke(query)) <= EXPECTED[(org, user)]
    # The ranking reaches every permitted chunk, so with a large top_k it is all of them.
    assert ids(retriever.invoke(QUERY)) == EXPECTED[(org, user)]


def test_documents_carry_citable_metadata(loaded) -> None:  # type: ignore[no-untyped-def]
    (doc,) = CallerRetriever(loaded, org=ACME, user_id="rep-e1", top_k=1).invoke("SOC 2 report")
    md = doc.metadata
    assert md["document_id"] == "d-team" and md["kind"] == "email"
    content = loaded.get_document(org=ACME, user_id="rep-e1", document_id="d-team").content
    assert content[md["start"] : md["end"]] == doc.page_content
    assert {"title", "score", "occurred_at", "account_id", "ord"} <= md.keys()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"user_id": "admin"},
        {"org": GLOBEX},
        {"acl": ["role:admin"]},
        {"filters": SearchFilters()},
        {"k": 2, "user_id": "admin"},
        {"search_kwargs": {"k": 2}},
    ],
)
def test_per_call_arguments_are_refused(loaded, kwargs: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    retriever = CallerRetriever(loaded, org=ACME, user_id="rep-w1")
    with pytest.raises(TypeError, match="no per-call arguments"):
        retriever.invoke(QUERY, **kwargs)


@pytest.mark.parametrize("name", ["k", "top_k"])
def test_per_call_k_only_narrows(loaded, name: str) -> None:  # type: ignore[no-untyped-def]
    """LangChain's ``invoke(query, k=...)`` convention: fewer results, never more."""
    retriever = CallerRetriever(loaded, org=ACME, user_id="admin", top_k=3)
    assert len(retriever.invoke(QUERY, **{name: 2})) == 2
    assert len(retriever.invoke(QUERY, **{name: 3})) == 3
    # A larger per-call k is capped at the top_k set at construction.
    assert len(retriever.invoke(QUERY, **{name: 50})) == 3
    assert len(retriever.invoke(QUERY, k=50, top_k=1)) == 1


@pytest.mark.parametrize("value", [0, -1, "3", 2.5, True, None])
def test_per_call_k_must_be_a_positive_integer(loaded, value: Any) -> None:  # type: ignore[no-untyped-def]
    retriever = CallerRetriever(loaded, org=ACME, user_id="admin", top_k=3)
    with pytest.raises(ValueError, match=f"k must be a positive integer, got {value!r}"):
        retriever.invoke(QUERY, k=value)


def test_config_cannot_change_the_caller(loaded) -> None:  # type: ignore[no-untyped-def]
    retriever = CallerRetriever(loaded, org=ACME, user_id="rep-w1", top_k=50)
    config: Any = {"metadata": {"user_id": "admin"}, "configurable": {"user_id": "admin"}}
    assert ids(retriever.invoke(QUERY, config=config)) == EXPECTED[(ACME, "rep-w1")]


def test_identity_is_frozen(loaded) -> None:  # type: ignore[no-untyped-def]
    retriever = CallerRetriever(loaded, org=ACME, user_id="rep-w1")
    with pytest.raises(ValidationError):
        retriever.user_id = "admin"  # type: ignore[misc]
    with pytest.raises(TypeError, match="bound to one caller"):
        retriever.model_copy(update={"user_id": "admin"})
    assert retriever.model_copy().user_id == "rep-w1"
    with pytest.raises(ValueError, match="required"):
        CallerRetriever(loaded, org=ACME, user_id="")


def test_filters_only_narrow(loaded) -> None:  # type: ignore[no-untyped-def]
    narrowed = CallerRetriever(
        loaded, org=ACME, user_id="rep-e2", top_k=50, filters=SearchFilters(account_id="a2")
    )
    assert ids(narrowed.invoke(QUERY)) == {"d-org", "d-shared-user", "d-shared-team"}
    # Filtering on an account the caller sees nothing private of adds nothing.
    other = CallerRetriever(
        loaded, org=ACME, user_id="rep-w1", top_k=50, filters=SearchFilters(account_id="a1")
    )
    assert ids(other.invoke(QUERY)) == set()


def test_batch_and_async_paths_are_bound_too(loaded) -> None:  # type: ignore[no-untyped-def]
    retriever = CallerRetriever(loaded, org=ACME, user_id="rep-w1", top_k=50)
    allowed = EXPECTED[(ACME, "rep-w1")]
    for docs in retriever.batch([QUERY, "discount pricing"]):
        assert ids(docs) <= allowed
    assert ids(asyncio.run(retriever.ainvoke(QUERY))) == allowed


def test_unknown_caller_is_refused(loaded) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownUser):
        CallerRetriever(loaded, org=GLOBEX, user_id="rep-w1").invoke(QUERY)


def test_llm_engine_answers_only_from_the_callers_documents(loaded) -> None:  # type: ignore[no-untyped-def]
    """A fake chat model (standing in for a hosted LLM) cites a real record the caller
    may not see; the engine drops it because that record never reached the prompt."""
    reply = json.dumps(
        {
            "answered": True,
            "sentences": [
                {
                    "text": "Umbrella's renewal is on track.",
                    "document_id": "d-org",
                    "quote": "Umbrella renewal is on track",
                },
                {
                    "text": "Initech asked for a discount.",
                    "document_id": "d-private",
                    "quote": "Initech asked for a discount",
                },
            ],
        }
    )
    recorder = PromptRecorder()
    chat = GenericFakeChatModel(messages=iter([reply]), callbacks=[recorder])
    retriever = CallerRetriever(loaded, org=ACME, user_id="rep-w1", top_k=10)
    answer, stats = LLMEngine(chat, name="fake").answer(
        "What is going on with renewals?", retriever
    )
    assert answer.answer == "Umbrella's renewal is on track."
    assert [c.document_id for c in answer.citations] == ["d-org"]
    assert (stats.kept_claims, stats.dropped_claims) == (1, 1)
    sent = "\n".join(str(m.content) for m in recorder.prompts[0])
    assert "Initech asked for a discount" not in sent  # d-private never left the database


class TestStandardRetrieverConventions(RetrieversIntegrationTests):
    """langchain-tests' own standard retriever tests, against the real database.

    The admin of acme sees all of its documents, so ``top_k`` = 1 and 3 are both
    reachable. Per-call ``k`` (LangChain's default name) is covered above.
    """

    @pytest.fixture(autouse=True)
    def _service(self, loaded) -> None:  # type: ignore[no-untyped-def]
        self._copilot = loaded

    @pytest.fixture
    def retriever(self, _service: None) -> BaseRetriever:
        return self.retriever_constructor(**self.retriever_constructor_params)

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return CallerRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"copilot": self._copilot, "org": ACME, "user_id": "admin", "top_k": 5}

    @property
    def retriever_query_example(self) -> str:
        return QUERY

    @property
    def num_results_arg_name(self) -> str:
        return "top_k"
