"""Run one suite end to end: index its corpus into a scratch database, run every task
as the suite's users through the service (the same code paths as the API), score it.

The runner only collects what came back (ranked ids, answers, summaries, actions,
latencies); ``eval.metrics`` scores it and ``eval.report`` writes it out.
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
from eval.suite import DatasetMissing, Query, SuiteData
from retrieval import store
from summarizers.models import Item

__all__ = ["RunResult", "run_suite"]

log = logging.getLogger(__name__)

K_VALUES = (1, 3, 5, 10, 20, 50)
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


def _ranked_documents(hits: Sequence[Any]) -> list[str]:
    seen: list[str] = []
    for h in hits:
        if h.document_id not in seen:
            seen.append(h.document_id)
    return seen


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
        _run_queries(cp, data, result, latency)
        result.timings_s["queries"] = time.perf_counter() - t
        t = time.perf_counter()
        _run_summaries(cp, data, result, latency)
        result.timings_s["summaries"] = time.perf_counter() - t
        t = time.perf_counter()
        _run_scenarios(cp, data, result, latency)
        result.timings_s["actions"] = time.perf_counter() - t
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
) -> None:
    rows = []
    for q in data.queries:
        visible = data.visible.get(q.org, {}).get(q.user_id, frozenset())
        search = _timed(
            latency,
            "search",
            lambda q=q: cp.search(org=q.org, user_id=q.user_id, query=q.text, top_k=SEARCH_DEPTH),
        )
        ranked = _ranked_documents(search.hits)
        exact_loss = _permitted_recall_loss(cp, q)
        asked = _timed(
            latency,
            "ask",
            lambda q=q: cp.assistant.ask(org=q.org, user_id=q.user_id, question=q.text),
        )
        answer = asked.answer
        cited_docs = _cited_documents(cp, q, answer.citations)
        relevant = {d: g for d, g in q.relevant.items() if d in visible}
        row: dict[str, Any] = {
            "id": q.id,
            "user_id": q.user_id,
            "role": q.role,
            "kind": q.kind,
            "answerable": q.answerable,
            "returned": ranked[:10],
            "leaked": [d for d in ranked if d not in visible],
            "returned_count": len(ranked),
            "permitted_recall_loss": exact_loss,
            "answered": answer.answered,
            "answer": answer.answer[:300],
            "citation_precision": _citation_precision(answer.citations, cited_docs, q),
        }
        if q.answerable and relevant:
            row["ndcg@10"] = m.ndcg_at_k(ranked, relevant, 10)
            row["mrr"] = m.reciprocal_rank(ranked, relevant)
            for k in K_VALUES:
                row[f"recall@{k}"] = m.recall_at_k(ranked, relevant, k)
        if q.reference_answer and answer.answered:
            row["answer_term_overlap"] = m.answer_term_overlap(answer.answer, q.reference_answer)
        row.update(_answer_grades(q, answer))
        rows.append(row)
    result.rows["queries"] = rows
    if not rows:
        return
    _answer_metrics(result, rows)
    total_returned = sum(r["returned_count"] for r in rows)
    total_leaked = sum(len(r["leaked"]) for r in rows)
    result.metrics["permissions.leak_rate"] = {
        "value": total_leaked / total_returned if total_returned else 0.0,
        "n": total_returned,
        "leaked": total_leaked,
    }
    _aggregate(result, rows, "permissions.permitted_recall_loss", "permitted_recall_loss")
    graded = [r for r in rows if "ndcg@10" in r]
    for key in ("ndcg@10", "mrr", "recall@5", "recall@10", "recall@50"):
        _aggregate(result, graded, f"retrieval.{key}", key)
    _aggregate(result, rows, "answers.citation_precision", "citation_precision")
    _aggregate(result, rows, "answers.answer_term_overlap", "answer_term_overlap")
    unanswerable = [r for r in rows if not r["answerable"]]
    if unanswerable:
        _aggregate_values(
            result, "answers.refusal_rate", [0.0 if r["answered"] else 1.0 for r in unanswerable]
        )
    answerable = [r for r in rows if r["answerable"] and "ndcg@10" in r]
    if answerable:
        _aggregate_values(
            result, "answers.answer_rate", [1.0 if r["answered"] else 0.0 for r in answerable]
        )
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


# Row key → metric name of the gold-answer grades.
ANSWER_GRADES = {
    "exact_match": "answers.exact_match",
    "token_f1": "answers.token_f1",
    "correct_citation": "answers.correct_citation_rate",
    "correct_answer": "answers.correct_answer_rate",
    "correct_decline": "answers.correct_decline_rate",
}


def _answer_grades(q: Query, answer: Any) -> dict[str, float | None]:
    """Grades of one answer against the query's gold spans (or its having no answer).

    A declined answer is graded as the empty answer. Queries without gold labels (suites
    other than synthetic) get no grade.
    """
    if not q.answerable:
        return {"correct_decline": m.correct_decline_rate([answer.answered])}
    if not q.gold:
        return {}
    text = answer.answer if answer.answered else ""
    cited = [c.document_id for c in answer.citations]
    return {
        "exact_match": m.exact_match(text, q.gold_facts),
        "token_f1": m.token_f1(text, q.gold_facts),
        "correct_citation": m.correct_citation(
            answered=answer.answered,
            cited_document_ids=cited,
            gold_document_ids=q.gold_document_ids,
        ),
        "correct_answer": m.correct_answer(
            answered=answer.answered,
            answer=text,
            cited_document_ids=cited,
            facts=q.gold_facts,
            gold_document_ids=q.gold_document_ids,
        ),
    }


def _answer_metrics(result: RunResult, rows: Sequence[Mapping[str, Any]]) -> None:
    """The gold-answer grades overall, per role and per query kind."""
    for key, name in ANSWER_GRADES.items():
        _aggregate(result, rows, name, key)
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


def _citation_precision(
    citations: Sequence[Any], documents: Mapping[str, str], q: Query
) -> float | None:
    try:
        return m.citation_precision(citations, documents=documents, answer_terms=q.answer_terms)
    except ValueError:  # answer terms without content words: judge spans only
        return m.citation_precision(citations, documents=documents)


def _permitted_recall_loss(cp: Copilot, q: Query) -> float:
    """Our planner's top-10 chunks against the exact permitted top-10, same vectors."""
    qvec = cp.embedder.embed_query(q.text)
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


def _cited_documents(cp: Copilot, q: Query, citations: Sequence[Any]) -> dict[str, str]:
    """Content of the cited documents the user may see (others stay out: they fail)."""
    from copilot.errors import NotFound

    out: dict[str, str] = {}
    for c in citations:
        if c.document_id in out:
            continue
        try:
            doc = cp.get_document(org=q.org, user_id=q.user_id, document_id=c.document_id)
        except NotFound:
            continue
        out[doc.id] = doc.content
    return out


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
