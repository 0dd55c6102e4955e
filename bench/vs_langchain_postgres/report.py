"""Reporting: the setup, the per-role tables and the JSON figures."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import format_table
from bench.search.config import DB_NAME, ORG, TOP_K
from bench.vs_langchain_postgres.langchain_side import LC_TABLE


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 86 - len(title)), flush=True)


def print_setup(
    facts: dict[str, Any], lc_facts: dict[str, Any], load: dict[str, Any], args: argparse.Namespace
) -> None:
    section("Setup")
    print(
        f"PostgreSQL {facts['postgres']}, pgvector {facts['pgvector']}, shared_buffers "
        f"{facts['shared_buffers']}, work_mem {facts['work_mem']}; database {DB_NAME!r}, "
        f"{facts['chunks']:,} chunks in org {ORG!r}"
    )
    print(
        format_table(
            ["store", "embedding", "table (total)", "HNSW index", "index options", "query options"],
            [
                [
                    "ours: chunks",
                    "halfvec(384)",
                    facts["chunks_table_size"],
                    facts["hnsw_index_size"],
                    "m 16, ef_construction 64",
                    f"planner: exact <= {args.exact_max:,} permitted, else ef_search "
                    f"{args.our_ef_search}, iterative scan",
                ],
                [
                    f"langchain: {LC_TABLE}",
                    lc_facts["embedding_type"],
                    lc_facts["table_size"],
                    lc_facts["hnsw_index_size"],
                    "HNSWIndex() m 16, ef_construction 64",
                    f"HNSWQueryOptions(ef_search={args.langchain_ef_search})",
                ],
            ],
        )
    )
    if "load_s" not in load:
        print(f"langchain table reused ({load['rows']:,} rows; no load record on it)")
    else:
        reused = f" (table reused, loaded {load['loaded_at']})" if load.get("reused") else ""
        print(
            f"langchain load{reused}: {load['rows']:,} rows via add_embeddings in batches of "
            f"{load['batch_rows']:,} in {load['load_s']:.0f} s ({load['rows_per_s']:.0f} rows/s, "
            f"HNSW maintained per insert), ANALYZE {load['analyze_ms']:.0f} ms"
        )
    print(
        "langchain filter: {'$or': [{'access': {'$like': '%|<principal>|%'}}, ...]} over a TEXT "
        "column '|p1|p2|...|' (no list-overlap operator in langchain-postgres 0.0.19)"
    )
    print(f"langchain driver: {args.langchain_driver} (SQLAlchemy async engine)")


def print_roles(rows: Sequence[dict[str, Any]]) -> None:
    section(f"Recall@{TOP_K} vs the exact permitted answer, and latency (ms)")
    print(
        format_table(
            ["role", "principals", "permitted", "% corpus", "our plan", "their plan"],
            [
                [
                    r["role"],
                    r["principals"],
                    r["permitted"],
                    f"{100 * r['permitted_share']:.1f}%",
                    ", ".join(f"{k} {v}" for k, v in sorted(r["ours"]["strategies"].items())),
                    r["theirs"]["plan"],
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
                "ours recall",
                "min",
                "short",
                "theirs recall",
                "min",
                "short",
                "ours p50",
                "p95",
                "theirs p50",
                "p95",
                "ours/theirs p50",
                "p95",
            ],
            [
                [
                    r["role"],
                    r["ours"]["recall_at_10"]["mean"],
                    r["ours"]["recall_at_10"]["min"],
                    r["ours"]["short_pages"],
                    r["theirs"]["recall_at_10"]["mean"],
                    r["theirs"]["recall_at_10"]["min"],
                    r["theirs"]["short_pages"],
                    r["ours"]["latency_ms"]["p50_ms"],
                    r["ours"]["latency_ms"]["p95_ms"],
                    r["theirs"]["latency_ms"]["p50_ms"],
                    r["theirs"]["latency_ms"]["p95_ms"],
                    r["ours_over_theirs_p50"],
                    r["ours_over_theirs_p95"],
                ]
                for r in rows
            ],
        )
    )
    n = rows[0]["ours"]["latency_ms"]["n"]
    print(
        f"{n} queries per role. short = results with fewer hits than the exact answer. "
        "ours/theirs < 1 means ours is faster. Principals are read once per role, outside "
        "both timings; query embedding excluded from both."
    )


def write_json(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
