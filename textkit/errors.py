"""The text layer's one error type."""

from __future__ import annotations

__all__ = ["TextError"]


class TextError(ValueError):
    """A text could not be rendered or parsed; the message quotes the offending input."""
