"""Calls: a transcript of ``Speaker: text`` turns, or the rep's bullet-point notes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from copilot.sample.org import AccountPlan, Person
from copilot.sample.vocabulary import Topic
from copilot.sample.writer import DocPlan, DocumentWriter

__all__ = ["write_call"]


def write_call(w: DocumentWriter, acct: AccountPlan) -> DocPlan:
    """A call with one or two of ``acct``'s contacts on one or two scenarios."""
    rng = w.rng
    at = w.when()
    topics = [w.topic()]
    if rng.random() < 0.3:
        second = w.topic()
        if second.key != topics[0].key:
            topics.append(second)
    owner = w.owner(acct)
    guests = rng.sample(acct.contacts, min(len(acct.contacts), rng.randint(1, 2)))
    slots = w.slots(acct, at, owner)
    slots["contact"] = guests[0].first
    if rng.random() < 0.15:
        transcript, terms = _call_notes(w, acct, owner, guests, topics, at, slots)
    else:
        transcript, terms = _transcript(w, acct, owner, guests, topics, at, slots)
    title = (
        f"{acct.name} / {w.spec.company}: {rng.choice(topics[0].call_titles)}"
        if len(topics) == 1
        else f"Weekly sync with {acct.name}"
    )
    record = {
        **w.base("call", w.org.next_id("cl"), owner, at),
        "account_id": acct.id,
        **w.deal_for(acct),
        "title": title,
        "participants": [owner.name] + [g.name for g in guests],
        "transcript": transcript,
    }
    return DocPlan(record["id"], acct.id, tuple(t.key for t in topics), terms, record)


def _transcript(
    w: DocumentWriter,
    acct: AccountPlan,
    owner: Person,
    guests: list[Person],
    topics: list[Topic],
    at: datetime,
    slots: dict[str, Any],
) -> tuple[str, list[str]]:
    rng, vocab = w.rng, w.vocab
    # Full names when first names would make two speakers look alike.
    full = (
        rng.random() < 0.5
        or owner.first in {g.first for g in guests}
        or (len({g.first for g in guests}) < len(guests))
    )
    rep_name = owner.name if full else owner.first
    guest_names = [g.name if full else g.first for g in guests]
    turns: list[tuple[str, str]] = [rng.choice(vocab.call_openers)]
    for topic in topics:
        said = w.lines(topic, "customer", 4, slots)
        answers = w.lines(topic, "rep", 3, slots)
        for n in range(rng.randint(2, 3)):
            # Some turns run to two sentences; no sentence is said twice.
            take = 2 if len(said) > 3 - n and rng.random() < 0.4 else 1
            turns.append(("customer", " ".join(said[:take]) or answers[-1]))
            del said[:take]
            if rng.random() < 0.25:
                turns.append(("rep", rng.choice(vocab.call_fillers["rep"])))
            turns.append(("rep", answers[n % len(answers)]))
            if rng.random() < 0.2:
                turns.append(("customer", rng.choice(vocab.call_fillers["customer"])))
    terms = []
    for voice in ("customer", "rep"):
        plants, found = w.plants(acct, voice, at)
        terms += found
        for sentence in plants:
            spot = rng.choice([i for i, (v, _) in enumerate(turns) if v == voice] or [0])
            turns[spot] = (turns[spot][0], f"{turns[spot][1]} {sentence}")
    turns.append(("rep", rng.choice(vocab.call_commitments)))
    turns.append(("customer", rng.choice(vocab.call_goodbyes)))
    lines = []
    for voice, text in turns:
        speaker = rep_name if voice == "rep" else rng.choice(guest_names)
        lines.append(f"{speaker}: {text.format(**slots)}")
    return "\n".join(lines), terms


def _call_notes(
    w: DocumentWriter,
    acct: AccountPlan,
    owner: Person,
    guests: list[Person],
    topics: list[Topic],
    at: datetime,
    slots: dict[str, Any],
) -> tuple[str, list[str]]:
    rng = w.rng
    bullets = [line for t in topics for line in w.lines(t, "notes", 2, slots)]
    plants, terms = w.plants(acct, "notes", at)
    bullets += plants
    steps = [
        rng.choice(topics[0].rep).format(**slots),
        rng.choice(w.vocab.call_commitments).format(**slots),
    ]
    text = (
        f"Call notes, {at:%B} {at.day}\n"
        f"Attendees: {', '.join([owner.name] + [g.name for g in guests])}\n\n"
        + "\n".join(f"- {b}" for b in bullets)
        + "\n\nNext steps:\n"
        + "\n".join(f"- {s}" for s in steps)
    )
    return text, terms
