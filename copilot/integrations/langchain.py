"""The permission-aware search as a LangChain retriever bound to one caller.

A :class:`CallerRetriever` is made for one ``(org, user_id)`` and asks
:meth:`copilot.service.Copilot.search` for every query, so each call re-reads the
caller's principals and runs under row-level security like any other request. There is
no ``acl`` to pass and nothing to override per call: the identity is fixed at
construction, the model is frozen, ``filters`` can only narrow what the caller may see,
and the one per-call argument LangChain's conventions expect, ``k``/``top_k``, can only
lower the number of results (it is capped at the ``top_k`` set at construction); any
other per-call keyword argument is refused.

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

__all__ = ["NARROWING_ARGS", "CallerRetriever", "document_from_hit"]

#: The only per-call arguments accepted, and they only lower the number of results.
NARROWING_ARGS = ("k", "top_k")


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
        top_k: Chunks per query; ``invoke(query, k=3)`` (or ``top_k=3``) returns fewer,
            never more.
        filters: Narrowing filters applied to every query.

    Raises (on ``invoke``):
        copilot.errors.UnknownUser: The user no longer exists in the org.
        TypeError: Per-call keyword arguments other than ``k``/``top_k`` were passed.
        ValueError: A per-call ``k``/``top_k`` that is not a positive integer.
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
        result = self._copilot.search(
            org=self.org,
            user_id=self.user_id,
            query=query,
            top_k=self._per_call_top_k(kwargs),
            filters=self.filters,
        )
        return [document_from_hit(hit) for hit in result.hits]

    def _per_call_top_k(self, kwargs: Mapping[str, Any]) -> int:
        """``top_k`` narrowed by a per-call ``k``/``top_k`` (LangChain's convention).

        They can only narrow: the result is never more than the ``top_k`` set at
        construction. Anything else per call is refused.

        Raises:
            TypeError: A per-call argument other than ``k``/``top_k``.
            ValueError: ``k``/``top_k`` is not a positive integer.
        """
        others = sorted(set(kwargs) - set(NARROWING_ARGS))
        if others:
            # LangChain would pass these through; silently ignoring them would let a
            # caller believe a filter or identity applied when it did not.
            raise TypeError(
                f"CallerRetriever takes no per-call arguments other than k/top_k, got "
                f"{others!r}; set filters when building it"
            )
        top_k = self.top_k
        for name in NARROWING_ARGS:
            if name not in kwargs:
                continue
            value = kwargs[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
            top_k = min(top_k, value)
        return top_k
