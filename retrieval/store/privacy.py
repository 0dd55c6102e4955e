"""Erasure and retention: finding and removing the records of a person or of a period.

Removing a document removes its chunks and cached summaries with it (foreign keys with
``ON DELETE CASCADE``). The caller refreshes the org's principal counts in the same
transaction, and owns it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from psycopg import Connection

__all__ = [
    "PersonContact",
    "delete_contacts",
    "delete_documents",
    "documents_naming",
    "documents_older_than",
    "find_contacts",
]


PersonContact = tuple[str, str, str]
"""``(id, name, email)`` of a contact row."""


def find_contacts(
    conn: Connection[Any], *, org: str, email: str | None = None, contact_id: str | None = None
) -> list[PersonContact]:
    """The contacts of ``org`` with this id, or with this address (case-insensitive)."""
    rows = conn.execute(
        "SELECT id, name, email FROM contacts WHERE org = %(org)s"
        " AND (id = %(id)s OR lower(email) = lower(%(email)s)) ORDER BY id",
        {"org": org, "id": contact_id, "email": email},
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def documents_naming(
    conn: Connection[Any],
    *,
    org: str,
    contact_ids: Sequence[str],
    patterns: Sequence[str],
    participant_names: Sequence[str],
) -> list[tuple[str, str]]:
    """``(id, kind)`` of the org's documents that name a person.

    A document names them when its ``contact_id`` is one of ``contact_ids``, when its
    title, text or fields (sender, recipients, participants) match one of ``patterns``
    (case-insensitive POSIX regular expressions), or when a call participant equals one
    of ``participant_names`` (compared in lower case).
    """
    rows = conn.execute(
        """
        SELECT id, kind FROM documents d WHERE org = %(org)s AND (
            contact_id = ANY(%(contacts)s)
            OR (title || E'\\n' || content || E'\\n' || fields::text) ~* ANY(%(patterns)s)
            OR EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(CASE
                    WHEN jsonb_typeof(d.fields -> 'participants') = 'array'
                    THEN d.fields -> 'participants' ELSE '[]'::jsonb END) AS p
                WHERE lower(p) = ANY(%(names)s))
        ) ORDER BY id
        """,
        {
            "org": org,
            "contacts": list(contact_ids),
            "patterns": list(patterns),
            "names": [n.lower() for n in participant_names],
        },
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def documents_older_than(
    conn: Connection[Any], *, before: datetime, kinds: Sequence[str], org: str | None = None
) -> list[tuple[str, str, str]]:
    """``(org, id, kind)`` of documents that occurred before ``before``, of ``kinds``."""
    rows = conn.execute(
        "SELECT org, id, kind FROM documents WHERE occurred_at < %(before)s"
        " AND kind = ANY(%(kinds)s) AND (%(org)s::text IS NULL OR org = %(org)s)"
        " ORDER BY org, id",
        {"before": before, "kinds": list(kinds), "org": org},
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def delete_documents(conn: Connection[Any], *, org: str, ids: Sequence[str]) -> list[str]:
    """Remove documents (their chunks and summaries cascade); returns the ids removed."""
    rows = conn.execute(
        "DELETE FROM documents WHERE org = %s AND id = ANY(%s) RETURNING id",
        (org, list(ids)),
    ).fetchall()
    return sorted(r[0] for r in rows)


def delete_contacts(conn: Connection[Any], *, org: str, ids: Sequence[str]) -> list[str]:
    """Remove contact rows; returns the ids removed."""
    rows = conn.execute(
        "DELETE FROM contacts WHERE org = %s AND id = ANY(%s) RETURNING id",
        (org, list(ids)),
    ).fetchall()
    return sorted(r[0] for r in rows)
