"""The offline answer engine: extractive, cited, and declining on weak evidence."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from summarizers.answer import NO_ANSWER, answer_offline, question_terms
from summarizers.models import Answer, Passage

AT = datetime(2026, 5, 4, tzinfo=UTC)

DOCS = {
    "em-1": (
        "Hi Dana,\nOur infosec team needs the SOC 2 report before we sign. "
        "Legal also asked about the data processing addendum.\nThanks, Pat"
    ),
    "call-2": (
        "Pat: The price is above our budget for this year.\n"
        "Dana: I'll send a revised quote by Friday with the multi-year discount.\n"
        "Pat: Great, thanks."
    ),
    "tk-3": "Users get a 500 error after the SAML redirect. Escalated to engineering.",
}


def passage(
    doc_id: str, rank_score: float = 0.5, start: int = 0, end: int | None = None
) -> Passage:
    content = DOCS[doc_id]
    end = len(content) if end is None else end
    return Passage(
        document_id=doc_id,
        kind="email",
        title=doc_id,
        text=content[start:end],
        start=start,
        end=end,
        score=rank_score,
        occurred_at=AT,
    )


ALL = [passage("em-1"), passage("call-2"), passage("tk-3")]


_MODEL: list[object] = []


@pytest.fixture(autouse=True)
def _model(embedder) -> None:  # type: ignore[no-untyped-def]
    """The real embedding model: answers are chosen by meaning, as in the service."""
    _MODEL[:] = [embedder]


def _cosines(question: str, texts: Sequence[str]) -> list[float]:
    import numpy as np

    model = _MODEL[0]
    q = np.asarray(model.embed_query(question))  # type: ignore[attr-defined]
    docs = np.asarray(model.embed_documents(list(texts)))  # type: ignore[attr-defined]
    return [float(v) for v in docs @ q] if len(texts) else []


class _Vectors:
    """The service's sentence similarity in small: cosines and the unit vectors, so the
    scorer's learned metric applies as it does in ``/v1/ask``."""

    @property
    def model_id(self) -> str:
        return _MODEL[0].model_id  # type: ignore[attr-defined,no-any-return]

    def vectors(self, question: str, texts: Sequence[str]) -> tuple[list[float], list[list[float]]]:
        model = _MODEL[0]
        q = model.embed_query(question)  # type: ignore[attr-defined]
        return list(q), [list(v) for v in model.embed_documents(list(texts))]  # type: ignore[attr-defined]

    def __call__(self, question: str, texts: Sequence[str]) -> list[float]:
        return _cosines(question, texts)


def ask(question: str, passages: Sequence[Passage], **kwargs: object) -> Answer:
    """``answer_offline`` as ``/v1/ask`` calls it: each passage carries its chunk's cosine
    with the question, and sentences are compared by meaning."""
    sims = _cosines(question, [p.text for p in passages])
    scored = [p.model_copy(update={"similarity": s}) for p, s in zip(passages, sims, strict=True)]
    kwargs.setdefault("similarity", _Vectors())
    return answer_offline(question, scored, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("question", "expected_doc", "expected_words"),
    [
        ("What does their infosec team need before signing?", "em-1", "SOC 2 report"),
        ("When will we send the revised quote?", "call-2", "by Friday"),
        ("What error do users get after the SAML redirect?", "tk-3", "500 error"),
    ],
)
def test_answers_with_the_supporting_sentence_and_its_exact_span(
    question: str, expected_doc: str, expected_words: str
) -> None:
    answer = ask(question, ALL)
    assert answer.answered and answer.engine == "offline"
    assert expected_words in answer.answer
    assert answer.citations[0].document_id == expected_doc
    for c in answer.citations:
        assert DOCS[c.document_id][c.start : c.end] == c.quote
        assert c.quote in answer.answer


def test_offsets_are_document_offsets_when_the_passage_is_a_later_chunk() -> None:
    start = DOCS["call-2"].index("Dana:")
    chunk = passage("call-2", start=start)
    answer = ask("When will the revised quote be sent?", [chunk])
    (citation,) = answer.citations
    assert citation.start >= start
    assert DOCS["call-2"][citation.start : citation.end] == citation.quote


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of France?",
        "Who won the football match yesterday?",
        "the of and",  # no content words at all
    ],
)
def test_declines_when_the_evidence_does_not_cover_the_question(question: str) -> None:
    answer = ask(question, ALL)
    assert not answer.answered
    assert answer.answer == NO_ANSWER and answer.citations == []


def test_declines_without_passages() -> None:
    assert not ask("When is the renewal?", []).answered


def test_a_single_shared_word_is_not_enough_evidence() -> None:
    # "team" appears, but "holiday" and "party" do not: coverage stays under the bar.
    assert not ask("When is the team holiday party?", ALL).answered


def test_repeated_sentences_from_quoted_replies_are_cited_once() -> None:
    text = "Our infosec team needs the SOC 2 report before we sign."
    DOCS["em-9"] = f"Following up.\n{text}"
    try:
        dup = passage("em-9")
        answer = ask("What does the infosec team need?", [passage("em-1"), dup])
        assert answer.answer.count("SOC 2 report") == 1
    finally:
        del DOCS["em-9"]


def test_is_deterministic() -> None:
    q = "What did Pat say about the price and the budget?"
    assert ask(q, ALL) == ask(q, ALL)


def test_question_terms_drop_stopwords_and_stem() -> None:
    assert question_terms("When are the renewals being signed?") == ["renewal", "sign"]


@pytest.mark.parametrize(
    ("question", "required"),
    [
        ("Who is our contact at NASA?", ["nasa"]),
        ("Any update on TCK-10234?", ["tck-10234"]),
        ("When is the renewal?", []),
        # A number that identifies (after a word, or before a stopword) is required ...
        ("What did Pat say about phase 2?", ["pat", "2"]),
        ("did they ask for net 30 or net 60?", ["30", "60"]),
        ("When does Pellham renew in 2027?", ["pellham", "2027"]),
        # ... a quantity is not: a record may say "two seats" or "24 months", and any
        # date holds a "2".
        ("What did Pat say about the 2 seats?", ["pat"]),
        ("if hollis insists on a 2 yr term whats the lowest i can go", []),
    ],
)
def test_required_terms_are_names_codes_and_numbers(question: str, required: list[str]) -> None:
    from summarizers.answer import required_terms

    assert required_terms(question) == required


def test_a_name_the_records_never_mention_means_no_answer() -> None:
    # "budget" and "price" match, but the question is about a customer nobody mentions.
    assert not ask("What did Globex say about the price and budget?", ALL).answered
    assert ask("What did Pat say about the price and budget?", ALL).answered


def test_when_questions_prefer_sentences_with_dates() -> None:
    answer = ask("When will Dana send the revised quote?", ALL)
    assert "by Friday" in answer.citations[0].quote


def test_a_code_lookup_is_answered_with_sentences_naming_the_code() -> None:
    DOCS["tk-9"] = "Customer escalated TCK-20876 again. Unrelated: the weather was fine."
    try:
        answer = ask("Find everything about TCK-20876", [passage("tk-9"), passage("em-1")])
        assert answer.answered
        assert all("TCK-20876" in c.quote for c in answer.citations)
    finally:
        del DOCS["tk-9"]


def test_a_company_name_alone_does_not_make_a_question_answerable() -> None:
    DOCS["em-8"] = "Reported by Fiona Fischer (Sales Operations Manager, Meridian Retail)."
    try:
        question = "Where do the paper negotiations stand with Meridian Retail's attorneys?"
        assert not ask(question, [passage("em-8")]).answered
    finally:
        del DOCS["em-8"]


def _record(
    doc_id: str, text: str, *, context: tuple[str, ...] = (), title: str = "Update"
) -> Passage:
    return Passage(
        document_id=doc_id,
        kind="email",
        title=title,
        text=text,
        start=0,
        end=len(text),
        score=0.5,
        occurred_at=AT,
        context=context,
    )


def test_sentences_of_two_records_are_never_stitched_into_one_answer() -> None:
    # Both records talk about rescheduling a call; neither says the other's thing.
    records = [
        _record("em-a", "Can we reschedule the call to next week? Something came up."),
        _record("em-b", "We need to reschedule our call, my team is offsite on Tuesday."),
    ]
    answer = ask("When do they want to reschedule the call?", records)
    assert len({c.document_id for c in answer.citations}) <= 1


def test_a_pleasantry_never_answers() -> None:
    records = [_record("call-1", "Sam: Thanks for making the time today, Maya.")]
    answer = ask("When does the Harborview Software contract renew?", records)
    assert not answer.answered


def test_a_record_of_the_named_account_counts_as_about_it() -> None:
    text = "Our current agreement renews on March 31, 2027."
    without = _record("em-1", text)
    with_context = _record("em-1", text, context=("Harborview Software",))
    question = "When does the Harborview Software agreement renew?"
    assert not ask(question, [without]).answered
    answer = ask(question, [with_context])
    assert answer.answered and "March 31, 2027" in answer.answer


def test_a_lowercase_account_name_scopes_the_answer_as_a_capitalised_one_does() -> None:
    # Typed in lower case, "globex" is not a written name, but it resolved to the account:
    # another customer's contract date is no answer to when Globex's contract ends.
    records = [
        _record("em-h", "Our current agreement runs out on March 31, 2027.", context=()),
        _record("em-g", "Can we move Thursday's call to next week?", context=("Globex",)),
    ]
    answer = ask("when does globex's contract run out?", records)
    assert "em-h" not in {c.document_id for c in answer.citations}
    assert not answer.answered


def test_a_who_question_is_not_answered_by_a_sentence_asking_it_again() -> None:
    text = (
        "Declan: Who else needs to be involved to get the order form signed?\n"
        "Martin: Anything over $150,000 needs Rosalind Achebe's signature, she's our CFO."
    )
    records = [_record("call-1", text, context=("Pellham Cold Chain",))]
    answer = ask("Who actually signs the order form on the Pellham side?", records)
    assert "Who else needs" not in answer.answer
    # A question that names the one looked up still answers who they are.
    lookup = [_record("em-1", "Would it make sense to include Lena Ferraro on the next call?")]
    assert "Lena Ferraro" in ask('Who is "Lena Ferraro"?', lookup).answer


def test_a_later_record_that_moves_a_date_gives_the_answer() -> None:
    from datetime import timedelta

    plan = "Confirming we're on for the Reno pilot kickoff on Monday, March 16."
    moved = "Our cutover slipped two weeks. Can we push the pilot kickoff to Monday, March 30?"
    other = "Separately, our board meets on April 9 to approve the budget."
    context = ("Ferncastle Logistics",)
    first = _record("em-1", plan, context=context)
    later = first.occurred_at + timedelta(days=9)

    def at(p: Passage, when: datetime) -> Passage:
        return p.model_copy(update={"occurred_at": when})

    question = "when's the reno pilot actually starting now?"
    answer = ask(question, [first, at(_record("em-2", moved, context=context), later)])
    assert "March 30" in answer.answer and "March 16" not in answer.answer
    # Written earlier, the same words are not the latest: the plan stands.
    older = first.occurred_at - timedelta(days=9)
    answer = ask(question, [first, at(_record("em-2", moved, context=context), older)])
    assert "March 30" not in answer.answer
    # A later date about something else changes nothing.
    answer = ask(question, [first, at(_record("em-3", other, context=context), later)])
    assert "April 9" not in answer.answer


def test_asked_for_the_date_now_a_later_update_worded_far_from_the_plan_answers() -> None:
    from datetime import timedelta

    # The update shares "go-live" with the plan, but not much else: "now" asks for it.
    hollis = ("Hollis & Grant Builders",)
    plan = _record(
        "em-1", "- Target go-live: Monday, March 2, assuming signature by Feb 6", context=hollis
    )
    call = (
        "Dana: Because it's a three-year commitment it has to go to our board first.\n"
        "Keegan: Then March sixteenth is off the table for go-live.\n"
        "Dana: Right. Luis wants to roll out on the hospital job, and that mobilizes in June"
        " anyway. So let's say June first.\n"
        "Keegan: June first works."
    )
    later = _record("call-2", call, context=hollis).model_copy(
        update={"occurred_at": plan.occurred_at + timedelta(days=40)}
    )
    answer = ask("when is hollis going live now?", [plan, later])
    assert "June first" in answer.answer and "March 2" not in answer.answer
    # Without "now" (or "actually"), the plan's own date is a fair answer to "when".
    assert "March 2" in ask("when is the hollis go-live planned?", [plan]).answer


def test_a_later_update_ranked_below_the_first_five_still_answers_now() -> None:
    """A call that keeps restating the old date fills the ranker's first places; the
    later email moving it may rank seventh and still is the latest word."""
    from datetime import timedelta

    from summarizers.answer import decide
    from summarizers.answer.updates import latest_first

    calder = ("Calder & Finch Properties",)
    call = _record(
        "call-1",
        "Shauna: Start date is still May 1 on our side.\n"
        "Garrett: Start May 1, when the old contract runs out.\n"
        "Shauna: I'd like to sign by the middle of April.\n"
        "Garrett: The walkthrough is on April 8 at nine.\n"
        "Shauna: I'll have the building removal clause to you by April 10.\n"
        "Garrett: The chiller went down on August 3 last year.",
        context=calder,
    )
    email = _record(
        "em-2",
        "Their current vendor agreed to a 30-day extension, so please move the start to June 1.",
        context=calder,
    ).model_copy(update={"occurred_at": call.occurred_at + timedelta(days=12)})
    question = "when do we start at calder now"
    d = decide(question, [call, email], similarity=_Vectors())
    cands = d.scored.candidates
    moved = next(i for i, c in enumerate(cands) if "June 1" in c.text)
    stale = next(i for i, c in enumerate(cands) if "still May 1" in c.text)
    rest = [i for i in range(len(cands)) if i not in (moved, stale)]
    order = (stale, *rest[:5], moved, *rest[5:])  # the update seventh
    first = latest_first(question, d.scored.question, cands, order, _Vectors())[0]
    assert "June 1" in cands[first].text


def test_a_denied_date_gives_way_to_the_date_that_replaces_it() -> None:
    from summarizers.answer import decide
    from summarizers.answer.updates import latest_first

    text = (
        "Good news: the committee picked us on Thursday. Also, Reno can't go live on May 18."
        " We're bringing on a big supplement client in May and I can't have the floor"
        " changing at the same time. Let's move Reno to Monday June 8."
    )
    record = _record("em-1", text, context=("Corvane Fulfillment",))
    question = "when does corvane's reno site go live?"
    answer = ask(question, [record])
    assert "June 8" in answer.answer
    # Whatever the ranker prefers: the denial gives way, and only to a date put in its
    # place (a word of change or replacement, no denial of its own).
    d = decide(question, [record], similarity=_Vectors())
    cands = d.scored.candidates
    denied = next(i for i, c in enumerate(cands) if "can't go live" in c.text)
    order = (denied, *(i for i in range(len(cands)) if i != denied))
    first = latest_first(question, d.scored.question, cands, order, _Vectors())[0]
    assert "June 8" in cands[first].text
    plain = _record("em-2", "Reno can't go live on May 18. Our board meets on June 2.")
    d = decide(question, [plain], similarity=_Vectors())
    order = tuple(range(len(d.scored.candidates)))
    assert (
        latest_first(question, d.scored.question, d.scored.candidates, order, _Vectors()) == order
    )


def test_a_date_said_to_be_out_gives_way_to_the_date_offered_instead() -> None:
    text = (
        "I have to move the audit. Our lead auditor is tied up with an audit of our CRO that"
        " week, so October 7 is out. Can we do October 21 instead, same agenda?"
    )
    record = _record("em-1", text, context=("Halden Bay Biosciences",))
    answer = ask("when's the qa audit with halden bay", [record])
    assert "October 21" in answer.answer


@pytest.mark.parametrize(
    ("text", "is_date"),
    [
        ("The ductwork slipped a week, so we kicked off on the sixteenth.", True),
        ("He has some time on the 6th.", True),
        ("We'll decide by the 14th of May.", True),
        ("On the first call we covered pricing.", False),
        # A month/day with a slash, but not one inside a model or part number.
        ("Signed on 5/12.", True),
        ("- 11 Rational iCombi Pro 10-1/1 combi ovens across the four properties", False),
        ("Use a 3/8-16 bolt on the bracket.", False),
        # When software ships.
        ("Reproduced on Pixel 8; fix planned for release 4.2.", True),
        ("It goes out in the next sprint.", True),
        ("We run Python 3.11 on Android 14.", False),
    ],
)
def test_a_day_of_the_month_said_alone_is_a_date(text: str, is_date: bool) -> None:
    from summarizers.answer.question import type_match

    assert (type_match("date", text, "when did the pilot start?") == 1.0) is is_date


def test_how_something_came_out_is_answered_by_the_later_result_not_the_target() -> None:
    from datetime import timedelta

    target = "Sofia: Idle time has to come down by at least 15 percent on the pilot trucks."
    result = "Sofia: Idle time on the 25 pilot trucks came down 18 percent in the pilot."
    context = ("Orrin Valley Aggregates",)
    kickoff = _record("call-1", target, context=context)
    readout = _record("call-2", result, context=context).model_copy(
        update={"occurred_at": kickoff.occurred_at + timedelta(days=60)}
    )
    answer = ask("How did idle time actually come out in the Orrin pilot?", [kickoff, readout])
    assert "18 percent" in answer.answer and "15 percent" not in answer.answer
    # Asked for the target, the target answers: no word of the outcome, no change.
    answer = ask("How far does idle time have to come down at Orrin?", [kickoff, readout])
    assert "15 percent" in answer.answer


def test_asked_for_the_updated_price_a_later_revision_answers_not_the_first_quote() -> None:
    from datetime import timedelta

    context = ("Kettering Vale USD",)
    first = _record(
        "em-1", "- Preventive maintenance, all 14 sites: $104,000 per year", context=context
    )
    revised = _record(
        "em-2", "- Preventive maintenance, 13 sites: $97,500 per year", context=context
    ).model_copy(update={"occurred_at": first.occurred_at + timedelta(days=20)})
    for question in (
        "what's our updated yearly price to kettering vale",
        "kettering vale yearly price after the reprice?",
    ):
        answer = ask(question, [first, revised])
        assert "$97,500" in answer.answer and "$104,000" not in answer.answer, question
    # Not asked for the revision, the ranker's pick stands; and a pick that itself states
    # the revision ("The revised quote comes to …") is the updated value already.
    assert "$104,000" in ask("what did we first quote kettering vale per year?", [first]).answer
    stated = _record("em-3", "The revised quote comes to $201,200 for 20 seats.", context=context)
    later = _record(
        "em-4", "I'll prepare a quote to add 100 seats mid-term, prorated.", context=context
    ).model_copy(update={"occurred_at": stated.occurred_at + timedelta(days=30)})
    answer = ask("What figure did our updated proposal to Kettering Vale come to?", [stated, later])
    assert "$201,200" in answer.answer


@pytest.mark.parametrize(
    ("question", "text", "counts"),
    [
        ("how many users are we pricing m&q for now", "- $13 per user per month", False),
        ("how many users are we pricing m&q for now", "- 360 users at $13 per month", True),
        ("how many expense users does ferrisburgh want", "so it's eight hundred users", True),
        ("how many expense users does ferrisburgh want", "Each user files 4 expenses", True),
        ("how many seats did they renew?", "$40 a seat, 12 seats a month", True),
        ("how many seats did they renew?", "$40 a seat per month", False),
    ],
)
def test_how_many_counts_the_nouns_asked_and_not_a_price_per_unit(
    question: str, text: str, counts: bool
) -> None:
    from summarizers.answer.question import type_match

    assert (type_match("amount", text, question) == 1.0) is counts


@pytest.mark.parametrize(
    ("text", "is_money"),
    [
        ("Summit Ridge came in at ninety-one thousand a year on the thirteen sites.", True),
        ("The current agreement is a hundred and forty-one thousand a year.", True),
        ("On the ovens we can do three seventy-four a month each.", True),
        ("Model Grey goes to one forty-nine a liter.", True),
        ("Realistically I have twenty-two thousand for year one.", True),
        ("Summit Ridge has had the work for six years.", False),
        ("Three visits a month.", False),
    ],
)
def test_money_said_in_words_is_money(text: str, is_money: bool) -> None:
    from summarizers.answer.question import type_match

    assert (type_match("amount", text, "what's their budget?") == 1.0) is is_money


def test_a_question_asking_for_money_is_not_answered_by_a_count() -> None:
    context = ("Kettering Vale USD",)
    tenure = _record(
        "em-1",
        "Summit Ridge Mechanical has had the work for six years under the state co-op"
        " contract, and that co-op agreement lapses July 31.",
        context=context,
    )
    answer = ask("what did summit ridge bid on the kettering rfp", [tenure])
    assert not answer.answered
    bid = _record(
        "call-2", "Desmond: Summit Ridge came in at ninety-one thousand a year.", context=context
    )
    answer = ask("what did summit ridge bid on the kettering rfp", [tenure, bid])
    assert answer.answered and "ninety-one thousand" in answer.answer
    # Asked for a count, or for a concession a percentage states, a count or a
    # percentage answers.
    seats = _record("em-3", "Kettering Vale wants to renew 175 seats.", context=context)
    assert ask("how many seats is kettering vale renewing at what price?", [seats]).answered


def test_how_many_is_not_answered_by_a_sentence_of_prices_only() -> None:
    context = ("Merrow & Quaile",)
    prices = _record("em-1", "- $13 per user per month: $56,160 per year", context=context)
    question = "how many expense reports does merrow & quaile process a month"
    assert not ask(question, [prices]).answered
    counted = _record(
        "em-2", "We process about 2,400 expense reports a month, at $13 per user.", context=context
    )
    answer = ask(question, [prices, counted])
    assert answer.answered and "2,400" in answer.answer
    # A question naming a study code asks the same.
    study = _record(
        "em-3",
        "Halden Bay's HB-0907 study budget: total $879,500 over the life of the study.",
        context=("Halden Bay Biosciences",),
    )
    assert not ask("how many patients is halden bay enrolling in hb-0907", [study]).answered


def test_what_they_pay_today_is_answered_by_what_they_pay_not_by_a_rivals_bid() -> None:
    context = ("Hollister Gear",)
    bid = _record(
        "em-1",
        "Veridian PPE Solutions came in at $389,500 a year, and they'll put in eight machines.",
        context=context,
    )
    spent = _record(
        "call-2",
        "Renata: Everything comes through Brannock. Last fiscal year we spent about three"
        " hundred eighty thousand with them on PPE alone.",
        context=context,
    )
    answer = ask("how much does hollister spend with their current ppe supplier", [bid, spent])
    assert "three hundred eighty thousand" in answer.answer and "$389,500" not in answer.answer
    # A reply states it when the question it answers does.
    reply = _record(
        "call-3",
        "Caspian: What are you paying Krestline today?\n"
        "Ottilie: Four hundred and ten dollars a month per oven, and that's with no service.",
        context=context,
    )
    answer = ask("what's hollister paying krestline per oven right now", [bid, reply])
    assert "Four hundred and ten dollars" in answer.answer
    # Asked for the bid, the bid answers.
    answer = ask("what did veridian bid hollister", [bid, spent])
    assert "$389,500" in answer.answer


def test_who_replaces_someone_is_answered_by_the_successor_not_by_the_move() -> None:
    text = (
        "Gus has been promoted to Regional Operations Director over all three Hollister"
        " plants. Corporate pulled the plant leadership into the budget re-forecast, so the"
        " July ninth slot is gone. Our new plant manager is Ifeoma Clarke-Adeyemi, starting"
        " June 29."
    )
    record = _record("em-1", text, context=("Hollister Gear",))
    answer = ask("who signs off for the hollister plant now that gus moved up", [record])
    assert "Ifeoma Clarke-Adeyemi" in answer.answer


def test_an_answer_across_ticket_comments_reads_without_their_header_lines() -> None:
    from textkit.documents import render_ticket

    text = render_ticket(
        "Users get a 500 error after the SAML redirect on SSO login.",
        [
            (
                "u-9",
                datetime(2026, 11, 5, 10, tzinfo=UTC),
                "Root cause: the SAML signing certificate expired on Monday.",
            )
        ],
    )
    ticket = _record("tk-3", text, title="TCK-10234 SSO login fails").model_copy(
        update={"kind": "ticket"}
    )
    answer = ask("What error do users get after the SAML redirect?", [ticket])
    assert answer.answered and "500 error" in answer.answer
    assert "--- comment by" not in answer.answer
    # The citation is still the exact span, header and all.
    (citation,) = answer.citations
    assert "--- comment by u-9" in citation.quote
    assert text[citation.start : citation.end] == citation.quote


def test_initials_that_resolved_an_account_stand_for_its_name() -> None:
    from summarizers.answer.features import view

    records = [
        _record("em-1", "Our main request is quarterly invoicing.", context=("Lumen & Vale",))
    ]
    q = view("What did L&V procurement ask for on billing?", records)
    assert "lumen" in q.required and "l" not in q.required and "v" not in q.required
    assert "L&V" not in q.topic
    acronym = [
        _record("em-2", "Our board caps the increase at 3%.", context=("Morrow Bay Credit Union",))
    ]
    assert "morrow" in view("What increase will MBCU's board allow?", acronym).required
    answer = ask("What did L&V procurement ask for on billing?", records)
    assert {c.document_id for c in answer.citations} <= {"em-1"}


def test_a_long_record_does_not_use_up_the_sentences_compared_by_meaning() -> None:
    # The first record is a long call of small talk; the answer is in the second. Each
    # record gets its turn, and a sentence holding the kind of fact asked for goes first.
    chatter = "\n".join(f"Sam: Small talk number {n} about the weekend." for n in range(40))
    records = [
        _record("call-1", chatter, context=("Harborview Software",)),
        _record(
            "em-2",
            "Our current agreement runs out on March 31, 2027.",
            context=("Harborview Software",),
        ),
    ]
    measured: list[str] = []

    class Recording(_Vectors):
        def vectors(
            self, question: str, texts: Sequence[str]
        ) -> tuple[list[float], list[list[float]]]:
            measured.extend(texts)
            return super().vectors(question, texts)

    answer = ask("When does Harborview's contract expire?", records, similarity=Recording())
    assert "Our current agreement runs out on March 31, 2027." in measured
    assert len(measured) <= 32
    assert answer.answered and "March 31, 2027" in answer.answer


@pytest.mark.parametrize(
    ("question", "said", "not_said"),
    [
        ("What discount did we put on the table for Harborview?", "12%", "20%"),
        ("How big a discount is Harborview pushing us for?", "20%", "12%"),
    ],
)
def test_an_offer_of_ours_is_not_answered_with_their_ask_nor_the_reverse(
    question: str, said: str, not_said: str
) -> None:
    from summarizers.answer import decide

    theirs = "The number doesn't work for us. To get this across the line we'd need 20% off list."
    ours = "I went back to our deal desk: on a two-year commitment we can do 12% off list."
    records = [
        _record("em-in", theirs, context=("Harborview Software",)).model_copy(
            update={"sides": ((0, len(theirs), "theirs"),)}
        ),
        _record("em-out", ours, context=("Harborview Software",)).model_copy(
            update={"sides": ((0, len(ours), "ours"),)}
        ),
    ]
    scored = [
        p.model_copy(update={"similarity": c})
        for p, c in zip(records, _cosines(question, [p.text for p in records]), strict=True)
    ]
    best = decide(question, scored, similarity=_Vectors()).best
    assert best is not None and said in best.text and not_said not in best.text


def test_similarity_finds_a_paraphrase_the_words_miss() -> None:
    text = "Heads up: the agreement runs out on March 31, 2027."
    records = [_record("em-1", text, context=("Harborview Software",))]
    question = "When does the Harborview contract expire?"
    assert ask(question, records).answered


def test_a_person_is_a_full_name_and_not_the_speaker_of_the_turn() -> None:
    from summarizers.answer.question import type_match

    question = "Who is the IT director at Initech?"
    assert type_match("person", "Our IT director is Priya Shah as of May.", question) == 1.0
    # The speaker label names who talks; "Forecasting" is a product, not a person.
    assert type_match("person", "Oscar Li: Can you quote Forecasting too?", question) == 0.5


def test_a_competitor_question_is_answered_by_a_competitor_not_any_name() -> None:
    from summarizers.answer.question import type_match

    question = "What competitors come up in our Harborview deals?"
    # A person named in the sentence is not a competitor (the demo answered this once).
    assert (
        type_match("name", "Kofi Delacroix, our head of procurement, joins next.", question) == 0.5
    )
    assert type_match("name", "We're also evaluating HubSpot for this.", question) == 1.0
    # Not on the list, but competitive phrasing vouches for it.
    assert type_match("name", "Leadership wants a bake-off with Zorblatt first.", question) == 1.0
    # Other name questions still take any name.
    assert (
        type_match("name", "They want to add Forecasting next.", "Which product do they want?")
        == 1.0
    )

    records = [
        _record(
            "em-a",
            "Kofi Delacroix, our new head of procurement, will join the next conversation.",
            context=("Harborview Software",),
        ),
        _record(
            "em-b",
            "Harborview told us they are also evaluating HubSpot before they sign.",
            context=("Harborview Software",),
        ),
    ]
    # Which sentence the engine picks (threshold 0: whether it answers is calibration's call).
    answer = ask("Which competitor is Harborview Software evaluating?", records, threshold=0.0)
    assert {c.document_id for c in answer.citations} == {"em-b"}


def test_the_first_word_of_a_list_item_names_nobody() -> None:
    from summarizers.answer.question import type_match

    question = "Which third-party tool's link is failing for Mosaic?"
    # "- Could you…" opens with "Could" as any sentence does (it was taken for a name).
    assert (
        type_match("name", "- Could you send the request IDs from the failing calls?", question)
        == 0.5
    )
    assert type_match("name", "- Field mapping with Google Workspace is broken.", question) == 1.0


def test_a_person_named_in_a_sentence_is_not_the_capability_a_question_asks_for() -> None:
    from summarizers.answer.question import type_match

    question = "Which capability has Harborview been lobbying for?"
    assert type_match("name", "Wes Adeyemi, our VP of Finance, will join.", question) == 0.5
    assert type_match("name", "It would help if we had an audit log export.", question) == 0.5


def test_an_untyped_question_is_answered_by_a_passage_with_its_exact_span() -> None:
    content = (
        "Pat: Thanks for the time today.\n"
        "Pat: Our finance team froze all new spending until the next fiscal year.\n"
        "Pat: So the expansion has to wait until October at the earliest.\n"
        "Dana: Understood, I'll follow up then."
    )
    DOCS["call-9"] = content
    try:
        # threshold 0: this is about the span's shape, not the confidence.
        answer = ask(
            "What did Pat say about their spending freeze?", [passage("call-9")], threshold=0.0
        )
    finally:
        del DOCS["call-9"]
    assert answer.answered
    (citation,) = answer.citations
    assert content[citation.start : citation.end] == citation.quote == answer.answer
    assert "froze all new spending" in answer.answer
    # The window is the best sentence with its neighbours, within one record.
    assert len(answer.answer) <= 400 and answer.answer.count("\n") >= 1


def test_a_declined_answer_has_low_confidence_and_lists_related_records() -> None:
    answer = ask("What is the capital of France?", ALL)
    assert not answer.answered and answer.confidence < 0.5
    assert [s.document_id for s in answer.see_also] == ["em-1", "call-2", "tk-3"]


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When does the renewal close?", "date"),
        ("How big is the Initech deal?", "amount"),
        ("Who owns the Contoso account?", "person"),
        ("Which competitor came up on the call?", "name"),
        ("Why did they push the signature?", "reason"),
        ("What did Pat say about the price?", None),
        ("What does renewing cost them next year?", "amount"),
        ("What's the name of Initech's deputy general counsel?", "person"),
        ("What's the name of Initech's VP of Finance?", "person"),
        ("What's the name of Initech's incoming COO?", "person"),
        # "Who" asking for the competition wants a competitor, not a person.
        ("Who are we up against for Initech's business?", "name"),
        ("Who else is Initech considering besides us?", "name"),
        ("Who is the IT director at Initech?", "person"),
        ("Who is Initech comparing us against?", "name"),
        # "who" opening a later clause asks for a person as much as a first one.
        ("Our contact at Initech is leaving - who picks up the relationship?", "person"),
        ("What limit did they ask us to bump them to?", "amount"),
        ("What's the main reason we might lose Initech at renewal?", "reason"),
        # Typed without the apostrophe, or asking for the cause.
        ("whats the reason the battery died so fast on the blower sensor", "reason"),
        ("What's the root cause of the outage?", "reason"),
        # A contraction typed without its apostrophe is read as one.
        ("whats the lowest per provider price i'm allowed to offer them?", "amount"),
        ("whens the pilot starting", "date"),
        # A PO or invoice number is a code, not an amount.
        ("whats the PO number on the ferncastle deal", "code"),
        ("What's the invoice number they disputed?", "code"),
        # A possessive name between "what's" and the noun, an offer's counter, "paying".
        ("what's tallgrass's real budget for year one", "amount"),
        ("what did corvane counter with", "amount"),
        ("what did owen end up paying for the CO module per month", "amount"),
        ("whats the lowest i can go on ck per employee", "amount"),
        ("what floor did marisol approve on the hollis deal", "amount"),
        # "who" after a question of its own.
        ("oliver left ferrow right? who do i deal with over there now", "person"),
        # Prices in a rep's words: a quote someone came in at, a ballpark, what a
        # customer is paying, my floor, an increase; and how old something is.
        ("what did the other vendor come in at on the hospital job", "amount"),
        ("ballpark to replace their old chiller?", "amount"),
        ("what are f&o paying today", "amount"),
        ("whats my floor on the renewal", "amount"),
        # A rep's shorthand for the floor, without "what's"; a shop floor is no price.
        ("lowest i can go on the halloway ovens?", "amount"),
        ("larchmont floor?", "amount"),
        ("ironbridge floor per user", "amount"),
        ("kilnbrook floor all in", "amount"),
        ("is the shop floor ready for the install?", None),
        # What a rival is charging or quoting; a price asked as a noun phrase, no verb.
        ("what's applied charging pemberton per seat", "amount"),
        ("what's fivetran quoting larchmont", "amount"),
        ("what did airbyte bid kilnbrook", "amount"),
        ("gold plan price per resort we quoted marisco", "amount"),
        ("total value of the ashby dishwasher lease over the term", "amount"),
        ("if they sign after the price increase do we honor the old price", None),
        ("what did lena offer p&g to keep their price flat", None),
        ("what increase did they end up agreeing to", "amount"),
        ("how old are the controls at the plant", "amount"),
        ("what are they paying attention to in the pilot?", None),
        # "why" after a topic typed first, as "who" may come after one.
        ("cascadia slack - why were we only getting public channels", "reason"),
        ("the renewal, why is it late?", "reason"),
        # Where a negotiation came out on a price; a place or a date asked the same way.
        ("where did we land on the tavistock renewal price", "amount"),
        ("where did we end up on price with harrow creek", "amount"),
        ("where do we stand on fees with them?", "amount"),
        ("where did they land on the go-live date", "date"),
        ("where is the kickoff at", None),
    ],
)
def test_answer_types(question: str, kind: str | None) -> None:
    from summarizers.answer import answer_type

    assert answer_type(question) == kind


def test_field_facts_answer_deal_and_owner_questions_citing_the_record() -> None:
    from datetime import date

    from summarizers.answer.fields import asks_fields, field_facts
    from textkit.crm import AccountRow, DealRow

    account = AccountRow(id="a-12", name="Initech", owner_id="u-7")
    deal = DealRow(
        id="dl-3",
        account_id="a-12",
        owner_id="u-7",
        name="Initech expansion",
        stage="negotiation",
        amount=48000,
        close_date=date(2026, 12, 15),
    )

    def facts(question: str) -> list[tuple[str, str, str]]:
        assert asks_fields(question)
        got = field_facts(question, account=account, owner_name="Dana Reyes", deals=[deal])
        return [(f.record_type, f.document_id, f.quote) for f in got]

    assert facts("How big is the Initech deal?") == [
        ("deal", "dl-3", "Initech expansion (negotiation): $48,000, closing December 15, 2026.")
    ]
    # An expansion deal's close date is not when the renewal is.
    assert facts("When does the Initech renewal close?") == []
    assert facts("When does the Initech deal close?")[0][1] == "dl-3"
    assert facts("Who owns the Initech account?") == [
        ("account", "a-12", "Initech is owned by Dana Reyes.")
    ]
    assert not asks_fields("What did Initech say about the SOC 2 report?")
    # A count is no deal's amount: the seats are in the records, not in the deal's fields.
    assert not asks_fields("How many seats is Initech planning to renew at?")
    assert (
        field_facts(
            "How many seats is Initech's deal for?", account=account, owner_name=None, deals=[deal]
        )
        == []
    )


def test_field_facts_pick_the_deal_the_question_is_about() -> None:
    from datetime import date

    from summarizers.answer.fields import field_facts
    from textkit.crm import AccountRow, DealRow

    account = AccountRow(id="a-1", name="Zenith Apparel", owner_id="u-1")

    def deal(id: str, name: str, stage: str, close: date) -> DealRow:
        return DealRow(
            id=id,
            account_id="a-1",
            owner_id="u-1",
            name=name,
            stage=stage,
            amount=1000,
            close_date=close,
        )

    lost = deal("d-lost", "Zenith Apparel - Workflow add-on", "Closed Lost", date(2026, 7, 14))
    new = deal("d-new", "Zenith Apparel - New Business", "Proposal", date(2027, 1, 30))
    renewal = deal("d-ren", "Zenith Apparel - Renewal", "Negotiation", date(2027, 3, 1))

    def cited(question: str, deals: list[DealRow]) -> list[str]:
        got = field_facts(question, account=account, owner_name=None, deals=deals)
        return [f.document_id for f in got]

    # A closed deal is history: not the answer to when a deal closes, unless named.
    assert cited("When does the Zenith Apparel deal close?", [lost, new]) == ["d-new"]
    assert cited("How big was the Zenith Apparel add-on deal?", [lost, new]) == ["d-lost"]
    # The renewal or the contract: only a renewal deal says when; none, no field answer.
    assert cited("When is the Zenith Apparel renewal?", [lost, new]) == []
    assert cited("When is the Zenith Apparel renewal?", [lost, new, renewal]) == ["d-ren"]
    assert cited("When does the Zenith Apparel contract renew?", [lost, new, renewal]) == ["d-ren"]
    # When the current contract runs out is not when its renewal closes (that is often
    # weeks before): the records that say it answer, not the renewal's close date.
    for ends in ("end", "expire", "run out"):
        question = f"When does the Zenith Apparel contract {ends}?"
        assert cited(question, [lost, new, renewal]) == [], question
    assert cited("How big is the Zenith Apparel renewal at the end of Q1?", [renewal]) == ["d-ren"]


def test_the_learned_metric_applies_only_to_the_model_it_was_fitted_for(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from summarizers.answer import default_scorer

    scorer = default_scorer()
    assert scorer.metric and scorer.metric_model == _MODEL[0].model_id  # type: ignore[attr-defined]
    assert scorer.uses_metric(scorer.metric_model, len(scorer.metric))
    assert not scorer.uses_metric("another-model", len(scorer.metric))

    class Other(_Vectors):
        @property
        def model_id(self) -> str:
            return "another-model"

    question = "What does their infosec team need before signing?"
    with caplog.at_level("WARNING", logger="summarizers.answer.select"):
        answer = ask(question, ALL, similarity=Other())
    # Still an answer, ranked without the metric, and the operator is told why.
    assert answer.answered and "SOC 2 report" in answer.answer
    assert "without its learned metric" in caplog.text


def test_the_answer_check_weighs_the_passage_cosine_into_the_confidence() -> None:
    from summarizers.answer import Scorer, default_scorer

    base = default_scorer()
    unchecked = Scorer(coef=base.coef, intercept=base.intercept, threshold=0.5)
    assert unchecked.confidence(0.3, 0.9) == 0.3  # no check: the probability as it is
    identity = Scorer(coef=base.coef, intercept=0.0, threshold=0.5, check=(1.0, 0.0, 0.0))
    assert identity.confidence(0.3, 0.9) == pytest.approx(0.3)
    checked = Scorer(coef=base.coef, intercept=0.0, threshold=0.5, check=(1.2, 2.5, 1.0))
    assert checked.confidence(0.3, None) == 0.3  # nothing measured: nothing to check
    # A passage closer to the question makes the same probability more confident.
    assert checked.confidence(0.3, 0.1) < checked.confidence(0.3, 0.5)
    assert checked.confidence(0.2, 0.4) < checked.confidence(0.4, 0.4)
    again = Scorer.from_dict(checked.to_dict())
    assert again.check == checked.check
    assert again.confidence(0.3, 0.4) == checked.confidence(0.3, 0.4)


def test_a_lookup_is_answered_from_the_record_its_title_names() -> None:
    # A ticket's comments never repeat its number; its title does.
    text = "Our developers are seeing duplicate contacts created by the connector."
    record = _record("tk-18075", text, title="[TCK-18075] Duplicate contacts from the connector")
    answer = ask("What is the status of TCK-18075?", [record])
    assert answer.answered and answer.citations[0].document_id == "tk-18075"


def test_the_passage_around_the_pick_decides_between_answering_and_declining() -> None:
    from summarizers.answer import decide, default_scorer

    class PassageCosine(_Vectors):
        """Real sentence vectors; the passage's cosine with the question is set."""

        def __init__(self, cosine: float) -> None:
            self.cosine = cosine

        def __call__(self, question: str, texts: Sequence[str]) -> list[float]:
            return [self.cosine for _ in texts]

    question = "When does our contact at Juniper Holdings finish up there?"
    text = "Lena: We spoke on Tuesday. Lena: Everything wraps up on October 31 for me."
    records = [_record("call-1", text, context=("Juniper Holdings",))]
    scorer = default_scorer()
    off, on = (decide(question, records, similarity=PassageCosine(c)) for c in (-0.1, 0.6))
    assert off.probability == on.probability  # the same pick and the same p ...
    assert off.passage_similarity == -0.1 and on.passage_similarity == 0.6
    assert off.confidence < scorer.threshold <= on.confidence  # ... decided by its passage
    assert not answer_offline(question, records, similarity=PassageCosine(-0.1)).answered
    answer = answer_offline(question, records, similarity=PassageCosine(0.6))
    assert answer.answered and "October 31" in answer.answer


def test_how_many_counts_what_it_names() -> None:
    from summarizers.answer.question import type_match

    question = "How many reefers does Gwen want the two-zone probes on for phase 2?"
    assert type_match("amount", "She wants them on 120 of the reefers.", question) == 1.0
    # The question's own number is no answer, nor a number of something else.
    assert type_match("amount", "Our insurer asks for a SOC 2 report.", question) == 0.0
    assert type_match("amount", "We run 140 trucks.", question) < 1.0
    # What is counted: "60 seats" answers "how many seats", "twenty-five subs" only half.
    seats = "how many seats did we scope for hollis"
    assert type_match("amount", "- Ridgeback Field: 60 seats", seats) == 1.0
    assert type_match("amount", "He thinks twenty-five subs would be enough.", seats) == 0.5
    # "One change" counts nothing, nor does the day of a date.
    people = "how many people work the returns floor at halyard?"
    assert type_match("amount", "One change: we won't open on April 6.", people) == 0.0
    assert type_match("amount", "About forty people work the floor.", people) == 1.0


def _ticket(doc_id: str, body: str, comments: Sequence[str], *, kind: str = "ticket") -> Passage:
    from textkit.documents import render_ticket

    text = render_ticket(body, [("u-9", AT, c) for c in comments])
    return _record(doc_id, text, title=f"{doc_id} Reminder emails stopped").model_copy(
        update={"kind": kind}
    )


_REMINDERS = (
    "Jerome reports that RFI due-date reminder emails stopped around March 21 on all "
    "projects. RFIs are still being created normally.",
    [
        "Confirmed: no reminder emails from the tenant since Mar 21 03:00 UTC.",
        "Cause: reminders are sent on behalf of the designated RFI manager, whose user "
        "was deactivated on Mar 20, so the reminder job skipped every RFI.",
        "Workaround for now: set any active admin as RFI manager. Fix tracked in PRD-88.",
    ],
)


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("why did the rfi reminder emails stop?", "was deactivated"),
        ("is there a workaround for the reminder emails stopping?", "active admin"),
        ("root cause on the rfi reminder emails?", "was deactivated"),  # typed no reason
    ],
)
def test_why_a_ticket_problem_happened_is_answered_from_its_comments(
    question: str, said: str
) -> None:
    from summarizers.answer import decide
    from summarizers.answer.diagnosis import diagnosis_first

    ticket = _ticket("RB-5044", *_REMINDERS)
    answer = ask(question, [ticket])
    assert answer.answered and said in answer.answer
    (citation,) = answer.citations
    assert ticket.text[citation.start : citation.end] == citation.quote
    # Whatever the ranker prefers, a pick that restates the symptom (the description, or
    # a comment confirming it) gives way to the comment that says why.
    d = decide(question, [ticket], similarity=_Vectors())
    cands = d.scored.candidates
    for symptom in ("stopped around March 21", "Confirmed: no reminder"):
        i = next(n for n, c in enumerate(cands) if symptom in c.text)
        order = (i, *(n for n in range(len(cands)) if n != i))
        first = cands[diagnosis_first(question, d.scored.question, cands, order, [ticket])[0]]
        assert said in first.text


@pytest.mark.parametrize(
    ("comment", "says_why"),
    [
        ("Engineering confirmed: the import set the work location from the department.", True),
        ("Engineering found it: both HMIs are on the office DHCP scope.", True),
        ("Looks related to the Shifts import on Mar 2.", True),
        # A confirmed symptom or a plan is no cause.
        ("Confirmed: 100% of UPS label requests fail since 7am ET.", False),
        ("Engineering confirmed hierarchy-path matching is on the roadmap for 4.21.", False),
    ],
)
def test_what_a_comment_says_caused_it(comment: str, says_why: bool) -> None:
    from summarizers.answer.diagnosis import _CAUSE

    assert bool(_CAUSE.search(comment)) is says_why


def test_a_ticket_whose_comments_say_no_cause_keeps_the_pick() -> None:
    from summarizers.answer import decide
    from summarizers.answer.diagnosis import diagnosis_first

    question = "why did the rfi reminder emails stop?"
    quiet = _ticket("RB-1", _REMINDERS[0], ["Reproduced on staging; escalated to engineering."])
    email = _ticket("em-1", *_REMINDERS, kind="email")  # an email quoting the thread
    for record in (quiet, email):
        d = decide(question, [record], similarity=_Vectors())
        order = tuple(range(len(d.scored.candidates)))
        assert (
            diagnosis_first(question, d.scored.question, d.scored.candidates, order, [record])
            == order
        )
    # A question that asks no reason is not redirected either.
    d = decide(
        "when did the reminder emails stop?", [_ticket("RB-2", *_REMINDERS)], similarity=_Vectors()
    )
    order = tuple(range(len(d.scored.candidates)))
    assert (
        diagnosis_first(
            "when did the reminder emails stop?",
            d.scored.question,
            d.scored.candidates,
            order,
            [_ticket("RB-2", *_REMINDERS)],
        )
        == order
    )


@pytest.mark.parametrize(
    "question",
    [
        "why are the ledger exports failing for some stores?",
        "whats causing the ledger export failures?",
        "what broke in the ledger export?",
    ],
)
def test_a_finding_in_no_cue_words_answers_why(question: str) -> None:
    """Support's first reply to a symptom says what they found, without "because" or
    "root cause": it answers a why question, not the description that restates it."""

    ticket = _ticket(
        "LG-4410",
        "Nightly ledger exports fail for 12 of 40 stores since Monday. The other stores "
        "export normally and the job reports success.",
        [
            "Looking into it today.",
            "The ledger expects the store code as the location ID, and the export sends "
            "the store's display name instead.",
            "Mapping table added; all 40 stores exported last night. Resolved.",
        ],
    )
    assert "store code" in _first_after_diagnosis(question, ticket, "Nightly ledger exports")


def _first_after_diagnosis(question: str, ticket: Passage, pick: str) -> str:
    """The candidate :func:`diagnosis_first` puts first when the ranker picked the one
    holding ``pick``."""
    from summarizers.answer import decide
    from summarizers.answer.diagnosis import diagnosis_first

    d = decide(question, [ticket], similarity=_Vectors())
    cands = d.scored.candidates
    i = next(n for n, c in enumerate(cands) if pick in c.text)
    order = (i, *(n for n in range(len(cands)) if n != i))
    return cands[diagnosis_first(question, d.scored.question, cands, order, [ticket])[0]].text


@pytest.mark.parametrize(
    ("question", "said"),
    [
        # How it was fixed: what was done, not why it broke.
        ("how did we fix the ledger exports failing?", "Mapping table added"),
        ("what was the fix for the ledger export?", "Mapping table added"),
        ("how was the ledger export problem resolved", "Mapping table added"),
        # A rep's words for "what caused it".
        ("what screwed up the ledger exports?", "store code"),
        ("whats wrong with the ledger export", "store code"),
    ],
)
def test_how_a_ticket_problem_was_fixed_or_what_caused_it(question: str, said: str) -> None:

    ticket = _ticket(
        "LG-4410",
        "Nightly ledger exports fail for 12 of 40 stores since Monday.",
        [
            "The ledger expects the store code as the location ID, and the export sends "
            "the store's display name instead.",
            "Mapping table added; all 40 stores exported last night. Resolved.",
        ],
    )
    fix = said == "Mapping table added"
    picks = ("Nightly ledger exports fail", "The ledger expects") if fix else ("Nightly",)
    for pick in picks:
        first = _first_after_diagnosis(question, ticket, pick)
        assert said in first, (pick, first)


def test_a_decimal_point_does_not_end_a_candidate_nor_swallow_the_line() -> None:
    # "0.14%" once made the rest of the line one candidate, so a description's later
    # sentence ("…because the clock is running") spoke for the whole description.
    from summarizers.answer.features import candidates

    text = (
        "Final CoA for lot 3 shows oxygen at 0.14% against a 0.13% max. The lot was held "
        "at our dock. Price is $42.75 per kg, e.g. for the spare lot."
    )
    found = [c.text for c in candidates([_record("OX-1", text)])]
    assert found == [
        "Final CoA for lot 3 shows oxygen at 0.14% against a 0.13% max.",
        "The lot was held at our dock.",
        "Price is $42.75 per kg, e.g.",
        "for the spare lot.",
    ]


def test_a_floor_no_record_states_is_declined_not_answered_with_another_price() -> None:
    # From the held-out CRM wrenfield: the floor is in a manager's private email the asker
    # may not see; the proposal and a rival's price are in records they may.
    proposal = _record(
        "em-1",
        "As promised, the proposal: combi ovens at $389 per oven per month, 60 months.",
        context=("Halloway Grand Hotels",),
    )
    rival = _record(
        "em-2",
        "When I told Krestline we were going out to bid, they came back with $352 per oven"
        " per month to keep the business.",
        context=("Halloway Grand Hotels",),
    )
    question = "what's our floor on the halloway ovens"
    assert not ask(question, [proposal, rival]).answered
    floor = _record(
        "em-3",
        "Caspian, $368 per oven per month is the floor, and only on the full 60 months.",
        context=("Halloway Grand Hotels",),
    )
    answer = ask(question, [proposal, rival, floor])
    assert "$368" in answer.answer and answer.citations[0].document_id == "em-3"
    # "I'm fine going to $9.75" states a floor too (a manager's words, ashgrove).
    from summarizers.answer.roles import ROLES

    (floor_role,) = [r for r in ROLES if r.name == "floor"]
    assert floor_role.stated.search("At 1,300 clinicians I'm fine going to $9.75, 3 years.")


def test_the_lowest_we_may_go_is_the_approved_floor_not_the_proposal() -> None:
    from summarizers.answer import decide
    from summarizers.answer.roles import role_first

    proposal = _record(
        "em-1",
        "Here is our proposal for all 84 providers:\n- $100 per provider per month, billed"
        " annually: $100,800/yr\n- Implementation: $9,500",
        context=("Brightwater Family Clinics",),
    )
    approval = _record(
        "em-2",
        "Dev, on Brightwater: you can go to $88 per provider per month, but only on a"
        " 24-month term with annual prepay. Implementation: halve it, do not waive it.",
        context=("Brightwater Family Clinics",),
    )
    question = "whats the lowest per provider price i'm allowed to offer brightwater?"
    answer = ask(question, [proposal, approval])
    assert "$88" in answer.answer and answer.citations[0].document_id == "em-2"
    # Whatever the ranker prefers, the floor goes first; asked for the price we
    # proposed, the ranker's order stands.
    d = decide(question, [proposal, approval], similarity=_Vectors())
    cands = d.scored.candidates
    listed = next(i for i, c in enumerate(cands) if "$100 per provider" in c.text)
    order = (listed, *(i for i in range(len(cands)) if i != listed))
    assert "$88" in cands[role_first(question, d.scored.question, cands, order)[0]].text
    asked = "what price per provider did we propose to brightwater?"
    d = decide(asked, [proposal, approval], similarity=_Vectors())
    order = tuple(range(len(d.scored.candidates)))
    assert role_first(asked, d.scored.question, d.scored.candidates, order) == order


def test_a_passage_answer_does_not_stop_at_a_question_or_a_bare_reply() -> None:
    from summarizers.answer import decide

    call = (
        "Priya: Thanks for making the time today, I know the week is full.\n"
        "Priya: And can I ask, the marketplace deal, was it really budget?\n"
        "Celeste: Not really.\n"
        "Celeste: Two of our GMs had already started using Crewhaus for scheduling, so "
        "the marketplace felt redundant.\n"
        "Priya: Understood, thanks for being straight with me."
    )
    record = _record("call-1", call, context=("Harborlight Hotels",))
    question = "was it really budget that killed the harborlight marketplace deal"
    d = decide(question, [record], similarity=_Vectors())
    assert d.passage is not None and "Crewhaus" in d.passage.quote
    assert call[d.passage.start : d.passage.end] == d.passage.quote
    assert len(d.passage.quote) <= 400


def test_who_signs_is_the_sentence_that_says_so_naming_whom() -> None:
    from summarizers.answer import decide
    from summarizers.answer.roles import role_first

    text = (
        "Celeste Duvall: Noreen in procurement will send the paperwork over this week.\n"
        "Celeste Duvall: Gordon Pike joined us as VP Finance in March. He's the one who"
        " actually signs the renewal, not Noreen.\n"
        "Priya Venkataraman: I'll send the renewal quote with the new terms on Friday."
    )
    record = _record("call-1", text, context=("Harborlight Hotels",))
    question = "who actually has to sign the harborlight renewal"
    answer = ask(question, [record])
    # The pick opens with "He": the sentence before it says who.
    assert answer.answered and "Gordon Pike" in answer.answer
    for c in answer.citations:
        assert text[c.start : c.end] == c.quote
    d = decide(question, [record], similarity=_Vectors())
    cands = d.scored.candidates
    thanks = next(i for i, c in enumerate(cands) if "renewal quote" in c.text)
    order = (thanks, *(i for i in range(len(cands)) if i != thanks))
    first = cands[role_first(question, d.scored.question, cands, order)[0]]
    assert "signs the renewal" in first.text


@pytest.mark.parametrize(
    ("question", "context", "without", "stated", "fact"),
    [
        (
            "what's the PO number for the extra storage at Ferrand?",
            "Ferrand & Oakes",
            "On storage: please go ahead with the extra 2 TB for the Redstone matter at the "
            "price you quoted. Our PO will follow from accounting; they're slow in April.",
            " Update: the PO for the extra storage is PO-88213.",
            "PO-88213",
        ),
        (
            "how much is the punch list pack we quoted Hollis?",
            "Hollis & Grant Builders",
            "Subcontractor seats for punch lists are a separate add-on; happy to price that "
            "once you know how many subs you'd bring in.",
            " The punch list pack for subs is $32 per sub per month.",
            "$32",
        ),
    ],
    ids=["po-number", "amount"],
)
def test_a_code_or_amount_asked_for_is_not_answered_by_a_sentence_without_one(
    question: str, context: str, without: str, stated: str, fact: str
) -> None:
    """Declined when no sentence holds the number asked for, however close the best one
    is; with the number written down it is answered."""
    answer = ask(question, [_record("em-1", without, context=(context,))], threshold=0.0)
    assert not answer.answered and answer.confidence == 0.0
    answer = ask(question, [_record("em-1", without + stated, context=(context,))], threshold=0.0)
    assert answer.answered and fact in answer.answer


def test_a_sentence_introducing_a_list_is_answered_by_the_item_holding_the_fact() -> None:
    """ "…, here's the quote for the Carson City division:" closest to the question, and the
    figure in the list it introduces: the item answers, cited after its intro."""
    text = (
        "Hi Jerome,\n\nAs discussed on the 25th, here's the quote for the Carson City "
        "division:\n\n- 40 seats, Ridgeback Field (full package)\n- $70 per seat per month, "
        "same as your current agreement\n- Annual: $33,600\n- Onboarding: two remote "
        "sessions, included\n\nPriya"
    )
    record = _record("em-1", text, context=("Sierra Crest Builders",))
    answer = ask("how much is the carson city quote a year", [record], threshold=0.0)
    assert answer.answered
    quotes = [c.quote for c in answer.citations]
    assert any("$" in q for q in quotes), quotes
    for c in answer.citations:
        assert text[c.start : c.end] == c.quote
    # A list that holds no amount does not stand in: the intro alone has none either.
    bare = text.replace("- $70 per seat per month, same as your current agreement\n", "")
    bare = bare.replace("- Annual: $33,600\n", "")
    answer = ask("how much is the carson city quote a year", [_record("em-2", bare)], threshold=0.0)
    assert not any("$" in c.quote for c in answer.citations)


def test_a_yes_no_question_is_not_answered_by_a_sentence_silent_on_the_act_asked() -> None:
    # The call is about ORV-214 and Orvane, so the sentence naming it is close in meaning
    # and the confidence high; but nothing says anything of out-licensing it.
    call = (
        "Piers Langridge: I get my steps in. Maeve Dunleavy: So tell me about ORV-214."
        " Selma Okonjo: Phase 2, second-line ovarian. We start dosing in the spring."
    )
    orvane = ("Orvane Therapeutics",)
    question = "is orvane planning to out-license orv-214"
    assert not ask(question, [_record("call-1", call, context=orvane)]).answered
    said = call + " Selma Okonjo: Frankly, we may license ORV-214 to a partner in Japan."
    answer = ask(question, [_record("call-1", said, context=orvane)])
    assert answer.answered and "license ORV-214 to a partner" in answer.answer


@pytest.mark.parametrize(
    ("question", "text", "expected"),
    [
        # A topic the question asks about, in other words than the question's.
        (
            "Has Copperfield Analytics put purchases on hold because money is tight?",
            "Finance froze all new software spend until the next budget cycle in October.",
            "froze all new software spend",
        ),
        # "interruption" is a word for an outage.
        (
            "Was Copperfield Analytics affected by a service interruption?",
            "The app has been down for our whole team since this morning.",
            "has been down",
        ),
        # A form of the question's word: "sign" / "signature".
        (
            "did copperfield sign the order form?",
            "Their signature on the order form came back Tuesday, countersigned by legal.",
            "signature",
        ),
    ],
)
def test_a_yes_no_question_is_answered_by_a_sentence_speaking_of_the_act(
    question: str, text: str, expected: str
) -> None:
    record = _record("em-1", text, context=("Copperfield Analytics",))
    answer = ask(question, [record])
    assert answer.answered and expected in answer.answer


@pytest.mark.parametrize(
    "question",
    [
        "what was making the C3 dock trip its breaker",
        "what's knocking the C3 dock offline at night?",
        "what keeps tripping the breaker on dock C3",
    ],
)
def test_what_does_the_harm_asks_for_the_cause(question: str) -> None:
    ticket = _ticket(
        "BR-4533",
        "Charging dock C3 trips its breaker most nights between 00:45 and 01:30. Robots "
        "that queue for C3 wait, then drop below 15% and park.",
        [
            "Swapped the C3 power module and tested the dock under load for two hours, no "
            "trip. Dock hardware looks fine.",
            "Cause: the contractor put C3 on the same 20A circuit as the new conveyor, so "
            "the conveyor's inrush plus a charging robot exceeds the breaker.",
        ],
    )
    answer = ask(question, [ticket])
    assert answer.answered and "same 20A circuit" in answer.answer


def test_the_price_agreed_in_a_call_is_the_one_said_last() -> None:
    call = (
        "Harriet Vogel: Your renewal proposal says eight forty per student. We pay seven"
        " eighty.\nImogen Castellanos: The eight forty reflects three years of development."
        "\nHarriet Vogel: I can't take eight percent to this board.\nImogen Castellanos:"
        " Here's what I can do. Eight ten per student on a three-year term, with increases"
        " capped at three percent a year.\nHarriet Vogel: Eight ten I can take to the board."
    )
    record = _record("call-1", call, context=("Saltmarsh County Schools",))
    answer = ask("what price per student did saltmarsh agree to on the renewal", [record])
    assert answer.answered and "Eight ten per student" in answer.answer
    # Asked what was proposed, the proposal still answers.
    answer = ask("what price per student did we propose to saltmarsh", [record])
    assert answer.answered and "eight forty" in answer.answer


@pytest.mark.parametrize(
    ("text", "question", "lacks"),
    [
        # A temperature, a time of day, how often and a code count nothing asked.
        (
            "Lakeshore kitchen: walk-in cooler reading 47°F against a 38°F setpoint at 5:40 AM.",
            "how many covers a day does the lakeshore kitchen do",
            True,
        ),
        (
            "Boiler B-2 in the central plant has locked out three times since Friday.",
            "how many plant ops positions is ridgeview cutting",
            True,
        ),
        ("The feed ran for 3 weeks.", "how many stores are on the feed", True),
        # Asked for that very unit, or with a count of something, it answers.
        (
            "Boiler B-2 has locked out three times since Friday.",
            "how many times did it trip",
            False,
        ),
        ("The pilot ran for 3 weeks.", "how many weeks did the pilot run", False),
        ("We do about 400 covers a day, 47°F in the walk-in.", "how many covers a day", False),
    ],
)
def test_how_many_is_not_answered_by_a_measure_or_a_code(
    text: str, question: str, lacks: bool
) -> None:
    from summarizers.answer.amounts import lacks_count

    assert lacks_count(text, question) is lacks
    if lacks:
        assert not ask(question, [_record("em-1", text, context=("Ridgeview",))]).answered
