"""The simple things a change must beat, computed in the same run as the system.

Each baseline produces what the system produces, so the harness scores both with the
same metric functions:

* ``bm25``: permitted chunks ranked by BM25 (the ``bm25s`` library);
* ``vector``: permitted chunks ranked by embedding similarity alone (no keyword leg);
* ``answers``: the first sentence of the top retrieved passage, cited, never declined;
* ``summaries``: lead-3, the first three sentences of the text (lead-1 for a gist).

Retrieval baselines read only what the service hands the caller (its permitted chunks,
its exact vector search), so they obey the same access rules as the system and the
leak metric applies to them too.
"""

from eval.baselines.answers import first_sentence_answer
from eval.baselines.bm25 import BM25Baseline
from eval.baselines.summaries import lead_sentence, lead_sentences
from eval.baselines.vector import vector_only_search

__all__ = [
    "BM25Baseline",
    "first_sentence_answer",
    "lead_sentence",
    "lead_sentences",
    "vector_only_search",
]
