"""The offline call-summary engine (being split into modules; see the next commit)."""

from summarizers.offline.action_items import (
    DEFAULT_COMPETITORS,
    ENGINE,
    TEXT_KINDS,
    load_competitors,
    summarize_call,
    summarize_text,
)

__all__ = [
    "DEFAULT_COMPETITORS",
    "ENGINE",
    "TEXT_KINDS",
    "load_competitors",
    "summarize_call",
    "summarize_text",
]
