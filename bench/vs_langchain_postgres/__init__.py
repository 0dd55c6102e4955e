"""Ours vs langchain-postgres: the same chunks, vectors, queries and callers through both.

Run it from the repository root::

    .venv/bin/python -m bench.vs_langchain_postgres --reuse   # keep corpus and loaded table
    .venv/bin/python -m bench.vs_langchain_postgres           # rebuild both (long)

It prints plain tables and writes the same figures to ``bench/out/vs_langchain_postgres.json``.

**The corpus** is :mod:`bench.search`'s (``--chunks`` chunks in org ``bench``, database
``copilot_bench`` under ``--data-dir``), reused when ``--reuse`` finds it, built otherwise.
Only its first ``--real-chunks`` chunks carry real model embeddings (see that module).

**The langchain-postgres side** (0.0.19) uses ``PGVectorStore``, the class its README
recommends (``PGVector`` "is deprecated" since 0.0.14), in the same database:

* table ``langchain_chunks`` made by ``PGEngine.init_vectorstore_table`` with its default
  ``vector(384)`` column, plus metadata columns ``document_id``, ``ord`` and ``access``:
  the how-to notebook (``examples/pg_vectorstore_how_to.ipynb``) and the migration guide
  recommend metadata *columns* over the JSON column for filtering;
* its HNSW index, ``apply_vector_index(HNSWIndex())`` (m 16, ef_construction 64, cosine,
  as ours), created before the rows go in so that, like ours, it is built by insertion;
* rows loaded with ``add_embeddings`` (precomputed vectors, no model), in batches of
  ``--load-batch``, from our ``chunks`` table: same text, same vectors, same access lists;
* queries through ``similarity_search_with_score_by_vector(k=10, filter=...)`` with
  ``index_query_options=HNSWQueryOptions(ef_search=...)``, by default our own
  ``hnsw_ef_search`` (without options pgvector's default, 40, applies).

**The access filter.** A chunk is visible when its access list shares a principal with
the caller's. langchain-postgres 0.0.19 has no operator for that: its filters are
``$eq $ne $lt $lte $gt $gte $in $nin $between $exists $like $ilike $and $or $not``
(``_handle_field_filter`` in ``langchain_postgres/v2/async_vectorstore.py``, and the
operator table of the how-to); ``$in`` tests a *scalar* column against a list
(``col = ANY(:p)``), and array inclusion is an open request (langchain-postgres issue
#143; PRs #146 and #228, ``$contains_any``, unmerged). So the list is stored the way that
issue names as the closest fit: one TEXT metadata column holding the delimited list
(``|org|owner:u1|team:t1|``), filtered with the documented ``$or`` of ``$like`` terms,
one per caller principal (``%|owner:u1|%``, LIKE wildcards escaped). The alternative, one
boolean field per principal, needs a column (or JSON key) per principal, hundreds here
and more with every new user. Before timing, the filter's row count is checked against
ours (``access && acl``) for every caller; a difference stops the run.

**Same inputs.** Query texts are embedded once (model time excluded from both) and
rounded to float16, the precision our ``halfvec`` column ranks with, so both systems and
the exact truth rank identical numbers. Stored vectors are our halfvec values, exactly
representable in langchain's float32 column.

**What each timing includes** (wall clock around one call, warm, each path warmed on
``5`` queries first, the two paths alternating per query; the caller's principals are
read once per role, outside both timings):

* ours: the production read path: a pooled connection of the non-owner service role
  and its transaction (``Database.caller``), scoping row-level security to the caller
  (``store.scope_to_caller``), the planner's permitted-set estimate,
  ``Retriever.vector_search`` (exact or HNSW with iterative scan, exact fallback on a
  short page), fetching the 10 hits with text, COMMIT;
* theirs: building the filter dict, ``PGVectorStore``'s sync call (a hop to the engine's
  event loop thread), a pooled SQLAlchemy async connection (``--langchain-driver``),
  ``SET LOCAL hnsw.ef_search``, the filtered query returning id, text, vector and
  metadata columns, and building the ``Document`` objects.

recall@10 of each is measured against ``store.vector_search_exact`` (every permitted chunk
ranked) over the same vectors. A "short page" is a result with fewer hits than the exact
answer has (at most 10).

Modules: ``langchain_side`` (the access filter and ``PGVectorStore``), ``measure`` (one
caller through both), ``report`` (tables and JSON), ``cli`` (arguments and the run).
"""

from bench.vs_langchain_postgres.cli import main, parse_args

__all__ = ["main", "parse_args"]
