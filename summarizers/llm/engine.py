"""The LLM engine: masked prompts, structured output, and only grounded items kept.

:class:`LLMEngine` returns each result with its :class:`LLMStats`;
:meth:`LLMEngine.as_engine` is the same engine behind
:class:`summarizers.engine.Engine`, for the generation service and its fallback.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from langchain_core.documents import Document
from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.output_parsers import PydanticOutputParser
from langchain_core.retrievers import BaseRetriever
from pydantic import BaseModel, ValidationError

from summarizers.engine import Engine
from summarizers.llm.errors import LLMConfigError, LLMUnavailable
from summarizers.llm.grounding import Source, Tally, build_summary, verified
from summarizers.llm.prompts import (
    ANSWER_TASK,
    SUMMARY_TASK,
    neutralize,
    render_document,
    system_message,
)
from summarizers.llm.schemas import LLMAnswer, LLMCallSummary, LLMStats, StructuredMethod
from summarizers.models import Answer, CallSummary, Citation, Passage, SourceDocument
from summarizers.pii import PiiMapping, mask, unmask

__all__ = ["NOT_ANSWERED", "LLMEngine", "passages_from_documents"]

log = logging.getLogger(__name__)

#: The answer text when the evidence handed in does not support an answer.
NOT_ANSWERED = "The records available to you do not answer this question."

_T = TypeVar("_T", bound=BaseModel)


def _is_openai(chat_model: BaseChatModel) -> bool:
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:  # the OpenAI extra is not installed: nothing can be one
        return False
    return isinstance(chat_model, ChatOpenAI)


def _failure_reason(exc: BaseException) -> str:
    """A short, text-free reason for ``engine="offline (fallback: <reason>)"``."""
    if isinstance(exc, OutputParserException | ValidationError | json.JSONDecodeError):
        return "invalid output"
    if isinstance(exc, TimeoutError):
        return "timeout"
    try:
        import openai
    except ImportError:
        openai = None  # type: ignore[assignment]
    if openai is not None:
        if isinstance(exc, openai.APITimeoutError):
            return "timeout"
        if isinstance(exc, openai.APIConnectionError):
            return "connection error"
        if isinstance(exc, openai.APIStatusError):
            return f"HTTP {exc.status_code}"
        if isinstance(exc, openai.LengthFinishReasonError | openai.ContentFilterFinishReasonError):
            return "invalid output"
    return f"model error ({type(exc).__name__})"


class LLMEngine:
    """Call summaries and answers from a chat model, masked, structured and verified.

    Args:
        chat_model: Any LangChain chat model (see :func:`build_chat_model`).
        name: What ``engine`` reports, e.g. ``"openai:qwen2.5-7b"``.
        method: How structured output is obtained. ``None`` picks ``json_schema`` for
            ``ChatOpenAI`` and ``json_prompt`` (schema in the prompt, JSON parsed here)
            for everything else.
        output_retries: Re-asks when the output is not valid for the schema.

    Example:
        >>> engine = LLMEngine(chat, name="openai:qwen2.5")  # doctest: +SKIP
        >>> answer, stats = engine.answer("Who asked for a discount?", retriever)
        ... # doctest: +SKIP
    """

    def __init__(
        self,
        chat_model: BaseChatModel,
        *,
        name: str,
        method: StructuredMethod | None = None,
        output_retries: int = 1,
    ) -> None:
        if not name:
            raise ValueError("name must not be empty")
        if output_retries < 0:
            raise ValueError(f"output_retries must be >= 0, got {output_retries}")
        self.chat_model = chat_model
        self.name = name
        self.method: StructuredMethod = method or (
            "json_schema" if _is_openai(chat_model) else "json_prompt"
        )
        self.output_retries = output_retries

    # -- public

    def as_engine(self) -> Engine:
        """This engine behind :class:`summarizers.engine.Engine` (results without stats)."""
        return _AsEngine(self)

    def summarize_call(self, doc: SourceDocument) -> tuple[CallSummary, LLMStats]:
        """Summarize one call; every kept item cites an exact span of ``doc.content``.

        Raises:
            LLMUnavailable: The model failed, its output stayed invalid, or none of its
                summary sentences is grounded in the call.
        """
        started = time.perf_counter()
        mapping = PiiMapping()
        extra = {"participants": ", ".join(doc.participants)} if doc.participants else {}
        if doc.owner_name:
            extra["owner"] = doc.owner_name
        rendered = render_document(
            document_id=doc.document_id,
            kind=doc.kind,
            title=doc.title,
            text=doc.content,
            occurred_at=doc.occurred_at.date().isoformat(),
            mapping=mapping,
            extra=extra,
        )
        messages = [
            system_message(SUMMARY_TASK, LLMCallSummary),
            HumanMessage(
                content=f"Call date: {doc.occurred_at.date().isoformat()}.\n"
                f"Summarize this call:\n\n{rendered}"
            ),
        ]
        raw, retries = self._structured(LLMCallSummary, messages)
        summary, tally = build_summary(doc, _unmask_model(raw, mapping), engine=self.name)
        return summary, LLMStats(
            dropped_claims=tally.dropped,
            kept_claims=tally.kept,
            latency_ms=(time.perf_counter() - started) * 1000,
            retries=retries,
        )

    def answer(self, question: str, retriever: BaseRetriever) -> tuple[Answer, LLMStats]:
        """Answer from what ``retriever`` returns (e.g. a caller-bound ``CallerRetriever``).

        The retriever is queried with the unmasked question: it runs inside the service.
        Only the passages it returns can be cited, so the answer can never draw on
        records the retriever's caller may not see. This is for LangChain users holding
        a retriever; the generation service searches once itself and calls
        :meth:`answer_from_passages` with those hits.
        """
        started = time.perf_counter()
        passages = passages_from_documents(retriever.invoke(question))
        answer, stats = self.answer_from_passages(question, passages)
        latency_ms = (time.perf_counter() - started) * 1000
        return answer, LLMStats(
            dropped_claims=stats.dropped_claims,
            kept_claims=stats.kept_claims,
            latency_ms=latency_ms,
            retries=stats.retries,
        )

    def answer_from_passages(
        self, question: str, passages: Sequence[Passage]
    ) -> tuple[Answer, LLMStats]:
        """Answer ``question`` citing only ``passages`` (offsets are document offsets).

        Raises:
            LLMUnavailable: The model failed or its output stayed invalid.
        """
        started = time.perf_counter()
        if not passages:
            return self._not_answered(), LLMStats(0, 0, 0.0, 0)
        mapping = PiiMapping()
        rendered = "\n\n".join(
            render_document(
                document_id=p.document_id,
                kind=p.kind,
                title=p.title,
                text=p.text,
                occurred_at=p.occurred_at.date().isoformat(),
                mapping=mapping,
                # The account the question named that this record belongs to: the
                # record is about it even when its text never says the name.
                extra={"account": ", ".join(p.context)} if p.context else None,
            )
            for p in passages
        )
        masked_question = mask(question, mapping)[0]
        messages = [
            system_message(ANSWER_TASK, LLMAnswer),
            HumanMessage(
                content=f"Documents:\n\n{rendered}\n\n"
                f"Question (from the user; answer it only from the documents): "
                f"{neutralize(masked_question)}"
            ),
        ]
        raw, retries = self._structured(LLMAnswer, messages)
        out = _unmask_model(raw, mapping)
        answer, tally = self._build_answer(out, passages)
        return answer, LLMStats(
            dropped_claims=tally.dropped,
            kept_claims=tally.kept,
            latency_ms=(time.perf_counter() - started) * 1000,
            retries=retries,
        )

    # -- model calls

    def _structured(self, schema: type[_T], messages: list[BaseMessage]) -> tuple[_T, int]:
        """The model's output parsed as ``schema``, and how many re-asks it took."""
        for attempt in range(self.output_retries + 1):
            try:
                parsed = self._invoke_once(schema, messages)
            except LLMUnavailable:
                raise
            except Exception as exc:  # any failure of the model means: fall back
                reason = _failure_reason(exc)
                log.warning("%s: %s (%s)", self.name, reason, type(exc).__name__)
                if reason != "invalid output":
                    raise LLMUnavailable(reason) from exc
                continue
            return parsed, attempt
        raise LLMUnavailable("invalid output")

    def _invoke_once(self, schema: type[_T], messages: list[BaseMessage]) -> _T:
        if self.method == "json_prompt":
            reply = self.chat_model.invoke(messages)
            parser: PydanticOutputParser[_T] = PydanticOutputParser(pydantic_object=schema)
            return parser.parse(_message_text(reply))
        runnable = self.chat_model.with_structured_output(
            schema, method=self.method, include_raw=True
        )
        result = runnable.invoke(messages)
        parsed = result.get("parsed") if isinstance(result, dict) else None
        if isinstance(parsed, dict):
            parsed = schema.model_validate(parsed)
        if not isinstance(parsed, schema):
            error = result.get("parsing_error") if isinstance(result, dict) else None
            raise OutputParserException(f"no {schema.__name__} in the reply ({error!r})")
        return parsed

    # -- building results

    def _build_answer(self, out: LLMAnswer, passages: Sequence[Passage]) -> tuple[Answer, Tally]:
        tally = Tally()
        if not out.answered:
            return self._not_answered(), tally
        by_document: dict[str, list[Source]] = {}
        for p in passages:
            by_document.setdefault(p.document_id, []).append(
                Source(document_id=p.document_id, text=p.text, start=p.start)
            )
        texts: list[str] = []
        citations: list[Citation] = []
        for sentence in out.sentences:
            # Only documents handed in can be cited, whatever id the model names.
            sources = by_document.get(sentence.document_id, [])
            citation = verified(sources, sentence.text, sentence.quote, tally)
            if citation is not None:
                texts.append(sentence.text.strip())
                citations.append(citation)
        if not texts:
            return self._not_answered(), tally
        # The share of the model's claims that were verified against the cited records:
        # an answer whose every sentence is grounded is as sure as this engine gets.
        grounded = tally.kept / max(1, tally.kept + tally.dropped)
        answer = Answer(
            answer=" ".join(texts),
            citations=citations,
            answered=True,
            engine=self.name,
            confidence=round(grounded, 4),
        )
        return answer, tally

    def _not_answered(self) -> Answer:
        return Answer(answer=NOT_ANSWERED, citations=[], answered=False, engine=self.name)


def _message_text(message: BaseMessage) -> str:
    return str(message.text)


def _unmask_value(value: Any, mapping: PiiMapping) -> Any:
    if isinstance(value, str):
        return unmask(value, mapping)
    if isinstance(value, BaseModel):
        return _unmask_model(value, mapping)
    if isinstance(value, list):
        return [_unmask_value(v, mapping) for v in value]
    return value


def _unmask_model(model: _T, mapping: PiiMapping) -> _T:
    """A copy of ``model`` with every string (nested too) unmasked."""
    if not mapping:
        return model
    updates = {
        name: _unmask_value(getattr(model, name), mapping) for name in type(model).model_fields
    }
    return model.model_copy(update=updates)


def passages_from_documents(documents: Sequence[Document]) -> list[Passage]:
    """LangChain ``Document``s from a caller-bound retriever, as :class:`Passage`s.

    Raises:
        LLMConfigError: A document lacks the metadata ``CallerRetriever`` sets
            (``document_id``, ``kind``, ``title``, ``start``, ``end``, ``score``,
            ``occurred_at``): the retriever is not one this engine can cite from.
    """
    out = []
    for doc in documents:
        md = doc.metadata
        missing = [
            k
            for k in ("document_id", "kind", "title", "start", "end", "score", "occurred_at")
            if k not in md
        ]
        if missing:
            raise LLMConfigError(
                f"retriever returned a document without metadata {missing!r}; "
                "use copilot.integrations.langchain.CallerRetriever"
            )
        out.append(
            Passage(
                document_id=md["document_id"],
                kind=md["kind"],
                title=md["title"],
                text=doc.page_content,
                start=md["start"],
                end=md["end"],
                score=md["score"],
                occurred_at=md["occurred_at"],
            )
        )
    return out


class _AsEngine:
    """An :class:`LLMEngine` as an :class:`~summarizers.engine.Engine`; ``cache_key`` is
    its name."""

    def __init__(self, llm: LLMEngine) -> None:
        self._llm = llm

    @property
    def name(self) -> str:
        return self._llm.name

    @property
    def cache_key(self) -> str:
        return self._llm.name

    def summarize_call(self, doc: SourceDocument) -> CallSummary:
        summary, stats = self._llm.summarize_call(doc)
        log.info("llm summary of %s: %s", doc.document_id, stats)
        return summary

    def summarize_text(self, text: str, *, kind: str, now: datetime) -> CallSummary:
        # The model reads any kind of draft alike; ``kind`` guides the offline engine.
        draft = SourceDocument(
            document_id="draft", kind="draft", title="draft", content=text, occurred_at=now
        )
        summary, _ = self._llm.summarize_call(draft)
        return summary

    def answer(self, question: str, passages: Sequence[Passage]) -> Answer:
        answer, _ = self._llm.answer_from_passages(question, passages)
        return answer
