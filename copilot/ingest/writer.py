"""Writing embedded documents on a second thread, one transaction per batch.

The model is the slow part of indexing. While it embeds batch N+1 on the caller's
thread, :class:`BatchWriter` writes batch N: the document rows in one pipelined
statement, the chunks by ``COPY`` (see ``retrieval.store.write_chunks``), and the
per-principal counts by the database's own triggers, all in one transaction. A bounded
queue keeps at most ``max_pending`` embedded batches in memory.

When the database refuses a batch (a value PostgreSQL rejects, a constraint), the batch
is rolled back and its documents are written one per transaction: every good document
lands, and each refused one is reported with its id and nothing of it is written.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import psycopg
from psycopg import Connection

from copilot.db import Database
from copilot.ingest.documents import PreparedDocument, document_row
from copilot.ingest.records import with_article
from copilot.ingest.report import IngestReport
from retrieval import store
from retrieval.chunking import Span
from retrieval.models import ChunkRow, DocumentAccess

__all__ = ["WRITE_ERRORS", "BatchWriter", "DocumentBatch", "describe_write_error"]

log = logging.getLogger(__name__)

#: Failures that belong to one record's values, not to the database being unavailable:
#: the record (or its batch) is rejected and the run goes on. Anything else (a lost
#: connection, say) still stops the run.
WRITE_ERRORS: tuple[type[BaseException], ...] = (
    psycopg.DataError,
    psycopg.IntegrityError,
    psycopg.errors.ProgramLimitExceeded,
    ValueError,  # client-side: lone surrogates, integers too long to send
    OverflowError,
    RecursionError,
)


def describe_write_error(err: BaseException) -> str:
    """The error's first line (never the record's values), prefixed by its type."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else ""
    return f"{type(err).__name__}: {first[:300]}"


class KindChanged(ValueError):
    """A document's id was stored as another kind by a writer that committed after this
    batch read its state (two requests giving one id two kinds at once)."""


def kind_mismatch(record_id: str, *, stored: str, sent: str) -> str:
    """Why a record of one kind may not replace or delete a stored record of another with
    the same id (an email sent as ``acme-cl-523`` would silently replace that call)."""
    return f"id {record_id!r} is a stored {stored}, and this record is {with_article(sent)}"


# (content_hash, access, model_id of its chunks, kind) of a document already stored.
StoredState = tuple[str, tuple[str, ...], str | None, str]


@dataclass
class DocumentBatch:
    """Prepared documents, the spans of those to re-embed, and their vectors."""

    documents: list[PreparedDocument] = field(default_factory=list)
    state: dict[tuple[str, str], StoredState] = field(default_factory=dict)
    #: ``id(document)`` -> its spans, for the documents to re-embed.
    spans: dict[int, list[Span]] = field(default_factory=dict)
    #: ``id(document)`` -> the row of ``vectors`` its first span's vector is in.
    offsets: dict[int, int] = field(default_factory=dict)
    vectors: np.ndarray | None = None


@dataclass
class _Tombstones:
    apply: Callable[[], None]


_Item = DocumentBatch | _Tombstones | None


class BatchWriter:
    """Writes :class:`DocumentBatch` es in order on a thread of its own.

    Only this thread touches the report's outcome counters while it runs; the caller
    waits for it (:meth:`drain`) before writing anything else.
    """

    def __init__(
        self,
        db: Database,
        report: IngestReport,
        *,
        model_id: str,
        embed: Callable[[DocumentBatch, Sequence[PreparedDocument]], int],
        max_pending: int = 2,
    ) -> None:
        self.db = db
        self.embed = embed
        self.embedded_again = 0  # chunks embedded by this thread (see close())
        self.report = report
        self.model_id = model_id
        self._queue: queue.Queue[_Item] = queue.Queue(maxsize=max_pending)
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="index-writer", daemon=True)
        self._thread.start()

    # ---- caller side

    def put(self, batch: DocumentBatch) -> None:
        """Queue a batch; blocks while ``max_pending`` batches wait (bounded memory)."""
        self._raise_failure()
        self._queue.put(batch)

    def put_call(self, apply: Callable[[], None]) -> None:
        """Run ``apply`` on the writer thread after the batches queued before it."""
        self._raise_failure()
        self._queue.put(_Tombstones(apply))

    def drain(self) -> None:
        """Wait until everything queued is written."""
        self._queue.join()
        self._raise_failure()

    def close(self, *, raise_failure: bool = True) -> None:
        """Write what is queued and stop the thread."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        # Counted here, on the caller's thread, which owns the embedding counters.
        self.report.embedded += self.embedded_again
        self.embedded_again = 0
        if raise_failure:
            self._raise_failure()

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    # ---- writer thread

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._failure is None:  # after a failure, only drain the queue
                    if isinstance(item, _Tombstones):
                        item.apply()
                    else:
                        self._write(item)
            except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
                self._failure = err
            finally:
                self._queue.task_done()

    def _write(self, batch: DocumentBatch) -> None:
        started = time.perf_counter()
        try:
            with self.db.connection() as conn:
                outcomes = self._write_documents(conn, batch, batch.documents)
        except WRITE_ERRORS as err:
            log.warning(
                "a batch of %d documents was refused (%s); writing them one by one",
                len(batch.documents),
                describe_write_error(err),
            )
            outcomes = []
            for p in batch.documents:
                try:
                    with self.db.connection() as conn:
                        outcomes += self._write_documents(conn, batch, [p])
                except WRITE_ERRORS as one:
                    self.report.reject_write(
                        source=p.issue_source,
                        line=p.line,
                        rec=p.rec,
                        message=describe_write_error(one),
                    )
        # Counted only once committed, so the report never claims a rolled-back write.
        for p, outcome, chunks in outcomes:
            self.report.chunks += chunks
            if id(p) not in batch.spans:
                self.report.skipped += 1
            if outcome == "restamped":
                self.report.restamped += 1
                outcome = "updated"
            self.report.add_outcome(line=p.line, rec=p.rec, outcome=outcome)
        self.report.write_seconds += time.perf_counter() - started

    def _embed_what_changed_since_read(
        self,
        batch: DocumentBatch,
        docs: Sequence[PreparedDocument],
        locked: dict[tuple[str, str], StoredState],
    ) -> None:
        """Embed, now, the documents that were left unembedded as unchanged but that
        another writer replaced or deleted since their state was read: writing only
        their rows would leave a document with another version's chunks, or none.
        ``locked`` is their state read with the rows locked (:func:`_locked_state`),
        which holds until this transaction ends."""
        kept = [p for p in docs if id(p) not in batch.spans]
        if not kept:
            return
        stale = []
        for p in kept:
            key = (p.rec.org, p.rec.id)
            found = locked.get(key)
            if found is None or found[0] != p.content_hash or found[2] is None:
                stale.append(p)
            if found is None:
                batch.state.pop(key, None)
            else:
                batch.state[key] = found
        if stale:
            log.info(
                "%d document(s) changed by another writer since read: embedded again", len(stale)
            )
            self.embedded_again += self.embed(batch, stale)

    def _write_documents(
        self, conn: Connection[Any], batch: DocumentBatch, docs: Sequence[PreparedDocument]
    ) -> list[tuple[PreparedDocument, str, int]]:
        """Write ``docs`` of ``batch`` in the caller's transaction; their outcomes."""
        orgs = {p.rec.org for p in docs}
        store.lock_principal_counts(conn, orgs=orgs)
        locked = _locked_state(conn, docs)
        self._embed_what_changed_since_read(batch, docs, locked)
        team_of: dict[tuple[str, str], str | None] = {}
        for org in orgs:
            owners = store.users_by_id(conn, org=org, ids=[p.rec.owner_id for p in docs])
            team_of.update({(org, uid): row.team_id for uid, row in owners.items()})
        rows = []
        for p in docs:
            rec = p.rec
            access = DocumentAccess(
                rec.owner_id, team_of.get((rec.org, rec.owner_id)), rec.visibility, rec.shared_with
            ).to_acl()
            rows.append(document_row(p, access))
        written = store.upsert_documents(conn, docs=rows)
        vectors = batch.vectors
        chunk_rows: list[tuple[str, str, ChunkRow]] = []
        rechunked: list[tuple[str, str]] = []
        count: dict[int, int] = {}
        for p in docs:
            spans = batch.spans.get(id(p))
            if spans is None:
                continue
            assert vectors is not None
            first = batch.offsets[id(p)]
            rechunked.append((p.rec.org, p.rec.id))
            count[id(p)] = len(spans)
            chunk_rows.extend(
                (
                    p.rec.org,
                    p.rec.id,
                    ChunkRow(
                        i,
                        s.start,
                        s.end,
                        p.content[s.start : s.end],
                        vectors[first + i],
                        self.model_id,
                    ),
                )
                for i, s in enumerate(spans)
            )
        store.write_chunks(conn, documents=rechunked, chunks=chunk_rows)
        out = []
        for p, row in zip(docs, rows, strict=True):
            existing = batch.state.get((p.rec.org, p.rec.id))
            if id(p) in batch.spans:
                outcome = "inserted" if existing is None else "updated"
            else:
                assert existing is not None
                if (row.org, row.id) not in written:
                    outcome = "unchanged"
                elif existing[1] != row.access:
                    outcome = "restamped"
                else:
                    outcome = "updated"  # metadata only: a corrected date, another deal
            out.append((p, outcome, count.get(id(p), 0)))
        return out


def _locked_state(
    conn: Connection[Any], docs: Sequence[PreparedDocument]
) -> dict[tuple[str, str], StoredState]:
    """The stored state of ``docs``, their rows locked until the transaction ends.

    Raises :class:`KindChanged` if an id is now stored as another kind. The kind was
    checked when the batch read its state; another writer may have stored the id since
    (a slow ingest of an email and a fast one of a call with its id: the email replaced
    the call). The raise sends the batch down the one-by-one path, which rejects that
    record alone.
    """
    locked: dict[tuple[str, str], StoredState] = {}
    for org in sorted({p.rec.org for p in docs}):
        ids = [p.rec.id for p in docs if p.rec.org == org]
        for doc_id, found in store.document_state(conn, org=org, ids=ids, lock=True).items():
            locked[(org, doc_id)] = found
    for p in docs:
        now = locked.get((p.rec.org, p.rec.id))
        if now is not None and now[3] != p.rec.type:
            raise KindChanged(kind_mismatch(p.rec.id, stored=now[3], sent=p.rec.type))
    return locked
