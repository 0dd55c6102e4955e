"""Product-gap answers: what the customer asked the product to do, in their words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from summarizers.answer.gaps import asks_product_gap, gap_mentions
from summarizers.answer.recognised import RECOGNISED_CONFIDENCE, recognised_answer
from summarizers.models import Passage

AT = datetime(2026, 5, 1, tzinfo=UTC)


def _passage(doc: str, text: str, *, account: bool = True) -> Passage:
    return Passage(
        document_id=doc,
        kind="ticket",
        title="Request",
        text=text,
        start=0,
        end=len(text),
        score=1.0,
        occurred_at=AT,
        context=("Meridian Retail",) if account else (),
    )


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("What would Meridian Retail like us to build for them?", True),
        ("What enhancement did Meridian ask our builders to add?", True),
        ("What functionality does Meridian say we lack?", True),
        ("What capability has Meridian said is missing from our product?", True),
        # A date, an amount, a competitor's features: not what they asked for.
        ("When will the audit log feature ship?", False),
        ("How much does the forecasting feature cost?", False),
        ("Which features does HubSpot have that we lack?", False),
        ("Which competitor has the features Meridian wants?", False),
        ("When does the Meridian contract renew?", False),
    ],
)
def test_which_questions_ask_what_the_product_lacks(question: str, asks: bool) -> None:
    assert asks_product_gap(question) is asks


def test_the_customers_request_answers_and_neither_an_aside_nor_a_denial_does() -> None:
    passages = [
        _passage("tk-1", "We don't need an offline mode; the app doesn't support it, fine."),
        _passage("tk-2", "It would really help if we had an offline mode for the mobile app."),
        _passage("tk-3", "Is there any plan to support SAML group sync?", account=False),
    ]
    assert [c.document_id for c in gap_mentions(passages)] == ["tk-2"]
    answer = recognised_answer("What would Meridian Retail like us to build for them?", passages)
    assert answer is not None and answer.answered
    assert answer.answer == "It would really help if we had an offline mode for the mobile app."
    assert [c.document_id for c in answer.citations] == ["tk-2"]
    assert answer.confidence == RECOGNISED_CONFIDENCE


def test_without_a_request_the_question_is_left_to_the_engine() -> None:
    passages = [_passage("tk-1", "Meridian renewed for another year at 40 seats.")]
    assert recognised_answer("What functionality does Meridian say we lack?", passages) is None


def test_a_request_asked_as_a_question_goes_on_to_what_follows_it() -> None:
    text = "Is there any plan to support SAML group sync? Our admins keep asking. Thanks, Ana"
    [asked] = gap_mentions([_passage("em-4", text)])
    assert asked.quote == "Is there any plan to support SAML group sync? Our admins keep asking."
    assert text[asked.start : asked.end] == asked.quote


def _ours(doc: str, text: str) -> Passage:
    """An internal note of ours about Meridian Retail (all of its text our words)."""
    p = _passage(doc, text)
    return p.model_copy(update={"kind": "email", "sides": ((0, len(text), "ours"),)})


def test_our_note_reporting_the_customers_request_answers_and_our_pitch_does_not() -> None:
    note = _ours("em-5", "Meridian Retail wants bulk record editing before expanding.")
    assert [c.quote for c in gap_mentions([note])] == [
        "Meridian Retail wants bulk record editing before expanding."
    ]
    roadmap = _ours("em-6", "Roadmap question from Meridian Retail about scheduled reports.")
    assert [c.document_id for c in gap_mentions([roadmap])] == ["em-6"]
    # Our own words that do not speak of the customer are a pitch, not their request.
    pitch = _ours("em-7", "Teams often ask us: is there any plan to support offline mode?")
    assert gap_mentions([pitch]) == []


def test_users_asking_for_a_feature_is_a_request_and_execs_asking_for_updates_is_not() -> None:
    wants = _passage("tk-8", "Our users keep asking for scheduled reports every week.")
    updates = _passage("tk-9", "Our execs keep asking for updates on the outage.")
    assert [c.document_id for c in gap_mentions([updates, wants])] == ["tk-8"]
