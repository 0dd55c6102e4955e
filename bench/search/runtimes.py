"""Query embedding on torch vs ONNX Runtime, through the service, in one run.

``python -m bench.search --runtimes`` indexes the sample CRM (``--docs-per-org`` per org,
torch vectors) into a dedicated database, then, on that one corpus:

1. ``Copilot.search`` (top 10) as a rep, a manager and an admin, for every sample
   question, with a torch-query service and an ONNX-query service over the same database,
   alternating which goes first per query so load drifts hit both alike: p50/p95 and the
   ONNX/torch ratio (issue 13 target: p50 <= 0.5x), and whether the ranked ids agree;
2. ``embed_query`` alone on each runtime;
3. ``embed_documents`` of the corpus's chunk texts on each runtime (decides whether
   documents should use ONNX too);
4. int8: its cosine with torch's fp32 vectors, its query latency, and its top-10 overlap
   with fp32 by exact ranking over the corpus (what a full int8 reindex would return).

Figures are printed and written to ``bench/out/search-runtimes.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import OUT_DIR, bench_database, format_table, latency, timed_ms
from bench.search.embedders import RecordingEmbedder
from copilot import sample
from copilot.demo import pick_demo_users
from copilot.service import Copilot
from copilot.settings import Settings
from embeddings import SentenceTransformerEmbedder, load_embedder

__all__ = ["run_runtimes"]

DB_NAME = "copilot_bench_runtimes"
JSON_PATH = OUT_DIR / "search-runtimes.json"
TOP_K = 10


def _stats(samples: Sequence[float]) -> dict[str, float]:
    return latency(samples).as_dict()


def _alternating(
    calls: Sequence[tuple[str, Callable[[], Any]]], rounds: int
) -> tuple[dict[str, list[float]], list[list[Any]]]:
    """Each pair of calls timed in alternating order; returns ms per name and outputs."""
    ms: dict[str, list[float]] = {}
    outs: list[list[Any]] = []
    for i in range(rounds):
        order = list(calls) if i % 2 == 0 else list(reversed(calls))
        row: dict[str, Any] = {}
        for name, fn in order:
            out, took = timed_ms(fn)
            ms.setdefault(name, []).append(took)
            row[name] = out
        outs.append([row[name] for name, _ in calls])
    return ms, outs


def _top_ids(queries: np.ndarray, docs: np.ndarray) -> list[list[int]]:
    scores = queries @ docs.T
    return [list(np.argsort(-row, kind="stable")[:TOP_K]) for row in scores]


def _build(cp: Copilot, docs_per_org: int, seed: int) -> tuple[list[dict[str, Any]], Any]:
    crm = sample.generate(seed, docs_per_org=docs_per_org)
    with tempfile.TemporaryDirectory(prefix="bench-runtimes-") as tmp:
        path = sample.write_sample(crm, Path(tmp))
        started = time.perf_counter()
        report = cp.indexer(progress=False).ingest_paths([path])
    print(f"indexed: {report.summary()} in {time.perf_counter() - started:.1f}s", flush=True)
    return crm.records, crm.truth()


def run_runtimes(args: argparse.Namespace) -> int:
    settings = Settings(data_dir=args.data_dir)
    cache = settings.model_cache_dir
    print(
        f"query embedding runtimes  ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{os.cpu_count()} cpus, load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    torch_emb = SentenceTransformerEmbedder(
        settings.embedding_model, batch_size=settings.embedding_batch_size
    )
    started = time.perf_counter()
    onnx_emb = load_embedder(settings.embedding_model, runtime="onnx", cache_dir=cache)
    onnx_load_s = time.perf_counter() - started
    if onnx_emb.runtime != "onnx":
        raise SystemExit("ONNX query embedding is unavailable here (see the warning above)")
    int8_emb = load_embedder(settings.embedding_model, runtime="onnx-int8", cache_dir=cache)
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    results["onnx_load_s"] = round(onnx_load_s, 2)
    recorder = RecordingEmbedder(torch_emb)
    with bench_database(settings, dbname=DB_NAME, recreate=lambda url: True) as (db, _):
        cp_torch = Copilot(db, recorder, settings)  # type: ignore[arg-type]
        records, truth = _build(cp_torch, args.docs_per_org, args.seed)
        cp_onnx = Copilot(db, onnx_emb, settings)
        org, who = pick_demo_users(records)
        questions = [q.text for q in truth.questions if q.org == org][: args.queries]
        users = list(who.values())
        for cp in (cp_torch, cp_onnx):  # warm pools, plans and both models
            cp.search(org=org, user_id=users[0], query="warm-up", top_k=TOP_K)

        search_ms: dict[str, list[float]] = {"torch": [], "onnx": []}
        same = 0
        for q in questions:
            for uid in users:
                ms, outs = _alternating(
                    [
                        (
                            "torch",
                            lambda q=q, u=uid: cp_torch.search(
                                org=org, user_id=u, query=q, top_k=TOP_K
                            ),
                        ),
                        (
                            "onnx",
                            lambda q=q, u=uid: cp_onnx.search(
                                org=org, user_id=u, query=q, top_k=TOP_K
                            ),
                        ),
                    ],
                    rounds=2,
                )
                for name in search_ms:
                    search_ms[name] += ms[name]
                t_hits, o_hits = outs[0]
                same += [(h.document_id, h.ord) for h in t_hits.hits] == [
                    (h.document_id, h.ord) for h in o_hits.hits
                ]
        searches = len(questions) * len(users)
        search = {name: _stats(v) for name, v in search_ms.items()}
        ratio = search["onnx"]["p50_ms"] / search["torch"]["p50_ms"]
        results["search"] = {
            **search,
            "p50_ratio_onnx_over_torch": round(ratio, 3),
            "identical_rankings": f"{same}/{searches}",
        }

        embed_ms: dict[str, list[float]] = {"torch": [], "onnx": [], "onnx-int8": []}
        for q in questions:
            ms, _ = _alternating(
                [
                    ("torch", lambda q=q: torch_emb.embed_query(q)),
                    ("onnx", lambda q=q: onnx_emb.embed_query(q)),
                    ("onnx-int8", lambda q=q: int8_emb.embed_query(q)),
                ],
                rounds=4,
            )
            for name in embed_ms:
                embed_ms[name] += ms[name]
        results["embed_query"] = {name: _stats(v) for name, v in embed_ms.items()}

        chunk_texts = recorder.texts[: args.doc_texts]
        torch_vecs = np.concatenate(recorder.vectors)[: len(chunk_texts)]
        doc_ms, doc_outs = _alternating(
            [
                ("torch", lambda: torch_emb.embed_documents(chunk_texts)),
                ("onnx", lambda: onnx_emb.encoder.encode(chunk_texts)),
            ],
            rounds=2,
        )
        results["embed_documents"] = {
            "texts": len(chunk_texts),
            **{f"{name}_s": [round(v / 1000, 2) for v in vals] for name, vals in doc_ms.items()},
            "onnx_cosine_min": round(min_cos(doc_outs[0][1], torch_vecs), 7),
        }

        int8_docs = int8_emb.embed_documents(chunk_texts)
        q_fp32 = np.stack([torch_emb.embed_query(q) for q in questions])
        q_int8 = np.stack([int8_emb.embed_query(q) for q in questions])
        top_fp32 = _top_ids(q_fp32, torch_vecs)
        top_int8 = _top_ids(q_int8, int8_docs)
        overlap = [len(set(a) & set(b)) / TOP_K for a, b in zip(top_fp32, top_int8, strict=True)]
        doc_cos = (int8_docs * torch_vecs).sum(axis=1)
        results["int8"] = {
            "model_id": int8_emb.model_id,
            "doc_cosine_min": round(float(doc_cos.min()), 4),
            "doc_cosine_mean": round(float(doc_cos.mean()), 4),
            "query_cosine_min": round(float((q_fp32 * q_int8).sum(axis=1).min()), 4),
            "top10_overlap_mean": round(float(np.mean(overlap)), 3),
            "top10_overlap_min": round(float(np.min(overlap)), 3),
            "queries": len(questions),
            "corpus_chunks": len(chunk_texts),
        }
    _print(results, searches)
    JSON_PATH.parent.mkdir(parents=True, exist_ok=True)
    JSON_PATH.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"figures written to {JSON_PATH}")
    return 0


def min_cos(a: np.ndarray, b: np.ndarray) -> float:
    return float((np.asarray(a) * np.asarray(b)).sum(axis=1).min())


def _print(results: dict[str, Any], searches: int) -> None:
    s, e = results["search"], results["embed_query"]
    print(f"\nCopilot.search (top {TOP_K}), {searches} searches x 2 per runtime, same corpus:")
    rows = [
        [name, s[name]["p50_ms"], s[name]["p95_ms"], e[name]["p50_ms"], e[name]["p95_ms"]]
        for name in ("torch", "onnx")
    ]
    rows.append(["onnx-int8", "-", "-", e["onnx-int8"]["p50_ms"], e["onnx-int8"]["p95_ms"]])
    print(
        format_table(
            ["queries on", "search p50 ms", "search p95 ms", "embed p50 ms", "embed p95 ms"],
            rows,
        )
    )
    print(
        f"ONNX/torch search p50 ratio {s['p50_ratio_onnx_over_torch']:.3f} (target <= 0.5); "
        f"identical top-{TOP_K} rankings {s['identical_rankings']}"
    )
    d = results["embed_documents"]
    print(
        f"\nembed_documents of {d['texts']} chunk texts: torch {d['torch_s']} s, "
        f"ONNX {d['onnx_s']} s (cosine with torch >= {d['onnx_cosine_min']})"
    )
    i = results["int8"]
    print(
        f"\nint8 ({i['model_id']}): cosine with fp32 on chunks min {i['doc_cosine_min']} "
        f"mean {i['doc_cosine_mean']}, on queries min {i['query_cosine_min']}; top-{TOP_K} "
        f"overlap with fp32 (exact, {i['corpus_chunks']} chunks, {i['queries']} queries) "
        f"mean {i['top10_overlap_mean']} min {i['top10_overlap_min']}"
    )
