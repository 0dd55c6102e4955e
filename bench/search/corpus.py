"""The bench org and its corpus: sample documents remapped into it, then indexed.

Phase 1 indexes ~``--real-chunks`` chunks with the real model (and times the bare model
on the same texts); phase 2 indexes the rest with vectors derived from those.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.common import bar_opts, timed_ms
from bench.search.config import (
    CHUNKS_PER_DOC_GUESS,
    MANAGER_OWNED_FRACTION,
    MAX_DOCS_PER_INGEST,
    META_KEY,
    N_TEAMS,
    ORG,
    REAL_DOCS_PER_INGEST,
    REPS_PER_TEAM,
    SHARED_FRACTION,
    TEAMS_PER_DIRECTOR,
    VISIBILITY_WEIGHTS,
)
from bench.search.embedders import DerivedEmbedder, RecordingEmbedder
from copilot import sample
from copilot.db import Database
from copilot.ingest import Indexer, IngestReport
from copilot.settings import Settings
from embeddings import Embedder, SentenceTransformerEmbedder
from retrieval import store


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
        docs_per_org = max(500, min(sample.MAX_DOCS_PER_ORG, math.ceil(wanted / 2)))
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
    bar = tqdm(total=real_chunks, unit="chunk", desc="indexing (real model)", **bar_opts())
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
        **bar_opts(),
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
