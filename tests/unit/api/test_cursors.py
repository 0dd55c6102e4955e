"""Signed pagination cursors (``api.cursors``): round trips, and every way to forge one."""

from __future__ import annotations

import base64
import json
import re

import pytest

from api.cursors import CursorCodec, query_digest
from copilot.errors import InvalidCursor

CODEC = CursorCodec(b"k" * 32)
DIGEST = query_digest(query="renewal", top_k=10, filters=None)


def _cursor(offset: int = 20, org: str = "acme", user: str = "rep-1") -> str:
    return CODEC.encode(org=org, user_id=user, digest=DIGEST, offset=offset)


@pytest.mark.parametrize("offset", [0, 1, 10, 499, 10_000])
def test_cursor_round_trip(offset: int) -> None:
    cursor = _cursor(offset)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", cursor)  # URL-safe, unpadded
    assert CODEC.decode(cursor, org="acme", user_id="rep-1", digest=DIGEST) == offset


def test_query_digest_is_stable_and_order_independent() -> None:
    a = query_digest(query="q", top_k=10, filters={"a": 1, "b": 2})
    assert a == query_digest(filters={"b": 2, "a": 1}, top_k=10, query="q")
    assert a != query_digest(query="q", top_k=11, filters={"a": 1, "b": 2})


@pytest.mark.parametrize(
    ("org", "user"),
    [("acme", "rep-2"), ("globex", "rep-1"), ("acme", "REP-1"), ("", "")],
)
def test_cursor_of_another_caller_is_refused_without_naming_the_owner(org: str, user: str) -> None:
    with pytest.raises(InvalidCursor) as err:
        CODEC.decode(_cursor(), org=org, user_id=user, digest=DIGEST)
    assert "rep-1" not in str(err.value) and "acme" not in str(err.value)
    assert err.value.field == "cursor"


def test_cursor_for_another_query_is_refused() -> None:
    other = query_digest(query="pricing", top_k=10, filters=None)
    with pytest.raises(InvalidCursor, match="different query"):
        CODEC.decode(_cursor(), org="acme", user_id="rep-1", digest=other)


def test_cursor_signed_with_another_key_is_refused() -> None:
    forged = CursorCodec(b"x" * 32).encode(org="acme", user_id="rep-1", digest=DIGEST, offset=5)
    with pytest.raises(InvalidCursor):
        CODEC.decode(forged, org="acme", user_id="rep-1", digest=DIGEST)


def _flip(cursor: str, at: int) -> str:
    swap = "A" if cursor[at] != "A" else "B"
    return cursor[:at] + swap + cursor[at + 1 :]


def _reencoded(cursor: str, **changes: object) -> str:
    """The same tag over an edited body: what a client editing the JSON would send."""
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    body = json.loads(raw[:-16]) | changes
    return base64.urlsafe_b64encode(json.dumps(body).encode() + raw[-16:]).decode()


GARBAGE = {
    "empty": "",
    "padding": "====",
    "not-base64": "!!!***",
    "non-ascii": "curs\u00f6r",
    "short": "YWJj",
    "json-unsigned": base64.urlsafe_b64encode(b'{"v":1,"o":"acme","u":"rep-1","n":0}').decode(),
    "whitespace": "   ",
}


@pytest.mark.parametrize("cursor", list(GARBAGE.values()), ids=list(GARBAGE))
def test_garbage_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        CODEC.decode(cursor, org="acme", user_id="rep-1", digest=DIGEST)


@pytest.mark.parametrize(
    "edit",
    [
        lambda c: _flip(c, 3),
        lambda c: _flip(c, len(c) // 2),
        lambda c: _flip(c, len(c) - 3),
        lambda c: c[:-1],
        lambda c: c[:-8],
        lambda c: c[: len(c) // 2],
        lambda c: c[4:],
        lambda c: c + "AAAA",
        lambda c: _reencoded(c, n=0),
        lambda c: _reencoded(c, n=-1),
        lambda c: _reencoded(c, u="rep-2"),
    ],
    ids=[
        "flip-head",
        "flip-middle",
        "flip-tail",
        "drop-1",
        "drop-8",
        "half",
        "drop-head",
        "extended",
        "edited-offset",
        "edited-negative",
        "edited-user",
    ],
)
def test_tampered_cursor_is_refused(edit) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidCursor):
        CODEC.decode(edit(_cursor()), org="acme", user_id="rep-1", digest=DIGEST)


def test_negative_offset_is_refused_even_when_validly_signed() -> None:
    with pytest.raises(InvalidCursor):
        CODEC.decode(_cursor(-1), org="acme", user_id="rep-1", digest=DIGEST)


def test_query_cursors_bind_caller_and_query() -> None:
    pages = CODEC.for_query(org="acme", user_id="rep-1", query="renewal", top_k=10, filters=None)
    assert pages.digest == DIGEST
    assert pages.offset(None) == 0
    assert pages.after(None) is None
    cursor = pages.after(30)
    assert cursor is not None and pages.offset(cursor) == 30
    assert CODEC.decode(cursor, org="acme", user_id="rep-1", digest=DIGEST) == 30
    other = CODEC.for_query(org="acme", user_id="rep-2", query="renewal", top_k=10, filters=None)
    with pytest.raises(InvalidCursor, match="another caller"):
        other.offset(cursor)


class _Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_cursors_expire_after_their_ttl() -> None:
    clock = _Clock(1_000_000.0)
    codec = CursorCodec(b"k" * 32, ttl_s=3600, clock=clock)
    cursor = codec.encode(org="acme", user_id="rep-1", digest=DIGEST, offset=20)
    clock.now += 3600
    assert codec.decode(cursor, org="acme", user_id="rep-1", digest=DIGEST) == 20
    clock.now += 1
    with pytest.raises(InvalidCursor, match=r"cursor expired .*3600 s") as err:
        codec.decode(cursor, org="acme", user_id="rep-1", digest=DIGEST)
    assert err.value.field == "cursor"


def test_an_expired_cursor_cannot_be_refreshed_by_editing_its_time() -> None:
    clock = _Clock(1_000_000.0)
    codec = CursorCodec(b"k" * 32, ttl_s=60, clock=clock)
    cursor = codec.encode(org="acme", user_id="rep-1", digest=DIGEST, offset=20)
    clock.now += 120
    with pytest.raises(InvalidCursor, match="not a valid cursor"):
        codec.decode(
            _reencoded(cursor, t=int(clock.now)), org="acme", user_id="rep-1", digest=DIGEST
        )


def test_a_version_1_cursor_without_issue_time_is_refused() -> None:
    import hashlib
    import hmac

    body = json.dumps({"v": 1, "o": "acme", "u": "rep-1", "q": DIGEST, "n": 5}).encode()
    tag = hmac.new(b"k" * 32, body, hashlib.sha256).digest()[:16]
    old = base64.urlsafe_b64encode(body + tag).decode().rstrip("=")
    with pytest.raises(InvalidCursor, match="not a valid cursor"):
        CODEC.decode(old, org="acme", user_id="rep-1", digest=DIGEST)
