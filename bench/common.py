"""Helpers shared by benchmark scripts: timing statistics, plain tables, a scratch database.

Benchmarks are scripts that print figures; they are not tests and nothing outside
``bench`` imports them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from copilot.db import Database, open_database
from copilot.settings import Settings

__all__ = [
    "BENCH_DIR",
    "OUT_DIR",
    "Latency",
    "Stopwatch",
    "bar_opts",
    "bench_database",
    "format_table",
    "latency",
    "timed_ms",
]

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"


# --------------------------------------------------------------------------- timing


@dataclass(frozen=True)
class Latency:
    """Percentiles of a list of wall-clock samples, in milliseconds."""

    n: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float

    def as_dict(self) -> dict[str, float]:
        return {
            "n": self.n,
            "p50_ms": round(self.p50_ms, 3),
            "p95_ms": round(self.p95_ms, 3),
            "mean_ms": round(self.mean_ms, 3),
            "max_ms": round(self.max_ms, 3),
        }


def latency(samples_ms: Sequence[float]) -> Latency:
    """p50/p95 (linear interpolation), mean and max of ``samples_ms``.

    Example:
        >>> latency([1.0, 2.0, 3.0]).p50_ms
        2.0
    """
    if not samples_ms:
        raise ValueError("latency() needs at least one sample")
    a = np.asarray(samples_ms, dtype=np.float64)
    return Latency(
        n=len(a),
        p50_ms=float(np.percentile(a, 50)),
        p95_ms=float(np.percentile(a, 95)),
        mean_ms=float(a.mean()),
        max_ms=float(a.max()),
    )


def timed_ms(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), elapsed milliseconds)`` by ``time.perf_counter``."""
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000.0


class Stopwatch:
    """Accumulates the time spent inside ``with watch:`` blocks, in seconds."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self._started = 0.0

    def __enter__(self) -> Stopwatch:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._started
        self.calls += 1


def bar_opts() -> dict[str, Any]:
    """tqdm options: smooth on a terminal, a line every 20 s in a log file."""
    tty = sys.stderr.isatty()
    return {"mininterval": 0.5 if tty else 20.0, "smoothing": 0.1, "dynamic_ncols": tty}


# --------------------------------------------------------------------------- tables


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain, aligned text table: text columns left-aligned, numbers right-aligned.

    Example:
        >>> print(format_table(["a", "n"], [["x", 1]]))
        a  n
        -  -
        x  1
    """
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in rows) and bool(rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        cells = zip(values, widths, numeric, strict=True)
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in cells]
        return "  ".join(parts).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out.extend(line(r) for r in cells)
    return "\n".join(out)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:,.3f}" if abs(float(value)) < 10 else f"{value:,.1f}"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


# --------------------------------------------------------------------------- database


def _with_dbname(url: str, dbname: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo("", **params)


def _server_url(settings: Settings) -> str:
    """The server to create the bench database on: the configured URL or the embedded one."""
    if settings.database_url:
        return settings.database_url
    # open_database starts (or reaches) the embedded server under data_dir; that
    # server is the benchmark's own scratch server.
    scratch = open_database(settings)
    url = scratch.url
    scratch.close()
    return url


def database_exists(server_url: str, dbname: str) -> bool:
    with psycopg.connect(server_url, autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
    return row is not None


def _drop_and_create(server_url: str, dbname: str) -> None:
    # No WITH (FORCE): sessions someone else has open on the bench database are theirs to
    # end, so a busy database stops the run with their list instead.
    with psycopg.connect(server_url, autocommit=True) as conn:
        others = conn.execute(
            "SELECT pid, application_name, state, left(query, 60) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (dbname,),
        ).fetchall()
        if others:
            listed = "; ".join(f"pid {r[0]} {r[2]}: {r[3]!r}" for r in others)
            raise SystemExit(
                f"database {dbname!r} is in use by {len(others)} other session(s) ({listed}); "
                "close them, or pass another --data-dir / COPILOT_DATABASE_URL"
            )
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(dbname)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


@contextmanager
def bench_database(
    settings: Settings, *, dbname: str, recreate: Callable[[str], bool]
) -> Iterator[tuple[Database, bool]]:
    """A migrated, dedicated database ``dbname`` on the configured server.

    ``recreate(url)`` is asked whether the existing database (if any) must be dropped;
    nothing outside ``dbname`` is written, except the migrations of the embedded
    scratch server's default database.

    Yields:
        ``(database, recreated)``.
    """
    server_url = _server_url(settings)
    bench_url = _with_dbname(server_url, dbname)
    fresh = not database_exists(server_url, dbname) or recreate(bench_url)
    if fresh:
        _drop_and_create(server_url, dbname)
    db = open_database(settings.model_copy(update={"database_url": bench_url}))
    try:
        yield db, fresh
    finally:
        db.close()
