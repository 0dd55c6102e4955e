"""One request's orchestration: who is asking, what they may see, what they get."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from psycopg import Connection

from copilot.db import Database, open_database
from copilot.errors import DatabaseUnavailable, InvalidRequest, NotFound, UnknownUser
from copilot.ingest import Indexer, IngestReport, RecordLimits, SourcedRecord
from copilot.settings import Settings
from embeddings import Embedder, load_embedder
from retrieval import store
from retrieval.models import ScoredChunk, SearchFilters, StoredDocument
from retrieval.search import Retriever, SearchResult
from retrieval.snippets import Snippet, make_snippet

if TYPE_CHECKING:
    from copilot.generation import Assistant

__all__ = ["Copilot", "PageHit", "SearchPage", "database_status", "search_filters"]

log = logging.getLogger(__name__)


def search_filters(
    *,
    kinds: Iterable[str] | None = None,
    account_id: str | None = None,
    date_from: datetime | None = None,
    date_to: datetime | None = None,
) -> SearchFilters:
    """The filters of one request, kinds deduplicated and sorted so equal requests are equal.

    Raises:
        InvalidRequest: ``date_from`` is after ``date_to`` (field ``date_from``).
    """
    if date_from and date_to and date_from > date_to:
        raise InvalidRequest(
            f"date_from {date_from.isoformat()} is after date_to {date_to.isoformat()}",
            field="date_from",
        )
    return SearchFilters(
        kinds=tuple(sorted(set(kinds or ()))),
        account_id=account_id,
        date_from=date_from,
        date_to=date_to,
    )


@dataclass(frozen=True)
class PageHit:
    """A ranked chunk, and its snippet for the query that found it."""

    chunk: ScoredChunk
    snippet: Snippet


@dataclass(frozen=True)
class SearchPage:
    """One page of ranked permitted results, and where the next page starts.

    Attributes:
        hits: The page, best first.
        offset: Rank of the first hit in the whole ranking.
        has_more: Whether permitted results follow this page.
        next_offset: Where the next page starts; None when there is none to serve
            (no results left, or it would reach past ``Settings.max_result_depth``).
        strategy: The retrieval plan used (see :class:`retrieval.search.SearchResult`).
    """

    hits: tuple[PageHit, ...]
    offset: int
    has_more: bool
    next_offset: int | None
    strategy: str


class Copilot:
    """The service: a database, an embedder, and the retriever and indexer built on them."""

    def __init__(self, db: Database, embedder: Embedder, settings: Settings) -> None:
        self.db = db
        self.embedder = embedder
        self.settings = settings
        self._assistant: Assistant | None = None
        self.retriever = Retriever(
            embedder,
            exact_max_chunks=settings.exact_search_max_chunks,
            ef_search=settings.hnsw_ef_search,
            max_scan_tuples=settings.hnsw_max_scan_tuples,
        )

    @classmethod
    def open(cls, settings: Settings, *, embedder: Embedder | None = None) -> Copilot:
        """Start (or connect to) the database, migrate it, and load the model."""
        db = open_database(settings)
        if embedder is None:
            embedder = load_embedder(
                settings.embedding_model,
                runtime=settings.embedding_backend,
                cache_dir=settings.model_cache_dir,
                batch_size=settings.embedding_batch_size,
            )
        return cls(db, embedder, settings)

    @property
    def assistant(self) -> Assistant:
        """Summaries, answers and next-best actions (engines built on first use)."""
        if self._assistant is None:
            from copilot.generation import Assistant

            self._assistant = Assistant(self)
        return self._assistant

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Copilot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def indexer(self, *, progress: bool | None = None) -> Indexer:
        return Indexer(
            self.db,
            self.embedder,
            max_tokens=self.settings.chunk_max_tokens,
            overlap_tokens=self.settings.chunk_overlap_tokens,
            progress=progress,
            limits=RecordLimits(
                max_title_chars=self.settings.max_title_chars,
                max_body_chars=self.settings.max_body_chars,
                max_attributes_chars=self.settings.max_attributes_chars,
            ),
        )

    @staticmethod
    def principals(conn: Connection[Any], *, org: str, user_id: str) -> frozenset[str]:
        """The caller's principals, read now so manager-chain changes apply at once."""
        acl = store.caller_principals(conn, org=org, user_id=user_id)
        if acl is None:
            raise UnknownUser(f"user {user_id!r} does not exist in org {org!r}")
        return acl

    @contextmanager
    def as_caller(self, *, org: str, user_id: str) -> Iterator[tuple[Any, frozenset[str]]]:
        """A service-role transaction bound to one user: ``(conn, acl)``.

        The user's principals are read inside it, then row-level security is scoped to
        them, so every query in the block is filtered twice: by its own access
        predicate and by the database's policies.

        Raises:
            UnknownUser: ``user_id`` is not a user of ``org``.
        """
        with self.db.caller() as conn:
            acl = self.principals(conn, org=org, user_id=user_id)
            store.scope_to_caller(conn, org=org, acl=acl)
            yield conn, acl

    def check_user(self, *, org: str, user_id: str) -> None:
        """Raise :class:`UnknownUser` unless the user exists in the org."""
        with self.db.caller() as conn:
            self.principals(conn, org=org, user_id=user_id)

    def search(
        self,
        *,
        org: str,
        user_id: str,
        query: str,
        top_k: int = 10,
        filters: SearchFilters | None = None,
        per_document: int = 2,
    ) -> SearchResult:
        """The ``top_k`` best chunks ``user_id`` may see for ``query``.

        Raises:
            InvalidRequest: ``query`` is blank (field ``query``).
            UnknownUser: ``user_id`` is not a user of ``org``.
        """
        if not query.strip():
            raise InvalidRequest("the query is empty", field="query")
        with self.as_caller(org=org, user_id=user_id) as (conn, acl):
            return self.retriever.search(
                conn,
                org=org,
                acl=acl,
                query=query,
                top_k=top_k,
                filters=filters,
                per_document=per_document,
            )

    def search_page(
        self,
        *,
        org: str,
        user_id: str,
        query: str,
        page_size: int,
        offset: int = 0,
        filters: SearchFilters | None = None,
    ) -> SearchPage:
        """Results ``offset .. offset + page_size`` of the ranking, plus one to look ahead.

        Pages are cut from one ranking recomputed per request, so a page is consistent
        with the index at the time it is served. ``has_more`` is decided only by
        permitted rows. No page reaches past ``Settings.max_result_depth``.

        Raises:
            InvalidRequest: The page would reach past the deepest result served
                (field ``cursor``, the only way to ask for a later page).
        """
        depth = self.settings.max_result_depth
        if offset + page_size > depth:
            raise InvalidRequest(
                f"cursor pages past the deepest result served ({depth}); refine the query",
                field="cursor",
            )
        result = self.search(
            org=org, user_id=user_id, query=query, top_k=offset + page_size + 1, filters=filters
        )
        page = result.hits[offset : offset + page_size]
        has_more = len(result.hits) > offset + page_size
        next_offset = offset + len(page)
        return SearchPage(
            hits=tuple(
                PageHit(hit, make_snippet(hit.text, query, offset=hit.char_start)) for hit in page
            ),
            offset=offset,
            has_more=has_more,
            next_offset=next_offset if has_more and next_offset + page_size <= depth else None,
            strategy=result.strategy,
        )

    def get_document(self, *, org: str, user_id: str, document_id: str) -> StoredDocument:
        with self.as_caller(org=org, user_id=user_id) as (conn, acl):
            doc = store.get_document(conn, org=org, acl=acl, id=document_id)
        if doc is None:
            raise NotFound(f"document {document_id!r} not found")
        return doc

    def permitted_chunks(self, *, org: str, user_id: str) -> list[ScoredChunk]:
        """Every chunk the user may see, unranked: the corpus of a baseline ranker.

        Raises:
            UnknownUser: ``user_id`` is not a user of ``org``.
        """
        with self.as_caller(org=org, user_id=user_id) as (conn, acl):
            return store.permitted_chunks(conn, org=org, acl=acl)

    def nearest_chunks(
        self, *, org: str, user_id: str, query_embedding: Any, top_k: int
    ) -> list[ScoredChunk]:
        """The user's permitted chunks by embedding similarity alone (exact, no keyword
        leg, no fusion), best first: the vector-only baseline of the harness.

        Args:
            query_embedding: ``embedder.embed_query(query)``, computed by the caller so
                one vector serves several measurements.

        Raises:
            UnknownUser: ``user_id`` is not a user of ``org``.
        """
        with self.as_caller(org=org, user_id=user_id) as (conn, acl):
            return store.vector_search_exact(
                conn,
                org=org,
                acl=acl,
                query_embedding=query_embedding,
                filters=SearchFilters(),
                limit=top_k,
            )

    def ingest(
        self, items: Sequence[SourcedRecord], *, only_org: str | None, strict: bool = False
    ) -> IngestReport:
        """Index records sent by an ingestion client.

        ``only_org`` restricts a tenant-scoped credential to its own org: records naming
        another org are rejected with their line, like any other invalid record.
        """
        if only_org is not None:
            items = [
                i.refused(f"org: {i.raw.get('org')!r} is not this credential's org {only_org!r}")
                if i.raw is not None and i.raw.get("org") != only_org
                else i
                for i in items
            ]
        return self.indexer(progress=False).ingest(items, strict=strict)

    def delete_document(self, *, org: str, document_id: str) -> None:
        """Remove a document and its chunks.

        Raises:
            NotFound: No such document in ``org``.
        """
        with self.db.connection(deadline=True) as conn:
            # principal_counts follows in the same transaction (migration 0005's triggers).
            if not store.delete_document(conn, org=org, id=document_id):
                raise NotFound(f"document {document_id!r} not found")

    def check_ready(self) -> dict[str, Any]:
        """What ``/readyz`` reports. Raises :class:`DatabaseUnavailable` if not ready."""
        self.db.ping()
        with self.db.connection(deadline=True) as conn:
            pending = store.pending_migrations(conn)
        if pending:
            raise DatabaseUnavailable(f"migrations not applied: {', '.join(pending)}")
        return {"database": "ok", "migrations": "ok", "model": self.embedder.model_id}

    def index_size(self) -> dict[str, Any]:
        """Document and chunk counts per org, and on-disk bytes (for metrics)."""
        with self.db.connection(deadline=True) as conn:
            return store.index_size(conn)

    def status(self) -> dict[str, Any]:
        return database_status(self.db, self.settings, model_id=self.embedder.model_id)


def database_status(db: Database, settings: Settings, *, model_id: str) -> dict[str, Any]:
    """What ``copilot db status`` prints; needs no loaded model, only its id."""
    with db.connection() as conn:
        out = store.status_counts(conn)
        out["pending_migrations"] = store.pending_migrations(conn)
    out["database"] = "external" if settings.database_url else str(settings.embedded_data_dir)
    out["model"] = model_id
    out["exact_search_max_chunks"] = settings.exact_search_max_chunks
    return out
