"""The embedder interface every other layer depends on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

__all__ = ["Embedder", "EmbeddingError"]


class EmbeddingError(Exception):
    """A model could not be found, loaded or run."""


@runtime_checkable
class Embedder(Protocol):
    """Maps text to unit-length float32 vectors of ``dim`` dimensions."""

    @property
    def dim(self) -> int: ...

    @property
    def model_id(self) -> str: ...

    @property
    def max_tokens(self) -> int: ...

    def count_tokens(self, text: str) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...
