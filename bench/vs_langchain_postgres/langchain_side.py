"""The langchain-postgres side: the access list as a LIKE-filterable column, PGVectorStore."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from langchain_core.embeddings import Embeddings
from langchain_postgres import Column, PGEngine, PGVectorStore
from langchain_postgres.v2.indexes import HNSWIndex, HNSWQueryOptions
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from tqdm import tqdm

from bench.common import bar_opts, timed_ms
from bench.search.config import ORG, TOP_K
from bench.search.measure import plan_summary
from copilot.db import Database

T = TypeVar("T")

LC_TABLE = "langchain_chunks"
LC_INDEX = "langchain_chunks_hnsw"
LC_METADATA_COLUMNS = ("document_id", "ord", "access")
ACCESS_DELIMITER = "|"
ID_NAMESPACE = uuid.UUID("5d1b6f0e-3c1a-4f6e-9a57-6b1c2d3e4f50")


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
        return plan_summary(doc[0]["Plan"])

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
    bar = tqdm(total=int(total_row[0]), unit="chunk", desc="langchain add_embeddings", **bar_opts())
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
