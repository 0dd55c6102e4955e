"""Emails: greeting, the scenario's sentences, closer, sign-off, signature, quoted reply.

Planted facts (codes, tickets, people) go only into the authored part, never into the
signature or the quoted reply, which search drops.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from copilot.sample.org import AccountPlan, Person
from copilot.sample.vocabulary import Topic
from copilot.sample.writer import DocPlan, DocumentWriter

__all__ = ["write_email"]


def write_email(w: DocumentWriter, acct: AccountPlan) -> DocPlan:
    """An email from the rep, from a contact, or the rep's note to their manager."""
    rng = w.rng
    at = w.when()
    topic = w.topic()
    owner = w.owner(acct)
    contact = rng.choice(acct.contacts)
    voice = rng.choices(("rep", "customer", "notes"), (45, 40, 15))[0]
    slots = w.slots(acct, at, owner)
    slots["contact"] = contact.first
    manager_id = w.org.manager_of.get(owner.id)
    manager = next((u for u in w.org.users if u.id == manager_id), owner)
    sender, recipient = {
        "rep": (owner, contact),
        "customer": (contact, owner),
        "notes": (owner, manager),
    }[voice]
    body, terms = _email_body(w, acct, topic, voice, sender, recipient, at, slots)
    quoted = rng.random() < 0.3 and voice != "notes"
    subject = rng.choice(topic.subjects).format(**slots)
    record: dict[str, Any] = {
        **w.base("email", w.org.next_id("em"), owner, at),
        "account_id": acct.id,
        **({"contact_id": contact.id} if voice != "notes" else {}),
        **w.deal_for(acct),
        "subject": f"Re: {subject}" if quoted else subject,
        "from": sender.email,
        "to": [recipient.email],
        "direction": "inbound" if voice == "customer" else "outbound",
        "body": body,
    }
    if quoted:
        other_voice = "customer" if voice == "rep" else "rep"
        record["body"] += _quote(w, topic, other_voice, recipient, at, slots)
    return DocPlan(record["id"], acct.id, (topic.key,), terms, record)


def _email_body(
    w: DocumentWriter,
    acct: AccountPlan,
    topic: Topic,
    voice: str,
    sender: Person,
    recipient: Person,
    at: datetime,
    slots: dict[str, Any],
) -> tuple[str, list[str]]:
    rng, vocab = w.rng, w.vocab
    sentences = w.lines(topic, voice, rng.randint(2, 3), slots)
    plants, terms = w.plants(acct, voice, at)
    for sentence in plants:
        sentences.insert(rng.randint(0, len(sentences)), sentence)
    if rng.random() < 0.5:
        sentences.insert(0, rng.choice(vocab.email_openers))
    cut = rng.randint(1, len(sentences))
    paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])]
    paragraphs.append(rng.choice(vocab.email_closers[voice]).format(**slots))
    greeting = rng.choice(
        (
            f"Hi {recipient.first},",
            f"{recipient.first},",
            f"Hello {recipient.first},",
            "Hi all,",
        )
    )
    parts = [greeting, *(p for p in paragraphs if p)]
    parts.append(f"{rng.choice(vocab.email_signoffs)}\n{sender.first}")
    text = "\n\n".join(parts)
    company = acct.name if voice == "customer" else w.spec.company
    if rng.random() < 0.4:
        text += f"\n\n--\n{sender.name}\n{sender.title}\n{company}"
    elif voice == "customer" and rng.random() < 0.1:
        text += "\n\nSent from my iPhone"
    return text, terms


def _quote(
    w: DocumentWriter, topic: Topic, voice: str, author: Person, at: datetime, slots: dict[str, Any]
) -> str:
    rng = w.rng
    then = at - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
    hour = then.hour % 12 or 12
    header = (
        f"On {then:%a, %b} {then.day}, {then.year} at {hour}:{then:%M} "
        f"{'PM' if then.hour >= 12 else 'AM'}, {author.name} <{author.email}> wrote:"
    )
    lines = [f"Hi {slots['rep'] if voice == 'customer' else slots['contact']},", ""]
    lines += w.lines(topic, voice, rng.randint(1, 2), slots)
    lines += ["", f"Thanks,\n{author.first}"]
    return (
        "\n\n"
        + header
        + "\n"
        + "\n".join(f"> {ln}".rstrip() for ln in "\n".join(lines).split("\n"))
    )
