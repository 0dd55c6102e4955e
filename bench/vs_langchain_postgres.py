"""Ours vs langchain-postgres: the same chunks, vectors, queries and callers through both.

Run it from the repository root::

    .venv/bin/python bench/vs_langchain_postgres.py --reuse   # keep corpus and loaded table
    .venv/bin/python bench/vs_langchain_postgres.py           # rebuild both (long)

It prints plain tables and writes the same figures to ``bench/out/vs_langchain_postgres.json``.

**The corpus** is :mod:`bench.search`'s (``--chunks`` chunks in org ``bench``, database
``copilot_bench`` under ``--data-dir``), reused when ``--reuse`` finds it, built otherwise.
Only its first ``--real-chunks`` chunks carry real model embeddings (see that module).

**The langchain-postgres side** (0.0.19) uses ``PGVectorStore``, the class its README
recommends (``PGVector`` "is deprecated" since 0.0.14), in the same database:

* table ``langchain_chunks`` made by ``PGEngine.init_vectorstore_table`` with its default
  ``vector(384)`` column, plus metadata columns ``document_id``, ``ord`` and ``access``:
  the how-to notebook (``examples/pg_vectorstore_how_to.ipynb``) and the migration guide
  recommend metadata *columns* over the JSON column for filtering;
* its HNSW index, ``apply_vector_index(HNSWIndex())`` (m 16, ef_construction 64, cosine,
  as ours), created before the rows go in so that, like ours, it is built by insertion;
* rows loaded with ``add_embeddings`` (precomputed vectors, no model), in batches of
  ``--load-batch``, from our ``chunks`` table: same text, same vectors, same access lists;
* queries through ``similarity_search_with_score_by_vector(k=10, filter=...)`` with
  ``index_query_options=HNSWQueryOptions(ef_search=...)``, by default our own
  ``hnsw_ef_search`` (without options pgvector's default, 40, applies).

**The access filter.** A chunk is visible when its access list shares a principal with
the caller's. langchain-postgres 0.0.19 has no operator for that: its filters are
``$eq $ne $lt $lte $gt $gte $in $nin $between $exists $like $ilike $and $or $not``
(``_handle_field_filter`` in ``langchain_postgres/v2/async_vectorstore.py``, and the
operator table of the how-to); ``$in`` tests a *scalar* column against a list
(``col = ANY(:p)``), and array inclusion is an open request (langchain-postgres issue
#143; PRs #146 and #228, ``$contains_any``, unmerged). So the list is stored the way that
issue names as the closest fit: one TEXT metadata column holding the delimited list
(``|org|owner:u1|team:t1|``), filtered with the documented ``$or`` of ``$like`` terms,
one per caller principal (``%|owner:u1|%``, LIKE wildcards escaped). The alternative, one
boolean field per principal, needs a column (or JSON key) per principal, hundreds here
and more with every new user. Before timing, the filter's row count is checked against
ours (``access && acl``) for every caller; a difference stops the run.

**Same inputs.** Query texts are embedded once (model time excluded from both) and
rounded to float16, the precision our ``halfvec`` column ranks with, so both systems and
the exact truth rank identical numbers. Stored vectors are our halfvec values, exactly
representable in langchain's float32 column.

**What each timing includes** (wall clock around one call, warm, each path warmed on
``5`` queries first, the two paths alternating per query; the caller's principals are
read once per role, outside both timings):

* ours: the production read path: a pooled connection of the non-owner service role
  and its transaction (``Database.caller``), scoping row-level security to the caller
  (``store.scope_to_caller``), the planner's permitted-set estimate,
  ``Retriever.vector_search`` (exact or HNSW with iterative scan, exact fallback on a
  short page), fetching the 10 hits with text, COMMIT;
* theirs: building the filter dict, ``PGVectorStore``'s sync call (a hop to the engine's
  event loop thread), a pooled SQLAlchemy async connection (``--langchain-driver``),
  ``SET LOCAL hnsw.ef_search``, the filtered query returning id, text, vector and
  metadata columns, and building the ``Document`` objects.

recall@10 of each is measured against ``store.vector_search_exact`` (every permitted chunk
ranked) over the same vectors. A "short page" is a result with fewer hits than the exact
answer has (at most 10).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_postgres import Column, PGEngine, PGVectorStore
from langchain_postgres.v2.indexes import HNSWIndex, HNSWQueryOptions
from psycopg import Connection, sql
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import OUT_DIR, bench_database, format_table, latency, timed_ms  # noqa: E402
from bench.search import (  # noqa: E402
    DB_NAME,
    ORG,
    TOP_K,
    WARMUP_QUERIES,
    Role,
    _bar_opts,
    _plan_summary,
    build_corpus,
    embed_queries,
    keys,
    load_build_meta,
    org_chart,
    permitted_count,
    query_texts,
    recall_at,
    reusable,
    roles,
    server_facts,
)
from copilot.db import Database  # noqa: E402
from copilot.service import Copilot  # noqa: E402
from copilot.settings import Settings  # noqa: E402
from embeddings import SentenceTransformerEmbedder  # noqa: E402
from retrieval import store  # noqa: E402
from retrieval.models import SearchFilters  # noqa: E402
from retrieval.search import Retriever  # noqa: E402

log = logging.getLogger("bench.vs_langchain_postgres")

T = TypeVar("T")

LC_TABLE = "langchain_chunks"
LC_INDEX = "langchain_chunks_hnsw"
LC_METADATA_COLUMNS = ("document_id", "ord", "access")
ACCESS_DELIMITER = "|"
ID_NAMESPACE = uuid.UUID("5d1b6f0e-3c1a-4f6e-9a57-6b1c2d3e4f50")
JSON_PATH = OUT_DIR / "vs_langchain_postgres.json"
NO_FILTERS = SearchFilters()


# =========================================================================== access filter


def access_text(access: Sequence[str]) -> str:
    """The access list as one delimited string, ``|a|b|``, for a LIKE-filterable column.

    Example:
        >>> access_text(["team:t1", "org"])
        '|org|team:t1|'
    """
    bad = [p for p in access if ACCESS_DELIMITER in p]
    if bad or not access:
        raise ValueError(f"access list must be non-empty and free of {ACCESS_DELIMITER!r}: {bad}")
    return ACCESS_DELIMITER + ACCESS_DELIMITER.join(sorted(access)) + ACCESS_DELIMITER


def like_pattern(principal: str) -> str:
    """A LIKE pattern matching ``principal`` as a whole element of :func:`access_text`.

    Example:
        >>> like_pattern("owner:a_b")
        '%|owner:a\\\\_b|%'
    """
    escaped = principal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{ACCESS_DELIMITER}{escaped}{ACCESS_DELIMITER}%"


def access_filter(acl: frozenset[str]) -> dict[str, Any]:
    """langchain-postgres filter: the access column shares a principal with ``acl``.

    Example:
        >>> access_filter(frozenset({"org"}))
        {'$or': [{'access': {'$like': '%|org|%'}}]}
    """
    if not acl:
        raise ValueError("acl must name at least one principal")
    return {"$or": [{"access": {"$like": like_pattern(p)}} for p in sorted(acl)]}


def chunk_uuid(document_id: str, ord: int) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{document_id}\x00{ord}"))


# =========================================================================== langchain side


class VectorsOnly(Embeddings):
    """An embedding service that refuses to embed: every vector here is precomputed."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise NotImplementedError("the benchmark passes precomputed vectors only")

    def embed_query(self, text: str) -> list[float]:
        raise NotImplementedError("the benchmark passes precomputed vectors only")


def sqlalchemy_url(conninfo: str, *, driver: str) -> URL:
    """The SQLAlchemy URL of a libpq conninfo (key=value or URI), for ``driver``."""
    p = {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
    return URL.create(
        f"postgresql+{driver}",
        username=p.get("user"),
        password=p.get("password") or None,
        host=p.get("host"),
        port=int(p["port"]) if p.get("port") else None,
        database=p.get("dbname"),
    )


class LangchainSide:
    """``PGVectorStore`` on the bench database, used through its documented sync API.

    The async engine is ours (``PGEngine.from_engine``) so the captured statement of a
    search can be EXPLAINed; its event loop runs in a thread, as
    ``PGEngine.from_connection_string`` would run it.
    """

    def __init__(self, conninfo: str, *, driver: str, dim: int, ef_search: int) -> None:
        self.dim = dim
        self.ef_search = ef_search
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.async_engine: AsyncEngine = create_async_engine(
            sqlalchemy_url(conninfo, driver=driver)
        )
        self.engine = PGEngine.from_engine(self.async_engine, loop=self.loop)
        self._store: PGVectorStore | None = None

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def create_table(self) -> None:
        self.engine.init_vectorstore_table(
            table_name=LC_TABLE,
            vector_size=self.dim,
            metadata_columns=[
                Column("document_id", "TEXT", nullable=False),
                Column("ord", "INTEGER", nullable=False),
                Column("access", "TEXT", nullable=False),
            ],
            overwrite_existing=True,
        )
        self._store = None

    @property
    def store(self) -> PGVectorStore:
        if self._store is None:
            self._store = PGVectorStore.create_sync(
                self.engine,
                embedding_service=VectorsOnly(),
                table_name=LC_TABLE,
                metadata_columns=list(LC_METADATA_COLUMNS),
                index_query_options=HNSWQueryOptions(ef_search=self.ef_search),
            )
        return self._store

    def search(self, acl: frozenset[str], qvec: list[float]) -> list[tuple[str, int]]:
        found = self.store.similarity_search_with_score_by_vector(
            qvec, k=TOP_K, filter=access_filter(acl)
        )
        return [(doc.metadata["document_id"], int(doc.metadata["ord"])) for doc, _ in found]

    def plan(self, acl: frozenset[str], qvec: list[float]) -> str:
        """EXPLAIN of the statement one search actually sends, with its parameters."""
        captured: list[tuple[str, Any]] = []

        def capture(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if "ORDER BY" in statement:
                captured.append((statement, params))

        event.listen(self.async_engine.sync_engine, "before_cursor_execute", capture)
        try:
            self.search(acl, qvec)
        finally:
            event.remove(self.async_engine.sync_engine, "before_cursor_execute", capture)
        statement, params = captured[-1]
        raw = self.run(self._explain(statement, params))
        doc = json.loads(raw) if isinstance(raw, str) else raw
        return _plan_summary(doc[0]["Plan"])

    async def _explain(self, statement: str, params: Any) -> Any:
        async with self.async_engine.connect() as conn:
            for option in HNSWQueryOptions(ef_search=self.ef_search).to_parameter():
                await conn.exec_driver_sql(f"SET LOCAL {option}")
            result = await conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, params)
            return result.scalar_one()

    def close(self) -> None:
        self.run(self.async_engine.dispose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


def lc_row_count(db: Database) -> int | None:
    """Rows in the langchain table, or None if it does not exist."""
    with db.connection() as conn:
        exists = conn.execute("SELECT to_regclass(%s)", (LC_TABLE,)).fetchone()
        if not exists or exists[0] is None:
            return None
        row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(LC_TABLE)))
        counted = row.fetchone()
    assert counted is not None
    return int(counted[0])


def load_langchain(db: Database, lc: LangchainSide, *, batch_rows: int) -> dict[str, Any]:
    """Recreate the langchain table and load every bench chunk through ``add_embeddings``."""
    started = time.perf_counter()
    lc.create_table()
    lc.store.apply_vector_index(HNSWIndex(name=LC_INDEX))
    with db.connection() as conn:
        total_row = conn.execute("SELECT count(*) FROM chunks WHERE org = %s", (ORG,)).fetchone()
    assert total_row is not None
    bar = tqdm(
        total=int(total_row[0]), unit="chunk", desc="langchain add_embeddings", **_bar_opts()
    )
    loaded = 0
    with db.connection() as conn, conn.cursor(name="langchain_load") as cur:
        cur.itersize = batch_rows
        cur.execute(
            "SELECT document_id, ord, text, access, embedding FROM chunks"
            " WHERE org = %s ORDER BY document_id, ord",
            (ORG,),
        )
        while rows := cur.fetchmany(batch_rows):
            lc.store.add_embeddings(
                texts=[r[2] for r in rows],
                embeddings=[r[4].to_list() for r in rows],
                metadatas=[
                    {"document_id": r[0], "ord": r[1], "access": access_text(r[3])} for r in rows
                ],
                ids=[chunk_uuid(r[0], r[1]) for r in rows],
            )
            loaded += len(rows)
            bar.update(len(rows))
    bar.close()
    load_s = time.perf_counter() - started
    # What autovacuum would do shortly anyway; done now so the planner's estimates for
    # the LIKE filter do not depend on when the run starts.
    with db.connection() as conn:
        _, analyze_ms = timed_ms(
            lambda: conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(LC_TABLE)))
        )
    record = {
        "rows": loaded,
        "load_s": load_s,
        "rows_per_s": loaded / load_s,
        "batch_rows": batch_rows,
        "analyze_ms": analyze_ms,
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    # Kept on the table itself, so a reused table still reports how long its load took.
    with db.connection() as conn:
        conn.execute(
            sql.SQL("COMMENT ON TABLE {} IS {}").format(
                sql.Identifier(LC_TABLE), sql.Literal(json.dumps(record))
            )
        )
    return record


def read_load_record(db: Database) -> dict[str, Any]:
    """The load figures stored on the table by :func:`load_langchain`."""
    with db.connection() as conn:
        row = conn.execute("SELECT obj_description(%s::regclass, 'pg_class')", (LC_TABLE,))
        found = row.fetchone()
    try:
        return dict(json.loads(found[0])) if found and found[0] else {}
    except json.JSONDecodeError:
        return {}


def langchain_facts(db: Database) -> dict[str, Any]:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT pg_size_pretty(pg_total_relation_size(%(t)s::regclass)),"
            " pg_size_pretty(pg_relation_size(%(i)s::regclass)),"
            " (SELECT format_type(atttypid, atttypmod) FROM pg_attribute"
            "   WHERE attrelid = %(t)s::regclass AND attname = 'embedding')",
            {"t": LC_TABLE, "i": LC_INDEX},
        ).fetchone()
    assert row is not None
    return {"table_size": row[0], "hnsw_index_size": row[1], "embedding_type": row[2]}


def lc_permitted_count(db: Database, acl: frozenset[str]) -> int:
    """Rows the langchain filter admits (``LIKE ANY`` = the filter's OR of LIKEs)."""
    with db.connection() as conn:
        row = conn.execute(
            sql.SQL("SELECT count(*) FROM {} WHERE access LIKE ANY(%s)").format(
                sql.Identifier(LC_TABLE)
            ),
            ([like_pattern(p) for p in sorted(acl)],),
        ).fetchone()
    assert row is not None
    return int(row[0])


# =========================================================================== measuring


def ours_search(
    db: Database, retriever: Retriever, acl: frozenset[str], qvec: np.ndarray
) -> tuple[list[tuple[str, int]], str]:
    # The production read path: the non-owner service role, row-level security scoped
    # to the caller, and the planner's explicit access filter on top.
    with db.caller() as conn:
        store.scope_to_caller(conn, org=ORG, acl=acl)
        hits, strategy, _ = retriever.vector_search(
            conn, org=ORG, acl=acl, query_embedding=qvec, filters=NO_FILTERS, limit=TOP_K
        )
    return keys(hits), strategy


def exact_search(db: Database, acl: frozenset[str], qvec: np.ndarray) -> list[tuple[str, int]]:
    with db.connection() as conn:
        hits = store.vector_search_exact(
            conn, org=ORG, acl=acl, query_embedding=qvec, filters=NO_FILTERS, limit=TOP_K
        )
    return keys(hits)


def _principals(conn: Connection[Any], user_id: str) -> frozenset[str]:
    return Copilot.principals(conn, org=ORG, user_id=user_id)


def _side_summary(samples: list[float], recalls: list[float], short: int) -> dict[str, Any]:
    return {
        "latency_ms": latency(samples).as_dict(),
        "recall_at_10": {"mean": float(np.mean(recalls)), "min": float(np.min(recalls))},
        "short_pages": short,
    }


def measure_role(
    db: Database,
    lc: LangchainSide,
    retriever: Retriever,
    role: Role,
    queries: Sequence[np.ndarray],
    corpus_chunks: int,
) -> dict[str, Any]:
    """Recall@10 against the exact answer and latency, ours and theirs, for one caller."""
    with db.connection() as conn:
        acl = _principals(conn, role.user_id)
        permitted = permitted_count(conn, acl)
        plan, estimate = retriever.plan(conn, org=ORG, acl=acl, filters=NO_FILTERS)
    theirs_permitted = lc_permitted_count(db, acl)
    if theirs_permitted != permitted:
        raise SystemExit(
            f"{role.name}: the langchain filter admits {theirs_permitted:,} rows, ours "
            f"{permitted:,}; the two stores do not hold the same access lists"
        )
    as_lists = [q.tolist() for q in queries]
    truth = [exact_search(db, acl, q) for q in queries]
    their_plan = lc.plan(acl, as_lists[0])
    for q, q_list in list(zip(queries, as_lists, strict=True))[:WARMUP_QUERIES]:
        ours_search(db, retriever, acl, q)
        lc.search(acl, q_list)

    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    ours_recall: list[float] = []
    theirs_recall: list[float] = []
    ours_short = theirs_short = 0
    strategies: Counter[str] = Counter()
    for n, (q, q_list, want) in enumerate(zip(queries, as_lists, truth, strict=True)):
        # Alternate who goes first so drift on a shared CPU hits both alike.
        order = ("ours", "theirs") if n % 2 == 0 else ("theirs", "ours")
        for side in order:
            if side == "ours":
                (got, strategy), ms = timed_ms(partial(ours_search, db, retriever, acl, q))
                strategies[strategy] += 1
                ours_ms.append(ms)
                ours_recall.append(recall_at(got, want))
                ours_short += len(got) < len(want)
            else:
                got, ms = timed_ms(partial(lc.search, acl, q_list))
                theirs_ms.append(ms)
                theirs_recall.append(recall_at(got, want))
                theirs_short += len(got) < len(want)
    ours = _side_summary(ours_ms, ours_recall, ours_short)
    theirs = _side_summary(theirs_ms, theirs_recall, theirs_short)
    return {
        "role": role.name,
        "user_id": role.user_id,
        "principals": len(acl),
        "permitted": permitted,
        "permitted_share": permitted / corpus_chunks,
        "ours": {
            **ours,
            "plan": plan,
            "planner_estimate": estimate,
            "strategies": dict(strategies),
        },
        "theirs": {**theirs, "plan": their_plan},
        "ours_over_theirs_p50": ours["latency_ms"]["p50_ms"] / theirs["latency_ms"]["p50_ms"],
        "ours_over_theirs_p95": ours["latency_ms"]["p95_ms"] / theirs["latency_ms"]["p95_ms"],
    }


# =========================================================================== reporting


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 86 - len(title)), flush=True)


def print_setup(
    facts: dict[str, Any], lc_facts: dict[str, Any], load: dict[str, Any], args: argparse.Namespace
) -> None:
    section("Setup")
    print(
        f"PostgreSQL {facts['postgres']}, pgvector {facts['pgvector']}, shared_buffers "
        f"{facts['shared_buffers']}, work_mem {facts['work_mem']}; database {DB_NAME!r}, "
        f"{facts['chunks']:,} chunks in org {ORG!r}"
    )
    print(
        format_table(
            ["store", "embedding", "table (total)", "HNSW index", "index options", "query options"],
            [
                [
                    "ours: chunks",
                    "halfvec(384)",
                    facts["chunks_table_size"],
                    facts["hnsw_index_size"],
                    "m 16, ef_construction 64",
                    f"planner: exact <= {args.exact_max:,} permitted, else ef_search "
                    f"{args.our_ef_search}, iterative scan",
                ],
                [
                    f"langchain: {LC_TABLE}",
                    lc_facts["embedding_type"],
                    lc_facts["table_size"],
                    lc_facts["hnsw_index_size"],
                    "HNSWIndex() m 16, ef_construction 64",
                    f"HNSWQueryOptions(ef_search={args.langchain_ef_search})",
                ],
            ],
        )
    )
    if "load_s" not in load:
        print(f"langchain table reused ({load['rows']:,} rows; no load record on it)")
    else:
        reused = f" (table reused, loaded {load['loaded_at']})" if load.get("reused") else ""
        print(
            f"langchain load{reused}: {load['rows']:,} rows via add_embeddings in batches of "
            f"{load['batch_rows']:,} in {load['load_s']:.0f} s ({load['rows_per_s']:.0f} rows/s, "
            f"HNSW maintained per insert), ANALYZE {load['analyze_ms']:.0f} ms"
        )
    print(
        "langchain filter: {'$or': [{'access': {'$like': '%|<principal>|%'}}, ...]} over a TEXT "
        "column '|p1|p2|...|' (no list-overlap operator in langchain-postgres 0.0.19)"
    )
    print(f"langchain driver: {args.langchain_driver} (SQLAlchemy async engine)")


def print_roles(rows: Sequence[dict[str, Any]]) -> None:
    section(f"Recall@{TOP_K} vs the exact permitted answer, and latency (ms)")
    print(
        format_table(
            ["role", "principals", "permitted", "% corpus", "our plan", "their plan"],
            [
                [
                    r["role"],
                    r["principals"],
                    r["permitted"],
                    f"{100 * r['permitted_share']:.1f}%",
                    ", ".join(f"{k} {v}" for k, v in sorted(r["ours"]["strategies"].items())),
                    r["theirs"]["plan"],
                ]
                for r in rows
            ],
        )
    )
    print()
    print(
        format_table(
            [
                "role",
                "ours recall",
                "min",
                "short",
                "theirs recall",
                "min",
                "short",
                "ours p50",
                "p95",
                "theirs p50",
                "p95",
                "ours/theirs p50",
                "p95",
            ],
            [
                [
                    r["role"],
                    r["ours"]["recall_at_10"]["mean"],
                    r["ours"]["recall_at_10"]["min"],
                    r["ours"]["short_pages"],
                    r["theirs"]["recall_at_10"]["mean"],
                    r["theirs"]["recall_at_10"]["min"],
                    r["theirs"]["short_pages"],
                    r["ours"]["latency_ms"]["p50_ms"],
                    r["ours"]["latency_ms"]["p95_ms"],
                    r["theirs"]["latency_ms"]["p50_ms"],
                    r["theirs"]["latency_ms"]["p95_ms"],
                    r["ours_over_theirs_p50"],
                    r["ours_over_theirs_p95"],
                ]
                for r in rows
            ],
        )
    )
    n = rows[0]["ours"]["latency_ms"]["n"]
    print(
        f"{n} queries per role. short = results with fewer hits than the exact answer. "
        "ours/theirs < 1 means ours is faster. Principals are read once per role, outside "
        "both timings; query embedding excluded from both."
    )


def write_json(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")


# =========================================================================== main


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/vs_langchain_postgres.py",
        description=(
            "Load bench/search.py's corpus (same chunks, vectors and access lists) into "
            "langchain-postgres's PGVectorStore in the same database, run the same queries "
            "for the same callers (rep, manager, director, VP, admin) through both, and "
            "print recall@10 against the exact permitted answer, p50/p95 latency and our/"
            "their latency ratio. See the module docstring for the filter form and what "
            "each timing includes."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument(
        "--reuse",
        action="store_true",
        help=f"keep {DB_NAME!r} if it holds >= --chunks chunks, and the langchain table if it "
        "holds exactly as many rows as there are chunks; otherwise build/load them",
    )
    p.add_argument("--queries", type=int, default=50, help="query texts, run for every role")
    p.add_argument(
        "--chunks", type=int, default=100_000, help="corpus size when the corpus is (re)built"
    )
    p.add_argument(
        "--real-chunks",
        type=int,
        default=2_000,
        help="chunks embedded by the real model when the corpus is (re)built",
    )
    p.add_argument("--seed", type=int, default=7, help="seed of the corpus build")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=OUT_DIR / "pg",
        help="data dir of the embedded scratch server (ignored when COPILOT_DATABASE_URL "
        "is set), shared with bench/search.py",
    )
    p.add_argument(
        "--langchain-driver",
        choices=("psycopg", "asyncpg"),
        default="psycopg",
        help="driver of langchain's SQLAlchemy async engine (psycopg: the same as ours)",
    )
    p.add_argument(
        "--langchain-ef-search",
        type=int,
        default=None,
        help="hnsw.ef_search through HNSWQueryOptions; unset means our own hnsw_ef_search "
        "setting (langchain without query options gets pgvector's default, 40)",
    )
    p.add_argument(
        "--load-batch", type=int, default=1_000, help="rows per add_embeddings call when loading"
    )
    p.add_argument("--json", type=Path, default=JSON_PATH, help="where to write the figures")
    args = p.parse_args(argv)
    if args.chunks < 1 or args.queries < 1 or not 2 <= args.real_chunks <= args.chunks:
        p.error("need --chunks >= 1, --queries >= 1 and 2 <= --real-chunks <= --chunks")
    if args.load_batch < 1 or (
        args.langchain_ef_search is not None and args.langchain_ef_search < 1
    ):
        p.error("need --load-batch >= 1 and --langchain-ef-search >= 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    started = time.perf_counter()
    settings = Settings(data_dir=args.data_dir)
    args.langchain_ef_search = args.langchain_ef_search or settings.hnsw_ef_search
    args.our_ef_search = settings.hnsw_ef_search
    args.exact_max = settings.exact_search_max_chunks
    print(
        f"crm-copilot vs langchain-postgres  ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"load average {os.getloadavg()[0]:.2f})",
        flush=True,
    )
    embedder = SentenceTransformerEmbedder(
        settings.embedding_model,
        batch_size=settings.embedding_batch_size,
        backend=settings.embedding_backend,
    )
    results: dict[str, Any] = {"args": {k: str(v) for k, v in vars(args).items()}}
    with bench_database(
        settings,
        dbname=DB_NAME,
        recreate=lambda url: not (args.reuse and reusable(url, chunks=args.chunks)),
    ) as (db, fresh):
        build = build_corpus(db, embedder, settings, args) if fresh else load_build_meta(db)
        facts = server_facts(db)
        results.update(server=facts, corpus="built now" if fresh else "reused")
        lc = LangchainSide(
            db.url,
            driver=args.langchain_driver,
            dim=embedder.dim,
            ef_search=args.langchain_ef_search,
        )
        try:
            rows_there = lc_row_count(db)
            if args.reuse and rows_there == facts["chunks"] and lc.store.is_valid_index(LC_INDEX):
                load: dict[str, Any] = {"rows": rows_there, **read_load_record(db), "reused": True}
            else:
                load = load_langchain(db, lc, batch_rows=args.load_batch)
            lc_facts = langchain_facts(db)
            results.update(langchain={**lc_facts, "load": load})
            print_setup(facts, lc_facts, load, args)

            texts = query_texts(build.queries, args.queries)
            vectors, _ = embed_queries(embedder, texts)
            queries = [np.asarray(vectors[t], dtype=np.float16).astype(np.float32) for t in texts]
            retriever = Retriever(
                embedder,
                exact_max_chunks=settings.exact_search_max_chunks,
                ef_search=settings.hnsw_ef_search,
                max_scan_tuples=settings.hnsw_max_scan_tuples,
            )
            rows = [
                measure_role(db, lc, retriever, role, queries, facts["chunks"])
                for role in tqdm(roles(org_chart()), desc="roles", unit="role", **_bar_opts())
            ]
        finally:
            lc.close()
    results.update(queries=texts, roles=rows)
    print_roles(rows)
    results["runtime_s"] = time.perf_counter() - started
    results["load_average_end"] = os.getloadavg()
    write_json(args.json, results)
    print(
        f"\ntotal runtime {results['runtime_s']:.0f}s (load average at the end "
        f"{results['load_average_end'][0]:.2f}); figures written to {args.json}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
