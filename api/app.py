"""The FastAPI application: ``create_app(settings)``.

Nothing is built at import time. ``create_app`` checks the token configuration (and
refuses placeholder secrets outside dev mode); the lifespan hook starts the database
pools, applies migrations and loads the embedding model.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.cursors import CursorCodec
from api.docs import install_offline_docs
from api.errors import install_error_handlers
from api.metrics import BodySizeLimit, Metrics, RequestMetrics
from api.routes import documents, generation, health, ingest, search
from copilot.auth import TokenService
from copilot.settings import Settings
from embeddings import Embedder

__all__ = ["create_app", "create_app_from_env"]

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, embedder: Embedder | None = None) -> FastAPI:
    """Build the app for one deployment.

    Args:
        settings: The deployment's settings.
        embedder: An already loaded embedder to share (tests); by default the
            configured model is loaded in the lifespan hook.

    Raises:
        ConfigError: No token key, or a placeholder/short secret outside dev mode.
    """
    tokens = TokenService.from_settings(settings, dev=settings.dev)
    cursor_key = tokens.cursor_key(settings, dev=settings.dev)
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from copilot.service import Copilot

        app.state.copilot = await run_in_threadpool(Copilot.open, settings, embedder=embedder)
        await run_in_threadpool(app.state.copilot.assistant.warm)
        log.info("copilot API ready (model %s)", app.state.copilot.embedder.model_id)
        try:
            yield
        finally:
            app.state.copilot.close()

    app = FastAPI(
        title="crm-copilot",
        version="1",
        summary="Permission-aware search over CRM emails, calls and tickets.",
        lifespan=lifespan,
        docs_url=None,  # served from packaged assets by install_offline_docs (api/docs.py)
        redoc_url=None,
    )
    install_offline_docs(app)
    app.state.settings = settings
    app.state.tokens = tokens
    app.state.cursors = CursorCodec(cursor_key)
    app.state.metrics = metrics
    install_error_handlers(app)
    for module in (search, documents, ingest, generation, health):
        app.include_router(module.router)

    def limit_for(path: str) -> int:
        return settings.max_ingest_bytes if path == "/v1/ingest" else settings.max_request_bytes

    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    app.add_middleware(RequestMetrics, metrics=metrics)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and ``copilot serve``: settings from the environment."""
    return create_app(Settings())
