"""Helpers every store module shares: vector parameters and the access-list guard."""

from __future__ import annotations

from typing import Any

import numpy as np
from pgvector.psycopg import HalfVector

from retrieval.errors import RetrievalError

__all__ = ["halfvec", "require_acl"]


def halfvec(embedding: Any) -> HalfVector:
    return HalfVector(np.asarray(embedding, dtype=np.float32))


def require_acl(acl: frozenset[str]) -> list[str]:
    # An empty access list must never mean "no filter"; it means "sees nothing" and is a bug.
    if not acl:
        raise RetrievalError("acl must name at least one principal")
    return sorted(acl)
