"""A document record as the store holds it: canonical text, fields, hash and row.

The canonical text is what chunk offsets index and what citations point into, so it
is rendered once here, the same way for the indexer and for anyone re-deriving it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from copilot.ingest.readers import SourcedRecord
from copilot.ingest.records import Call, DocumentRecord, Email
from retrieval.models import DocumentRow
from textkit.documents import render_call_transcript, render_ticket

__all__ = ["PreparedDocument", "content_hash", "document_row", "prepare", "render_document"]


def render_document(rec: DocumentRecord) -> tuple[str, str, dict[str, Any]]:
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


def content_hash(kind: str, title: str, content: str) -> str:
    """What decides whether a document is re-embedded."""
    # Only what is embedded goes in: a change of owner or sharing must not re-embed.
    h = hashlib.sha256()
    for part in (kind, title, content):
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


@dataclass(frozen=True)
class PreparedDocument:
    """A document record rendered and hashed, with the input line it came from."""

    issue_source: str
    line: int
    rec: DocumentRecord
    title: str
    content: str
    fields: dict[str, Any]
    content_hash: str


def prepare(item: SourcedRecord, rec: DocumentRecord) -> PreparedDocument:
    """Render and hash one document record."""
    title, content, fields = render_document(rec)
    return PreparedDocument(
        item.source,
        item.line,
        rec,
        title,
        content,
        fields,
        content_hash(rec.type, title, content),
    )


def document_row(p: PreparedDocument, access: tuple[str, ...]) -> DocumentRow:
    """The store row of a prepared document, stamped with its access list."""
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
