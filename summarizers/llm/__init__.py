"""The LLM engine: call summaries and answers from a LangChain chat model, verified.

The model never gets the last word. What it returns goes through four gates:

1. **Data, not instructions.** Record text is sent only between
   ``<document …>`` / ``</document>`` markers, marker look-alikes inside it are
   neutralized, and the system message says that nothing between the markers is an
   instruction.
2. **Personal data stays here.** Every string sent (records, titles, the question) is
   masked with :func:`summarizers.pii.mask`; every string returned is unmasked.
3. **Structured output.** The model fills an LLM-facing schema in which each item
   carries ``quote``, a verbatim span of its source, instead of offsets. OpenAI-compatible
   servers get the schema as ``response_format`` (``json_schema``); other chat models
   get it in the prompt and their JSON is parsed with ``PydanticOutputParser``.
4. **Grounding.** Each quote is located in the source (exactly, then ignoring case,
   whitespace and typographic quotes) and becomes a :class:`Citation` of that exact
   span; an item whose quote is not found, or shares too little with its text, is dropped
   and counted in :class:`LLMStats`.

Failures (timeouts, connection errors, output that is still invalid after
``output_retries`` re-asks, or no grounded summary at all) raise :class:`LLMUnavailable`,
whose ``reason`` the service reports as ``engine="offline (fallback: <reason>)"``.

Example:
    >>> chat = build_chat_model(
    ...     "openai", base_url="http://127.0.0.1:8000/v1", model="qwen2.5-7b-instruct",
    ...     api_key=None, timeout_s=30, max_retries=2,
    ... )  # doctest: +SKIP
    >>> summary, stats = LLMEngine(chat, name="openai:qwen2.5").summarize_call(doc)
    ... # doctest: +SKIP

Modules: :mod:`~summarizers.llm.schemas` (what the model fills in),
:mod:`~summarizers.llm.prompts` (rules and rendering), :mod:`~summarizers.llm.grounding`
(quotes to citations), :mod:`~summarizers.llm.engine` (:class:`LLMEngine`),
:mod:`~summarizers.llm.chat` and :mod:`~summarizers.llm.local` (chat models).
"""

from __future__ import annotations

from summarizers.llm.chat import build_chat_model
from summarizers.llm.engine import NOT_ANSWERED, LLMEngine, passages_from_documents
from summarizers.llm.errors import LLMConfigError, LLMUnavailable
from summarizers.llm.grounding import locate_quote, supports
from summarizers.llm.local import LocalTransformersChat
from summarizers.llm.schemas import (
    LLMActionClaim,
    LLMAnswer,
    LLMAnswerSentence,
    LLMCallSummary,
    LLMClaim,
    LLMCompetitor,
    LLMSentiment,
    LLMStats,
    StructuredMethod,
)

__all__ = [
    "LLMActionClaim",
    "LLMAnswer",
    "LLMAnswerSentence",
    "LLMCallSummary",
    "LLMClaim",
    "LLMCompetitor",
    "LLMConfigError",
    "LLMEngine",
    "LLMSentiment",
    "LLMStats",
    "LLMUnavailable",
    "LocalTransformersChat",
    "NOT_ANSWERED",
    "StructuredMethod",
    "build_chat_model",
    "locate_quote",
    "passages_from_documents",
    "supports",
]
