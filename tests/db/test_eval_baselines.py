"""The harness's retrieval baselines obey the same access rules as the system.

A baseline that saw more than the asker may would make the comparison dishonest, so the
BM25 and vector-only baselines are checked against the hand-worked visibility of
``crm_small``, user by user.
"""

from __future__ import annotations

import pytest

from eval.baselines import BM25Baseline, vector_only_search
from tests.db import crm_small
from tests.db.crm_small import ACME, EXPECTED

QUERIES = (
    "discount on the Falcon rollout pricing",  # d-private in acme, g-doc in globex
    "invoice dispute TCK-4471 duplicate charges",
    "customer email",
)


@pytest.fixture()
def loaded(copilot):  # type: ignore[no-untyped-def]
    report = copilot.indexer(progress=False).ingest_dicts(crm_small.records())
    assert report.errors == []
    return copilot


def _rankers(cp):  # type: ignore[no-untyped-def]
    bm25 = BM25Baseline(cp)
    return {
        "bm25": lambda org, user, query: bm25.search(org=org, user_id=user, query=query, top_k=50),
        "vector": lambda org, user, query: vector_only_search(
            cp, org=org, user_id=user, query_embedding=cp.embedder.embed_query(query), top_k=50
        ),
    }


@pytest.mark.parametrize(("org", "user"), sorted(EXPECTED))
def test_baselines_return_only_what_the_user_may_see(loaded, org: str, user: str) -> None:  # type: ignore[no-untyped-def]
    for name, rank in _rankers(loaded).items():
        for query in QUERIES:
            returned = {h.document_id for h in rank(org, user, query)}
            assert returned <= EXPECTED[(org, user)], (name, query, returned)
    # The vector baseline ranks every permitted chunk: it sees exactly the permitted set.
    everything = _rankers(loaded)["vector"](org, user, "customer email")
    assert {h.document_id for h in everything} == EXPECTED[(org, user)]


@pytest.mark.parametrize("name", ["bm25", "vector"])
def test_baselines_rank_the_exact_match_first(loaded, name: str) -> None:  # type: ignore[no-untyped-def]
    rank = _rankers(loaded)[name]
    hits = rank(ACME, "rep-e1", "Umbrella invoice dispute TCK-4471 about duplicate charges")
    assert hits[0].document_id == "d-shared-team"
    # Seen by rep-e1, not by mgr-w: the same exact-match query never reaches it there.
    hits = rank(ACME, "mgr-w", "Initech asked for a discount on the Falcon rollout pricing")
    assert "d-private" not in {h.document_id for h in hits}
