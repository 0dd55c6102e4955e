"""Search benchmark: indexing throughput, recall and latency per role, and the plan threshold.

Run it from the repository root::

    .venv/bin/python -m bench.search            # defaults: 100k chunks, 2k real, 50 queries
    .venv/bin/python -m bench.search --reuse    # keep the corpus of an earlier run
    .venv/bin/python -m bench.search --runtimes # only: torch vs ONNX query embedding

It prints plain tables and writes the same figures to ``bench/out/search.json``.

What is measured, in order:

1. **Indexing throughput.** The real :class:`copilot.ingest.Indexer` with the real
   sentence-transformers model indexes sample documents until about ``--real-chunks``
   chunks are written (parse, validate, chunk, embed, write). The same chunk texts
   (``f"{title}\\n{chunk}"``, as the indexer embeds them) are then embedded once more by
   ``embed_documents`` alone: the ratio shows what the pipeline adds to the model.
2. **A corpus of ``--chunks`` chunks** in one org ``bench`` with 25 teams of 8 reps, a
   manager per team, 5 directors over 5 teams each, a VP and an admin. Texts come from
   :func:`copilot.sample.generate`, remapped into the org; visibility is private 60 /
   team 37 / org 2 (weights) and about 3% of documents are also shared. Everything goes
   through the real ``Indexer``.

   **Only the first ``--real-chunks`` chunks carry real model embeddings.** The model
   embeds about 11 chunks/s on this CPU, so the rest get *derived* vectors from a
   stand-in embedder: ``normalize(e_i + 0.5 * e_j + 0.25 * n)`` where ``e_i`` and ``e_j``
   are real chunk embeddings picked by a hash of the text and ``n`` is Gaussian noise of
   expected norm 1 seeded by the same hash. That keeps the cluster structure of real
   embeddings (what HNSW and recall depend on), but the vectors of those texts say
   nothing about their meaning: recall here is measured against exact search over the
   same vectors, not against relevance.
3. **Recall@10 and latency per role** (rep, team manager, director, VP, admin): the
   planner's vector search against exact search, the full hybrid search (query
   embedding excluded), the query embedding alone, and a naive pgvector peer (HNSW with
   the access filter in ``WHERE``, no iterative scan, ``ef_search`` 40).
4. **Threshold sweep**: exact vs HNSW (iterative scan) latency and HNSW recall for
   permitted sets of 1k … 100k chunks, which documents ``exact_search_max_chunks``.

The database is a dedicated ``copilot_bench`` database (dropped and recreated) on the
embedded scratch server under ``--data-dir``, or on ``COPILOT_DATABASE_URL`` if set.

Modules: ``config`` (sizes and mixes), ``embedders`` (recording, derived and cached
stand-ins), ``corpus`` (the bench org and building the corpus), ``measure`` (queries,
per-role search, the ef_search and threshold sweeps), ``report`` (tables and JSON),
``cli`` (arguments and the run), ``runtimes`` (``--runtimes``: ``Copilot.search`` with
torch vs ONNX Runtime query embedding on one sample corpus, documents on each runtime,
and int8's agreement with fp32; see its docstring).
"""

from bench.search.cli import main, parse_args

__all__ = ["main", "parse_args"]
