"""Next-best actions: each playbook rule, ranking, the playbook file, and permissions.

Contexts are built in memory; nothing here touches a database. The permission tests
model the service's contract: it hands the engine only what the caller may see, so
removing a document from the context is exactly "the caller cannot see it".
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from summarizers.actions import (
    RULE_IDS,
    AccountContext,
    ContactRow,
    DealContext,
    DealRow,
    DocumentFacts,
    Playbook,
    PlaybookError,
    build_context,
    load_playbook,
    parse_playbook,
    recommend,
)
from summarizers.errors import SummarizerError
from summarizers.models import (
    ActionItem,
    CallSummary,
    Citation,
    Competitor,
    Item,
    NextBestAction,
    Sentiment,
)
from textkit.crm import AccountRow

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
ACCOUNT = "a1"
PAT = ContactRow(id="c1", account_id=ACCOUNT, name="Pat Buyer", email="pat@nw.example", title="CFO")
LEE = ContactRow(
    id="c2", account_id=ACCOUNT, name="Lee Admin", email="lee@nw.example", title="IT Director"
)
REP = "sam@acme.example"


def ago(days: float = 0, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


# --------------------------------------------------------------------------- builders


def email(
    doc_id: str,
    at: datetime,
    *,
    inbound: bool = True,
    body: str = "Hi Sam,\n\nCan you send your SOC 2 report?\n\nThanks,\nPat",
    subject: str = "SOC 2 report",
    sender: str = PAT.email or "",
    to: str = REP,
    contact_id: str | None = "c1",
    deal_id: str | None = None,
) -> DocumentFacts:
    if not inbound:
        sender, to = REP, to if to != REP else (PAT.email or "")
    return DocumentFacts(
        document_id=doc_id,
        kind="email",
        title=subject,
        content=body,
        occurred_at=at,
        fields={
            "subject": subject,
            "from": sender,
            "to": [to],
            "direction": "inbound" if inbound else "outbound",
        },
        account_id=ACCOUNT,
        deal_id=deal_id,
        contact_id=contact_id,
        owner_id="u1",
    )


def call(
    doc_id: str,
    at: datetime,
    *,
    transcript: str = (
        "Sam Lee: Thanks for making the time today, Pat.\n"
        "Pat Buyer: Adoption has been low and leadership is questioning the value.\n"
        "Sam Lee: I'll send a recap with next steps by Friday."
    ),
    participants: Iterable[str] = ("Sam Lee", "Pat Buyer"),
    title: str = "Northwind / Acme: health check",
    deal_id: str | None = None,
) -> DocumentFacts:
    return DocumentFacts(
        document_id=doc_id,
        kind="call",
        title=title,
        content=transcript,
        occurred_at=at,
        fields={"participants": list(participants)},
        account_id=ACCOUNT,
        deal_id=deal_id,
        owner_id="u1",
    )


def ticket(
    doc_id: str,
    at: datetime,
    *,
    status: str = "open",
    priority: str = "high",
    body: str = "Every time the webhook fires we get a 500 error back from your API.",
    comments: Iterable[datetime] = (),
) -> DocumentFacts:
    times = list(comments)
    content = body + "".join(
        f"\n\n--- comment by u2 at {t.isoformat()}\nLooking into it." for t in times
    )
    return DocumentFacts(
        document_id=doc_id,
        kind="ticket",
        title=f"[TCK-{doc_id}] Webhook deliveries returning HTTP 500",
        content=content,
        occurred_at=at,
        fields={
            "subject": "Webhook deliveries returning HTTP 500",
            "status": status,
            "priority": priority,
            "comments": [{"author_id": "u2", "at": t.isoformat()} for t in times],
        },
        account_id=ACCOUNT,
        contact_id="c1",
        owner_id="u2",
    )


def deal(
    deal_id: str = "d1",
    *,
    stage: str = "Proposal",
    close_date: date = TODAY + timedelta(days=30),
    amount: float = 50_000,
    **attributes: Any,
) -> DealRow:
    return DealRow(
        id=deal_id,
        account_id=ACCOUNT,
        name=f"Northwind - {deal_id}",
        stage=stage,
        amount=amount,
        close_date=close_date,
        owner_id="u1",
        attributes=attributes,
    )


def cite(doc: DocumentFacts, text: str) -> Citation:
    start = doc.content.index(text)
    return Citation(document_id=doc.document_id, start=start, end=start + len(text), quote=text)


def summary(
    doc: DocumentFacts,
    *,
    score: float = 0.0,
    label: str = "neutral",
    items: Iterable[ActionItem] = (),
    competitors: Iterable[Competitor] = (),
) -> CallSummary:
    negative = "Adoption has been low and leadership is questioning the value."
    citations = [cite(doc, negative)] if negative in doc.content else []
    return CallSummary(
        document_id=doc.document_id,
        summary=Item(text="A call."),
        action_items=list(items),
        sentiment=Sentiment(label=label, score=score, citations=citations),  # type: ignore[arg-type]
        competitors=list(competitors),
    )


def recap(doc: DocumentFacts, due: date | None) -> ActionItem:
    text = "I'll send a recap with next steps by Friday."
    return ActionItem(text=text, owner="Sam Lee", due=due, citations=[cite(doc, text)])


def context(
    *documents: DocumentFacts,
    deals: Iterable[DealRow] = (),
    contacts: Iterable[ContactRow] = (PAT, LEE),
    summaries: Iterable[CallSummary] = (),
    now: datetime = NOW,
) -> AccountContext:
    return AccountContext(
        account_id=ACCOUNT,
        account_name="Northwind",
        now=now,
        deals=tuple(deals),
        documents=documents,
        contacts=tuple(contacts),
        call_summaries={s.document_id: s for s in summaries if s.document_id},
    )


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)  # booleans, numbers, strings and lists read the same in TOML


def only(rule_id: str, **overrides: Any) -> Playbook:
    """The default playbook with every other rule disabled, and ``overrides`` applied."""
    lines = []
    for rid in RULE_IDS:
        lines.append(f"[rules.{rid}]\nenabled = {_toml(rid == rule_id)}")
        if rid == rule_id:
            lines += [f"{key} = {_toml(value)}" for key, value in overrides.items()]
    return parse_playbook("\n".join(lines), source="test.toml")


DEFAULT = load_playbook()


def rules_of(actions: list[NextBestAction]) -> list[str]:
    return [a.rule for a in actions]


def assert_grounded(ctx: AccountContext, actions: list[NextBestAction]) -> None:
    """Every quote is an exact span of a document of the context, or names a deal of it."""
    docs = {d.document_id: d for d in ctx.documents}
    deals = {d.id: d for d in ctx.deals}
    for action in actions:
        for ev in action.evidence:
            if ev.record_type == "deal":
                assert ev.document_id in deals, f"{action.rule} cites deal {ev.document_id}"
                assert ev.start is None and deals[ev.document_id].name in ev.quote
                continue
            assert ev.document_id in docs, f"{action.rule} cites {ev.document_id} outside context"
            assert ev.start is not None and ev.end is not None
            assert docs[ev.document_id].content[ev.start : ev.end] == ev.quote
            assert ev.quote.strip()


# --------------------------------------------------------------------------- signals

# Each case: (rule, the context where it must fire, the id of the one document that
# triggers it or None for rules on the deal record).
_PAST_CALL = call("cl1", ago(10))


def _sentiment_calls(scores: list[tuple[float, str]]) -> AccountContext:
    calls = [call(f"cl{n}", ago(30 - 10 * n)) for n in range(len(scores))]
    sums = [summary(c, score=s, label=lab) for c, (s, lab) in zip(calls, scores, strict=True)]
    return context(*calls, summaries=sums)


FIRES: list[tuple[str, Callable[[], AccountContext], str | None]] = [
    ("unanswered_inbound_email", lambda: context(email("e1", ago(5))), "e1"),
    ("ticket_high_priority", lambda: context(ticket("t1", ago(hours=2), priority="urgent")), "t1"),
    ("ticket_sla_breach", lambda: context(ticket("t1", ago(2), priority="high")), "t1"),
    (
        "commitment_unmet",
        lambda: context(
            _PAST_CALL,
            summaries=[summary(_PAST_CALL, items=[recap(_PAST_CALL, TODAY - timedelta(days=5))])],
        ),
        "cl1",
    ),
    (
        "sentiment_declining",
        lambda: _sentiment_calls([(0.5, "positive"), (0.1, "neutral"), (-0.4, "negative")]),
        "cl2",
    ),
    (
        "competitor_mentioned",
        lambda: context(email("e1", ago(3), body="We're also evaluating HubSpot, frankly.")),
        "e1",
    ),
    (
        "champion_quiet",
        lambda: context(*(email(f"e{n}", ago(40 + n)) for n in range(3)), contacts=[PAT, LEE]),
        "e0",
    ),
    (
        "deal_no_touch",
        lambda: context(email("e1", ago(20), inbound=False, deal_id="d1"), deals=[deal()]),
        "e1",
    ),
    (
        "deal_stuck_in_stage",
        lambda: context(
            deals=[deal(stage="Negotiation", stage_entered_at=(TODAY - timedelta(60)).isoformat())]
        ),
        None,
    ),
    (
        "deal_close_date_passed",
        lambda: context(deals=[deal(close_date=TODAY - timedelta(days=10))]),
        None,
    ),
]

QUIET: list[tuple[str, str, Callable[[], AccountContext]]] = [
    (
        "unanswered_inbound_email",
        "replied by email",
        lambda: context(email("e1", ago(5)), email("e2", ago(4), inbound=False, subject="Re: x")),
    ),
    (
        "unanswered_inbound_email",
        "replied on the same thread",
        lambda: context(
            email("e1", ago(5)),
            email(
                "e2",
                ago(4),
                inbound=False,
                to="legal@nw.example",
                contact_id=None,
                subject="RE: SOC 2 report",
            ),
        ),
    ),
    (
        "unanswered_inbound_email",
        "answered on a call",
        lambda: context(email("e1", ago(5)), call("cl1", ago(3))),
    ),
    ("unanswered_inbound_email", "too recent", lambda: context(email("e1", ago(1)))),
    ("unanswered_inbound_email", "outbound", lambda: context(email("e1", ago(5), inbound=False))),
    ("unanswered_inbound_email", "past lookback", lambda: context(email("e1", ago(45)))),
    (
        "ticket_high_priority",
        "solved",
        lambda: context(ticket("t1", ago(hours=2), priority="urgent", status="Solved")),
    ),
    (
        "ticket_high_priority",
        "normal priority",
        lambda: context(ticket("t1", ago(hours=2), priority="normal")),
    ),
    ("ticket_sla_breach", "within SLA", lambda: context(ticket("t1", ago(hours=10)))),
    (
        "ticket_sla_breach",
        "low priority within its longer SLA",
        lambda: context(ticket("t1", ago(2), priority="low")),
    ),
    ("ticket_sla_breach", "closed", lambda: context(ticket("t1", ago(2), status="closed"))),
    (
        "commitment_unmet",
        "a later email covers it",
        lambda: context(
            _PAST_CALL,
            email("e9", ago(8), inbound=False, body="Pat, here is the recap and the next steps."),
            summaries=[summary(_PAST_CALL, items=[recap(_PAST_CALL, TODAY - timedelta(days=5))])],
        ),
    ),
    (
        "commitment_unmet",
        "not due yet",
        lambda: context(
            _PAST_CALL,
            summaries=[summary(_PAST_CALL, items=[recap(_PAST_CALL, TODAY + timedelta(days=9))])],
        ),
    ),
    (
        "commitment_unmet",
        "no summary",
        lambda: context(_PAST_CALL),
    ),
    (
        "sentiment_declining",
        "not monotonic",
        lambda: _sentiment_calls([(0.5, "positive"), (-0.4, "negative"), (-0.3, "negative")]),
    ),
    (
        "sentiment_declining",
        "latest not negative",
        lambda: _sentiment_calls([(0.6, "positive"), (0.4, "positive"), (0.1, "neutral")]),
    ),
    (
        "sentiment_declining",
        "too few calls",
        lambda: _sentiment_calls([(0.5, "positive"), (-0.4, "negative")]),
    ),
    (
        "competitor_mentioned",
        "no competitor",
        lambda: context(email("e1", ago(3), body="Please close the loop on the invoice.")),
    ),
    (
        "competitor_mentioned",
        "mention too old",
        lambda: context(email("e1", ago(60), body="We're also evaluating HubSpot, frankly.")),
    ),
    (
        "champion_quiet",
        "recently active",
        lambda: context(*(email(f"e{n}", ago(2 + 20 * n)) for n in range(3))),
    ),
    (
        "champion_quiet",
        "nobody engaged enough to be champion",
        lambda: context(*(email(f"e{n}", ago(40 + n)) for n in range(2))),
    ),
    (
        "deal_no_touch",
        "touched recently",
        lambda: context(email("e1", ago(3), inbound=False, deal_id="d1"), deals=[deal()]),
    ),
    (
        "deal_no_touch",
        "deal closed",
        lambda: context(email("e1", ago(20), deal_id="d1"), deals=[deal(stage="Closed Won")]),
    ),
    (
        "deal_no_touch",
        "touched through the account",
        lambda: context(email("e1", ago(20), deal_id="d1"), email("e2", ago(2)), deals=[deal()]),
    ),
    (
        "deal_stuck_in_stage",
        "stage age unknown",
        lambda: context(deals=[deal(stage="Negotiation")]),
    ),
    (
        "deal_stuck_in_stage",
        "within the stage's limit",
        lambda: context(
            deals=[deal(stage="Negotiation", stage_entered_at=(TODAY - timedelta(10)).isoformat())]
        ),
    ),
    (
        "deal_close_date_passed",
        "close date ahead",
        lambda: context(deals=[deal(close_date=TODAY + timedelta(days=3))]),
    ),
    (
        "deal_close_date_passed",
        "closed lost",
        lambda: context(deals=[deal(stage="Closed Lost", close_date=TODAY - timedelta(days=10))]),
    ),
]


@pytest.mark.parametrize(("rule", "build", "trigger"), FIRES, ids=[c[0] for c in FIRES])
def test_signal_fires(rule: str, build: Callable[[], AccountContext], trigger: str | None) -> None:
    ctx = build()
    actions = recommend(ctx, only(rule))
    assert rules_of(actions) == [rule]
    [action] = actions
    assert action.action and action.rationale
    assert "{" not in action.action + action.rationale
    assert_grounded(ctx, actions)
    if trigger is not None:
        assert trigger in {e.document_id for e in action.evidence}
    else:
        # Rules on the deal record cite the deal itself.
        assert [e.record_type for e in action.evidence] == ["deal"]


@pytest.mark.parametrize(("rule", "why", "build"), QUIET, ids=[f"{c[0]}: {c[1]}" for c in QUIET])
def test_signal_absent_does_not_fire(
    rule: str, why: str, build: Callable[[], AccountContext]
) -> None:
    assert recommend(build(), only(rule)) == []


@pytest.mark.parametrize(("rule", "build", "trigger"), FIRES, ids=[c[0] for c in FIRES])
def test_disabled_rule_does_not_fire(
    rule: str, build: Callable[[], AccountContext], trigger: str | None
) -> None:
    playbook = parse_playbook(f"[rules.{rule}]\nenabled = false")
    assert rule not in rules_of(recommend(build(), playbook, limit=20))


# --------------------------------------------------------------------------- wording


def test_unanswered_email_rationale_reads_like_a_person_wrote_it() -> None:
    ctx = context(email("e1", datetime(2026, 11, 2, 15, tzinfo=UTC)))
    [action] = recommend(ctx, only("unanswered_inbound_email"))
    assert action.action == 'Reply to Pat Buyer about "SOC 2 report"'
    assert action.rationale == (
        'Pat Buyer emailed on Nov 2 ("SOC 2 report"): "Can you send your SOC 2 report?" '
        "No reply in 13 days."
    )
    assert action.due == TODAY
    assert action.evidence[0].quote == "Can you send your SOC 2 report?"


def test_email_quote_skips_greeting_pleasantries_and_the_quoted_reply() -> None:
    body = (
        "Hi Sam,\n\nSorry for the slow response; it's been a hectic few days. Legal needs the "
        "DPA before we sign.\n\nBest,\nPat\n\nOn Mon, Nov 2, 2026 at 3:00 PM, Sam wrote:\n"
        "> Could you confirm the seat count?"
    )
    ctx = context(email("e1", ago(5), body=body))
    [action] = recommend(ctx, only("unanswered_inbound_email"))
    assert action.evidence[0].quote == "Legal needs the DPA before we sign."


def test_commitment_rationale_names_owner_call_and_due_date() -> None:
    past = call("cl1", datetime(2026, 11, 2, 16, tzinfo=UTC))
    item = recap(past, date(2026, 11, 6))
    ctx = context(past, summaries=[summary(past, items=[item])])
    [action] = recommend(ctx, only("commitment_unmet"))
    assert action.rationale == (
        'On the Nov 2 call "Northwind / Acme: health check", Sam Lee committed: '
        '"I\'ll send a recap with next steps by Friday." (was due Nov 6); '
        "no later email or call mentions it."
    )
    assert action.due == TODAY  # overdue: due now, not in the past
    assert action.evidence[0].quote == item.text


def test_commitment_due_soon_keeps_its_own_due_date() -> None:
    due = TODAY + timedelta(days=1)
    ctx = context(_PAST_CALL, summaries=[summary(_PAST_CALL, items=[recap(_PAST_CALL, due)])])
    [action] = recommend(ctx, only("commitment_unmet"))
    assert action.due == due


def test_undated_commitment_is_taken_as_due_after_the_call_unless_disabled() -> None:
    ctx = context(_PAST_CALL, summaries=[summary(_PAST_CALL, items=[recap(_PAST_CALL, None)])])
    [action] = recommend(ctx, only("commitment_unmet"))
    assert "no date given" in action.rationale
    assert recommend(ctx, only("commitment_unmet", include_undated=False)) == []


def test_commitment_without_citation_is_anchored_on_the_best_matching_line() -> None:
    item = ActionItem(text="Send the recap and next steps", due=TODAY - timedelta(days=2))
    ctx = context(_PAST_CALL, summaries=[summary(_PAST_CALL, items=[item])])
    [action] = recommend(ctx, only("commitment_unmet"))
    assert action.evidence[0].quote == "I'll send a recap with next steps by Friday."
    assert "Sam Lee committed" in action.rationale  # the speaker of that line


def test_sla_breach_says_how_late_and_supersedes_high_priority() -> None:
    ctx = context(ticket("t1", ago(2), priority="urgent", comments=[ago(1)]))
    actions = recommend(ctx, DEFAULT)
    assert rules_of(actions) == ["ticket_sla_breach"]
    assert "8-hour SLA" in actions[0].action
    assert "last update: Nov 15" in actions[0].rationale
    assert actions[0].evidence[0].quote.startswith("Every time the webhook fires")


def test_champion_attribute_wins_over_engagement() -> None:
    marked = ContactRow(
        id="c2",
        account_id=ACCOUNT,
        name="Lee Admin",
        email="lee@nw.example",
        attributes={"champion": True},
    )
    docs = [email(f"e{n}", ago(40 + n)) for n in range(3)]  # Pat is the most engaged
    docs.append(email("e9", ago(25), sender="lee@nw.example", contact_id="c2"))
    ctx = context(*docs, contacts=[PAT, marked])
    [action] = recommend(ctx, only("champion_quiet"))
    assert action.action == "Re-engage Lee Admin, the champion at Northwind"
    assert "marked champion" in action.rationale
    assert {e.document_id for e in action.evidence} == {"e9"}


def test_champion_on_a_call_is_quoted_by_their_own_line() -> None:
    calls = [call(f"cl{n}", ago(30 + n)) for n in range(3)]
    [action] = recommend(context(*calls), only("champion_quiet"))
    assert action.evidence[0].quote == (
        "Adoption has been low and leadership is questioning the value."
    )


def test_competitor_from_call_summary_and_text_counted_once_per_document() -> None:
    c1 = call("cl1", ago(2), transcript="Pat Buyer: SFDC offered us a free pilot.")
    sums = [summary(c1, competitors=[Competitor(name="Salesforce", citations=[cite(c1, "SFDC")])])]
    ctx = context(c1, email("e1", ago(1), body="Salesforce is quoting lower."), summaries=sums)
    [action] = recommend(ctx, only("competitor_mentioned"))
    assert action.action == "Prepare a competitive response to Salesforce"
    assert "in 2 documents" in action.rationale
    assert [e.document_id for e in action.evidence] == ["e1", "cl1"]  # latest first


def test_deal_rules_add_the_large_deal_bonus() -> None:
    late = TODAY - timedelta(days=3)
    ctx = context(deals=[deal("d1", close_date=late), deal("d2", close_date=late, amount=5e5)])
    actions = recommend(ctx, only("deal_close_date_passed"))
    assert [a.priority for a in actions] == [73, 68]
    assert "$500,000" in actions[0].rationale


# --------------------------------------------------------------------------- ranking


def _busy_context() -> AccountContext:
    past = call("cl1", ago(10))
    return context(
        email("e1", ago(5)),
        email("e2", ago(3), sender=LEE.email or "", contact_id="c2", subject="Invoice"),
        ticket("t1", ago(2), priority="urgent"),
        ticket("t2", ago(30), priority="low"),
        past,
        email("e3", ago(4), body="We're also evaluating HubSpot.", inbound=False),
        deals=[deal("d1", close_date=TODAY - timedelta(days=20)), deal("d2")],
        summaries=[summary(past, items=[recap(past, TODAY - timedelta(days=5))])],
    )


def test_ranked_by_priority_then_recency_and_limited() -> None:
    ctx = _busy_context()
    actions = recommend(ctx, DEFAULT, limit=20)
    assert len(actions) >= 6
    keys = [(-a.priority, a.rule) for a in actions]
    assert [k[0] for k in keys] == sorted(k[0] for k in keys)
    assert len(recommend(ctx, DEFAULT, limit=3)) == 3
    assert recommend(ctx, DEFAULT, limit=3) == actions[:3]
    assert_grounded(ctx, actions)


def test_equal_priority_goes_to_the_most_recent_evidence() -> None:
    older, newer = ticket("t1", ago(3), priority="high"), ticket("t2", ago(1), priority="high")
    actions = recommend(context(older, newer), only("ticket_high_priority"))
    assert actions[0].priority == actions[1].priority
    assert [a.evidence[0].document_id for a in actions] == ["t2", "t1"]


def test_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="limit must be at least 1, got 0"):
        recommend(context(), DEFAULT, limit=0)


def test_one_action_per_rule_and_subject() -> None:
    # Two unanswered emails from Pat: one action, for the one waiting longest.
    ctx = context(email("e1", ago(9)), email("e2", ago(6), subject="DPA"))
    [action] = recommend(ctx, only("unanswered_inbound_email"))
    assert action.evidence[0].document_id == "e1"


def test_max_actions_caps_one_rule() -> None:
    deals = [deal(f"d{n}", close_date=TODAY - timedelta(days=n)) for n in range(1, 5)]
    assert len(recommend(context(deals=deals), only("deal_close_date_passed"))) == 2
    assert len(recommend(context(deals=deals), only("deal_close_date_passed", max_actions=4))) == 4


def test_deterministic_whatever_the_input_order() -> None:
    ctx = _busy_context()
    expected = recommend(ctx, DEFAULT, limit=20)
    docs = list(ctx.documents)
    random.Random(3).shuffle(docs)
    shuffled = ctx.model_copy(update={"documents": tuple(docs)})
    assert recommend(shuffled, DEFAULT, limit=20) == expected


def test_documents_after_now_are_ignored() -> None:
    ctx = context(email("e1", ago(5)), email("e2", NOW + timedelta(days=1), inbound=False))
    assert rules_of(recommend(ctx, only("unanswered_inbound_email"))) == [
        "unanswered_inbound_email"
    ]


# --------------------------------------------------------------------------- thresholds


@pytest.mark.parametrize(
    ("rule", "build", "overrides", "fires"),
    [
        (
            "unanswered_inbound_email",
            lambda: context(email("e1", ago(5))),
            {"after_days": 7},
            False,
        ),
        (
            "unanswered_inbound_email",
            lambda: context(email("e1", ago(1.5))),
            {"after_days": 1},
            True,
        ),
        (
            "ticket_sla_breach",
            lambda: context(ticket("t1", ago(2))),
            {"sla_hours": {"high": 72}},
            False,
        ),
        (
            "ticket_sla_breach",
            lambda: context(ticket("t1", ago(hours=5), priority="sev1")),
            {"default_sla_hours": 4},
            True,
        ),
        (
            "ticket_high_priority",
            lambda: context(ticket("t1", ago(1), priority="normal")),
            {"priorities": ["normal"]},
            True,
        ),
        (
            "deal_no_touch",
            lambda: context(email("e1", ago(8), deal_id="d1"), deals=[deal()]),
            {"after_days": 7},
            True,
        ),
        (
            "deal_stuck_in_stage",
            lambda: context(deals=[deal(stage_entered_at=(TODAY - timedelta(25)).isoformat())]),
            {"max_days_by_stage": {"proposal": 30}},
            False,
        ),
        (
            "deal_close_date_passed",
            lambda: context(deals=[deal(close_date=TODAY - timedelta(days=5))]),
            {"grace_days": 7},
            False,
        ),
        (
            "champion_quiet",
            lambda: context(*(email(f"e{n}", ago(15 + n)) for n in range(3))),
            {"quiet_days": 10},
            True,
        ),
        (
            "competitor_mentioned",
            lambda: context(email("e1", ago(3), body="We are looking at Acmeforce instead.")),
            {"names": ["Acmeforce"]},
            True,
        ),
        (
            "sentiment_declining",
            lambda: _sentiment_calls([(0.5, "positive"), (-0.4, "negative")]),
            {"calls": 2},
            True,
        ),
    ],
)
def test_custom_thresholds_change_the_outcome(
    rule: str, build: Callable[[], AccountContext], overrides: dict[str, Any], fires: bool
) -> None:
    ctx = build()
    assert bool(recommend(ctx, only(rule))) is not fires
    assert bool(recommend(ctx, only(rule, **overrides))) is fires


def test_priority_boost_and_cap() -> None:
    playbook = only("deal_close_date_passed", priority=40, boost_per_day=10, max_priority=60)
    one_day = recommend(context(deals=[deal(close_date=TODAY - timedelta(1))]), playbook)
    many = recommend(context(deals=[deal(close_date=TODAY - timedelta(30))]), playbook)
    assert (one_day[0].priority, many[0].priority) == (50, 60)


def test_templates_come_from_the_playbook() -> None:
    playbook = only(
        "deal_close_date_passed", action="Call about {deal}", rationale="{days} late, {amount}"
    )
    [action] = recommend(context(deals=[deal(close_date=TODAY - timedelta(2))]), playbook)
    assert (action.action, action.rationale) == (
        "Call about Northwind - d1",
        "2 days late, $50,000",
    )


# --------------------------------------------------------------------------- playbook file


def test_default_playbook_covers_every_rule_with_steps() -> None:
    assert tuple(DEFAULT.rules) == RULE_IDS
    assert len(RULE_IDS) == 10
    for rule in DEFAULT.rules.values():
        assert rule.enabled and rule.steps and rule.when
        assert rule.priority <= rule.max_priority
    assert DEFAULT.source == "summarizers/playbook.toml"
    assert load_playbook() is DEFAULT  # parsed once


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[rules.nope]\nenabled = true", "rules.nope: unknown key"),
        ("[rules.deal_no_touch]\nafter_dayz = 3", "rules.deal_no_touch.after_dayz: unknown key"),
        ("[rules.deal_no_touch]\nafter_days = -1", "rules.deal_no_touch.after_days: expected"),
        ("[rules.deal_no_touch]\nafter_days = 1.5", "rules.deal_no_touch.after_days: expected"),
        ('[rules.deal_no_touch]\nenabled = "yes"', "rules.deal_no_touch.enabled: expected"),
        ("[rules.deal_no_touch]\npriority = 101", "rules.deal_no_touch.priority: expected"),
        (
            "[rules.deal_no_touch]\npriority = 90",
            "rules.deal_no_touch.max_priority: 70 is below priority 90",
        ),
        ('[rules.deal_no_touch]\ntouch_kinds = ["fax"]', "rules.deal_no_touch.touch_kinds:"),
        ("[rules.deal_no_touch]\ntouch_kinds = []", "rules.deal_no_touch.touch_kinds: expected"),
        ('[rules.deal_no_touch]\nsteps = "call them"', "rules.deal_no_touch.steps: expected"),
        (
            '[rules.deal_no_touch]\naction = "Call {buyer}"',
            "rules.deal_no_touch.action: unknown placeholder {buyer}",
        ),
        (
            '[rules.deal_no_touch]\naction = "Call {deal.name}"',
            "rules.deal_no_touch.action: unknown placeholder {deal.name}",
        ),
        (
            '[rules.deal_no_touch]\nrationale = "{amount:>9}"',
            "rules.deal_no_touch.rationale: placeholder {amount} takes no format spec",
        ),
        ('[rules.deal_no_touch]\naction = "Call {"', "rules.deal_no_touch.action:"),
        (
            "[rules.ticket_sla_breach]\nsla_hours = { high = 0 }",
            "rules.ticket_sla_breach.sla_hours.high: expected",
        ),
        (
            '[rules.ticket_sla_breach]\nsupersedes = ["nope"]',
            "rules.ticket_sla_breach.supersedes[0]: 'nope' is not another rule's id",
        ),
        ("[rules.sentiment_declining]\ncalls = 1", "rules.sentiment_declining.calls: expected"),
        (
            "[rules.commitment_unmet]\nmin_keyword_share = 1.5",
            "rules.commitment_unmet.min_keyword_share: expected",
        ),
        ("[definitions]\nclosed_deal_stagez = []", "definitions.closed_deal_stagez: unknown key"),
        ('[definitions]\nlarge_deal_bonus = "big"', "definitions.large_deal_bonus: expected"),
        ("rules = 3", "rules: expected a table"),
        ("[rules]\ndeal_no_touch = 3", "rules.deal_no_touch: expected a table"),
        ("version = 2", "version: expected 1, got 2"),
        ('colour = "blue"', "colour: unknown key"),
        ("[rules.deal_no_touch\n", "not valid TOML"),
    ],
)
def test_invalid_playbook_is_rejected_naming_the_key(text: str, key: str) -> None:
    with pytest.raises(PlaybookError) as err:
        parse_playbook(text, source="custom.toml")
    assert str(err.value).startswith("custom.toml: ")
    assert key in str(err.value)
    assert isinstance(err.value, SummarizerError)


def test_unreadable_playbook_names_the_path() -> None:
    with pytest.raises(PlaybookError, match="no/such/playbook.toml: cannot read"):
        load_playbook("no/such/playbook.toml")


def test_custom_playbook_only_lists_what_it_changes() -> None:
    custom = parse_playbook("rules.deal_no_touch.after_days = 7")
    assert custom.rule("deal_no_touch").params["after_days"] == 7
    assert custom.rule("deal_no_touch").action == DEFAULT.rule("deal_no_touch").action
    assert custom.rule("ticket_sla_breach") == DEFAULT.rule("ticket_sla_breach")
    with pytest.raises(PlaybookError, match="rules.nope: no such rule"):
        custom.rule("nope")


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("rule", "build", "trigger"), [c for c in FIRES if c[2]], ids=[c[0] for c in FIRES if c[2]]
)
def test_action_disappears_when_its_document_is_not_visible(
    rule: str, build: Callable[[], AccountContext], trigger: str | None
) -> None:
    """The service drops what the caller cannot see; the engine then has nothing to say."""
    ctx = build()
    hidden = ctx.model_copy(
        update={"documents": tuple(d for d in ctx.documents if d.document_id != trigger)}
    )
    assert recommend(ctx, only(rule)) != []
    assert recommend(hidden, only(rule)) == []


def test_evidence_is_always_a_subset_of_the_context() -> None:
    ctx = _busy_context()
    actions = recommend(ctx, DEFAULT, limit=50)
    cited = {e.document_id for a in actions for e in a.evidence if e.record_type == "document"}
    assert cited <= {d.document_id for d in ctx.documents}
    deals = {e.document_id for a in actions for e in a.evidence if e.record_type == "deal"}
    assert deals <= {d.id for d in ctx.deals}
    assert_grounded(ctx, actions)


def test_summary_of_an_invisible_call_is_ignored() -> None:
    """A summary keyed by a call the caller cannot see must not yield a commitment."""
    hidden_call = call("cl-private", ago(10))
    sums = [
        summary(
            hidden_call,
            score=-0.9,
            label="negative",
            items=[recap(hidden_call, TODAY - timedelta(days=5))],
            competitors=[Competitor(name="Zoho", citations=[cite(hidden_call, "Sam Lee")])],
        )
    ]
    ctx = context(email("e1", ago(1), inbound=False), summaries=sums)
    assert recommend(ctx, DEFAULT, limit=50) == []


def test_citation_into_an_invisible_document_is_dropped() -> None:
    visible = call("cl1", ago(10))
    foreign = Citation(document_id="em-private", start=0, end=9, quote="Secret!!!")
    item = ActionItem(text="Send the recap and next steps", due=TODAY, citations=[foreign])
    ctx = context(visible, summaries=[summary(visible, items=[item])])
    [action] = recommend(ctx, only("commitment_unmet"))
    assert {e.document_id for e in action.evidence} == {"cl1"}


def test_deal_context_leaves_out_the_accounts_other_deals() -> None:
    docs = (
        email("e1", ago(5), deal_id="d2"),  # another deal's thread
        email("e2", ago(6), sender=LEE.email or "", contact_id="c2", subject="Access"),
    )
    deals = [
        deal("d1", close_date=TODAY - timedelta(3)),
        deal("d2", close_date=TODAY - timedelta(3)),
    ]
    ctx = DealContext(
        account_id=ACCOUNT,
        account_name="Northwind",
        now=NOW,
        deals=deals,
        documents=docs,
        contacts=(PAT, LEE),
        deal_id="d1",
    )
    actions = recommend(ctx, DEFAULT, limit=20)
    cited = {e.document_id for a in actions for e in a.evidence}
    assert "e1" not in cited and "e2" in cited
    overdue = [a for a in actions if a.rule == "deal_close_date_passed"]
    assert [a.rationale.split(" (")[0] for a in overdue] == ["Northwind - d1"]


def test_deal_context_requires_a_known_deal() -> None:
    with pytest.raises(ValidationError, match="deal_id: 'd9' is not among the context's deals"):
        DealContext(account_id=ACCOUNT, account_name="N", now=NOW, deals=[deal()], deal_id="d9")


def test_duplicate_document_ids_are_rejected() -> None:
    with pytest.raises(ValidationError, match="duplicate document_id 'e1'"):
        context(email("e1", ago(1)), email("e1", ago(2)))


def test_build_context_reshapes_store_rows() -> None:
    """The service's rows (``id`` plus fields, as retrieval.store returns them) fit as is."""
    account = AccountRow(id=ACCOUNT, name="Northwind", owner_id="u1")
    row = DealRow(
        id="d1",
        account_id=ACCOUNT,
        owner_id="u1",
        name="Northwind - d1",
        stage="Proposal",
        amount=1000.0,
        close_date=TODAY - timedelta(days=2),
        attributes={},
    )
    mail = email("e1", ago(5))
    stored = SimpleNamespace(
        id="e1",
        kind="email",
        title=mail.title,
        content=mail.content,
        account_id=ACCOUNT,
        contact_id="c1",
        deal_id=None,
        owner_id="u1",
        occurred_at=mail.occurred_at.replace(tzinfo=None),  # naive means UTC
        fields=mail.fields,
        attributes={},
    )
    draft = SimpleNamespace(**{**vars(stored), "id": "x1", "kind": "draft"})
    person = ContactRow(
        id="c1", account_id=ACCOUNT, name="Pat Buyer", email=PAT.email, title="CFO", attributes={}
    )
    kwargs: dict[str, Any] = {
        "account": account,
        "deals": [row],
        "documents": [stored, draft],
        "contacts": [person],
        "call_summaries": {},
        "now": NOW,
    }
    ctx = build_context(**kwargs)
    assert type(ctx) is AccountContext
    assert [d.document_id for d in ctx.documents] == ["e1"]
    assert ctx.documents[0].occurred_at.tzinfo is UTC
    assert set(rules_of(recommend(ctx, DEFAULT))) == {
        "unanswered_inbound_email",
        "deal_close_date_passed",
    }
    focused = build_context(**kwargs, focus_deal_id="d1")
    assert isinstance(focused, DealContext) and focused.deal_id == "d1"
    with pytest.raises(ValueError, match="'d9' is not among the context's deals"):
        build_context(**kwargs, focus_deal_id="d9")


# --------------------------------------------------------------------------- sample CRM


def test_sample_crm_gives_plausible_varied_actions() -> None:
    """Every account of the sample CRM, as the admin: no errors, grounded, varied."""
    from copilot.ingest.documents import render_document as _render
    from copilot.ingest.records import Account, Call, Contact, Deal, Email, Ticket, parse_record
    from copilot.sample import generate

    records = [parse_record(r) for r in generate(7, docs_per_org=120).records]
    now = datetime(2026, 11, 16, tzinfo=UTC)
    fired: dict[str, int] = {}
    for acct in (r for r in records if isinstance(r, Account)):
        docs = []
        for r in records:
            if (
                isinstance(r, Email | Call | Ticket)
                and r.org == acct.org
                and r.account_id == acct.id
            ):
                title, content, fields = _render(r)
                docs.append(
                    DocumentFacts(
                        document_id=r.id,
                        kind=r.type,
                        title=title,
                        content=content,
                        occurred_at=r.occurred_at,
                        fields=fields,
                        account_id=r.account_id,
                        deal_id=getattr(r, "deal_id", None),
                        contact_id=getattr(r, "contact_id", None),
                        owner_id=r.owner_id,
                    )
                )
        ctx = AccountContext(
            account_id=acct.id,
            account_name=acct.name,
            now=now,
            documents=docs,
            contacts=[
                ContactRow(
                    id=c.id, account_id=c.account_id, name=c.name, email=c.email, title=c.title
                )
                for c in records
                if isinstance(c, Contact) and c.org == acct.org and c.account_id == acct.id
            ],
            deals=[
                DealRow(
                    id=d.id,
                    account_id=d.account_id,
                    owner_id=d.owner_id,
                    name=d.name,
                    stage=d.stage,
                    amount=d.amount,
                    close_date=d.close_date,
                )
                for d in records
                if isinstance(d, Deal) and d.org == acct.org and d.account_id == acct.id
            ],
        )
        actions = recommend(ctx, DEFAULT)
        assert len(actions) <= 5
        assert_grounded(ctx, actions)
        for action in actions:
            assert "{" not in action.rationale
            fired[action.rule] = fired.get(action.rule, 0) + 1
    # No call summaries here (that engine is separate), so call rules stay quiet.
    assert {"unanswered_inbound_email", "ticket_sla_breach", "deal_no_touch"} <= set(fired)
    assert len(fired) >= 4
