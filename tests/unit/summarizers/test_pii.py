"""Personal-data masking: what is masked, what must survive untouched, and round trips."""

from __future__ import annotations

import pytest

from summarizers.pii import PiiMapping, luhn_valid, mask, unmask

MASKED = [
    # (text, masked)
    ("Write to jo.doe+crm@example.co.uk today", "Write to [EMAIL_1] today"),
    ("<buyer@customer.example>", "<[EMAIL_1]>"),
    ("Call (415) 555-0100.", "Call [PHONE_1]."),
    ("Call 415-555-0100 or 415.555.0101", "Call [PHONE_1] or [PHONE_2]"),
    ("Call 415 555 0100 ext. 12 please", "Call [PHONE_1] please"),
    ("Toll free 1-800-555-0199", "Toll free [PHONE_1]"),
    ("UK office +44 20 7946 0958", "UK office [PHONE_1]"),
    ("Berlin: +49 30 1234567.", "Berlin: [PHONE_1]."),
    ("US intl +1 (415) 555-0100", "US intl [PHONE_1]"),
    ("France +33.1.23.45.67.89", "France [PHONE_1]"),
    ("Visa 4111 1111 1111 1111 on file", "Visa [CARD_1] on file"),
    ("card 4111-1111-1111-1111", "card [CARD_1]"),
    ("Amex 378282246310005 expired", "Amex [CARD_1] expired"),
    ("Mastercard 5555555555554444.", "Mastercard [CARD_1]."),
]

UNTOUCHED = [
    "Meeting on 2026-05-04 at 10:00",
    "Renewal date 05/04/2026, signed 4/5/26",
    "See ticket TCK-10234 and TCK-4471",
    "Deal size $188,100 (was $1,250,000.00)",
    "Order number 100234 shipped; PO ORD-2024-000123",
    "Invoice INV-415-555-0100 is a ticket id, not a phone",
    "Not a card: 4111 1111 1111 1112 (fails Luhn)",
    "Version 2.13.0 and port 8080",
    "SKU 1234567890123 fails Luhn",
    "Call +1 5 later",  # too few digits for a phone number
    "A handle like @acme or an address like user at example dot com",
    "Quarter Q3 2026, 30% discount, 12 seats",
]


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_masks_personal_data(text: str, expected: str) -> None:
    masked, mapping = mask(text)
    assert masked == expected
    assert unmask(masked, mapping) == text


@pytest.mark.parametrize("text", UNTOUCHED)
def test_leaves_dates_ids_and_amounts(text: str) -> None:
    masked, mapping = mask(text)
    assert masked == text
    assert len(mapping) == 0


def test_placeholders_are_stable_across_strings_of_one_request() -> None:
    mapping = PiiMapping()
    a, _ = mask("From ann@x.io to bob@y.io", mapping)
    b, _ = mask("cc bob@y.io and ann@x.io; call 415-555-0100", mapping)
    assert a == "From [EMAIL_1] to [EMAIL_2]"
    assert b == "cc [EMAIL_2] and [EMAIL_1]; call [PHONE_1]"
    assert dict(mapping) == {
        "[EMAIL_1]": "ann@x.io",
        "[EMAIL_2]": "bob@y.io",
        "[PHONE_1]": "415-555-0100",
    }


@pytest.mark.parametrize(
    ("model_output", "restored"),
    [
        ("Reply to [EMAIL_1].", "Reply to ann@x.io."),
        ("reply to [email_1]", "reply to ann@x.io"),  # models change case
        ("unknown [EMAIL_9] stays", "unknown [EMAIL_9] stays"),
        ("no placeholders", "no placeholders"),
    ],
)
def test_unmask(model_output: str, restored: str) -> None:
    _, mapping = mask("ann@x.io")
    assert unmask(model_output, mapping) == restored


def test_repr_does_not_leak_values() -> None:
    _, mapping = mask("ann@x.io")
    assert "ann" not in repr(mapping)


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("378282246310005", True),
        ("4111111111111112", False),
        ("", False),
        ("41a1", False),
    ],
)
def test_luhn(digits: str, valid: bool) -> None:
    assert luhn_valid(digits) is valid
