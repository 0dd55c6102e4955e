"""The answer engine and the next-best-action playbook read a CRM's words alike: which
deal stages and ticket statuses are closed, and which contacts are marked champion
(:mod:`textkit.crm_words` is the one rule both use).

A review found them apart: the playbook matched ``Closed Won`` exactly (any case), so a
deal at ``closed_won`` was open and "close date passed" fired on a won deal, while the
answers' own list called it closed; answers took any truthy ``champion`` ("no"
included), the playbook only ``true``, "true" and "yes".
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from summarizers.actions import (
    AccountContext,
    DocumentFacts,
    PlaybookError,
    load_playbook,
    parse_playbook,
    recommend,
)
from summarizers.answer.fields import contact_facts, field_facts
from textkit.crm import AccountRow, ContactRow, DealRow
from textkit.crm_words import CLOSED_DEAL_STAGES, CLOSED_TICKET_STATUSES

NOW = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
ACCOUNT = AccountRow(id="a1", name="Northwind", owner_id="u1")

# Stages a CRM writes for a won or lost deal: Salesforce's labels, HubSpot's ids
# ("closedwon"), snake_case and hyphenated exports, stray spaces.
CLOSED_STAGES = [
    "Closed Won",
    "closed_won",
    "Closed-Won",
    "closedwon",
    "CLOSED WON",
    "Closed-Lost",
    "closed lost",
    "closed_lost",
    "ClosedLost",
    " Won ",
    "lost",
]
OPEN_STAGES = ["Proposal", "Negotiation", "Closing", "Won back?"]


def _deal(deal_id: str, stage: str, close_date: date) -> DealRow:
    return DealRow(
        id=deal_id,
        account_id=ACCOUNT.id,
        owner_id="u1",
        name=f"Northwind - {deal_id}",
        stage=stage,
        amount=50_000,
        close_date=close_date,
    )


def _context(
    *documents: DocumentFacts,
    deals: tuple[DealRow, ...] = (),
    contacts: tuple[ContactRow, ...] = (),
) -> AccountContext:
    return AccountContext(
        account_id=ACCOUNT.id,
        account_name=ACCOUNT.name,
        now=NOW,
        deals=deals,
        documents=documents,
        contacts=contacts,
        call_summaries={},
    )


def _only(rule_id: str, extra: str = "") -> str:
    """Playbook text with every rule but ``rule_id`` off."""
    from summarizers.actions import RULE_IDS

    lines = [
        f"[rules.{rid}]\nenabled = {'true' if rid == rule_id else 'false'}" for rid in RULE_IDS
    ]
    return extra + "\n" + "\n".join(lines)


def _overdue_actions(stage: str, playbook_text: str = "") -> list[str]:
    late = _deal("d1", stage, TODAY - timedelta(days=10))
    playbook = parse_playbook(_only("deal_close_date_passed", playbook_text), source="t.toml")
    return [a.rule for a in recommend(_context(deals=(late,)), playbook)]


def _deal_answered(stage: str) -> bool:
    """Whether a deal at ``stage`` answers "when does the deal close?" (open deals do)."""
    deal = _deal("d1", stage, TODAY + timedelta(days=30))
    got = field_facts(
        "When does the Northwind deal close?", account=ACCOUNT, owner_name=None, deals=[deal]
    )
    return [f.document_id for f in got] == ["d1"]


# --------------------------------------------------------------------------- deal stages


@pytest.mark.parametrize("stage", CLOSED_STAGES)
def test_a_closed_deal_past_its_close_date_gets_no_close_date_action(stage: str) -> None:
    assert _overdue_actions(stage) == []


@pytest.mark.parametrize("stage", CLOSED_STAGES)
def test_a_closed_deal_is_history_in_answers(stage: str) -> None:
    assert not _deal_answered(stage)


@pytest.mark.parametrize("stage", OPEN_STAGES)
def test_an_open_deal_is_open_in_both(stage: str) -> None:
    assert _overdue_actions(stage) == ["deal_close_date_passed"]
    assert _deal_answered(stage)


def test_a_custom_playbooks_closed_stages_are_matched_the_same_way() -> None:
    custom = '[definitions]\nclosed_deal_stages = ["Signed", "closed_lost"]'
    assert _overdue_actions("SIGNED", custom) == []
    assert _overdue_actions("Closed Lost", custom) == []
    # The custom list replaces the default, as documented: "Won" is open to it.
    assert _overdue_actions("Won", custom) == ["deal_close_date_passed"]


def test_a_closed_word_that_is_only_separators_is_refused_naming_the_key() -> None:
    with pytest.raises(PlaybookError, match=r"definitions\.closed_deal_stages\[1\]"):
        parse_playbook('[definitions]\nclosed_deal_stages = ["Won", "--"]', source="t.toml")


def test_the_default_playbook_lists_the_shared_closed_words() -> None:
    """playbook.toml states the policy for a reader; the words are the text layer's."""
    definitions = load_playbook().definitions
    assert definitions.closed_deal_stages.keys == CLOSED_DEAL_STAGES.keys
    assert definitions.closed_ticket_statuses.keys == CLOSED_TICKET_STATUSES.keys


# --------------------------------------------------------------------------- ticket statuses


def _ticket(status: str) -> DocumentFacts:
    return DocumentFacts(
        document_id="t1",
        kind="ticket",
        title="[TCK-1] Webhook deliveries returning HTTP 500",
        content="Every time the webhook fires we get a 500 error back from your API.",
        occurred_at=NOW - timedelta(hours=2),
        fields={"subject": "Webhook 500", "status": status, "priority": "urgent"},
        account_id=ACCOUNT.id,
        owner_id="u2",
    )


def _ticket_actions(status: str, playbook_text: str = "") -> list[str]:
    playbook = parse_playbook(_only("ticket_high_priority", playbook_text), source="t.toml")
    return [a.rule for a in recommend(_context(_ticket(status)), playbook)]


@pytest.mark.parametrize("status", ["Solved", "CLOSED", " resolved", "Cancelled"])
def test_a_closed_ticket_is_no_action(status: str) -> None:
    assert _ticket_actions(status) == []


def test_a_custom_playbooks_closed_statuses_are_matched_the_same_way() -> None:
    custom = '[definitions]\nclosed_ticket_statuses = ["wont fix", "Done"]'
    assert _ticket_actions("Wont_Fix", custom) == []
    assert _ticket_actions("done", custom) == []
    assert _ticket_actions("open", custom) == ["ticket_high_priority"]


# --------------------------------------------------------------------------- champion


def _contact(contact_id: str, name: str, champion: object) -> ContactRow:
    return ContactRow(
        id=contact_id,
        account_id=ACCOUNT.id,
        name=name,
        email=f"{contact_id}@nw.example",
        attributes={"champion": champion},
    )


def _inbound(doc_id: str, at: datetime, contact: ContactRow) -> DocumentFacts:
    return DocumentFacts(
        document_id=doc_id,
        kind="email",
        title="SOC 2 report",
        content="Hi Sam,\n\nCan you send your SOC 2 report?\n\nThanks",
        occurred_at=at,
        fields={
            "subject": "SOC 2 report",
            "from": contact.email,
            "to": ["sam@acme.example"],
            "direction": "inbound",
        },
        account_id=ACCOUNT.id,
        contact_id=contact.id,
        owner_id="u1",
    )


def _quiet_champion(marked: ContactRow) -> str | None:
    """Whom champion_quiet names: ``marked`` if the mark counts, else the most engaged."""
    engaged = _contact("c1", "Pat Buyer", None)
    docs = [_inbound(f"e{n}", NOW - timedelta(days=40 + n), engaged) for n in range(3)]
    docs.append(_inbound("e9", NOW - timedelta(days=25), marked))
    playbook = parse_playbook(_only("champion_quiet"), source="t.toml")
    actions = recommend(_context(*docs, contacts=(engaged, marked)), playbook)
    return actions[0].action if actions else None


def _champion_answer(marked: ContactRow) -> list[str]:
    other = _contact("c1", "Pat Buyer", None)
    got = contact_facts(
        "Who is the champion at Northwind?", account=ACCOUNT, contacts=[other, marked]
    )
    return [f.document_id for f in got]


@pytest.mark.parametrize("value", [True, "true", "Yes", " YES "])
def test_a_champion_mark_counts_in_both(value: object) -> None:
    lee = _contact("c2", "Lee Admin", value)
    assert _quiet_champion(lee) == "Re-engage Lee Admin, the champion at Northwind"
    assert _champion_answer(lee) == ["c2"]


@pytest.mark.parametrize("value", ["no", "false", "No", 0, "", None, "n/a", 1])
def test_no_champion_mark_counts_in_neither(value: object) -> None:
    lee = _contact("c2", "Lee Admin", value)
    assert _quiet_champion(lee) == "Re-engage Pat Buyer, the champion at Northwind"
    assert _champion_answer(lee) == []
