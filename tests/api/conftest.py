"""Fixtures for the full-app tier: ``create_app`` on the real database, over HTTP.

``client`` runs the app's lifespan (pools, migrations) through Starlette's TestClient;
the model is the session's, shared so each test does not reload it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.conftest import INGEST_TOKEN


@pytest.fixture()
def audit_write(settings) -> str:  # type: ignore[no-untyped-def]
    """COPILOT_AUDIT_WRITE of ``app``: the settings' unless a module or test chooses."""
    return str(settings.audit_write)


@pytest.fixture()
def app(settings, embedder, audit_write: str):  # type: ignore[no-untyped-def]
    from api.app import create_app

    return create_app(settings.model_copy(update={"audit_write": audit_write}), embedder=embedder)


@pytest.fixture()
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture()
def token_for(app) -> Callable[..., str]:  # type: ignore[no-untyped-def]
    """``token_for(org, user, ttl_s=600, scopes=())`` mints a token the app accepts."""

    def mint(org: str, user: str, ttl_s: int = 600, scopes: tuple[str, ...] = ()) -> str:
        return str(app.state.tokens.mint(org=org, subject=user, ttl_s=ttl_s, scopes=scopes))

    return mint


@pytest.fixture()
def ingest_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {INGEST_TOKEN}"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
