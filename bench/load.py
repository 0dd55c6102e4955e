"""Load test: ``POST /v1/search`` throughput and latency under 1, 16 and 64 clients.

Runs locust headless against a local ``copilot serve`` on the sample CRM (built with
``copilot demo --no-serve`` in the same data dir if missing), each client a different
user of the sample org with no think time, once quietly and once while one ingest client
re-indexes a batch of 20 emails after another. Prints req/s and p50/p95/p99 per run.

    COPILOT_DATA_DIR=/tmp/load-data python -m bench.load                 # ~4 min
    python -m bench.load --clients 1,16 --seconds 10 --no-ingest-runs     # quicker
    python -m bench.load --url http://127.0.0.1:8000 --jwt-secret ...     # a running server

The server runs with ``COPILOT_RATE_LIMIT=off``: this measures capacity, not the limiter.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

QUERIES = [
    "customer is worried about the security review holding up the contract",
    "pricing discount before renewal",
    "renewal risk",
    "integration problems with the API",
    "who is the decision maker",
    "competitor pricing",
    "support ticket escalation",
    "contract signed next quarter",
    "onboarding delays",
    "invoice dispute",
]
INGEST_BATCH = 20
#: Ingested ids cycle through this many, so repeated runs update rather than grow the index.
INGEST_IDS = 200


@dataclass
class RunResult:
    clients: int
    ingest: bool
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    requests: int
    errors: int
    ingest_batches: int


def _sample(data_dir: Path) -> tuple[str, list[str], list[dict[str, Any]]]:
    path = data_dir / "sample" / "crm.jsonl"
    if not path.exists():
        print(f"no sample in {data_dir}; building it (copilot demo --no-serve) ...", flush=True)
        env = {**os.environ, "COPILOT_DATA_DIR": str(data_dir)}
        subprocess.run(
            [sys.executable, "-c", "from copilot.cli import main; main()", "demo", "--no-serve"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    org = next(r["org"] for r in records if r["type"] == "user")
    users = [r["id"] for r in records if r["type"] == "user" and r["org"] == org]
    emails = [r for r in records if r["type"] == "email" and r["org"] == org][:INGEST_IDS]
    return org, users, emails


def _serve(
    data_dir: Path, port: int, jwt_secret: str, ingest_token: str
) -> subprocess.Popen[bytes]:
    import urllib.request

    env = {
        **os.environ,
        "COPILOT_DATA_DIR": str(data_dir),
        "COPILOT_JWT_SECRET": jwt_secret,
        "COPILOT_INGEST_TOKEN": ingest_token,
        "COPILOT_RATE_LIMIT": "off",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    log = (data_dir / "bench-load-serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-c", "from copilot.cli import main; main()", "serve"]
        + ["--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"copilot serve exited; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return proc
        except OSError:
            time.sleep(1)
    proc.terminate()
    raise SystemExit("copilot serve did not become ready in 5 minutes")


def _run(
    url: str,
    *,
    clients: int,
    seconds: float,
    tokens: list[str],
    ingest_token: str | None,
    org: str,
    emails: list[dict[str, Any]],
) -> RunResult:
    import gevent
    from locust import HttpUser, User, constant, task
    from locust.env import Environment

    counter = {"search": 0, "batch": 0}

    class Searcher(HttpUser):
        host = url
        wait_time = constant(0)

        def on_start(self) -> None:
            n = counter["search"]
            counter["search"] += 1
            self.headers = {"Authorization": f"Bearer {tokens[n % len(tokens)]}"}
            self.n = n

        @task
        def search(self) -> None:
            self.n += 1
            query = QUERIES[self.n % len(QUERIES)]
            self.client.post(
                "/v1/search",
                json={"query": query, "top_k": 10},
                headers=self.headers,
                name="search",
            )

    class Ingester(HttpUser):
        host = url
        wait_time = constant(0)
        fixed_count = 1

        @task
        def ingest(self) -> None:
            batch = counter["batch"]
            counter["batch"] += 1
            body = "".join(
                json.dumps(
                    {
                        **email,
                        "id": f"bench-load-{(batch * INGEST_BATCH + i) % INGEST_IDS}",
                        "body": f"{email['body']}\n\n(load-test revision {batch})",
                    }
                )
                + "\n"
                for i, email in enumerate(emails[:INGEST_BATCH])
            )
            self.client.post(
                "/v1/ingest",
                data=body.encode(),
                headers={
                    "Authorization": f"Bearer {ingest_token}",
                    "Content-Type": "application/x-ndjson",
                },
                name="ingest",
                timeout=600,
            )

    user_classes: list[type[User]] = [Searcher]
    if ingest_token is not None:
        user_classes.append(Ingester)
    env = Environment(user_classes=user_classes)
    runner = env.create_local_runner()
    total = clients + (1 if ingest_token else 0)
    runner.start(total, spawn_rate=max(total, 1))
    gevent.sleep(min(5.0, seconds / 4))  # ramp up and warm caches, then measure
    env.stats.reset_all()
    gevent.sleep(seconds)
    stats = env.stats.get("search", "POST")
    ingests = env.stats.get("ingest", "POST")
    result = RunResult(
        clients=clients,
        ingest=ingest_token is not None,
        rps=stats.total_rps,
        p50_ms=stats.get_response_time_percentile(0.50),
        p95_ms=stats.get_response_time_percentile(0.95),
        p99_ms=stats.get_response_time_percentile(0.99),
        requests=stats.num_requests,
        errors=stats.num_failures,
        ingest_batches=ingests.num_requests,
    )
    runner.quit()
    return result


def _warm_up(url: str, tokens: list[str]) -> None:
    # The first searches of a fresh server load caches and plans; not what is measured.
    import urllib.request

    for i, query in enumerate(QUERIES * 2):
        request = urllib.request.Request(
            f"{url}/v1/search",
            data=json.dumps({"query": query}).encode(),
            headers={
                "Authorization": f"Bearer {tokens[i % len(tokens)]}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()


def main(argv: list[str] | None = None) -> None:
    from locust import HttpUser  # noqa: F401 - gevent patches sockets before anything else

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,16,64", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured seconds per run")
    parser.add_argument("--no-ingest-runs", action="store_true", help="skip runs with ingest")
    parser.add_argument("--port", type=int, default=18201)
    parser.add_argument("--url", help="use a running server (needs --jwt-secret)")
    parser.add_argument("--jwt-secret", help="the running server's COPILOT_JWT_SECRET")
    parser.add_argument("--ingest-token", help="the running server's COPILOT_INGEST_TOKEN")
    args = parser.parse_args(argv)

    from copilot.auth import TokenService
    from copilot.settings import Settings

    data_dir = Settings().data_dir
    org, users, emails = _sample(data_dir)
    jwt_secret = args.jwt_secret or secrets.token_urlsafe(48)
    ingest_token = args.ingest_token or secrets.token_urlsafe(48)
    proc = None
    url = args.url
    if url is None:
        proc = _serve(data_dir, args.port, jwt_secret, ingest_token)
        url = f"http://127.0.0.1:{args.port}"
    tokens_service = TokenService(algorithm="HS256", verify_key=jwt_secret, signing_key=jwt_secret)
    tokens = [tokens_service.mint(org=org, subject=u, ttl_s=3600) for u in users]
    _warm_up(url, tokens)
    counts = [int(c) for c in args.clients.split(",")]
    modes = [False] if args.no_ingest_runs else [False, True]
    results = []
    try:
        for with_ingest in modes:
            for clients in counts:
                results.append(
                    _run(
                        url,
                        clients=clients,
                        seconds=args.seconds,
                        tokens=tokens,
                        ingest_token=ingest_token if with_ingest else None,
                        org=org,
                        emails=emails,
                    )
                )
                r = results[-1]
                print(
                    f"  {r.clients:>3} clients{' + ingest' if r.ingest else ''}: "
                    f"{r.rps:.1f} req/s, p95 {r.p95_ms:.0f} ms",
                    flush=True,
                )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    _report(results, seconds=args.seconds, users=len(users))


def _report(results: list[RunResult], *, seconds: float, users: int) -> None:
    from bench.common import format_table

    print(f"\nPOST /v1/search, {seconds:g} s per run, {users} distinct users, no think time")
    rows = [
        [
            r.clients,
            "yes" if r.ingest else "no",
            round(r.rps, 1),
            r.p50_ms,
            r.p95_ms,
            r.p99_ms,
            r.requests,
            r.errors,
            r.ingest_batches if r.ingest else "-",
        ]
        for r in results
    ]
    headers = ["clients", "ingest", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "errors"]
    print(format_table([*headers, f"ingest batches of {INGEST_BATCH}"], rows))


if __name__ == "__main__":
    main()
