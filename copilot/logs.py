"""Quiet third-party libraries for the command lines (``copilot`` and its plug-ins).

Example:
    >>> from copilot.logs import quiet_libraries
    >>> quiet_libraries()  # before loading a model
"""

from __future__ import annotations

import os
import warnings

__all__ = ["quiet_libraries"]


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
