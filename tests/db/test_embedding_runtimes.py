"""ONNX query embedding with the packaged model: same vectors as torch, cached, verified,
falling back to torch with a reason; int8 under its own id; the service searching with it."""

from __future__ import annotations

import logging
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from copilot.service import Copilot
from copilot.settings import Settings
from embeddings import EmbeddingError, OnnxQueryEmbedder, load_embedder
from embeddings.onnx import MIN_COSINE, export_path, min_cosine
from embeddings.runtimes import INT8_MIN_COSINE
from tests.db import crm_small
from tests.db.crm_small import ACME, EXPECTED

QUERIES = [
    "renewal pricing",
    "Did the customer ask for a discount before the renewal?",
    "TCK-4471 invoice",
    "Sicherheitsprüfung für den Vertrag",
    # Past the model's 256 word pieces: truncation must match torch's.
    " ".join(["security review holding up the contract"] * 80),
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def onnx_embedder(cache: Path) -> OnnxQueryEmbedder:
    emb = load_embedder(runtime="onnx", cache_dir=cache)
    assert isinstance(emb, OnnxQueryEmbedder)
    return emb


def test_onnx_queries_are_torch_vectors_under_the_same_model_id(onnx_embedder, embedder) -> None:  # type: ignore[no-untyped-def]
    assert onnx_embedder.runtime == "onnx"
    assert onnx_embedder.model_id == embedder.model_id
    assert onnx_embedder.agreement >= MIN_COSINE
    onnx = np.stack([onnx_embedder.embed_query(q) for q in QUERIES])
    torch = np.stack([embedder.embed_query(q) for q in QUERIES])
    assert onnx.dtype == np.float32 and onnx.shape == (len(QUERIES), embedder.dim)
    assert min_cosine(onnx, torch) >= MIN_COSINE
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)
    # Batches through the session agree too, in input order.
    batch = onnx_embedder.encoder.encode(QUERIES)
    assert min_cosine(batch, torch) >= MIN_COSINE


def test_queries_from_many_threads_at_once(onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    """The server embeds queries from its thread pool: no "Already borrowed", same vectors."""
    want = [onnx_embedder.embed_query(q) for q in QUERIES]
    jobs = [QUERIES[i % len(QUERIES)] for i in range(64)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(onnx_embedder.embed_query, jobs))
    for i, vec in enumerate(got):
        assert np.allclose(vec, want[i % len(QUERIES)], atol=1e-6)


def test_documents_stay_on_torch(onnx_embedder, embedder) -> None:  # type: ignore[no-untyped-def]
    texts = ["Renewal call notes", "Ticket escalated to billing"]
    assert np.array_equal(onnx_embedder.embed_documents(texts), embedder.embed_documents(texts))
    assert onnx_embedder.embed_documents([]).shape == (0, embedder.dim)


def test_answer_sentences_run_on_onnx_with_the_document_vectors(  # type: ignore[no-untyped-def]
    onnx_embedder, embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = ["The agreement runs out on March 31.", "Thanks!", "We need the SOC 2 report."]
    want = embedder.embed_documents(texts)
    # Without torch's model the ONNX session alone embeds them.
    monkeypatch.setattr(onnx_embedder, "_model", None)
    got = onnx_embedder.embed_sentences(texts)
    assert got.dtype == np.float32 and np.allclose(got, want, atol=1e-5)
    assert onnx_embedder.embed_sentences([]).shape == (0, embedder.dim)
    with pytest.raises(AttributeError):
        onnx_embedder.embed_documents(texts)  # documents do need torch


def test_a_second_start_reuses_the_verified_export(onnx_embedder, cache: Path) -> None:  # type: ignore[no-untyped-def]
    path = onnx_embedder.encoder.path
    assert path.parent == cache and path.is_file()
    stamp = path.stat().st_mtime_ns
    again = load_embedder(runtime="onnx", cache_dir=cache)
    assert again.runtime == "onnx" and again.encoder.path == path  # type: ignore[attr-defined]
    assert path.stat().st_mtime_ns == stamp
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_export_failure_falls_back_to_torch_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_dir = tmp_path / "models"
    not_a_dir.write_text("a file where the cache directory should be")
    with caplog.at_level(logging.WARNING, logger="embeddings.runtimes"):
        emb = load_embedder(runtime="onnx", cache_dir=not_a_dir)
    assert emb.runtime == "torch" and type(emb).__name__ == "SentenceTransformerEmbedder"
    (record,) = [r for r in caplog.records if r.name == "embeddings.runtimes"]
    assert "ONNX query embedding off, using torch: ONNX export failed" in record.getMessage()
    assert emb.embed_query("renewal pricing").shape == (emb.dim,)


def test_int8_failure_is_an_error_not_a_silent_fallback(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "models"
    not_a_dir.write_text("")
    with pytest.raises(EmbeddingError, match="onnx-int8 unavailable: ONNX export failed"):
        load_embedder(runtime="onnx-int8", cache_dir=not_a_dir)


def test_unknown_runtime_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="runtime must be one of onnx, torch, onnx-int8"):
        load_embedder(runtime="tensorflow", cache_dir=tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "another model"])
def test_a_bad_cached_export_is_exported_again(  # type: ignore[no-untyped-def]
    onnx_embedder, cache: Path, tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    fresh = tmp_path / "models"
    path = export_path(fresh, onnx_embedder.model_id)
    fresh.mkdir()
    if damage == "truncated":
        path.write_bytes(onnx_embedder.encoder.path.read_bytes()[:4096])
    else:  # a loadable graph whose vectors are not this model's: the int8 one
        int8 = load_embedder(runtime="onnx-int8", cache_dir=cache)
        shutil.copy(int8.encoder.path, path)  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="embeddings.onnx"):
        emb = load_embedder(runtime="onnx", cache_dir=fresh)
    assert emb.runtime == "onnx" and emb.agreement >= MIN_COSINE  # type: ignore[attr-defined]
    assert "exporting again" in caplog.text


@pytest.mark.slow
def test_int8_is_opt_in_under_its_own_model_id(cache: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    emb = load_embedder(runtime="onnx-int8", cache_dir=cache)
    assert emb.runtime == "onnx-int8"
    assert emb.model_id == f"{embedder.model_id}+onnx-int8"
    assert emb.agreement >= INT8_MIN_COSINE  # type: ignore[attr-defined]
    docs = emb.embed_documents(QUERIES)
    assert docs.shape == (len(QUERIES), embedder.dim)
    assert min_cosine(docs, embedder.embed_documents(QUERIES)) >= INT8_MIN_COSINE
    assert emb.embed_documents([]).shape == (0, embedder.dim)


def test_settings_default_to_onnx_and_refuse_unknown_runtimes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, embedding_cache_dir=None)
    assert settings.embedding_backend == "onnx"
    assert settings.model_cache_dir == tmp_path / "models"
    assert Settings(embedding_backend="torch").embedding_backend == "torch"
    with pytest.raises(ValidationError, match="embedding_backend"):
        Settings(embedding_backend="onnx-fp16")


def test_the_service_opens_with_onnx_queries_by_default(settings) -> None:  # type: ignore[no-untyped-def]
    with Copilot.open(settings) as cp:
        assert cp.embedder.runtime == "onnx"  # type: ignore[attr-defined]
    off = settings.model_copy(update={"embedding_backend": "torch"})
    with Copilot.open(off) as cp:
        assert cp.embedder.runtime == "torch"  # type: ignore[attr-defined]


def test_search_with_onnx_queries_ranks_like_torch(copilot, onnx_embedder) -> None:  # type: ignore[no-untyped-def]
    assert copilot.indexer(progress=False).ingest_dicts(crm_small.records()).errors == []
    onnx = Copilot(copilot.db, onnx_embedder, copilot.settings)
    for (org, user), visible in sorted(EXPECTED.items()):
        if org != ACME:
            continue
        for query in QUERIES[:3]:
            want = copilot.search(org=org, user_id=user, query=query, top_k=10).hits
            got = onnx.search(org=org, user_id=user, query=query, top_k=10).hits
            assert [(h.document_id, h.ord) for h in got] == [(h.document_id, h.ord) for h in want]
            assert [h.score for h in got] == pytest.approx([h.score for h in want], abs=1e-4)
            assert {h.document_id for h in got} <= visible
