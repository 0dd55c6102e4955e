"""Which runtime embeds: torch, ONNX Runtime for queries, or int8 ONNX for everything.

:func:`load_embedder` is the one entry point. ``onnx`` (the default) keeps the model id,
because the vectors are the same (checked at every start-up on fixed probe texts), and
falls back to torch with a logged reason when the export or the check fails.

Documents stay on torch in ``onnx`` mode: measured in one run on 256 chunk texts of the
sample CRM (batches of 64, 2 shared cores), ONNX Runtime took 72.3 and 81.0 s against
64.4 and 77.8 s for torch: not faster. A query alone is where ONNX wins (no per-call
torch overhead): ``python -m bench.search --runtimes`` prints both figures. ONNX also
wins on the short sentences an answer compares with its question at ask time
(:meth:`OnnxQueryEmbedder.embed_sentences`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np

from embeddings.base import EmbeddingError
from embeddings.onnx import (
    MIN_COSINE,
    PROBE_TEXTS,
    OnnxEncoder,
    OnnxUnavailable,
    load_verified_encoder,
)
from embeddings.sentence import DEFAULT_MODEL, SentenceTransformerEmbedder

__all__ = [
    "INT8_MIN_COSINE",
    "RUNTIMES",
    "OnnxInt8Embedder",
    "OnnxQueryEmbedder",
    "Runtime",
    "load_embedder",
]

log = logging.getLogger(__name__)

Runtime = Literal["onnx", "torch", "onnx-int8"]
RUNTIMES: tuple[str, ...] = ("onnx", "torch", "onnx-int8")

#: Least cosine of an int8 vector with fp32 torch's on a probe. Measured on the packaged
#: all-MiniLM-L6-v2: see README "ONNX query embedding".
INT8_MIN_COSINE = 0.97


class OnnxQueryEmbedder(SentenceTransformerEmbedder):
    """The torch embedder, with :meth:`embed_query` on ONNX Runtime (same vectors, same id).

    Build it with :func:`load_embedder`.

    Attributes:
        agreement: Least cosine with torch measured on the probe texts at start-up.
    """

    runtime = "onnx"
    #: A query's vector is a document's vector of the same text (the same model on
    #: another runtime, checked at start-up to agree): a caller may embed a question in
    #: one batch with documents.
    symmetric_queries = True

    def __init__(self, base: SentenceTransformerEmbedder, encoder: OnnxEncoder, agreement: float):
        # Adopt the loaded torch model instead of loading it twice.
        vars(self).update(vars(base))
        self._onnx = encoder
        self.agreement = agreement

    @property
    def encoder(self) -> OnnxEncoder:
        """The ONNX Runtime session queries run on."""
        return self._onnx

    def embed_query(self, text: str) -> np.ndarray:
        return self._onnx.encode([text])[0]

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        # Short texts in small batches are where ONNX Runtime wins. On the sentence
        # batches of 60 asks (1-24 sentences, median 6): 34 ms mean, 81 ms p95, against
        # torch's 48 and 116 ms; the vectors agree within 2e-7.
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._onnx.encode(texts)


class OnnxInt8Embedder(OnnxQueryEmbedder):
    """Queries and documents on an int8 dynamically quantized export.

    Its vectors differ from fp32 ones (cosine >= :data:`INT8_MIN_COSINE` on the probes),
    so its :attr:`model_id` is the base id plus ``+onnx-int8`` and a store embedded
    with another model must be re-embedded in full (``copilot reindex``).
    """

    runtime = "onnx-int8"

    def __init__(self, base: SentenceTransformerEmbedder, encoder: OnnxEncoder, agreement: float):
        super().__init__(base, encoder, agreement)
        self._model_id = f"{base.model_id}+onnx-int8"

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._onnx.encode(texts)


def load_embedder(
    model: str = DEFAULT_MODEL,
    *,
    runtime: str = "onnx",
    cache_dir: Path,
    batch_size: int = 64,
) -> SentenceTransformerEmbedder:
    """Load ``model`` on ``runtime``.

    Args:
        model: A model name or directory (see :func:`embeddings.resolve_model`).
        runtime: ``onnx``: queries on ONNX Runtime, verified against torch, falling back
            to torch with a logged warning; ``torch``: sentence-transformers only;
            ``onnx-int8``: everything on int8 ONNX (its own model id; no fallback, as
            falling back would change the vectors under a stored index).
        cache_dir: Where exports are cached, keyed by model id.
        batch_size: Texts per forward pass.

    Raises:
        EmbeddingError: The model cannot be loaded, or ``onnx-int8`` cannot be built.
        ValueError: Unknown ``runtime``.

    Example:
        >>> emb = load_embedder(cache_dir=Path("/tmp/models"))  # doctest: +SKIP
        >>> emb.runtime, emb.embed_query("renewal pricing").shape  # doctest: +SKIP
        ('onnx', (384,))
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
    base = SentenceTransformerEmbedder(model, batch_size=batch_size)
    if runtime == "torch":
        return base
    variant, floor = ("int8", INT8_MIN_COSINE) if runtime == "onnx-int8" else ("fp32", MIN_COSINE)
    try:
        encoder, agreement = load_verified_encoder(
            base.sentence_transformer,
            reference=base.embed_documents(PROBE_TEXTS),
            cache_dir=cache_dir,
            model_id=base.model_id,
            max_tokens=base.max_tokens,
            batch_size=batch_size,
            variant=variant,
            min_agreement=floor,
        )
    except OnnxUnavailable as err:
        if runtime == "onnx-int8":
            raise EmbeddingError(f"embedding runtime onnx-int8 unavailable: {err}") from err
        log.warning("ONNX query embedding off, using torch: %s", err)
        return base
    except ImportError as err:
        if runtime == "onnx-int8":
            raise EmbeddingError(f"embedding runtime onnx-int8 needs onnxruntime: {err}") from err
        log.warning("ONNX query embedding off, using torch: %s", err)
        return base
    log.info(
        "embedding %s on %s (%s, cosine with torch %.7f on %d probes)",
        "queries and documents" if runtime == "onnx-int8" else "queries",
        runtime,
        encoder.path.name,
        agreement,
        len(PROBE_TEXTS),
    )
    if runtime == "onnx-int8":
        return OnnxInt8Embedder(base, encoder, agreement)
    return OnnxQueryEmbedder(base, encoder, agreement)
