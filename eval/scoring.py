"""Per-question scoring shared by the system and the baselines.

A row function scores one question (a ranking, an answer) and an aggregate function turns
rows into metrics named as the report shows them (``retrieval.ndcg@10``,
``answers.refusal_rate``). The runner applies both to the system's output and to each
baseline's, so a metric added here is computed for all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from copilot.errors import NotFound
from copilot.service import Copilot
from eval import metrics as m
from eval.suite import Query
from summarizers.models import Answer

__all__ = [
    "ANSWER_GRADES",
    "K_VALUES",
    "answer_grades",
    "answer_metrics",
    "answer_row",
    "citation_precision",
    "question_flags",
    "ranked_documents",
    "retrieval_metrics",
    "retrieval_row",
]

K_VALUES = (1, 3, 5, 10, 20, 50)


def ranked_documents(hits: Sequence[Any]) -> list[str]:
    """Document ids in the order of their best chunk."""
    seen: list[str] = []
    for h in hits:
        if h.document_id not in seen:
            seen.append(h.document_id)
    return seen


def _relevant(q: Query, visible: frozenset[str]) -> dict[str, int]:
    return {d: g for d, g in q.relevant.items() if d in visible}


def question_flags(q: Query, visible: frozenset[str]) -> dict[str, bool]:
    """``answerable``, and ``graded``: answerable and the asker may see a relevant
    document, so ranking metrics and the answer rate are defined for the question."""
    return {"answerable": q.answerable, "graded": bool(q.answerable and _relevant(q, visible))}


def retrieval_row(q: Query, ranked: Sequence[str], visible: frozenset[str]) -> dict[str, Any]:
    """One ranking's per-query scores (and :func:`question_flags`), the system's and the
    baselines' alike. ``visible`` is what the oracle says the asker may see."""
    relevant = _relevant(q, visible)
    row: dict[str, Any] = {
        **question_flags(q, visible),
        "returned": list(ranked[:10]),
        "leaked": [d for d in ranked if d not in visible],
        "returned_count": len(ranked),
    }
    if row["graded"]:
        row["ndcg@10"] = m.ndcg_at_k(ranked, relevant, 10)
        row["mrr"] = m.reciprocal_rank(ranked, relevant)
        for k in K_VALUES:
            row[f"recall@{k}"] = m.recall_at_k(ranked, relevant, k)
    return row


def retrieval_metrics(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Leak rate and ranking metrics over rows of :func:`retrieval_row`."""
    total_returned = sum(r["returned_count"] for r in rows)
    total_leaked = sum(len(r["leaked"]) for r in rows)
    out: dict[str, dict[str, Any]] = {
        "permissions.leak_rate": {
            "value": total_leaked / total_returned if total_returned else 0.0,
            "n": total_returned,
            "leaked": total_leaked,
        }
    }
    graded = [r for r in rows if r["graded"]]
    for key in ("ndcg@10", "mrr", "recall@5", "recall@10", "recall@50"):
        out.update(
            _summarized(f"retrieval.{key}", [r[key] for r in graded if r.get(key) is not None])
        )
    return out


# Row key → metric name of the gold-answer grades.
ANSWER_GRADES = {
    "exact_match": "answers.exact_match",
    "token_f1": "answers.token_f1",
    "correct_citation": "answers.correct_citation_rate",
    "correct_answer": "answers.correct_answer_rate",
    "correct_decline": "answers.correct_decline_rate",
}


def answer_grades(q: Query, answer: Answer) -> dict[str, float | None]:
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


def answer_row(cp: Copilot, q: Query, answer: Answer) -> dict[str, Any]:
    """One answer's per-question scores. Every answer metric goes here, so it applies to
    the system's answers and to the answer baseline's alike."""
    row: dict[str, Any] = {
        "answered": answer.answered,
        "answer": answer.answer[:300],
        "citation_precision": citation_precision(cp, q, answer.citations),
    }
    if q.reference_answer and answer.answered:
        row["answer_term_overlap"] = m.answer_term_overlap(answer.answer, q.reference_answer)
    row.update(answer_grades(q, answer))
    return row


def answer_metrics(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Answer metrics over rows of :func:`answer_row` merged with :func:`question_flags`."""
    out: dict[str, dict[str, Any]] = {}
    for key in ("citation_precision", "answer_term_overlap"):
        values = [r[key] for r in rows if r.get(key) is not None]
        out.update(_summarized(f"answers.{key}", values))
    unanswerable = [r for r in rows if not r["answerable"]]
    out.update(
        _summarized("answers.refusal_rate", [0.0 if r["answered"] else 1.0 for r in unanswerable])
    )
    graded = [r for r in rows if r["graded"]]
    out.update(_summarized("answers.answer_rate", [1.0 if r["answered"] else 0.0 for r in graded]))
    for key, name in ANSWER_GRADES.items():
        out.update(_summarized(name, [r[key] for r in rows if r.get(key) is not None]))
    return out


def _summarized(name: str, values: Sequence[float]) -> dict[str, dict[str, Any]]:
    return {name: m.summarize(name, list(values)).as_dict()} if values else {}


def citation_precision(cp: Copilot, q: Query, citations: Sequence[Any]) -> float | None:
    """:func:`eval.metrics.citation_precision` of ``citations`` against the cited
    documents ``q``'s user may see (others fail), their titles and ``q``'s answer terms."""
    contents: dict[str, str] = {}
    titles: dict[str, str] = {}
    for c in citations:
        if c.document_id in contents:
            continue
        try:
            doc = cp.get_document(org=q.org, user_id=q.user_id, document_id=c.document_id)
        except NotFound:
            continue
        contents[doc.id], titles[doc.id] = doc.content, doc.title
    try:
        return m.citation_precision(
            citations, documents=contents, answer_terms=q.answer_terms, titles=titles
        )
    except ValueError:  # answer terms without content words: judge spans only
        return m.citation_precision(citations, documents=contents)
