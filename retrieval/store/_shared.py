"""What several store modules share: embeddings as ``halfvec`` parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
from pgvector.psycopg import HalfVector

__all__ = ["halfvec"]


def halfvec(embedding: Any) -> HalfVector:
    """A float vector as the ``halfvec`` the ``chunks.embedding`` column stores."""
    return HalfVector(np.asarray(embedding, dtype=np.float32))
