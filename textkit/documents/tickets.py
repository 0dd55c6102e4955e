"""Support tickets: the canonical text (body, then comments) and where comments start.

Example:
    >>> from datetime import datetime, timezone
    >>> at = datetime(2025, 1, 6, tzinfo=timezone.utc)
    >>> text = render_ticket("Login fails.", [("u1", at, "Fixed.")])
    >>> text[:ticket_body_end(text)]
    'Login fails.'
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

__all__ = [
    "comment_starts",
    "last_comment",
    "render_ticket",
    "ticket_body_end",
    "without_comment_headers",
]


def render_ticket(body: str, comments: Sequence[tuple[str, datetime, str]]) -> str:
    """The canonical text of a ticket: its body, then each comment under a header line.

    :func:`comment_starts` recognises the header line.

    Example:
        >>> from datetime import datetime, timezone
        >>> at = datetime(2025, 1, 6, 9, 30, tzinfo=timezone.utc)
        >>> render_ticket("Login fails.", [("u1", at, "Reset the SSO cert.")])
        'Login fails.\\n\\n--- comment by u1 at 2025-01-06T09:30:00+00:00\\nReset the SSO cert.'
    """
    parts = [body]
    for author_id, at, text in comments:
        parts.append(f"\n\n--- comment by {author_id} at {at.isoformat()}\n{text}")
    return "".join(parts)


# The header render_ticket writes: at the start, or after the blank line it puts first.
_COMMENT_HEADER = re.compile(r"(?:\A|(?<=\n\n))--- comment by [^\n]* at [^\n]*$", re.M)


def comment_starts(text: str) -> list[int]:
    """Offsets of the comment header lines in a ticket's canonical text.

    Example:
        >>> comment_starts("Body.\\n\\n--- comment by u1 at 2025-01-06\\nFixed.")
        [7]
    """
    return [m.start() for m in _COMMENT_HEADER.finditer(text)]


def ticket_body_end(text: str) -> int:
    """Where a ticket's body ends: before the blank line of its first comment header.

    Example:
        >>> ticket_body_end("Body only.")
        10
    """
    m = _COMMENT_HEADER.search(text)
    if m is None:
        return len(text)
    return m.start() - 2 if m.start() else 0  # render_ticket puts "\n\n" before a header


def last_comment(text: str) -> tuple[int, int] | None:
    """Where the text of a ticket's latest comment is (its header line left out), or
    None for a ticket without comments: what happened last, which a status question
    asks as much as the status field.

    Example:
        >>> text = "Body.\\n\\n--- comment by u1 at 2025-01-06\\nFixed.\\n"
        >>> start, end = last_comment(text)
        >>> text[start:end]
        'Fixed.'
    """
    starts = comment_starts(text)
    if not starts:
        return None
    header_end = text.find("\n", starts[-1])
    if header_end < 0:
        return None
    start, end = header_end + 1, len(text.rstrip())
    while start < end and text[start].isspace():
        start += 1
    return (start, end) if start < end else None


def without_comment_headers(text: str) -> str:
    """``text`` with the comment header lines :func:`render_ticket` writes left out, and
    the blank lines around each: how a span that runs across comments reads to a person
    (the span itself, cited, keeps them).

    Example:
        >>> without_comment_headers("Login fails.\\n\\n--- comment by u1 at 2025-01-06\\nFixed.")
        'Login fails.\\nFixed.'
    """
    if not _COMMENT_HEADER.search(text):
        return text
    return re.sub(r"\n{2,}", "\n", _COMMENT_HEADER.sub("", text)).strip("\n")
