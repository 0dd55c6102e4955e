"""List answers: which accounts' records mention a name, one cited sentence each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from summarizers.answer.listing import account_mentions, list_targets
from summarizers.models import Passage

AT = datetime(2026, 5, 1, tzinfo=UTC)


def _passage(doc: str, text: str, account: str | None) -> Passage:
    return Passage(
        document_id=doc,
        kind="email",
        title="Update",
        text=text,
        start=0,
        end=len(text),
        score=1.0,
        occurred_at=AT,
        account_id=account,
    )


@pytest.mark.parametrize(
    ("question", "targets"),
    [
        ("Which customers mentioned Salesforce?", ["Salesforce"]),
        ("Which of our accounts brought up Google Workspace?", ["Google Workspace"]),
        ("What accounts talked about TCK-4471?", ["TCK-4471"]),
        ('Which clients mentioned "field-level permissions"?', ["field-level permissions"]),
        # Not about mentions: a judgement, or who did what.
        ("Which customers are evaluating HubSpot?", []),
        ("Which customers asked about SSO?", []),
        # Not a list question.
        ("What did Initech say about Salesforce?", []),
        ("Which customers mentioned it?", []),
    ],
)
def test_list_targets(question: str, targets: list[str]) -> None:
    assert list_targets(question) == targets


def test_each_account_is_listed_once_with_its_first_mention_as_an_exact_span() -> None:
    first = "Thanks for the call. We're also evaluating Salesforce this quarter."
    passages = [
        _passage("em-1", first, "a-1"),
        _passage("em-2", "Salesforce quoted us less.", "a-1"),  # the same account again
        _passage("em-3", "Leadership wants a side-by-side with salesforce.", "a-2"),
        _passage("em-4", "Salesforce came up in the QBR.", None),  # no account: no item
        _passage("em-5", "Our Salesforcey workflows are fine.", "a-3"),  # not the word
    ]
    found = account_mentions(["Salesforce"], passages)
    assert [(m.account_id, m.citation.document_id) for m in found] == [
        ("a-1", "em-1"),
        ("a-2", "em-3"),
    ]
    citation = found[0].citation
    assert first[citation.start : citation.end] == citation.quote
    assert citation.quote == "We're also evaluating Salesforce this quarter."
    assert len(account_mentions(["Salesforce"], passages, limit=1)) == 1


def test_who_is_evaluating_a_competitor_is_listed_from_competitive_phrasing_only() -> None:
    from summarizers.answer.listing import evaluation_targets

    assert evaluation_targets("Which customers are evaluating HubSpot?") == ["HubSpot"]
    assert evaluation_targets("Which customers mentioned HubSpot?") == []
    ours = "Teams that moved off HubSpot usually cite our reporting."
    found = [
        _passage("em-1", "We're also evaluating HubSpot, and their demo was strong.", "a-1"),
        # Our pitch names HubSpot with competitive phrasing, but says nothing of them.
        _passage("em-2", ours, "a-2").model_copy(update={"sides": ((0, len(ours), "ours"),)}),
        # A mention without competitive phrasing is no evaluation.
        _passage("em-3", "The HubSpot sync has been failing since Monday.", "a-3"),
        _passage("em-4", "Leadership asked for a side-by-side of you versus HubSpot.", "a-4"),
    ]
    listed = account_mentions(["HubSpot"], found, competitive=True)
    assert [(m.account_id, m.citation.document_id) for m in listed] == [
        ("a-1", "em-1"),
        ("a-4", "em-4"),
    ]
    # As mentions, every account that names it.
    assert len(account_mentions(["HubSpot"], found)) == 4
