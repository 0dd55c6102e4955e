"""The FastAPI application: ``create_app(settings)``.

Nothing is built at import time. ``create_app`` checks the token configuration (and
refuses placeholder secrets outside dev mode); the lifespan hook starts the database
pools, applies migrations and loads the embedding model.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.concurrency import run_in_threadpool

from api.cursors import CursorCodec
from api.deps import reject_unknown_query
from api.docs import install_offline_docs
from api.error_docs import document_error_responses
from api.errors import CatchUnexpected, install_error_handlers
from api.metrics import BodySizeLimit, Metrics, RequestMetrics
from api.middleware import RateLimit, RequestContext, parse_rate_limit
from api.routes import audit, documents, generation, health, ingest, privacy, search
from copilot.auth import TokenService
from copilot.errors import ConfigError
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
        ConfigError: No token key, a weak secret outside dev mode, or a malformed
            ``COPILOT_RATE_LIMIT``.
    """
    tokens = TokenService.from_settings(settings, dev=settings.dev)
    try:
        rate_limits = parse_rate_limit(settings.rate_limit)
    except ValueError as err:
        raise ConfigError(
            f"COPILOT_RATE_LIMIT {settings.rate_limit!r} is not like '50/second;1500/minute'"
        ) from err
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
        dependencies=[Depends(reject_unknown_query)],
        # "/v1/search/" is a path no route serves: a JSON 404, not an empty-bodied 307
        # that a client following redirects would resend without its body.
        redirect_slashes=False,
    )
    install_offline_docs(app)
    app.state.settings = settings
    app.state.tokens = tokens
    app.state.cursors = CursorCodec(cursor_key, ttl_s=settings.cursor_ttl_s)
    app.state.metrics = metrics
    install_error_handlers(app)
    routers = [
        module.router for module in (search, documents, ingest, generation, privacy, audit, health)
    ]
    for router in routers:
        app.include_router(router)
    document_error_responses(
        app,
        [r for router in routers for r in router.routes],
        open_paths=frozenset() if settings.metrics_token else frozenset({"/metrics"}),
    )

    def limit_for(path: str) -> int:
        return settings.max_ingest_bytes if path == "/v1/ingest" else settings.max_request_bytes

    # Outermost last: the request id and headers wrap everything (429s and 413s too),
    # metrics count refused requests, and unexpected errors are answered innermost.
    app.add_middleware(CatchUnexpected)
    app.add_middleware(BodySizeLimit, limit_for=limit_for)
    app.add_middleware(RateLimit, limits=rate_limits, caller_of=tokens.caller_key)
    app.add_middleware(RequestMetrics, metrics=metrics)
    app.add_middleware(RequestContext)
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` and ``copilot serve``: settings from the environment."""
    return create_app(Settings())
