"""Property, over HTTP: random orgs never leak through search or documents, and miss nothing.

Each example is a fresh org ingested through ``POST /v1/ingest``; earlier examples stay
in the same database and act as other tenants. For every user, ``POST /v1/search``
(following ``next_cursor``) and ``GET /v1/documents/{id}`` are checked against the
oracle of ``tests/db/test_property.py``, which states the sharing rules independently
of the implementation.
"""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.conftest import bearer
from tests.db.test_property import WORDS, oracle, random_org

_orgs = itertools.count()
#: (org, document id) of every example so far: other tenants for later examples.
_earlier: list[tuple[str, str]] = []


def doc_id(org_name: str, raw_id: str) -> str:
    # Ids are unique across tenants, so a leaked row is recognisable by its id alone.
    return f"{org_name}-{raw_id}"


def to_records(org_name: str, org: dict) -> list[dict]:
    recs: list[dict] = [
        {"type": "team", "org": org_name, "id": f"t{j}", "name": f"Team {j}"}
        for j in range(org["n_teams"])
    ]
    recs += [
        {"type": "user", "org": org_name, "name": u["id"], "email": f"{u['id']}@x.example", **u}
        for u in org["users"]
    ]
    recs.append({"type": "account", "org": org_name, "id": "acc", "name": "Acc", "owner_id": "u0"})
    recs += [
        {
            "type": "ticket",
            "org": org_name,
            "id": doc_id(org_name, d["id"]),
            "account_id": "acc",
            "owner_id": d["owner_id"],
            "visibility": d["visibility"],
            "shared_with": d["shared_with"],
            "occurred_at": "2026-04-01T00:00:00Z",
            "subject": f"zephyr case {d['id']}",
            "body": "Zephyr " + " ".join(d["words"]) + ".",
            "status": "open",
            "priority": "normal",
        }
        for d in org["docs"]
    ]
    return recs


def search_all(client, token: str, query: str, top_k: int) -> list[str]:  # type: ignore[no-untyped-def]
    """Document ids of every page of one search, in order."""
    found: list[str] = []
    body: dict = {"query": query, "top_k": top_k}
    for _ in range(100):
        r = client.post("/v1/search", json=body, headers=bearer(token))
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["results"]) <= top_k
        found += [hit["document_id"] for hit in page["results"]]
        if page["next_cursor"] is None:
            return found
        assert page["results"], "a cursor after an empty page"
        body = {**body, "cursor": page["next_cursor"]}
    raise AssertionError(f"more than 100 pages for {query!r}")


def not_found_body(doc: str) -> dict:
    return {"error": {"code": "not_found", "message": f"document {doc!r} not found"}}


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(org=random_org(), data=st.data())
def test_http_api_never_leaks_and_never_misses(
    client, token_for, ingest_headers, org: dict, data: st.DataObject
) -> None:  # type: ignore[no-untyped-def]
    name = f"h{next(_orgs)}"
    r = client.post("/v1/ingest", json=to_records(name, org), headers=ingest_headers)
    assert r.status_code == 200, r.text
    assert r.json()["rejected"] == 0
    all_docs = {doc_id(name, d["id"]) for d in org["docs"]}
    words_of = {doc_id(name, d["id"]): set(d["words"]) for d in org["docs"]}
    # Drawn as a seed, not from _earlier itself: strategies must not depend on state
    # that changes between runs of the same example.
    seed = data.draw(st.integers(0, 2**32), label="seed for earlier tenants' documents")
    others = random.Random(seed).sample(_earlier, min(3, len(_earlier)))
    missing = f"{name}-missing"

    for user in org["users"]:
        permitted = {doc_id(name, d) for d in oracle(org, user["id"])}
        token = token_for(name, user["id"])
        words = data.draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2), label="query")
        query = data.draw(st.sampled_from([" ".join(words), "zephyr " + " ".join(words)]))
        top_k = data.draw(st.integers(1, 5), label="top_k")

        found = search_all(client, token, query, top_k)
        assert len(found) == len(set(found)), f"a document on two pages: {found}"
        leaked = set(found) - permitted
        assert not leaked, f"{user['id']} saw {leaked}"
        assert set(found) <= all_docs
        # Every permitted document holding every query word is found (the keyword leg's
        # AND semantics) ...
        matches = {d for d in permitted if set(words) <= words_of[d]}
        assert matches <= set(found), f"{user['id']} missed {matches - set(found)} for {query!r}"
        # ... and at this size the vector leg ranks every permitted chunk, so nothing
        # permitted is missing at all.
        assert set(found) == permitted, user

        r = client.get(f"/v1/documents/{missing}", headers=bearer(token))
        assert (r.status_code, r.json()) == (404, not_found_body(missing))
        for doc in sorted(all_docs) + [d for _, d in others]:
            r = client.get(f"/v1/documents/{doc}", headers=bearer(token))
            if doc in permitted:
                assert r.status_code == 200, r.text
                assert r.json()["id"] == doc
            else:
                # Invisible answers exactly like missing: same status, same body shape.
                assert (r.status_code, r.json()) == (404, not_found_body(doc)), (user, doc)

    _earlier.extend((name, d) for d in sorted(all_docs))
