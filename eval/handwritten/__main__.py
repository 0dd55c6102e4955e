"""Ask the hand-written CRMs' questions through the service and grade the answers.

Indexes ``eval/handwritten/<org>/crm.jsonl`` into a scratch database (the embedded server
under ``$COPILOT_DATA_DIR``, or ``COPILOT_DATABASE_URL``; never your data), then asks every
question of ``questions.json`` as its user, exactly as ``/v1/ask`` does, and prints one
line per question and the totals (see :mod:`eval.handwritten` for the grading).

Usage:
    python -m eval.handwritten                  # all five CRMs
    python -m eval.handwritten --crm larkfield --verbose
    python -m eval.handwritten --json > handwritten.json
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from typing import Any

from eval.datasets.common import read_jsonl
from eval.handwritten import CRMS, HANDWRITTEN_DIR


@dataclass(frozen=True)
class Graded:
    """One question's outcome."""

    crm: str
    user: str
    question: str
    answerable: bool
    outcome: str  # correct | wrong | declined (answerable); declined | answered (not)
    confidence: float
    cited: list[str]
    answer: str
    expected_record: str | None
    expected: list[str]


def _normal(text: str) -> str:
    return text.lower().replace(",", "")


def grade(item: dict[str, Any], *, answered: bool, text: str, cited: set[str]) -> str:
    """``correct``, ``wrong`` or ``declined`` for an answerable question; ``declined`` or
    ``answered`` for one nothing the asker may see answers.

    Example:
        >>> item = {"answerable": True, "record": "em-1", "answer_contains": ["1,850"]}
        >>> grade(item, answered=True, text="About 1850 learners.", cited={"em-1"})
        'correct'
        >>> grade(item, answered=True, text="About 1850 learners.", cited={"em-2"})
        'wrong'
    """
    if not item["answerable"]:
        return "answered" if answered else "declined"
    if not answered:
        return "declined"
    says = all(_normal(s) in _normal(text) for s in item["answer_contains"])
    record = item.get("record")
    return "correct" if says and (record is None or record in cited) else "wrong"


def run(crms: list[str]) -> list[Graded]:
    """Index the CRMs into one scratch database and grade every question."""
    from copilot.db import open_scratch_database
    from copilot.service import Copilot
    from copilot.settings import Settings
    from embeddings import SentenceTransformerEmbedder

    settings = Settings()
    db = open_scratch_database(settings, name="copilot_eval_handwritten")
    cp = Copilot(db, SentenceTransformerEmbedder(settings.embedding_model), settings)
    out: list[Graded] = []
    try:
        for crm in crms:
            folder = HANDWRITTEN_DIR / crm
            records = list(read_jsonl(folder / "crm.jsonl"))
            report = cp.indexer(progress=False).ingest_dicts(records, source=f"handwritten/{crm}")
            if report.errors:
                raise SystemExit(f"{crm}: {report.errors[0]}")
            org = records[0]["org"]
            for item in json.loads((folder / "questions.json").read_text(encoding="utf-8")):
                a = cp.assistant.ask(org=org, user_id=item["user"], question=item["q"]).answer
                text = " ".join([a.answer, *(f.quote for f in a.facts)])
                cited = {c.document_id for c in a.citations} | {f.document_id for f in a.facts}
                out.append(
                    Graded(
                        crm=crm,
                        user=item["user"],
                        question=item["q"],
                        answerable=item["answerable"],
                        outcome=grade(item, answered=a.answered, text=text, cited=cited),
                        confidence=round(a.confidence, 3),
                        cited=sorted(cited),
                        answer=" ".join(a.answer.split()),
                        expected_record=item.get("record"),
                        expected=list(item["answer_contains"]),
                    )
                )
    finally:
        cp.close()
    return out


def totals(rows: list[Graded]) -> dict[str, float | int]:
    """Counts and rates over ``rows``."""
    pos = [r for r in rows if r.answerable]
    neg = [r for r in rows if not r.answerable]
    correct = sum(r.outcome == "correct" for r in pos)
    declined = sum(r.outcome == "declined" for r in neg)
    return {
        "answerable": len(pos),
        "correct": correct,
        "wrong": sum(r.outcome == "wrong" for r in pos),
        "correct_rate": round(correct / len(pos), 3) if pos else 0.0,
        "unanswerable": len(neg),
        "declined": declined,
        "decline_rate": round(declined / len(neg), 3) if neg else 1.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.handwritten",
        description="Ask the hand-written CRMs' questions as their users and grade the answers.",
    )
    parser.add_argument(
        "--crm", action="append", choices=CRMS, help="only this CRM (repeatable; default all)"
    )
    parser.add_argument("--verbose", action="store_true", help="print every answer")
    parser.add_argument("--json", action="store_true", help="print the graded rows as JSON")
    args = parser.parse_args(argv)
    from copilot.logs import quiet_libraries

    quiet_libraries()
    rows = run(args.crm or list(CRMS))
    if args.json:
        json.dump({"rows": [asdict(r) for r in rows], "totals": totals(rows)}, sys.stdout, indent=1)
        print()
        return 0
    for r in rows:
        print(f"{r.outcome:9} {r.confidence:.2f} [{r.crm}/{r.user}] {r.question}")
        if (
            args.verbose
            or r.outcome in ("wrong", "answered")
            or (r.answerable and r.outcome == "declined")
        ):
            print(f"{'':14}expected {r.expected_record} {r.expected}; cited {r.cited}")
            print(f"{'':14}{r.answer[:240]}")
    for crm in args.crm or CRMS:
        print(f"{crm}: {totals([r for r in rows if r.crm == crm])}")
    print(f"all: {totals(rows)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
