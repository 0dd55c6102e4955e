"""The retrieval package's errors. Messages quote the offending input."""

from __future__ import annotations

__all__ = ["MigrationError", "RetrievalError", "SchemaMismatchError"]


class RetrievalError(Exception):
    """Base error of the retrieval package."""


class MigrationError(RetrievalError):
    """A migration file could not be applied."""


class SchemaMismatchError(RetrievalError):
    """The index was built for another embedding model or dimension."""
