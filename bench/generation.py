"""Latency of the offline engine end to end: call summary, ask, next-best actions.

Indexes the seeded sample CRM into a scratch database on the embedded server (or
``COPILOT_DATABASE_URL``), then times each operation through the service layer exactly
as the API runs it: the caller's principals, row-level security, retrieval, the engine,
the summary cache. The model is loaded once before timing; query embedding is included
in ``ask`` (it is part of answering). Summaries are timed twice: cold (computed) and
warm (served from the cache). Target: p95 < 300 ms on a 2-core CPU.

Example:
    .venv/bin/python -m bench.generation --docs-per-org 300
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any

from bench.common import OUT_DIR, bench_database, format_table, latency, timed_ms
from copilot import sample
from copilot.service import Copilot
from copilot.settings import Settings


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs-per-org", type=int, default=300, help="sample size per org")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=60, help="timed calls per operation")
    parser.add_argument("--reuse", action="store_true", help="keep an indexed scratch db")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    crm = sample.generate(args.seed, docs_per_org=args.docs_per_org)
    records = crm.records
    settings = Settings(data_dir=OUT_DIR / "gen-data")
    with bench_database(
        settings, dbname="copilot_bench_generation", recreate=lambda url: not args.reuse
    ) as (db, fresh):
        cp = Copilot(db, _embedder(settings), settings)
        if fresh or not args.reuse:
            report, ms = timed_ms(lambda: cp.indexer(progress=True).ingest_dicts(records))
            print(f"indexed: {report.summary()}")
        rng = random.Random(args.seed)
        org = records[0]["org"]
        users = [r for r in records if r["type"] == "user" and r["org"] == org]
        admin = next(u["id"] for u in users if u["role"] == "admin")
        calls = [r["id"] for r in records if r["type"] == "call" and r["org"] == org]
        accounts = [r["id"] for r in records if r["type"] == "account" and r["org"] == org]
        questions = [q.text for q in crm.questions if q.org == org]
        rng.shuffle(calls)
        now = max(datetime.fromisoformat(r["occurred_at"]) for r in records if "occurred_at" in r)
        now = now.astimezone(UTC)
        assistant = cp.assistant
        assistant.warm()
        n = args.samples
        # Warm-up: connection pools, the tokenizer, first query plans.
        cp.search(org=org, user_id=admin, query="warm up", top_k=5)

        rows: dict[str, list[float]] = {}
        cold = [
            timed_ms(partial(assistant.summarize_call, org=org, user_id=admin, document_id=c))[1]
            for c in calls[:n]
        ]
        rows["call summary (cold: computed)"] = cold
        warm = [
            timed_ms(partial(assistant.summarize_call, org=org, user_id=admin, document_id=c))[1]
            for c in calls[:n]
        ]
        rows["call summary (warm: cached)"] = warm
        rows["ask (retrieval + answer)"] = [
            timed_ms(partial(assistant.ask, org=org, user_id=admin, question=q))[1]
            for q in (questions * 3)[:n]
        ]
        rows["next-best actions (account)"] = [
            timed_ms(
                partial(assistant.next_best_actions, org=org, user_id=admin, account_id=a, now=now)
            )[1]
            for a in (accounts * 3)[:n]
        ]
        table = []
        results: dict[str, Any] = {}
        for name, samples in rows.items():
            lat = latency(samples)
            results[name] = lat.as_dict()
            table.append(
                [
                    name,
                    lat.n,
                    round(lat.p50_ms, 1),
                    round(lat.p95_ms, 1),
                    round(lat.max_ms, 1),
                    "yes" if lat.p95_ms < 300 else "NO",
                ]
            )
        print(
            f"\noffline engine, org {org!r} as admin {admin}, {len(records)} records, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
        )
        print(format_table(["operation", "n", "p50 ms", "p95 ms", "max ms", "p95 < 300"], table))
        OUT_DIR.mkdir(parents=True, exist_ok=True)
        (OUT_DIR / "generation.json").write_text(json.dumps(results, indent=2))
    return 0


def _embedder(settings: Settings) -> Any:
    """The model as the API loads it (``COPILOT_EMBEDDING_BACKEND``: ONNX queries by
    default, ``torch`` for sentence-transformers only)."""
    from embeddings import load_embedder

    return load_embedder(
        settings.embedding_model,
        runtime=settings.embedding_backend,
        cache_dir=settings.model_cache_dir,
        batch_size=settings.embedding_batch_size,
    )


if __name__ == "__main__":
    sys.exit(main())
