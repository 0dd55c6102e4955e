"""The ``stackfaq`` suite: FAQ answers as org-visible tickets, reworded questions as queries."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path
from typing import Any

from eval.datasets.common import (
    UNDATED,
    check_limit,
    iso,
    make_user,
    read_jsonl,
    require,
    sample_in_order,
    visibility_truth,
)
from eval.suite import EvalError, Query, SuiteData

__all__ = ["load_stackfaq"]


_FAQ_ORG = "faq"
# With a limit, the corpus is cut to the relevant documents plus a sample up to this.
_FAQ_MAX_DOCS_WHEN_LIMITED = 400


def load_stackfaq(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """StackFAQ: FAQ entries as org-visible solved tickets, reworded questions as queries.

    Each corpus entry (a question title and its answers) becomes one ticket owned by a
    support rep; every query is asked by a sales rep, relevant per ``qrels.tsv``.

    Args:
        datasets_dir: Holds ``stackfaq/{corpus.jsonl,queries.jsonl,qrels.tsv}``.
        limit: At most this many queries (a seeded sample); the corpus keeps their
            relevant entries plus a seeded sample of the rest, 400 entries at most.
        seed: Seeds the samples.

    Raises:
        DatasetMissing: A file is absent.
    """
    check_limit(limit)
    root = datasets_dir / "stackfaq"
    corpus = {str(r["_id"]): r for r in read_jsonl(require(root / "corpus.jsonl", "stackfaq"))}
    questions = {
        str(r["_id"]): str(r["text"]).strip()
        for r in read_jsonl(require(root / "queries.jsonl", "stackfaq"))
    }
    qrels = _read_qrels(require(root / "qrels.tsv", "stackfaq"))
    rng = random.Random(f"stackfaq:{seed}")
    labelled = [q for q in questions if questions[q] and any(d in corpus for d in qrels.get(q, {}))]
    kept = sample_in_order(labelled, limit, rng)
    doc_ids = list(corpus)
    if limit is not None:
        needed = {d for q in kept for d in qrels[q] if d in corpus}
        rest = [d for d in doc_ids if d not in needed]
        extra = sample_in_order(rest, max(_FAQ_MAX_DOCS_WHEN_LIMITED - len(needed), 0), rng)
        doc_ids = [d for d in doc_ids if d in needed or d in set(extra)]

    org, support, rep = _FAQ_ORG, f"{_FAQ_ORG}-u-support", f"{_FAQ_ORG}-u-rep"
    account_id = f"{org}-a-kb"
    records: list[dict[str, Any]] = [
        {"type": "team", "org": org, "id": f"{org}-t-support", "name": "Support"},
        {"type": "team", "org": org, "id": f"{org}-t-sales", "name": "Sales"},
        make_user(org, f"{org}-u-admin", "Alex Moreno", "admin"),
        make_user(org, support, "Jamie Chen", "rep", team_id=f"{org}-t-support"),
        make_user(org, rep, "Riley Brooks", "rep", team_id=f"{org}-t-sales"),
        {
            "type": "account",
            "org": org,
            "id": account_id,
            "name": "Knowledge base",
            "owner_id": support,
        },
    ]
    for n, doc_id in enumerate(doc_ids):
        entry = corpus[doc_id]
        records.append(
            {
                "type": "ticket",
                "org": org,
                "id": doc_id,
                "account_id": account_id,
                "owner_id": support,
                "visibility": "org",
                "occurred_at": iso(UNDATED + timedelta(hours=n)),
                "subject": str(entry.get("title") or doc_id).strip(),
                "body": str(entry.get("text") or "").strip() or "(no answer)",
                "status": "solved",
                "priority": "normal",
            }
        )
    present = set(doc_ids)
    queries = [
        Query(
            id=q,
            org=org,
            user_id=rep,
            role="rep",
            text=questions[q],
            relevant={d: g for d, g in qrels[q].items() if d in present},
            kind="stackfaq",
        )
        for q in kept
    ]
    return SuiteData(
        name="stackfaq",
        records=records,
        visible=visibility_truth(records),
        queries=queries,
        notes=[
            f"{len(queries)} of {len(labelled)} queries over {len(doc_ids)} of {len(corpus)} "
            "FAQ entries (one org-visible solved ticket per entry: title as subject, all "
            "answers as body), asked by a sales rep.",
            "Small corpus: absolute scores mean little; use it as a sanity check.",
        ],
    )


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``{query id: {document id: grade}}`` from a BEIR qrels TSV (header optional)."""
    out: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            cells = line.rstrip("\n").split("\t")
            if not line.strip() or (line_no == 1 and cells[0] == "query-id"):
                continue
            try:
                query_id, doc_id, grade = cells[0], cells[1], int(cells[2])
            except (IndexError, ValueError):
                raise EvalError(f"{path}:{line_no}: expected query-id, corpus-id, score") from None
            if grade > 0:
                out.setdefault(query_id, {})[doc_id] = grade
    return out
