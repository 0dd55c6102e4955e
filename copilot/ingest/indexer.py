"""The indexing pipeline: read, validate, chunk, embed and write CRM records.

Failure policy (documented in the README): every record is validated — format, dates,
references to users and accounts — before it is written. By default the valid records
go in and each invalid one is reported with its file and line; with ``strict=True`` a
first pass validates the whole input and one invalid record means nothing is written.
A record is never written in part: a document and all its chunks land in the same
transaction, together with the per-principal counts (kept by database triggers). A
record the database still refuses is rolled back alone and reported with its id.

Input streams through in windows of ``window_records``: memory stays flat however large
the export. Entities a window names are written before its documents; a record naming
an entity that only comes later in the input is held back and checked again at the end.
While the model embeds one batch of documents on this thread, a
:class:`~copilot.ingest.writer.BatchWriter` writes the previous one on another.

:class:`Indexer` runs the pipeline and owns the slow part, batching and embedding;
its siblings read inputs (``readers``), cut them into windows and resolve references
across windows (``stream``), check records (``validation``), render documents
(``documents``), write entities and tombstones (``entities``), write document batches
(``writer``) and count outcomes (``report``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Literal

import numpy as np
from psycopg import Connection
from tqdm import tqdm

from copilot.db import Database
from copilot.errors import IngestError
from copilot.ingest.documents import PreparedDocument, prepare
from copilot.ingest.entities import apply_tombstones, restamp_owners, write_entities
from copilot.ingest.mail import MailContext
from copilot.ingest.readers import SourcedRecord, check_inputs, read_inputs
from copilot.ingest.records import (
    Account,
    Call,
    Email,
    RecordLimits,
    Team,
    Ticket,
    Tombstone,
    User,
)
from copilot.ingest.report import IngestReport, PrunedRecord
from copilot.ingest.stream import Pair, Source, reader, resolved, windows
from copilot.ingest.validation import check_model
from copilot.ingest.writer import (
    WRITE_ERRORS,
    BatchWriter,
    DocumentBatch,
    describe_write_error,
    kind_mismatch,
)
from embeddings import Embedder
from retrieval import store
from retrieval.chunking import Span, chunk_document, title_for_chunks
from retrieval.models import ChunkRow

__all__ = ["Indexer", "PruneMode"]

log = logging.getLogger(__name__)

#: ``off``; ``dry-run`` lists the stored records a full export lacks; ``apply`` deletes them.
PruneMode = Literal["off", "dry-run", "apply"]


class Indexer:
    """Writes canonical records into the store.

    Args:
        db: The database.
        embedder: The model every chunk is embedded with.
        max_tokens: Chunk size bound in the embedder's word pieces.
        overlap_tokens: Overlap between consecutive chunks.
        batch_documents: Documents embedded together and committed in one transaction.
        window_records: Records read and validated together (bounds memory).
        progress: Show a progress bar (on by default when attached to a terminal).
        limits: Size caps on a document's title and text.
    """

    def __init__(
        self,
        db: Database,
        embedder: Embedder,
        *,
        max_tokens: int = 200,
        overlap_tokens: int = 32,
        batch_documents: int = 256,
        window_records: int = 2000,
        progress: bool | None = None,
        limits: RecordLimits = RecordLimits(),  # noqa: B008
    ) -> None:
        if max_tokens > embedder.max_tokens:
            raise ValueError(
                f"max_tokens {max_tokens} exceeds the model's limit of {embedder.max_tokens}"
            )
        if not 0 <= overlap_tokens < max_tokens:
            raise ValueError(f"overlap_tokens must be in [0, {max_tokens}), got {overlap_tokens}")
        if batch_documents < 1 or window_records < 1:
            raise ValueError(
                f"batch_documents and window_records must be >= 1, got {batch_documents} "
                f"and {window_records}"
            )
        self.db = db
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.batch_documents = batch_documents
        self.window_records = window_records
        self.progress = progress
        self.limits = limits

    # ---- public entry points

    def ingest_paths(
        self,
        paths: Sequence[Path],
        *,
        strict: bool = False,
        mail_org: str | None = None,
        mail_owner: str | None = None,
        mail_visibility: str = "private",
        prune: PruneMode = "off",
        keep_outcomes: bool = True,
    ) -> IngestReport:
        """Index files and directories of JSON Lines, JSON arrays, ``.eml`` and mbox.

        JSON Lines are read as they are indexed, never whole; ``strict`` reads every file
        twice. Before anything is written they are checked by :func:`check_inputs` (not again
        when ``paths`` is its result), so a malformed ``.json`` after a good file fails
        the run with nothing of either written.

        Raises:
            IngestError: As :func:`check_inputs`; or mail files without ``mail_org`` and
                ``mail_owner``, or with an owner who is not a user of that org.
        """
        files = check_inputs(paths)

        def mail_context() -> MailContext:
            if not mail_org or not mail_owner:
                raise IngestError("mail files need --org and --owner")
            with self.db.connection() as conn:
                owner = store.get_user(conn, org=mail_org, user_id=mail_owner)
                if owner is None:
                    raise IngestError(f"--owner {mail_owner!r} is not a user of org {mail_org!r}")
                contacts = store.contacts_by_email(conn, org=mail_org)
            return MailContext(
                org=mail_org,
                owner_id=mail_owner,
                owner_email=owner.email,
                visibility=mail_visibility,
                contacts_by_email=contacts,
            )

        return self.ingest(
            lambda: read_inputs(files, mail_context=mail_context),
            strict=strict,
            prune=prune,
            keep_outcomes=keep_outcomes,
        )

    def ingest_dicts(
        self, records: Iterable[dict[str, Any]], *, source: str = "<input>", strict: bool = False
    ) -> IngestReport:
        """Index already-decoded records (line numbers count from 1)."""
        return self.ingest(
            (SourcedRecord(source, n, r) for n, r in enumerate(records, start=1)), strict=strict
        )

    def ingest(
        self,
        items: Source,
        *,
        strict: bool = False,
        prune: PruneMode = "off",
        keep_outcomes: bool = True,
    ) -> IngestReport:
        """Index records; ``prune`` other than ``off`` treats them as an org's full export.

        Pruning is refused (``report.prune_refused`` says why) when any record was
        rejected, since a record the run could not write would look absent.
        """
        started = time.perf_counter()
        read = reader(items, strict=strict)
        with self.db.connection() as conn:
            check_model(conn, self.embedder)
        if strict:
            checked = self._validate_only(read())
            if checked.errors:
                checked.written = False
                checked.seconds = time.perf_counter() - started
                return checked
        report = IngestReport(keep_outcomes=keep_outcomes)
        with ExitStack() as stack:
            seen = None
            if prune != "off":
                seen = stack.enter_context(self.db.connection())
                store.start_seen_records(seen)
            writer = BatchWriter(
                self.db, report, model_id=self.embedder.model_id, embed=self._embed_into
            )
            try:
                orgs = self._run(read(), report, writer, seen)
            except BaseException:
                writer.close(raise_failure=False)
                raise
            writer.close()
            if seen is not None:
                self._prune(seen, report, prune, orgs)
        report.seconds = time.perf_counter() - started
        log.info("ingest: %s", report.summary())
        return report

    # ---- the streaming run

    def _run(
        self,
        items: Iterable[SourcedRecord],
        report: IngestReport,
        writer: BatchWriter,
        seen: Connection[Any] | None,
    ) -> set[str]:
        """Validate and write window by window; returns the orgs the input names."""
        orgs: set[str] = set()
        held: list[Pair] = []
        show = self.progress
        with tqdm(
            unit="doc",
            desc="indexing",
            disable=not show if show is not None else None,
            leave=False,
        ) as bar:
            for window in windows(items, report, size=self.window_records, limits=self.limits):
                orgs |= {r.org for _, r in window}
                if seen is not None:
                    store.add_seen_records(
                        seen,
                        records=[
                            (r.org, r.type, r.id) for _, r in window if not isinstance(r, Tombstone)
                        ],
                    )
                with self.db.connection() as conn:
                    valid = resolved(conn, window, [], report, held)
                self._apply(valid, report, writer, bar)
            if held:
                # Every entity of the input is written by now: a reference still
                # unresolved is one to nothing.
                writer.drain()
                with self.db.connection() as conn:
                    valid = resolved(conn, held, [], report, None)
                self._apply(valid, report, writer, bar)
        return orgs

    def _validate_only(self, items: Iterable[SourcedRecord]) -> IngestReport:
        """The strict mode's first pass: every check, nothing written."""
        report = IngestReport(keep_outcomes=False)
        entities: list[Pair] = []  # referenced kinds only: their count bounds memory
        held: list[Pair] = []
        for window in windows(items, report, size=self.window_records, limits=self.limits):
            with self.db.connection() as conn:
                resolved(conn, window, entities, report, held)
            entities += [(i, r) for i, r in window if isinstance(r, (Team, User, Account))]
        if held:
            with self.db.connection() as conn:
                resolved(conn, held, entities, report, None)
        return report

    def _apply(
        self, valid: Sequence[Pair], report: IngestReport, writer: BatchWriter, bar: tqdm[Any]
    ) -> None:
        """Write a window's entities now, and queue its documents and tombstones."""
        entities = [(s, r) for s, r in valid if not isinstance(r, (Email, Call, Ticket, Tombstone))]
        tombstones = [(s, r) for s, r in valid if isinstance(r, Tombstone)]
        documents = [(s, r) for s, r in valid if isinstance(r, (Email, Call, Ticket))]
        if entities:
            # Entities change access stamps: documents queued before them go in first.
            writer.drain()
            refused = report.not_written
            with self.db.connection() as conn:
                moved_owners = write_entities(conn, entities, report)
                restamp_owners(conn, moved_owners, report)
            if report.not_written > refused:
                # An entity the database refused resolved its window's references when
                # they were checked; check them again against what was written.
                with self.db.connection() as conn:
                    kept = {id(r) for _, r in resolved(conn, documents, [], report, None)}
                documents = [(s, r) for s, r in documents if id(r) in kept]
        for start in range(0, len(documents), self.batch_documents):
            batch = self._embedded_batch(documents[start : start + self.batch_documents], report)
            writer.put(batch)
            bar.update(len(batch.documents))
        if tombstones:

            def delete() -> None:
                with self.db.connection() as conn:
                    apply_tombstones(conn, tombstones, report)

            writer.put_call(delete)

    def _embedded_batch(self, docs: Sequence[Pair], report: IngestReport) -> DocumentBatch:
        """Render, compare with the store, chunk and embed what changed."""
        batch = DocumentBatch()
        for item, rec in docs:
            assert isinstance(rec, (Email, Call, Ticket))
            try:
                batch.documents.append(prepare(item, rec))
            except WRITE_ERRORS as err:
                report.reject_write(
                    source=item.source, line=item.line, rec=rec, message=describe_write_error(err)
                )
        with self.db.connection() as conn:
            for org in {p.rec.org for p in batch.documents}:
                ids = [p.rec.id for p in batch.documents if p.rec.org == org]
                for doc_id, found in store.document_state(conn, org=org, ids=ids).items():
                    batch.state[(org, doc_id)] = found
        texts: list[str] = []
        refused: set[int] = set()
        for p in batch.documents:
            state = batch.state.get((p.rec.org, p.rec.id))
            if state is not None and state[3] != p.rec.type:
                # Same id, another kind: writing it would silently replace that record.
                refused.add(id(p))
                message = kind_mismatch(p.rec.id, stored=state[3], sent=p.rec.type)
                report.reject_write(source=p.issue_source, line=p.line, rec=p.rec, message=message)
                continue
            if state is not None and state[0] == p.content_hash:
                continue
            try:
                spans = self._chunk(p)
            except WRITE_ERRORS as err:
                refused.add(id(p))
                report.reject_write(
                    source=p.issue_source, line=p.line, rec=p.rec, message=describe_write_error(err)
                )
                continue
            batch.spans[id(p)] = spans
            batch.offsets[id(p)] = len(texts)
            texts.extend(self._chunk_texts(p, spans))
        if refused:
            batch.documents = [p for p in batch.documents if id(p) not in refused]
        # Embedded here, outside any transaction, while the writer thread writes the
        # previous batch.
        started = time.perf_counter()
        batch.vectors = self.embedder.embed_documents(texts)
        report.embed_seconds += time.perf_counter() - started
        report.embedded += len(texts)
        return batch

    def _chunk_texts(self, p: PreparedDocument, spans: Sequence[Span]) -> list[str]:
        """What is embedded for each span: the title, then the chunk."""
        title = self._title(p.title)
        return [f"{title}\n{p.content[s.start : s.end]}" for s in spans]

    def _embed_into(self, batch: DocumentBatch, docs: Sequence[PreparedDocument]) -> int:
        """Chunk and embed ``docs`` of ``batch`` now, adding their spans and vectors to
        it (the writer calls this for documents another writer changed since their state
        was read). Returns how many chunks were embedded."""
        texts: list[str] = []
        base = 0 if batch.vectors is None else len(batch.vectors)
        for p in docs:
            spans = self._chunk(p)
            batch.spans[id(p)] = spans
            batch.offsets[id(p)] = base + len(texts)
            texts.extend(self._chunk_texts(p, spans))
        vectors = self.embedder.embed_documents(texts)
        batch.vectors = vectors if batch.vectors is None else np.vstack([batch.vectors, vectors])
        return len(texts)

    # ---- pruning

    def _prune(
        self, conn: Connection[Any], report: IngestReport, mode: PruneMode, orgs: set[str]
    ) -> None:
        if report.errors:
            report.prune_refused = (
                f"{len(report.errors)} record(s) were rejected or not written, and a record "
                "the run could not write would look absent: nothing pruned"
            )
            return
        for org in sorted(orgs):
            if mode == "dry-run":
                report.pruned += [
                    PrunedRecord(org, kind, rid, "would delete")
                    for kind, rid in store.absent_records(conn, org=org)
                ]
                continue
            store.lock_principal_counts(conn, orgs=[org])
            deleted, kept = store.delete_absent_records(conn, org=org)
            report.pruned += [PrunedRecord(org, k, i, "deleted") for k, i in deleted]
            report.pruned += [PrunedRecord(org, k, i, "kept: still referenced") for k, i in kept]

    def _chunk(self, p: PreparedDocument) -> list[Span]:
        return self._spans(p.rec.type, p.title, p.content)

    def _title(self, title: str) -> str:
        """The title as embedded with each chunk: at most a quarter of the chunk budget."""
        return title_for_chunks(
            title, max_tokens=self.max_tokens, count_tokens=self.embedder.count_tokens
        )

    def _spans(self, kind: str, title: str, content: str) -> list[Span]:
        """Chunk spans whose embedded text, ``_title(title) + "\n" + chunk``, fits the model.

        The title rides along with every chunk, so its tokens come out of the budget;
        both counts include the two special tokens, which the joined text has once.
        """
        title = self._title(title)
        room = self.embedder.max_tokens - self.embedder.count_tokens(title + "\n") + 2
        budget = max(16, min(self.max_tokens, room))
        return chunk_document(
            kind,
            content,
            max_tokens=budget,
            overlap_tokens=min(self.overlap_tokens, budget // 4),
            count_tokens=self.embedder.count_tokens,
        )

    # ---- model change

    def reindex(self) -> IngestReport:
        """Re-embed every chunk not embedded by the current model (the only way to switch)."""
        started = time.perf_counter()
        report = IngestReport()
        with self.db.connection() as conn:
            if store.embedding_dimension(conn) != self.embedder.dim:
                # A new dimension invalidates every vector: rebuild chunks from documents.
                store.set_embedding_dimension(conn, dim=self.embedder.dim)
            store.set_index_state(conn, key="model_id", value=self.embedder.model_id)
            stale, total = store.chunk_count_for_model(conn, model_id=self.embedder.model_id)
            stale = total - stale
            missing = store.documents_without_chunks(conn)
        # Documents whose chunks were dropped by a dimension change are chunked afresh.
        if missing:
            self._rechunk(missing, report)
        # Only once all are chunked: until then ingest says a reindex is in progress (a
        # run cut short leaves them without chunks, and the next run picks them up).
        with self.db.connection() as conn:
            store.finish_rechunk(conn)
        with tqdm(
            total=stale,
            unit="chunk",
            desc="re-embedding",
            disable=not self.progress if self.progress is not None else None,
            leave=False,
        ) as bar:
            while True:
                with self.db.connection() as conn:
                    batch = next(
                        iter(
                            store.iter_chunks_for_embedding(
                                conn, not_model_id=self.embedder.model_id, batch=512
                            )
                        ),
                        None,
                    )
                    if not batch:
                        break
                    vectors = self.embedder.embed_documents(
                        [f"{self._title(t)}\n{x}" for _, _, _, t, x in batch]
                    )
                    store.update_chunk_embeddings(
                        conn,
                        rows=[
                            (o, d, n, vec)
                            for (o, d, n, _, _), vec in zip(batch, vectors, strict=False)
                        ],
                        model_id=self.embedder.model_id,
                    )
                report.embedded += len(batch)
                bar.update(len(batch))
        report.seconds = time.perf_counter() - started
        return report

    def _rechunk(self, docs: list[tuple[str, str]], report: IngestReport) -> None:
        for start in range(0, len(docs), self.batch_documents):
            with self.db.connection() as conn:
                for org, doc_id in docs[start : start + self.batch_documents]:
                    kind, title, content = store.document_text(conn, org=org, id=doc_id)
                    spans = self._spans(kind, title, content)
                    vectors = self.embedder.embed_documents(
                        [f"{self._title(title)}\n{content[s.start : s.end]}" for s in spans]
                    )
                    rows = [
                        ChunkRow(
                            i,
                            s.start,
                            s.end,
                            content[s.start : s.end],
                            vectors[i],
                            self.embedder.model_id,
                        )
                        for i, s in enumerate(spans)
                    ]
                    store.replace_chunks(
                        conn, org=org, document_id=doc_id, title=title, chunks=rows
                    )
                    report.chunks += len(rows)
                    report.embedded += len(rows)
