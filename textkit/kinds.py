"""The kinds of CRM document the copilot indexes, written once.

Example:
    >>> "call" in DOCUMENT_KINDS
    True
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["DOCUMENT_KINDS", "TEXT_KINDS", "DocumentKind", "TextKind"]

DocumentKind = Literal["email", "call", "ticket"]
#: The same kinds as a tuple, in the order they are listed everywhere.
DOCUMENT_KINDS: tuple[DocumentKind, ...] = get_args(DocumentKind)

#: Kinds of free text a user may send to be summarized without storing it (a draft): a
#: call transcript, an email or a note. A note is not a stored document kind.
TextKind = Literal["call", "email", "note"]
TEXT_KINDS: tuple[TextKind, ...] = get_args(TextKind)
