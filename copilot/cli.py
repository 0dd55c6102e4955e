"""The ``copilot`` command line."""

from __future__ import annotations

import dataclasses
import importlib
import json
import logging
import os
import socket
import sys
import tomllib
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Annotated, Any

import typer

from copilot.cli_common import (
    AccountOption,
    KindOption,
    SinceOption,
    UntilOption,
    explained,
    fail,
    hit_json,
    open_service,
    search_filters,
    working,
)
from copilot.cli_help import TidyHelpGroup
from copilot.errors import CopilotError
from copilot.ingest import check_inputs
from copilot.logs import quiet_libraries, service_log_config
from copilot.settings import Settings
from retrieval.errors import RetrievalError
from retrieval.models import ScoredChunk

__all__ = ["app", "main"]

app = typer.Typer(
    cls=TidyHelpGroup,
    help="crm-copilot: permission-aware search over CRM emails, calls and tickets.\n\n"
    "Settings come from COPILOT_* environment variables (COPILOT_DATA_DIR, "
    "COPILOT_DATABASE_URL, COPILOT_EMBEDDING_MODEL, ...); see the README.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(
    help="Inspect, start and stop the database (the embedded server unless COPILOT_DATABASE_URL).",
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")

log = logging.getLogger("copilot")


def _settings() -> Settings:
    return Settings()


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"crm-copilot {version('crm-copilot')}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress to stderr.")
    ] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def index(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="JSON Lines (.jsonl, .ndjson), JSON arrays (.json), .eml or mbox files, or "
            "directories of them."
        ),
    ],
    strict: Annotated[bool, typer.Option(help="Write nothing if any record is invalid.")] = False,
    org: Annotated[str | None, typer.Option(help="Org that .eml/mbox mail belongs to.")] = None,
    owner: Annotated[
        str | None, typer.Option(help="User who owns imported .eml/mbox mail.")
    ] = None,
    visibility: Annotated[
        str, typer.Option(help="Visibility of imported mail: private, team or org.")
    ] = "private",
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune", help="The input is a full export of its orgs: list stored records it lacks."
        ),
    ] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="With --prune, delete them (default: list only).")
    ] = False,
) -> None:
    """Index CRM records. Unchanged records are skipped; `{"deleted": true}` removes one.

    Valid records are written and invalid ones listed with file:line (exit code 2 if any);
    with --strict, one invalid record means nothing is written. With --prune, records of
    the input's orgs that the input lacks are listed; --prune --apply deletes them.
    """
    if visibility not in ("private", "team", "org"):
        fail(f"--visibility must be private, team or org, got {visibility!r}", 2)
    if apply and not prune:
        fail("--apply goes with --prune", 2)
    try:
        # Files, directories walked once: a missing or unreadable path, or a malformed
        # .json, fails before the model loads and before anything is written, and a
        # skipped file is warned about once.
        files = check_inputs(paths)
    except CopilotError as err:
        fail(explained(err), 2)
    with open_service(_settings()) as cp:
        try:
            report = cp.indexer(progress=progress).ingest_paths(
                files,
                strict=strict,
                mail_org=org,
                mail_owner=owner,
                mail_visibility=visibility,
                prune=("apply" if apply else "dry-run") if prune else "off",
                keep_outcomes=False,
            )
        except (CopilotError, RetrievalError) as err:
            fail(explained(err), 2)
    if json_out:
        typer.echo(
            json.dumps(
                {
                    "summary": report.summary(),
                    "written": report.written,
                    "errors": [str(e) for e in report.errors],
                    **{
                        k: getattr(report, k)
                        for k in (
                            "records",
                            "inserted",
                            "updated",
                            "unchanged",
                            "deleted",
                            "superseded",
                            "restamped",
                            "chunks",
                            "embedded",
                            "skipped",
                            "seconds",
                            "not_written",
                        )
                    },
                    "pruned": [dataclasses.asdict(p) for p in report.pruned],
                    "prune_refused": report.prune_refused,
                },
                indent=2,
            )
        )
    else:
        for pruned in report.pruned:
            typer.echo(f"prune: {pruned.status} {pruned.org} {pruned.type} {pruned.id}")
        if report.prune_refused:
            typer.secho(f"prune refused: {report.prune_refused}", fg=typer.colors.RED, err=True)
        for issue in report.errors:
            typer.secho(f"rejected {issue}", fg=typer.colors.YELLOW, err=True)
        if not report.written:
            typer.secho(
                "nothing written (--strict and invalid records)", fg=typer.colors.RED, err=True
            )
        typer.echo(report.summary())
    if report.errors:
        raise typer.Exit(2)


@app.command()
def reindex(
    progress: Annotated[bool, typer.Option(help="Show a progress bar.")] = True,
) -> None:
    """Re-embed every chunk with the configured model (COPILOT_EMBEDDING_MODEL).

    The only way to switch models: ingestion refuses to mix vectors of two models.
    """
    with open_service(_settings()) as cp:
        report = cp.indexer(progress=progress).reindex()
    typer.echo(
        f"re-embedded {report.embedded} chunks with {cp.embedder.model_id} in {report.seconds:.1f}s"
    )


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="What to look for, in plain words or exact codes.")],
    org: Annotated[str, typer.Option(help="The caller's org (tenant).")],
    user: Annotated[str, typer.Option(help="The caller's user id; results obey their access.")],
    kind: KindOption = None,
    account: AccountOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    top_k: Annotated[int, typer.Option(min=1, max=100, help="How many results.")] = 10,
    json_out: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Search as one user: only what that user may see comes back."""
    if not query.strip():
        fail("the query is empty", 2)
    filters = search_filters(kind, account, since, until)
    with open_service(_settings()) as cp:
        try:
            result = cp.search(org=org, user_id=user, query=query, top_k=top_k, filters=filters)
        except CopilotError as err:
            fail(explained(err), 2)
    if json_out:
        typer.echo(
            json.dumps(
                {
                    "strategy": result.strategy,
                    "results": [hit_json(h) for h in result.hits],
                },
                indent=2,
                default=str,
            )
        )
        return
    n = len(result.hits)
    typer.echo(f"{n} result{'' if n == 1 else 's'} for {user!r} ({result.strategy} plan)")
    for i, h in enumerate(result.hits, start=1):
        _print_hit(i, h)


def _print_hit(i: int, h: ScoredChunk) -> None:
    snippet = " ".join(h.text.split())[:140]
    typer.echo(f"{i:>2}. [{h.kind}] {h.document_id}  {h.title[:60]!r}  {h.occurred_at:%Y-%m-%d}")
    typer.echo(f"      {snippet}")


@app.command()
def summarize(
    call: Annotated[str, typer.Option(help="The call's document id.")],
    org: Annotated[str, typer.Option(help="The caller's org (tenant).")],
    user: Annotated[str, typer.Option(help="The caller's user id; the call must be visible.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Summarize a call as one user: key points, action items, sentiment, competitors, ...

    Uses the LLM engine when COPILOT_LLM is set (falling back to the offline engine on
    failure), else the offline engine. Every item cites the span it came from.
    """
    with open_service(_settings()) as cp:
        try:
            summary = cp.assistant.summarize_call(org=org, user_id=user, document_id=call)
        except CopilotError as err:
            fail(explained(err), 2)
    if json_out:
        typer.echo(summary.model_dump_json(indent=2))
        return
    typer.echo(f"{call} ({summary.engine} engine)")
    typer.echo(f"\n{summary.summary.text}")
    sections: list[tuple[str, Sequence[Any]]] = [
        ("Key points", summary.key_points),
        ("Action items", summary.action_items),
        ("Next steps", summary.next_steps),
        ("Objections", summary.objections),
        ("Risks", summary.risks),
    ]
    for title, items in sections:
        if not items:
            continue
        typer.echo(f"\n{title}:")
        for item in items:
            extra = ""
            owner, due = getattr(item, "owner", None), getattr(item, "due", None)
            if owner or due:
                extra = f"  [{owner or '?'}{', due ' + due.isoformat() if due else ''}]"
            typer.echo(f"  - {item.text}{extra}")
    sentiment = summary.sentiment
    typer.echo(f"\nSentiment: {sentiment.label} ({sentiment.score:+.2f})")
    if summary.competitors:
        typer.echo("Competitors: " + ", ".join(c.name for c in summary.competitors))


@db_app.command("status")
def db_status(
    json_out: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Row counts per org, embedding models in use, index sizes and migration state.

    Starts the embedded server if it is stopped. Loads no model (about a second).
    """
    from copilot.db import open_database
    from copilot.service import database_status
    from embeddings import resolve_model

    settings = _settings()
    _, model_id = resolve_model(settings.embedding_model)
    with open_database(settings) as db:
        status = database_status(db, settings, model_id=model_id)
    if json_out:
        typer.echo(json.dumps(status, indent=2, default=str))
        return
    typer.echo(f"database: {status['database']}")
    typer.echo(f"configured model: {status['model']} (index dimension {status['dimension']})")
    typer.echo(f"models in index: {status['models'] or 'none yet'}")
    typer.echo(f"pending migrations: {status['pending_migrations'] or 'none'}")
    for org, counts in status["orgs"].items():
        typer.echo(f"org {org}: " + ", ".join(f"{n} {t}" for t, n in counts.items()))
    typer.echo("indexes: " + ", ".join(f"{k} {v}" for k, v in status["indexes"].items()))
    typer.echo(
        f"exact search up to {status['exact_search_max_chunks']} permitted chunks, HNSW above"
    )


def _embedded_only(settings: Settings, command: str) -> None:
    if settings.database_url:
        fail(
            f"COPILOT_DATABASE_URL is set, so the database is external: `copilot db {command}` "
            "only manages the embedded server (unset it to use that one)",
            2,
        )


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL in $COPILOT_DATA_DIR/pg (other commands start it too).

    It keeps running after the command exits, so later commands connect at once.
    """
    from copilot import embedded

    settings = _settings()
    _embedded_only(settings, "start")
    pgdata = settings.embedded_data_dir
    running = embedded.server_pid(settings)
    if running is not None:
        typer.echo(f"already running: embedded PostgreSQL in {pgdata} (pid {running})")
        return
    with working(f"starting the embedded PostgreSQL in {pgdata} ..."):
        embedded.start(settings)
    typer.echo(f"started: embedded PostgreSQL in {pgdata} (pid {embedded.server_pid(settings)})")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL (works as root too); open sessions are disconnected.

    Data stays in $COPILOT_DATA_DIR/pg; `copilot db start` or any command starts it again.
    """
    from copilot import embedded

    settings = _settings()
    _embedded_only(settings, "stop")
    pgdata = settings.embedded_data_dir
    try:
        pid = embedded.stop(settings)
    except CopilotError as err:
        fail(str(err))
    if pid is None:
        typer.echo(f"not running: embedded PostgreSQL in {pgdata}")
    else:
        typer.echo(f"stopped: embedded PostgreSQL in {pgdata} (pid {pid})")


def _ensure_port_free(host: str, port: int) -> None:
    """Fail fast, before minutes of indexing or model loading, if ``host:port`` is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as err:
        fail(f"--host {host!r}: {err}", 2)
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT does not count as taken.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            fail(
                f"cannot serve on {host}:{port} ({err.strerror or err}); another server may be "
                f"using it. Pick a free port with --port, e.g. --port {port + 1}",
                2,
            )


@app.command()
def demo(
    regenerate: Annotated[
        bool, typer.Option(help="Rebuild the sample CRM even if present.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the sample generator.")] = 7,
    serve_api: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the HTTP API afterwards.")
    ] = True,
    host: Annotated[str, typer.Option(help="Interface the API listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the API.")] = 8000,
) -> None:
    """Build the sample CRM, index it, search as several users, then serve the API.

    The API runs in dev mode (a generated local JWT secret) unless COPILOT_JWT_SECRET is
    set; ready-to-use tokens and curl lines for a rep, a manager and an admin are printed.
    """
    if serve_api:
        _ensure_port_free(host, port)
    from copilot import demo as demo_mod
    from copilot.auth import TokenService

    settings = _settings()
    if settings.jwt_secret is None and settings.jwt_public_key_file is None:
        settings = settings.model_copy(update={"dev": True})
    with open_service(settings) as cp:
        shown = demo_mod.run(cp, settings, regenerate=regenerate, seed=seed, echo=typer.echo)
    if not serve_api:
        return
    tokens = TokenService.from_settings(settings, dev=settings.dev)
    demo_mod.print_api_help(
        tokens,
        shown.org,
        shown.who,
        base_url=f"http://{host}:{port}",
        question=shown.answered_question,
        echo=typer.echo,
    )
    _serve(settings, host=host, port=port, workers=1)


def _serve(settings: Settings, *, host: str, port: int, workers: int) -> None:
    import uvicorn

    from copilot.auth import TokenService

    try:  # refuse to start on a placeholder secret before binding a port
        TokenService.from_settings(settings, dev=settings.dev)
    except CopilotError as err:
        fail(explained(err), 2)
    if settings.dev:
        os.environ["COPILOT_DEV"] = "1"
    # By import string: copilot never imports api (dependency flow), and workers > 1
    # each build their own app from the environment.
    uvicorn.run(
        "api.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=service_log_config(),  # every line carries its request's X-Request-ID
        server_header=False,  # no "server: uvicorn" banner
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    dev: Annotated[
        bool, typer.Option(help="Allow a generated local JWT secret (never in production).")
    ] = False,
) -> None:
    """Serve the HTTP API (uvicorn). Needs COPILOT_JWT_SECRET or a public key unless --dev."""
    _ensure_port_free(host, port)
    settings = _settings()
    if dev:
        settings = settings.model_copy(update={"dev": True})
    quiet_libraries()
    _serve(settings, host=host, port=port, workers=workers)


@app.command()
def token(
    org: Annotated[str, typer.Option(help="The tenant (claim `org`).")],
    user: Annotated[str, typer.Option(help="The user id (claim `sub`).")],
    ttl: Annotated[str, typer.Option(help="Lifetime: 90s, 15m, 1h, 7d.")] = "1h",
    scope: Annotated[
        list[str] | None, typer.Option(help="Scopes; `ingest` makes an ingest credential.")
    ] = None,
    private_key: Annotated[
        Path | None, typer.Option(help="PEM private key, for RS256 deployments.")
    ] = None,
    dev: Annotated[bool, typer.Option(help="Use the generated local dev secret.")] = False,
) -> None:
    """Mint a bearer token for testing and integrations (printed alone on stdout)."""
    from copilot.auth import TokenService, parse_ttl

    settings = _settings()
    if dev:
        settings = settings.model_copy(update={"dev": True})
    try:
        ttl_s = parse_ttl(ttl)
    except ValueError as err:
        fail(explained(err), 2)
    key = None
    if private_key is not None:
        try:
            key = private_key.read_text(encoding="utf-8")
        except OSError as err:
            fail(f"--private-key {str(private_key)!r}: {err}", 2)
    try:
        tokens = TokenService.from_settings(settings, dev=settings.dev, private_key=key)
        typer.echo(tokens.mint(org=org, subject=user, ttl_s=ttl_s, scopes=tuple(scope or ())))
    except (CopilotError, ValueError) as err:
        fail(explained(err), 2)


#: Entry-point group through which packages built on copilot add sub-command groups.
COMMAND_GROUPS = "copilot.commands"
_PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def command_groups(pyproject: Path = _PYPROJECT) -> dict[str, str]:
    """Sub-command groups to attach: ``name -> "module:attribute"`` of a Typer app.

    They are declared as entry points (group ``copilot.commands``), so copilot never
    imports the packages built on it. An editable install made before a group was
    declared has stale metadata; a source checkout's ``pyproject.toml`` is the
    declaration itself, so the groups it declares are added when missing.
    """
    groups = {ep.name: ep.value for ep in metadata.entry_points(group=COMMAND_GROUPS)}
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == "crm-copilot":
            declared = project.get("entry-points", {}).get(COMMAND_GROUPS, {})
            for name, target in declared.items():
                groups.setdefault(name, target)
    return groups


def _add_command_groups() -> None:
    # The CLI is an edge that composes packages: `eval` builds on `copilot`, so it is
    # found through its entry point at startup rather than imported by this package.
    attached = {info.name for info in app.registered_groups}
    for name, target in sorted(command_groups().items()):
        if name in attached:  # main() ran before in this process (tests)
            continue
        module, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if isinstance(command, typer.Typer):
            app.add_typer(command, name=name)
        else:  # a function: one command (`copilot erase`)
            app.command(name)(command)


def main() -> None:
    _add_command_groups()
    try:
        app()
    except (CopilotError, RetrievalError) as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
