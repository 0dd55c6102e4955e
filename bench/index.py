"""``python -m bench.index``: indexing against the model's own speed, and memory by input size.

Throughput, in one run, on the same process, model and chunk texts:

* ``embed_documents`` alone on every chunk text the indexer embeds (timed before and
  after the indexer, to bound drift on a shared machine);
* ``Indexer.ingest_paths`` on the sample file (read, validate, chunk, embed, write)
  into a fresh database: what ``copilot index`` runs once the model is loaded;
* ``copilot index`` as a command in a fresh process, start and model load included.

The target is indexer throughput >= 0.9x ``embed_documents``.

Peak RSS, by input size (default 10k and 100k records, built from the sample generator):
each size runs ``copilot index``'s pipeline in a child process, whose peak resident set
is read from ``getrusage``. The real model is loaded and its tokenizer sizes the chunks,
but **embedding is replaced by a stand-in that returns fixed unit vectors** (same shape
and dtype): embedding 100k records with the real model would take hours on 2 cores, and
what the measurement is about is whether reading, validating, chunking and writing hold
the input in memory. The target is a flat peak (within 10%) from 10k to 100k records.

Usage:
    python -m bench.index [--docs 500] [--rss-sizes 10000,100000] [--skip-rss]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import bench_database, format_table
from copilot.ingest import Indexer
from copilot.ingest.documents import render_document
from copilot.ingest.records import DocumentRecord, parse_record
from copilot.sample import generate
from copilot.settings import Settings
from embeddings import Embedder, SentenceTransformerEmbedder

__all__ = ["main"]

_DOCUMENT_TYPES = ("email", "call", "ticket")


def _write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r) + "\n")
    return path


def _indexer(db: Any, embedder: Embedder, settings: Settings) -> Indexer:
    return Indexer(
        db,
        embedder,
        max_tokens=settings.chunk_max_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        progress=False,
    )


def _chunk_texts(indexer: Indexer, records: Sequence[dict[str, Any]]) -> list[str]:
    """Exactly the texts the indexer embeds: ``title + "\\n" + chunk``."""
    texts = []
    for raw in records:
        if raw["type"] not in _DOCUMENT_TYPES:
            continue
        rec = parse_record(raw)
        assert isinstance(rec, DocumentRecord)
        title, content, _ = render_document(rec)
        texts += [
            f"{title}\n{content[s.start : s.end]}" for s in indexer._spans(rec.type, title, content)
        ]
    return texts


# --------------------------------------------------------------------------- throughput


def throughput(settings: Settings, *, docs: int, run_cli: bool) -> dict[str, Any]:
    crm = generate(7, docs_per_org=max(1, docs // 2))
    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    path = _write_jsonl(work / "crm.jsonl", crm.records)
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    out: dict[str, Any] = {"records": len(crm.records)}
    with bench_database(settings, dbname="bench_index", recreate=lambda _: True) as (db, _):
        indexer = _indexer(db, embedder, settings)
        started = time.perf_counter()
        texts = _chunk_texts(indexer, crm.records)
        out["chunking_s"] = time.perf_counter() - started
        out["documents"] = sum(r["type"] in _DOCUMENT_TYPES for r in crm.records)
        out["chunks"] = len(texts)
        embedder.embed_documents(texts[:64])  # warm-up: first-call allocations
        started = time.perf_counter()
        embedder.embed_documents(texts)
        embed_before = time.perf_counter() - started
        started = time.perf_counter()
        report = indexer.ingest_paths([path], keep_outcomes=False)
        index_s = time.perf_counter() - started
        if report.errors or report.embedded != len(texts):
            raise SystemExit(
                f"the indexer did not embed the same texts: {report.summary()} "
                f"({len(texts)} expected)"
            )
        started = time.perf_counter()
        embedder.embed_documents(texts)
        embed_after = time.perf_counter() - started
    out |= {
        "embed_before_s": embed_before,
        "indexer_s": index_s,
        "embed_after_s": embed_after,
        "ratio": (embed_before + embed_after) / 2 / index_s,
        "indexer_embed_s": report.embed_seconds,
        "indexer_write_s": report.write_seconds,
    }
    if run_cli:
        with bench_database(settings, dbname="bench_index_cli", recreate=lambda _: True) as (
            db,
            _,
        ):
            url = db.url
        env = {**os.environ, "COPILOT_DATABASE_URL": url}
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from copilot.cli import main; main()",
                "index",
                str(path),
                "--no-progress",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        out["cli_s"] = time.perf_counter() - started
        out["cli_ratio"] = (embed_before + embed_after) / 2 / out["cli_s"]
    return out


# --------------------------------------------------------------------------- peak RSS


class FixedVectors:
    """The real model's tokenizer and shape, with embedding replaced by fixed unit vectors.

    Only for the memory measurement (see the module docstring); never for search.
    """

    def __init__(self, real: SentenceTransformerEmbedder) -> None:
        self.real = real
        unit = np.ones(real.dim, dtype=np.float32)
        self._unit = unit / np.linalg.norm(unit)

    @property
    def dim(self) -> int:
        return self.real.dim

    @property
    def model_id(self) -> str:
        return self.real.model_id

    @property
    def max_tokens(self) -> int:
        return self.real.max_tokens

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.tile(self._unit, (len(texts), 1))

    def embed_query(self, text: str) -> np.ndarray:
        return self._unit


def _sized_records(size: int) -> list[dict[str, Any]]:
    """``size`` valid records: the sample's entities, then documents (renamed to repeat)."""
    crm = generate(7, docs_per_org=min(45_000, max(1, size // 2)))
    entities = [r for r in crm.records if r["type"] not in _DOCUMENT_TYPES]
    documents = [r for r in crm.records if r["type"] in _DOCUMENT_TYPES]
    out = list(entities)
    n = 0
    while len(out) < size:
        doc = documents[n % len(documents)]
        lap = n // len(documents)
        out.append(doc if lap == 0 else {**doc, "id": f"{doc['id']}-r{lap}"})
        n += 1
    return out[:size]


def _status_mb(field: str) -> float:
    """A ``/proc/self/status`` memory field (``VmRSS``, ``VmHWM``) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"/proc/self/status has no {field}")


def rss_child(path: Path, url: str) -> None:
    """Runs in a child process: index ``path`` into ``url``, print peak RSS as JSON.

    Loading torch and the model peaks higher than indexing does, so the peak is reset
    after loading (``/proc/self/clear_refs``) and what is printed is the peak reached
    while indexing.
    """
    settings = Settings(database_url=url)
    from copilot.db import open_database

    db = open_database(settings)
    embedder = FixedVectors(SentenceTransformerEmbedder(settings.embedding_model))
    embedder.real.embed_documents(["warm-up"])
    loaded_mb = _status_mb("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    started = time.perf_counter()
    report = _indexer(db, embedder, settings).ingest_paths([path], keep_outcomes=False)
    seconds = time.perf_counter() - started
    db.close()
    print(
        json.dumps(
            {
                "records": report.records,
                "errors": len(report.errors),
                "chunks": report.chunks,
                "seconds": seconds,
                "baseline_rss_mb": loaded_mb,
                "peak_rss_mb": _status_mb("VmHWM"),
            }
        )
    )


def peak_rss(settings: Settings, sizes: Sequence[int]) -> list[dict[str, Any]]:
    rows = []
    work = Path(tempfile.mkdtemp(prefix="bench-index-rss-"))
    for size in sizes:
        path = _write_jsonl(work / f"crm-{size}.jsonl", _sized_records(size))
        dbname = f"bench_index_rss_{size}"
        with bench_database(settings, dbname=dbname, recreate=lambda _: True) as (db, _):
            url = db.url
        done = subprocess.run(
            [sys.executable, "-m", "bench.index", "--rss-child", str(path), "--url", url],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row["size"] = size
        row["file_mb"] = path.stat().st_size / 2**20
        rows.append(row)
        path.unlink()
    return rows


# --------------------------------------------------------------------------- report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.index", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--docs", type=int, default=500, help="sample documents (throughput)")
    parser.add_argument("--rss-sizes", default="10000,100000", help="records per RSS run")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-cli", action="store_true", help="skip the whole-command run")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        rss_child(args.rss_child, args.url)
        return 0
    settings = Settings()
    if not args.skip_throughput:
        t = throughput(settings, docs=args.docs, run_cli=not args.skip_cli)
        print(
            f"throughput: {t['documents']} documents, {t['chunks']} chunks ({t['records']} records)"
        )
        rows = [
            [
                "embed_documents alone (before)",
                t["embed_before_s"],
                t["chunks"] / t["embed_before_s"],
            ],
            ["Indexer.ingest_paths", t["indexer_s"], t["chunks"] / t["indexer_s"]],
            ["embed_documents alone (after)", t["embed_after_s"], t["chunks"] / t["embed_after_s"]],
        ]
        if "cli_s" in t:
            rows.append(["copilot index (whole command)", t["cli_s"], t["chunks"] / t["cli_s"]])
        print(format_table(["path", "seconds", "chunks/s"], rows))
        print(
            f"inside the indexer: {t['indexer_embed_s']:.1f} s in the model, "
            f"{t['indexer_write_s']:.1f} s writing on the writer thread (overlapped); "
            f"chunking all documents with the real tokenizer alone: {t['chunking_s']:.1f} s"
        )
        print(
            f"indexer / embed_documents throughput: {t['ratio']:.2f}x (target >= 0.90x)"
            + (f"; whole command: {t['cli_ratio']:.2f}x" if "cli_ratio" in t else "")
        )
    if not args.skip_rss:
        sizes = [int(s) for s in args.rss_sizes.split(",") if s]
        rss_rows = peak_rss(settings, sizes)
        print("\npeak RSS (real tokenizer and writes; embedding replaced by fixed vectors):")
        print(
            format_table(
                [
                    "records",
                    "input MB",
                    "chunks",
                    "seconds",
                    "RSS after model load MB",
                    "peak RSS while indexing MB",
                ],
                [
                    [
                        r["size"],
                        r["file_mb"],
                        r["chunks"],
                        r["seconds"],
                        r["baseline_rss_mb"],
                        r["peak_rss_mb"],
                    ]
                    for r in rss_rows
                ],
            )
        )
        if len(rss_rows) >= 2:
            growth = rss_rows[-1]["peak_rss_mb"] / rss_rows[0]["peak_rss_mb"] - 1
            print(
                f"peak RSS {rss_rows[-1]['size']:,} vs {rss_rows[0]['size']:,} records: "
                f"{growth:+.1%} (target within 10%)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
