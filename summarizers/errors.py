"""The summarizers package's errors, in one place. Messages quote the offending input.

``code`` is a stable machine-readable name; only ``api/`` maps errors to HTTP.

Example:
    >>> issubclass(PlaybookError, SummarizerError)
    True
"""

from __future__ import annotations

__all__ = ["PlaybookError", "SummarizerError"]


class SummarizerError(Exception):
    """Base error of the summarizers package."""

    code = "summarizer_error"


class PlaybookError(SummarizerError):
    """A next-best-action playbook that cannot be used; the message names the key."""

    code = "invalid_playbook"
