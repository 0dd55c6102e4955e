"""``copilot audit verify|export``, ``copilot erase`` and ``copilot retention``.

Attached to the ``copilot`` command through the ``copilot.commands`` entry points. Only
typer and the settings are imported up front: these commands open the database alone,
never the embedding model.
"""

from __future__ import annotations

import getpass
import json
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from copilot.errors import CopilotError
from copilot.settings import Settings

if TYPE_CHECKING:
    from copilot.db import Database

__all__ = ["audit_app", "erase", "retention"]

audit_app = typer.Typer(
    help="The audit trail: verify its hash chain, export it.", no_args_is_help=True
)


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _database(settings: Settings) -> Database:
    from copilot.db import open_database
    from copilot.logs import quiet_libraries

    quiet_libraries()
    return open_database(settings)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name (e.g. a container's numeric uid)
        return "cli:unknown"


def _instant(value: str | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"{name} must be an ISO date or timestamp like 2026-03-01, got {value!r}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@audit_app.command("verify")
def verify(
    org: Annotated[str, typer.Option(help="The org whose chain to check.")],
) -> None:
    """Check an org's hash chain: exit 0 if intact, 1 naming the first bad row."""
    from copilot.audit import AuditLog

    with _database(Settings()) as db:
        report = AuditLog(db).verify(org=org)
    if report.ok:
        typer.echo(f"audit chain of {org!r} intact: {report.rows} entries")
        return
    typer.secho(
        f"audit chain of {org!r} broken at row {report.first_bad_seq}: {report.problem} "
        f"({report.rows} entries before it verified)",
        fg=typer.colors.RED,
        err=True,
    )
    raise typer.Exit(1)


@audit_app.command("export")
def export(
    org: Annotated[str, typer.Option(help="The org whose entries to export.")],
    since: Annotated[str, typer.Option(help="From this ISO date or timestamp (inclusive).")],
    until: Annotated[
        str | None, typer.Option(help="Up to this ISO date or timestamp (exclusive).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Write an org's audit entries as JSON Lines (every column, hashes included)."""
    from copilot.audit import AuditLog

    start, end = _instant(since, "--since"), _instant(until, "--until")
    with _database(Settings()) as db:
        log = AuditLog(db)
        if output is None:
            n = log.export(sys.stdout, org=org, since=start, until=end)
        else:
            with output.open("w", encoding="utf-8") as fh:
                n = log.export(fh, org=org, since=start, until=end)
    typer.echo(f"exported {n} entries", err=True)


def erase(
    org: Annotated[str, typer.Option(help="The person's org.")],
    email: Annotated[
        str | None, typer.Option(help="Their address (every contact with it).")
    ] = None,
    contact_id: Annotated[str | None, typer.Option(help="Their contact id.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the ids as JSON.")] = False,
) -> None:
    """Erase a person: their contact and every email, call and ticket naming them.

    One transaction, audited (ids only); running it again removes nothing.
    """
    from copilot.audit import AuditLog
    from copilot.privacy import Privacy

    settings = Settings()
    with _database(settings) as db:
        try:
            report = Privacy(db, AuditLog(db, store_queries=settings.audit_store_queries)).erase(
                org=org,
                email=email,
                contact_id=contact_id,
                actor=_actor(),
                request_id=uuid.uuid4().hex,
                endpoint="copilot erase",
            )
        except CopilotError as err:
            _fail(str(err))
    if json_out:
        typer.echo(
            json.dumps(
                {"org": org, "contacts": report.contacts, "documents": report.documents}, indent=2
            )
        )
        return
    if not report.removed:
        typer.echo(f"nothing to erase in {org!r}")
        return
    typer.echo(
        f"erased from {org!r}: {len(report.contacts)} contacts ({', '.join(report.contacts)}), "
        f"{len(report.documents)} documents ({', '.join(report.documents)}); "
        f"{report.redacted_queries} stored queries blanked"
    )


def retention(
    older_than: Annotated[
        str | None,
        typer.Option(help="Remove records older than this: 90d, 6w, 18m, 3y (COPILOT_RETENTION)."),
    ] = None,
    kind: Annotated[
        list[str] | None, typer.Option(help="Only these kinds: email, call, ticket (repeat).")
    ] = None,
    org: Annotated[str | None, typer.Option(help="Only this org (default: every org).")] = None,
    dry_run: Annotated[bool, typer.Option(help="List what would go; remove nothing.")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print the ids as JSON.")] = False,
) -> None:
    """Remove emails, calls and tickets past retention (and old audit entries).

    Audit entries go when older than COPILOT_AUDIT_RETENTION, if set. One transaction,
    audited; running it again removes nothing.
    """
    from copilot.audit import AuditLog
    from copilot.privacy import Privacy
    from textkit.kinds import DOCUMENT_KINDS

    settings = Settings()
    age = older_than or settings.retention
    if age is None:
        _fail("give --older-than (e.g. 3y) or set COPILOT_RETENTION")
    with _database(settings) as db:
        try:
            report = Privacy(db, AuditLog(db)).retention(
                older_than=age,
                kinds=tuple(kind) if kind else DOCUMENT_KINDS,
                org=org,
                audit_older_than=settings.audit_retention,
                dry_run=dry_run,
                actor=_actor(),
                request_id=uuid.uuid4().hex,
            )
        except CopilotError as err:
            _fail(str(err))
    if json_out:
        typer.echo(
            json.dumps(
                {
                    "before": report.before.isoformat(),
                    "kinds": report.kinds,
                    "dry_run": report.dry_run,
                    "documents": report.documents,
                    "audit_pruned": report.audit_pruned,
                },
                indent=2,
            )
        )
        return
    verb = "would remove" if dry_run else "removed"
    total = sum(len(ids) for ids in report.documents.values())
    typer.echo(
        f"{verb} {total} {'/'.join(report.kinds)} records from before "
        f"{report.before:%Y-%m-%d %H:%M} UTC"
        + "".join(f"\n  {o}: {len(ids)}" for o, ids in sorted(report.documents.items()))
    )
    for audit_org, n in sorted(report.audit_pruned.items()):
        typer.echo(f"pruned {n} audit entries of {audit_org!r}")
