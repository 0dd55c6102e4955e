"""The audit trail: hash-chained appends per org, reads, pruning and query redaction.

Every row's ``hash`` is :func:`audit_entry_hash` of its columns (all but ``query_text``,
which the chain covers through ``query_sha256``) and the previous row's hash. Appends
of one org are serialised by a row lock on the org's head in ``audit_chain``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from psycopg import Connection

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditRecord",
    "ChainHead",
    "append_audit",
    "audit_chain_head",
    "audit_entry_hash",
    "audit_orgs",
    "begin_snapshot",
    "commit_without_flush",
    "iter_audit",
    "prune_audit",
    "redact_audit_queries",
]

#: ``prev_hash`` of an org's first row.
GENESIS_HASH = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """What one audited operation did, before it is chained.

    Attributes:
        actor: ``user:<id>``, ``ingest:<subject>`` or ``cli:<login>``.
        query_sha256: Hex SHA-256 of the query or question, if there was one.
        query_text: The text itself, or ``None`` when queries are stored as hashes.
        record_ids: Every record returned, cited, written or removed.
        status: The outcome (an HTTP status; 200 for a CLI command that succeeded).
    """

    org: str
    actor: str
    request_id: str
    endpoint: str
    status: int
    record_ids: tuple[str, ...] = ()
    query_sha256: str | None = None
    query_text: str | None = None
    engine: str | None = None


@dataclass(frozen=True)
class AuditRecord:
    """One stored row of ``audit_log``."""

    org: str
    seq: int
    at: datetime
    actor: str
    request_id: str
    endpoint: str
    query_sha256: str | None
    query_text: str | None
    record_ids: tuple[str, ...]
    engine: str | None
    status: int
    prev_hash: str
    hash: str

    def chained_hash(self, prev_hash: str | None = None) -> str:
        """:func:`audit_entry_hash` of this row's columns after ``prev_hash`` (its own
        ``prev_hash`` by default): what ``hash`` must be if nothing was changed."""
        return audit_entry_hash(
            org=self.org,
            seq=self.seq,
            at=self.at,
            actor=self.actor,
            request_id=self.request_id,
            endpoint=self.endpoint,
            query_sha256=self.query_sha256,
            record_ids=self.record_ids,
            engine=self.engine,
            status=self.status,
            prev_hash=self.prev_hash if prev_hash is None else prev_hash,
        )


@dataclass(frozen=True)
class ChainHead:
    """An org's chain head, and the anchor left by pruning its oldest rows."""

    last_seq: int
    last_hash: str
    pruned_through_seq: int
    pruned_hash: str


def audit_entry_hash(
    *,
    org: str,
    seq: int,
    at: datetime,
    actor: str,
    request_id: str,
    endpoint: str,
    query_sha256: str | None,
    record_ids: Sequence[str],
    engine: str | None,
    status: int,
    prev_hash: str,
) -> str:
    """The hash a row stores: SHA-256 over its canonical JSON and the previous hash.

    Example:
        >>> h = audit_entry_hash(org="acme", seq=1, at=datetime(2026, 1, 1, tzinfo=UTC),
        ...     actor="user:u1", request_id="r", endpoint="POST /v1/search", query_sha256=None,
        ...     record_ids=["em-1"], engine=None, status=200, prev_hash=GENESIS_HASH)
        >>> len(h)
        64
    """
    blob = json.dumps(
        [
            org,
            seq,
            at.astimezone(UTC).isoformat(timespec="microseconds"),
            actor,
            request_id,
            endpoint,
            query_sha256,
            list(record_ids),
            engine,
            status,
            prev_hash,
        ],
        ensure_ascii=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode("ascii")).hexdigest()


def _lock_head(conn: Connection[Any], *, org: str) -> ChainHead:
    conn.execute(
        "INSERT INTO audit_chain (org, last_seq, last_hash, pruned_hash)"
        " VALUES (%s, 0, %s, %s) ON CONFLICT (org) DO NOTHING",
        (org, GENESIS_HASH, GENESIS_HASH),
    )
    row = conn.execute(
        "SELECT last_seq, last_hash, pruned_through_seq, pruned_hash FROM audit_chain"
        " WHERE org = %s FOR UPDATE",
        (org,),
    ).fetchone()
    assert row is not None
    return ChainHead(int(row[0]), row[1], int(row[2]), row[3])


def append_audit(conn: Connection[Any], *, entry: AuditEntry) -> AuditRecord:
    """Chain one entry after its org's head (locks the head until the transaction ends)."""
    head = _lock_head(conn, org=entry.org)
    # Microseconds are what timestamptz keeps, so the hash survives the round trip.
    at = datetime.now(UTC)
    seq = head.last_seq + 1
    fields: dict[str, Any] = {
        "org": entry.org,
        "seq": seq,
        "at": at,
        "actor": entry.actor,
        "request_id": entry.request_id,
        "endpoint": entry.endpoint,
        "query_sha256": entry.query_sha256,
        "record_ids": list(entry.record_ids),
        "engine": entry.engine,
        "status": entry.status,
        "prev_hash": head.last_hash,
    }
    digest = audit_entry_hash(**fields)
    conn.execute(
        "INSERT INTO audit_log (org, seq, at, actor, request_id, endpoint, query_sha256,"
        " query_text, record_ids, engine, status, prev_hash, hash) VALUES (%(org)s, %(seq)s,"
        " %(at)s, %(actor)s, %(request_id)s, %(endpoint)s, %(query_sha256)s, %(query_text)s,"
        " %(record_ids)s, %(engine)s, %(status)s, %(prev_hash)s, %(hash)s)",
        {**fields, "query_text": entry.query_text, "hash": digest},
    )
    conn.execute(
        "UPDATE audit_chain SET last_seq = %s, last_hash = %s WHERE org = %s",
        (seq, digest, entry.org),
    )
    return AuditRecord(
        org=entry.org,
        seq=seq,
        at=at,
        actor=entry.actor,
        request_id=entry.request_id,
        endpoint=entry.endpoint,
        query_sha256=entry.query_sha256,
        query_text=entry.query_text,
        record_ids=tuple(entry.record_ids),
        engine=entry.engine,
        status=entry.status,
        prev_hash=head.last_hash,
        hash=digest,
    )


def commit_without_flush(conn: Connection[Any]) -> None:
    """Let this transaction's commit return before its WAL reaches disk.

    A crash of the database within about 0.6 s (three ``wal_writer_delay``) may lose the
    transaction, never corrupt it: the chain head is written in the same transaction,
    so the chain stays whole, only shorter.
    """
    conn.execute("SET LOCAL synchronous_commit = off")


def begin_snapshot(conn: Connection[Any]) -> None:
    """Make the rest of this transaction read one snapshot (first statement only)."""
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def audit_chain_head(conn: Connection[Any], *, org: str) -> ChainHead | None:
    row = conn.execute(
        "SELECT last_seq, last_hash, pruned_through_seq, pruned_hash FROM audit_chain"
        " WHERE org = %s",
        (org,),
    ).fetchone()
    return ChainHead(int(row[0]), row[1], int(row[2]), row[3]) if row else None


def audit_orgs(conn: Connection[Any]) -> list[str]:
    """Orgs that have an audit chain."""
    return [r[0] for r in conn.execute("SELECT org FROM audit_chain ORDER BY org")]


_COLUMNS = (
    "SELECT org, seq, at, actor, request_id, endpoint, query_sha256, query_text, record_ids,"
    " engine, status, prev_hash, hash FROM audit_log"
)


def _record(r: Sequence[Any]) -> AuditRecord:
    return AuditRecord(
        org=r[0],
        seq=int(r[1]),
        at=r[2],
        actor=r[3],
        request_id=r[4],
        endpoint=r[5],
        query_sha256=r[6],
        query_text=r[7],
        record_ids=tuple(r[8]),
        engine=r[9],
        status=int(r[10]),
        prev_hash=r[11],
        hash=r[12],
    )


def iter_audit(
    conn: Connection[Any],
    *,
    org: str,
    after_seq: int = 0,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> Iterator[AuditRecord]:
    """An org's entries in chain order (``seq`` ascending), after ``after_seq``.

    ``since`` is inclusive and ``until`` exclusive. Without ``limit`` the rows are
    streamed through a server-side cursor, so a long log is never held in memory.
    """
    query = (
        _COLUMNS + " WHERE org = %(org)s AND seq > %(after)s"
        " AND (%(actor)s::text IS NULL OR actor = %(actor)s)"
        " AND (%(since)s::timestamptz IS NULL OR at >= %(since)s)"
        " AND (%(until)s::timestamptz IS NULL OR at < %(until)s)"
        " ORDER BY seq"
    )
    params = {"org": org, "after": after_seq, "actor": actor, "since": since, "until": until}
    if limit is not None:
        rows = conn.execute(query + " LIMIT %(limit)s", {**params, "limit": limit}).fetchall()
        yield from (_record(r) for r in rows)
        return
    with conn.cursor(name="audit_scan") as cur:
        cur.itersize = 2000
        cur.execute(query, params)
        for r in cur:
            yield _record(r)


def prune_audit(conn: Connection[Any], *, org: str, before: datetime) -> int:
    """Remove an org's entries older than ``before``; the chain's anchor moves past them.

    Returns:
        How many rows were removed.
    """
    _lock_head(conn, org=org)
    last = conn.execute(
        "SELECT seq, hash FROM audit_log WHERE org = %s AND at < %s ORDER BY seq DESC LIMIT 1",
        (org, before),
    ).fetchone()
    if last is None:
        return 0
    conn.execute("SELECT set_config('copilot.audit_prune', 'on', true)")
    cur = conn.execute("DELETE FROM audit_log WHERE org = %s AND seq <= %s", (org, last[0]))
    conn.execute("SELECT set_config('copilot.audit_prune', 'off', true)")
    conn.execute(
        "UPDATE audit_chain SET pruned_through_seq = %s, pruned_hash = %s WHERE org = %s",
        (last[0], last[1], org),
    )
    return cur.rowcount


def redact_audit_queries(conn: Connection[Any], *, org: str, patterns: Sequence[str]) -> int:
    """Blank the stored text of an org's queries matching any of ``patterns``
    (case-insensitive POSIX regular expressions); their SHA-256 and the chain stay.

    Returns:
        How many entries were redacted.
    """
    if not patterns:
        return 0
    cur = conn.execute(
        "UPDATE audit_log SET query_text = NULL WHERE org = %s AND query_text IS NOT NULL"
        " AND query_text ~* ANY(%s)",
        (org, list(patterns)),
    )
    return cur.rowcount
