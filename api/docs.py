"""``/docs`` (Swagger UI) and ``/redoc`` served from packaged assets, never from a CDN.

FastAPI's own pages load their JavaScript and CSS from a CDN, so they are blank on an
offline or air-gapped install. Here the pages point at the copies of Swagger UI and
ReDoc shipped inside the ``fastapi-offline`` wheel, served by the app itself under
:data:`ASSETS_URL`. The app is built with ``docs_url=None, redoc_url=None`` and then
:func:`install_offline_docs` adds these routes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

__all__ = ["ASSETS", "ASSETS_URL", "DOCS_URL", "REDOC_URL", "install_offline_docs"]

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
#: Where the packaged assets are served.
ASSETS_URL = "/docs-assets"
#: The files the pages need, all inside the installed ``fastapi_offline`` package.
ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js", "favicon.png")


def _assets_dir() -> Path:
    return Path(str(resources.files("fastapi_offline") / "static"))


def install_offline_docs(app: FastAPI) -> None:
    """Add ``/docs``, its OAuth2 redirect, ``/redoc`` and the assets they load to ``app``.

    Raises:
        RuntimeError: The app already has docs pages, or an asset is missing from the
            installed ``fastapi-offline`` package.
    """
    if app.docs_url or app.redoc_url:
        raise RuntimeError("build the app with docs_url=None and redoc_url=None first")
    assets = _assets_dir()
    missing = [name for name in ASSETS if not (assets / name).is_file()]
    if missing:
        raise RuntimeError(f"fastapi-offline is missing docs assets {missing} in {assets}")
    app.mount(ASSETS_URL, StaticFiles(directory=assets), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    redirect_url = app.swagger_ui_oauth2_redirect_url or f"{DOCS_URL}/oauth2-redirect"

    @app.get(DOCS_URL, include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=f"{root}{redirect_url}",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    @app.get(redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get(REDOC_URL, include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}{openapi_url}",
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
            with_google_fonts=False,
        )
