"""The kinds of CRM document the copilot indexes, written once.

Example:
    >>> "call" in DOCUMENT_KINDS
    True
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["DOCUMENT_KINDS", "DocumentKind"]

DocumentKind = Literal["email", "call", "ticket"]
#: The same kinds as a tuple, in the order they are listed everywhere.
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)
