"""Import ``.eml`` files and mbox mailboxes as canonical email records.

Mail carries no CRM ownership, so a :class:`MailContext` supplies the org, the importing
user and the contacts to attach messages to. Every record returned is the same dict a
JSON Lines ``{"type": "email", ...}`` line would decode to, already validated with
:func:`copilot.ingest.records.parse_record`.

Example:
    >>> from email.message import EmailMessage
    >>> msg = EmailMessage()
    >>> msg["From"], msg["To"] = "Ana <ana@acme.com>", "bo@globex.com"
    >>> msg["Date"], msg["Subject"] = "Mon, 06 Jan 2025 10:00:00 +0100", "Renewal"
    >>> msg.set_content("The quote is attached.")
    >>> ctx = MailContext(org="acme", owner_id="u1", owner_email="ana@acme.com",
    ...                   contacts_by_email={"bo@globex.com": ("c1", "a1")})
    >>> rec = email_record_from_message(msg, ctx)
    >>> rec["direction"], rec["account_id"], rec["occurred_at"]
    ('outbound', 'a1', '2025-01-06T09:00:00+00:00')
"""

from __future__ import annotations

import email
import email.errors
import hashlib
import mailbox
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from types import MappingProxyType
from typing import Any

from copilot.errors import IngestError
from copilot.ingest.records import RecordError, parse_record

__all__ = ["MailContext", "MailError", "email_record_from_message", "read_eml", "read_mbox"]

_VISIBILITIES = ("private", "team", "org")
_MAX_ID_CHARS = 200  # the records' id limit
# Header parsing in the stdlib reports most problems as defects, but a few malformed
# values still raise; these are the types it has been seen to raise.
_HEADER_ERRORS = (
    email.errors.MessageError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    LookupError,
)


class MailError(IngestError, ValueError):
    """A message that cannot become an email record; the message says where and why."""


@dataclass(frozen=True)
class MailContext:
    """Who imported the mail, and how to attach it to CRM records.

    Attributes:
        org: The tenant the records belong to.
        owner_id: The CRM user importing the mail; owns every record.
        owner_email: The owner's address. Mail from it is outbound, everything else
            inbound; with None all mail is taken as inbound.
        visibility: ``private``, ``team`` or ``org`` for every record.
        contacts_by_email: Contact address -> ``(contact_id, account_id)``. Keys are
            matched case-insensitively.
    """

    org: str
    owner_id: str
    owner_email: str | None
    visibility: str = "private"
    contacts_by_email: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.org or not self.owner_id:
            raise MailError(
                f"org and owner_id must not be empty, got {self.org!r}, {self.owner_id!r}"
            )
        if self.visibility not in _VISIBILITIES:
            raise MailError(f"visibility must be private, team or org, got {self.visibility!r}")
        # Lower-cased once here, so each message costs one dict lookup per address.
        normalized = {k.strip().lower(): v for k, v in self.contacts_by_email.items()}
        object.__setattr__(self, "contacts_by_email", MappingProxyType(normalized))


def email_record_from_message(msg: EmailMessage, ctx: MailContext) -> dict[str, Any]:
    """Convert one parsed message into a canonical email record.

    The body is the ``text/plain`` part, else the ``text/html`` part reduced to text
    (block quotes become ``> `` lines, so chunking can drop them). The record is
    attached to the first contact among the counterparties: the sender of inbound
    mail, the To and Cc recipients of outbound mail.

    Args:
        msg: A message parsed with ``policy=email.policy.default``.
        ctx: Owner, org and contacts.

    Returns:
        A dict that :func:`copilot.ingest.records.parse_record` accepts.

    Raises:
        MailError: No usable From or Date header, a body in an unknown or wrong
            charset, or a record the canonical format rejects.
    """
    sender = _sender(msg)
    to = _addresses(msg, "To")
    cc = _addresses(msg, "Cc")
    occurred_at = _occurred_at(msg)
    subject = " ".join(_header_text(msg, "Subject").split())
    body = _body(msg)

    outbound = ctx.owner_email is not None and sender.lower() == ctx.owner_email.strip().lower()
    counterparties = [*to, *cc] if outbound else [sender]
    contact = next(
        (hit for a in counterparties if (hit := ctx.contacts_by_email.get(a.lower()))), None
    )

    record: dict[str, Any] = {
        "type": "email",
        "org": ctx.org,
        "id": _message_id(msg) or _content_id(sender, occurred_at, subject, body),
    }
    if contact:
        contact_id, account_id = contact
        if account_id:
            record["account_id"] = account_id
        if contact_id:
            record["contact_id"] = contact_id
    record.update(
        {
            "owner_id": ctx.owner_id,
            "visibility": ctx.visibility,
            "occurred_at": occurred_at,
            "subject": subject,
            "from": sender,
            "to": to,
            "direction": "outbound" if outbound else "inbound",
            "body": body,
        }
    )
    if cc:
        record["cc"] = cc
    try:
        parse_record(record)
    except RecordError as err:
        raise MailError(f"not a valid email record: {err}") from None
    return record


def read_eml(path: Path, ctx: MailContext) -> dict[str, Any]:
    """Read one ``.eml`` file as an email record.

    Raises:
        MailError: Naming ``path`` and what is wrong with the message.
        OSError: The file cannot be read.
    """
    msg = _parse(path.read_bytes())
    try:
        return email_record_from_message(msg, ctx)
    except MailError as err:
        raise MailError(f"{path}: {err}") from err


def read_mbox(path: Path, ctx: MailContext) -> Iterator[tuple[int, dict[str, Any] | MailError]]:
    """Read an mbox mailbox, yielding ``(message number from 1, record)`` in file order.

    An unusable message is yielded as a :class:`MailError` naming ``path`` and its
    number, in its place, so one bad message does not cost the rest of the mailbox.

    Raises:
        MailError: The file is not an mbox.
        OSError: The file cannot be read.
    """
    with path.open("rb") as fh:
        head = fh.read(64).lstrip(b"\r\n")
    if head and not head.startswith(b"From "):
        raise MailError(f"{path}: not an mbox file: it does not start with a 'From ' line")
    box = mailbox.mbox(path, create=False)
    try:
        for n, key in enumerate(box.iterkeys(), start=1):
            # get_file skips the "From " separator; parse with the modern policy, which
            # mailbox's own message classes do not use.
            message_file = box.get_file(key)
            try:
                msg = _parse(message_file.read())
            finally:
                message_file.close()
            try:
                yield n, email_record_from_message(msg, ctx)
            except MailError as err:
                yield n, MailError(f"{path}: message {n}: {err}")
    finally:
        box.close()


# --------------------------------------------------------------------------- headers


def _parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)  # policy.default always builds EmailMessage
    return msg


def _header_text(msg: EmailMessage, name: str) -> str:
    try:
        value = msg[name]
    except _HEADER_ERRORS as err:
        raise MailError(f"{name} header cannot be parsed: {err}") from None
    return "" if value is None else str(value)


def _raw_header(msg: EmailMessage, name: str) -> str:
    """The header as written (unfolded), for error messages that quote the input."""
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), "")
    return " ".join(str(raw).split())


def _addresses(msg: EmailMessage, name: str) -> list[str]:
    """The bare addresses of every ``name`` header, in order; groups are flattened."""
    try:
        headers = msg.get_all(name) or []
        # Without a domain it is a display name or a local alias, not a CRM address.
        return [a.addr_spec for h in headers for a in h.addresses if a.username and a.domain]
    except _HEADER_ERRORS as err:
        raise MailError(f"{name} header cannot be parsed: {err}") from None


def _sender(msg: EmailMessage) -> str:
    if not _header_text(msg, "From"):
        raise MailError("no From header")
    senders = _addresses(msg, "From")
    if not senders:
        raise MailError(f"From header has no address: {_raw_header(msg, 'From')!r}")
    return senders[0]


def _occurred_at(msg: EmailMessage) -> str:
    header = msg["Date"]
    if header is None:
        raise MailError("no Date header; the record needs occurred_at")
    when = getattr(header, "datetime", None)
    if when is None:
        raise MailError(f"Date header is not an RFC 5322 date: {_raw_header(msg, 'Date')!r}")
    # "-0000" means "zone unknown" and parses naive; take it as UTC like the records do.
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return str(when.astimezone(UTC).isoformat())


def _message_id(msg: EmailMessage) -> str | None:
    raw = _header_text(msg, "Message-ID").strip().strip("<>").strip()
    if not raw:
        return None
    if len(raw) > _MAX_ID_CHARS:
        # Still stable across imports, and within the records' id limit.
        return "mail-" + hashlib.sha1(raw.encode("utf-8")).hexdigest()[:16]
    return raw


def _content_id(sender: str, occurred_at: str, subject: str, body: str) -> str:
    """A stable id for mail without Message-ID, so re-importing updates in place."""
    digest = hashlib.sha1("\x1f".join((sender, occurred_at, subject, body)).encode("utf-8"))
    return "mail-" + digest.hexdigest()[:16]


# --------------------------------------------------------------------------- body


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        # Attachment-only mail (an invite, a scanned PDF) is still an email.
        return ""
    assert isinstance(part, EmailMessage)
    text = _decode(part)
    if part.get_content_subtype() == "html":
        text = _html_to_text(text)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _decode(part: EmailMessage) -> str:
    """The part's text, decoded strictly: a wrong charset is an error, not U+FFFD."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        raise MailError(f"{part.get_content_type()} part has no decodable payload")
    charset = part.get_content_charset() or "us-ascii"
    try:
        return payload.decode(charset)
    except LookupError:
        raise MailError(f"{part.get_content_type()} part has unknown charset {charset!r}") from None
    except UnicodeDecodeError as err:
        if charset in ("us-ascii", "ascii"):
            # Undeclared or "us-ascii" 8-bit mail is nearly always UTF-8 in practice, and
            # UTF-8 is a strict superset, so this cannot garble a valid ASCII body.
            try:
                return payload.decode("utf-8")
            except UnicodeDecodeError:
                pass
        raise MailError(
            f"{part.get_content_type()} part is not valid {charset}: byte "
            f"{payload[err.start : err.start + 1]!r} at offset {err.start}"
        ) from None


_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "div",
        "dl",
        "dt",
        "dd",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    }
)
_HIDDEN_TAGS = frozenset({"head", "script", "style", "title", "template"})
_BLANK_RUNS = re.compile(r"\n{3,}")


class _HtmlText(HTMLParser):
    """Visible text of an HTML body: blocks become lines, block quotes ``> `` lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._lines: list[str] = []
        self._line: list[str] = []
        self._quote_depth = 0
        self._line_depth = 0
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden += 1
        elif tag == "br":
            self._end_line()
        elif tag in _BLOCK_TAGS:
            self._end_line()
            self._quote_depth += tag == "blockquote"

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCK_TAGS:
            self._end_line()
            if tag == "blockquote":
                self._quote_depth = max(0, self._quote_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._hidden:
            return
        if not self._line:
            self._line_depth = self._quote_depth
        self._line.append(data)

    def _end_line(self) -> None:
        # Source newlines in HTML are just spaces; only tags break lines.
        text = " ".join("".join(self._line).split())
        self._lines.append("> " * self._line_depth + text if text else "")
        self._line = []

    def text(self) -> str:
        self.close()
        self._end_line()
        return _BLANK_RUNS.sub("\n\n", "\n".join(self._lines)).strip()


def _html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    return parser.text()
