"""The permission-aware search as a LangChain retriever bound to one caller.

A :class:`CallerRetriever` is made for one ``(org, user_id)`` and asks
:meth:`copilot.service.Copilot.search` for every query, so each call re-reads the
caller's principals and runs under row-level security like any other request. There is
no ``acl`` to pass and nothing to override per call: the identity is fixed at
construction, the model is frozen, per-call keyword arguments are refused, and
``filters`` can only narrow what the caller may see.

Example:
    >>> retriever = CallerRetriever(copilot, org="acme", user_id="rep-e1")
    ... # doctest: +SKIP
    >>> [d.metadata["document_id"] for d in retriever.invoke("discount")]  # doctest: +SKIP
    ['d-private']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field, PrivateAttr

from copilot.service import Copilot
from retrieval.models import ScoredChunk, SearchFilters

__all__ = ["CallerRetriever", "document_from_hit"]


def document_from_hit(hit: ScoredChunk) -> Document:
    """One search hit as a LangChain ``Document``; ``page_content`` is the chunk text.

    ``metadata`` carries what an engine needs to cite the chunk: ``document_id``,
    ``kind``, ``title``, ``start``/``end`` (character offsets of the chunk in its
    document's content), ``score``, ``occurred_at``, ``account_id`` and ``ord``.
    """
    return Document(
        page_content=hit.text,
        metadata={
            "document_id": hit.document_id,
            "kind": hit.kind,
            "title": hit.title,
            "start": hit.char_start,
            "end": hit.char_end,
            "score": hit.score,
            "occurred_at": hit.occurred_at,
            "account_id": hit.account_id,
            "ord": hit.ord,
        },
    )


class CallerRetriever(BaseRetriever):
    """Search over what one user may see, for LangChain chains and the LLM engine.

    Fields are frozen and ``model_copy(update=...)`` is refused, so a retriever handed
    to a chain can only ever search as its own caller.

    Args:
        copilot: The service whose ``search`` applies the caller's access.
        org: The caller's org.
        user_id: The caller.
        top_k: Chunks per query.
        filters: Narrowing filters applied to every query.

    Raises (on ``invoke``):
        copilot.errors.UnknownUser: The user no longer exists in the org.
        TypeError: Per-call keyword arguments were passed.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    org: str
    user_id: str
    top_k: int = Field(default=8, ge=1, le=100)
    filters: SearchFilters | None = None

    _copilot: Copilot = PrivateAttr()

    def __init__(
        self,
        copilot: Copilot,
        *,
        org: str,
        user_id: str,
        top_k: int = 8,
        filters: SearchFilters | None = None,
    ) -> None:
        if not org or not user_id:
            raise ValueError(f"org and user_id are required, got {org!r} and {user_id!r}")
        fields: dict[str, Any] = {
            "org": org,
            "user_id": user_id,
            "top_k": top_k,
            "filters": filters,
        }
        super().__init__(**fields)
        self._copilot = copilot

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> CallerRetriever:
        """An unchanged, shallow copy (fields are immutable; the service is shared).

        Raises:
            TypeError: ``update`` was given: the caller bound here cannot be swapped.
        """
        if update:
            raise TypeError(
                f"CallerRetriever is bound to one caller; cannot update {sorted(update)!r}. "
                "Build a new CallerRetriever instead."
            )
        return super().model_copy()

    def _get_relevant_documents(
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        **kwargs: Any,
    ) -> list[Document]:
        if kwargs:
            # LangChain would pass these through; silently ignoring them would let a
            # caller believe a filter or identity applied when it did not.
            raise TypeError(
                f"CallerRetriever takes no per-call arguments, got {sorted(kwargs)!r}; "
                "set top_k and filters when building it"
            )
        result = self._copilot.search(
            org=self.org,
            user_id=self.user_id,
            query=query,
            top_k=self.top_k,
            filters=self.filters,
        )
        return [document_from_hit(hit) for hit in result.hits]
