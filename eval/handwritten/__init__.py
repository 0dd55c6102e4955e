"""Small CRMs written by hand, and the questions a rep would ask of them.

Each was written by someone who never saw the answer engine, told only the record format
of the README and what kind of company to invent: ``northwind`` (finance software),
``tidewater`` (fleet telematics), ``larkfield`` (corporate training), ``medlane``
(clinical scheduling), ``quarrystone`` (predictive-maintenance sensors), ``ridgeback``
(construction project management), ``saltmarsh`` (returns management), ``ashgrove``
(payroll and shift scheduling) and ``beaconfield`` (endpoint security). About 30
documents each, in the styles a CRM export holds: email threads with quoted replies and
signatures, call transcripts with small talk, tickets with comments, and facts that
never name the account they belong to. Each has about 30 questions, paraphrased away from
the records, some typed in lower case or with informal names ("L&V", "fern castle"), with
about 8 that nothing the asker may see answers (facts nobody wrote down, companies that do
not exist, records of another team).

They are the realistic counterpart of the seeded sample CRM: where the sample's
questions come from templates the answer models were fitted on, these come from nobody's
templates. ``python -m eval.handwritten`` asks every question through the service as its
user and grades the answer:

* **correct**: answered, every ``answer_contains`` string is in the answer or its stated
  CRM facts (case-insensitive, commas ignored), and the expected record is cited;
* **wrong**: answered, but not correct. The grading is strict: a right value from another
  record, or in other words ("eighteen-fifty" for 1,850, "2026-06-30" for June 30),
  counts as wrong, so read the misses (``--verbose``) before reading the rate;
* **declined**: for an answerable question, a miss; for an unanswerable one, right.

An unanswerable question asked by the other team's rep about a fact only the first
team's records hold lists that fact under ``hidden``: ``tests/db/test_handwritten.py``
requires that no answer says it, whatever the grade.

History: the engine was changed after reading the misses of ``northwind`` and then of
``tidewater``; ``larkfield`` was asked once before any change it prompted (2026-11-28:
8 of 23 correct, 9 wrong, 9 of 9 declined at 4c3c68f and at the first changes alike).
``medlane`` and ``quarrystone`` were written on 2026-11-29 and asked once at e4a4407,
before any change they prompted: 9 of 25 correct, 6 wrong, 8 of 8 declined, and 8 of 24
correct, 9 wrong, 6 of 8 declined. ``ridgeback`` and ``saltmarsh`` were written on
2026-11-29 and asked once at 7a447d9, before any change they prompted: 3 of 25 correct,
12 wrong, 6 of 8 declined, and 6 of 24 correct, 11 wrong, 3 of 8 declined.
``ashgrove`` and ``beaconfield`` were written the same day and asked once at e03836e,
after the changes the two before prompted and before any change they prompted: 6 of 25
correct, 13 wrong, 6 of 8 declined, and 13 of 24 correct, 5 wrong, 6 of 9 declined.
``fernhollow`` (HVAC service contracts and building-automation retrofits) and
``kestrelpoint`` (legal e-discovery) were written on 2026-11-29 by a helper told not to
read the engine's code, and asked once at 01222b0, before any change they prompted: 5 of
25 correct, 13 wrong, 6 of 8 declined, and 5 of 25 correct, 9 wrong, 7 of 8 declined.
``harrowgate`` (insurance-broker management software) and ``oxbury`` (3D-printing
materials and printer service contracts) were written the same way the same day and asked
once at 264b7ff, before any change they prompted: 13 of 25 correct, 7 wrong, 7 of 8
declined, and 11 of 26 correct, 13 wrong, 6 of 8 declined. ``wrenfield`` (commercial
kitchen equipment leasing and maintenance) and ``cobaltreach`` (cloud data-pipeline
software) were written the same way on 2026-11-29 and asked once at 23c2d2c, before any
change they prompted: 9 of 27 correct, 13 wrong, 3 of 8 declined, and 17 of 28 correct,
5 wrong, 7 of 8 declined. The later ones, each pair written the same way and asked once
before any change it prompted, are in the README's table.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CRMS", "HANDWRITTEN_DIR"]

HANDWRITTEN_DIR = Path(__file__).resolve().parent
#: The hand-written CRMs, by org: each directory holds ``crm.jsonl`` and ``questions.json``.
CRMS = (
    "northwind",
    "tidewater",
    "larkfield",
    "medlane",
    "quarrystone",
    "ridgeback",
    "saltmarsh",
    "ashgrove",
    "beaconfield",
    "fernhollow",
    "kestrelpoint",
    "harrowgate",
    "oxbury",
    "wrenfield",
    "cobaltreach",
    "thornbury",
    "pemberlane",
    "glenmorrow",
    "sablewick",
    "brackenridge",
    "ivelmoor",
)
