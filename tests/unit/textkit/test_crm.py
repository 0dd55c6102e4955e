"""The CRM record shapes shared by retrieval and summarizers."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from textkit.crm import AccountRow, ContactRow, DealRow


def test_rows_are_frozen_and_default_their_optional_fields() -> None:
    contact = ContactRow(id="c1", account_id="a1", name="Pat Buyer", email="pat@nw.example")
    assert (contact.title, dict(contact.attributes)) == (None, {})
    account = AccountRow(id="a1", name="Northwind", owner_id="u1")
    assert (account.industry, dict(account.attributes)) == (None, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        contact.name = "Lee"  # type: ignore[misc]


def test_store_column_order_is_the_field_order() -> None:
    # The store builds AccountRow and ContactRow positionally from its SELECT lists.
    assert [f.name for f in dataclasses.fields(AccountRow)] == [
        "id",
        "name",
        "owner_id",
        "industry",
        "attributes",
    ]
    assert [f.name for f in dataclasses.fields(ContactRow)] == [
        "id",
        "account_id",
        "name",
        "email",
        "title",
        "attributes",
    ]
    deal = DealRow("d1", "a1", "u1", "Renewal", "Proposal", 50_000.0, date(2026, 12, 1))
    assert (deal.close_date.year, dict(deal.attributes)) == (2026, {})
