"""One request's orchestration: who is asking, what they may see, what they get."""

from __future__ import annotations

import logging
from typing import Any

from psycopg import Connection

from copilot.db import Database, open_database
from copilot.errors import NotFound, UnknownUser
from copilot.indexer import Indexer
from copilot.settings import Settings
from embeddings import Embedder, SentenceTransformerEmbedder
from retrieval import store
from retrieval.acl import principals_for_user
from retrieval.models import SearchFilters, StoredDocument
from retrieval.search import Retriever, SearchResult

__all__ = ["Copilot"]

log = logging.getLogger(__name__)


class Copilot:
    """The service: a database, an embedder, and the retriever and indexer built on them."""

    def __init__(self, db: Database, embedder: Embedder, settings: Settings) -> None:
        self.db = db
        self.embedder = embedder
        self.settings = settings
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
            embedder = SentenceTransformerEmbedder(
                settings.embedding_model,
                batch_size=settings.embedding_batch_size,
                backend=settings.embedding_backend,
            )
        return cls(db, embedder, settings)

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
        )

    @staticmethod
    def principals(conn: Connection[Any], *, org: str, user_id: str) -> frozenset[str]:
        """The caller's principals, read now so manager-chain changes apply at once."""
        user = store.get_user(conn, org=org, user_id=user_id)
        if user is None:
            raise UnknownUser(f"user {user_id!r} does not exist in org {org!r}")
        reports = store.principal_reports(conn, org=org, user_id=user_id)
        return principals_for_user(
            user_id=user.id, role=user.role, team_id=user.team_id, reports=reports
        )

    def search(
        self,
        *,
        org: str,
        user_id: str,
        query: str,
        top_k: int = 10,
        filters: SearchFilters | None = None,
    ) -> SearchResult:
        with self.db.connection() as conn:
            acl = self.principals(conn, org=org, user_id=user_id)
            return self.retriever.search(
                conn, org=org, acl=acl, query=query, top_k=top_k, filters=filters
            )

    def get_document(self, *, org: str, user_id: str, document_id: str) -> StoredDocument:
        with self.db.connection() as conn:
            acl = self.principals(conn, org=org, user_id=user_id)
            doc = store.get_document(conn, org=org, acl=acl, id=document_id)
        if doc is None:
            raise NotFound(f"document {document_id!r} not found")
        return doc

    def status(self) -> dict[str, Any]:
        with self.db.connection() as conn:
            out = store.status_counts(conn)
            out["pending_migrations"] = store.pending_migrations(conn)
        out["database"] = (
            "external" if self.settings.database_url else str(self.settings.embedded_data_dir)
        )
        out["model"] = self.embedder.model_id
        out["exact_search_max_chunks"] = self.settings.exact_search_max_chunks
        return out
