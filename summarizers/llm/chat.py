"""``COPILOT_LLM`` to a LangChain chat model: an OpenAI-compatible server or a local dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import ValidationError

from summarizers.llm.errors import LLMConfigError
from summarizers.llm.local import LocalTransformersChat

__all__ = ["build_chat_model"]

# ------------------------------------------------------------------ factory


def build_chat_model(
    spec: str,
    *,
    base_url: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    timeout_s: float = 60.0,
    max_retries: int = 2,
    max_new_tokens: int = 512,
) -> BaseChatModel:
    """A LangChain chat model for ``COPILOT_LLM``.

    Args:
        spec: ``"openai"`` for any OpenAI-compatible server (vLLM, Ollama, llama.cpp
            server, OpenAI), or ``"hf:<local model dir>"`` for transformers.
        base_url: The server's ``/v1`` URL (``openai`` only; ``None`` means OpenAI's).
        model: The served model's name (required for ``openai``).
        api_key: ``None`` for servers that need none when ``base_url`` is set.
        timeout_s: Per-request timeout (``openai``) or generation time limit (``hf``).
        max_retries: Client retries on timeouts, connection errors, 429 and 5xx.
        max_new_tokens: Generation limit for ``hf``.

    Raises:
        LLMConfigError: Unknown spec, missing model name or model directory.

    Example:
        >>> try:
        ...     build_chat_model("gpt4all")
        ... except LLMConfigError as exc:
        ...     print(exc)
        unknown LLM spec 'gpt4all'; expected 'openai' or 'hf:<local model dir>'
    """
    if timeout_s <= 0:
        raise LLMConfigError(f"timeout_s must be > 0, got {timeout_s}")
    if max_retries < 0:
        raise LLMConfigError(f"max_retries must be >= 0, got {max_retries}")
    if spec == "openai":
        return _openai_chat(
            base_url=base_url,
            model=model,
            api_key=api_key,
            timeout_s=timeout_s,
            max_retries=max_retries,
        )
    if spec.startswith("hf:"):
        model_dir = spec.removeprefix("hf:").strip()
        if not model_dir:
            raise LLMConfigError(f"LLM spec {spec!r} names no model directory")
        if not Path(model_dir).expanduser().is_dir():
            raise LLMConfigError(f"LLM model directory {model_dir!r} does not exist")
        return LocalTransformersChat.from_dir(
            model_dir, max_new_tokens=max_new_tokens, max_time_s=timeout_s
        )
    raise LLMConfigError(f"unknown LLM spec {spec!r}; expected 'openai' or 'hf:<local model dir>'")


def _openai_chat(
    *,
    base_url: str | None,
    model: str | None,
    api_key: str | None,
    timeout_s: float,
    max_retries: int,
) -> BaseChatModel:
    if not model:
        raise LLMConfigError("COPILOT_LLM=openai needs a model name (COPILOT_LLM_MODEL)")
    try:
        import openai
        from langchain_openai import ChatOpenAI
    except ImportError as exc:
        raise LLMConfigError("COPILOT_LLM=openai needs the langchain-openai package") from exc
    options: dict[str, Any] = {}
    if base_url:
        # Self-hosted servers speak chat completions, not OpenAI's Responses API.
        options["use_responses_api"] = False
        # They usually ignore the key, but the client insists on one.
        api_key = api_key or "unused"
    try:
        return ChatOpenAI(
            model=model,
            base_url=base_url,
            api_key=api_key,  # type: ignore[arg-type]
            timeout=timeout_s,
            max_retries=max_retries,
            temperature=0,
            **options,
        )
    except (ValueError, ValidationError, openai.OpenAIError) as exc:
        raise LLMConfigError(f"cannot configure the OpenAI client: {exc}") from exc
