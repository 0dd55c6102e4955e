"""Reading and writing a generated sample: ``crm.jsonl`` and ``truth.json``."""

from __future__ import annotations

import json
from pathlib import Path

from copilot.sample.model import GoldSpan, Question, SampleCRM, SampleTruth, SampleUser

__all__ = ["CRM_FILE", "TRUTH_FILE", "load_truth", "write_sample"]

CRM_FILE = "crm.jsonl"
TRUTH_FILE = "truth.json"


def write_sample(crm: SampleCRM, directory: Path) -> Path:
    """Write ``crm.jsonl`` (one record per line) and ``truth.json`` into ``directory``.

    Args:
        crm: What :func:`generate` returned.
        directory: Created if missing; existing files of the same names are replaced.

    Returns:
        The path of ``crm.jsonl``, the file to ingest.
    """
    directory.mkdir(parents=True, exist_ok=True)
    crm_path = directory / CRM_FILE
    with crm_path.open("w", encoding="utf-8") as fh:
        for rec in crm.records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    truth = crm.truth()
    payload = {
        "seed": crm.seed,
        "questions": [
            {
                "id": q.id,
                "org": q.org,
                "text": q.text,
                "kind": q.kind,
                "relevant_document_ids": list(q.relevant_document_ids),
                "answer": q.answer,
                "answer_type": q.answer_type,
                "gold": [g.__dict__ for g in q.gold],
            }
            for q in truth.questions
        ],
        "users": [u.__dict__ for u in truth.users],
        "visible_document_ids": {
            org: {uid: sorted(ids) for uid, ids in by_user.items()}
            for org, by_user in truth.visible_document_ids.items()
        },
    }
    (directory / TRUTH_FILE).write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return crm_path


def load_truth(directory: Path) -> SampleTruth:
    """Read the ``truth.json`` that :func:`write_sample` wrote into ``directory``.

    Raises:
        ValueError: The file is not a truth file (it names the missing key).
    """
    path = directory / TRUTH_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        questions = tuple(
            Question(
                id=q["id"],
                org=q["org"],
                text=q["text"],
                kind=q["kind"],
                relevant_document_ids=tuple(q["relevant_document_ids"]),
                answer=q.get("answer"),
                answer_type=q.get("answer_type"),
                gold=tuple(GoldSpan(**g) for g in q.get("gold", ())),
            )
            for q in raw["questions"]
        )
        users = tuple(SampleUser(**u) for u in raw["users"])
        visible = {
            org: {uid: frozenset(ids) for uid, ids in by_user.items()}
            for org, by_user in raw["visible_document_ids"].items()
        }
    except (KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a sample truth file ({err!r})") from None
    return SampleTruth(questions, users, visible)
