"""What the ``copilot`` commands share: failing clearly, a spinner, opening the service,
and the search filters ``search`` and ``ask`` take.

Only typer and the settings are imported up front: a command that never embeds (``db
status``, ``token``, ``--help``) must not load torch by importing this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from copilot.settings import Settings

if TYPE_CHECKING:
    from copilot.service import Copilot
    from retrieval.models import ScoredChunk, SearchFilters

__all__ = [
    "AccountOption",
    "KindOption",
    "SinceOption",
    "UntilOption",
    "fail",
    "hit_json",
    "open_service",
    "parse_date",
    "search_filters",
    "working",
]

#: The filter options of ``search`` and ``ask`` (see :func:`search_filters`).
KindOption = Annotated[
    list[str] | None, typer.Option(help="Only these kinds: email, call, ticket.")
]
AccountOption = Annotated[str | None, typer.Option(help="Only this account id.")]
SinceOption = Annotated[str | None, typer.Option(help="Only records on or after this ISO date.")]
UntilOption = Annotated[str | None, typer.Option(help="Only records on or before this ISO date.")]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code`` (2: bad input)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def explained(err: Exception) -> str:
    """``err``'s message, with the usual way out for an unknown user: a fresh or reset data
    directory has no users until something is indexed."""
    from copilot.errors import UnknownUser

    if isinstance(err, UnknownUser):
        return (
            f"{err}; `copilot db status` lists the orgs indexed (none: run `copilot demo` "
            "or `copilot index FILE` first)"
        )
    return str(err)


@contextmanager
def working(message: str) -> Iterator[None]:
    """A spinner with ``message`` on stderr (nothing when stderr is not a terminal)."""
    from rich.console import Console

    with Console(stderr=True).status(message):
        yield


def open_service(settings: Settings) -> Copilot:
    """The service, model loaded: only for commands that embed or generate."""
    # Imported here, not at the top: torch and the model take 10+ s to load, and commands
    # that do not embed (db status, token, --help, eval compare) must not pay for them.
    with working("starting the database and loading the embedding model ..."):
        from copilot.logs import quiet_libraries

        quiet_libraries()
        from copilot.service import Copilot

        return Copilot.open(settings)


def parse_date(value: str | None, name: str) -> datetime | None:
    """``value`` as an ISO date or datetime; a clear exit 2 naming ``name`` otherwise."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be an ISO date like 2026-03-01, got {value!r}", 2)


def search_filters(
    kinds: list[str] | None, account: str | None, since: str | None, until: str | None
) -> SearchFilters:
    """The filters of ``--kind``/``--account``/``--since``/``--until``, or exit 2 naming
    what is wrong (an unknown kind, a date that is not ISO, since after until)."""
    from retrieval.models import SearchFilters

    try:
        return SearchFilters(
            kinds=tuple(kinds or ()),
            account_id=account,
            date_from=parse_date(since, "--since"),
            date_to=parse_date(until, "--until"),
        )
    except ValueError as err:
        fail(str(err), 2)


def hit_json(h: ScoredChunk) -> dict[str, Any]:
    """A search hit as ``--json`` prints it."""
    return {
        "document_id": h.document_id,
        "kind": h.kind,
        "title": h.title,
        "score": round(h.score, 5),
        # As the API writes it: "2026-11-02T14:05:00Z", not "+00:00".
        "occurred_at": h.occurred_at.isoformat().replace("+00:00", "Z"),
        "account_id": h.account_id,
        "chunk": {"start": h.char_start, "end": h.char_end},
        "text": h.text,
    }
