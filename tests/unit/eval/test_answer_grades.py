"""Gold-answer metrics (eval.metrics.answers): hand-computed cases, edge cases included."""

from __future__ import annotations

import pytest

from eval import metrics as m


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Renewal, due: March 3!", ["renewal", "due", "march", "3"]),
        ("an offline mode for a mobile app", ["offline", "mode", "for", "mobile", "app"]),
        ("$165,800", ["165", "800"]),
        ("12%", ["12"]),
        ("", []),
        ("...", []),
    ],
)
def test_answer_tokens_normalize_as_squad(text: str, expected: list[str]) -> None:
    assert m.answer_tokens(text) == expected


@pytest.mark.parametrize(
    ("answer", "facts", "expected"),
    [
        ("Our contract is up on March 3, so let's start.", ["March 3"], 1.0),
        ("Our contract is up on march 3", ["March 3"], 1.0),  # case
        ("It is up on March 30.", ["March 3"], 0.0),  # whole words only
        ("It is up on 3 March.", ["March 3"], 0.0),  # order matters
        ("Renewing keeps you at $165,800 for a year.", ["$165,800"], 1.0),
        ("They want 12% off list.", ["12%"], 1.0),
        ("They want 12% off list.", ["HubSpot", "12%"], 1.0),  # any fact
        ("", ["March 3"], 0.0),  # declined: empty answer
        ("Anything", [], None),  # nothing to grade
        ("Anything", ["the", "."], None),  # no word in any fact
    ],
)
def test_exact_match(answer: str, facts: list[str], expected: float | None) -> None:
    assert m.exact_match(answer, facts) == expected


@pytest.mark.parametrize(
    ("answer", "facts", "expected"),
    [
        ("March 3", ["March 3"], 1.0),
        # 6 answer tokens (contract is up on march 3), 2 in common: P 1/3, R 1 -> 0.5
        ("The contract is up on March 3.", ["March 3"], 0.5),
        # best of two facts: "hubspot" P 1/4 R 1 -> 0.4; "zoho crm" shares nothing
        ("They evaluate HubSpot now", ["Zoho CRM", "HubSpot"], 0.4),
        # repeats count once per side: answer [3, 3], fact [march, 3] -> P 1/2 R 1/2
        ("3 3", ["March 3"], 0.5),
        ("", ["March 3"], 0.0),
        ("Nothing in common", ["March 3"], 0.0),
        ("x", [], None),
    ],
)
def test_token_f1(answer: str, facts: list[str], expected: float | None) -> None:
    got = m.token_f1(answer, facts)
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("answered", "cited", "gold", "expected"),
    [
        (True, ["d1"], ["d1"], 1.0),
        (True, ["d7", "d1", "d9"], ["d1", "d2"], 1.0),  # several citations, one gold
        (True, ["d7", "d9"], ["d1"], 0.0),
        (True, [], ["d1"], 0.0),
        (False, ["d1"], ["d1"], 0.0),  # declined, even if it lists the record
        (True, ["d1"], [], None),  # unanswerable: not graded here
    ],
)
def test_correct_citation(
    answered: bool, cited: list[str], gold: list[str], expected: float | None
) -> None:
    got = m.correct_citation(answered=answered, cited_document_ids=cited, gold_document_ids=gold)
    assert got == expected


@pytest.mark.parametrize(
    ("answered", "answer", "cited", "expected"),
    [
        (True, "It runs out on March 3.", ["d1"], 1.0),
        (True, "It runs out on March 3.", ["d2", "d1"], 1.0),  # multiple citations
        (True, "It runs out on March 3.", ["d2"], 0.0),  # fact right, record wrong
        (True, "It runs out soon.", ["d1"], 0.0),  # record right, fact missing
        (False, "It runs out on March 3.", ["d1"], 0.0),  # declined an answerable question
        (True, "", ["d1"], 0.0),  # empty answer
    ],
)
def test_correct_answer(answered: bool, answer: str, cited: list[str], expected: float) -> None:
    got = m.correct_answer(
        answered=answered,
        answer=answer,
        cited_document_ids=cited,
        facts=["March 3"],
        gold_document_ids=["d1"],
    )
    assert got == expected


def test_correct_answer_is_undefined_without_gold() -> None:
    common = {"answered": True, "answer": "x", "cited_document_ids": ["d1"]}
    assert m.correct_answer(**common, facts=[], gold_document_ids=["d1"]) is None
    assert m.correct_answer(**common, facts=["x"], gold_document_ids=[]) is None


@pytest.mark.parametrize(
    ("flags", "expected"),
    [([False, False], 1.0), ([False, True, False, False], 0.75), ([True], 0.0), ([], None)],
)
def test_correct_decline_rate(flags: list[bool], expected: float | None) -> None:
    assert m.correct_decline_rate(flags) == expected
