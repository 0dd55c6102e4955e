"""Token counts are taken on a private tokenizer, safe beside embeddings in other threads.

The model's own Hugging Face tokenizer is switched between truncating (``encode``) and
not (a count) per call. Two ingests at once raced on that switch: ``/v1/ingest`` failed
with a ValueError (500), or a 1,202-token text was counted as 256 and its chunk's tail
was never embedded. Uses the real offline model.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

TEXT = "Renewal pricing and the SOC 2 report were discussed at length. " * 100


def test_counting_never_touches_the_models_tokenizer(
    embedder: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = len(embedder.sentence_transformer.tokenizer(TEXT)["input_ids"])
    assert expected > embedder.max_tokens  # over the limit: truncation would show

    def shared_tokenizer_used(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("count_tokens used the model's shared tokenizer")

    monkeypatch.setattr(
        type(embedder.sentence_transformer.tokenizer), "__call__", shared_tokenizer_used
    )
    assert embedder.count_tokens(TEXT) == expected
    assert embedder.count_tokens("Hi") == 3  # [CLS] hi [SEP]


def test_counts_beside_embeddings_in_other_threads_stay_exact(embedder: Any) -> None:
    expected = embedder.count_tokens(TEXT)
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def embed() -> None:
        try:
            while not stop.is_set():
                embedder.embed_documents([TEXT[:300], TEXT[:900]])
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    workers = [threading.Thread(target=embed, daemon=True) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        for _ in range(300):
            counts.append(embedder.count_tokens(TEXT))
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=60)
    assert not errors, errors
    assert set(counts) == {expected}
