"""The LLM engine's errors: bad configuration, and a model that failed or was unusable."""

from __future__ import annotations

from summarizers.errors import SummarizerError

__all__ = ["LLMConfigError", "LLMUnavailable"]


class LLMConfigError(SummarizerError):
    """``COPILOT_LLM`` (or its model, URL or directory) cannot be used; message quotes it."""

    code = "llm_config_error"


class LLMUnavailable(SummarizerError):
    """The LLM failed or its output was unusable; the caller falls back to offline.

    ``reason`` is short and contains no record text, e.g. ``"timeout"`` or
    ``"invalid output"``: it is what ``engine="offline (fallback: <reason>)"`` shows.
    """

    code = "llm_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
