"""copilot.ingest.mail: .eml and mbox files built with the stdlib under tmp_path."""

from __future__ import annotations

import mailbox
import re
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from copilot.errors import IngestError
from copilot.ingest.mail import (
    MailContext,
    MailError,
    email_record_from_message,
    read_eml,
    read_mbox,
)
from copilot.ingest.records import Email, parse_record

OWNER = "ana@acme.com"
CONTACTS = {
    "Bo@Globex.com": ("c-bo", "a-globex"),
    "cy@initech.com": ("c-cy", "a-initech"),
}
DATE = "Mon, 06 Jan 2025 10:00:00 +0100"


def ctx(**overrides) -> MailContext:
    values = {
        "org": "acme",
        "owner_id": "u-ana",
        "owner_email": OWNER,
        "contacts_by_email": CONTACTS,
    }
    values.update(overrides)
    return MailContext(**values)


def message(
    *,
    sender="Bo Li <bo@globex.com>",
    to="Ana Lopez <ana@acme.com>",
    cc=None,
    subject="Renewal",
    date=DATE,
    message_id="<m1@globex.com>",
    body="Can you send the quote?",
) -> EmailMessage:
    msg = EmailMessage(policy=policy.default)
    for name, value in (
        ("From", sender),
        ("To", to),
        ("Cc", cc),
        ("Subject", subject),
        ("Date", date),
        ("Message-ID", message_id),
    ):
        if value is not None:
            msg[name] = value
    msg.set_content(body)
    return msg


def write_eml(tmp_path: Path, msg: EmailMessage | bytes, name: str = "m.eml") -> Path:
    path = tmp_path / name
    path.write_bytes(msg if isinstance(msg, bytes) else msg.as_bytes())
    return path


def write_mbox(tmp_path: Path, messages: list[EmailMessage]) -> Path:
    path = tmp_path / "box.mbox"
    box = mailbox.mbox(path)
    try:
        for msg in messages:
            box.add(msg)
        box.flush()
    finally:
        box.close()
    return path


# --------------------------------------------------------------------------- records


def test_read_eml_round_trips_to_a_valid_record(tmp_path):
    record = read_eml(write_eml(tmp_path, message(cc="Cy <cy@initech.com>")), ctx())
    assert record == {
        "type": "email",
        "org": "acme",
        "id": "m1@globex.com",
        "account_id": "a-globex",
        "contact_id": "c-bo",
        "owner_id": "u-ana",
        "visibility": "private",
        "occurred_at": "2025-01-06T09:00:00+00:00",
        "subject": "Renewal",
        "from": "bo@globex.com",
        "to": ["ana@acme.com"],
        "direction": "inbound",
        "body": "Can you send the quote?",
        "cc": ["cy@initech.com"],
    }
    parsed = parse_record(record)
    assert isinstance(parsed, Email)
    assert parsed.from_ == "bo@globex.com" and parsed.attributes == {"cc": ["cy@initech.com"]}


@pytest.mark.parametrize(
    ("sender", "to", "cc", "owner_email", "direction", "contact"),
    [
        pytest.param(
            "bo@globex.com",
            OWNER,
            None,
            OWNER,
            "inbound",
            ("c-bo", "a-globex"),
            id="inbound-from-contact",
        ),
        pytest.param(
            "ANA@Acme.com",
            "Bo <BO@GLOBEX.COM>",
            None,
            OWNER,
            "outbound",
            ("c-bo", "a-globex"),
            id="outbound-case-insensitive",
        ),
        pytest.param(
            OWNER,
            "someone@else.com",
            "cy@initech.com",
            OWNER,
            "outbound",
            ("c-cy", "a-initech"),
            id="outbound-matched-on-cc",
        ),
        pytest.param(
            OWNER,
            "bo@globex.com, cy@initech.com",
            None,
            OWNER,
            "outbound",
            ("c-bo", "a-globex"),
            id="outbound-first-recipient-wins",
        ),
        pytest.param(
            "stranger@nowhere.com",
            OWNER,
            "bo@globex.com",
            OWNER,
            "inbound",
            None,
            id="inbound-from-unknown-sender",
        ),
        pytest.param(
            OWNER, "bo@globex.com", None, None, "inbound", None, id="no-owner-email-means-inbound"
        ),
    ],
)
def test_direction_and_attachment(sender, to, cc, owner_email, direction, contact):
    record = email_record_from_message(
        message(sender=sender, to=to, cc=cc), ctx(owner_email=owner_email)
    )
    assert record["direction"] == direction
    if contact is None:
        assert "contact_id" not in record and "account_id" not in record
    else:
        assert (record["contact_id"], record["account_id"]) == contact
    parse_record(record)


def test_context_supplies_org_owner_and_visibility():
    record = email_record_from_message(
        message(), ctx(org="globex", owner_id="u-9", visibility="team")
    )
    assert (record["org"], record["owner_id"], record["visibility"]) == ("globex", "u-9", "team")


@pytest.mark.parametrize(
    ("date", "occurred_at"),
    [
        ("Mon, 06 Jan 2025 10:00:00 +0100", "2025-01-06T09:00:00+00:00"),
        ("Sun, 05 Jan 2025 22:30:00 -0500", "2025-01-06T03:30:00+00:00"),
        ("Mon, 06 Jan 2025 10:00:00 -0000", "2025-01-06T10:00:00+00:00"),
        ("6 Jan 2025 10:00 GMT", "2025-01-06T10:00:00+00:00"),
    ],
)
def test_occurred_at_is_iso_utc(date, occurred_at):
    assert email_record_from_message(message(date=date), ctx())["occurred_at"] == occurred_at


@pytest.mark.parametrize(
    ("raw_id", "expected"),
    [("<abc.123@mail.gmail.com>", "abc.123@mail.gmail.com"), ("  <x@y>  ", "x@y")],
)
def test_id_is_message_id_without_brackets(raw_id, expected):
    assert email_record_from_message(message(message_id=raw_id), ctx())["id"] == expected


def test_missing_message_id_gets_a_stable_content_id(tmp_path):
    first = read_eml(write_eml(tmp_path, message(message_id=None), "a.eml"), ctx())
    again = read_eml(write_eml(tmp_path, message(message_id=None), "b.eml"), ctx())
    other = read_eml(write_eml(tmp_path, message(message_id=None, body="Other."), "c.eml"), ctx())
    assert re.fullmatch(r"mail-[0-9a-f]{16}", first["id"])
    assert first["id"] == again["id"] != other["id"]


def test_overlong_message_id_is_hashed_within_the_id_limit():
    record = email_record_from_message(message(message_id=f"<{'x' * 300}@host>"), ctx())
    assert re.fullmatch(r"mail-[0-9a-f]{16}", record["id"])


# --------------------------------------------------------------------------- bodies


def test_plain_text_is_preferred_over_html():
    msg = message(body="Plain version.")
    msg.add_alternative("<p>HTML <b>version</b>.</p>", subtype="html")
    assert email_record_from_message(msg, ctx())["body"] == "Plain version."


def test_html_only_body_is_reduced_to_text(tmp_path):
    msg = message()
    msg.clear_content()
    msg.set_content(
        "<html><head><style>p {color: red}</style><title>t</title></head><body>"
        "<p>Hi Ana,</p><p>Price is &lt;40&nbsp;USD&gt; per\n   seat.<br>Regards</p>"
        "<script>alert(1)</script>"
        "<div>On Mon, Bo wrote:<blockquote>Old <i>quoted</i> text</blockquote></div>"
        "</body></html>",
        subtype="html",
    )
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="q.pdf")
    record = read_eml(write_eml(tmp_path, msg), ctx())
    assert record["body"] == (
        "Hi Ana,\n\nPrice is <40 USD> per seat.\nRegards\n\nOn Mon, Bo wrote:\n> Old quoted text"
    )


def test_attachment_only_message_has_an_empty_body():
    msg = message()
    msg.clear_content()
    msg.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="q.pdf")
    assert email_record_from_message(msg, ctx())["body"] == ""


def test_crlf_bodies_are_normalized(tmp_path):
    raw = (
        b"From: bo@globex.com\r\nTo: ana@acme.com\r\nDate: " + DATE.encode() + b"\r\n"
        b"Subject: Hi\r\n\r\nLine one.\r\nLine two.\r\n"
    )
    assert read_eml(write_eml(tmp_path, raw), ctx())["body"] == "Line one.\nLine two."


@pytest.mark.parametrize(
    ("content_type", "payload", "body"),
    [
        ("text/plain; charset=utf-8", "caf\u00e9".encode(), "caf\u00e9"),
        ("text/plain; charset=iso-8859-1", b"caf\xe9", "caf\u00e9"),
        ("text/plain", "caf\u00e9".encode(), "caf\u00e9"),  # undeclared 8-bit UTF-8
    ],
)
def test_charsets_decode_strictly(tmp_path, content_type, payload, body):
    raw = (
        b"From: bo@globex.com\nTo: ana@acme.com\nDate: " + DATE.encode() + b"\nSubject: x\n"
        b"Content-Type: "
        + content_type.encode()
        + b"\nContent-Transfer-Encoding: 8bit\n\n"
        + payload
        + b"\n"
    )
    assert read_eml(write_eml(tmp_path, raw), ctx())["body"] == body


# --------------------------------------------------------------------------- errors

_GOOD_HEADERS = b"From: bo@globex.com\nTo: ana@acme.com\nDate: " + DATE.encode() + b"\n"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param(
            b"From: bo@globex.com\nTo: ana@acme.com\nSubject: x\n\nhi\n",
            "no Date header",
            id="missing-date",
        ),
        pytest.param(
            b"From: bo@globex.com\nDate: sometime last week\n\nhi\n",
            "Date header is not an RFC 5322 date: 'sometime last week'",
            id="bad-date",
        ),
        pytest.param(
            b"To: ana@acme.com\nDate: " + DATE.encode() + b"\n\nhi\n",
            "no From header",
            id="missing-from",
        ),
        pytest.param(
            b"From: Bo Li\nDate: " + DATE.encode() + b"\n\nhi\n",
            "From header has no address: 'Bo Li'",
            id="from-without-address",
        ),
        pytest.param(
            b"From: bo@\nDate: " + DATE.encode() + b"\n\nhi\n",
            "From header cannot be parsed",
            id="from-unparsable",
        ),
        pytest.param(
            _GOOD_HEADERS + b"Content-Type: text/plain; charset=x-klingon\n\nhi\xff\n",
            "unknown charset 'x-klingon'",
            id="unknown-charset",
        ),
        pytest.param(
            _GOOD_HEADERS + b"Content-Type: text/plain; charset=utf-8\n"
            b"Content-Transfer-Encoding: 8bit\n\nbad \xff byte\n",
            r"text/plain part is not valid utf-8: byte b'\\xff' at offset 4",
            id="undecodable-bytes",
        ),
        pytest.param(
            _GOOD_HEADERS + b"\nnot \xff\xfe utf-8 either\n",
            "text/plain part is not valid us-ascii",
            id="undeclared-binary",
        ),
    ],
)
def test_unusable_messages_raise_mail_error_naming_the_file(tmp_path, raw, message):
    path = write_eml(tmp_path, raw)
    with pytest.raises(MailError, match=re.escape(str(path)) + ": .*" + message) as info:
        read_eml(path, ctx())
    assert isinstance(info.value, ValueError) and isinstance(info.value, IngestError)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"visibility": "public"}, "visibility must be private, team or org, got 'public'"),
        ({"org": ""}, "org and owner_id must not be empty"),
        ({"owner_id": ""}, "org and owner_id must not be empty"),
    ],
)
def test_context_is_validated(overrides, message):
    with pytest.raises(MailError, match=message):
        ctx(**overrides)


def test_context_lowercases_contact_addresses():
    assert dict(ctx().contacts_by_email) == {
        "bo@globex.com": ("c-bo", "a-globex"),
        "cy@initech.com": ("c-cy", "a-initech"),
    }


# --------------------------------------------------------------------------- mbox


def test_read_mbox_numbers_messages_in_file_order(tmp_path):
    path = write_mbox(
        tmp_path,
        [
            message(message_id="<m1@x>", body="First."),
            message(message_id="<m2@x>", sender=OWNER, to="cy@initech.com", body="Second."),
            message(message_id=None, body="From the start of a line.\nFrom here too."),
        ],
    )
    records = list(read_mbox(path, ctx()))
    assert [n for n, _ in records] == [1, 2, 3]
    first, second, third = (r for _, r in records)
    assert (first["id"], first["body"], first["direction"]) == ("m1@x", "First.", "inbound")
    assert (second["direction"], second["account_id"]) == ("outbound", "a-initech")
    assert third["id"].startswith("mail-")
    for _, record in records:
        parse_record(record)


def test_read_mbox_names_the_bad_message_and_keeps_reading(tmp_path):
    path = write_mbox(tmp_path, [message(), message(date=None), message()])
    records = list(read_mbox(path, ctx()))
    assert [n for n, _ in records] == [1, 2, 3]
    bad = records[1][1]
    assert isinstance(bad, MailError)
    assert str(bad).startswith(f"{path}: message 2: no Date header")
    assert isinstance(records[2][1], dict)


def test_read_mbox_rejects_a_file_that_is_not_an_mbox(tmp_path):
    path = write_eml(tmp_path, message(), name="not-a-box.mbox")
    with pytest.raises(MailError, match="not an mbox file"):
        list(read_mbox(path, ctx()))


def test_read_mbox_of_an_empty_file_yields_nothing(tmp_path):
    path = tmp_path / "empty.mbox"
    path.write_bytes(b"")
    assert list(read_mbox(path, ctx())) == []
