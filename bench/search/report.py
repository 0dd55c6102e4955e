"""Reporting: server facts, the printed tables and ``bench/out/search.json``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bench.common import format_table
from bench.search.config import (
    DERIVED_NOTE,
    JSON_PATH,
    N_TEAMS,
    NAIVE_EF_SEARCH,
    ORG,
    REPS_PER_TEAM,
    TEAMS_PER_DIRECTOR,
    TOP_K,
    VISIBILITY_WEIGHTS,
)
from bench.search.measure import crossover
from copilot.db import Database
from copilot.settings import Settings


def server_facts(db: Database) -> dict[str, Any]:
    with db.connection() as conn:
        version = conn.execute("SHOW server_version").fetchone()
        vector = conn.execute(
            "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()
        gucs = {
            g: conn.execute(f"SHOW {g}").fetchone()[0]  # type: ignore[index]
            for g in (
                "shared_buffers",
                "work_mem",
                "effective_cache_size",
                "max_parallel_workers_per_gather",
                "jit",
            )
        }
        counts = conn.execute(
            "SELECT (SELECT count(*) FROM documents WHERE org = %(o)s),"
            " (SELECT count(*) FROM chunks WHERE org = %(o)s),"
            " pg_size_pretty(pg_total_relation_size('chunks')),"
            " pg_size_pretty(pg_relation_size('chunks_embedding_hnsw')),"
            " pg_size_pretty(pg_relation_size('chunks_access_idx'))",
            {"o": ORG},
        ).fetchone()
        vis = dict(
            conn.execute(
                "SELECT visibility, count(*) FROM documents WHERE org = %s GROUP BY 1", (ORG,)
            ).fetchall()
        )
        shared = conn.execute(
            "SELECT count(*) FROM documents WHERE org = %s AND cardinality(shared_with) > 0", (ORG,)
        ).fetchone()
    assert version and vector and counts and shared
    return {
        "postgres": version[0],
        "pgvector": vector[0],
        **gucs,
        "documents": counts[0],
        "chunks": counts[1],
        "chunks_table_size": counts[2],
        "hnsw_index_size": counts[3],
        "access_gin_size": counts[4],
        "visibility_documents": vis,
        "shared_documents": shared[0],
    }


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 86 - len(title)), flush=True)


def print_indexing(real: dict[str, Any]) -> None:
    section("1. Indexing throughput (real model, torch CPU)")
    if "reused_from" in real:
        print(f"(corpus reused: figures from the build of {real['reused_from']})")
    print(
        format_table(
            ["what", "chunks", "seconds", "chunks/s"],
            [
                [
                    "Indexer pipeline (parse, chunk, embed, write)",
                    real["chunks"],
                    real["pipeline_s"],
                    real["pipeline_chunks_per_s"],
                ],
                [
                    "  of which inside embed_documents",
                    real["texts_embedded"],
                    real["embed_inside_pipeline_s"],
                    real["texts_embedded"] / real["embed_inside_pipeline_s"],
                ],
                [
                    "embed_documents alone, same texts, one call",
                    real["texts_embedded"],
                    real["raw_s"],
                    real["raw_chunks_per_s"],
                ],
                [
                    f"embed_documents alone, same {real['embed_calls_in_pipeline']} calls "
                    "as the pipeline",
                    real["texts_embedded"],
                    real["raw_same_batches_s"],
                    real["raw_same_batches_chunks_per_s"],
                ],
            ],
        )
    )
    print(
        f"pipeline / raw throughput: {real['pipeline_over_raw']:.3f} (one call), "
        f"{real['pipeline_over_raw_same_batches']:.3f} (same calls)   "
        f"mean tokens per embedded text: {real['mean_text_tokens']:.0f}   "
        f"batch size: {real['batch_size']}   "
        f"max |raw - pipeline| vector diff: {real['raw_vs_pipeline_max_abs_diff']:.2e}"
    )


def print_build(derived: dict[str, Any], real: dict[str, Any], facts: dict[str, Any]) -> None:
    section("2. Corpus")
    print(
        DERIVED_NOTE.format(
            real=f"{real['chunks']:,}", derived=f"{facts['chunks'] - real['chunks']:,}"
        )
    )
    if "reused_from" in derived:
        print(f"(corpus reused from the build of {derived['reused_from']})")
    print(
        f"org {ORG!r}: {N_TEAMS} teams x {REPS_PER_TEAM} reps, {N_TEAMS} managers, "
        f"{N_TEAMS // TEAMS_PER_DIRECTOR} directors, 1 VP, 1 admin; "
        f"{facts['documents']:,} documents, {facts['chunks']:,} chunks"
    )
    vis, total = facts["visibility_documents"], facts["documents"]
    print(
        "visibility: "
        + ", ".join(f"{k} {100 * vis.get(k, 0) / total:.1f}%" for k in VISIBILITY_WEIGHTS)
        + f"; shared_with set on {100 * facts['shared_documents'] / total:.1f}%"
    )
    print(
        f"sizes: chunks table {facts['chunks_table_size']}, HNSW index "
        f"{facts['hnsw_index_size']}, access GIN {facts['access_gin_size']}"
    )
    if "seconds" in derived:
        print(
            format_table(
                ["derived-vector build", "chunks", "seconds", "chunks/s"],
                [
                    [
                        "Indexer with stand-in embedder",
                        derived["chunks"],
                        derived["seconds"],
                        derived["chunks_per_s"],
                    ],
                    ["  deriving vectors", derived["chunks"], derived["derive_vectors_s"], ""],
                    [
                        "  tokenizer (count_tokens, for chunking)",
                        derived["count_tokens_calls"],
                        derived["count_tokens_s"],
                        "",
                    ],
                    ["  rest: parse, validate, chunk, SQL", "", derived["rest_s"], ""],
                ],
            )
        )
        print(
            f"ingest calls: {derived['ingest_calls']}; whole build incl. real phase: "
            f"{derived['total_build_s']:.0f}s; one refresh_principal_counts at the end: "
            f"{derived['refresh_principal_counts_ms_at_end']:.0f} ms"
        )


def print_roles(
    rows: Sequence[dict[str, Any]], query_lat: dict[str, Any], settings: Settings
) -> None:
    section("3. Search per role (top 10, warm, one transaction per query incl. principals)")
    print(
        f"planner: exact_search_max_chunks={settings.exact_search_max_chunks:,}, "
        f"hnsw ef_search={settings.hnsw_ef_search}, "
        f"max_scan_tuples={settings.hnsw_max_scan_tuples:,}"
    )
    print(
        format_table(
            [
                "role",
                "user",
                "principals",
                "permitted (exact)",
                "% corpus",
                "estimate",
                "plan",
                "strategies used",
            ],
            [
                [
                    r["role"],
                    r["user_id"],
                    r["principals"],
                    r["permitted_exact"],
                    f"{100 * r['permitted_exact'] / r['corpus_chunks']:.1f}%",
                    r["planner_estimate"],
                    r["plan"],
                    ", ".join(f"{k} {v}" for k, v in sorted(r["strategies"].items())),
                ]
                for r in rows
            ],
        )
    )
    print()
    print(
        format_table(
            [
                "role",
                "recall@10 mean",
                "min",
                "vector p50",
                "p95",
                "hybrid p50",
                "p95",
                "keyword p50",
                "p95",
                "exact p50",
                "p95",
            ],
            [
                [
                    r["role"],
                    r["recall_at_10"]["mean"],
                    r["recall_at_10"]["min"],
                    r["latency_vector_ms"]["p50_ms"],
                    r["latency_vector_ms"]["p95_ms"],
                    r["latency_hybrid_ms"]["p50_ms"],
                    r["latency_hybrid_ms"]["p95_ms"],
                    r["latency_keyword_ms"]["p50_ms"],
                    r["latency_keyword_ms"]["p95_ms"],
                    r["latency_exact_ms"]["p50_ms"],
                    r["latency_exact_ms"]["p95_ms"],
                ]
                for r in rows
            ],
        )
    )
    print(
        "ms. vector = Retriever.vector_search (planner); hybrid = Retriever.search(top_k=10), "
        "vector + keyword + fusion, query embedding excluded; keyword = store.keyword_search "
        f"alone (limit {rows[0]['keyword_limit']}, as the hybrid asks); exact = "
        "store.vector_search_exact (the ground truth). All include the transaction and "
        "Copilot.principals."
    )
    print(
        f"query embedding alone (embed_query, {query_lat['n']} queries): "
        f"p50 {query_lat['p50_ms']:.1f} ms, p95 {query_lat['p95_ms']:.1f} ms"
    )
    print()
    print(
        f"naive peer: pgvector HNSW, access filter in WHERE, iterative scan off, "
        f"ef_search {NAIVE_EF_SEARCH}, ORDER BY embedding <=> q LIMIT {TOP_K}"
    )
    print(
        format_table(
            [
                "role",
                "naive recall@10",
                "min",
                "short pages",
                "naive p50",
                "p95",
                "ours/naive p50",
                "p95",
                "naive plan",
            ],
            [
                [
                    r["role"],
                    r["naive"]["recall_at_10"]["mean"],
                    r["naive"]["recall_at_10"]["min"],
                    r["naive"]["short_pages"],
                    r["naive"]["latency_ms"]["p50_ms"],
                    r["naive"]["latency_ms"]["p95_ms"],
                    r["ours_over_naive_p50"],
                    r["ours_over_naive_p95"],
                    r["naive"]["plan"],
                ]
                for r in rows
            ],
        )
    )


def print_targets(rows: Sequence[dict[str, Any]]) -> list[str]:
    section("Targets: recall@10 >= 0.98 for every role, search p95 < 50 ms")
    verdicts = []
    for r in rows:
        rec, p95, hp95 = (
            r["recall_at_10"]["mean"],
            r["latency_vector_ms"]["p95_ms"],
            r["latency_hybrid_ms"]["p95_ms"],
        )
        verdicts.append(
            f"{r['role']:<13} recall {rec:.3f} {'ok' if rec >= 0.98 else 'MISSED'}; "
            f"vector p95 {p95:.1f} ms {'ok' if p95 < 50 else 'MISSED'}; "
            f"hybrid p95 {hp95:.1f} ms {'ok' if hp95 < 50 else 'MISSED'}"
        )
    print("\n".join(verdicts))
    return verdicts


def print_ef_search(rows: Sequence[dict[str, Any]], settings: Settings) -> None:
    section("HNSW ef_search sensitivity (store.vector_search_hnsw, iterative scan relaxed_order)")
    print(
        f"same queries and exact truth as above; max_scan_tuples="
        f"{settings.hnsw_max_scan_tuples:,}; the planner uses ef_search={settings.hnsw_ef_search}"
    )
    print(
        format_table(
            ["role", "ef_search", "recall@10 mean", "min", "short pages", "p50 ms", "p95 ms"],
            [
                [
                    r["role"],
                    r["ef_search"],
                    r["recall_at_10"]["mean"],
                    r["recall_at_10"]["min"],
                    r["short_pages"],
                    r["latency_ms"]["p50_ms"],
                    r["latency_ms"]["p95_ms"],
                ]
                for r in rows
            ],
        )
    )


def print_sweep(rows: Sequence[dict[str, Any]], settings: Settings) -> dict[str, str]:
    section("4. Threshold sweep: store.vector_search_exact vs store.vector_search_hnsw")
    print(
        f"ACL = union of owner:<user> principals; hnsw ef_search={settings.hnsw_ef_search}, "
        f"max_scan_tuples={settings.hnsw_max_scan_tuples:,}, iterative scan relaxed_order; "
        "ms for the store call in its own transaction"
    )
    print(
        format_table(
            [
                "target",
                "permitted",
                "principals",
                "exact p50",
                "p95",
                "hnsw p50",
                "p95",
                "hnsw recall@10",
                "min",
                "hnsw short",
            ],
            [
                [
                    r["target"],
                    r["permitted_exact"],
                    r["principals"],
                    r["exact_ms"]["p50_ms"],
                    r["exact_ms"]["p95_ms"],
                    r["hnsw_ms"]["p50_ms"],
                    r["hnsw_ms"]["p95_ms"],
                    r["hnsw_recall_at_10"]["mean"],
                    r["hnsw_recall_at_10"]["min"],
                    r["hnsw_short_pages"],
                ]
                for r in rows
            ],
        )
    )
    found = {"p50": crossover(rows, "p50_ms"), "p95": crossover(rows, "p95_ms")}
    print(f"crossover (exact slower than hnsw): p50 {found['p50']}; p95 {found['p95']}")
    print(f"planner threshold exact_search_max_chunks = {settings.exact_search_max_chunks:,}")
    return found


def write_json(results: dict[str, Any]) -> None:
    JSON_PATH.parent.mkdir(parents=True, exist_ok=True)
    JSON_PATH.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
