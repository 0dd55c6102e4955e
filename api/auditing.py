"""Auditing of API requests: a dependency each audited route takes, and fills in.

The dependency yields an :class:`AuditTrail`; the route adds what it returned or wrote
(record ids, the query, the engine). When the route finishes, the entry is written:

- on success, after the response is sent (``COPILOT_AUDIT_WRITE=background``, a
  background task) or before it (``request``);
- on failure, always before the error response, with the status it maps to;
- a success's entry that cannot be written in ``request`` mode withholds the response:
  the client gets the error (503 for a database that failed), which is logged and counted
  (``copilot_audit_write_failures_total{entry="withheld"}``), and its failure entry is
  written only if the database answered the write (:func:`_database_answered`);
- for a streamed response whose route called :meth:`AuditTrail.defer`, when the stream
  calls :meth:`AuditTrail.finish` (what it returned is known only then): as above, by
  the status it ended with. In ``request`` mode the stream sends none of the records
  before that (:attr:`AuditTrail.written_before_serving`).

The entry goes through the owner's pool in a transaction of its own, so a read's
latency is not held by the chain's per-org lock unless ``request`` is chosen. Measured
with ``python -m bench.audit`` (see the README, "Audit trail").
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated

import psycopg
from fastapi import BackgroundTasks, Depends, Request
from prometheus_client import Counter

from api.deps import CallerDep, IngesterDep
from api.errors import status_of
from api.metrics import Metrics
from copilot.audit import AuditEntry, AuditLog
from copilot.settings import Settings

__all__ = ["AuditTrail", "IngestAuditDep", "UserAuditDep", "audit_log", "request_id"]

log = logging.getLogger(__name__)


class AuditTrail:
    """What one request read or wrote, as the route reports it.

    ``org`` and ``actor`` come from the credential; a route of an ingest credential may
    set ``org`` (the tenant it resolved) or add ids per org with :meth:`wrote`.
    """

    def __init__(self, *, actor: str, org: str | None, endpoint: str, request_id: str) -> None:
        self.actor = actor
        self.org = org
        self.endpoint = endpoint
        self.request_id = request_id
        self.record_ids: list[str] = []
        self.by_org: dict[str, list[str]] = {}
        self.query: str | None = None
        self.engine: str | None = None
        self.status: int | None = None
        #: The entry of a success is written before any of its records is served
        #: (``COPILOT_AUDIT_WRITE=request``); a deferred one, by :meth:`finish`.
        self.written_before_serving = False
        self._deferred = False
        self._write: Callable[[int], None] | None = None

    def defer(self) -> None:
        """Write the entry when :meth:`finish` is called, not when the route returns."""
        self._deferred = True

    def finish(self, status: int) -> None:
        """Write a deferred entry with ``status``, as a route's return would have; at most
        once, and nothing when auditing is off. Blocking in ``request`` write mode, and for a
        failure (``status`` 400 or more), which is written as the route's would be."""
        write, self._write = self._write, None
        if write is not None:
            write(status)

    def returned(self, ids: Iterable[str]) -> None:
        """Record ids the response carries (returned, cited or summarized)."""
        self.record_ids.extend(ids)

    def wrote(self, org: str, ids: Iterable[str]) -> None:
        """Record ids written or removed in ``org`` (one request may span orgs)."""
        self.by_org.setdefault(org, []).extend(ids)

    def entries(self, audit: AuditLog, status: int) -> list[AuditEntry]:
        groups = dict(self.by_org)
        if self.org is not None and (self.record_ids or not groups):
            groups.setdefault(self.org, []).extend(self.record_ids)
        return [
            audit.entry(
                org=org,
                actor=self.actor,
                request_id=self.request_id,
                endpoint=self.endpoint,
                status=status,
                record_ids=ids,
                query=self.query,
                engine=self.engine,
            )
            for org, ids in groups.items()
        ]


def request_id(request: Request) -> str:
    """The request's id: the one the request-id middleware set, else a new one."""
    rid = getattr(request.state, "request_id", None)
    if not isinstance(rid, str) or not rid:
        rid = uuid.uuid4().hex
        request.state.request_id = rid
    return rid


def audit_log(request: Request) -> AuditLog:
    """The app's audit log, built on first use from the service's database."""
    audit: AuditLog | None = getattr(request.app.state, "audit", None)
    if audit is None:
        settings: Settings = request.app.state.settings
        audit = AuditLog(request.app.state.copilot.db, store_queries=settings.audit_store_queries)
        request.app.state.audit = audit
    return audit


def _endpoint(request: Request) -> str:
    route = request.scope.get("route")
    return f"{request.method} {getattr(route, 'path', request.url.path)}"


def _unwritten(request: Request, entry: str) -> Counter:
    """The /metrics counter of failed writes of ``entry`` (one of ``AUDIT_ENTRIES``)."""
    metrics: Metrics = request.app.state.metrics
    return metrics.audit_write_failures.labels(entry)


def _named(entries: list[AuditEntry]) -> list[tuple[str, str, str, str, int]]:
    # Who, which request and what it was answered: never the query.
    return [(e.org, e.actor, e.request_id, e.endpoint, e.status) for e in entries]


def _write(
    audit: AuditLog, entries: list[AuditEntry], *, unwritten: Counter, durable: bool = True
) -> None:
    try:
        audit.append(entries, durable=durable)
    except Exception:  # noqa: BLE001 - after the response nobody else can report it
        unwritten.inc()
        log.exception("audit entries lost: %s", _named(entries))


#: SQLSTATE classes of a database not taking writes now: connection exceptions (08),
#: insufficient resources (53: a full disk, too many connections), operator
#: intervention (57: a shutdown, a statement cancelled at its deadline).
_NOT_WRITING = frozenset({"08", "53", "57"})


def _database_answered(exc: BaseException) -> bool:
    """Whether the database answered a failed write with an error of its own while
    taking writes (a deadlock, a serialization failure), so a second write may succeed.

    Not when no answer came (a lost connection, no pooled connection in time: no
    SQLSTATE), nor for a class in :data:`_NOT_WRITING`: a second write would fail the
    same way, after the same wait, while the client waits for its 503.
    """
    cause: BaseException | None = exc
    while cause is not None and not isinstance(cause, psycopg.Error):
        cause = cause.__cause__
    sqlstate = cause.sqlstate if cause is not None else None
    return sqlstate is not None and sqlstate[:2] not in _NOT_WRITING


def _write_before_serving(request: Request, trail: AuditTrail, entries: list[AuditEntry]) -> None:
    """Write a success's entry before its response goes out (``request`` mode).

    Raises what the write raised: a read whose entry cannot be written is not served. Its
    failure entry lists none of the records read (none went out), only those written.
    """
    audit = audit_log(request)
    try:
        audit.append(entries)
    except Exception as exc:
        status = status_of(exc)
        _unwritten(request, "withheld").inc()
        log.error(
            "audit entry not written, so the response is withheld (%s; the client gets %d): %s",
            type(exc).__name__,
            status,
            _named(entries),
        )
        if _database_answered(exc):
            trail.record_ids.clear()
            failed = trail.entries(audit, status)
            _write(audit, failed, unwritten=_unwritten(request, "failed"))
        raise


def _run(
    request: Request, background: BackgroundTasks, *, actor: str, org: str | None
) -> Iterator[AuditTrail]:
    """The request's trail for ``actor`` in ``org``, written when the route is done."""
    trail = AuditTrail(
        actor=actor, org=org, endpoint=_endpoint(request), request_id=request_id(request)
    )
    settings: Settings = request.app.state.settings
    if not settings.audit_enabled:
        yield trail
        return
    trail.written_before_serving = settings.audit_write == "request"
    try:
        yield trail
    except Exception as exc:
        entries = trail.entries(audit_log(request), status_of(exc))
        if entries:
            _write(audit_log(request), entries, unwritten=_unwritten(request, "failed"))
        raise

    def write(status: int) -> None:
        entries = trail.entries(audit_log(request), status)
        if not entries:
            return
        if status >= 400:
            # A stream that failed after its 200 (or whose client left) is written as a
            # failure is: before its error event, and logged if it cannot be written.
            # Raised, it cut the stream before the error event (request mode, the
            # database lost).
            _write(audit_log(request), entries, unwritten=_unwritten(request, "failed"))
        elif settings.audit_write == "background":
            lost = _unwritten(request, "served")
            background.add_task(_write, audit_log(request), entries, unwritten=lost, durable=False)
        else:
            _write_before_serving(request, trail, entries)

    if trail._deferred:
        trail._write = write
    else:
        write(trail.status or 200)


def _user_audit(
    request: Request, caller: CallerDep, background: BackgroundTasks
) -> Iterator[AuditTrail]:
    yield from _run(request, background, actor=f"user:{caller.user_id}", org=caller.org)


def _ingest_audit(
    request: Request, ingester: IngesterDep, background: BackgroundTasks
) -> Iterator[AuditTrail]:
    yield from _run(request, background, actor=f"ingest:{ingester.subject}", org=ingester.org)


# scope="function": the entry is settled when the route returns, before the response,
# so a failure is written with its status and success can choose when to write.
UserAuditDep = Annotated[AuditTrail, Depends(_user_audit, scope="function")]
IngestAuditDep = Annotated[AuditTrail, Depends(_ingest_audit, scope="function")]
