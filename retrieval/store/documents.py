"""Documents: writes, access re-stamps and reads for a caller allowed to see them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from psycopg import Connection

from retrieval.acl import require_principals
from retrieval.errors import RetrievalError
from retrieval.models import DocumentRow, StoredDocument

__all__ = [
    "DocumentVoices",
    "account_documents",
    "delete_document",
    "document_state",
    "document_text",
    "document_voices",
    "documents_owned_by",
    "documents_without_chunks",
    "get_document",
    "has_visible_document",
    "set_document_access",
    "upsert_document",
    "upsert_documents",
]


def document_state(
    conn: Connection[Any], *, org: str, ids: Sequence[str], lock: bool = False
) -> dict[str, tuple[str, tuple[str, ...], str | None, str]]:
    """``{id: (content_hash, access, model_id of its chunks, kind)}`` for existing
    documents; with ``lock``, their rows are locked until the transaction ends (no other
    writer changes or deletes them meanwhile)."""
    rows = conn.execute(
        "SELECT d.id, d.content_hash, d.access,"
        " (SELECT min(c.model_id) FROM chunks c WHERE c.org = d.org AND c.document_id = d.id),"
        " d.kind FROM documents d WHERE d.org = %s AND d.id = ANY(%s)"
        + (" ORDER BY d.id FOR UPDATE OF d" if lock else ""),
        (org, list(ids)),
    ).fetchall()
    return {r[0]: (r[1], tuple(r[2]), r[3], r[4]) for r in rows}


_UPSERT_DOCUMENT = """
    INSERT INTO documents (org, id, kind, account_id, contact_id, deal_id, owner_id, visibility,
        shared_with, occurred_at, title, content, fields, attributes, content_hash, access)
    VALUES (%(org)s, %(id)s, %(kind)s, %(account_id)s, %(contact_id)s, %(deal_id)s,
        %(owner_id)s, %(visibility)s, %(shared_with)s, %(occurred_at)s, %(title)s,
        %(content)s, %(fields)s, %(attributes)s, %(content_hash)s, %(access)s)
    ON CONFLICT (org, id) DO UPDATE SET kind = EXCLUDED.kind, account_id = EXCLUDED.account_id,
        contact_id = EXCLUDED.contact_id, deal_id = EXCLUDED.deal_id,
        owner_id = EXCLUDED.owner_id, visibility = EXCLUDED.visibility,
        shared_with = EXCLUDED.shared_with, occurred_at = EXCLUDED.occurred_at,
        title = EXCLUDED.title, content = EXCLUDED.content, fields = EXCLUDED.fields,
        attributes = EXCLUDED.attributes, content_hash = EXCLUDED.content_hash,
        access = EXCLUDED.access, updated_at = now()
    WHERE (documents.kind, documents.account_id, documents.contact_id, documents.deal_id,
        documents.owner_id, documents.visibility, documents.shared_with,
        documents.occurred_at, documents.title, documents.content, documents.fields,
        documents.attributes, documents.content_hash, documents.access)
        IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.account_id, EXCLUDED.contact_id,
        EXCLUDED.deal_id, EXCLUDED.owner_id, EXCLUDED.visibility, EXCLUDED.shared_with,
        EXCLUDED.occurred_at, EXCLUDED.title, EXCLUDED.content, EXCLUDED.fields,
        EXCLUDED.attributes, EXCLUDED.content_hash, EXCLUDED.access)
    RETURNING org, id
"""


def _document_params(doc: DocumentRow) -> dict[str, Any]:
    from psycopg.types.json import Jsonb

    return {
        "org": doc.org,
        "id": doc.id,
        "kind": doc.kind,
        "account_id": doc.account_id,
        "contact_id": doc.contact_id,
        "deal_id": doc.deal_id,
        "owner_id": doc.owner_id,
        "visibility": doc.visibility,
        "shared_with": list(doc.shared_with),
        "occurred_at": doc.occurred_at,
        "title": doc.title,
        "content": doc.content,
        "fields": Jsonb(doc.fields),
        "attributes": Jsonb(doc.attributes),
        "content_hash": doc.content_hash,
        "access": list(doc.access),
    }


def upsert_document(conn: Connection[Any], *, doc: DocumentRow) -> bool:
    """Write a document row and copy its access list and metadata onto its chunks;
    whether anything changed (:func:`upsert_documents`)."""
    return bool(upsert_documents(conn, docs=[doc]))


def upsert_documents(conn: Connection[Any], *, docs: Sequence[DocumentRow]) -> set[tuple[str, str]]:
    """Write document rows and copy their access lists and metadata onto their chunks.

    One pipelined ``executemany`` for the rows and one ``UPDATE`` for the chunks of the
    whole batch: per-document statements made the writes a third of an indexing run.
    A row identical to the stored one is left alone (its ``updated_at`` too).

    Returns:
        ``(org, id)`` of the documents inserted or changed in any column, so a change of
        metadata alone (a corrected ``occurred_at``) is reported as an update.
    """
    if not docs:
        return set()
    written: set[tuple[str, str]] = set()
    with conn.cursor() as cur:
        cur.executemany(_UPSERT_DOCUMENT, [_document_params(d) for d in docs], returning=True)
        while True:
            written.update((r[0], r[1]) for r in cur.fetchall())
            if not cur.nextset():
                break
    conn.execute(
        "UPDATE chunks c SET access = d.access, kind = d.kind, account_id = d.account_id,"
        " occurred_at = d.occurred_at"
        " FROM documents d, unnest(%(orgs)s::text[], %(ids)s::text[]) AS b(org, id)"
        " WHERE d.org = b.org AND d.id = b.id AND c.org = d.org AND c.document_id = d.id"
        " AND (c.access, c.kind, c.account_id, c.occurred_at) IS DISTINCT FROM"
        " (d.access, d.kind, d.account_id, d.occurred_at)",
        {"orgs": [d.org for d in docs], "ids": [d.id for d in docs]},
    )
    return written


def documents_without_chunks(conn: Connection[Any]) -> list[tuple[str, str]]:
    """``(org, id)`` of documents that have no chunks (after a dimension change)."""
    rows = conn.execute(
        "SELECT d.org, d.id FROM documents d WHERE NOT EXISTS"
        " (SELECT 1 FROM chunks c WHERE c.org = d.org AND c.document_id = d.id)"
        " ORDER BY d.org, d.id"
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def document_text(conn: Connection[Any], *, org: str, id: str) -> tuple[str, str, str]:
    """``(kind, title, content)`` of a document, for re-chunking by the indexer."""
    row = conn.execute(
        "SELECT kind, title, content FROM documents WHERE org = %s AND id = %s", (org, id)
    ).fetchone()
    if row is None:
        raise RetrievalError(f"document {id!r} of org {org!r} does not exist")
    return row[0], row[1], row[2]


def delete_document(conn: Connection[Any], *, org: str, id: str) -> bool:
    cur = conn.execute("DELETE FROM documents WHERE org = %s AND id = %s", (org, id))
    return cur.rowcount > 0


def documents_owned_by(
    conn: Connection[Any], *, org: str, owner_ids: Iterable[str]
) -> list[tuple[str, str, str, tuple[str, ...], tuple[str, ...]]]:
    """``(id, owner_id, visibility, shared_with, access)`` of the owners' documents."""
    rows = conn.execute(
        "SELECT id, owner_id, visibility, shared_with, access FROM documents"
        " WHERE org = %s AND owner_id = ANY(%s)",
        (org, list(set(owner_ids))),
    ).fetchall()
    return [(r[0], r[1], r[2], tuple(r[3]), tuple(r[4])) for r in rows]


def set_document_access(conn: Connection[Any], *, org: str, id: str, access: Sequence[str]) -> None:
    """Re-stamp a document and its chunks in place; embeddings are untouched."""
    conn.execute(
        "UPDATE documents SET access = %s, updated_at = now() WHERE org = %s AND id = %s",
        (list(access), org, id),
    )
    conn.execute(
        "UPDATE chunks SET access = %s WHERE org = %s AND document_id = %s",
        (list(access), org, id),
    )


# Reads every column of StoredDocument, in its field order.
_SELECT_DOCUMENTS = (
    "SELECT id, kind, title, content, account_id, contact_id, deal_id, owner_id, visibility,"
    " occurred_at, fields, attributes, content_hash FROM documents"
)


def get_document(
    conn: Connection[Any], *, org: str, acl: frozenset[str], id: str
) -> StoredDocument | None:
    """The document if the caller may see it; ``None`` if missing *or* not visible."""
    row = conn.execute(
        _SELECT_DOCUMENTS + " WHERE org = %s AND id = %s AND access && %s",
        (org, id, require_principals(acl)),
    ).fetchone()
    return StoredDocument(*row) if row else None


def account_documents(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    account_id: str,
    deal_id: str | None = None,
    limit: int = 500,
) -> list[StoredDocument]:
    """The caller's visible documents of an account (or of one deal and the account's
    documents attached to no deal), newest first."""
    rows = conn.execute(
        _SELECT_DOCUMENTS
        + " WHERE org = %(org)s AND access && %(acl)s AND account_id = %(account)s"
        # A deal's view: its own documents and the account's unattached ones (tickets
        # carry no deal); other deals' documents stay out.
        " AND (%(deal)s::text IS NULL OR deal_id = %(deal)s OR deal_id IS NULL)"
        " ORDER BY occurred_at DESC, id LIMIT %(limit)s",
        {
            "org": org,
            "acl": require_principals(acl),
            "account": account_id,
            "deal": deal_id,
            "limit": limit,
        },
    ).fetchall()
    return [StoredDocument(*r) for r in rows]


def has_visible_document(
    conn: Connection[Any], *, org: str, acl: frozenset[str], account_id: str
) -> bool:
    """Whether the caller may see at least one document of the account."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM documents"
        " WHERE org = %s AND access && %s AND account_id = %s)",
        (org, require_principals(acl), account_id),
    ).fetchone()
    return bool(row and row[0])


class DocumentVoices(NamedTuple):
    """Who a document is with: its direction (mail), its owner's name, a call's
    participants and the name of the contact it is filed under."""

    direction: str | None
    owner: str | None
    participants: tuple[str, ...]
    contact: str | None


def document_voices(
    conn: Connection[Any], *, org: str, acl: frozenset[str], ids: Sequence[str]
) -> dict[str, DocumentVoices]:
    """Who speaks in each document of ``ids`` the caller may see, and who it is with
    (:class:`DocumentVoices`), for :func:`textkit.documents.spoken_sides` and for the
    people a record is about though its text may not name them. Documents the caller
    may not see are left out, as missing ones are."""
    if not ids:
        return {}
    rows = conn.execute(
        "SELECT d.id, d.fields->>'direction', u.name,"
        " CASE WHEN jsonb_typeof(d.fields->'participants') = 'array'"
        "  THEN ARRAY(SELECT jsonb_array_elements_text(d.fields->'participants'))"
        "  ELSE ARRAY[]::text[] END,"
        " c.name"
        " FROM documents d LEFT JOIN users u ON u.org = d.org AND u.id = d.owner_id"
        " LEFT JOIN contacts c ON c.org = d.org AND c.id = d.contact_id"
        " WHERE d.org = %s AND d.id = ANY(%s) AND d.access && %s",
        (org, list(ids), require_principals(acl)),
    ).fetchall()
    return {r[0]: DocumentVoices(r[1], r[2], tuple(r[3] or ()), r[4]) for r in rows}
