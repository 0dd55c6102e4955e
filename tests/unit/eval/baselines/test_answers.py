"""The first-sentence answer: the top hit's first sentence, cited as an exact span."""

from __future__ import annotations

import doctest
from datetime import UTC, datetime

from eval.baselines import answers
from eval.baselines.answers import first_sentence_answer
from retrieval.models import ScoredChunk

CONTENT = "Subject: Renewal\n\nThanks for the call. The contract renews on 1 March. Best, Ana"


def _hit(document_id: str, start: int, end: int) -> ScoredChunk:
    return ScoredChunk(
        document_id=document_id,
        ord=0,
        kind="email",
        title="Renewal",
        account_id=None,
        occurred_at=datetime(2026, 5, 4, tzinfo=UTC),
        char_start=start,
        char_end=end,
        text=CONTENT[start:end],
        score=0.5,
    )


def test_answers_with_the_first_sentence_of_the_top_hit_and_cites_its_span() -> None:
    start = CONTENT.index("Thanks")
    answer = first_sentence_answer([_hit("d1", start, len(CONTENT)), _hit("d2", 0, 16)])
    assert answer.answered and answer.answer == "Thanks for the call."
    (citation,) = answer.citations
    assert citation.document_id == "d1"
    assert CONTENT[citation.start : citation.end] == citation.quote == answer.answer


def test_never_declines_what_it_retrieved_but_has_nothing_to_say_without_hits() -> None:
    assert first_sentence_answer([_hit("d1", 0, len(CONTENT))]).answered
    empty = first_sentence_answer([])
    assert not empty.answered and empty.citations == [] and empty.engine == answers.ENGINE


def test_docstring_example() -> None:
    result = doctest.testmod(answers)
    assert result.failed == 0 and result.attempted > 0
