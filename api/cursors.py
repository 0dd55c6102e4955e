"""Opaque, signed pagination cursors bound to one caller and one query.

A cursor holds the caller, a digest of the query and its filters, an offset into the
ranked permitted results and when it was issued. It says nothing about rows the caller
cannot see; a cursor presented by anyone else, with a different query, or older than
``COPILOT_CURSOR_TTL_S`` (1 h) is rejected.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from copilot.errors import InvalidCursor

__all__ = ["CursorCodec", "QueryCursors", "query_digest"]

#: 2 added the issue time ("t"); version-1 cursors (no expiry) are refused.
_VERSION = 2


def query_digest(**parts: Any) -> str:
    """A short stable digest of a query and its filters (what a cursor continues)."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class CursorCodec:
    """Signs and checks cursors with an HMAC key; they expire ``ttl_s`` after issue."""

    key: bytes
    ttl_s: int = 3600
    clock: Callable[[], float] = field(default=time.time, compare=False)

    def for_query(self, *, org: str, user_id: str, **query: Any) -> QueryCursors:
        """The cursors of one caller's one query; ``query`` is what a cursor continues."""
        return QueryCursors(self, org=org, user_id=user_id, digest=query_digest(**query))

    def encode(self, *, org: str, user_id: str, digest: str, offset: int) -> str:
        body = json.dumps(
            {
                "v": _VERSION,
                "o": org,
                "u": user_id,
                "q": digest,
                "n": offset,
                "t": int(self.clock()),
            },
            separators=(",", ":"),
        ).encode()
        tag = hmac.new(self.key, body, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(body + tag).decode().rstrip("=")

    def decode(self, cursor: str, *, org: str, user_id: str, digest: str) -> int:
        """The offset a cursor continues from.

        Raises:
            InvalidCursor: Malformed, tampered with, minted for another caller or for
                another query, or expired. The message never says which user it
                belonged to.
        """
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError) as err:
            raise InvalidCursor("cursor is not a valid cursor", field="cursor") from err
        body, tag = raw[:-16], raw[-16:]
        expected = hmac.new(self.key, body, hashlib.sha256).digest()[:16]
        if len(raw) <= 16 or not hmac.compare_digest(tag, expected):
            raise InvalidCursor("cursor is not a valid cursor", field="cursor")
        try:
            data = json.loads(body)
            offset = int(data["n"])
            owner = (data["o"], data["u"])
            query = data["q"]
            issued_at = int(data["t"])
            if data["v"] != _VERSION:
                raise ValueError("version")
        except (ValueError, KeyError, TypeError) as err:
            raise InvalidCursor("cursor is not a valid cursor", field="cursor") from err
        if owner != (org, user_id):
            raise InvalidCursor("cursor was issued to another caller", field="cursor")
        if query != digest:
            raise InvalidCursor(
                "cursor belongs to a different query or filters; repeat the original ones",
                field="cursor",
            )
        if offset < 0:
            raise InvalidCursor("cursor is not a valid cursor", field="cursor")
        if self.clock() - issued_at > self.ttl_s:
            raise InvalidCursor(
                f"cursor expired (cursors are valid for {self.ttl_s} s); repeat the search "
                "without a cursor",
                field="cursor",
            )
        return offset


@dataclass(frozen=True)
class QueryCursors:
    """Cursors bound to one caller and one query digest.

    Example:
        >>> pages = CursorCodec(b"k" * 32).for_query(org="acme", user_id="u1", query="q")
        >>> pages.offset(None), pages.offset(pages.after(20)), pages.after(None)
        (0, 20, None)
    """

    codec: CursorCodec
    org: str
    user_id: str
    digest: str

    def offset(self, cursor: str | None) -> int:
        """Where the page a cursor asks for starts; 0 without a cursor.

        Raises:
            InvalidCursor: See :meth:`CursorCodec.decode`.
        """
        if cursor is None:
            return 0
        return self.codec.decode(cursor, org=self.org, user_id=self.user_id, digest=self.digest)

    def after(self, next_offset: int | None) -> str | None:
        """The cursor of the page starting at ``next_offset``; None when there is none."""
        if next_offset is None:
            return None
        return self.codec.encode(
            org=self.org, user_id=self.user_id, digest=self.digest, offset=next_offset
        )
