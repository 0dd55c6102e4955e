"""Topic rescue: a named account's trouble, answered by the sentence that states it."""

from __future__ import annotations

from datetime import UTC, datetime

from summarizers.answer import answer_offline
from summarizers.answer.topics import TOPIC_CONFIDENCE
from summarizers.models import Answer, Passage

AT = datetime(2026, 5, 1, tzinfo=UTC)
TEXT = (
    "Thanks for making the time today. Only a handful of people log in these days."
    " Let's talk again next week."
)


def _passage(text: str = TEXT, account: str | None = "Lakeshore Telecom") -> Passage:
    """One record's text, of ``account`` (an account the question named) unless None."""
    return Passage(
        document_id="em-9",
        kind="email",
        title="Check-in",
        text=text,
        start=0,
        end=len(text),
        score=1.0,
        occurred_at=AT,
        context=(account,) if account else (),
    )


def test_a_churn_question_about_a_named_account_is_answered_by_its_churn_sentence() -> None:
    answer = answer_offline(
        "What warning signs do we have that Lakeshore may cancel?", [_passage()]
    )
    assert answer.answered
    assert "Only a handful of people log in these days." in answer.answer
    assert answer.confidence == TOPIC_CONFIDENCE
    [citation] = answer.citations
    assert TEXT[citation.start : citation.end] == citation.quote


def test_no_rescue_without_a_named_account_a_topic_or_the_kind_of_fact_asked() -> None:
    # The record is not of an account the question named.
    assert not answer_offline(
        "What warning signs do we have that Lakeshore may cancel?", [_passage(account=None)]
    ).answered
    # The question names no topic.
    assert not answer_offline("What did Lakeshore say about the weather?", [_passage()]).answered
    # A date is asked and the sentence holds none.
    assert not answer_offline("When will Lakeshore cancel?", [_passage()]).answered
    # A stricter threshold than the topic's confidence turns the rescue off.
    assert not answer_offline(
        "What warning signs do we have that Lakeshore may cancel?",
        [_passage()],
        threshold=0.9,
    ).answered


def test_a_failing_integration_is_named_by_the_sentence_that_says_it_fails() -> None:
    def ask(text: str) -> Answer:
        question = "Which outside system is Stonegate struggling to connect to?"
        return answer_offline(question, [_passage(text, "Stonegate Dynamics")])

    named = ask("Thanks for the update. The Google Workspace sync has been failing since Friday.")
    assert named.answered and "The Google Workspace sync has been failing" in named.answer
    # A failure that names no system does not say which one.
    unnamed = ask("Thanks for the update. Duplicate contacts are created by the connector.")
    assert not unnamed.answered


def _named(text: str) -> list[Passage]:
    return [_passage(text, "Brightlake Logistics")]


def test_who_is_leaving_is_answered_by_the_one_who_says_so_but_a_counsel_needs_a_name() -> None:
    leaving = answer_offline(
        "Who at Brightlake that supported us is going away?",
        _named("Fiona: Thanks for joining. Tomas: Our sponsor for this project has resigned."),
    )
    assert leaving.answered and "Our sponsor for this project has resigned." in leaving.answer
    # A legal sentence does not name the counsel asked for.
    counsel = answer_offline(
        "What's the name of Brightlake's deputy general counsel?",
        _named("Fiona: Thanks for joining. Priya: Legal sent back redlines on the MSA."),
    )
    assert not counsel.answered


def test_who_takes_over_from_the_one_leaving_is_not_answered_by_the_one_leaving() -> None:
    answer = answer_offline(
        "Our contact at Brightlake is leaving - who picks up the relationship on their side?",
        _named("Fiona: Thanks for joining. Tomas: Our sponsor for this project has resigned."),
    )
    assert not answer.answered


def test_room_to_sell_more_is_answered_by_the_ask_for_more_seats() -> None:
    answer = answer_offline(
        "Is there a chance to sell more licenses into Brightlake?",
        _named("Fiona: Thanks for joining. Tomas: Marketing wants access too, maybe 60 seats."),
    )
    assert answer.answered and "Marketing wants access too, maybe 60 seats." in answer.answer


def test_a_pick_that_states_another_trouble_than_the_one_asked_does_not_answer() -> None:
    question = "Have we lost our internal supporter at Clearwater?"
    incident = "We lost about two hours of work during yesterday's incident."
    # Threshold near 0: the pick is confident enough; what it states is the matter.
    answer = answer_offline(question, [_passage(incident, "Clearwater Freight")], threshold=0.01)
    assert not answer.answered
    # The asked topic's own sentence answers instead, when the records hold one.
    leaving = "Heads up: our champion at Clearwater is leaving at the end of the month."
    both = f"{incident} {leaving}"
    answer = answer_offline(question, [_passage(both, "Clearwater Freight")], threshold=0.01)
    assert answer.answered and "champion at Clearwater is leaving" in answer.answer
    # A question that names no topic is answered as before.
    other = answer_offline(
        "What happened at Clearwater yesterday?",
        [_passage(incident, "Clearwater Freight")],
        threshold=0.01,
    )
    assert other.answered and "two hours of work" in other.answer


def test_when_a_contract_lapses_is_the_calendar_date_a_renewal_sentence_states() -> None:
    question = "On what day does the current agreement with Cobalt lapse?"
    promise = "Hannah: I'll send the renewal paperwork over by Wednesday so procurement has time."
    lapse = "Carla: Our contract is up on March 20, and I want to get the paperwork started."
    answer = answer_offline(question, [_passage(f"{promise}\n{lapse}", "Cobalt Manufacturing")])
    assert answer.answered and "March 20" in answer.answer
    # A weekday in a renewal sentence is a promise, not the date the contract ends.
    assert not answer_offline(question, [_passage(promise, "Cobalt Manufacturing")]).answered


def test_an_outage_is_answered_when_no_fact_is_asked_and_not_for_its_cause() -> None:
    text = (
        "Thanks for flagging this. You can follow updates on our status page."
        " The root cause analysis will be shared within five business days."
    )
    asked = "Has Juniper asked for compensation after a production problem on our end?"
    answer = answer_offline(asked, [_passage(text, "Juniper Freight")])
    assert answer.answered and "status page" in answer.answer
    # That an outage happened says nothing of what caused it.
    cause = "What caused the disruption that hit Juniper?"
    assert not answer_offline(cause, [_passage(text, "Juniper Freight")]).answered


def test_a_billing_dispute_and_how_onboarding_goes_are_answered_by_their_sentences() -> None:
    billing = answer_offline(
        "Does Lakeshore believe we overcharged them?",
        [_passage("Hello again. The PO number on the invoice is wrong so AP can't process it.")],
    )
    assert billing.answered and "PO number on the invoice is wrong" in billing.answer
    # "How is … going" asks for a reason, and the progress stated is what it asks.
    onboarding = answer_offline(
        "How is getting Palisade up and running going since they bought?",
        [
            _passage(
                "Hi there. Could you share a training plan for the 40 users in the first wave?",
                "Palisade Education",
            )
        ],
    )
    assert onboarding.answered and "training plan" in onboarding.answer


def test_a_two_part_question_is_answered_by_its_topic_without_the_first_parts_fact() -> None:
    text = "Circling back on this. We'd like to move the renewal to a co-termed date."
    two_parts = "When does Ironbridge's agreement expire, and what has been prepared to extend it?"
    answer = answer_offline(two_parts, [_passage(text, "Ironbridge Outdoor")])
    assert answer.answered and "move the renewal to a co-termed date" in answer.answer
    # Asked alone, the date is the fact asked for, and the sentence holds none.
    alone = "When does Ironbridge's agreement expire?"
    assert not answer_offline(alone, [_passage(text, "Ironbridge Outdoor")]).answered
    # An auto-renewal *clause* is a legal term, not the renewal itself.
    clause = "Circling back on this. We can't accept the auto-renewal clause as written."
    assert not answer_offline(two_parts, [_passage(clause, "Ironbridge Outdoor")]).answered
