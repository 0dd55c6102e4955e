"""Privacy operations: erasing a person on request, and removing records past retention.

Both run in one transaction (all of it happens, or none), are idempotent (a second run
finds nothing and changes nothing) and are audited in that same transaction. Audit
entries keep the ids of what was removed, never the person's address or name, and the
stored text of earlier queries that named the person is blanked (their SHA-256 stays,
so the chain still verifies).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from copilot.audit import AuditLog
from copilot.db import Database
from copilot.errors import InvalidRequest
from retrieval import store
from textkit.kinds import DOCUMENT_KINDS

__all__ = [
    "ErasureReport",
    "Privacy",
    "RetentionReport",
    "age_cutoff",
    "person_patterns",
]

_AGE = re.compile(r"^([1-9][0-9]{0,4})([dwmy])$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


def age_cutoff(age: str, *, now: datetime) -> datetime:
    """The instant ``age`` before ``now``: ``90d``, ``6w``, ``18m`` (months), ``3y``.

    Months and years are calendar ones (29 February becomes 28 in a plain year).

    Example:
        >>> age_cutoff("3y", now=datetime(2026, 11, 28, tzinfo=UTC)).date().isoformat()
        '2023-11-28'

    Raises:
        InvalidRequest: ``age`` is not one of those forms.
    """
    match = _AGE.match(age.strip().lower())
    if match is None:
        raise InvalidRequest(
            f"age must look like 90d, 6w, 18m or 3y, got {age!r}", field="older_than"
        )
    n, unit = int(match.group(1)), match.group(2)
    if unit in "dw":
        try:
            return now - timedelta(days=n * (7 if unit == "w" else 1))
        except OverflowError as err:
            raise InvalidRequest(f"age {age!r} reaches before year 1", field="older_than") from err
    months = now.year * 12 + (now.month - 1) - n * (12 if unit == "y" else 1)
    year, month = divmod(months, 12)
    if year < 1:
        raise InvalidRequest(f"age {age!r} reaches before year 1", field="older_than")
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def _literal(text: str) -> str:
    # A POSIX regular expression matching ``text`` literally, any run of spaces as one.
    out: list[str] = []
    for ch in text:
        if ch.isspace():
            if not out or out[-1] != r"\s+":
                out.append(r"\s+")
        elif ch.isalnum():
            out.append(ch)
        else:
            out.append("\\" + ch)
    return "".join(out)


def person_patterns(*, emails: Sequence[str], names: Sequence[str]) -> list[str]:
    """Case-insensitive POSIX patterns of a person's addresses and full names.

    An address matches as a whole address (not inside a longer one). A name matches as
    whole words, and only a name of two words or more: a lone first name would take
    everyone's records who shares it.

    Example:
        >>> person_patterns(emails=["pat@x.example"], names=["Pat Buyer", "Pat"])[1]
        '(^|[^[:alnum:]])Pat\\\\s+Buyer($|[^[:alnum:]])'
    """
    patterns = [
        r"(^|[^[:alnum:]._%+-])" + _literal(e.strip()) + r"($|[^[:alnum:]._-]|\.($|[^[:alnum:]]))"
        for e in dict.fromkeys(emails)
        if e.strip()
    ]
    patterns += [
        r"(^|[^[:alnum:]])" + _literal(n.strip()) + r"($|[^[:alnum:]])"
        for n in dict.fromkeys(names)
        if len(n.split()) >= 2
    ]
    return patterns


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed (empty when there was nothing left to remove)."""

    org: str
    contacts: tuple[str, ...]
    documents: tuple[str, ...]
    redacted_queries: int

    @property
    def removed(self) -> tuple[str, ...]:
        return self.contacts + self.documents


@dataclass(frozen=True)
class RetentionReport:
    """What a retention run removed (or, with ``dry_run``, would remove), per org."""

    before: datetime
    kinds: tuple[str, ...]
    dry_run: bool
    documents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    audit_pruned: dict[str, int] = field(default_factory=dict)


class Privacy:
    """Erasure and retention on one database, audited through ``audit``."""

    def __init__(self, db: Database, audit: AuditLog) -> None:
        self.db = db
        self.audit = audit

    def erase(
        self,
        *,
        org: str,
        email: str | None = None,
        contact_id: str | None = None,
        actor: str,
        request_id: str,
        endpoint: str,
    ) -> ErasureReport:
        """Remove a person: their contact rows and every email, call and ticket naming them.

        The person is the contact ``contact_id``, or everyone with address ``email``
        (which may also name no contact: mail to and from it is still removed). A
        document names them when it is attached to one of their contacts, when they send
        or receive it, take part in it, or when its text carries their address or full
        name. Chunks and cached summaries go with their documents.

        Raises:
            InvalidRequest: Neither or both of ``email`` and ``contact_id``, or an
                address that is not one.
        """
        if (email is None) == (contact_id is None):
            raise InvalidRequest("give exactly one of email and contact_id", field="email")
        if email is not None and not _EMAIL.match(email.strip()):
            raise InvalidRequest(f"email {email!r} is not an address", field="email")
        with self.db.connection() as conn:
            contacts = store.find_contacts(
                conn, org=org, email=email.strip() if email else None, contact_id=contact_id
            )
            emails = [c[2] for c in contacts] + ([email.strip()] if email else [])
            names = [c[1] for c in contacts]
            patterns = person_patterns(emails=emails, names=names)
            docs = store.documents_naming(
                conn,
                org=org,
                contact_ids=[c[0] for c in contacts],
                patterns=patterns,
                participant_names=names,
            )
            removed_docs = store.delete_documents(conn, org=org, ids=[d[0] for d in docs])
            removed_contacts = store.delete_contacts(conn, org=org, ids=[c[0] for c in contacts])
            redacted = store.redact_audit_queries(conn, org=org, patterns=patterns)
            report = ErasureReport(org, tuple(removed_contacts), tuple(removed_docs), redacted)
            store.append_audit(
                conn,
                entry=self.audit.entry(
                    org=org,
                    actor=actor,
                    request_id=request_id,
                    endpoint=endpoint,
                    status=200,
                    record_ids=report.removed,
                ),
            )
        return report

    def retention(
        self,
        *,
        older_than: str,
        kinds: Sequence[str] = DOCUMENT_KINDS,
        org: str | None = None,
        audit_older_than: str | None = None,
        dry_run: bool = False,
        actor: str,
        request_id: str,
        now: datetime | None = None,
    ) -> RetentionReport:
        """Remove emails, calls and tickets that occurred more than ``older_than`` ago.

        With ``audit_older_than``, audit entries older than that are pruned too (the
        chain's anchor moves past them, so ``verify`` still passes). Each org's removal
        is audited as ``copilot retention``.

        Raises:
            InvalidRequest: A malformed age, or an unknown kind.
        """
        now = now or datetime.now(UTC)
        before = age_cutoff(older_than, now=now)
        audit_before = age_cutoff(audit_older_than, now=now) if audit_older_than else None
        unknown = sorted(set(kinds) - set(DOCUMENT_KINDS))
        if unknown or not kinds:
            raise InvalidRequest(
                f"kinds must be among {', '.join(DOCUMENT_KINDS)}, got {list(kinds)!r}",
                field="kinds",
            )
        report = RetentionReport(before, tuple(sorted(set(kinds))), dry_run)
        with self.db.connection() as conn:
            old = store.documents_older_than(conn, before=before, kinds=report.kinds, org=org)
            by_org: dict[str, list[str]] = {}
            for doc_org, doc_id, _ in old:
                by_org.setdefault(doc_org, []).append(doc_id)
            for doc_org, doc_ids in by_org.items():
                report.documents[doc_org] = tuple(
                    doc_ids if dry_run else store.delete_documents(conn, org=doc_org, ids=doc_ids)
                )
            if dry_run:
                return report
            for doc_org, ids in report.documents.items():
                store.append_audit(
                    conn,
                    entry=self.audit.entry(
                        org=doc_org,
                        actor=actor,
                        request_id=request_id,
                        endpoint="copilot retention",
                        status=200,
                        record_ids=ids,
                    ),
                )
            if audit_before is not None:
                orgs = [org] if org else store.audit_orgs(conn)
                for audit_org in orgs:
                    pruned = store.prune_audit(conn, org=audit_org, before=audit_before)
                    if pruned:
                        report.audit_pruned[audit_org] = pruned
        return report
