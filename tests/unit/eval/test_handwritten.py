"""The hand-written CRMs: valid records, questions asked by their own users, and the
grading's examples (``python -m eval.handwritten`` runs them through the service)."""

from __future__ import annotations

import json

import pytest

from eval.datasets.common import read_jsonl
from eval.handwritten import CRMS, HANDWRITTEN_DIR
from tests.docstrings import assert_examples_hold


def test_the_grading_examples_hold() -> None:
    assert_examples_hold("eval.handwritten.__main__")


@pytest.mark.parametrize("crm", CRMS)
def test_each_question_is_asked_by_a_user_of_its_crm_and_names_what_answers_it(crm: str) -> None:
    records = list(read_jsonl(HANDWRITTEN_DIR / crm / "crm.jsonl"))
    assert {r["org"] for r in records} == {crm}
    ids = {r["id"] for r in records}
    users = {r["id"] for r in records if r["type"] == "user"}
    questions = json.loads((HANDWRITTEN_DIR / crm / "questions.json").read_text())
    assert len(questions) >= 25
    assert any(not q["answerable"] for q in questions)
    for q in questions:
        assert q["user"] in users, q
        if q["answerable"]:
            assert q["record"] in ids and q["answer_contains"], q
