"""The hand-written CRMs index cleanly, and every answer to their questions cites only
records the asker may see (``python -m eval.handwritten`` grades the answers)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eval.datasets.common import read_jsonl
from eval.handwritten import CRMS, HANDWRITTEN_DIR
from retrieval import store


@pytest.mark.slow
@pytest.mark.parametrize("crm", CRMS)
def test_answers_on_a_handwritten_crm_cite_only_what_the_asker_may_see(
    copilot: Any, crm: str
) -> None:
    records = list(read_jsonl(HANDWRITTEN_DIR / crm / "crm.jsonl"))
    report = copilot.indexer(progress=False).ingest_dicts(records, source=crm)
    assert report.errors == []
    questions = json.loads((HANDWRITTEN_DIR / crm / "questions.json").read_text())
    for item in questions:
        answer = copilot.assistant.ask(org=crm, user_id=item["user"], question=item["q"]).answer
        with copilot.as_caller(org=crm, user_id=item["user"]) as (conn, acl):
            for c in answer.citations:
                assert store.get_document(conn, org=crm, acl=acl, id=c.document_id), (item, c)
        # Asked by the other team's rep about facts only the first team's records hold
        # (``hidden``): nothing of them may come back, answered or not.
        said = " ".join([answer.answer, *(f.quote for f in answer.facts)]).lower()
        assert not any(fact.lower() in said for fact in item.get("hidden", [])), item
    assert sum("hidden" in item for item in questions) >= 2
