"""Embedders for the benchmark: recording the real one, deriving vectors, cached queries."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence

import numpy as np

from bench.common import Stopwatch
from embeddings import Embedder

__all__ = ["CachedQueryEmbedder", "DerivedEmbedder", "RecordingEmbedder"]


class RecordingEmbedder:
    """The real embedder, remembering every text and vector the indexer asks for."""

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.batches: list[list[str]] = []
        self.vectors: list[np.ndarray] = []
        self.watch = Stopwatch()

    @property
    def texts(self) -> list[str]:
        return [t for batch in self.batches for t in batch]

    @property
    def dim(self) -> int:
        return self.real.dim

    @property
    def model_id(self) -> str:
        return self.real.model_id

    @property
    def max_tokens(self) -> int:
        return self.real.max_tokens

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        with self.watch:
            vectors = self.real.embed_documents(texts)
        self.batches.append(list(texts))
        self.vectors.append(vectors)
        return vectors

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)


class DerivedEmbedder:
    """A stand-in embedder whose vectors are derived from a pool of real ones.

    A text gets ``normalize(e_i + 0.5 * e_j + 0.25 * n)``: ``e_i`` and ``e_j`` are pool
    rows chosen by a hash of the text, ``n`` is Gaussian noise of expected norm 1 seeded
    by the same hash. Deterministic, cheap, and distributed like real embeddings (their
    clusters survive), but meaningless as semantics. Token counting, ``max_tokens`` and
    ``model_id`` are the real model's, so chunking is identical and the index's model
    check passes.
    """

    def __init__(self, real: Embedder, pool: np.ndarray, on_embed: Callable[[int], None]) -> None:
        if pool.ndim != 2 or len(pool) < 2:
            raise ValueError(f"pool must hold at least 2 vectors, got shape {pool.shape}")
        self.real = real
        self.pool = np.asarray(pool, dtype=np.float32)
        self.on_embed = on_embed
        self.derive_watch = Stopwatch()
        self.token_watch = Stopwatch()

    @property
    def dim(self) -> int:
        return int(self.pool.shape[1])

    @property
    def model_id(self) -> str:
        return self.real.model_id

    @property
    def max_tokens(self) -> int:
        return self.real.max_tokens

    def count_tokens(self, text: str) -> int:
        with self.token_watch:
            return self.real.count_tokens(text)

    def derive(self, text: str) -> np.ndarray:
        digest = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
        h = int.from_bytes(digest, "little")
        n = len(self.pool)
        i, j = h % n, (h // n) % n
        if j == i:
            j = (i + 1) % n
        noise = np.random.default_rng(h).standard_normal(self.dim) / math.sqrt(self.dim)
        v = self.pool[i] + 0.5 * self.pool[j] + 0.25 * noise.astype(np.float32)
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        with self.derive_watch:
            out = (
                np.stack([self.derive(t) for t in texts])
                if texts
                else np.zeros((0, self.dim), dtype=np.float32)
            )
        self.on_embed(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.derive(text)


class CachedQueryEmbedder:
    """Returns pre-computed query vectors, so search latency excludes the model."""

    def __init__(self, real: Embedder, vectors: dict[str, np.ndarray]) -> None:
        self.real = real
        self.vectors = vectors

    @property
    def dim(self) -> int:
        return self.real.dim

    @property
    def model_id(self) -> str:
        return self.real.model_id

    @property
    def max_tokens(self) -> int:
        return self.real.max_tokens

    def count_tokens(self, text: str) -> int:
        return self.real.count_tokens(text)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.vectors[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.vectors[text]
