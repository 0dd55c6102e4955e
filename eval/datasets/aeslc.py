"""The ``aeslc`` suite: a one-line email gist against the subject and human annotations."""

from __future__ import annotations

import random
from pathlib import Path

from eval.datasets.common import UNDATED, check_limit, read_jsonl, require, sample_in_order
from eval.suite import SuiteData, SummaryTask

__all__ = ["load_aeslc"]


def load_aeslc(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """AESLC dev emails as gist tasks: the subject and three human annotations.

    Args:
        datasets_dir: Holds ``aeslc/aeslc_dev.jsonl``.
        limit: At most this many emails (a seeded sample).
        seed: Seeds the sample.

    Raises:
        DatasetMissing: The file is absent.
    """
    check_limit(limit)
    path = require(datasets_dir / "aeslc" / "aeslc_dev.jsonl", "aeslc")
    rows = [r for r in read_jsonl(path) if str(r.get("email_body", "")).strip()]
    kept = sample_in_order(rows, limit, random.Random(f"aeslc:{seed}"))
    tasks = []
    for r in kept:
        refs = tuple(
            str(r.get(k, "")).strip()
            for k in ("subject", "ann0", "ann1", "ann2")
            if str(r.get(k, "")).strip()
        )
        if refs:
            tasks.append(
                SummaryTask(
                    id=str(r["id"]),
                    text=str(r["email_body"]),
                    kind="email",
                    references=refs,
                    occurred_at=UNDATED,
                    target="gist",
                )
            )
    return SuiteData(
        name="aeslc",
        records=[],
        visible={},
        summaries=tasks,
        notes=[
            f"{len(tasks)} of {len(rows)} dev emails; references are the sender's subject "
            "and up to 3 human annotations (the subject is often terse or a forward tag)."
        ],
    )
