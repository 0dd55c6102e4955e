"""The entry point: two orgs, their entities, documents and questions, from one seed."""

from __future__ import annotations

import random
from typing import Any

from copilot.ingest.records import parse_record
from copilot.sample.calls import write_call
from copilot.sample.emails import write_email
from copilot.sample.model import Question, SampleCRM
from copilot.sample.org import OrgBuilder
from copilot.sample.questions import questions as org_questions
from copilot.sample.tickets import write_ticket
from copilot.sample.vocabulary import vocabulary
from copilot.sample.writer import DocPlan, DocumentWriter

__all__ = ["MAX_DOCS_PER_ORG", "generate"]

#: Five-digit ticket numbers run out beyond this many documents per org.
MAX_DOCS_PER_ORG = 45_000


def generate(seed: int = 7, *, docs_per_org: int = 1500) -> SampleCRM:
    """Generate two orgs, their documents and their questions, deterministically.

    Args:
        seed: Same seed, same output (byte for byte once serialised).
        docs_per_org: Emails + calls + tickets per org (about 55/20/25%).

    Returns:
        The CRM; every record validates with :func:`copilot.ingest.records.parse_record`.

    Raises:
        ValueError: ``docs_per_org`` is not between 1 and 45,000 (five-digit ticket
            numbers run out beyond that).
    """
    if not 1 <= docs_per_org <= MAX_DOCS_PER_ORG:
        raise ValueError(
            f"docs_per_org must be between 1 and {MAX_DOCS_PER_ORG}, got {docs_per_org!r}"
        )
    vocab = vocabulary()
    rng = random.Random(seed)
    ticket_numbers = rng.sample(range(10000, 100000), 2 * docs_per_org)
    entities: list[list[dict[str, Any]]] = [[] for _ in range(5)]
    documents: list[dict[str, Any]] = []
    questions: list[Question] = []
    for n, spec in enumerate(vocab.orgs):
        numbers = sorted(ticket_numbers[n * docs_per_org : (n + 1) * docs_per_org])
        org = OrgBuilder(spec, random.Random(rng.getrandbits(64)), numbers, vocab)
        for bucket, recs in zip(entities, org.entities(), strict=True):
            bucket.extend(recs)
        docs = _documents(org, docs_per_org)
        documents.extend(d.record for d in docs)
        questions.extend(org_questions(org, docs))
    documents.sort(key=lambda r: (r["occurred_at"], r["org"], r["id"]))
    records = [r for bucket in entities for r in bucket] + documents
    for rec in records:
        parse_record(rec)  # a generator bug must fail here, not at ingest
    return SampleCRM(seed=seed, records=records, questions=questions)


def _documents(org: OrgBuilder, count: int) -> list[DocPlan]:
    """Tickets first (so emails and calls can cite earlier tickets), then the rest."""
    writer = DocumentWriter(org)
    n_tickets, n_calls = round(count * 0.25), round(count * 0.2)
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(org.accounts))]
    accounts = org.rng.choices(org.accounts, weights, k=count)
    dates = sorted(writer.when() for _ in range(n_tickets))
    docs = [
        write_ticket(writer, a, at, n)
        for a, at, n in zip(accounts[:n_tickets], dates, org.ticket_numbers, strict=False)
    ]
    for acct in accounts[n_tickets : n_tickets + n_calls]:
        docs.append(write_call(writer, acct))
    for acct in accounts[n_tickets + n_calls :]:
        docs.append(write_email(writer, acct))
    return docs
