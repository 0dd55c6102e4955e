"""Whether a string can be stored as PostgreSQL text: the one rule every edge checks.

PostgreSQL text holds neither NUL nor a lone surrogate ("\\ud800", which JSON may carry
and UTF-8 cannot encode). Ingest records, API request fields and token claims are each
checked with :func:`storable_problem` before anything reaches the database.
"""

from __future__ import annotations

import re

__all__ = ["SURROGATE", "storable_problem"]

#: A lone surrogate code point.
SURROGATE = re.compile("[\ud800-\udfff]")


def storable_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored as PostgreSQL text, or None when it can.

    Example:
        >>> storable_problem("a\\x00b")
        'contains a NUL character (U+0000)'
        >>> storable_problem("fine") is None
        True
    """
    if "\x00" in text:
        return "contains a NUL character (U+0000)"
    found = SURROGATE.search(text)
    if found is not None:
        return f"contains a lone surrogate {ascii(found.group())} (not valid Unicode)"
    return None
