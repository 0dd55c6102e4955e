"""What the audit trail adds to search latency: off, written in the request, written after
the response (a background task, with a commit that does not wait for the disk).

Indexes the seeded sample CRM into a scratch database, then serves it from three apps at
once (one per mode, each a real uvicorn server on its own port, sharing the model) and
sends every search to all three in rotating order, so load on the machine falls on each
mode alike. Runs one client, then ``--clients`` concurrent ones (where the chain's per-org
lock can queue writers). Prints p50/p95 per mode and p95 relative to "off"; the issue
allows at most +10 % at p95.

Example:
    .venv/bin/python -m bench.audit --docs-per-org 300 --samples 200 --clients 8
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

import httpx
import uvicorn
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from pydantic import SecretStr

from bench.common import OUT_DIR, bench_database, format_table, latency
from copilot import sample
from copilot.service import Copilot
from copilot.settings import Settings

MODES: dict[str, dict[str, Any]] = {
    "off": {"audit_enabled": False},
    "in request": {"audit_write": "request"},
    "after response": {"audit_write": "background"},
}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs-per-org", type=int, default=300, help="sample size per org")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--samples", type=int, default=200, help="searches per mode, 1 client")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients, phase 2")
    parser.add_argument("--per-client", type=int, default=30, help="searches per client and mode")
    parser.add_argument(
        "--gap-ms", type=float, default=0.0, help="pause after each search (1-client phase)"
    )
    parser.add_argument("--port", type=int, default=18301, help="first of three ports")
    parser.add_argument("--reuse", action="store_true", help="keep an indexed scratch db")
    return parser.parse_args(argv)


def _with_user(url: str, user: str) -> str:
    params = conninfo_to_dict(url)
    params["user"] = user
    params.pop("password", None)
    return make_conninfo("", **params)


class _Server:
    """One app under uvicorn in a thread of this process."""

    def __init__(self, app: Any, port: int) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base_url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise SystemExit(f"server on {self.base_url} did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _search(client: httpx.Client, base: str, token: str, query: str) -> float:
    started = time.perf_counter()
    response = client.post(
        f"{base}/v1/search",
        json={"query": query, "top_k": 10},
        headers={"Authorization": f"Bearer {token}"},
    )
    elapsed = (time.perf_counter() - started) * 1000.0
    if response.status_code != 200:
        raise SystemExit(f"search failed on {base}: {response.status_code} {response.text[:200]}")
    return elapsed


def _phase(
    servers: dict[str, _Server],
    jobs: list[tuple[str, str]],
    *,
    clients: int,
    per_client: int,
    gap_s: float = 0.0,
) -> dict[str, list[float]]:
    """Each client sends its searches to every mode in rotating order."""
    samples: dict[str, list[float]] = {m: [] for m in servers}
    lock = threading.Lock()
    modes = list(servers)

    def run(worker: int) -> None:
        rng = random.Random(worker)
        with httpx.Client(timeout=60) as client:
            for i in range(per_client):
                token, query = rng.choice(jobs)
                order = modes[i % len(modes) :] + modes[: i % len(modes)]
                for mode in order:
                    ms = _search(client, servers[mode].base_url, token, query)
                    with lock:
                        samples[mode].append(ms)
                    time.sleep(gap_s)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from api.app import create_app
    from embeddings import SentenceTransformerEmbedder

    crm = sample.generate(args.seed, docs_per_org=args.docs_per_org)
    records = crm.records
    settings = Settings(data_dir=OUT_DIR / "audit-data")
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    with bench_database(
        settings, dbname="copilot_bench_audit", recreate=lambda url: not args.reuse
    ) as (db, fresh):
        if fresh:
            report = Copilot(db, embedder, settings).indexer(progress=True).ingest_dicts(records)
            print(f"indexed: {report.summary()}")
        base = settings.model_copy(
            update={
                "database_url": db.url,
                "service_database_url": _with_user(db.url, "copilot_service"),
                "jwt_secret": SecretStr(secrets.token_urlsafe(48)),
            }
        )
        org = records[0]["org"]
        users = [r["id"] for r in records if r["type"] == "user" and r["org"] == org]
        questions = [q.text for q in crm.questions if q.org == org] or ["renewal risk"]
        apps = {
            m: create_app(base.model_copy(update=c), embedder=embedder) for m, c in MODES.items()
        }
        tokens = next(iter(apps.values())).state.tokens
        jobs = [
            (tokens.mint(org=org, subject=u, ttl_s=3600), q)
            for u in users[:12]
            for q in questions[:20]
        ]
        with (
            _Server(apps["off"], args.port) as off,
            _Server(apps["in request"], args.port + 1) as in_request,
            _Server(apps["after response"], args.port + 2) as after,
        ):
            servers = {"off": off, "in request": in_request, "after response": after}
            _phase(servers, jobs, clients=1, per_client=10)  # warm-up: pools, plans
            one = _phase(
                servers, jobs, clients=1, per_client=args.samples, gap_s=args.gap_ms / 1000
            )
            many = _phase(servers, jobs, clients=args.clients, per_client=args.per_client)
        print(
            f"\nsearch over HTTP, org {org!r}, {len(records)} records, {os.cpu_count()} CPUs, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        rows = []
        for label, phase in (("1 client", one), (f"{args.clients} clients", many)):
            off_p95 = latency(phase["off"]).p95_ms
            for mode, samples in phase.items():
                lat = latency(samples)
                rows.append(
                    [
                        label,
                        mode,
                        lat.n,
                        round(lat.p50_ms, 1),
                        round(lat.p95_ms, 1),
                        f"{(lat.p95_ms / off_p95 - 1) * 100:+.1f}%",
                    ]
                )
        print(format_table(["load", "audit", "n", "p50 ms", "p95 ms", "p95 vs off"], rows))
        print(_append_alone(db, org, n=args.samples))
    return 0


def _append_alone(db: Any, org: str, *, n: int) -> str:
    """The write itself, one entry of ten ids per transaction, durable and not."""
    from copilot.audit import AuditLog

    audit = AuditLog(db)
    out = []
    for durable in (True, False):
        samples = []
        for i in range(n):
            entry = audit.entry(
                org=org,
                actor="user:bench",
                request_id=f"bench-{i}",
                endpoint="POST /v1/search",
                status=200,
                record_ids=[f"doc-{j}" for j in range(10)],
                query="renewal risk",
                engine="exact",
            )
            started = time.perf_counter()
            audit.append([entry], durable=durable)
            samples.append((time.perf_counter() - started) * 1000.0)
        lat = latency(samples)
        label = "flushed commit" if durable else "unflushed commit"
        out.append(f"{label}: p50 {lat.p50_ms:.1f} ms, p95 {lat.p95_ms:.1f} ms")
    return "audit append alone (" + "; ".join(out) + ")"


if __name__ == "__main__":
    sys.exit(main())
