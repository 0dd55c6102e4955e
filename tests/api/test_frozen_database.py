"""A frozen embedded database (every PostgreSQL process stopped with SIGSTOP, as a
paused VM or a stuck host looks to a client), under load, against a real ``copilot
serve``.

Before: every request waited forever, on a pooled connection or in the pool's own
liveness check, until the server thawed. Now: a request answers 503 with
``Retry-After`` after at most the deadlines (pool wait, ``COPILOT_DB_QUERY_TIMEOUT_S``
and its grace), never a client timeout, and search answers again once the server does.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from copilot.auth import TokenService
from copilot.embedded import EmbeddedServer
from tests.api.test_embedded_restart import serve, under_load
from tests.api.test_http_surface import _jsonl
from tests.conftest import INGEST_TOKEN
from tests.db import crm_small
from tests.db.crm_small import ACME

pytestmark = pytest.mark.slow

FROZEN_S = 10.0


def test_a_frozen_database_answers_503_then_search_returns(tmp_path: Path) -> None:
    with serve(tmp_path, COPILOT_DB_QUERY_TIMEOUT_S="1") as served:
        ingest = httpx.post(
            f"{served.base_url}/v1/ingest",
            content=_jsonl(crm_small.records()),
            headers={
                "Authorization": f"Bearer {INGEST_TOKEN}",
                "Content-Type": "application/x-ndjson",
            },
            timeout=120,
        )
        assert ingest.status_code == 200, ingest.text
        token = TokenService.from_settings(served.settings).mint(
            org=ACME, subject="admin", ttl_s=600
        )
        pid = EmbeddedServer(served.settings).postmaster_pid()
        assert pid is not None
        postmaster = psutil.Process(pid)

        stopped: list[psutil.Process] = []
        with under_load(served.base_url, token) as outcomes:
            try:
                time.sleep(2)
                stopped = [postmaster, *postmaster.children(recursive=True)]
                for p in stopped:
                    p.send_signal(signal.SIGSTOP)
                frozen_at = time.monotonic()
                time.sleep(1)
                asked = time.monotonic()
                ready = httpx.get(f"{served.base_url}/readyz", timeout=30)
                ready_s = time.monotonic() - asked
                assert ready.status_code == 503, ready.text
                # One search of our own while frozen: the load's clients may all be in
                # requests that began before the freeze.
                asked = time.monotonic()
                search = httpx.post(
                    f"{served.base_url}/v1/search",
                    json={"query": "customer email"},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )
                search_s = time.monotonic() - asked
                assert search.status_code == 503, search.text
                assert search.headers.get("retry-after"), search.headers
                time.sleep(max(0.0, FROZEN_S - (time.monotonic() - frozen_at)))
            finally:
                for p in stopped:
                    p.send_signal(signal.SIGCONT)
            thawed_at = time.monotonic()
            back_at = None
            while back_at is None and time.monotonic() - thawed_at < 45:
                time.sleep(0.5)
                back_at = next(
                    (
                        o.started + o.seconds
                        for o in list(outcomes)
                        if o.started > thawed_at and o.status == 200
                    ),
                    None,
                )
        log = served.log.read_text(errors="replace")

    # Started while frozen, early enough that every deadline ran out before the thaw.
    during = [o for o in outcomes if frozen_at <= o.started < thawed_at - 4]
    statuses = {o.status for o in outcomes}
    assert statuses <= {200, 503}, (statuses, log[-3000:])  # no 500, no client timeout
    assert {o.status for o in during} <= {503}, [o.status for o in during]
    slowest = max(o.seconds for o in outcomes)
    assert back_at is not None, log[-3000:]
    print(
        f"\n{len(outcomes)} requests, {len(during)} started while frozen (all 503), "
        f"slowest {slowest:.2f} s, /readyz 503 in {ready_s:.2f} s, "
        f"a search 503 in {search_s:.2f} s, "
        f"search back {back_at - thawed_at:.1f} s after the thaw"
    )
