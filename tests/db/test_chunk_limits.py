"""Chunks of the sample CRM fit the real model's token limit, title included."""

from __future__ import annotations

from copilot import sample
from copilot.ingest import Indexer
from copilot.ingest.documents import render_document as _render
from copilot.ingest.records import parse_record


def test_every_embedded_text_fits_the_model(embedder) -> None:  # type: ignore[no-untyped-def]
    indexer = Indexer(db=None, embedder=embedder, max_tokens=200, overlap_tokens=32)  # type: ignore[arg-type]
    crm = sample.generate(11, docs_per_org=150)
    checked = 0
    for raw in crm.records:
        if raw["type"] not in ("email", "call", "ticket"):
            continue
        rec = parse_record(raw)
        title, content, _ = _render(rec)  # type: ignore[arg-type]
        spans = indexer._spans(rec.type, title, content)
        assert spans, rec.id
        for s in spans:
            assert (
                embedder.count_tokens(f"{indexer._title(title)}\n{content[s.start : s.end]}")
                <= embedder.max_tokens
            )
            checked += 1
    assert checked > 300


def test_a_long_title_leaves_the_body_its_budget(embedder) -> None:  # type: ignore[no-untyped-def]
    """A 300 KB subject once left 16 tokens per chunk: 340 chunks holding only the title."""
    indexer = Indexer(db=None, embedder=embedder, max_tokens=200, overlap_tokens=32)  # type: ignore[arg-type]
    body = " ".join(
        f"Sentence {n} says the pilot of Initech moves to phase {n}." for n in range(300)
    )
    subject = "Re: quarterly pricing review " * 10_000  # about 300 KB
    plain = indexer._spans("email", "Pricing", body)
    titled = indexer._spans("email", subject, body)
    assert len(titled) <= len(plain) * 1.5, (len(titled), len(plain))
    embedded_title = indexer._title(subject)
    assert embedder.count_tokens(embedded_title) <= 200 // 4
    for s in titled:
        assert len(body[s.start : s.end]) > 100
        assert embedder.count_tokens(f"{embedded_title}\n{body[s.start : s.end]}") <= 256
