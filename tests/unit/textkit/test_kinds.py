"""The document kinds, written once."""

from __future__ import annotations

from typing import get_args

from textkit.kinds import DOCUMENT_KINDS, DocumentKind


def test_the_tuple_and_the_literal_list_the_same_kinds() -> None:
    assert DOCUMENT_KINDS == ("email", "call", "ticket") == get_args(DocumentKind)
