"""ONNX Runtime inference over a one-time export of a sentence-transformers model.

The export (:func:`export_onnx`) traces the model's own modules, so its pooling and
normalisation are the model's, and L2-normalises the result like
``encode(normalize_embeddings=True)``. :class:`OnnxEncoder` runs it with the model's own
(fast) tokenizer. :func:`load_verified_encoder` ties both together: a cached export is
used if its vectors on :data:`PROBE_TEXTS` match the torch model's, otherwise it is
exported again, and if that does not match either, :class:`OnnxUnavailable` says why.

Measured on the packaged all-MiniLM-L6-v2 (2 shared cores): one query in 3.4-3.8 ms
against 12-16 ms for torch, cosine with torch >= 0.9999998 (issue 13).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.base import EmbeddingError

__all__ = [
    "MIN_COSINE",
    "PROBE_TEXTS",
    "OnnxEncoder",
    "OnnxUnavailable",
    "export_onnx",
    "export_path",
    "load_verified_encoder",
    "min_cosine",
    "quantize_int8",
]

log = logging.getLogger(__name__)

#: Fixed texts an export must reproduce the torch vectors of: short and long, padded in a
#: batch and alone, punctuation, digits and a non-ASCII word.
PROBE_TEXTS: tuple[str, ...] = (
    "renewal pricing",
    "What did Acme say about the 12% discount on the Q3 renewal?",
    "Call notes: the customer's VP of Engineering asked for SSO before signing; "
    "follow up with a security questionnaire and the updated order form by Friday. "
    "Ticket #4411 (escalated) is still open - billing double-charged them in März.",
    "x",
)
#: Least cosine between an fp32 export's vector and torch's on any probe.
MIN_COSINE = 0.9999

#: Bump when the export itself changes, so old cached files are not reused.
_EXPORT_VERSION = 2


class OnnxUnavailable(EmbeddingError):
    """The ONNX path cannot be used for this model (the message says why)."""


def min_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The least row-wise cosine of two ``(n, dim)`` arrays.

    Example:
        >>> min_cosine(np.eye(2, dtype=np.float32), np.eye(2, dtype=np.float32))
        1.0
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    num = (a * b).sum(axis=1)
    den = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    return float(np.min(num / np.maximum(den, 1e-12)))


def export_path(cache_dir: Path, model_id: str, *, variant: str = "fp32") -> Path:
    """Where the export of ``model_id`` is cached: one file per model id and variant.

    Example:
        >>> export_path(Path("/d"), "all-MiniLM-L6-v2@x==1").name
        'all-MiniLM-L6-v2-x-1-fp32-3b4c3d5a6e.onnx'
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model_id).strip("-")[:80]
    key = hashlib.blake2b(
        f"{model_id}\0{variant}\0{_EXPORT_VERSION}".encode(), digest_size=5
    ).hexdigest()
    return cache_dir / f"{slug}-{variant}-{key}.onnx"


def _atomic_write(dest: Path, write: Callable[[Path], None]) -> None:
    """Run ``write(tmp)`` on a temporary file beside ``dest``, then rename it into place.

    A crash or a concurrent exporter never leaves a half-written ``dest``: readers see
    the old file, no file, or a complete one.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it 0600; a plain file is 0644
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _feature_names(tokenizer: Any) -> list[str]:
    return list(tokenizer(["probe"], return_tensors="np").keys())


def export_onnx(model: Any, dest: Path) -> None:
    """Export a loaded ``SentenceTransformer`` to one ONNX file at ``dest`` (atomically).

    The graph takes the tokenizer's features (``input_ids``, ``attention_mask``, ...) as
    int64 ``(batch, sequence)`` arrays and returns ``sentence_embedding`` ``(batch, dim)``,
    L2-normalised.

    Raises:
        OnnxUnavailable: torch could not trace or export the model.
    """
    import torch

    names = _feature_names(model.tokenizer)

    class _Normalized(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *features: torch.Tensor) -> torch.Tensor:
            out = self.inner(dict(zip(names, features, strict=True)))["sentence_embedding"]
            return torch.nn.functional.normalize(out, p=2.0, dim=1)

    wrapper = _Normalized(model).eval()
    # A padded batch of two, so the traced graph keeps its masking branch.
    sample = model.tokenizer(
        ["export sample", "a longer export sample so the batch is padded"],
        padding=True,
        return_tensors="pt",
    )
    args = tuple(sample[n].to(torch.int64) for n in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["sentence_embedding"] = {0: "batch"}

    def write(tmp: Path) -> None:
        with torch.no_grad(), warnings.catch_warnings():
            # Tracer warnings about data-dependent branches: the probe check below is
            # what decides whether the traced graph is right.
            warnings.simplefilter("ignore")
            # The TorchScript exporter: 4 s and one self-contained file here, against
            # 16 s and an external-data file for the dynamo exporter (same vectors).
            torch.onnx.export(
                wrapper,
                args,
                str(tmp),
                input_names=names,
                output_names=["sentence_embedding"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,
            )

    try:
        _atomic_write(dest, write)
    except Exception as err:  # noqa: BLE001 - any exporter failure is a reason to fall back
        raise OnnxUnavailable(f"ONNX export failed: {type(err).__name__}: {err}") from err


def quantize_int8(src: Path, dest: Path) -> None:
    """Write an int8 dynamically quantized copy (weights per channel) of ``src`` to ``dest``.

    Raises:
        OnnxUnavailable: onnxruntime's quantizer failed.
    """
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # Per-channel signed weights: least cosine with fp32 0.981 (mean 0.992) on 104
        # texts, against 0.912 per-tensor and 0.956 for unsigned weights.
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)  # the quantizer logs advice on the root logger
        try:
            _atomic_write(
                dest,
                lambda tmp: quantize_dynamic(
                    src, tmp, weight_type=QuantType.QInt8, per_channel=True
                ),
            )
        finally:
            root.setLevel(level)
    except Exception as err:  # noqa: BLE001
        raise OnnxUnavailable(f"int8 quantization failed: {type(err).__name__}: {err}") from err


#: Graph input -> attribute of a ``tokenizers.Encoding``.
_ENCODING_FIELDS = {
    "input_ids": "ids",
    "attention_mask": "attention_mask",
    "token_type_ids": "type_ids",
}


def _frozen_tokenizer(tokenizer: Any, *, max_tokens: int) -> Any:
    """A copy of a fast tokenizer's Rust tokenizer that truncates and pads like
    sentence-transformers (longest first at ``max_tokens``, padded to the longest)."""
    from tokenizers import Tokenizer

    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is None:
        raise OnnxUnavailable("the model's tokenizer is not a fast (Rust) tokenizer")
    rust = Tokenizer.from_str(backend.to_str())
    rust.enable_truncation(max_length=max_tokens, strategy="longest_first")
    rust.enable_padding(
        pad_id=tokenizer.pad_token_id or 0,
        pad_token=tokenizer.pad_token or "[PAD]",
        pad_type_id=tokenizer.pad_token_type_id or 0,
    )
    return rust


class OnnxEncoder:
    """Embeds texts with an exported model in an ``onnxruntime`` session.

    Thread-safe: ``InferenceSession.run`` may be called from several threads at once,
    and the tokenizer is a private copy of the model's Rust tokenizer with truncation
    and padding set once here. (The ``transformers`` wrapper re-sets both on the shared
    Rust object at every call, which raises "Already borrowed" when two threads meet.)

    Args:
        path: The ``.onnx`` file written by :func:`export_onnx` (or :func:`quantize_int8`).
        tokenizer: The model's own Hugging Face fast tokenizer.
        max_tokens: Truncation length (the model's ``max_seq_length``).
        batch_size: Texts per forward pass in :meth:`encode`.
    """

    def __init__(
        self, path: Path, tokenizer: Any, *, max_tokens: int, batch_size: int = 64
    ) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # ONNX Runtime's worker threads otherwise keep spinning on the CPU after each run,
        # waiting for the next one: the torch forward pass that follows a query (the
        # answer engine's sentences) then shares the cores with them. bench.generation,
        # 2 cores: ask p50 68 -> 40 ms (README, "ONNX query embedding").
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        try:
            self._session = ort.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as err:  # noqa: BLE001
            raise OnnxUnavailable(f"onnxruntime could not load {path}: {err}") from err
        self._inputs = [i.name for i in self._session.get_inputs()]
        unknown = sorted(set(self._inputs) - set(_ENCODING_FIELDS))
        if unknown:
            raise OnnxUnavailable(f"the export takes inputs {unknown} this encoder cannot feed")
        self._tokenizer = _frozen_tokenizer(tokenizer, max_tokens=max_tokens)
        self._batch_size = batch_size
        self.path = path

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            name: np.array([getattr(e, _ENCODING_FIELDS[name]) for e in encodings], dtype=np.int64)
            for name in self._inputs
        }
        return np.asarray(self._session.run(None, feeds)[0], dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors ``(len(texts), dim)``, in input order (batched longest first)."""
        if len(texts) <= self._batch_size:
            return self._run(list(texts))
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        parts: list[np.ndarray] = []
        for start in range(0, len(order), self._batch_size):
            parts.append(self._run([texts[i] for i in order[start : start + self._batch_size]]))
        out = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        out[order] = np.concatenate(parts)
        return out


def _agreement(encoder: OnnxEncoder, reference: np.ndarray) -> float:
    """Least cosine with ``reference`` over the probes, in one padded batch and alone."""
    batch = encoder.encode(PROBE_TEXTS)
    alone = np.stack([encoder.encode([t])[0] for t in PROBE_TEXTS])
    return min(min_cosine(batch, reference), min_cosine(alone, reference))


def load_verified_encoder(
    model: Any,
    *,
    reference: np.ndarray,
    cache_dir: Path,
    model_id: str,
    max_tokens: int,
    batch_size: int,
    variant: str = "fp32",
    min_agreement: float = MIN_COSINE,
) -> tuple[OnnxEncoder, float]:
    """An encoder whose vectors on :data:`PROBE_TEXTS` agree with ``reference``.

    A cached export is tried first; a missing, unreadable or disagreeing one is exported
    again (once) from ``model``.

    Args:
        model: The loaded ``SentenceTransformer`` (exported when needed).
        reference: The torch vectors of :data:`PROBE_TEXTS`.
        cache_dir: Directory of cached exports.
        model_id: The id the export is cached under.
        max_tokens: Truncation length.
        batch_size: Texts per forward pass.
        variant: ``fp32`` or ``int8``.
        min_agreement: Least cosine with ``reference`` accepted on any probe.

    Returns:
        ``(encoder, least cosine measured)``.

    Raises:
        OnnxUnavailable: Export, quantization or loading failed, or the fresh export's
            vectors disagree with torch (the message quotes the cosine).
    """
    if variant not in ("fp32", "int8"):
        raise ValueError(f"variant must be 'fp32' or 'int8', got {variant!r}")
    path = export_path(cache_dir, model_id, variant=variant)
    if path.is_file():
        try:
            encoder = OnnxEncoder(
                path, model.tokenizer, max_tokens=max_tokens, batch_size=batch_size
            )
            agreement = _agreement(encoder, reference)
        except Exception as err:  # noqa: BLE001 - a broken cache file is re-exported
            log.warning("cached ONNX export %s unusable (%s); exporting again", path, err)
        else:
            if agreement >= min_agreement:
                return encoder, agreement
            log.warning(
                "cached ONNX export %s agrees with torch to cosine %.7f < %s; exporting again",
                path,
                agreement,
                min_agreement,
            )
    fp32 = export_path(cache_dir, model_id, variant="fp32")
    log.info("exporting %s to ONNX (%s), once", model_id, variant)
    export_onnx(model, fp32)
    if variant == "int8":
        quantize_int8(fp32, path)
    encoder = OnnxEncoder(path, model.tokenizer, max_tokens=max_tokens, batch_size=batch_size)
    agreement = _agreement(encoder, reference)
    if agreement < min_agreement:
        raise OnnxUnavailable(
            f"ONNX ({variant}) vectors agree with torch only to cosine {agreement:.7f} "
            f"(< {min_agreement}) on the probe texts"
        )
    return encoder, agreement
