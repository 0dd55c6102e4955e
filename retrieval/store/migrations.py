"""Scratch databases and the versioned ``migrations/NNNN_*.sql`` files."""

from __future__ import annotations

from importlib import resources
from typing import Any

from psycopg import Connection, sql

from retrieval.errors import MigrationError

__all__ = ["apply_migrations", "pending_migrations", "recreate_database"]


def recreate_database(conn: Connection[Any], *, name: str) -> None:
    """Drop (ending its sessions) and create database ``name``; ``conn`` is autocommit."""
    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def apply_migrations(conn: Connection[Any]) -> list[str]:
    """Apply the packaged ``migrations/NNNN_*.sql`` files not yet recorded.

    Safe to run twice and from concurrent processes: an advisory lock serialises them.

    Returns:
        The names of the migrations applied by this call.
    """
    files = sorted(
        (f for f in resources.files("retrieval.migrations").iterdir() if f.name.endswith(".sql")),
        key=lambda f: f.name,
    )
    applied: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('crm-copilot-migrations'))")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        for f in files:
            version = f.name.removesuffix(".sql")
            if version in done:
                continue
            try:
                conn.execute(f.read_text(encoding="utf-8"))  # type: ignore[arg-type]
            except Exception as err:  # noqa: BLE001 - re-raised with the file named
                raise MigrationError(f"migration {f.name!r} failed: {err}") from err
            conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
            applied.append(version)
    return applied


def pending_migrations(conn: Connection[Any]) -> list[str]:
    """Names of packaged migrations not yet applied (for readiness checks)."""
    names = sorted(
        f.name.removesuffix(".sql")
        for f in resources.files("retrieval.migrations").iterdir()
        if f.name.endswith(".sql")
    )
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return names
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    return [n for n in names if n not in done]
