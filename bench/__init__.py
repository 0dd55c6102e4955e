"""Benchmark scripts: they print figures; they are not tests, and nothing imports them.

Run them from the repository root as modules::

    .venv/bin/python -m bench.search                  # search: indexing, recall, latency
    .venv/bin/python -m bench.vs_langchain_postgres   # the same corpus through langchain-postgres
    .venv/bin/python -m bench.generation              # offline engine latency
    .venv/bin/python -m bench.summary_quality         # call summaries vs lead-3 (ROUGE)

Each takes ``--help``. :mod:`bench.common` holds what they share: timing statistics,
plain tables, a scratch database. Figures are written to ``bench/out/``.
"""

import os

# Benchmarks never reach a model hub and keep the model libraries quiet. Set here, before
# any benchmark module imports them, because some of these are read at import time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
