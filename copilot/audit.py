"""The audit trail: who read or wrote what, and when, in a hash chain per org.

Entries are appended through the owner's pool in a transaction of their own, after the
operation they record (see ``api/auditing.py`` for when, in the HTTP API). ``verify``
walks an org's chain and names the first row that was edited, removed or inserted out of
order; ``export`` writes JSON Lines; ``page`` serves ``GET /v1/audit`` to admins.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

import psycopg

from copilot.auth import ForbiddenError
from copilot.db import Database
from copilot.errors import DatabaseUnavailable, UnknownUser
from retrieval import store
from retrieval.store import AuditEntry, AuditRecord

__all__ = [
    "AuditEntry",
    "AuditLog",
    "AuditPage",
    "AuditRecord",
    "ChainReport",
    "query_digest",
    "record_json",
    "verify_chain",
]

log = logging.getLogger(__name__)


def query_digest(text: str) -> str:
    """Hex SHA-256 of a query's UTF-8 bytes (lone surrogates kept as they came)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _storable(text: str) -> bool:
    # PostgreSQL text holds neither NUL nor unpaired surrogates; such a query is kept
    # as its digest only.
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@dataclass(frozen=True)
class ChainReport:
    """The result of walking one org's chain.

    Attributes:
        ok: Whether every row and the head agree.
        rows: How many rows were checked.
        first_bad_seq: The first row found wrong (or missing), if any.
        problem: What is wrong with it, in words.
    """

    org: str
    ok: bool
    rows: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_chain(
    org: str, head: store.ChainHead | None, rows: Iterable[AuditRecord]
) -> ChainReport:
    """Check an org's rows (in ``seq`` order) against each other and the chain head.

    A pure function, so the checks are tested without a database.
    """
    expected_seq = (head.pruned_through_seq if head else 0) + 1
    expected_prev = head.pruned_hash if head else store.GENESIS_HASH
    checked = 0

    def bad(seq: int, problem: str) -> ChainReport:
        return ChainReport(org, False, checked, seq, problem)

    for r in rows:
        if r.seq != expected_seq:
            return bad(expected_seq, f"row {expected_seq} is missing (the next row is {r.seq})")
        if r.prev_hash != expected_prev:
            return bad(r.seq, "prev_hash does not match the previous row's hash")
        if r.chained_hash() != r.hash:
            return bad(r.seq, "row was edited: its hash does not match its columns")
        if r.query_text is not None and query_digest(r.query_text) != r.query_sha256:
            return bad(r.seq, "query_text was edited: it does not match query_sha256")
        checked += 1
        expected_prev, expected_seq = r.hash, r.seq + 1
    if head is None:
        if checked:
            return ChainReport(org, False, checked, 1, "rows exist but the chain head is gone")
        return ChainReport(org, True, 0)
    if head.last_seq != expected_seq - 1 or head.last_hash != expected_prev:
        return bad(
            expected_seq,
            f"rows {expected_seq}..{head.last_seq} are missing (the chain head is at "
            f"{head.last_seq})"
            if head.last_seq >= expected_seq
            else "the chain head does not match the last row",
        )
    return ChainReport(org, True, checked)


def record_json(r: AuditRecord) -> dict[str, Any]:
    """One entry as exported and served: every column, times in ISO 8601."""
    return {
        "org": r.org,
        "seq": r.seq,
        "at": r.at.isoformat(),
        "actor": r.actor,
        "request_id": r.request_id,
        "endpoint": r.endpoint,
        "query_sha256": r.query_sha256,
        "query_text": r.query_text,
        "record_ids": list(r.record_ids),
        "engine": r.engine,
        "status": r.status,
        "prev_hash": r.prev_hash,
        "hash": r.hash,
    }


@dataclass(frozen=True)
class AuditPage:
    """Entries in chain order; ``next_after`` is the seq the next page starts after."""

    entries: tuple[AuditRecord, ...]
    next_after: int | None


class AuditLog:
    """Appends, verifies, exports and pages one deployment's audit trail.

    Args:
        db: The database (entries go through the owner's pool).
        store_queries: Keep query and question text; ``False`` keeps only its SHA-256.
    """

    def __init__(self, db: Database, *, store_queries: bool = True) -> None:
        self.db = db
        self.store_queries = store_queries

    def entry(
        self,
        *,
        org: str,
        actor: str,
        request_id: str,
        endpoint: str,
        status: int,
        record_ids: Sequence[str] = (),
        query: str | None = None,
        engine: str | None = None,
    ) -> AuditEntry:
        """An entry with the query hashed (and kept as text if the deployment allows)."""
        keep = query is not None and self.store_queries and _storable(query)
        return AuditEntry(
            org=org,
            actor=actor,
            request_id=request_id,
            endpoint=endpoint,
            status=status,
            record_ids=tuple(dict.fromkeys(record_ids)),
            query_sha256=query_digest(query) if query is not None else None,
            query_text=query if keep else None,
            engine=engine,
        )

    def append(self, entries: Iterable[AuditEntry], *, durable: bool = True) -> None:
        """Chain entries in one transaction of their own.

        Args:
            durable: Wait for the commit to reach disk. ``False`` is for writes after
                the response (which a crash of the process could lose anyway): an
                unflushed commit costs ~1 ms instead of a disk flush (bench.audit).

        Raises:
            DatabaseUnavailable: The entries could not be written; the driver's error is
                its ``__cause__``.
        """
        try:
            with self.db.connection(deadline=True) as conn:
                if not durable:
                    store.commit_without_flush(conn)
                for e in entries:
                    store.append_audit(conn, entry=e)
        except psycopg.Error as err:
            # Not quoted: the driver's message names the database's host, port or socket,
            # and this one reaches clients (a response withheld in ``request`` write mode).
            # It stays on the cause, which the API logs.
            raise DatabaseUnavailable(
                "the audit trail could not be written (the database failed the write); "
                "retry shortly"
            ) from err

    def verify(self, *, org: str) -> ChainReport:
        """Walk ``org``'s chain in one snapshot (appends may continue meanwhile)."""
        with self.db.connection() as conn:
            store.begin_snapshot(conn)
            head = store.audit_chain_head(conn, org=org)
            return verify_chain(org, head, store.iter_audit(conn, org=org))

    def export(
        self, out: IO[str], *, org: str, since: datetime | None, until: datetime | None
    ) -> int:
        """Write ``org``'s entries in ``[since, until)`` as JSON Lines; returns how many."""
        n = 0
        with self.db.connection() as conn:
            for r in store.iter_audit(conn, org=org, since=since, until=until):
                out.write(json.dumps(record_json(r), ensure_ascii=False) + "\n")
                n += 1
        return n

    def page(
        self,
        *,
        org: str,
        admin_id: str,
        user: str | None,
        since: datetime | None,
        until: datetime | None,
        after_seq: int,
        limit: int,
    ) -> AuditPage:
        """A page of ``org``'s entries for an admin of ``org``.

        Raises:
            UnknownUser: ``admin_id`` is not a user of ``org``.
            ForbiddenError: ``admin_id`` is not an admin.
        """
        with self.db.connection(deadline=True) as conn:
            reader = store.get_user(conn, org=org, user_id=admin_id)
            if reader is None:
                raise UnknownUser(f"user {admin_id!r} does not exist in org {org!r}")
            if reader.role != "admin":
                raise ForbiddenError("the audit trail is readable by admins only")
            rows = list(
                store.iter_audit(
                    conn,
                    org=org,
                    after_seq=after_seq,
                    actor=f"user:{user}" if user is not None else None,
                    since=since,
                    until=until,
                    limit=limit + 1,
                )
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return AuditPage(tuple(rows), rows[-1].seq if more and rows else None)


def iter_records(db: Database, *, org: str) -> Iterator[AuditRecord]:
    """Every entry of ``org`` in chain order (tests and tools)."""
    with db.connection() as conn:
        yield from store.iter_audit(conn, org=org)
