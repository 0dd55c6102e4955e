"""The comparison's command line and run: corpus, langchain table, then every role."""

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

import numpy as np
from tqdm import tqdm

from bench.common import OUT_DIR, bar_opts, bench_database
from bench.search.config import DB_NAME
from bench.search.corpus import build_corpus, load_build_meta, org_chart, reusable
from bench.search.measure import embed_queries, query_texts, roles
from bench.search.report import server_facts
from bench.vs_langchain_postgres.langchain_side import (
    LC_INDEX,
    LangchainSide,
    langchain_facts,
    lc_row_count,
    load_langchain,
    read_load_record,
)
from bench.vs_langchain_postgres.measure import measure_role
from bench.vs_langchain_postgres.report import print_roles, print_setup, write_json
from copilot.settings import Settings
from embeddings import SentenceTransformerEmbedder
from retrieval.search import Retriever

__all__ = ["main", "parse_args"]

JSON_PATH = OUT_DIR / "vs_langchain_postgres.json"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench.vs_langchain_postgres",
        description=(
            "Load bench.search's corpus (same chunks, vectors and access lists) into "
            "langchain-postgres's PGVectorStore in the same database, run the same queries "
            "for the same callers (rep, manager, director, VP, admin) through both, and "
            "print recall@10 against the exact permitted answer, p50/p95 latency and our/"
            "their latency ratio. See the module docstring for the filter form and what "
            "each timing includes."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep {DB_NAME!r} if it holds >= --chunks chunks, and the langchain table if it "
        "holds exactly as many rows as there are chunks; otherwise build/load them",
    )
    p.add_argument("--queries", type=int, default=50, help="query texts, run for every role")
    p.add_argument(
        "--chunks", type=int, default=100_000, help="corpus size when the corpus is (re)built"
    )
    p.add_argument(
        "--real-chunks",
        type=int,
        default=2_000,
        help="chunks embedded by the real model when the corpus is (re)built",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the corpus build")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=OUT_DIR / "pg",
        help="data dir of the embedded scratch server (ignored when COPILOT_DATABASE_URL "
        "is set), shared with bench.search",
    )
    p.add_argument(
        "--langchain-driver",
        choices=("psycopg", "asyncpg"),
        default="psycopg",
        help="driver of langchain's SQLAlchemy async engine (psycopg: the same as ours)",
    )
    p.add_argument(
        "--langchain-ef-search",
        type=int,
        default=None,
        help="hnsw.ef_search through HNSWQueryOptions; unset means our own hnsw_ef_search "
        "setting (langchain without query options gets pgvector's default, 40)",
    )
    p.add_argument(
        "--load-batch", type=int, default=1_000, help="rows per add_embeddings call when loading"
    )
    p.add_argument("--json", type=Path, default=JSON_PATH, help="where to write the figures")
    args = p.parse_args(argv)
    if args.chunks < 1 or args.queries < 1 or not 2 <= args.real_chunks <= args.chunks:
        p.error("need --chunks >= 1, --queries >= 1 and 2 <= --real-chunks <= --chunks")
    if args.load_batch < 1 or (
        args.langchain_ef_search is not None and args.langchain_ef_search < 1
    ):
        p.error("need --load-batch >= 1 and --langchain-ef-search >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    settings = Settings(data_dir=args.data_dir)
    args.langchain_ef_search = args.langchain_ef_search or settings.hnsw_ef_search
    args.our_ef_search = settings.hnsw_ef_search
    args.exact_max = settings.exact_search_max_chunks
    print(
        f"crm-copilot vs langchain-postgres  ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
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
        results.update(server=facts, corpus="built now" if fresh else "reused")
        lc = LangchainSide(
            db.url,
            driver=args.langchain_driver,
            dim=embedder.dim,
            ef_search=args.langchain_ef_search,
        )
        try:
            rows_there = lc_row_count(db)
            if args.reuse and rows_there == facts["chunks"] and lc.store.is_valid_index(LC_INDEX):
                load: dict[str, Any] = {"rows": rows_there, **read_load_record(db), "reused": True}
            else:
                load = load_langchain(db, lc, batch_rows=args.load_batch)
            lc_facts = langchain_facts(db)
            results.update(langchain={**lc_facts, "load": load})
            print_setup(facts, lc_facts, load, args)

            texts = query_texts(build.queries, args.queries)
            vectors, _ = embed_queries(embedder, texts)
            queries = [np.asarray(vectors[t], dtype=np.float16).astype(np.float32) for t in texts]
            retriever = Retriever(
                embedder,
                exact_max_chunks=settings.exact_search_max_chunks,
                ef_search=settings.hnsw_ef_search,
                max_scan_tuples=settings.hnsw_max_scan_tuples,
            )
            rows = [
                measure_role(db, lc, retriever, role, queries, facts["chunks"])
                for role in tqdm(roles(org_chart()), desc="roles", unit="role", **bar_opts())
            ]
        finally:
            lc.close()
    results.update(queries=texts, roles=rows)
    print_roles(rows)
    results["runtime_s"] = time.perf_counter() - started
    results["load_average_end"] = os.getloadavg()
    write_json(args.json, results)
    print(
        f"\ntotal runtime {results['runtime_s']:.0f}s (load average at the end "
        f"{results['load_average_end'][0]:.2f}); figures written to {args.json}"
    )
    return 0
