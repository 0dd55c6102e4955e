"""One caller through both stores: recall@10 against the exact answer, and latency."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
from psycopg import Connection

from bench.common import latency, timed_ms
from bench.search.config import ORG, TOP_K, WARMUP_QUERIES
from bench.search.measure import Role, keys, permitted_count, recall_at
from bench.vs_langchain_postgres.langchain_side import LangchainSide, lc_permitted_count
from copilot.db import Database
from copilot.service import Copilot
from retrieval import store
from retrieval.models import SearchFilters
from retrieval.search import Retriever

__all__ = ["measure_role"]

NO_FILTERS = SearchFilters()


def ours_search(
    db: Database, retriever: Retriever, acl: frozenset[str], qvec: np.ndarray
) -> tuple[list[tuple[str, int]], str]:
    # The production read path: the non-owner service role, row-level security scoped
    # to the caller, and the planner's explicit access filter on top.
    with db.caller() as conn:
        store.scope_to_caller(conn, org=ORG, acl=acl)
        hits, strategy, _ = retriever.vector_search(
            conn, org=ORG, acl=acl, query_embedding=qvec, filters=NO_FILTERS, limit=TOP_K
        )
    return keys(hits), strategy


def exact_search(db: Database, acl: frozenset[str], qvec: np.ndarray) -> list[tuple[str, int]]:
    with db.connection() as conn:
        hits = store.vector_search_exact(
            conn, org=ORG, acl=acl, query_embedding=qvec, filters=NO_FILTERS, limit=TOP_K
        )
    return keys(hits)


def _principals(conn: Connection[Any], user_id: str) -> frozenset[str]:
    return Copilot.principals(conn, org=ORG, user_id=user_id)


def _side_summary(samples: list[float], recalls: list[float], short: int) -> dict[str, Any]:
    return {
        "latency_ms": latency(samples).as_dict(),
        "recall_at_10": {"mean": float(np.mean(recalls)), "min": float(np.min(recalls))},
        "short_pages": short,
    }


def measure_role(
    db: Database,
    lc: LangchainSide,
    retriever: Retriever,
    role: Role,
    queries: Sequence[np.ndarray],
    corpus_chunks: int,
) -> dict[str, Any]:
    """Recall@10 against the exact answer and latency, ours and theirs, for one caller."""
    with db.connection() as conn:
        acl = _principals(conn, role.user_id)
        permitted = permitted_count(conn, acl)
        plan, estimate = retriever.plan(conn, org=ORG, acl=acl, filters=NO_FILTERS)
    theirs_permitted = lc_permitted_count(db, acl)
    if theirs_permitted != permitted:
        raise SystemExit(
            f"{role.name}: the langchain filter admits {theirs_permitted:,} rows, ours "
            f"{permitted:,}; the two stores do not hold the same access lists"
        )
    as_lists = [q.tolist() for q in queries]
    truth = [exact_search(db, acl, q) for q in queries]
    their_plan = lc.plan(acl, as_lists[0])
    for q, q_list in list(zip(queries, as_lists, strict=True))[:WARMUP_QUERIES]:
        ours_search(db, retriever, acl, q)
        lc.search(acl, q_list)

    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    ours_recall: list[float] = []
    theirs_recall: list[float] = []
    ours_short = theirs_short = 0
    strategies: Counter[str] = Counter()
    for n, (q, q_list, want) in enumerate(zip(queries, as_lists, truth, strict=True)):
        # Alternate who goes first so drift on a shared CPU hits both alike.
        order = ("ours", "theirs") if n % 2 == 0 else ("theirs", "ours")
        for side in order:
            if side == "ours":
                (got, strategy), ms = timed_ms(partial(ours_search, db, retriever, acl, q))
                strategies[strategy] += 1
                ours_ms.append(ms)
                ours_recall.append(recall_at(got, want))
                ours_short += len(got) < len(want)
            else:
                got, ms = timed_ms(partial(lc.search, acl, q_list))
                theirs_ms.append(ms)
                theirs_recall.append(recall_at(got, want))
                theirs_short += len(got) < len(want)
    ours = _side_summary(ours_ms, ours_recall, ours_short)
    theirs = _side_summary(theirs_ms, theirs_recall, theirs_short)
    return {
        "role": role.name,
        "user_id": role.user_id,
        "principals": len(acl),
        "permitted": permitted,
        "permitted_share": permitted / corpus_chunks,
        "ours": {
            **ours,
            "plan": plan,
            "planner_estimate": estimate,
            "strategies": dict(strategies),
        },
        "theirs": {**theirs, "plan": their_plan},
        "ours_over_theirs_p50": ours["latency_ms"]["p50_ms"] / theirs["latency_ms"]["p50_ms"],
        "ours_over_theirs_p95": ours["latency_ms"]["p95_ms"] / theirs["latency_ms"]["p95_ms"],
    }
