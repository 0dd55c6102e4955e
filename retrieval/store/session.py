"""Session and transaction settings: the role a connection acts as, and how long a
statement may run."""

from __future__ import annotations

from typing import Any

from psycopg import Connection, sql

from retrieval.store.principals import SERVICE_ROLE

__all__ = ["act_as_service_role", "limit_statement_time"]


def act_as_service_role(conn: Connection[Any]) -> None:
    """Drop this session to :data:`SERVICE_ROLE`, the non-owner role user reads run as
    (used only when that role has no login of its own), and commit."""
    conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(SERVICE_ROLE)))
    conn.commit()


def limit_statement_time(conn: Connection[Any], *, seconds: float) -> None:
    """Cancel any statement of the current transaction that runs longer than ``seconds``
    (PostgreSQL's ``statement_timeout``; waiting on a lock counts). The statement fails
    with ``psycopg.errors.QueryCanceled`` and the transaction is rolled back."""
    milliseconds = max(1, round(seconds * 1000))
    conn.execute("SELECT set_config('statement_timeout', %s, true)", (f"{milliseconds}ms",))
