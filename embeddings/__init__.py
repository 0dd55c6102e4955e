"""Text embedders: an ``Embedder`` protocol and its sentence-transformers implementation."""

from embeddings.base import Embedder, EmbeddingError
from embeddings.sentence import DEFAULT_MODEL, SentenceTransformerEmbedder, resolve_model

__all__ = [
    "DEFAULT_MODEL",
    "Embedder",
    "EmbeddingError",
    "SentenceTransformerEmbedder",
    "resolve_model",
]
