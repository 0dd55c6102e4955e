"""The search benchmark's command line and run: build or reuse, then measure and report."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from bench.common import OUT_DIR, bar_opts, bench_database, latency
from bench.search.config import DB_NAME, DERIVED_NOTE, EF_SEARCH_ROLES, JSON_PATH
from bench.search.corpus import build_corpus, load_build_meta, org_chart, reusable
from bench.search.embedders import CachedQueryEmbedder
from bench.search.measure import (
    embed_queries,
    measure_ef_search,
    measure_role,
    measure_sweep,
    query_texts,
    roles,
)
from bench.search.report import (
    print_build,
    print_ef_search,
    print_indexing,
    print_roles,
    print_sweep,
    print_targets,
    server_facts,
    write_json,
)
from bench.search.runtimes import run_runtimes
from copilot.settings import Settings
from embeddings import SentenceTransformerEmbedder
from retrieval.search import Retriever

__all__ = ["main", "parse_args"]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.search",
        description=(
            "Benchmark permission-aware search: indexing throughput, recall@10 and latency "
            "per role (rep, manager, director, VP, admin) against exact search and a naive "
            "pgvector peer, and the exact-vs-HNSW threshold. Prints tables and writes "
            f"{JSON_PATH.relative_to(JSON_PATH.parents[2])}. Only --real-chunks chunks get "
            "real model embeddings; the others get vectors derived from those (see the "
            "module docstring)."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--chunks", type=int, default=100_000, help="corpus size in chunks (all in one org)"
    )
    p.add_argument(
        "--real-chunks",
        type=int,
        default=2_000,
        help="chunks embedded by the real model (indexing throughput + vector pool)",
    )
    p.add_argument("--queries", type=int, default=50, help="query texts, run for every role")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=OUT_DIR / "pg",
        help="data dir of the embedded scratch server (ignored when "
        "COPILOT_DATABASE_URL is set); the bench uses database "
        f"{DB_NAME!r} there, dropped and recreated",
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep {DB_NAME!r} if it already holds >= --chunks chunks of a "
        "previous run (skips indexing and building)",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the sample generator and mixes")
    p.add_argument(
        "--runtimes",
        action="store_true",
        help="instead: compare query embedding on torch and ONNX Runtime through "
        "Copilot.search on the sample CRM (bench/search/runtimes.py)",
    )
    p.add_argument(
        "--docs-per-org", type=int, default=250, help="--runtimes: sample documents per org"
    )
    p.add_argument(
        "--doc-texts",
        type=int,
        default=256,
        help="--runtimes: chunk texts for the embed_documents and int8 comparisons",
    )
    args = p.parse_args(argv)
    if args.chunks < 1 or args.queries < 1 or not 2 <= args.real_chunks <= args.chunks:
        p.error("need --chunks >= 1, --queries >= 1 and 2 <= --real-chunks <= --chunks")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.runtimes:
        return run_runtimes(args)
    started = time.perf_counter()
    settings = Settings(data_dir=args.data_dir)
    print(
        f"crm-copilot search benchmark  ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    embedder = SentenceTransformerEmbedder(
        settings.embedding_model,
        batch_size=settings.embedding_batch_size,
    )
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    with bench_database(
        settings,
        dbname=DB_NAME,
        recreate=lambda url: not (args.reuse and reusable(url, chunks=args.chunks)),
    ) as (db, fresh):
        build = build_corpus(db, embedder, settings, args) if fresh else load_build_meta(db)
        facts = server_facts(db)
        results.update(server=facts, indexing=build.real, build=build.derived)
        print(
            f"PostgreSQL {facts['postgres']}, pgvector {facts['pgvector']}, shared_buffers "
            f"{facts['shared_buffers']}, work_mem {facts['work_mem']}, "
            f"database {DB_NAME!r} ({'built now' if fresh else 'reused'})"
        )
        print_indexing(build.real)
        print_build(build.derived, build.real, facts)
        write_json(results)

        texts = query_texts(build.queries, args.queries)
        vectors, embed_ms = embed_queries(embedder, texts)
        query_lat = latency(embed_ms).as_dict()
        retriever = Retriever(
            embedder,
            exact_max_chunks=settings.exact_search_max_chunks,
            ef_search=settings.hnsw_ef_search,
            max_scan_tuples=settings.hnsw_max_scan_tuples,
        )
        hybrid = Retriever(
            CachedQueryEmbedder(embedder, vectors),
            exact_max_chunks=settings.exact_search_max_chunks,
            ef_search=settings.hnsw_ef_search,
            max_scan_tuples=settings.hnsw_max_scan_tuples,
        )
        rows, truths = [], {}
        for role in tqdm(roles(org_chart()), desc="roles", unit="role", **bar_opts()):
            row, truths[role.name] = measure_role(db, role, texts, vectors, retriever, hybrid)
            row["corpus_chunks"] = facts["chunks"]
            rows.append(row)
        results.update(queries=texts, query_embedding_ms=query_lat, roles=rows)
        print_roles(rows, query_lat, settings)
        results["targets"] = print_targets(rows)
        write_json(results)

        ef_rows = [
            r
            for role in roles(org_chart())
            if role.name in EF_SEARCH_ROLES
            for r in measure_ef_search(db, role, texts, vectors, truths[role.name], settings)
        ]
        results["ef_search_sweep"] = ef_rows
        print_ef_search(ef_rows, settings)
        write_json(results)

        sweep = measure_sweep(db, texts, vectors, settings, seed=args.seed)
        results.update(sweep=sweep, crossover=print_sweep(sweep, settings))
    results["runtime_s"] = time.perf_counter() - started
    results["load_average_end"] = os.getloadavg()
    results["note"] = DERIVED_NOTE.format(
        real=build.real["chunks"], derived=facts["chunks"] - build.real["chunks"]
    )
    write_json(results)
    print(
        f"\ntotal runtime {results['runtime_s']:.0f}s (load average at the end "
        f"{results['load_average_end'][0]:.2f}); figures written to {JSON_PATH}"
    )
    return 0
