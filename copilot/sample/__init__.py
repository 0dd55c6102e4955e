"""A seeded synthetic CRM in the canonical JSON Lines format, with ground truth.

:func:`generate` builds two orgs (teams, a manager hierarchy, accounts, contacts, deals)
and thousands of emails, calls and tickets written from phrase pools per scenario
(pricing, renewal, security review, churn risk, ...), plus evaluation questions whose
relevant documents are known by construction:

* *semantic* questions paraphrase one scenario at one account ("is the vendor risk
  assessment stalling our contract with X?"); the relevant documents are exactly that
  account's documents on that scenario.
* *keyword* questions name a planted token: a ticket number (``TCK-10234``), a product
  code (``SKU-AX200``, ``PX-9``) or a person mentioned by full name. The relevant
  documents are exactly those whose authored text holds it; planted tokens never sit
  in quoted replies or signatures, which search drops.
* *fact* questions ask for one value (a date, amount, percentage, competitor, product,
  invoice, person or reason) that one account's documents state, in words they avoid
  ("when does the contract expire?" of a record saying "our contract is up on ...");
  *missing* questions ask the same of an account no document answers.

Every answerable question carries gold answer spans: the fact (or, for scenario and
keyword questions, the sentences that answer them), its document and its offsets in the
content ingest indexes (``facts``).

:func:`visible_document_ids` is the sharing-rule oracle used as ground truth for
permissions. The package is pure except :func:`write_sample` and :func:`load_truth`.

Modules: ``generator`` (the entry point), ``org`` (people, accounts, deals), ``writer``
(what every document shares), ``tickets``, ``calls`` and ``emails``, ``questions``,
``facts`` (gold spans), ``model`` (public types), ``visibility`` (the oracle), ``files``
(reading and writing).
The phrase pools are data: ``data/*.toml``, read once by ``vocabulary``.

Example:
    >>> crm = generate(7, docs_per_org=60)
    >>> sorted({r["org"] for r in crm.records})
    ['acme', 'globex']
    >>> q = crm.questions[0]
    >>> all(d.startswith(q.org + "-") for d in q.relevant_document_ids)
    True
"""

from copilot.sample.files import CRM_FILE, TRUTH_FILE, load_truth, write_sample
from copilot.sample.generator import MAX_DOCS_PER_ORG, generate
from copilot.sample.model import (
    GoldSpan,
    Question,
    QuestionKind,
    SampleCRM,
    SampleTruth,
    SampleUser,
)
from copilot.sample.visibility import DOCUMENT_TYPES, visible_document_ids

__all__ = [
    "CRM_FILE",
    "DOCUMENT_TYPES",
    "GoldSpan",
    "MAX_DOCS_PER_ORG",
    "TRUTH_FILE",
    "Question",
    "QuestionKind",
    "SampleCRM",
    "SampleTruth",
    "SampleUser",
    "generate",
    "load_truth",
    "visible_document_ids",
    "write_sample",
]
