"""Logging: quiet third-party libraries for the command lines, and the service's log
format, where every line of a request carries its ``X-Request-ID``.

Example:
    >>> from copilot.logs import quiet_libraries
    >>> quiet_libraries()  # before loading a model
"""

from __future__ import annotations

import logging
import os
import warnings
from contextvars import ContextVar
from typing import Any

__all__ = ["RequestIdFilter", "quiet_libraries", "request_id_var", "service_log_config"]


def quiet_libraries() -> None:
    """Silence model loaders' progress bars, hub lookups and warnings.

    Environment defaults are only set when absent, so a user's own settings win.
    """
    # Model loaders print progress bars and hub warnings; the CLI keeps its own output clean.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    warnings.filterwarnings("ignore")
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


#: The id of the HTTP request being served (``-`` outside one). Set by the API's request
#: middleware; copied into worker threads with the rest of the context.
request_id_var: ContextVar[str] = ContextVar("copilot_request_id", default="-")


class RequestIdFilter(logging.Filter):
    """Stamps each record with ``request_id`` (for ``%(request_id)s`` in formats).

    Example:
        >>> record = logging.makeLogRecord({"msg": "hi"})
        >>> RequestIdFilter().filter(record), record.request_id
        (True, '-')
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def service_log_config(level: str = "INFO") -> dict[str, Any]:
    """``logging.config.dictConfig`` for ``copilot serve``: uvicorn's loggers and ours,
    every line carrying the request id of the request it belongs to.
    """
    stamp = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s:"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {
            "default": {"format": f"{stamp} %(message)s"},
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": f'{stamp} %(client_addr)s "%(request_line)s" %(status_code)s',
                "use_colors": False,
            },
        },
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "filters": ["request_id"],
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["request_id"],
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            # Chatty at INFO (every pg_ctl command line, every model file).
            "pgserver": {"level": "WARNING"},
            "sentence_transformers": {"level": "WARNING"},
        },
        "root": {"handlers": ["default"], "level": level},
    }
