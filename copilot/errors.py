"""The copilot package's errors; only ``api/`` maps them to HTTP."""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CopilotError",
    "DatabaseUnavailable",
    "IngestError",
    "InvalidCursor",
    "InvalidRequest",
    "NotFound",
    "UnknownUser",
]


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


class ConfigError(CopilotError):
    """The deployment is misconfigured (e.g. a placeholder secret); the service won't start."""

    code = "config_error"


class InvalidRequest(CopilotError):
    """A request value is out of range or malformed. ``field`` names it."""

    code = "invalid_request"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidCursor(InvalidRequest):
    code = "invalid_cursor"
