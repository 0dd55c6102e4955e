"""The answer engine's sentence similarity: cached per text, one forward pass per call."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from copilot.generation import SentenceSimilarity


def test_a_lone_text_takes_the_query_path_with_the_same_vector(embedder) -> None:  # type: ignore[no-untyped-def]
    calls: list[tuple[str, int]] = []

    class Counting(type(embedder)):  # type: ignore[misc]
        symmetric_queries = True  # as the API's ONNX query embedder declares

        def embed_query(self, text: str) -> np.ndarray:
            calls.append(("query", 1))
            return super().embed_query(text)

        def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
            calls.append(("documents", len(texts)))
            return super().embed_documents(texts)

    counting = Counting.__new__(Counting)
    counting.__dict__.update(embedder.__dict__)
    sim = SentenceSimilarity(counting)
    question = "When does the contract renew?"
    sentences = ["The agreement runs out on March 31.", "Thanks for the call."]
    first = sim(question, sentences)  # the question folds into the sentences' batch
    assert calls == [("documents", 3)]
    passage = "The agreement runs out on March 31. Thanks for the call."
    (lone,) = sim(question, [passage])  # one new text: the query path (ONNX in the API)
    # (torch's own embed_query is embed_documents of the one text)
    assert calls[1] == ("query", 1) and all(n == 1 for _, n in calls[1:])
    q, p = embedder.embed_documents([question, passage])
    assert lone == pytest.approx(float(np.dot(q, p)), abs=1e-5)
    seen = len(calls)
    assert sim(question, sentences) == first and len(calls) == seen  # from the cache


def test_a_batch_of_sentences_takes_the_embedders_sentence_path(embedder) -> None:  # type: ignore[no-untyped-def]
    batches: list[list[str]] = []

    class Recording(type(embedder)):  # type: ignore[misc]
        def embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
            batches.append(list(texts))  # ONNX Runtime in the API
            return super().embed_sentences(texts)

    recording = Recording.__new__(Recording)
    recording.__dict__.update(embedder.__dict__)
    question = "When does the contract renew?"
    sentences = ["The agreement runs out on March 31.", "Thanks for the call."]
    got = SentenceSimilarity(recording)(question, sentences)
    assert batches == [[question, *sentences]]
    q, *s = embedder.embed_documents([question, *sentences])
    assert got == pytest.approx([float(np.dot(q, v)) for v in s], abs=1e-5)
