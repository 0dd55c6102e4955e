"""Sweep the offline answer engine's confidence threshold on dev suites and print it.

For every query of each suite the engine's best candidate is taken whatever its
confidence (``threshold=0``), through the same evidence path as ``/v1/ask``. Then, for
each threshold, it prints:

* ``answered``: share of answerable questions whose best candidate reaches it;
* ``correct``: share of answerable questions answered *correctly* (a cited record is a
  relevant one and, when the suite has answer terms, a cited span contains one);
* ``refusal``: share of unanswerable questions declined;
* ``cit_prec``: share of answered questions (both kinds) whose citations are correct.

``python -m eval.answer_model`` fits the answer scorer and picks its threshold with this
sweep; run this module to see the sweep of the committed scorer on any suite.

Usage:
    COPILOT_DATASETS_DIR=... COPILOT_DATA_DIR=/tmp/cal \\
        python -m eval.calibrate --suite synthetic --suite qmsum
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass
from importlib import resources

from copilot.db import open_scratch_database
from copilot.logs import quiet_libraries
from copilot.service import Copilot
from copilot.settings import Settings
from embeddings import SentenceTransformerEmbedder
from eval.datasets import LOADERS, default_datasets_dir
from eval.scoring import citation_precision
from eval.suite import Query
from summarizers.answer import Scorer, answer_offline

THRESHOLDS = [round(0.05 + 0.025 * i, 3) for i in range(37)]  # 0.05 .. 0.95


@dataclass(frozen=True)
class Outcome:
    answerable: bool
    confidence: float
    correct: bool  # the forced answer cites a right record (and span)


def outcomes(suite: str, *, limit: int | None, scorer: Scorer | None = None) -> list[Outcome]:
    """Each query's forced answer under ``scorer`` (the committed one by default)."""
    spec = tomllib.loads(
        resources.files("eval.suites").joinpath(f"{suite}.toml").read_text(encoding="utf-8")
    )
    data = LOADERS[spec["loader"]](
        datasets_dir=default_datasets_dir(),
        limit=limit or spec.get("limit"),
        seed=int(spec.get("seed", 7)),
    )
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    db = open_scratch_database(settings, name=f"copilot_calibrate_{suite.replace('-', '_')}")
    cp = Copilot(db, embedder, settings)
    try:
        report = cp.indexer(progress=False).ingest_dicts(data.records, source=suite)
        assert not report.errors, report.errors[:1]
        assistant = cp.assistant
        return [_outcome(cp, assistant, q, scorer) for q in data.queries]
    finally:
        cp.close()


def _outcome(cp: Copilot, assistant: object, q: Query, scorer: Scorer | None) -> Outcome:
    from copilot.generation import Assistant

    assert isinstance(assistant, Assistant)
    _, passages = assistant.evidence(org=q.org, user_id=q.user_id, question=q.text)
    answer = answer_offline(
        q.text, passages, similarity=assistant.similarity, scorer=scorer, threshold=0.0
    )
    correct = False
    if answer.citations:
        right_record = any(c.document_id in q.relevant for c in answer.citations)
        precision = citation_precision(cp, q, answer.citations)
        correct = q.answerable and right_record and bool(precision)
    return Outcome(q.answerable, answer.confidence, correct)


def sweep(outcomes: list[Outcome], thresholds: list[float] = THRESHOLDS) -> list[dict[str, float]]:
    """Per threshold: answered, correct, refusal and citation precision (see module doc)."""
    pos = [o for o in outcomes if o.answerable]
    neg = [o for o in outcomes if not o.answerable]
    rows = []
    for t in thresholds:
        answered = [o for o in outcomes if o.confidence >= t]
        rows.append(
            {
                "threshold": t,
                "answered": sum(o.confidence >= t for o in pos) / max(1, len(pos)),
                "correct": sum(o.confidence >= t and o.correct for o in pos) / max(1, len(pos)),
                "refusal": sum(o.confidence < t for o in neg) / max(1, len(neg)) if neg else 1.0,
                "cit_prec": sum(o.correct for o in answered) / len(answered) if answered else 1.0,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", action="append", required=True)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    quiet_libraries()
    for suite in args.suite:
        found = outcomes(suite, limit=args.limit)
        n_pos = sum(o.answerable for o in found)
        print(f"\n{suite}: {n_pos} answerable, {len(found) - n_pos} unanswerable")
        print(f"{'threshold':>9} {'answered':>9} {'correct':>8} {'refusal':>8} {'cit_prec':>9}")
        for row in sweep(found):
            print(
                f"{row['threshold']:>9.3f} {row['answered']:>9.3f} {row['correct']:>8.3f}"
                f" {row['refusal']:>8.3f} {row['cit_prec']:>9.3f}"
            )


if __name__ == "__main__":
    main()
