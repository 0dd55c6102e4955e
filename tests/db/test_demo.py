"""``copilot demo`` end to end on a small sample: results obey each user's visibility."""

from __future__ import annotations

import json

import pytest

from copilot import demo, sample
from copilot.auth import TokenService


def test_demo_indexes_the_sample_and_searches_as_three_users(
    copilot,
    settings,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(demo, "DEMO_DOCS_PER_ORG", 60)
    lines: list[str] = []
    shown = demo.run(copilot, settings, echo=lines.append)
    out = "\n".join(lines)
    assert "0 rejected" in out
    for role in ("rep", "manager", "admin"):
        assert f"as {role} " in out
    # One question the rep's records answer (from deal fields, cited by the deal) and one
    # about an account that does not exist, declined.
    asked = out.split("ask as ")[1:]
    assert len(asked) == 2
    assert "answered (confidence" in asked[0] and "from deal " in asked[0]
    assert "Zyphora Dynamics" in asked[1] and "declined (confidence" in asked[1]
    # The printed curl line asks the question the demo saw answered.
    assert shown.answered_question and shown.answered_question in asked[0]
    # So does the command line it suggests, as the rep.
    rep = shown.who["rep"]
    assert f"copilot ask '{shown.answered_question}' --org {shown.org} --user {rep}" in out
    printed: list[str] = []
    tokens = TokenService.from_settings(settings, dev=True)
    demo.print_api_help(
        tokens,
        shown.org,
        shown.who,
        base_url="http://h",
        question=shown.answered_question,
        echo=printed.append,
    )
    (ask_line,) = [line for line in printed if "/v1/ask" in line]
    assert json.dumps({"question": shown.answered_question}) in ask_line

    truth = sample.load_truth(settings.data_dir / "sample")
    records = [r for r in sample.generate(7, docs_per_org=60).records]
    org, who = demo.pick_demo_users(records)
    for uid in who.values():
        for query in ("pricing discount before renewal", "security review"):
            hits = copilot.search(org=org, user_id=uid, query=query, top_k=20).hits
            assert {h.document_id for h in hits} <= truth.visible_document_ids[org][uid]
    # Running it again re-embeds nothing.
    lines.clear()
    demo.run(copilot, settings, echo=lines.append)
    assert " 0 embedded" in "\n".join(lines)
