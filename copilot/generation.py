"""Grounded generation for one caller: call summaries, answers, next-best actions.

Everything here reads through the service's ``as_caller``, so it sees only what the
caller may see, filtered by each query's access predicate and by row-level security.
Engines (``summarizers``) are pure and get rows handed to them. The offline engine is
the default; with ``COPILOT_LLM`` set the LLM engine is tried first and any failure
falls back to the offline engine (:class:`summarizers.engine.WithFallback`), which
``engine`` then says.

This module does not import :mod:`copilot.service`: an :class:`Assistant` is built on
anything that offers :class:`CallerService` (``Copilot.assistant`` builds one on the
service itself), so the two modules do not form an import cycle.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from psycopg import Connection

from copilot.crm_answers import (
    account_list,
    asks_crm_fields,
    crm_facts,
    question_words,
    with_accounts,
    with_facts,
)
from copilot.errors import NotFound
from copilot.evidence import boost_accounts, passages
from copilot.settings import Settings
from copilot.similarity import SentenceSimilarity
from embeddings import Embedder
from retrieval import store
from retrieval.models import ScoredChunk, SearchFilters, StoredDocument
from retrieval.search import SearchResult
from summarizers.answer.listing import (
    account_mentions,
    asks_for_accounts,
    evaluation_targets,
    list_targets,
)
from summarizers.answer.question import asked_side, named_after_preposition, names_beyond
from summarizers.answer.recognised import asks_recognised, recognised_answer
from summarizers.answer.select import ENGINE, declined
from summarizers.engine import Engine, OfflineEngine, WithFallback, written_by
from summarizers.models import Answer, CallSummary, NextBestAction, Passage, SourceDocument

if TYPE_CHECKING:
    from summarizers.actions import Playbook
    from summarizers.llm import LLMEngine

__all__ = [
    "OFFLINE_ENGINE",
    "AskResult",
    "Assistant",
    "CallerService",
    "SentenceSimilarity",
]

log = logging.getLogger(__name__)

#: Cache key of the offline engine; bump (in ``OfflineEngine``) when its output changes.
OFFLINE_ENGINE = OfflineEngine.cache_key
# A word in capitals may be an account's initials ("MBCU" for "Morrow Bay Credit Union").
_ACRONYM = re.compile(r"\b[A-Z]{3,5}\b")


class CallerService(Protocol):
    """What generation needs from the service (:class:`copilot.service.Copilot`)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def embedder(self) -> Embedder: ...

    def as_caller(
        self, *, org: str, user_id: str
    ) -> AbstractContextManager[tuple[Connection[Any], frozenset[str]]]:
        """A transaction scoped to one caller: ``(conn, acl)``."""
        ...

    def search(
        self,
        *,
        org: str,
        user_id: str,
        query: str,
        top_k: int = ...,
        filters: SearchFilters | None = ...,
        per_document: int = ...,
    ) -> SearchResult:
        """The caller's permitted hits for ``query``, best first, at most
        ``per_document`` chunks of one document."""
        ...


@dataclass(frozen=True)
class AskResult:
    """An answer and the hits it was written from: the engine saw exactly these."""

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


class Assistant:
    """Summaries, answers and next-best actions on top of one service.

    Args:
        copilot: The service (usually :class:`copilot.service.Copilot`).
        llm: An LLM engine to use instead of the one ``COPILOT_LLM`` configures (tests
            hand in one over a fake chat model).
    """

    def __init__(self, copilot: CallerService, *, llm: LLMEngine | None = None) -> None:
        self.copilot = copilot
        self.settings = copilot.settings
        self._llm: LLMEngine | None = llm
        self._competitors: tuple[str, ...] | None = None
        self._playbook: Playbook | None = None
        self._offline: Engine | None = None
        self._similarity: SentenceSimilarity | None = None

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
    def playbook(self) -> Playbook:
        if self._playbook is None:
            from summarizers.actions import load_playbook

            self._playbook = load_playbook(self.settings.playbook_file)
        return self._playbook

    def llm(self) -> LLMEngine | None:
        """The LLM engine, built on first use; ``None`` when none is configured."""
        if self._llm is None and self.settings.llm is not None:
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

    @property
    def offline(self) -> Engine:
        """The offline engine, with the configured competitor list."""
        if self._offline is None:
            self._offline = OfflineEngine(self.competitors, similarity=self.similarity)
        return self._offline

    @property
    def similarity(self) -> SentenceSimilarity:
        """Question-sentence cosines under the service's model, cached per sentence."""
        if self._similarity is None:
            self._similarity = SentenceSimilarity(self.copilot.embedder)
        return self._similarity

    @property
    def engine(self) -> Engine:
        """The LLM engine falling back to the offline one, or the offline one alone."""
        llm = self.llm()
        return self.offline if llm is None else WithFallback(llm.as_engine(), self.offline)

    def _summaries(
        self,
        *,
        org: str,
        user_id: str,
        docs: Sequence[StoredDocument],
        engine: Engine,
        cached: Mapping[str, CallSummary],
        owners: Mapping[str, store.UserRow],
    ) -> dict[str, CallSummary]:
        """Each of ``docs``' summary from ``cached``, else written by ``engine`` with no
        database connection held (an LLM may take its whole timeout), then cached in one
        short transaction if ``engine`` itself wrote it (not a fallback's)."""
        out: dict[str, CallSummary] = {}
        written: list[tuple[StoredDocument, CallSummary]] = []
        for doc in docs:
            if doc.id in cached:
                out[doc.id] = cached[doc.id]
                continue
            owner = owners.get(doc.owner_id)
            summary = engine.summarize_call(
                source_document(doc, owner_name=owner.name if owner else None)
            )
            out[doc.id] = summary
            if written_by(engine, summary):
                written.append((doc, summary))
        if written:
            with self.copilot.as_caller(org=org, user_id=user_id) as (conn, _):
                for doc, summary in written:
                    store.put_cached_summary(
                        conn,
                        org=org,
                        document_id=doc.id,
                        engine=engine.cache_key,
                        content_hash=doc.content_hash,
                        summary=summary.model_dump(mode="json"),
                    )
        return out

    # ---- call summaries

    def summarize_call(self, *, org: str, user_id: str, document_id: str) -> CallSummary:
        """The summary of a call the caller may see (cached per content hash and engine).

        Raises:
            NotFound: No such call, or the caller may not see it (indistinguishable).
        """
        engine = self.engine
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            doc = store.get_document(conn, org=org, acl=acl, id=document_id)
            if doc is None or doc.kind != "call":
                raise NotFound(f"call {document_id!r} not found")
            cached = _cached_summaries(conn, org=org, docs=[doc], engine=engine)
            owners = {} if cached else store.users_by_id(conn, org=org, ids=[doc.owner_id])
        summaries = self._summaries(
            org=org, user_id=user_id, docs=[doc], engine=engine, cached=cached, owners=owners
        )
        return summaries[doc.id]

    def summarize_text(self, *, text: str, kind: str, now: datetime | None = None) -> CallSummary:
        """Summarize text sent by the caller (a draft note). Nothing is stored."""
        return self.engine.summarize_text(text, kind=kind, now=now or datetime.now(UTC))

    # ---- answers

    def ask(
        self,
        *,
        org: str,
        user_id: str,
        question: str,
        filters: SearchFilters | None = None,
        top_k: int = 8,
        on_retrieved: Callable[[tuple[ScoredChunk, ...]], None] | None = None,
    ) -> AskResult:
        """Answer from the caller's own retrieval; declines when the evidence is weak.

        Accounts the question names (and the caller may see) are resolved first: their
        records rank ahead of others among the hits, and count as being about the
        account even when their text never names it. Searches once, a little deeper
        than ``top_k`` for that boost; the engine is handed exactly the hits returned
        in ``retrieved``, given to ``on_retrieved`` first (what it raises ends the ask
        before an engine, an LLM taking up to its timeout, answers: a client that left);
        a list of accounts or a recognised phrasing returns without calling an engine.
        """
        targets, competitive = list_targets(question), False
        if not targets:
            targets = evaluation_targets(question)
            competitive = bool(targets)
        if targets:
            listed = self._account_list(
                org=org, user_id=user_id, targets=targets, filters=filters, competitive=competitive
            )
            if listed is not None:
                return listed
        accounts = self.named_accounts(org=org, user_id=user_id, question=question)
        unwritten = [] if accounts else self._unwritten_names(org, user_id, question)
        if accounts and asks_recognised(question, self.competitors):
            recognised = self._recognised(
                org=org, user_id=user_id, question=question, filters=filters, accounts=accounts
            )
            if recognised is not None:
                return recognised
        hits, evidence = self.evidence(
            org=org,
            user_id=user_id,
            question=question,
            filters=filters,
            top_k=top_k,
            accounts=accounts,
        )
        if on_retrieved is not None:
            on_retrieved(hits)
        if unwritten:
            # "any update from granite fork?": a name no record the caller may see writes
            # is a customer they may not see or that does not exist; either way the
            # records they see are about someone else, and no engine is asked.
            log.info("declined: %s is in no record the caller may see", unwritten)
            answer = declined(evidence, 0.0)
        else:
            # With nothing retrieved there is nothing for a model to read: the offline
            # engine declines without a call.
            engine = self.engine if hits else self.offline
            answer = engine.answer(question, evidence)
        if asks_for_accounts(question) and answer.answered:
            with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
                account_of = {h.document_id: h.account_id for h in hits}
                answer = with_accounts(conn, org=org, acl=acl, answer=answer, account_of=account_of)
        # The tickets it retrieved, of the accounts it names: "the Expensify ticket".
        tickets = [
            (h.document_id, h.title)
            for h in hits
            if h.kind == "ticket" and (not accounts or h.account_id in accounts)
        ]
        answer = self._with_fields(
            answer,
            org=org,
            user_id=user_id,
            question=question,
            tickets=tickets,
            accounts=accounts,
        )
        return AskResult(answer, hits)

    def _account_list(
        self,
        *,
        org: str,
        user_id: str,
        targets: list[str],
        filters: SearchFilters | None,
        competitive: bool = False,
    ) -> AskResult | None:
        """A list question ("Which customers mentioned Salesforce?"): the accounts whose
        records the caller may see name a target, each cited by the sentence that does;
        with ``competitive`` ("Which customers are evaluating HubSpot?") only where
        competitive phrasing vouches for it, not in our pitch. None when no record does
        (the question is then answered as any other)."""
        result = self.copilot.search(
            org=org, user_id=user_id, query=" ".join(targets), top_k=30, filters=filters
        )
        found = self._passages(
            org=org, user_id=user_id, hits=result.hits, sides=competitive, people=False
        )
        mentions = account_mentions(targets, found, competitive=competitive)
        if not mentions:
            return None
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            answer = account_list(conn, org=org, acl=acl, mentions=mentions, engine=ENGINE)
        return AskResult(answer, tuple(result.hits)) if answer else None

    def _recognised(
        self,
        *,
        org: str,
        user_id: str,
        question: str,
        filters: SearchFilters | None,
        accounts: Mapping[str, str],
    ) -> AskResult | None:
        """A question about accounts it names that phrasing answers better than meaning:
        which competitors their records name ("Who is Copperleaf comparing us
        against?", :func:`summarizers.answer.rivals.rival_mentions`), or what the
        customer asked the product to do ("What would Meridian like us to build?",
        :func:`summarizers.answer.gaps.gap_mentions`), each with the sentence that says
        so, in records the caller may see. None when no record of ``accounts`` says it
        (answered as any other)."""
        base = filters or SearchFilters()
        hits: list[ScoredChunk] = []
        for account_id in list(accounts)[:2]:
            if base.account_id not in (None, account_id):
                continue
            scoped = dataclasses.replace(base, account_id=account_id)
            # Every part of the account's records may say it in passing ("We're also
            # looking at Tablewise" in the middle of a discovery call), not only the
            # chunk of each record closest to the question.
            hits += self.copilot.search(
                org=org, user_id=user_id, query=question, top_k=24, filters=scoped, per_document=6
            ).hits
        if not hits:
            return None
        found = self._passages(org=org, user_id=user_id, hits=hits, accounts=accounts)
        answer = recognised_answer(question, found, competitors=self.competitors)
        return AskResult(answer, tuple(hits)) if answer is not None else None

    def _with_fields(
        self,
        answer: Answer,
        *,
        org: str,
        user_id: str,
        question: str,
        accounts: Mapping[str, str],
        tickets: Sequence[tuple[str, str]] = (),
    ) -> Answer:
        """``answer`` with the CRM fields that answer ``question`` stated first, each cited
        by its record (:func:`copilot.crm_answers.crm_facts`); ``tickets`` (id, title)
        are the retrieved tickets a status question without a number may mean, of the
        ``accounts`` it names."""
        if not asks_crm_fields(question):
            return answer
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            facts = crm_facts(
                conn, org=org, acl=acl, question=question, tickets=tickets, accounts=accounts
            )
        return with_facts(answer, facts)

    def evidence(
        self,
        *,
        org: str,
        user_id: str,
        question: str,
        filters: SearchFilters | None = None,
        top_k: int = 8,
        accounts: Mapping[str, str] | None = None,
        sides: bool | None = None,
    ) -> tuple[tuple[ScoredChunk, ...], list[Passage]]:
        """The hits an answer is written from, and the passages an engine gets for them.

        ``accounts`` are :meth:`named_accounts` of the question when already resolved.
        Whose words the passages' spans are (``Passage.sides``) is read only when
        ``sides``; by default when the question asks about one side's move
        (:func:`summarizers.answer.question.asked_side`), the only use the engine has
        for it, so other questions cost no extra query.
        """
        if accounts is None:
            accounts = self.named_accounts(org=org, user_id=user_id, question=question)
        if sides is None:
            sides = asked_side(question) is not None
        # Who each record is with is read when the question names someone besides the
        # accounts: a record is about its contact though its text may not say the name.
        people = sides or names_beyond(question, accounts.values())
        result = self.copilot.search(
            org=org, user_id=user_id, query=question, top_k=2 * top_k, filters=filters
        )
        hits = boost_accounts(result.hits, set(accounts))[:top_k]
        return hits, self._passages(
            org=org, user_id=user_id, hits=hits, accounts=accounts, sides=sides, people=people
        )

    def _passages(
        self,
        *,
        org: str,
        user_id: str,
        hits: Sequence[ScoredChunk],
        accounts: Mapping[str, str] | None = None,
        sides: bool = True,
        people: bool = True,
    ) -> list[Passage]:
        """:func:`passages` of ``hits``, with whose words their spans are when ``sides``
        and who their records are with when ``people`` (read under the caller's access,
        like every read)."""
        voices = {}
        if (sides or people) and hits:
            with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
                ids = list(dict.fromkeys(h.document_id for h in hits))
                voices = store.document_voices(conn, org=org, acl=acl, ids=ids)
        return passages(hits, accounts=accounts, voices=voices, sides=sides)

    def _unwritten_names(self, org: str, user_id: str, question: str) -> list[str]:
        """Words where the question names its customer ("with brackenridge") that no
        record the caller may see contains (``store.unwritten_words``)."""
        named = named_after_preposition(question)
        if not named:
            return []
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            return store.unwritten_words(conn, org=org, acl=acl, words=named)

    def named_accounts(self, *, org: str, user_id: str, question: str) -> dict[str, str]:
        """The accounts ``question`` names that the caller may see: id → name."""
        words = question_words(question)
        acronyms = _ACRONYM.findall(question)
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            found = store.accounts_named(conn, org=org, acl=acl, words=words, acronyms=acronyms)
        return {a.id: a.name for a in found}

    # ---- next-best actions

    def _visible_account(
        self, conn: Connection[Any], *, org: str, acl: frozenset[str], account_id: str
    ) -> store.AccountRow:
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
    ) -> list[NextBestAction]:
        """Ranked actions for an account or a deal, from the caller's visible records only.

        Call summaries used as evidence are always the offline engine's (cached).

        Raises:
            NotFound: The account/deal does not exist or the caller may not see it.
        """
        from summarizers.actions import build_context, recommend

        when = now or datetime.now(UTC)
        with self.copilot.as_caller(org=org, user_id=user_id) as (conn, acl):
            deal = None
            if deal_id is not None:
                deal = store.get_deal(conn, org=org, deal_id=deal_id)
                # A missing deal takes the same account check as a deal whose account the
                # caller may not see (no account is named ""), so timing cannot tell them apart.
                account_id = deal.account_id if deal is not None else ""
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
            owners = store.users_by_id(conn, org=org, ids=[d.owner_id for d in docs])
            calls = [doc for doc in docs if doc.kind == "call"]
            cached = _cached_summaries(conn, org=org, docs=calls, engine=self.offline)
        summaries = self._summaries(
            org=org, user_id=user_id, docs=calls, engine=self.offline, cached=cached, owners=owners
        )
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


def _cached_summaries(
    conn: Connection[Any], *, org: str, docs: Sequence[StoredDocument], engine: Engine
) -> dict[str, CallSummary]:
    """The cached summaries of ``docs`` by ``engine`` (per content hash and
    ``engine.cache_key``), by document id."""
    out: dict[str, CallSummary] = {}
    for doc in docs:
        cached = store.get_cached_summary(
            conn,
            org=org,
            document_id=doc.id,
            engine=engine.cache_key,
            content_hash=doc.content_hash,
        )
        if cached is not None:
            out[doc.id] = CallSummary.model_validate(cached)
    return out
