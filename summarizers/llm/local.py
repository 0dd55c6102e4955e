"""A chat model over a causal LM in a local directory, loaded with transformers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import PrivateAttr

from summarizers.llm.errors import LLMConfigError

__all__ = ["LocalTransformersChat"]

# ------------------------------------------------------- local transformers


class LocalTransformersChat(BaseChatModel):
    """A chat model over a causal LM loaded from a local directory with transformers.

    Loading never touches the network (``local_files_only=True``). Prompts use the
    tokenizer's chat template when it has one, else a plain ``### Role:`` format.
    Decoding is greedy and bounded by ``max_new_tokens`` and ``max_time_s``.

    Build it with :meth:`from_dir`.
    """

    path: str
    max_new_tokens: int = 512
    max_time_s: float | None = None

    _model: Any = PrivateAttr(default=None)
    _tokenizer: Any = PrivateAttr(default=None)

    @classmethod
    def from_dir(
        cls, model_dir: str | Path, *, max_new_tokens: int = 512, max_time_s: float | None = None
    ) -> LocalTransformersChat:
        """Load tokenizer and model from ``model_dir`` (a ``save_pretrained`` directory).

        Raises:
            LLMConfigError: The directory is missing or holds no loadable model.
        """
        path = Path(model_dir).expanduser()
        if not (path / "config.json").is_file():
            raise LLMConfigError(f"no transformers model in {str(path)!r} (config.json missing)")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise LLMConfigError(f"cannot load a causal LM from {str(path)!r}: {exc}") from exc
        model.eval()
        chat = cls(path=str(path), max_new_tokens=max_new_tokens, max_time_s=max_time_s)
        chat._model = model
        chat._tokenizer = tokenizer
        return chat

    @property
    def _llm_type(self) -> str:
        return "local-transformers"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"path": self.path, "max_new_tokens": self.max_new_tokens}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        import torch

        if self._model is None:
            raise LLMConfigError("LocalTransformersChat must be built with from_dir()")
        input_ids = self._encode(messages)
        prompt_tokens = int(input_ids.shape[-1])
        max_new_tokens = self.max_new_tokens
        context = getattr(self._model.config, "max_position_embeddings", None)
        if context is not None:
            if prompt_tokens >= context:
                raise ValueError(
                    f"prompt of {prompt_tokens} tokens does not fit the model's "
                    f"{context}-token context"
                )
            max_new_tokens = min(max_new_tokens, context - prompt_tokens)
        tokenizer = self._tokenizer
        pad_id = tokenizer.pad_token_id
        if pad_id is None:
            pad_id = tokenizer.eos_token_id if tokenizer.eos_token_id is not None else 0
        with torch.inference_mode():
            output = self._model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=max_new_tokens,
                do_sample=False,
                max_time=self.max_time_s,
                pad_token_id=pad_id,
            )
        text = tokenizer.decode(output[0, prompt_tokens:], skip_special_tokens=True)
        for marker in stop or ():
            text = text.split(marker, 1)[0]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _encode(self, messages: list[BaseMessage]) -> Any:
        chat = [{"role": _role(m), "content": str(m.text)} for m in messages]
        tokenizer = self._tokenizer
        if getattr(tokenizer, "chat_template", None):
            try:
                return self._apply_template(chat)
            except Exception:  # templates without a system role (e.g. Gemma's) raise
                return self._apply_template(_fold_system(chat))
        prompt = "".join(f"### {m['role'].title()}:\n{m['content']}\n\n" for m in chat)
        prompt += "### Assistant:\n"
        return tokenizer(prompt, return_tensors="pt")["input_ids"]

    def _apply_template(self, chat: list[dict[str, str]]) -> Any:
        encoded = self._tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, tokenize=True, return_dict=True, return_tensors="pt"
        )
        return encoded["input_ids"]


def _role(message: BaseMessage) -> str:
    return {"system": "system", "human": "user", "ai": "assistant"}.get(message.type, "user")


def _fold_system(chat: list[dict[str, str]]) -> list[dict[str, str]]:
    system = "\n\n".join(m["content"] for m in chat if m["role"] == "system")
    rest = [dict(m) for m in chat if m["role"] != "system"]
    if system and rest:
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
    return rest
