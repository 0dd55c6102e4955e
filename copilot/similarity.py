"""The embedding model's cosine of a question with sentences, cached per sentence: what
the answer engine compares a question with its candidate sentences by."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from embeddings import Embedder, SentenceTransformerEmbedder

__all__ = ["SentenceSimilarity"]


class SentenceSimilarity:
    """The embedding model's cosine of a question with sentences, cached per sentence.

    The answer engine calls it with the sentences of the top retrieved chunks; a chunk's
    sentences are embedded once per content (the key is a hash of the text and the
    model), then served from an in-process LRU. Thread-safe.

    Args:
        embedder: The service's (already loaded) model.
        max_entries: LRU size in sentences (384 floats each: 20,000 is ~30 MB).
    """

    def __init__(self, embedder: Embedder, *, max_entries: int = 20_000) -> None:
        self.embedder = embedder
        self.max_entries = max_entries
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        # sentence-transformers' embed_query is embed_documents of one text.
        self._symmetric = getattr(
            embedder,
            "symmetric_queries",
            type(embedder).embed_query is SentenceTransformerEmbedder.embed_query,
        )

    def _key(self, kind: str, text: str) -> str:
        raw = f"{self.embedder.model_id}\0{kind}\0{text}".encode()
        return hashlib.blake2b(raw, digest_size=16).hexdigest()

    def _get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vec = self._cache.get(key)
            if vec is not None:
                self._cache.move_to_end(key)
            return vec

    def _put(self, key: str, vec: np.ndarray) -> None:
        with self._lock:
            self._cache[key] = vec
            self._cache.move_to_end(key)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)

    @property
    def model_id(self) -> str:
        """The embedding model the vectors come from (the answer scorer's learned metric
        applies only to the model it was fitted on)."""
        return self.embedder.model_id

    def vectors(self, question: str, texts: Sequence[str]) -> tuple[list[float], list[list[float]]]:
        """The unit vectors of ``question`` and of each text (embedding only what the
        cache misses, in one forward pass where the model allows)."""
        qvec, vecs = self._arrays(question, texts)
        return qvec.tolist(), [v.tolist() for v in vecs]

    def __call__(self, question: str, texts: Sequence[str]) -> list[float]:
        qvec, vecs = self._arrays(question, texts)
        return [float(np.dot(qvec, v)) for v in vecs]

    def _arrays(self, question: str, texts: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
        qkey = self._key("q", question)
        qvec = self._get(qkey)
        keys = [self._key("d", t) for t in texts]
        vecs: list[np.ndarray | None] = [self._get(k) for k in keys]
        missing = sorted({i for i, v in enumerate(vecs) if v is None})
        batch = [texts[i] for i in missing]
        # One forward pass per ask: a model that embeds queries as documents (ours)
        # gets the question in the sentences' batch instead of a call of its own.
        fold = qvec is None and self._symmetric
        if fold:
            batch = [question, *batch]
        if len(batch) == 1 and self._symmetric:
            # One text (the passage the answer check reads, a lone new sentence) takes
            # the query path: ONNX Runtime in the API, a fraction of a torch pass.
            fresh = np.asarray([self.embedder.embed_query(batch[0])], dtype=np.float32)
        elif batch:
            # The embedders of ``embeddings`` run short texts on their fastest runtime
            # (ONNX in the API); any other embedder embeds them as documents.
            embed = getattr(self.embedder, "embed_sentences", self.embedder.embed_documents)
            fresh = np.asarray(embed(batch), dtype=np.float32)
        if batch:
            if fold:
                qvec, fresh = fresh[0], fresh[1:]
                self._put(qkey, qvec)
            for i, vec in zip(missing, fresh, strict=True):
                vecs[i] = vec
                self._put(keys[i], vec)
        if qvec is None:
            qvec = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
            self._put(qkey, qvec)
        return qvec, vecs  # type: ignore[return-value]
