"""The indexing pipeline: read, validate, chunk, embed and write CRM records.

Failure policy (documented in the README): every record is validated — format, dates,
references to users and accounts — before anything is written. By default the valid
records go in and each invalid one is reported with its file and line; with
``strict=True`` one invalid record means nothing is written. A record is never written
in part: a document and all its chunks land in the same transaction.

:class:`Indexer` runs the pipeline and owns the slow part, batching and embedding;
its siblings read inputs (``readers``), check records (``validation``), render
documents (``documents``), write entities and tombstones (``entities``) and count
outcomes (``report``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from copilot.db import Database
from copilot.errors import IngestError
from copilot.ingest.documents import PreparedDocument, document_row, prepare
from copilot.ingest.entities import apply_tombstones, restamp_owners, write_entities
from copilot.ingest.mail import MailContext
from copilot.ingest.readers import SourcedRecord, read_inputs
from copilot.ingest.records import (
    Call,
    Email,
    Record,
    RecordError,
    RecordLimits,
    Ticket,
    Tombstone,
    parse_record,
)
from copilot.ingest.report import IngestReport, RecordIssue
from copilot.ingest.validation import check_model, check_references
from embeddings import Embedder
from retrieval import store
from retrieval.chunking import Span, chunk_document, title_for_chunks
from retrieval.models import ChunkRow, DocumentAccess

__all__ = ["Indexer"]

log = logging.getLogger(__name__)


class Indexer:
    """Writes canonical records into the store.

    Args:
        db: The database.
        embedder: The model every chunk is embedded with.
        max_tokens: Chunk size bound in the embedder's word pieces.
        overlap_tokens: Overlap between consecutive chunks.
        batch_documents: Documents embedded and committed together.
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
        batch_documents: int = 128,
        progress: bool | None = None,
        limits: RecordLimits = RecordLimits(),  # noqa: B008
    ) -> None:
        if max_tokens > embedder.max_tokens:
            raise ValueError(
                f"max_tokens {max_tokens} exceeds the model's limit of {embedder.max_tokens}"
            )
        if not 0 <= overlap_tokens < max_tokens:
            raise ValueError(f"overlap_tokens must be in [0, {max_tokens}), got {overlap_tokens}")
        self.db = db
        self.embedder = embedder
        self.max_tokens = max_tokens
        self.overlap_tokens = overlap_tokens
        self.batch_documents = batch_documents
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
    ) -> IngestReport:
        """Index files and directories of JSON Lines, ``.eml`` and mbox."""

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

        return self.ingest(read_inputs(paths, mail_context=mail_context), strict=strict)

    def ingest_dicts(
        self, records: Iterable[dict[str, Any]], *, source: str = "<input>", strict: bool = False
    ) -> IngestReport:
        """Index already-decoded records (line numbers count from 1)."""
        return self.ingest(
            (SourcedRecord(source, n, r) for n, r in enumerate(records, start=1)), strict=strict
        )

    def ingest(self, items: Iterable[SourcedRecord], *, strict: bool = False) -> IngestReport:
        started = time.perf_counter()
        report = IngestReport()
        parsed: list[tuple[SourcedRecord, Record]] = []
        for item in items:
            report.records += 1
            if item.raw is None:
                report.errors.append(RecordIssue.of(item, item.error or "unreadable"))
                continue
            try:
                parsed.append((item, parse_record(item.raw, limits=self.limits)))
            except RecordError as err:
                report.errors.append(RecordIssue.of(item, str(err)))

        with self.db.connection() as conn:
            check_model(conn, self.embedder)
            valid = check_references(conn, parsed, report)
        if strict and report.errors:
            report.written = False
            report.seconds = time.perf_counter() - started
            return report

        entities = [(s, r) for s, r in valid if not isinstance(r, (Email, Call, Ticket, Tombstone))]
        tombstones = [(s, r) for s, r in valid if isinstance(r, Tombstone)]
        documents = [(s, r) for s, r in valid if isinstance(r, (Email, Call, Ticket))]
        orgs = {r.org for _, r in valid}
        with self.db.connection() as conn:
            moved_owners = write_entities(conn, entities, report)
            restamp_owners(conn, moved_owners, report)
        self._write_documents(documents, report)
        with self.db.connection() as conn:
            apply_tombstones(conn, tombstones, report)
            for org in orgs:
                store.refresh_principal_counts(conn, org=org)
        report.seconds = time.perf_counter() - started
        log.info("ingest: %s", report.summary())
        return report

    # ---- documents

    def _write_documents(
        self, documents: Sequence[tuple[SourcedRecord, Record]], report: IngestReport
    ) -> None:
        show = self.progress
        with tqdm(
            total=len(documents),
            unit="doc",
            desc="indexing",
            disable=not show if show is not None else None,
            leave=False,
        ) as bar:
            for start in range(0, len(documents), self.batch_documents):
                batch = documents[start : start + self.batch_documents]
                self._write_document_batch(batch, report)
                bar.update(len(batch))

    def _write_document_batch(
        self, batch: Sequence[tuple[SourcedRecord, Record]], report: IngestReport
    ) -> None:
        prepared = []
        for item, rec in batch:
            assert isinstance(rec, (Email, Call, Ticket))
            prepared.append(prepare(item, rec))
        by_org: dict[str, list[PreparedDocument]] = {}
        for p in prepared:
            by_org.setdefault(p.rec.org, []).append(p)
        with self.db.connection() as conn:
            state: dict[tuple[str, str], tuple[str, tuple[str, ...], str | None]] = {}
            owners: dict[tuple[str, str], str | None] = {}
            for org, docs in by_org.items():
                state.update(
                    {
                        (org, k): v
                        for k, v in store.document_state(
                            conn, org=org, ids=[d.rec.id for d in docs]
                        ).items()
                    }
                )
                owners.update(
                    {
                        (org, uid): row.team_id
                        for uid, row in store.users_by_id(
                            conn, org=org, ids=[d.rec.owner_id for d in docs]
                        ).items()
                    }
                )
        # Embed outside the transaction: it is the slow part and holds no locks.
        to_embed = [
            p for p in prepared if state.get((p.rec.org, p.rec.id), ("",))[0] != p.content_hash
        ]
        chunked = {id(p): self._chunk(p) for p in to_embed}
        titles = {id(p): self._title(p.title) for p in to_embed}
        texts = [
            f"{titles[id(p)]}\n{p.content[s.start : s.end]}"
            for p in to_embed
            for s in chunked[id(p)]
        ]
        vectors = self.embedder.embed_documents(texts)
        report.embedded += len(texts)
        v = 0
        with self.db.connection() as conn:
            for p in prepared:
                rec = p.rec
                existing = state.get((rec.org, rec.id))
                access = DocumentAccess(
                    rec.owner_id,
                    owners.get((rec.org, rec.owner_id)),
                    rec.visibility,
                    rec.shared_with,
                ).to_acl()
                store.upsert_document(conn, doc=document_row(p, access))
                if id(p) in chunked:
                    spans = chunked[id(p)]
                    rows = [
                        ChunkRow(
                            i,
                            s.start,
                            s.end,
                            p.content[s.start : s.end],
                            vectors[v + i],
                            self.embedder.model_id,
                        )
                        for i, s in enumerate(spans)
                    ]
                    v += len(spans)
                    store.replace_chunks(
                        conn, org=rec.org, document_id=rec.id, title=p.title, chunks=rows
                    )
                    report.chunks += len(rows)
                    outcome = "inserted" if existing is None else "updated"
                else:
                    report.skipped += 1
                    assert existing is not None
                    outcome = "unchanged" if existing[1] == access else "restamped"
                    if outcome == "restamped":
                        report.restamped += 1
                        outcome = "updated"
                report.add_outcome(line=p.line, rec=rec, outcome=outcome)

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
        with self.db.connection() as conn:
            for org in {o for o, _ in docs}:
                store.refresh_principal_counts(conn, org=org)
