"""``/docs`` and ``/redoc`` work offline: their assets come from the app, never a CDN.

The browser test drives Debian's ``chromium`` (installed here with apt-get when running
as root and it is absent; Playwright never downloads a browser) against the app served
by uvicorn on loopback, with every request that is not to loopback aborted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from api.docs import ASSETS, ASSETS_URL

CHROMIUM = "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
#: ReDoc's bundle hard-codes its "API docs by Redocly" badge image; offline the badge
#: shows no picture and nothing else changes. It is the only outside request allowed.
DECORATIVE = {"https://cdn.redoc.ly/redoc/logo-mini.svg"}


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_only_local_assets(client, page: str) -> None:  # type: ignore[no-untyped-def]
    html = client.get(page)
    assert html.status_code == 200
    sources = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", html.text)
    assert sources, html.text
    for url in sources:
        assert not urlsplit(url).netloc, f"{page} loads {url} from another host"
        assert client.get(url).status_code == 200, url
    assert "cdn" not in html.text.lower()


@pytest.mark.parametrize("name", ASSETS)
def test_assets_are_served(client, name: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"{ASSETS_URL}/{name}")
    assert response.status_code == 200
    assert len(response.content) > 100


def test_oauth2_redirect_page_is_served(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/docs/oauth2-redirect").status_code == 200


# --------------------------------------------------------------------------- browser


def _ensure_chromium() -> str:
    """Debian's chromium, installed with apt-get if absent and we are root; else skip."""
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    apt = shutil.which("apt-get")
    if os.geteuid() != 0 or apt is None:
        pytest.skip(f"{CHROMIUM} is absent and apt-get cannot install it (not root, or no apt)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"]
    done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        subprocess.run([apt, "update", "-qq"], env=env, capture_output=True, check=False)
        done = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"apt-get install chromium failed: {done.stderr.strip()[-500:]}")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium() -> str:
    return _ensure_chromium()


@pytest.fixture()
def live_url(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served by uvicorn on a free loopback port, in a thread."""
    import uvicorn

    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("page", "rendered"),
    [
        # Swagger UI: one block per operation, its path in the summary.
        ("/docs", ".opblock .opblock-summary-path"),
        # ReDoc: the operations in its side menu.
        ("/redoc", "[role=menuitem]"),
    ],
)
def test_docs_render_in_chromium_with_the_network_blocked(
    chromium: str, live_url: str, page: str, rendered: str
) -> None:
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []

    def only_loopback(route: Route) -> None:
        url = route.request.url
        if urlsplit(url).hostname in LOOPBACK:
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=args)
        try:
            context = browser.new_context()
            context.route("**/*", only_loopback)
            tab = context.new_page()
            tab.goto(f"{live_url}{page}", wait_until="load")
            tab.wait_for_selector(rendered, timeout=60_000)
            text = tab.inner_text("body")
        finally:
            browser.close()
    assert "/v1/search" in text
    assert set(blocked) <= DECORATIVE, f"{page} tried to reach {blocked}"
