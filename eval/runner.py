"""Run one suite end to end: index its corpus into a scratch database, run every task
as the suite's users through the service (the same code paths as the API), score it.

The runner only collects what came back (ranked ids, answers, summaries, actions,
latencies); ``eval.scoring`` and ``eval.metrics`` score it, ``eval.baselines`` scores the
simple alternatives on the same data, and ``eval.report`` writes it out.
"""

from __future__ import annotations

import logging
import os
import platform
import re
import subprocess
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from copilot.db import open_scratch_database
from copilot.service import Copilot
from copilot.settings import Settings
from embeddings import Embedder
from eval import metrics as m
from eval.baselines.run import SystemOutput, run_baselines
from eval.scoring import (
    ANSWER_GRADES,
    K_VALUES,
    answer_metrics,
    answer_row,
    ranked_documents,
    retrieval_metrics,
    retrieval_row,
)
from eval.suite import DatasetMissing, Query, SuiteData
from retrieval import store
from summarizers.models import Item

__all__ = ["RunResult", "run_suite"]

log = logging.getLogger(__name__)

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
SEARCH_DEPTH = 50


@dataclass
class RunResult:
    """Everything a report needs: config, metrics with CIs, per-item rows, latencies."""

    suite: str
    status: str  # "ok" or "skipped"
    message: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    per_role: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    per_kind: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    recall_curve: dict[str, dict[int, float]] = field(default_factory=dict)
    latency_ms: dict[str, list[float]] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Baseline name → its metrics, named and summarized as in ``metrics``.
    baselines: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    #: Gold-answer grades sliced by ``"role"`` and ``"kind"``: slice → value → metric.
    answer_slices: dict[str, dict[str, dict[str, dict[str, Any]]]] = field(default_factory=dict)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parent,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _timed(latency: dict[str, list[float]], endpoint: str, fn: Callable[..., Any]) -> Any:
    started = time.perf_counter()
    out = fn()
    latency[endpoint].append((time.perf_counter() - started) * 1000.0)
    return out


def run_suite(
    data_loader: Callable[[], SuiteData],
    *,
    suite: str,
    settings: Settings,
    embedder: Embedder,
    engine: str = "offline",
    prepare: Callable[[Copilot], None] | None = None,
) -> RunResult:
    """Index and run one suite.

    Args:
        data_loader: Returns the suite's data (raises :class:`DatasetMissing` to skip).
        suite: Its name.
        settings: Where the scratch database lives (``COPILOT_DATABASE_URL`` or the
            embedded server under ``data_dir``) and the engine settings.
        embedder: The embedding model.
        engine: ``offline``, ``openai`` or ``hf:<dir>``.
        prepare: Called with the service before anything runs. The harness's own tests
            use it to inject a broken access filter and check the leak metric sees it.
    """
    started = time.perf_counter()
    try:
        data = data_loader()
    except DatasetMissing as err:
        return RunResult(suite=suite, status="skipped", message=str(err))
    if engine != "offline":
        settings = settings.model_copy(update={"llm": engine})
    result = RunResult(suite=suite, status="ok", notes=list(data.notes))
    result.timings_s["load"] = time.perf_counter() - started
    db = open_scratch_database(settings, name=f"copilot_eval_{suite}")
    cp = Copilot(db, embedder, settings)
    try:
        if prepare is not None:
            prepare(cp)
        t = time.perf_counter()
        if data.records:
            report = cp.indexer(progress=False).ingest_dicts(data.records, source=suite)
            if report.errors:
                raise RuntimeError(
                    f"suite {suite!r}: {len(report.errors)} records rejected: {report.errors[0]}"
                )
        result.timings_s["index"] = time.perf_counter() - t
        latency: dict[str, list[float]] = defaultdict(list)
        t = time.perf_counter()
        system = _run_queries(cp, data, result, latency)
        result.timings_s["queries"] = time.perf_counter() - t
        t = time.perf_counter()
        _run_summaries(cp, data, result, latency)
        result.timings_s["summaries"] = time.perf_counter() - t
        t = time.perf_counter()
        _run_scenarios(cp, data, result, latency)
        result.timings_s["actions"] = time.perf_counter() - t
        t = time.perf_counter()
        result.baselines = run_baselines(cp, data, system, depth=SEARCH_DEPTH)
        result.timings_s["baselines"] = time.perf_counter() - t
        result.latency_ms = dict(latency)
        for endpoint, values in latency.items():
            result.metrics[f"latency.{endpoint}"] = dict(m.latency_summary(values))
        result.config = {
            "suite": suite,
            "engine": engine,
            "embedding_model": embedder.model_id,
            "git_commit": _git_commit(),
            "records": len(data.records),
            "queries": len(data.queries),
            "summaries": len(data.summaries),
            "scenarios": len(data.scenarios),
            "search_depth": SEARCH_DEPTH,
            "exact_search_max_chunks": settings.exact_search_max_chunks,
            "hnsw_ef_search": settings.hnsw_ef_search,
            "database": "external" if settings.database_url else "embedded",
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "started_at": datetime.now(UTC).isoformat(),
            "prepared": prepare is not None,
        }
    finally:
        cp.close()
    result.timings_s["total"] = time.perf_counter() - started
    return result


# --------------------------------------------------------------------------- queries


def _run_queries(
    cp: Copilot, data: SuiteData, result: RunResult, latency: dict[str, list[float]]
) -> list[SystemOutput]:
    """Run and score every query; returns what the baselines reuse of each."""
    rows = []
    system: list[SystemOutput] = []
    for q in data.queries:
        visible = data.visible.get(q.org, {}).get(q.user_id, frozenset())
        search = _timed(
            latency,
            "search",
            lambda q=q: cp.search(org=q.org, user_id=q.user_id, query=q.text, top_k=SEARCH_DEPTH),
        )
        ranked = ranked_documents(search.hits)
        query_embedding = cp.embedder.embed_query(q.text)
        exact_loss = _permitted_recall_loss(cp, q, query_embedding)
        asked = _timed(
            latency,
            "ask",
            lambda q=q: cp.assistant.ask(org=q.org, user_id=q.user_id, question=q.text),
        )
        system.append(SystemOutput(asked.retrieved, query_embedding))
        row: dict[str, Any] = {
            "id": q.id,
            "user_id": q.user_id,
            "role": q.role,
            "kind": q.kind,
            **retrieval_row(q, ranked, visible),
            "permitted_recall_loss": exact_loss,
            **answer_row(cp, q, asked.answer),
        }
        rows.append(row)
    result.rows["queries"] = rows
    if not rows:
        return system
    result.metrics.update(retrieval_metrics(rows))
    _aggregate(result, rows, "permissions.permitted_recall_loss", "permitted_recall_loss")
    result.metrics.update(answer_metrics(rows))
    _answer_slices(result, rows)
    graded = [r for r in rows if "ndcg@10" in r]
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_kind[r["kind"]].append(r)
    for kind, kind_rows in sorted(by_kind.items()):
        # Slices an ML engineer asks about: paraphrase vs exact-token questions, and
        # the unanswerable kinds (refusals).
        stats: dict[str, dict[str, Any]] = {}
        for key in ("ndcg@10", "recall@10"):
            values = [r[key] for r in kind_rows if key in r]
            if values:
                stats[key] = m.summarize(key, values).as_dict()
        stats["answered"] = m.summarize(
            "answered", [1.0 if r["answered"] else 0.0 for r in kind_rows]
        ).as_dict()
        result.per_kind[kind] = stats
    by_role: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in graded:
        by_role[r["role"]].append(r)
    for role, role_rows in sorted(by_role.items()):
        result.per_role[role] = {
            key: m.summarize(key, [r[key] for r in role_rows]).as_dict()
            for key in ("ndcg@10", "mrr", "recall@5", "recall@10", "recall@50")
        }
        result.recall_curve[role] = {
            k: sum(r[f"recall@{k}"] for r in role_rows) / len(role_rows) for k in K_VALUES
        }
    return system


def _answer_slices(result: RunResult, rows: Sequence[Mapping[str, Any]]) -> None:
    """The gold-answer grades per role and per query kind (overall ones are in
    :func:`eval.scoring.answer_metrics`, for the baselines too)."""
    for slice_key in ("role", "kind"):
        groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for r in rows:
            groups[r[slice_key]].append(r)
        sliced: dict[str, dict[str, dict[str, Any]]] = {}
        for value, group in sorted(groups.items()):
            stats = {}
            for key in ANSWER_GRADES:
                values = [r[key] for r in group if r.get(key) is not None]
                if values:
                    stats[key] = m.summarize(key, values).as_dict()
            if stats:
                sliced[value] = stats
        if sliced:
            result.answer_slices[slice_key] = sliced


def _aggregate(result: RunResult, rows: Sequence[Mapping[str, Any]], name: str, key: str) -> None:
    values = [r[key] for r in rows if r.get(key) is not None]
    if values:
        _aggregate_values(result, name, values)


def _aggregate_values(result: RunResult, name: str, values: Sequence[float]) -> None:
    result.metrics[name] = m.summarize(name, list(values)).as_dict()


def _permitted_recall_loss(cp: Copilot, q: Query, qvec: Any) -> float:
    """Our planner's top-10 chunks against the exact permitted top-10, same vectors."""
    from retrieval.models import SearchFilters

    with cp.as_caller(org=q.org, user_id=q.user_id) as (conn, acl):
        ours, _, _ = cp.retriever.vector_search(
            conn, org=q.org, acl=acl, query_embedding=qvec, filters=SearchFilters(), limit=10
        )
        exact = store.vector_search_exact(
            conn, org=q.org, acl=acl, query_embedding=qvec, filters=SearchFilters(), limit=10
        )
    key = lambda h: (h.document_id, h.ord)  # noqa: E731
    return float(m.permitted_recall_loss([key(h) for h in ours], [key(h) for h in exact]))


# --------------------------------------------------------------------------- summaries


def _run_summaries(
    cp: Copilot, data: SuiteData, result: RunResult, latency: dict[str, list[float]]
) -> None:
    rows = []
    for task in data.summaries:
        summary = _timed(
            latency,
            "summary",
            lambda t=task: cp.assistant.summarize_text(text=t.text, kind=t.kind, now=t.occurred_at),
        )
        sentences = summary.summary.citations
        text = summary.summary.text
        if task.target == "gist":
            text = sentences[0].quote if sentences else text
        scores = m.rouge_f1(text, task.references)
        # Each sentence of the summary text must be backed by one of its cited spans.
        grounding = m.grounding_rate(
            [
                Item(text=sentence, citations=summary.summary.citations)
                for sentence in _SENTENCE_END.split(summary.summary.text)
                if sentence.strip()
            ],
            task.text,
        )
        rows.append(
            {
                "id": task.id,
                "target": task.target,
                "output": text[:400],
                "engine": summary.engine,
                **scores,
                "grounding_rate": grounding,
            }
        )
    result.rows["summaries"] = rows
    for key in ("rouge1", "rouge2", "rougeL", "grounding_rate"):
        _aggregate(result, rows, f"summaries.{key}", key)


# --------------------------------------------------------------------------- actions


def _run_scenarios(
    cp: Copilot, data: SuiteData, result: RunResult, latency: dict[str, list[float]]
) -> None:
    rows = []
    for s in data.scenarios:
        actions = _timed(
            latency,
            "next_best_actions",
            lambda s=s: cp.assistant.next_best_actions(
                org=s.org, user_id=s.user_id, account_id=s.account_id, limit=10, now=s.as_of
            ),
        )
        from eval.datasets import LABELLED_ACTION_RULES

        # Rules the labels cannot speak for (they need call summaries, the output under
        # test) are left out of the scoring rather than counted as false positives.
        predicted: list[str] = []
        for a in actions:
            if a.rule in LABELLED_ACTION_RULES and a.rule not in predicted:
                predicted.append(a.rule)
        rows.append(
            {
                "id": s.id,
                "account_id": s.account_id,
                "expected": list(s.expected_rules),
                "predicted": predicted,
                "precision@3": m.set_precision_at_k(predicted, s.expected_rules, 3)
                if s.expected_rules
                else None,
                "recall": m.set_recall(predicted, s.expected_rules) if s.expected_rules else None,
            }
        )
    result.rows["scenarios"] = rows
    _aggregate(result, rows, "actions.precision@3", "precision@3")
    _aggregate(result, rows, "actions.recall", "recall")
