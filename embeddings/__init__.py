"""Text embedders: an ``Embedder`` protocol, its sentence-transformers implementation, and
:func:`load_embedder`, which runs queries on ONNX Runtime when that gives the same vectors."""

from embeddings.base import Embedder, EmbeddingError
from embeddings.runtimes import (
    RUNTIMES,
    OnnxInt8Embedder,
    OnnxQueryEmbedder,
    load_embedder,
)
from embeddings.sentence import DEFAULT_MODEL, SentenceTransformerEmbedder, resolve_model

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "EmbeddingError",
    "OnnxInt8Embedder",
    "OnnxQueryEmbedder",
    "RUNTIMES",
    "SentenceTransformerEmbedder",
    "load_embedder",
    "resolve_model",
]
