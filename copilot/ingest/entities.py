"""Writing what is not a document: entities, owners' access stamps, and tombstones.

Each function takes the caller's connection and leaves the transaction to it. Each
record is written under a savepoint of its own: one the database refuses is reported
as not written (with its id) and rolled back alone, and the others still land.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Connection

from copilot.ingest.readers import SourcedRecord
from copilot.ingest.records import Account, Contact, Deal, Record, Team, Tombstone, User
from copilot.ingest.report import IngestReport
from copilot.ingest.writer import WRITE_ERRORS, describe_write_error, kind_mismatch
from retrieval import store
from retrieval.models import DocumentAccess
from textkit.kinds import DOCUMENT_KINDS

__all__ = ["TABLE_OF_TYPE", "apply_tombstones", "restamp_owners", "write_entities"]

_ENTITY_TABLE = {
    Team: "teams",
    User: "users",
    Account: "accounts",
    Contact: "contacts",
    Deal: "deals",
}
#: The table each entity record type is stored in.
TABLE_OF_TYPE = {
    "team": "teams",
    "user": "users",
    "account": "accounts",
    "contact": "contacts",
    "deal": "deals",
}


def write_entities(
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
    written: set[int] = set()
    for item, rec in entities:
        assert isinstance(rec, (Team, User, Account, Contact, Deal))
        table = _ENTITY_TABLE[type(rec)]
        values = {c: getattr(rec, c) for c in store.ENTITY_COLUMNS[table]}
        try:
            with conn.transaction():
                outcome = store.upsert_entity(
                    conn,
                    table=table,
                    org=rec.org,
                    id=rec.id,
                    values=values,
                    attributes=rec.attributes,
                )
        except WRITE_ERRORS as err:
            report.reject_write(
                source=item.source, line=item.line, rec=rec, message=describe_write_error(err)
            )
            continue
        written.add(id(rec))
        report.add_outcome(line=item.line, rec=rec, outcome=outcome)
    return {
        (u.org, u.id)
        for u in users
        if id(u) in written and (u.org, u.id) in before and before[(u.org, u.id)] != u.team_id
    }


def restamp_owners(
    conn: Connection[Any], owners: set[tuple[str, str]], report: IngestReport
) -> None:
    """Recompute stored access lists of the owners' documents; nothing is re-embedded."""
    store.lock_principal_counts(conn, orgs={o for o, _ in owners})
    for org in {o for o, _ in owners}:
        ids = [u for o, u in owners if o == org]
        team_of = {
            uid: row.team_id for uid, row in store.users_by_id(conn, org=org, ids=ids).items()
        }
        for doc_id, owner_id, visibility, shared_with, access in store.documents_owned_by(
            conn, org=org, owner_ids=ids
        ):
            acl = DocumentAccess(owner_id, team_of.get(owner_id), visibility, shared_with).to_acl()
            if tuple(access) != acl:
                store.set_document_access(conn, org=org, id=doc_id, access=acl)
                report.restamped += 1


#: The order tombstones are applied in, pruning's: documents (0) first, then entities
#: from the leaves up.
_DELETE_ORDER = {kind: n for n, kind in enumerate(store.ENTITY_DELETION_ORDER, 1)}


def apply_tombstones(
    conn: Connection[Any],
    tombstones: Sequence[tuple[SourcedRecord, Record]],
    report: IngestReport,
) -> None:
    """Delete the records tombstones name; one that is already gone counts as ``absent``."""
    store.lock_principal_counts(conn, orgs={rec.org for _, rec in tombstones})
    # Documents first, then entities from the leaves up: a user's tombstone listed before
    # those of the user's records in the same input still finds nothing pointing at it.
    for item, rec in sorted(tombstones, key=lambda t: _DELETE_ORDER.get(t[1].type, 0)):
        assert isinstance(rec, Tombstone)
        try:
            with conn.transaction():
                if rec.type in DOCUMENT_KINDS:
                    state = store.document_state(conn, org=rec.org, ids=[rec.id]).get(rec.id)
                    stored = state[3] if state else rec.type
                    if stored != rec.type:
                        # A tombstone of the wrong type would delete another record.
                        report.reject_write(
                            source=item.source,
                            line=item.line,
                            rec=rec,
                            message=kind_mismatch(rec.id, stored=stored, sent=rec.type)
                            + "; nothing deleted",
                        )
                        continue
                    gone = store.delete_document(conn, org=rec.org, id=rec.id)
                else:
                    table = TABLE_OF_TYPE[rec.type]
                    used = store.references(conn, table=table, org=rec.org, id=rec.id)
                    if used:
                        # As pruning keeps it: deleting it would leave records naming a
                        # principal or account that is gone (a rep's private calls then
                        # readable by nobody, a deal's account 404).
                        report.reject_write(
                            source=item.source,
                            line=item.line,
                            rec=rec,
                            message=f"{rec.type} {rec.id!r} is still referred to by "
                            + ", ".join(f"{n} {t}" for t, n in sorted(used.items()))
                            + "; delete or reassign those first; nothing deleted",
                        )
                        continue
                    gone = store.delete_entity(conn, table=table, org=rec.org, id=rec.id)
        except WRITE_ERRORS as err:
            report.reject_write(
                source=item.source, line=item.line, rec=rec, message=describe_write_error(err)
            )
            continue
        report.add_outcome(line=item.line, rec=rec, outcome="deleted" if gone else "absent")
