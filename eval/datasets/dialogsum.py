"""The ``dialogsum`` suite: call summaries against the human summary."""

from __future__ import annotations

import random
from pathlib import Path

from eval.datasets.common import UNDATED, check_limit, read_jsonl, require, sample_in_order
from eval.suite import SuiteData, SummaryTask

__all__ = ["load_dialogsum"]


def load_dialogsum(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """DialogSum dev dialogues as call summary tasks against the human summary.

    The dialogue keeps its ``#Person1#:`` speaker labels, which the offline summarizer
    reads as speakers.

    Args:
        datasets_dir: Holds ``dialogsum/dialogsum.dev.jsonl``.
        limit: At most this many dialogues (a seeded sample).
        seed: Seeds the sample.

    Raises:
        DatasetMissing: The file is absent.
    """
    check_limit(limit)
    path = require(datasets_dir / "dialogsum" / "dialogsum.dev.jsonl", "dialogsum")
    rows = [r for r in read_jsonl(path) if str(r.get("dialogue", "")).strip()]
    kept = sample_in_order(rows, limit, random.Random(f"dialogsum:{seed}"))
    tasks = [
        SummaryTask(
            id=str(r["fname"]),
            text=str(r["dialogue"]),
            kind="call",
            references=(str(r["summary"]).strip(),),
            occurred_at=UNDATED,
            target="summary",
        )
        for r in kept
        if str(r.get("summary", "")).strip()
    ]
    return SuiteData(
        name="dialogsum",
        records=[],
        visible={},
        summaries=tasks,
        notes=[f"{len(tasks)} of {len(rows)} dev dialogues; one human summary each."],
    )
