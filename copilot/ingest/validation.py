"""Checks made before anything is written: the embedding model, and record references.

A record naming a user, team or account that exists neither in the batch nor in the
store is rejected with its line; the rest of the batch goes on. That includes a
document's shares: ``team:<id>`` must be a team and any other entry a user of the org,
so a typo cannot silently share a record with no one.
"""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from copilot.ingest.entities import TABLE_OF_TYPE
from copilot.ingest.readers import SourcedRecord
from copilot.ingest.records import (
    Account,
    Call,
    Contact,
    Deal,
    Email,
    Record,
    Ticket,
    Tombstone,
    User,
)
from copilot.ingest.report import IngestReport, RecordIssue
from embeddings import Embedder
from retrieval import store
from retrieval.errors import SchemaMismatchError

__all__ = ["check_model", "check_references"]


def check_model(conn: Connection[Any], embedder: Embedder) -> None:
    """Refuse to mix vectors of two models; stamp the model on a fresh index.

    Raises:
        SchemaMismatchError: The index was built with another model or dimension.
    """
    state = store.get_index_state(conn)
    indexed = state.get("model_id")
    if indexed and indexed != embedder.model_id:
        raise SchemaMismatchError(_other_model(conn, indexed=indexed, sent=embedder.model_id))
    if store.embedding_dimension(conn) != embedder.dim:
        raise SchemaMismatchError(
            f"the index holds {store.embedding_dimension(conn)}-d vectors but model "
            f"{embedder.model_id!r} makes {embedder.dim}-d ones; "
            "run `copilot reindex`"
        )
    if not indexed:
        store.set_index_state(conn, key="model_id", value=embedder.model_id)


def _other_model(conn: Connection[Any], *, indexed: str, sent: str) -> str:
    """Why ingest embedding with ``sent`` is refused by an index of model ``indexed``.

    `copilot reindex` records its model first, then works: documents left without chunks
    by a change of vector size, or chunks of another model, mean one is running (or was
    interrupted), and advising to run it was wrong while it ran. Counted only here, on
    the way to refusing.
    """
    rechunk = store.rechunk_progress(conn)
    if rechunk is not None and rechunk[0] > 0:
        left = f"{rechunk[0]} of {rechunk[1]} documents still to re-chunk and embed"
    else:
        done, total = store.chunk_count_for_model(conn, model_id=indexed)
        if done == total:
            return (
                f"the index was built with model {indexed!r}, not {sent!r}; "
                "run `copilot reindex` to re-embed it with the new model"
            )
        left = f"{total - done} of {total} chunks still to re-embed"
    return (
        f"`copilot reindex` to model {indexed!r} is in progress ({left}; if it was "
        f"interrupted, run it again): retry after it finishes, embedding with {indexed!r}, "
        f"not {sent!r}"
    )


def check_references(
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
        table = TABLE_OF_TYPE[kind]
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
            report.errors.append(RecordIssue.of(item, "; ".join(bad)))
        else:
            valid.append((item, rec))
    return valid


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
    if isinstance(rec, (Email, Call, Ticket)):
        # A share to nobody would be stamped on every chunk and open the record to no one.
        for share in rec.shared_with:
            team = share.removeprefix("team:")
            if team != share:
                out.append(("shared_with", "team", team))
            else:
                out.append(("shared_with", "user", share))
    return out
