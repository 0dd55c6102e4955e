"""A CRM's words: closed stages and statuses, and yes/no marks (``textkit.crm_words``)."""

from __future__ import annotations

import pytest

from textkit.crm_words import CrmWords, is_closed_deal_stage, says_yes, word_key


@pytest.mark.parametrize(
    "stage", ["Closed Won", "closed_won", "Closed-Won", "closedwon", "Closed – Won", "CLOSED\tWON"]
)
def test_one_stage_written_many_ways_has_one_key(stage: str) -> None:
    assert word_key(stage) == "closedwon"
    assert is_closed_deal_stage(stage)


def test_a_word_set_is_never_empty_and_its_words_are_never_blank() -> None:
    with pytest.raises(ValueError, match="at least one word"):
        CrmWords(())
    with pytest.raises(ValueError, match="'_ -' is only spaces"):
        CrmWords(("Won", "_ -"))


def test_a_word_set_matches_strings_only() -> None:
    words = CrmWords(("Signed",))
    assert "signed" in words and None not in words and 1 not in words
    assert words.words == ("Signed",)


@pytest.mark.parametrize(("value", "yes"), [("Sí", False), ("yes ", True), ({"x": 1}, False)])
def test_says_yes_only_to_true_and_yes(value: object, yes: bool) -> None:
    assert says_yes(value) is yes


def test_a_ticket_canceled_in_either_spelling_is_closed() -> None:
    from textkit.crm_words import is_closed_ticket_status

    assert is_closed_ticket_status("Canceled") and is_closed_ticket_status("cancelled")
