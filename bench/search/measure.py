"""Measuring search: query texts, recall and latency per role, ef_search, the threshold."""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from psycopg import Connection
from tqdm import tqdm

from bench.common import bar_opts, latency, timed_ms
from bench.search.config import (
    CRM_PHRASES,
    EF_SEARCH_SWEEP,
    NAIVE_EF_SEARCH,
    ORG,
    SWEEP_SIZES,
    TOP_K,
    WARMUP_QUERIES,
)
from bench.search.corpus import OrgChart
from copilot.db import Database
from copilot.service import Copilot
from copilot.settings import Settings
from embeddings import Embedder
from retrieval import store
from retrieval.models import ScoredChunk, SearchFilters
from retrieval.search import Retriever


def query_texts(questions: Sequence[str], n: int) -> list[str]:
    """About 60% sample-generator questions, the rest varied CRM phrases."""
    from_sample = list(questions[: math.ceil(n * 0.6)])
    phrases = list(CRM_PHRASES[: n - len(from_sample)])
    texts = list(dict.fromkeys(from_sample + phrases))
    extra = (q for q in questions[len(from_sample) :] if q not in texts)
    while len(texts) < n:
        nxt = next(extra, None)
        if nxt is None:
            break
        texts.append(nxt)
    return texts


def embed_queries(
    embedder: Embedder, texts: Sequence[str]
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Each query embedded alone (as the service does), warm; with per-query latency."""
    embedder.embed_query("warm-up query")
    vectors, samples = {}, []
    for t in texts:
        v, ms = timed_ms(partial(embedder.embed_query, t))
        vectors[t] = v
        samples.append(ms)
    return vectors, samples


# =========================================================================== measuring


def in_transaction(
    db: Database, user_id: str, fn: Callable[[Connection[Any], frozenset[str]], Any]
) -> tuple[Any, float]:
    """Run ``fn(conn, acl)`` like the service: one transaction, principals read first."""
    started = time.perf_counter()
    with db.connection() as conn:
        acl = Copilot.principals(conn, org=ORG, user_id=user_id)
        out = fn(conn, acl)
    return out, (time.perf_counter() - started) * 1000.0


NAIVE_SQL = (
    "SELECT c.document_id, c.ord FROM chunks c"
    " WHERE c.org = %(org)s AND c.access && %(acl)s"
    " ORDER BY c.embedding <=> %(q)s LIMIT %(limit)s"
)


def naive_search(
    conn: Connection[Any], acl: frozenset[str], qvec: np.ndarray, *, limit: int
) -> list[tuple[str, int]]:
    """The peer baseline: plain pgvector HNSW, filter in WHERE, no iterative scan."""
    conn.execute("SET LOCAL hnsw.iterative_scan = off")
    conn.execute(f"SET LOCAL hnsw.ef_search = {NAIVE_EF_SEARCH}")
    rows = conn.execute(
        NAIVE_SQL, {"org": ORG, "acl": sorted(acl), "q": qvec, "limit": limit}
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def naive_plan(conn: Connection[Any], acl: frozenset[str], qvec: np.ndarray) -> str:
    conn.execute("SET LOCAL hnsw.iterative_scan = off")
    conn.execute(f"SET LOCAL hnsw.ef_search = {NAIVE_EF_SEARCH}")
    row = conn.execute(
        "EXPLAIN (FORMAT JSON) " + NAIVE_SQL,
        {"org": ORG, "acl": sorted(acl), "q": qvec, "limit": TOP_K},
    ).fetchone()
    assert row is not None
    return plan_summary(row[0][0]["Plan"])


def plan_summary(node: dict[str, Any]) -> str:
    """An EXPLAIN (FORMAT JSON) plan as one line, e.g. ``Limit > Index Scan(chunks_...)``."""
    label = node["Node Type"]
    if "Index Name" in node:
        label += f"({node['Index Name']})"
    kids = node.get("Plans", [])
    return label + (" > " + " + ".join(plan_summary(k) for k in kids) if kids else "")


def permitted_count(conn: Connection[Any], acl: frozenset[str]) -> int:
    row = conn.execute(
        "SELECT count(*) FROM chunks WHERE org = %s AND access && %s", (ORG, sorted(acl))
    ).fetchone()
    assert row is not None
    return int(row[0])


def recall_at(got: Sequence[tuple[str, int]], truth: Sequence[tuple[str, int]]) -> float:
    """Set overlap of the top ``len(truth)`` (≤ 10) with the exact top, over ``len(truth)``."""
    if not truth:
        return 1.0
    return len(set(got[:TOP_K]) & set(truth)) / len(truth)


def keys(hits: Sequence[ScoredChunk]) -> list[tuple[str, int]]:
    return [(h.document_id, h.ord) for h in hits]


@dataclass(frozen=True)
class Role:
    name: str
    user_id: str


def roles(chart: OrgChart) -> list[Role]:
    return [
        Role("rep", chart.reps[0]),
        Role("team manager", chart.managers[0]),
        Role("director", chart.directors[0]),
        Role("vp", chart.vp),
        Role("admin", chart.admin),
    ]


def measure_role(
    db: Database,
    role: Role,
    texts: Sequence[str],
    vectors: dict[str, np.ndarray],
    retriever: Retriever,
    hybrid: Retriever,
) -> tuple[dict[str, Any], list[list[tuple[str, int]]]]:
    """Recall and latency of one caller; also returns the exact top 10 of every query."""
    none = SearchFilters()
    keyword_limit = max(TOP_K * hybrid.candidates, 20)  # what Retriever.search asks for
    with db.connection() as conn:
        acl = Copilot.principals(conn, org=ORG, user_id=role.user_id)
        exact_n = permitted_count(conn, acl)
        plan, estimate = retriever.plan(conn, org=ORG, acl=acl, filters=none)
        naive = naive_plan(conn, acl, vectors[texts[0]])

    def exact(q: np.ndarray) -> Callable[[Connection[Any], frozenset[str]], Any]:
        return lambda conn, acl: store.vector_search_exact(
            conn, org=ORG, acl=acl, query_embedding=q, filters=none, limit=TOP_K
        )

    def planner(q: np.ndarray) -> Callable[[Connection[Any], frozenset[str]], Any]:
        return lambda conn, acl: retriever.vector_search(
            conn, org=ORG, acl=acl, query_embedding=q, filters=none, limit=TOP_K
        )

    def full(text: str) -> Callable[[Connection[Any], frozenset[str]], Any]:
        return lambda conn, acl: hybrid.search(conn, org=ORG, acl=acl, query=text, top_k=TOP_K)

    def peer(q: np.ndarray) -> Callable[[Connection[Any], frozenset[str]], Any]:
        return lambda conn, acl: naive_search(conn, acl, q, limit=TOP_K)

    def keyword(text: str) -> Callable[[Connection[Any], frozenset[str]], Any]:
        return lambda conn, acl: store.keyword_search(
            conn, org=ORG, acl=acl, query=text, filters=none, limit=keyword_limit
        )

    truth, exact_ms = [], []
    for t in texts:
        hits, ms = in_transaction(db, role.user_id, exact(vectors[t]))
        truth.append(keys(hits))
        exact_ms.append(ms)
    for t in texts[:WARMUP_QUERIES]:
        for fn in (planner(vectors[t]), full(t), keyword(t), peer(vectors[t])):
            in_transaction(db, role.user_id, fn)

    ours_ms, ours_recall, strategies, ours_short = [], [], Counter[str](), 0
    for t, want in zip(texts, truth, strict=True):
        (hits, strategy, _), ms = in_transaction(db, role.user_id, planner(vectors[t]))
        ours_ms.append(ms)
        ours_recall.append(recall_at(keys(hits), want))
        strategies[strategy] += 1
        ours_short += len(hits) < min(TOP_K, len(want))
    full_ms = [in_transaction(db, role.user_id, full(t))[1] for t in texts]
    keyword_ms = [in_transaction(db, role.user_id, keyword(t))[1] for t in texts]
    naive_ms, naive_recall, naive_short = [], [], 0
    for t, want in zip(texts, truth, strict=True):
        got, ms = in_transaction(db, role.user_id, peer(vectors[t]))
        naive_ms.append(ms)
        naive_recall.append(recall_at(got, want))
        naive_short += len(got) < min(TOP_K, len(want))

    ours, naive_lat = latency(ours_ms), latency(naive_ms)
    row = {
        "role": role.name,
        "user_id": role.user_id,
        "principals": len(acl),
        "permitted_exact": exact_n,
        "planner_estimate": estimate,
        "plan": plan,
        "strategies": dict(strategies),
        "recall_at_10": {"mean": float(np.mean(ours_recall)), "min": float(np.min(ours_recall))},
        "short_pages": ours_short,
        "latency_vector_ms": ours.as_dict(),
        "latency_hybrid_ms": latency(full_ms).as_dict(),
        "latency_keyword_ms": latency(keyword_ms).as_dict(),
        "keyword_limit": keyword_limit,
        "latency_exact_ms": latency(exact_ms).as_dict(),
        "naive": {
            "plan": naive,
            "recall_at_10": {
                "mean": float(np.mean(naive_recall)),
                "min": float(np.min(naive_recall)),
            },
            "short_pages": naive_short,
            "latency_ms": naive_lat.as_dict(),
        },
        "ours_over_naive_p50": ours.p50_ms / naive_lat.p50_ms,
        "ours_over_naive_p95": ours.p95_ms / naive_lat.p95_ms,
    }
    return row, truth


def measure_ef_search(
    db: Database,
    role: Role,
    texts: Sequence[str],
    vectors: dict[str, np.ndarray],
    truth: Sequence[Sequence[tuple[str, int]]],
    settings: Settings,
) -> list[dict[str, Any]]:
    """HNSW recall and latency of one caller as ``hnsw.ef_search`` grows."""
    none = SearchFilters()
    out = []
    for ef in EF_SEARCH_SWEEP:

        def hnsw(q: np.ndarray, ef: int = ef) -> Callable[[Connection[Any], frozenset[str]], Any]:
            return lambda conn, acl: store.vector_search_hnsw(
                conn,
                org=ORG,
                acl=acl,
                query_embedding=q,
                filters=none,
                limit=TOP_K,
                ef_search=ef,
                max_scan_tuples=settings.hnsw_max_scan_tuples,
            )

        for t in texts[:WARMUP_QUERIES]:
            in_transaction(db, role.user_id, hnsw(vectors[t]))
        samples, recalls, short = [], [], 0
        for t, want in zip(texts, truth, strict=True):
            hits, ms = in_transaction(db, role.user_id, hnsw(vectors[t]))
            samples.append(ms)
            recalls.append(recall_at(keys(hits), want))
            short += len(hits) < min(TOP_K, len(want))
        out.append(
            {
                "role": role.name,
                "ef_search": ef,
                "latency_ms": latency(samples).as_dict(),
                "recall_at_10": {"mean": float(np.mean(recalls)), "min": float(np.min(recalls))},
                "short_pages": short,
            }
        )
    return out


# =========================================================================== threshold sweep


def sweep_acls(db: Database, *, seed: int) -> list[tuple[int, frozenset[str], int]]:
    """``(target, acl, exact count)``: nested unions of owner principals near each target."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT p, count(*) FROM chunks, unnest(access) AS p"
            " WHERE org = %s AND p LIKE 'owner:%%' GROUP BY p ORDER BY p",
            (ORG,),
        ).fetchall()
        owners = [(r[0], int(r[1])) for r in rows]
        random.Random(seed).shuffle(owners)
        out = []
        for target in SWEEP_SIZES:
            acl: set[str] = set()
            total = 0
            for principal, n in owners:
                if total >= target:
                    break
                acl.add(principal)
                total += n
            frozen = frozenset(acl)
            out.append((target, frozen, permitted_count(conn, frozen)))
    return out


def measure_sweep(
    db: Database,
    texts: Sequence[str],
    vectors: dict[str, np.ndarray],
    settings: Settings,
    *,
    seed: int,
) -> list[dict[str, Any]]:
    none = SearchFilters()
    out = []
    for target, acl, exact_n in tqdm(
        sweep_acls(db, seed=seed), desc="threshold sweep", unit="size", **bar_opts()
    ):

        def exact(q: np.ndarray, acl: frozenset[str] = acl) -> list[ScoredChunk]:
            with db.connection() as conn:
                return store.vector_search_exact(
                    conn, org=ORG, acl=acl, query_embedding=q, filters=none, limit=TOP_K
                )

        def hnsw(q: np.ndarray, acl: frozenset[str] = acl) -> list[ScoredChunk]:
            with db.connection() as conn:
                return store.vector_search_hnsw(
                    conn,
                    org=ORG,
                    acl=acl,
                    query_embedding=q,
                    filters=none,
                    limit=TOP_K,
                    ef_search=settings.hnsw_ef_search,
                    max_scan_tuples=settings.hnsw_max_scan_tuples,
                )

        for t in texts[:WARMUP_QUERIES]:
            exact(vectors[t])
            hnsw(vectors[t])
        exact_ms, hnsw_ms, recalls, short = [], [], [], 0
        for t in texts:
            truth, ms = timed_ms(partial(exact, vectors[t]))
            exact_ms.append(ms)
            got, ms = timed_ms(partial(hnsw, vectors[t]))
            hnsw_ms.append(ms)
            recalls.append(recall_at(keys(got), keys(truth)))
            short += len(got) < min(TOP_K, len(truth))
        out.append(
            {
                "target": target,
                "permitted_exact": exact_n,
                "principals": len(acl),
                "exact_ms": latency(exact_ms).as_dict(),
                "hnsw_ms": latency(hnsw_ms).as_dict(),
                "hnsw_recall_at_10": {
                    "mean": float(np.mean(recalls)),
                    "min": float(np.min(recalls)),
                },
                "hnsw_short_pages": short,
            }
        )
    return out


def crossover(sweep: Sequence[dict[str, Any]], stat: str) -> str:
    """Where exact search first becomes slower than HNSW by ``stat`` (p50_ms or p95_ms)."""
    previous = None
    for row in sweep:
        if row["exact_ms"][stat] > row["hnsw_ms"][stat]:
            if previous is None:
                return f"exact is slower already at {row['permitted_exact']:,} chunks"
            return (
                f"between {previous['permitted_exact']:,} and {row['permitted_exact']:,} "
                f"permitted chunks"
            )
        previous = row
    return "exact is never slower than hnsw in the measured range"
