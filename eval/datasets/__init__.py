"""Dataset loaders: each turns one dataset into a :class:`~eval.suite.SuiteData`.

Every loader has the signature ``load_<name>(*, datasets_dir, limit, seed)`` and is
deterministic for a given seed. External datasets are read in place from
``datasets_dir`` (never copied into the repository); a missing one raises
:class:`~eval.suite.DatasetMissing`, which the runner reports as a skipped suite.

* ``synthetic``: the seeded CRM of :mod:`copilot.sample`, its questions asked as users of
  several roles, unanswerable questions (no access, entities that do not exist) and
  next-best-action scenarios labelled from the records by :func:`expected_action_rules`
  (the independent oracle in :mod:`eval.datasets.nba_oracle`).
* ``qmsum``: QMSum meetings as ``call`` segments of a small org with mixed sharing;
  specific queries with gold turn spans as relevance labels and human answers.
* ``dialogsum``: call summaries against the human summary.
* ``aeslc``: a one-line email gist against the subject and three human annotations.
* ``stackfaq``: FAQ answers as org-visible tickets, human-reworded questions from qrels.

One module per suite; ``common`` holds what they share.

Example:
    >>> suite = load_synthetic(datasets_dir=Path("."), limit=10, seed=7)
    >>> len(suite.queries)
    10
    >>> all(r in {d["id"] for d in suite.records} for q in suite.queries for r in q.relevant)
    True
"""

from eval.datasets.aeslc import load_aeslc
from eval.datasets.common import DATASETS_DIR_ENV, Loader, default_datasets_dir
from eval.datasets.dialogsum import load_dialogsum
from eval.datasets.nba_oracle import LABELLED_ACTION_RULES, expected_action_rules
from eval.datasets.qmsum import load_qmsum
from eval.datasets.stackfaq import load_stackfaq
from eval.datasets.synthetic import load_synthetic

__all__ = [
    "DATASETS_DIR_ENV",
    "LABELLED_ACTION_RULES",
    "LOADERS",
    "Loader",
    "default_datasets_dir",
    "expected_action_rules",
    "load_aeslc",
    "load_dialogsum",
    "load_qmsum",
    "load_stackfaq",
    "load_synthetic",
]

LOADERS: dict[str, Loader] = {
    "synthetic": load_synthetic,
    "qmsum": load_qmsum,
    "dialogsum": load_dialogsum,
    "aeslc": load_aeslc,
    "stackfaq": load_stackfaq,
}
