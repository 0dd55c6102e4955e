"""Property: for random orgs, every result is permitted and no permitted match is missing.

Each example is a fresh org (a new tenant in the same database), so earlier examples
also serve as other tenants whose rows must never appear.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.search import Retriever

_orgs = itertools.count()
WORDS = ["renewal", "pricing", "security", "onboarding", "invoice", "roadmap", "outage", "legal"]


@st.composite
def random_org(draw: st.DrawFn) -> dict:
    n_teams = draw(st.integers(1, 3))
    n_users = draw(st.integers(2, 7))
    users = []
    for i in range(n_users):
        manager = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        users.append(
            {
                "id": f"u{i}",
                "team_id": draw(
                    st.one_of(st.none(), st.sampled_from([f"t{j}" for j in range(n_teams)]))
                ),
                "manager_id": None if manager is None else f"u{manager}",
                "role": draw(st.sampled_from(["rep", "rep", "rep", "manager", "admin"])),
            }
        )
    principals = [u["id"] for u in users] + [f"team:t{j}" for j in range(n_teams)]
    docs = []
    for d in range(draw(st.integers(1, 10))):
        docs.append(
            {
                "id": f"d{d}",
                "owner_id": draw(st.sampled_from([u["id"] for u in users])),
                "visibility": draw(st.sampled_from(["private", "team", "org"])),
                "shared_with": draw(st.lists(st.sampled_from(principals), max_size=2, unique=True)),
                "words": draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3)),
            }
        )
    return {"n_teams": n_teams, "users": users, "docs": docs}


def oracle(org: dict, user_id: str) -> set[str]:
    """The sharing rules, written independently of the implementation."""
    users = {u["id"]: u for u in org["users"]}
    me = users[user_id]

    def above(owner: str) -> bool:
        seen, cur = set(), users[owner]["manager_id"]
        while cur and cur not in seen:
            if cur == user_id:
                return True
            seen.add(cur)
            cur = users[cur]["manager_id"]
        return False

    out = set()
    for d in org["docs"]:
        owner = users[d["owner_id"]]
        if (
            me["role"] == "admin"
            or d["owner_id"] == user_id
            or above(d["owner_id"])
            or d["visibility"] == "org"
            or (d["visibility"] == "team" and me["team_id"] and me["team_id"] == owner["team_id"])
            or user_id in d["shared_with"]
            or (me["team_id"] and f"team:{me['team_id']}" in d["shared_with"])
        ):
            out.add(d["id"])
    return out


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
            "id": d["id"],
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


@pytest.mark.slow
@pytest.mark.parametrize("exact_max_chunks", [1_000_000, 0], ids=["exact-plan", "hnsw-plan"])
def test_random_orgs_never_leak_and_never_miss(copilot, exact_max_chunks: int) -> None:  # type: ignore[no-untyped-def]
    retriever = Retriever(copilot.embedder, exact_max_chunks=exact_max_chunks)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(org=random_org())
    def check(org: dict) -> None:
        name = f"p{next(_orgs)}"
        report = copilot.indexer(progress=False).ingest_dicts(to_records(name, org))
        assert report.errors == []
        for user in org["users"]:
            with copilot.db.connection() as conn:
                acl = copilot.principals(conn, org=name, user_id=user["id"])
                hits = retriever.search(
                    conn, org=name, acl=acl, query="zephyr " + org["docs"][0]["words"][0], top_k=50
                ).hits
            assert {h.document_id for h in hits} == oracle(org, user["id"]), user

    check()
