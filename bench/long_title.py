"""What a long title costs at ingest: chunks and seconds to chunk and embed one email.

Peers in the same run: the email with a short subject, and the same email with a
300 KB subject (issue 12: uncapped, that was 340 chunks and 181 s instead of 21 and 3.5 s,
every chunk embedding only the title). The title's share of the chunk budget is capped
(``retrieval.chunking.title_for_chunks``), so both rows should match closely.

    python -m bench.long_title
"""

from __future__ import annotations

import time

from bench.common import format_table
from copilot.ingest import Indexer
from copilot.settings import Settings
from embeddings import SentenceTransformerEmbedder


def main() -> None:
    settings = Settings()
    embedder = SentenceTransformerEmbedder(settings.embedding_model)
    indexer = Indexer(db=None, embedder=embedder)  # type: ignore[arg-type]  # no writes
    body = " ".join(
        f"Sentence {n} says the Initech pilot moves to phase {n} after the security review."
        for n in range(400)
    )
    rows = []
    for label, subject in [
        ("short subject", "Pilot status"),
        ("300 KB subject", "Re: quarterly pricing review " * 10_500),
    ]:
        started = time.perf_counter()
        spans = indexer._spans("email", subject, body)
        title = indexer._title(subject)
        embedder.embed_documents([f"{title}\n{body[s.start : s.end]}" for s in spans])
        seconds = time.perf_counter() - started
        body_chars = min(s.end - s.start for s in spans)
        rows.append([label, len(subject), len(spans), body_chars, round(seconds, 2)])
    print(
        format_table(
            ["email", "subject chars", "chunks", "fewest body chars in a chunk", "seconds"], rows
        )
    )


if __name__ == "__main__":
    main()
