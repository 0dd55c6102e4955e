"""Support tickets: a subject with its ``TCK-`` number, the customer's report, comments."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from copilot.sample.org import AccountPlan, Person
from copilot.sample.vocabulary import Topic
from copilot.sample.writer import END, DocPlan, DocumentWriter, iso

__all__ = ["write_ticket"]

_DEFECTS = ("integration_bug", "outage")
_DONE = ("solved", "closed")


def write_ticket(w: DocumentWriter, acct: AccountPlan, at: datetime, number: int) -> DocPlan:
    """Ticket ``TCK-<number>`` of ``acct`` opened at ``at``; later documents may cite it."""
    rng = w.rng
    topic = w.topic(w.vocab.ticket_topics)
    owner = w.owner(acct, support_first=True)
    contact = rng.choice(acct.contacts)
    slots = w.slots(acct, at, owner)
    tck = f"TCK-{number}"
    status = rng.choices(("open", "pending", "solved", "closed"), (25, 20, 35, 20))[0]
    subject = rng.choice(topic.ticket_subjects).format(**slots)
    body_lines = w.lines(topic, "customer", rng.randint(1, 3), slots)
    plants, terms = w.plants(acct, "customer", at, cite_tickets=False)
    body = " ".join(body_lines + plants)
    body += f"\n\nReported by {contact.name} ({contact.title}, {acct.name})."
    if topic.key in _DEFECTS and rng.random() < 0.6:
        body += f" Impact: {slots['n'] * 10} users affected."
    record = {
        **w.base("ticket", f"{w.spec.org}-tk-{number}", owner, at),
        "account_id": acct.id,
        "contact_id": contact.id,
        "subject": f"[{tck}] {subject} ({acct.name})",
        "body": body,
        "status": status,
        "priority": _priority(w, topic),
        "comments": _comments(w, topic, owner, at, slots, resolved=status in _DONE),
    }
    acct.tickets.append((at, tck))
    return DocPlan(record["id"], acct.id, (topic.key,), [tck, *terms], record)


def _priority(w: DocumentWriter, topic: Topic) -> str:
    weights = (5, 20, 40, 35) if topic.key == "outage" else (25, 45, 22, 8)
    return w.rng.choices(("low", "normal", "high", "urgent"), weights)[0]


def _comments(
    w: DocumentWriter,
    topic: Topic,
    owner: Person,
    at: datetime,
    slots: dict[str, Any],
    *,
    resolved: bool,
) -> list[dict[str, str]]:
    rng, vocab = w.rng, w.vocab
    support = vocab.support_comments + (vocab.defect_comments if topic.key in _DEFECTS else ())
    texts = [
        rng.choice(topic.rep).format(**slots) if rng.random() < 0.5 else rng.choice(support)
        for _ in range(rng.choices((0, 1, 2, 3), (15, 35, 30, 20))[0])
    ]
    if resolved:
        texts.append(rng.choice(vocab.closing_comments))
    out, when = [], at
    for text in texts:
        when = min(when + timedelta(hours=rng.randint(1, 60), minutes=rng.randint(0, 59)), END)
        author = owner if rng.random() < 0.6 else rng.choice(w.org.support())
        out.append({"author_id": author.id, "at": iso(when), "body": text})
    return out
