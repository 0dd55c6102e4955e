"""The indexing pipeline: read, validate, chunk, embed and write CRM records.

Failure policy (documented in the README): every record is validated — format, dates,
references to users and accounts — before anything is written. By default the valid
records go in and each invalid one is reported with its file and line; with
``strict=True`` one invalid record means nothing is written. A record is never written
in part: a document and all its chunks land in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from psycopg import Connection
from tqdm import tqdm

from copilot import mail
from copilot.db import Database
from copilot.errors import IngestError
from copilot.records import (
    Account,
    Call,
    Contact,
    Deal,
    DocumentRecord,
    Email,
    Record,
    RecordError,
    Team,
    Ticket,
    Tombstone,
    User,
    parse_record,
)
from embeddings import Embedder
from retrieval import store
from retrieval.chunking import Span, chunk_document, render_call_transcript, render_ticket
from retrieval.errors import SchemaMismatchError
from retrieval.models import ChunkRow, DocumentAccess, DocumentRow
from textkit.kinds import DOCUMENT_KINDS

__all__ = ["IngestReport", "Indexer", "RecordIssue", "SourcedRecord", "read_inputs", "read_jsonl"]

log = logging.getLogger(__name__)

_ENTITY_TABLE = {
    Team: "teams",
    User: "users",
    Account: "accounts",
    Contact: "contacts",
    Deal: "deals",
}
_TABLE_OF_TYPE = {
    "team": "teams",
    "user": "users",
    "account": "accounts",
    "contact": "contacts",
    "deal": "deals",
}


@dataclass(frozen=True)
class RecordIssue:
    """Why one input record was rejected."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


@dataclass(frozen=True)
class SourcedRecord:
    """A decoded record (or the error decoding it) and where it came from."""

    source: str
    line: int
    raw: dict[str, Any] | None
    error: str | None = None


@dataclass
class IngestReport:
    records: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    restamped: int = 0
    chunks: int = 0
    embedded: int = 0
    skipped: int = 0
    seconds: float = 0.0
    written: bool = True
    errors: list[RecordIssue] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.records} records ({self.inserted} new, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.deleted} deleted, {len(self.errors)} rejected), "
            f"{self.chunks} chunks written, {self.embedded} embedded, {self.skipped} documents "
            f"skipped unchanged, {self.restamped} re-stamped, {self.seconds:.1f}s"
        )


# --------------------------------------------------------------------------- reading


def read_jsonl(lines: Iterable[bytes], *, source: str) -> Iterator[SourcedRecord]:
    """Decode JSON Lines; a bad line becomes a :class:`SourcedRecord` carrying its error."""
    for n, raw_line in enumerate(lines, start=1):
        if not raw_line.strip():
            continue
        try:
            text = raw_line.decode("utf-8")
        except UnicodeDecodeError as err:
            yield SourcedRecord(source, n, None, f"not valid UTF-8 at byte {err.start}")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as err:
            yield SourcedRecord(source, n, None, f"bad JSON: {err.msg} at column {err.colno}")
            continue
        if not isinstance(value, dict):
            yield SourcedRecord(source, n, None, "expected a JSON object")
            continue
        yield SourcedRecord(source, n, value)


def _read_jsonl(path: Path) -> Iterator[SourcedRecord]:
    with path.open("rb") as fh:
        yield from read_jsonl(fh, source=str(path))


def read_inputs(
    paths: Sequence[Path], *, mail_context: Callable[[], mail.MailContext] | None = None
) -> Iterator[SourcedRecord]:
    """Decode JSON Lines, ``.eml`` and mbox inputs; directories are walked.

    ``mail_context`` supplies org and owner for mail files, which carry neither.
    """
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file()))
        elif p.exists():
            files.append(p)
        else:
            raise IngestError(f"input path {str(p)!r} does not exist")
    for f in files:
        suffix = f.suffix.lower()
        if suffix in (".jsonl", ".ndjson"):
            yield from _read_jsonl(f)
        elif suffix in (".eml", ".mbox") or f.name == "mbox":
            if mail_context is None:
                raise IngestError(f"{f}: mail files need --org and --owner to be attached to")
            ctx = mail_context()
            try:
                if suffix == ".eml":
                    yield SourcedRecord(str(f), 1, mail.read_eml(f, ctx))
                else:
                    for n, rec in mail.read_mbox(f, ctx):
                        if isinstance(rec, mail.MailError):
                            yield SourcedRecord(str(f), n, None, str(rec))
                        else:
                            yield SourcedRecord(str(f), n, rec)
            except mail.MailError as err:
                yield SourcedRecord(str(f), 1, None, str(err))
        else:
            log.warning("skipping %s: not .jsonl, .ndjson, .eml or .mbox", f)


# --------------------------------------------------------------------------- documents


def _render(rec: DocumentRecord) -> tuple[str, str, dict[str, Any]]:
    """``(title, content, fields)``: the canonical text chunk offsets index."""
    fields: dict[str, Any]
    if isinstance(rec, Email):
        to = list(rec.to) if isinstance(rec.to, tuple) else [rec.to]
        fields = {"subject": rec.subject, "from": rec.from_, "to": to, "direction": rec.direction}
        return rec.subject or "(no subject)", rec.body, fields
    if isinstance(rec, Call):
        fields = {"participants": list(rec.participants)}
        return rec.title, render_call_transcript(rec.transcript), fields
    fields = {
        "subject": rec.subject,
        "status": rec.status,
        "priority": rec.priority,
        "comments": [{"author_id": c.author_id, "at": c.at.isoformat()} for c in rec.comments],
    }
    content = render_ticket(rec.body, [(c.author_id, c.at, c.body) for c in rec.comments])
    return rec.subject, content, fields


def _content_hash(kind: str, title: str, content: str) -> str:
    # Only what is embedded goes in: a change of owner or sharing must not re-embed.
    h = hashlib.sha256()
    for part in (kind, title, content):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class _PreparedDoc:
    issue_source: str
    line: int
    rec: DocumentRecord
    title: str
    content: str
    fields: dict[str, Any]
    content_hash: str


# --------------------------------------------------------------------------- indexer


class Indexer:
    """Writes canonical records into the store.

    Args:
        db: The database.
        embedder: The model every chunk is embedded with.
        max_tokens: Chunk size bound in the embedder's word pieces.
        overlap_tokens: Overlap between consecutive chunks.
        batch_documents: Documents embedded and committed together.
        progress: Show a progress bar (on by default when attached to a terminal).
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

        def mail_context() -> mail.MailContext:
            if not mail_org or not mail_owner:
                raise IngestError("mail files need --org and --owner")
            with self.db.connection() as conn:
                owner = store.get_user(conn, org=mail_org, user_id=mail_owner)
                if owner is None:
                    raise IngestError(f"--owner {mail_owner!r} is not a user of org {mail_org!r}")
                contacts = store.contacts_by_email(conn, org=mail_org)
            return mail.MailContext(
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
                report.errors.append(
                    RecordIssue(item.source, item.line, item.error or "unreadable")
                )
                continue
            try:
                parsed.append((item, parse_record(item.raw)))
            except RecordError as err:
                report.errors.append(RecordIssue(item.source, item.line, str(err)))

        with self.db.connection() as conn:
            self._check_model(conn)
            valid = self._check_references(conn, parsed, report)
        if strict and report.errors:
            report.written = False
            report.seconds = time.perf_counter() - started
            return report

        entities = [(s, r) for s, r in valid if not isinstance(r, (Email, Call, Ticket, Tombstone))]
        tombstones = [(s, r) for s, r in valid if isinstance(r, Tombstone)]
        documents = [(s, r) for s, r in valid if isinstance(r, (Email, Call, Ticket))]
        orgs = {r.org for _, r in valid}
        with self.db.connection() as conn:
            moved_owners = self._write_entities(conn, entities, report)
            self._restamp_owners(conn, moved_owners, report)
        self._write_documents(documents, report)
        with self.db.connection() as conn:
            self._apply_tombstones(conn, tombstones, report)
            for org in orgs:
                store.refresh_principal_counts(conn, org=org)
        report.seconds = time.perf_counter() - started
        log.info("ingest: %s", report.summary())
        return report

    # ---- validation

    def _check_model(self, conn: Connection[Any]) -> None:
        state = store.get_index_state(conn)
        indexed = state.get("model_id")
        if indexed and indexed != self.embedder.model_id:
            raise SchemaMismatchError(
                f"the index was built with model {indexed!r}, not {self.embedder.model_id!r}; "
                "run `copilot reindex` to re-embed it with the new model"
            )
        if store.embedding_dimension(conn) != self.embedder.dim:
            raise SchemaMismatchError(
                f"the index holds {store.embedding_dimension(conn)}-d vectors but model "
                f"{self.embedder.model_id!r} makes {self.embedder.dim}-d ones; "
                "run `copilot reindex`"
            )
        if not indexed:
            store.set_index_state(conn, key="model_id", value=self.embedder.model_id)

    def _check_references(
        self,
        conn: Connection[Any],
        parsed: list[tuple[SourcedRecord, Record]],
        report: IngestReport,
    ) -> list[tuple[SourcedRecord, Record]]:
        """Drop (and report) records naming users, teams or accounts that exist nowhere."""
        batch: dict[tuple[str, str], set[str]] = {}
        for _, rec in parsed:
            if not isinstance(rec, Tombstone):
                batch.setdefault((rec.org, rec.type), set()).add(rec.id)

        def known(org: str, kind: str, ids: set[str]) -> set[str]:
            table = _TABLE_OF_TYPE[kind]
            found = batch.get((org, kind), set()) & ids
            missing = ids - found
            if missing:
                found |= store.existing_ids(conn, table=table, org=org, ids=missing)
            return found

        refs: list[tuple[SourcedRecord, Record, list[tuple[str, str, str]]]] = []
        wanted: dict[tuple[str, str], set[str]] = {}
        for item, rec in parsed:
            needs = _references(rec)
            refs.append((item, rec, needs))
            for _fld, kind, ref in needs:
                wanted.setdefault((rec.org, kind), set()).add(ref)
        resolved = {key: known(key[0], key[1], ids) for key, ids in wanted.items()}

        valid = []
        for item, rec, needs in refs:
            bad = [
                f"{fld}: unknown {kind} {ref!r} in org {rec.org!r}"
                for fld, kind, ref in needs
                if ref not in resolved[(rec.org, kind)]
            ]
            if bad:
                report.errors.append(RecordIssue(item.source, item.line, "; ".join(bad)))
            else:
                valid.append((item, rec))
        return valid

    # ---- writing

    def _write_entities(
        self,
        conn: Connection[Any],
        entities: Sequence[tuple[SourcedRecord, Record]],
        report: IngestReport,
    ) -> set[tuple[str, str]]:
        """Upsert entities; returns ``(org, user_id)`` of users whose team changed."""
        users = [r for _, r in entities if isinstance(r, User)]
        before = {}
        for org in {u.org for u in users}:
            before.update(
                {
                    (org, uid): row.team_id
                    for uid, row in store.users_by_id(
                        conn, org=org, ids=[u.id for u in users if u.org == org]
                    ).items()
                }
            )
        for item, rec in entities:
            assert isinstance(rec, (Team, User, Account, Contact, Deal))
            table = _ENTITY_TABLE[type(rec)]
            values = {c: getattr(rec, c) for c in store.ENTITY_COLUMNS[table]}
            outcome = store.upsert_entity(
                conn,
                table=table,
                org=rec.org,
                id=rec.id,
                values=values,
                attributes=rec.attributes,
            )
            self._count(report, item, rec, outcome)
        return {
            (u.org, u.id)
            for u in users
            if (u.org, u.id) in before and before[(u.org, u.id)] != u.team_id
        }

    def _restamp_owners(
        self, conn: Connection[Any], owners: set[tuple[str, str]], report: IngestReport
    ) -> None:
        """Recompute stored access lists of the owners' documents; nothing is re-embedded."""
        for org in {o for o, _ in owners}:
            ids = [u for o, u in owners if o == org]
            team_of = {
                uid: row.team_id for uid, row in store.users_by_id(conn, org=org, ids=ids).items()
            }
            for doc_id, owner_id, visibility, shared_with, access in store.documents_owned_by(
                conn, org=org, owner_ids=ids
            ):
                acl = DocumentAccess(
                    owner_id, team_of.get(owner_id), visibility, shared_with
                ).to_acl()
                if tuple(access) != acl:
                    store.set_document_access(conn, org=org, id=doc_id, access=acl)
                    report.restamped += 1

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
            title, content, fields = _render(rec)
            prepared.append(
                _PreparedDoc(
                    item.source,
                    item.line,
                    rec,
                    title,
                    content,
                    fields,
                    _content_hash(rec.type, title, content),
                )
            )
        by_org: dict[str, list[_PreparedDoc]] = {}
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
        texts = [
            f"{p.title}\n{p.content[s.start : s.end]}" for p in to_embed for s in chunked[id(p)]
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
                store.upsert_document(conn, doc=self._row(p, access))
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
                self._count(report, SourcedRecord(p.issue_source, p.line, None), rec, outcome)

    def _chunk(self, p: _PreparedDoc) -> list[Span]:
        return self._spans(p.rec.type, p.title, p.content)

    def _spans(self, kind: str, title: str, content: str) -> list[Span]:
        """Chunk spans whose embedded text, ``title + "\n" + chunk``, fits the model.

        The title rides along with every chunk, so its tokens come out of the budget;
        both counts include the two special tokens, which the joined text has once.
        """
        room = self.embedder.max_tokens - self.embedder.count_tokens(title + "\n") + 2
        budget = max(16, min(self.max_tokens, room))
        return chunk_document(
            kind,
            content,
            max_tokens=budget,
            overlap_tokens=min(self.overlap_tokens, budget // 4),
            count_tokens=self.embedder.count_tokens,
        )

    @staticmethod
    def _row(p: _PreparedDoc, access: tuple[str, ...]) -> DocumentRow:
        rec = p.rec
        return DocumentRow(
            org=rec.org,
            id=rec.id,
            kind=rec.type,
            account_id=rec.account_id,
            contact_id=getattr(rec, "contact_id", None),
            deal_id=getattr(rec, "deal_id", None),
            owner_id=rec.owner_id,
            visibility=rec.visibility,
            shared_with=tuple(rec.shared_with),
            occurred_at=rec.occurred_at,
            title=p.title,
            content=p.content,
            fields=p.fields,
            attributes=rec.attributes,
            content_hash=p.content_hash,
            access=access,
        )

    def _apply_tombstones(
        self,
        conn: Connection[Any],
        tombstones: Sequence[tuple[SourcedRecord, Record]],
        report: IngestReport,
    ) -> None:
        for item, rec in tombstones:
            assert isinstance(rec, Tombstone)
            if rec.type in DOCUMENT_KINDS:
                gone = store.delete_document(conn, org=rec.org, id=rec.id)
            else:
                gone = store.delete_entity(
                    conn, table=_TABLE_OF_TYPE[rec.type], org=rec.org, id=rec.id
                )
            self._count(report, item, rec, "deleted" if gone else "absent")

    @staticmethod
    def _count(report: IngestReport, item: SourcedRecord, rec: Record, outcome: str) -> None:
        if outcome in ("inserted", "updated", "unchanged", "deleted"):
            setattr(report, outcome, getattr(report, outcome) + 1)
        report.outcomes.append(
            {"line": item.line, "type": rec.type, "id": rec.id, "org": rec.org, "status": outcome}
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
                        [f"{t}\n{x}" for _, _, _, t, x in batch]
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
                        [f"{title}\n{content[s.start : s.end]}" for s in spans]
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


def _references(rec: Record) -> list[tuple[str, str, str]]:
    """``(field, record type, id)`` references a record makes that must resolve."""
    if isinstance(rec, Tombstone):
        return []
    out: list[tuple[str, str, str]] = []

    def need(fld: str, kind: str) -> None:
        value = getattr(rec, fld, None)
        if value:
            out.append((fld, kind, value))

    if isinstance(rec, User):
        need("team_id", "team")
        need("manager_id", "user")
    elif isinstance(rec, Account):
        need("owner_id", "user")
    elif isinstance(rec, Contact):
        need("account_id", "account")
    elif isinstance(rec, (Deal, Email, Call, Ticket)):
        need("owner_id", "user")
        need("account_id", "account")
    return out
