"""Run every baseline over a suite's data and score it as the system is scored."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from copilot.service import Copilot
from eval import metrics as m
from eval.baselines.answers import first_sentence_answer
from eval.baselines.bm25 import BM25Baseline
from eval.baselines.summaries import lead_sentence, lead_sentences
from eval.baselines.vector import vector_only_search
from eval.scoring import (
    answer_metrics,
    answer_row,
    question_flags,
    ranked_documents,
    retrieval_metrics,
    retrieval_row,
)
from eval.suite import Query, SuiteData
from retrieval.models import ScoredChunk

__all__ = ["SystemOutput", "run_baselines"]


@dataclass(frozen=True)
class SystemOutput:
    """What the system computed for one query that the baselines reuse.

    Attributes:
        retrieved: The hits the system's answer engine read (the answer baseline reads
            the same, so it isolates the step from passages to an answer).
        query_embedding: The query's vector (``embed_query``), embedded once per query.
    """

    retrieved: Sequence[ScoredChunk]
    query_embedding: Any


def run_baselines(
    cp: Copilot,
    data: SuiteData,
    system: Sequence[SystemOutput],
    *,
    depth: int,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Score the baselines on the same corpus, queries and users, with the same metrics.


    Args:
        cp: The service the system ran on (its permitted chunks, its exact vector search).
        data: The suite.
        system: Per query of ``data.queries``, what the system computed for it.
        depth: Chunks ranked per query, as deep as the system's search.

    Returns:
        Baseline name (``bm25``, ``vector``, ``first_sentence``, ``lead3``) → metrics,
        named and summarized as the system's.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {}
    bm25 = BM25Baseline(cp)
    rankers: dict[str, Callable[[Query, SystemOutput], Sequence[ScoredChunk]]] = {
        "bm25": lambda q, _: bm25.search(org=q.org, user_id=q.user_id, query=q.text, top_k=depth),
        "vector": lambda q, ours: vector_only_search(
            cp, org=q.org, user_id=q.user_id, query_embedding=ours.query_embedding, top_k=depth
        ),
    }
    if data.queries:
        for name, rank in rankers.items():
            rows = [
                retrieval_row(q, ranked_documents(rank(q, ours)), _visible(data, q))
                for q, ours in zip(data.queries, system, strict=True)
            ]
            out[name] = retrieval_metrics(rows)
        answer_rows = [
            {
                **question_flags(q, _visible(data, q)),
                **answer_row(cp, q, first_sentence_answer(ours.retrieved)),
            }
            for q, ours in zip(data.queries, system, strict=True)
        ]
        out["first_sentence"] = answer_metrics(answer_rows)
    if data.summaries:
        scores = []
        for task in data.summaries:
            # The system's gist is its first sentence; lead-1 is the matching baseline.
            lead = lead_sentence(task.text) if task.target == "gist" else lead_sentences(task.text)
            scores.append(m.rouge_f1(lead, task.references))
        out["lead3"] = {
            f"summaries.{key}": m.summarize(key, [s[key] for s in scores]).as_dict()
            for key in ("rouge1", "rouge2", "rougeL")
        }
    return out


def _visible(data: SuiteData, q: Query) -> frozenset[str]:
    return data.visible.get(q.org, {}).get(q.user_id, frozenset())
