"""The offline call-summary engine: every section, citations, speed.

No I/O: realistic transcripts are written here, and the sample CRM is generated in memory.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

import summarizers.offline.action_items
from copilot.sample import generate
from retrieval.chunking import render_call_transcript
from summarizers.competitors import (
    DEFAULT_COMPETITORS,
    parse_competitors,
    parse_competitors_toml,
)
from summarizers.models import CallSummary, Citation, SourceDocument
from summarizers.offline import summarize_call, summarize_text
from tests.texts import NOTES
from tests.unit.textkit.test_dates import DUE_CASES
from textkit.sentences import segment

WEDNESDAY = datetime(2026, 10, 7, 15, 0, tzinfo=UTC)

# --------------------------------------------------------------------------- transcripts

EXPANSION = """\
Dana Reyes: Thanks for jumping on, Priya. How did the pilot go with the support team?
Priya Shah: Honestly, it went really well. The team loves the routing rules and our \
first-response time dropped by 30%.
Dana Reyes: That's great to hear.
Priya Shah: We'd like to roll it out to the whole EMEA group, so roughly 120 more seats.
Priya Shah: To be transparent, we're also evaluating Zendesk for that region, and Freshdesk \
quoted us about 20% less per seat.
Dana Reyes: Understood. I can extend your current pricing to the new seats if we co-term them.
Priya Shah: That would help a lot. I need to get sign-off from our CFO, Marcus, before end \
of month.
Dana Reyes: I'll send the revised quote by Friday, and I'll set up a call with Marcus next \
Tuesday to walk through the ROI model.
Priya Shah: Perfect. Marcus will review the security addendum by the 15th.
Dana Reyes: Sounds good. Talk soon!
"""

CHURN = """\
[00:00:05] Tom Becker: Hi Lena, thanks for making the time today.
[00:00:09] Lena Fischer: Sure. I'll be blunt: we're frustrated. The Salesforce sync has been \
failing for two weeks and our reps went back to spreadsheets.
[00:00:31] Tom Becker: I'm sorry about that. What's the impact on your side?
[00:00:36] Lena Fischer: Adoption is really low, only a handful of people log in. Our new CFO \
froze all new software spend, and honestly we're not sure we'll renew in March.
[00:01:02] Lena Fischer: Also, Mark, our project sponsor, is leaving at the end of the month.
[00:01:15] Tom Becker: That's a lot. Let me escalate the sync issue to engineering today, and \
I'll get you a root-cause write-up within 48 hours.
[00:01:40] Lena Fischer: Fine. We're also talking to HubSpot; they offered us a free migration.
[00:01:52] Tom Becker: Could you introduce me to whoever takes over from Mark?
[00:02:01] Lena Fischer: I can do that.
"""

STATUS = """\
Alex Kim: Hi Jordan, just a quick check-in on the rollout.
Jordan Lee: Sure. The second region went live on Monday.
Alex Kim: Good. Are the admins using the new dashboard?
Jordan Lee: Yes, about forty admins have logged in so far.
Alex Kim: Okay. Any questions on the reporting module?
Jordan Lee: Not right now. The reporting module is configured the way we discussed.
Alex Kim: Makes sense. The quarterly usage report is generated automatically on the first of \
each month.
Jordan Lee: Right.
Alex Kim: Thanks, Jordan.
"""


EMAIL = """\
Hi Pat,

Thanks for the time today. As discussed, I'll send the updated order form by tomorrow and \
we will loop in our security lead on Thursday's call. Pricing stays at $42,000 for 60 seats.

Best,
Dana

On Mon, Oct 5, 2026 at 9:12 AM, Pat Buyer <pat@example.com> wrote:
> We're also evaluating HubSpot and the price is too high.
> I'll need the SOC 2 report by Friday.
"""

DIALOGSUM = """\
#Person1#: Hello, how are you doing today?
#Person2#: I ' Ve been having trouble breathing lately.
#Person1#: Have you had any type of cold lately?
#Person2#: No, I haven ' t had a cold. I just have a heavy feeling in my chest when I try to \
breathe.
#Person1#: I am going to send you to a pulmonary specialist who can run tests on you for asthma.
#Person2#: Thank you for your help, doctor."""

CALLS: dict[str, tuple[str, tuple[str, ...]]] = {
    "expansion": (EXPANSION, ("Dana Reyes", "Priya Shah", "Marcus Webb")),
    "churn": (CHURN, ("Tom Becker", "Lena Fischer")),
    "status": (STATUS, ("Alex Kim", "Jordan Lee")),
    "notes": (NOTES, ("Dana Reyes", "Sam Ortiz", "Bill Lumbergh")),
    "dialogsum": (DIALOGSUM, ()),
}


def call_doc(
    content: str,
    participants: tuple[str, ...] = ("Dana Reyes", "Pat Buyer"),
    *,
    at: datetime = WEDNESDAY,
    document_id: str = "call-1",
) -> SourceDocument:
    return SourceDocument(
        document_id=document_id,
        kind="call",
        title="Call",
        content=content,
        occurred_at=at,
        participants=participants,
    )


def summarize(name: str) -> CallSummary:
    content, participants = CALLS[name]
    return summarize_call(call_doc(content, participants, document_id=name))


def citations(summary: CallSummary) -> Iterator[tuple[str, Citation]]:
    """Every citation of every section, labelled by where it sits."""
    yield from (("summary", c) for c in summary.summary.citations)
    yield from (("sentiment", c) for c in summary.sentiment.citations)
    sections: dict[str, list[Any]] = {
        "key_points": summary.key_points,
        "action_items": summary.action_items,
        "next_steps": summary.next_steps,
        "objections": summary.objections,
        "competitors": summary.competitors,
        "risks": summary.risks,
    }
    for name, items in sections.items():
        for item in items:
            yield from ((name, c) for c in item.citations)


@pytest.fixture(scope="module")
def sample_calls() -> list[SourceDocument]:
    crm = generate(7, docs_per_org=80)
    docs = [
        SourceDocument(
            document_id=rec["id"],
            kind="call",
            title=rec["title"],
            content=render_call_transcript(rec["transcript"]),
            occurred_at=datetime.fromisoformat(rec["occurred_at"].replace("Z", "+00:00")),
            participants=tuple(rec["participants"]),
        )
        for rec in crm.records
        if rec["type"] == "call"
    ]
    assert len(docs) >= 20
    return docs


@pytest.mark.parametrize(("ref", "phrase", "expected"), DUE_CASES[::4])
def test_action_items_carry_owner_and_resolved_due_date(
    ref: date, phrase: str, expected: date
) -> None:
    at = datetime(ref.year, ref.month, ref.day, 16, 0, tzinfo=UTC)
    content = f"Pat Buyer: Can we get pricing?\nDana: I'll send the revised quote {phrase}."
    out = summarize_call(call_doc(content, at=at))
    assert len(out.action_items) == 1
    item = out.action_items[0]
    assert item.owner == "Dana Reyes"  # the speaker's first name, expanded by participants
    assert item.due == expected
    assert item.text == f"Send the revised quote {phrase}"
    assert item.citations[0].quote == f"I'll send the revised quote {phrase}."


# =========================================================================== action items


def test_action_items_of_a_realistic_call() -> None:
    got = [(a.text, a.owner, a.due) for a in summarize("expansion").action_items]
    assert got == [
        (
            "Get sign-off from our CFO, Marcus, before end of month",
            "Priya Shah",
            date(2026, 10, 31),
        ),
        ("Send the revised quote by Friday", "Dana Reyes", date(2026, 10, 9)),
        (
            "Set up a call with Marcus next Tuesday to walk through the ROI model",
            "Dana Reyes",
            date(2026, 10, 13),
        ),
        ("Review the security addendum by the 15th", "Marcus Webb", date(2026, 10, 15)),
    ]


def test_action_items_skip_hedges_and_take_let_me() -> None:
    got = [(a.text, a.owner, a.due) for a in summarize("churn").action_items]
    # "we're not sure we'll renew in March" is not a commitment; "I can do that" has no date.
    assert got == [
        ("Escalate the sync issue to engineering today", "Tom Becker", date(2026, 10, 7)),
        ("Get you a root-cause write-up within 48 hours", "Tom Becker", date(2026, 10, 9)),
    ]


def test_action_items_in_notes_take_owner_tags_named_owners_and_sections() -> None:
    got = [(a.text, a.owner, a.due) for a in summarize("notes").action_items]
    assert got == [
        ("Send redlined MSA to Bill by Wednesday", "Dana Reyes", date(2026, 10, 14)),
        ("Confirm the discount with deal desk by EOD Friday", "Sam Ortiz", date(2026, 10, 9)),
        ("Schedule the security review for next week", None, date(2026, 10, 16)),
    ]


def test_first_person_in_notes_belongs_to_the_author() -> None:
    out = summarize_text(
        "Met Pat. I'll send the SOC 2 report tomorrow.", kind="note", now=WEDNESDAY, author="Dana"
    )
    assert [(a.owner, a.due) for a in out.action_items] == [("Dana", date(2026, 10, 8))]
    anonymous = summarize_text(
        "Met Pat. I'll send the SOC 2 report tomorrow.", kind="note", now=WEDNESDAY
    )
    assert anonymous.action_items[0].owner is None  # unknown, not guessed


@pytest.mark.parametrize(
    "line",
    [
        "I'll be honest with you, pricing is high.",
        "We're not sure we'll renew next year.",
        "I can't send that today.",
        "I sent the deck yesterday.",
        "Let me know if you have questions.",
        "Let me think about that.",
        "I think we'll need more seats.",
        "I can connect you with a reference customer.",
        "If you want, I could send it.",
        "Makes sense.",
    ],
)
def test_no_action_item_without_a_commitment(line: str) -> None:
    out = summarize_text(f"Pat: Sure.\nDana: {line}", kind="call", now=WEDNESDAY)
    assert out.action_items == []


def test_a_call_without_commitments_has_no_action_items() -> None:
    out = summarize("status")
    assert out.action_items == []
    assert out.objections == []
    assert out.risks == []
    assert out.competitors == []


def test_dialogsum_commitment_is_owned_by_its_speaker() -> None:
    out = summarize("dialogsum")
    assert [(a.owner, a.due) for a in out.action_items] == [("#Person1#", None)]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # A lead-in date holds for every commitment of its clause ...
        (
            "By Friday, I'll send the deck and I'll call Marcus.",
            [("Send the deck", date(2026, 10, 9)), ("Call Marcus", date(2026, 10, 9))],
        ),
        # ... and not past a clause boundary.
        (
            "By Friday I'll send the deck; I could call Marcus tomorrow.",
            [("Send the deck", date(2026, 10, 9)), ("Call Marcus tomorrow", date(2026, 10, 8))],
        ),
        ("I'll send the deck tomorrow, and then", [("Send the deck tomorrow", date(2026, 10, 8))]),
        (
            "I'll send the deck tomorrow and and and",
            [("Send the deck tomorrow", date(2026, 10, 8))],
        ),
        (
            "I'll send the deck tomorrow" + " " * 50 + "- and Pat will review it.",
            [("Send the deck tomorrow", date(2026, 10, 8)), ("Review it", None)],
        ),
    ],
)
def test_commitments_sharing_a_sentence(line: str, expected: list[tuple[str, date | None]]) -> None:
    out = summarize_text(f"Pat: Sure.\nDana: {line}", kind="call", now=WEDNESDAY)
    assert [(a.text, a.due) for a in out.action_items] == expected


class _Reads:
    """A compiled pattern that counts the characters it is asked to search."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.chars = 0

    def _read(self, text: str, pos: int, endpos: int) -> None:
        self.chars += max(0, min(endpos, len(text)) - pos)

    def search(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._read(text, pos, endpos)
        return self.pattern.search(text, pos, endpos)

    def match(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._read(text, pos, endpos)
        return self.pattern.match(text, pos, endpos)

    def finditer(self, text: str, pos: int = 0, endpos: int = sys.maxsize) -> Any:
        self._read(text, pos, endpos)
        return self.pattern.finditer(text, pos, endpos)


@pytest.mark.parametrize(
    "text",
    [
        "I'll send it by next " * 200,
        "We will send it by next " * 200,
        "Ana will send it and I'll " * 200,
    ],
)
def test_a_sentence_of_many_commitments_is_read_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch, date_scans: list[int], text: str
) -> None:
    # Each commitment's lead-in runs from the sentence's start, so looking each one up on
    # its own read the sentence ~100 times here (200 commitments) and a 20,000-character
    # one took 15 s. Counted, not timed: reads of the date scanner and of the lead-in
    # patterns.
    module = summarizers.offline.action_items
    patterns = {
        name: _Reads(getattr(module, name)) for name in ("_HEDGE", "_CONDITIONAL", "_CLAUSE_START")
    }
    for name, reads in patterns.items():
        monkeypatch.setattr(module, name, reads)
    out = summarize_text(text, kind="note", now=WEDNESDAY)
    assert out.action_items
    assert sum(date_scans) <= 4 * len(text)
    reread = {name: reads.chars for name, reads in patterns.items() if reads.chars > 2 * len(text)}
    assert reread == {}


# =========================================================================== next steps


def test_next_steps_hold_requests_and_third_party_plans() -> None:
    churn = [n.text for n in summarize("churn").next_steps]
    assert churn == ["Tom Becker: Could you introduce me to whoever takes over from Mark?"]
    content = (
        "Pat Buyer: The sync broke again.\n"
        "Dana: Engineering reproduced it and a fix is going into next week's release.\n"
        "Dana: Let's schedule a follow-up for Thursday."
    )
    steps = [n.citations[0].quote for n in summarize_call(call_doc(content)).next_steps]
    assert steps == [
        "Engineering reproduced it and a fix is going into next week's release.",
        "Let's schedule a follow-up for Thursday.",
    ]


# =========================================================================== competitors


def test_competitors_from_the_list_with_aliases_in_order() -> None:
    got = [(c.name, len(c.citations)) for c in summarize("expansion").competitors]
    assert got == [("Zendesk", 1), ("Freshworks", 1)]  # Freshdesk is a Freshworks alias


def test_speakers_are_never_competitors() -> None:
    content = "Pat Buyer: We're considering Quinn for this.\nQuinn: Thanks, Pat."
    out = summarize_call(call_doc(content, ("Dana Reyes", "Pat Buyer", "Quinn Kim")))
    assert out.competitors == []


def test_the_competitor_list_is_configurable() -> None:
    names = parse_competitors(["# ours", "Initech | Initrode  # renamed", "", "initech"])
    assert names == ("Initech|Initrode",)
    content = "Pat Buyer: Initrode gave us a great demo. We use HubSpot today.\nDana: Noted."
    out = summarize_call(call_doc(content), competitors=names)
    assert [c.name for c in out.competitors] == ["Initech"]
    toml = 'competitors = ["Acme", {name = "Initech", aliases = ["Initrode"]}]'
    assert parse_competitors_toml(toml) == ("Acme", "Initech|Initrode")
    with pytest.raises(ValueError, match="not a name or a table"):
        parse_competitors_toml("competitors = [1]")
    with pytest.raises(ValueError, match="empty name"):
        parse_competitors(["Acme||Initech"])
    assert "Salesforce|SFDC|Sales Cloud|Service Cloud" in DEFAULT_COMPETITORS


# =========================================================================== sentiment


def test_sentiment_of_clearly_positive_negative_and_neutral_calls() -> None:
    positive, negative, neutral = (summarize(n).sentiment for n in ("expansion", "churn", "status"))
    assert positive.label == "positive" and positive.score > 0.15
    assert negative.label == "negative" and negative.score < -0.3
    assert neutral.label == "neutral" and neutral.score == 0.0
    assert neutral.citations == []  # nothing to point at
    quotes = [c.quote for c in negative.citations]
    assert "I'll be blunt: we're frustrated." in quotes
    assert all("Tom" not in q for q in quotes)


def test_sentiment_ignores_the_reps_enthusiasm_and_pleasantries() -> None:
    content = (
        "Dana Reyes: This is fantastic, I'm so excited to show you the amazing dashboards!\n"
        "Pat Buyer: Okay. We will look at them next quarter.\n"
        "Dana Reyes: Wonderful, I'm thrilled, this is great.\n"
        "Pat Buyer: Sounds good, thanks."
    )
    assert summarize_call(call_doc(content)).sentiment.label == "neutral"


@pytest.mark.parametrize(
    ("line", "label"),
    [
        ("Honestly, we are not happy with the support we get.", "negative"),
        ("We're not sure we'll continue after this term.", "negative"),
        ("No problems at all, the rollout went really well.", "positive"),
        ("We're evaluating Pipedrive and their demo was really strong.", "negative"),
    ],
)
def test_sentiment_handles_negation_and_competitor_praise(line: str, label: str) -> None:
    out = summarize_call(call_doc(f"Dana Reyes: Hi Pat.\nPat Buyer: {line}"))
    assert out.sentiment.label == label


# =========================================================================== objections, risks


def test_objections_and_risks_by_category() -> None:
    churn = summarize("churn")
    risks = [r.text.split(":")[0] for r in churn.risks]
    assert risks == [
        "Budget freeze",
        "Champion leaving",
        "Churn risk",
        "Competitive threat",
        "Decision-maker change",
        "Service issue",
    ]
    notes = summarize("notes")
    assert [o.text.split(":")[0] for o in notes.objections] == [
        "Pricing",
        "Legal terms",
        "Competition",
        "Budget / timing",
    ]
    assert "Legal blocker" in [r.text.split(":")[0] for r in notes.risks]


def test_conditional_and_negated_risks_are_not_raised() -> None:
    content = (
        "Dana Reyes: If kickoff slips past March, the go-live date moves with it.\n"
        "Pat Buyer: I want to make sure the project doesn't stall.\n"
        "Pat Buyer: We have no budget concerns this year."
    )
    out = summarize_call(call_doc(content))
    assert out.risks == []


# =========================================================================== summary


@pytest.mark.parametrize("name", sorted(CALLS))
def test_summary_is_two_to_four_cited_extractive_sentences(name: str) -> None:
    content = CALLS[name][0]
    out = summarize(name)
    n = len(out.summary.citations)
    assert 2 <= n <= 4
    assert len(re.findall(r"[.!?](?:\s|$)", out.summary.text)) >= n
    squashed = " ".join(out.summary.text.split()).lower()
    for c in out.summary.citations:
        assert " ".join(c.quote.split()).lower().rstrip(".") in squashed
        assert content[c.start : c.end] == c.quote


def test_summary_skips_filler_and_keeps_the_customer_and_the_commitment() -> None:
    out = summarize("expansion")
    quotes = [c.quote for c in out.summary.citations]
    assert not any(q in ("That's great to hear.", "Sounds good.", "Talk soon!") for q in quotes)
    assert any(q.startswith("To be transparent") or "EMEA" in q for q in quotes)
    assert out.summary.text.startswith("Priya Shah: ")
    every_text = [out.summary.text, *(k.text for k in out.key_points)]
    assert not any("Makes sense" in t or "Good question" in t for t in every_text)


def test_key_points_do_not_repeat_the_summary() -> None:
    for name in CALLS:
        out = summarize(name)
        summary_spans = {(c.start, c.end) for c in out.summary.citations}
        for point in out.key_points:
            assert (point.citations[0].start, point.citations[0].end) not in summary_spans


# =========================================================================== drafts, emails


def test_draft_email_ignores_quoted_reply_and_cites_the_draft() -> None:
    out = summarize_text(EMAIL, kind="email", now=WEDNESDAY, author="Dana Reyes")
    assert out.document_id is None
    assert all(c.document_id == "draft" for _, c in citations(out))
    assert all(EMAIL[c.start : c.end] == c.quote for _, c in citations(out))
    assert out.competitors == []  # HubSpot is only in the quoted reply
    assert [(a.text, a.owner, a.due) for a in out.action_items] == [
        ("Send the updated order form by tomorrow", "Dana Reyes", date(2026, 10, 8)),
        ("Loop in our security lead on Thursday's call", "Dana Reyes", date(2026, 10, 8)),
    ]
    assert out.sentiment.label == "neutral"  # "Best," is a sign-off, not praise


def test_an_opening_thanks_is_not_a_sign_off() -> None:
    text = (
        "Hi Pat,\n\nThanks!\n\nI will send the order form by Friday. Pricing is $4k.\n\nBest,\nDana"
    )
    out = summarize_text(text, kind="email", now=WEDNESDAY, author="Dana")
    assert [(a.text, a.due) for a in out.action_items] == [
        ("Send the order form by Friday", date(2026, 10, 9))
    ]
    assert "Best" not in out.summary.text


def test_a_due_date_before_the_commitment_is_quoted_with_it() -> None:
    out = summarize_text(
        "Pat: Ok.\nDana: Sure, by Friday I will send the deck.", kind="call", now=WEDNESDAY
    )
    item = out.action_items[0]
    assert (item.text, item.due) == ("Send the deck", date(2026, 10, 9))
    assert item.citations[0].quote == "Sure, by Friday I will send the deck."


def test_summarize_text_rejects_an_unknown_kind_and_handles_empty_text() -> None:
    with pytest.raises(ValueError, match="'memo'"):
        summarize_text("x", kind="memo", now=WEDNESDAY)
    empty = summarize_text("", kind="note", now=WEDNESDAY)
    assert empty.summary.text == "" and empty.summary.citations == []
    assert (empty.sentiment.label, empty.sentiment.score) == ("neutral", 0.0)
    assert empty.key_points == empty.action_items == empty.risks == []


# =========================================================================== every citation


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_citation_quotes_its_source_span_in_realistic_calls(name: str) -> None:
    content = CALLS[name][0]
    for section, c in citations(summarize(name)):
        assert c.document_id == name
        assert content[c.start : c.end] == c.quote, section
        assert c.quote.strip() == c.quote and c.quote, section


def test_every_citation_of_every_sample_call_quotes_its_source(
    sample_calls: list[SourceDocument],
) -> None:
    checked = 0
    for doc in sample_calls:
        out = summarize_call(doc)
        for section, c in citations(out):
            assert c.document_id == doc.document_id
            assert doc.content[c.start : c.end] == c.quote, (doc.document_id, section)
            checked += 1
        assert 1 <= len(out.summary.citations) <= 4
        assert len(out.summary.citations) >= 2 or len(segment(doc.content)) < 3
        assert all(a.owner for a in out.action_items), doc.document_id
    assert checked > 10 * len(sample_calls)


def test_sample_calls_have_their_planted_competitors(sample_calls: list[SourceDocument]) -> None:
    planted = [
        (doc, name)
        for doc in sample_calls
        for name in ("Salesforce", "HubSpot", "Zendesk", "Pipedrive", "Freshworks", "Zoho")
        if re.search(rf"\b{name}\b", doc.content)
    ]
    assert planted
    for doc, name in planted:
        assert name in [c.name for c in summarize_call(doc).competitors], doc.document_id


# =========================================================================== determinism, speed


def test_same_input_same_output(sample_calls: list[SourceDocument]) -> None:
    for doc in [*sample_calls[:10], call_doc(EXPANSION, CALLS["expansion"][1])]:
        first = summarize_call(doc).model_dump(mode="json")
        again = summarize_call(doc.model_copy()).model_dump(mode="json")
        assert first == again
    draft = summarize_text(NOTES, kind="note", now=WEDNESDAY)
    assert draft == summarize_text(NOTES, kind="note", now=WEDNESDAY)


def test_a_transcript_without_stops_gets_a_bounded_summary() -> None:
    # A speech-to-text export without punctuation (133,000 characters) had a "summary"
    # that was the whole call, repeated in its key points: a 788 KB response.
    from textkit.sentences import MAX_SENTENCE_CHARS

    line = "we need the pricing by friday and legal wants the dpa before the renewal"
    text = "Ana: " + " ".join([line] * 2_000)
    out = summarize_text(text, kind="call", now=WEDNESDAY)
    bound = MAX_SENTENCE_CHARS + 20  # a point may lead with its speaker, reworded
    assert 0 < len(out.summary.text) <= 4 * (bound + 1)
    assert out.key_points and all(len(p.text) <= bound for p in out.key_points)
    for c in out.summary.citations:
        assert text[c.start : c.end] == c.quote
