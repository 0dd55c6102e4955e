"""Search benchmark: indexing throughput, recall and latency per role, and the plan threshold.

Run it from the repository root::

    .venv/bin/python bench/search.py            # defaults: 100k chunks, 2k real, 50 queries
    .venv/bin/python bench/search.py --reuse    # keep the corpus of an earlier run

It prints plain tables and writes the same figures to ``bench/out/search.json``.

What is measured, in order:

1. **Indexing throughput.** The real :class:`copilot.ingest.Indexer` with the real
   sentence-transformers model indexes sample documents until about ``--real-chunks``
   chunks are written (parse, validate, chunk, embed, write). The same chunk texts
   (``f"{title}\\n{chunk}"``, as the indexer embeds them) are then embedded once more by
   ``embed_documents`` alone: the ratio shows what the pipeline adds to the model.
2. **A corpus of ``--chunks`` chunks** in one org ``bench`` with 25 teams of 8 reps, a
   manager per team, 5 directors over 5 teams each, a VP and an admin. Texts come from
   :func:`copilot.sample.generate`, remapped into the org; visibility is private 60 /
   team 37 / org 2 (weights) and about 3% of documents are also shared. Everything goes
   through the real ``Indexer``.

   **Only the first ``--real-chunks`` chunks carry real model embeddings.** The model
   embeds about 11 chunks/s on this CPU, so the rest get *derived* vectors from a
   stand-in embedder: ``normalize(e_i + 0.5 * e_j + 0.25 * n)`` where ``e_i`` and ``e_j``
   are real chunk embeddings picked by a hash of the text and ``n`` is Gaussian noise of
   expected norm 1 seeded by the same hash. That keeps the cluster structure of real
   embeddings (what HNSW and recall depend on), but the vectors of those texts say
   nothing about their meaning: recall here is measured against exact search over the
   same vectors, not against relevance.
3. **Recall@10 and latency per role** (rep, team manager, director, VP, admin): the
   planner's vector search against exact search, the full hybrid search (query
   embedding excluded), the query embedding alone, and a naive pgvector peer (HNSW with
   the access filter in ``WHERE``, no iterative scan, ``ef_search`` 40).
4. **Threshold sweep**: exact vs HNSW (iterative scan) latency and HNSW recall for
   permitted sets of 1k … 100k chunks, which documents ``exact_search_max_chunks``.

The database is a dedicated ``copilot_bench`` database (dropped and recreated) on the
embedded scratch server under ``--data-dir``, or on ``COPILOT_DATABASE_URL`` if set.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import platform
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np  # noqa: E402
from psycopg import Connection  # noqa: E402
from tqdm import tqdm  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import (  # noqa: E402
    OUT_DIR,
    Stopwatch,
    bench_database,
    format_table,
    latency,
    timed_ms,
)
from copilot import sample  # noqa: E402
from copilot.db import Database  # noqa: E402
from copilot.ingest import Indexer, IngestReport  # noqa: E402
from copilot.service import Copilot  # noqa: E402
from copilot.settings import Settings  # noqa: E402
from embeddings import Embedder, SentenceTransformerEmbedder  # noqa: E402
from retrieval import store  # noqa: E402
from retrieval.models import ScoredChunk, SearchFilters  # noqa: E402
from retrieval.search import Retriever  # noqa: E402

log = logging.getLogger("bench.search")

ORG = "bench"
DB_NAME = "copilot_bench"
META_KEY = "bench_meta"
N_TEAMS = 25
REPS_PER_TEAM = 8
TEAMS_PER_DIRECTOR = 5
VISIBILITY_WEIGHTS = {"private": 60, "team": 37, "org": 2}
SHARED_FRACTION = 0.03
MANAGER_OWNED_FRACTION = 0.10
CHUNKS_PER_DOC_GUESS = 1.1  # sample documents make ~1.1 chunks each at 200 tokens
MAX_DOCS_PER_INGEST = 4096
REAL_DOCS_PER_INGEST = 128
SWEEP_SIZES = (1_000, 2_500, 5_000, 10_000, 20_000, 40_000, 100_000)
TOP_K = 10
WARMUP_QUERIES = 5
EF_SEARCH_SWEEP = (40, 100, 200, 400, 800)
EF_SEARCH_ROLES = ("director", "admin")
NAIVE_EF_SEARCH = 40
JSON_PATH = OUT_DIR / "search.json"

DERIVED_NOTE = (
    "Only the first {real} chunks carry real all-MiniLM-L6-v2 embeddings. The other "
    "{derived} chunks carry DERIVED vectors: normalize(e_i + 0.5*e_j + 0.25*noise), e_i/e_j "
    "real chunk embeddings chosen by a hash of the text, noise Gaussian (expected norm 1) "
    "seeded by the hash. This keeps the real embedding distribution's cluster structure; "
    "the semantics of those texts are NOT meaningful. Recall is measured against exact "
    "search on the same vectors."
)

# Varied CRM phrasings, next to the sample generator's own questions.
CRM_PHRASES = (
    "customer pushing back on price, asking for a bigger discount",
    "renewal at risk, champion left the company",
    "security questionnaire and SOC 2 report before signing",
    "SSO login failing after SAML redirect",
    "integration sync errors with the connector",
    "dashboards loading slowly, performance complaints",
    "expansion opportunity: more seats for another department",
    "legal redlines on the master services agreement",
    "onboarding and training for new admins",
    "outage root cause analysis and service credit",
    "competitor evaluation, they are looking at alternatives",
    "budget freeze, procurement delaying the purchase order",
    "executive sponsor meeting next week",
    "data export and API rate limits",
    "invoice dispute and billing error",
    "pilot success criteria and proof of concept",
    "multi-year contract with auto-renewal clause",
    "GDPR data processing agreement",
    "feature request roadmap timeline",
    "churn risk low usage adoption",
    "quote revision sent by Friday",
    "who is the decision maker on the buying committee",
    "support ticket escalated to engineering",
    "upgrade to the enterprise plan",
    "implementation timeline slipped",
    "CFO wants ROI numbers",
    "call notes about pricing tiers",
    "reference customer request",
    "termination for convenience notice period",
    "webinar follow-up interested in a demo",
)


# =========================================================================== embedders


class RecordingEmbedder:
    """The real embedder, remembering every text and vector the indexer asks for."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.batches: list[list[str]] = []
        self.vectors: list[np.ndarray] = []
        self.watch = Stopwatch()

    @property
    def texts(self) -> list[str]:
        return [t for batch in self.batches for t in batch]

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
        with self.watch:
            vectors = self.real.embed_documents(texts)
        self.batches.append(list(texts))
        self.vectors.append(vectors)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)


class DerivedEmbedder:
    """A stand-in embedder whose vectors are derived from a pool of real ones.

    A text gets ``normalize(e_i + 0.5 * e_j + 0.25 * n)``: ``e_i`` and ``e_j`` are pool
    rows chosen by a hash of the text, ``n`` is Gaussian noise of expected norm 1 seeded
    by the same hash. Deterministic, cheap, and distributed like real embeddings (their
    clusters survive), but meaningless as semantics. Token counting, ``max_tokens`` and
    ``model_id`` are the real model's, so chunking is identical and the index's model
    check passes.
    """

    def __init__(self, real: Embedder, pool: np.ndarray, on_embed: Callable[[int], None]) -> None:
        if pool.ndim != 2 or len(pool) < 2:
            raise ValueError(f"pool must hold at least 2 vectors, got shape {pool.shape}")
        self.real = real
        self.pool = np.asarray(pool, dtype=np.float32)
        self.on_embed = on_embed
        self.derive_watch = Stopwatch()
        self.token_watch = Stopwatch()

    @property
    def dim(self) -> int:
        return int(self.pool.shape[1])

    @property
    def model_id(self) -> str:
        return self.real.model_id

    @property
    def max_tokens(self) -> int:
        return self.real.max_tokens

    def count_tokens(self, text: str) -> int:
        with self.token_watch:
            return self.real.count_tokens(text)

    def derive(self, text: str) -> np.ndarray:
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
        h = int.from_bytes(digest, "little")
        n = len(self.pool)
        i, j = h % n, (h // n) % n
        if j == i:
            j = (i + 1) % n
        noise = np.random.default_rng(h).standard_normal(self.dim) / math.sqrt(self.dim)
        v = self.pool[i] + 0.5 * self.pool[j] + 0.25 * noise.astype(np.float32)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        with self.derive_watch:
            out = (
                np.stack([self.derive(t) for t in texts])
                if texts
                else np.zeros((0, self.dim), dtype=np.float32)
            )
        self.on_embed(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.derive(text)


class CachedQueryEmbedder:
    """Returns pre-computed query vectors, so search latency excludes the model."""

    def __init__(self, real: Embedder, vectors: dict[str, np.ndarray]) -> None:
        self.real = real
        self.vectors = vectors

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
        return np.stack([self.vectors[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.vectors[text]


# =========================================================================== the bench org


@dataclass(frozen=True)
class OrgChart:
    teams: list[str]
    reps: list[str]
    managers: list[str]  # one per team, same order as teams
    directors: list[str]
    vp: str
    admin: str
    team_of: dict[str, str]

    def records(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [
            {"type": "team", "org": ORG, "id": t, "name": f"Team {t[-2:]}"} for t in self.teams
        ]

        def user(uid: str, role: str, manager: str | None, team: str | None) -> dict[str, Any]:
            rec: dict[str, Any] = {
                "type": "user",
                "org": ORG,
                "id": uid,
                "name": uid,
                "email": f"{uid}@bench.example",
                "role": role,
            }
            if manager:
                rec["manager_id"] = manager
            if team:
                rec["team_id"] = team
            return rec

        out.append(user(self.admin, "admin", None, None))
        out.append(user(self.vp, "manager", None, None))
        out.extend(user(d, "manager", self.vp, None) for d in self.directors)
        for n, (team, mgr) in enumerate(zip(self.teams, self.managers, strict=True)):
            out.append(user(mgr, "manager", self.directors[n // TEAMS_PER_DIRECTOR], team))
        for rep in self.reps:
            team = self.team_of[rep]
            out.append(user(rep, "rep", self.managers[self.teams.index(team)], team))
        return out


def org_chart() -> OrgChart:
    teams = [f"bench-t-{n:02d}" for n in range(1, N_TEAMS + 1)]
    managers = [f"bench-u-mgr-{n:02d}" for n in range(1, N_TEAMS + 1)]
    reps, team_of = [], {}
    for n, (team, mgr) in enumerate(zip(teams, managers, strict=True), start=1):
        team_of[mgr] = team
        for r in range(1, REPS_PER_TEAM + 1):
            rep = f"bench-u-rep-{n:02d}-{r}"
            reps.append(rep)
            team_of[rep] = team
    directors = [f"bench-u-dir-{n}" for n in range(1, N_TEAMS // TEAMS_PER_DIRECTOR + 1)]
    return OrgChart(teams, reps, managers, directors, "bench-u-vp", "bench-u-admin", team_of)


class BenchCorpus:
    """Sample-generator documents remapped into the bench org, produced on demand.

    Each :func:`sample.generate` call's accounts, contacts and deals are remapped too
    (ids prefixed per seed) and handed out before the first of its documents.
    """

    def __init__(self, chart: OrgChart, *, seed: int, docs_expected: int) -> None:
        self.chart = chart
        self.seed = seed
        self.rng = random.Random(seed)
        self.docs_expected = docs_expected
        self.pending_docs: list[dict[str, Any]] = []
        self.pending_entities: list[dict[str, Any]] = []
        self.questions: list[str] = []
        self.generated = 0
        self.docs_generated = 0
        self.visibility: Counter[str] = Counter()
        self.shared = 0

    def take(self, n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """``(entities to ingest first, n documents)``."""
        while len(self.pending_docs) < n:
            self._generate()
        docs, self.pending_docs = self.pending_docs[:n], self.pending_docs[n:]
        entities, self.pending_entities = self.pending_entities, []
        for d in docs:
            self.visibility[d["visibility"]] += 1
            self.shared += bool(d.get("shared_with"))
        return entities, docs

    def _generate(self) -> None:
        gen_seed = self.seed + self.generated
        # Two orgs per call; later calls only make what the estimate still lacks.
        wanted = self.docs_expected - self.docs_generated
        docs_per_org = max(500, min(sample._MAX_DOCS_PER_ORG, math.ceil(wanted / 2)))
        crm = sample.generate(gen_seed, docs_per_org=docs_per_org)
        self.generated += 1
        self.docs_generated += 2 * docs_per_org
        prefix = f"bench-s{gen_seed}-"
        self.questions.extend(q.text for q in crm.questions)
        owner_of: dict[str, str] = {}
        docs = []
        for rec in crm.records:
            kind = rec["type"]
            if kind in ("team", "user"):
                continue
            if kind in ("account", "contact", "deal"):
                self.pending_entities.append(self._entity(rec, prefix, owner_of))
            else:
                docs.append(self._document(rec, prefix))
        self.rng.shuffle(docs)  # real-embedded documents then spread over time and kinds
        self.pending_docs.extend(docs)

    def _entity(self, rec: dict[str, Any], prefix: str, owner_of: dict[str, str]) -> dict[str, Any]:
        out = {**rec, "org": ORG, "id": prefix + rec["id"]}
        if "account_id" in rec:
            out["account_id"] = prefix + rec["account_id"]
        if rec["type"] == "account":
            owner_of[out["id"]] = out["owner_id"] = self.rng.choice(self.chart.reps)
        elif rec["type"] == "deal":
            out["owner_id"] = owner_of.get(out["account_id"], self.rng.choice(self.chart.reps))
        return out

    def _document(self, rec: dict[str, Any], prefix: str) -> dict[str, Any]:
        rng, chart = self.rng, self.chart
        owner = (
            rng.choice(chart.managers)
            if rng.random() < MANAGER_OWNED_FRACTION
            else rng.choice(chart.reps)
        )
        out = {**rec, "org": ORG, "id": prefix + rec["id"], "owner_id": owner}
        out["visibility"] = rng.choices(
            list(VISIBILITY_WEIGHTS), list(VISIBILITY_WEIGHTS.values())
        )[0]
        out.pop("shared_with", None)
        if rng.random() < SHARED_FRACTION:
            out["shared_with"] = [
                rng.choice(chart.reps) if rng.random() < 0.5 else f"team:{rng.choice(chart.teams)}"
                for _ in range(rng.randint(1, 2))
            ]
        for key in ("account_id", "contact_id", "deal_id"):
            if out.get(key):
                out[key] = prefix + out[key]
        if out.get("comments"):
            out["comments"] = [{**c, "author_id": owner} for c in out["comments"]]
        return out


# =========================================================================== building


@dataclass
class BuildStats:
    real: dict[str, Any] = field(default_factory=dict)
    derived: dict[str, Any] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)


def ingest_checked(indexer: Indexer, records: list[dict[str, Any]], what: str) -> IngestReport:
    report = indexer.ingest_dicts(records, source=what)
    if report.errors:
        shown = "; ".join(str(e) for e in report.errors[:3])
        raise SystemExit(f"{what}: {len(report.errors)} records rejected, e.g. {shown}")
    return report


def new_indexer(db: Database, embedder: Embedder, settings: Settings) -> Indexer:
    return Indexer(
        db,
        embedder,
        max_tokens=settings.chunk_max_tokens,
        overlap_tokens=settings.chunk_overlap_tokens,
        progress=False,
    )


def index_real_chunks(
    db: Database,
    embedder: SentenceTransformerEmbedder,
    corpus: BenchCorpus,
    settings: Settings,
    *,
    real_chunks: int,
) -> tuple[dict[str, Any], np.ndarray]:
    """Phase 1: the real pipeline on ~``real_chunks`` chunks, then the bare model on them."""
    recorder = RecordingEmbedder(embedder)
    indexer = new_indexer(db, recorder, settings)
    embedder.embed_documents(["warm-up text for the model"] * 8)
    chunks = docs = 0
    pipeline_s = 0.0
    bar = tqdm(total=real_chunks, unit="chunk", desc="indexing (real model)", **_bar_opts())
    while chunks < real_chunks:
        entities, batch = corpus.take(REAL_DOCS_PER_INGEST)
        if entities:
            ingest_checked(indexer, entities, "bench-entities")
        started = time.perf_counter()
        report = ingest_checked(indexer, batch, "bench-real")
        pipeline_s += time.perf_counter() - started
        chunks += report.chunks
        docs += len(batch)
        bar.update(report.chunks)
    bar.close()
    texts = recorder.texts
    pool = np.concatenate(recorder.vectors)
    print(
        f"embedding the same {len(texts):,} chunk texts with embed_documents alone, in one "
        f"call and in the pipeline's {len(recorder.batches)} calls ...",
        flush=True,
    )
    raw_vectors, raw_ms = timed_ms(lambda: embedder.embed_documents(texts))
    raw_s = raw_ms / 1000
    _, same_batches_ms = timed_ms(lambda: [embedder.embed_documents(b) for b in recorder.batches])
    same_batches_s = same_batches_ms / 1000
    stats = {
        "documents": docs,
        "chunks": chunks,
        "texts_embedded": len(texts),
        "pipeline_s": pipeline_s,
        "pipeline_chunks_per_s": chunks / pipeline_s,
        "embed_inside_pipeline_s": recorder.watch.seconds,
        "raw_s": raw_s,
        "raw_chunks_per_s": len(texts) / raw_s,
        "pipeline_over_raw": (chunks / pipeline_s) / (len(texts) / raw_s),
        "embed_calls_in_pipeline": len(recorder.batches),
        "raw_same_batches_s": same_batches_s,
        "raw_same_batches_chunks_per_s": len(texts) / same_batches_s,
        "pipeline_over_raw_same_batches": (chunks / pipeline_s) / (len(texts) / same_batches_s),
        "mean_text_tokens": float(np.mean([embedder.count_tokens(t) for t in texts])),
        "raw_vs_pipeline_max_abs_diff": float(np.max(np.abs(raw_vectors - pool))),
        "batch_size": settings.embedding_batch_size,
    }
    return stats, pool


def index_derived_chunks(
    db: Database,
    embedder: SentenceTransformerEmbedder,
    corpus: BenchCorpus,
    settings: Settings,
    *,
    pool: np.ndarray,
    target_chunks: int,
    done_chunks: int,
    done_docs: int,
) -> dict[str, Any]:
    """Phase 2: the rest of the corpus through the real Indexer with derived vectors."""
    bar = tqdm(
        total=target_chunks,
        initial=done_chunks,
        unit="chunk",
        desc="building corpus (derived vectors)",
        **_bar_opts(),
    )
    stand_in = DerivedEmbedder(embedder, pool, on_embed=bar.update)
    indexer = new_indexer(db, stand_in, settings)
    chunks, docs, calls = done_chunks, done_docs, 0
    started = time.perf_counter()
    while chunks < target_chunks:
        per_doc = chunks / docs if docs else CHUNKS_PER_DOC_GUESS
        want = max(1, min(MAX_DOCS_PER_INGEST, math.ceil((target_chunks - chunks) / per_doc)))
        entities, batch = corpus.take(want)
        if entities:
            ingest_checked(indexer, entities, "bench-entities")
        report = ingest_checked(indexer, batch, "bench-derived")
        chunks += report.chunks
        docs += len(batch)
        calls += 1
    bar.close()
    seconds = time.perf_counter() - started
    derived = chunks - done_chunks
    refresh_ms = _time_principal_count_refresh(db)
    return {
        "documents": docs - done_docs,
        "chunks": derived,
        "seconds": seconds,
        "chunks_per_s": derived / seconds,
        "ingest_calls": calls,
        "derive_vectors_s": stand_in.derive_watch.seconds,
        "count_tokens_s": stand_in.token_watch.seconds,
        "count_tokens_calls": stand_in.token_watch.calls,
        "rest_s": seconds - stand_in.derive_watch.seconds - stand_in.token_watch.seconds,
        "refresh_principal_counts_ms_at_end": refresh_ms,
    }


def _time_principal_count_refresh(db: Database) -> float:
    # The Indexer recounts the whole org after every ingest call; what that costs now.
    with db.connection() as conn:
        _, ms = timed_ms(lambda: store.refresh_principal_counts(conn, org=ORG))
    return ms


def _bar_opts() -> dict[str, Any]:
    tty = sys.stderr.isatty()
    return {"mininterval": 0.5 if tty else 20.0, "smoothing": 0.1, "dynamic_ncols": tty}


def build_corpus(
    db: Database,
    embedder: SentenceTransformerEmbedder,
    settings: Settings,
    args: argparse.Namespace,
) -> BuildStats:
    chart = org_chart()
    corpus = BenchCorpus(
        chart, seed=args.seed, docs_expected=math.ceil(args.chunks / CHUNKS_PER_DOC_GUESS * 1.05)
    )
    ingest_checked(new_indexer(db, embedder, settings), chart.records(), "bench-org-chart")
    started = time.perf_counter()
    real, pool = index_real_chunks(db, embedder, corpus, settings, real_chunks=args.real_chunks)
    derived = index_derived_chunks(
        db,
        embedder,
        corpus,
        settings,
        pool=pool,
        target_chunks=args.chunks,
        done_chunks=real["chunks"],
        done_docs=real["documents"],
    )
    derived["total_build_s"] = time.perf_counter() - started
    derived["visibility_documents"] = dict(corpus.visibility)
    derived["shared_documents"] = corpus.shared
    rng = random.Random(args.seed)
    questions = list(dict.fromkeys(corpus.questions))
    rng.shuffle(questions)
    stats = BuildStats(real=real, derived=derived, queries=questions)
    with db.connection() as conn:
        store.set_index_state(
            conn,
            key=META_KEY,
            value=json.dumps(
                {
                    "seed": args.seed,
                    "chunks": args.chunks,
                    "real_chunks": real["chunks"],
                    "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "real": real,
                    "derived": derived,
                    "questions": questions,
                }
            ),
        )
    return stats


def load_build_meta(db: Database) -> BuildStats:
    with db.connection() as conn:
        meta = json.loads(store.get_index_state(conn)[META_KEY])
    return BuildStats(
        real={**meta["real"], "reused_from": meta["built_at"]},
        derived={**meta["derived"], "reused_from": meta["built_at"]},
        queries=meta["questions"],
    )


def reusable(url: str, *, chunks: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            n = conn.execute("SELECT count(*) FROM chunks WHERE org = %s", (ORG,)).fetchone()
            meta = conn.execute("SELECT 1 FROM index_state WHERE key = %s", (META_KEY,)).fetchone()
    except psycopg.Error:
        return False
    return bool(n and n[0] >= chunks and meta)


# =========================================================================== queries


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
    return _plan_summary(row[0][0]["Plan"])


def _plan_summary(node: dict[str, Any]) -> str:
    label = node["Node Type"]
    if "Index Name" in node:
        label += f"({node['Index Name']})"
    kids = node.get("Plans", [])
    return label + (" > " + " + ".join(_plan_summary(k) for k in kids) if kids else "")


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
        sweep_acls(db, seed=seed), desc="threshold sweep", unit="size", **_bar_opts()
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


# =========================================================================== reporting


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


# =========================================================================== main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/search.py",
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
    args = p.parse_args(argv)
    if args.chunks < 1 or args.queries < 1 or not 2 <= args.real_chunks <= args.chunks:
        p.error("need --chunks >= 1, --queries >= 1 and 2 <= --real-chunks <= --chunks")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
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
        backend=settings.embedding_backend,
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
        for role in tqdm(roles(org_chart()), desc="roles", unit="role", **_bar_opts()):
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


if __name__ == "__main__":
    raise SystemExit(main())
