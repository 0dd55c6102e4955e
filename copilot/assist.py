"""Grounded generation for one caller: call summaries, answers, next-best actions.

Everything here reads through :meth:`Copilot.as_caller`, so it sees only what the caller
may see, filtered by each query's access predicate and by row-level security. Engines
(``summarizers``) are pure and get rows handed to them. The offline engine is the
default; with ``COPILOT_LLM`` set the LLM engine is tried first and any failure falls
back to the offline engine, which ``engine`` then says.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from copilot.errors import NotFound
from retrieval import store
from retrieval.models import ScoredChunk, SearchFilters, StoredDocument
from summarizers.answer import answer_offline
from summarizers.models import Answer, CallSummary, Passage, SourceDocument

if TYPE_CHECKING:
    from copilot.service import Copilot

__all__ = ["AskResult", "Assistant"]

log = logging.getLogger(__name__)

#: Cache key of the offline engine; bump when its output changes.
OFFLINE_ENGINE = "offline-v1"


@dataclass(frozen=True)
class AskResult:
    answer: Answer
    retrieved: tuple[ScoredChunk, ...]


def source_document(doc: StoredDocument, *, owner_name: str | None = None) -> SourceDocument:
    """What an engine gets: the content citations index, and who our side is."""
    participants = doc.fields.get("participants") or ()
    return SourceDocument(
        owner_name=owner_name,
        document_id=doc.id,
        kind=doc.kind,  # type: ignore[arg-type]
        title=doc.title,
        content=doc.content,
        occurred_at=doc.occurred_at,
        participants=tuple(str(p) for p in participants),
        fields=dict(doc.fields),
    )


def passages(hits: Sequence[ScoredChunk]) -> list[Passage]:
    return [
        Passage(
            document_id=h.document_id,
            kind=h.kind,
            title=h.title,
            text=h.text,
            start=h.char_start,
            end=h.char_end,
            score=h.score,
            occurred_at=h.occurred_at,
        )
        for h in hits
    ]


def _reason(err: Exception) -> str:
    # LLMUnavailable carries a short reason that never quotes record text.
    return str(getattr(err, "reason", None) or type(err).__name__)


class Assistant:
    """Summaries, answers and next-best actions on top of one :class:`Copilot`."""

    def __init__(self, copilot: Copilot) -> None:
        self.copilot = copilot
        self.settings = copilot.settings
        self._llm: Any = None
        self._competitors: tuple[str, ...] | None = None
        self._playbook: Any = None

    # ---- engines

    def warm(self) -> None:
        """Load the playbook, the competitor list and the LLM now, so bad configuration
        fails at startup rather than on the first request."""
        _ = self.playbook, self.competitors
        self.llm()

    @property
    def competitors(self) -> tuple[str, ...]:
        if self._competitors is None:
            from summarizers import offline

            path = self.settings.competitors_file
            self._competitors = tuple(
                offline.load_competitors(path) if path else offline.DEFAULT_COMPETITORS
            )
        return self._competitors

    @property
    def playbook(self) -> Any:
        if self._playbook is None:
            from summarizers.actions import load_playbook

            self._playbook = load_playbook(self.settings.playbook_file)
        return self._playbook

    def llm(self) -> Any:
        """The LLM engine, built on first use; ``None`` when none is configured."""
        if self.settings.llm is None:
            return None
        if self._llm is None:
            from summarizers.llm import LLMEngine, build_chat_model

            key = self.settings.llm_api_key
            model = build_chat_model(
                self.settings.llm,
                base_url=self.settings.llm_base_url,
                model=self.settings.llm_model,
                api_key=key.get_secret_value() if key else None,
                timeout_s=self.settings.llm_timeout_s,
                max_retries=self.settings.llm_max_retries,
            )
            self._llm = LLMEngine(model, name=self.llm_engine_name)
        return self._llm

    @property
    def llm_engine_name(self) -> str:
        return f"llm:{self.settings.llm}:{self.settings.llm_model or 'default'}"

    def _offline_summary(self, doc: SourceDocument) -> CallSummary:
        from summarizers import offline

        return offline.summarize_call(doc, competitors=self.competitors)

    def _summarize(self, doc: SourceDocument) -> tuple[CallSummary, str]:
        """``(summary, cache key)``: the LLM engine if configured, else or on failure offline."""
        engine = self.llm()
        if engine is not None:
            from summarizers.errors import SummarizerError

            try:
                summary, stats = engine.summarize_call(doc)
                log.info("llm summary of %s: %s", doc.document_id, stats)
                return summary.model_copy(update={"engine": self.llm_engine_name}), (
                    self.llm_engine_name
                )
            except SummarizerError as err:
                log.warning("LLM failed on %s, falling back: %s", doc.document_id, err)
                summary = self._offline_summary(doc)
                reason = _reason(err)
                # Not cached under the LLM key: the next request tries the LLM again.
                return summary.model_copy(
                    update={"engine": f"offline (fallback: {reason})"}
                ), OFFLINE_ENGINE
        return self._offline_summary(doc), OFFLINE_ENGINE

    # ---- call summaries

    def summarize_call(self, *, org: str, user_id: str, document_id: str) -> CallSummary:
        """The summary of a call the caller may see (cached per content hash and engine).

        Raises:
            NotFound: No such call, or the caller may not see it (indistinguishable).
        """
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            doc = store.get_document(conn, org=org, acl=acl, id=document_id)
            if doc is None or doc.kind != "call":
                raise NotFound(f"call {document_id!r} not found")
            wanted = self.llm_engine_name if self.settings.llm else OFFLINE_ENGINE
            cached = store.get_cached_summary(
                conn, org=org, document_id=doc.id, engine=wanted, content_hash=doc.content_hash
            )
            if cached is not None:
                return CallSummary.model_validate(cached)
            owner = store.users_by_id(conn, org=org, ids=[doc.owner_id]).get(doc.owner_id)
            summary, key = self._summarize(
                source_document(doc, owner_name=owner.name if owner else None)
            )
            if key == wanted:
                store.put_cached_summary(
                    conn,
                    org=org,
                    document_id=doc.id,
                    engine=key,
                    content_hash=doc.content_hash,
                    summary=summary.model_dump(mode="json"),
                )
            return summary

    def summarize_text(self, *, text: str, kind: str, now: datetime | None = None) -> CallSummary:
        """Summarize text sent by the caller (a draft note). Nothing is stored."""
        from summarizers import offline

        when = now or datetime.now(UTC)
        engine = self.llm()
        if engine is not None:
            from summarizers.errors import SummarizerError

            doc = SourceDocument(
                document_id="draft", kind="draft", title="draft", content=text, occurred_at=when
            )
            try:
                summary, _ = engine.summarize_call(doc)
                return summary.model_copy(update={"engine": self.llm_engine_name})
            except SummarizerError as err:
                fallback = offline.summarize_text(
                    text, kind=kind, now=when, competitors=self.competitors
                )
                return fallback.model_copy(update={"engine": f"offline (fallback: {_reason(err)})"})
        return offline.summarize_text(text, kind=kind, now=when, competitors=self.competitors)

    # ---- answers

    def ask(
        self,
        *,
        org: str,
        user_id: str,
        question: str,
        filters: SearchFilters | None = None,
        top_k: int = 8,
    ) -> AskResult:
        """Answer from the caller's own retrieval; declines when the evidence is weak."""
        result = self.copilot.search(
            org=org, user_id=user_id, query=question, top_k=top_k, filters=filters
        )
        hits = result.hits
        engine = self.llm()
        if engine is not None and hits:
            from copilot.lc_retriever import CallerRetriever
            from summarizers.errors import SummarizerError

            retriever = CallerRetriever(
                copilot=self.copilot, org=org, user_id=user_id, top_k=top_k, filters=filters
            )
            try:
                answer, _ = engine.answer(question, retriever)
                return AskResult(answer.model_copy(update={"engine": self.llm_engine_name}), hits)
            except SummarizerError as err:
                log.warning("LLM answer failed, falling back: %s", err)
                offline_answer = answer_offline(question, passages(hits))
                return AskResult(
                    offline_answer.model_copy(
                        update={"engine": f"offline (fallback: {_reason(err)})"}
                    ),
                    hits,
                )
        return AskResult(answer_offline(question, passages(hits)), hits)

    # ---- next-best actions

    def _visible_account(self, conn: Any, *, org: str, acl: frozenset[str], account_id: str) -> Any:
        """The account if the caller may see it (the rule: ``retrieval.acl.account_visible``).
        Otherwise ``NotFound``."""
        account = store.visible_account(conn, org=org, acl=acl, account_id=account_id)
        if account is None:
            raise NotFound(f"account {account_id!r} not found")
        return account

    def next_best_actions(
        self,
        *,
        org: str,
        user_id: str,
        account_id: str | None = None,
        deal_id: str | None = None,
        limit: int = 5,
        now: datetime | None = None,
    ) -> list[Any]:
        """Ranked actions for an account or a deal, from the caller's visible records only.

        Raises:
            NotFound: The account/deal does not exist or the caller may not see it.
        """
        from summarizers.actions import build_context, recommend

        when = now or datetime.now(UTC)
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            deal = None
            if deal_id is not None:
                deal = store.get_deal(conn, org=org, deal_id=deal_id)
                if deal is None:
                    raise NotFound(f"deal {deal_id!r} not found")
                account_id = deal.account_id
            assert account_id is not None
            try:
                account = self._visible_account(conn, org=org, acl=acl, account_id=account_id)
            except NotFound:
                if deal_id is not None:
                    raise NotFound(f"deal {deal_id!r} not found") from None
                raise
            docs = store.account_documents(
                conn, org=org, acl=acl, account_id=account.id, deal_id=deal_id
            )
            deals = [deal] if deal else store.account_deals(conn, org=org, account_id=account.id)
            contacts = store.account_contacts(conn, org=org, account_id=account.id)
            summaries = {}
            owners = store.users_by_id(conn, org=org, ids=[d.owner_id for d in docs])
            for doc in docs:
                if doc.kind != "call":
                    continue
                cached = store.get_cached_summary(
                    conn,
                    org=org,
                    document_id=doc.id,
                    engine=OFFLINE_ENGINE,
                    content_hash=doc.content_hash,
                )
                if cached is not None:
                    summaries[doc.id] = CallSummary.model_validate(cached)
                    continue
                owner = owners.get(doc.owner_id)
                summary = self._offline_summary(
                    source_document(doc, owner_name=owner.name if owner else None)
                )
                store.put_cached_summary(
                    conn,
                    org=org,
                    document_id=doc.id,
                    engine=OFFLINE_ENGINE,
                    content_hash=doc.content_hash,
                    summary=summary.model_dump(mode="json"),
                )
                summaries[doc.id] = summary
        context = build_context(
            account=account,
            deals=deals,
            documents=docs,
            contacts=contacts,
            call_summaries=summaries,
            now=when,
            focus_deal_id=deal_id,
        )
        return list(recommend(context, self.playbook, limit=limit))
