"""The copilot package's errors; only ``api/`` maps them to HTTP."""

from __future__ import annotations

__all__ = ["CopilotError", "DatabaseUnavailable", "IngestError", "NotFound", "UnknownUser"]


class CopilotError(Exception):
    """Base error of the copilot package. ``code`` is a stable machine-readable name."""

    code = "copilot_error"


class DatabaseUnavailable(CopilotError):
    code = "database_unavailable"


class UnknownUser(CopilotError):
    code = "unknown_user"


class NotFound(CopilotError):
    """A record that does not exist or that the caller may not see (indistinguishable)."""

    code = "not_found"


class IngestError(CopilotError):
    code = "invalid_input"
