"""What every kind of document shares: dates, scenarios, owners, sharing, slots, plants.

The writers of tickets, calls and emails (:mod:`copilot.sample.tickets`,
:mod:`~copilot.sample.calls`, :mod:`~copilot.sample.emails`) draw through one
:class:`DocumentWriter`, which draws from its org's ``rng``: the order of the draws is
what makes a seed reproduce the same sample, so keep it when editing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from copilot.sample.org import AccountPlan, OrgBuilder, Person
from copilot.sample.vocabulary import Topic

__all__ = ["END", "DocPlan", "DocumentWriter", "iso"]

#: Documents fall in the year before this instant.
END = datetime(2026, 11, 15, 23, 59, tzinfo=UTC)
_SPAN_DAYS = 365


@dataclass
class DocPlan:
    """A document and the facts planted in it, from which questions are answered."""

    id: str
    account_id: str
    topics: tuple[str, ...]
    terms: list[str]  # ticket numbers, product codes and names in its authored text
    record: dict[str, Any]


def iso(at: datetime) -> str:
    """``at`` as a UTC timestamp of the canonical format, e.g. ``2026-03-02T14:05:09Z``."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class DocumentWriter:
    """Draws the parts every document has, from the org's ``rng``."""

    def __init__(self, org: OrgBuilder):
        self.org = org
        self.spec = org.spec
        self.rng = org.rng
        self.vocab = org.vocab

    def when(self) -> datetime:
        """A moment in the year before :data:`END`, rarely at a weekend."""
        rng = self.rng
        day = END - timedelta(days=rng.randint(0, _SPAN_DAYS - 3))
        if day.weekday() >= 5 and rng.random() < 0.85:  # little happens at weekends
            day -= timedelta(days=day.weekday() - 4)
        return day.replace(
            hour=rng.randint(13, 22), minute=rng.randint(0, 59), second=rng.randint(0, 59)
        )

    def topic(self, pool: Sequence[Topic] | None = None) -> Topic:
        """A scenario of ``pool`` (default: all), drawn by weight."""
        pool = self.vocab.topics if pool is None else pool
        return self.rng.choices(list(pool), [t.weight for t in pool])[0]

    def owner(self, acct: AccountPlan, *, support_first: bool = False) -> Person:
        """Mostly the account owner; sometimes support or a manager."""
        rng = self.rng
        roll = rng.random()
        if roll < (0.6 if support_first else 0.12):
            return rng.choice(self.org.support())
        if roll > 0.9:
            return rng.choice(self.org.managers())
        return acct.owner

    def _access(self, owner: Person) -> dict[str, Any]:
        rng = self.rng
        out: dict[str, Any] = {
            "owner_id": owner.id,
            "visibility": rng.choices(("private", "team", "org"), (35, 40, 25))[0],
        }
        if rng.random() < 0.15:
            others = [u.id for u in self.org.users[1:] if u.id != owner.id]
            teams = [f"team:{t}" for t, _ in self.org.teams]
            out["shared_with"] = rng.sample(others + teams, rng.randint(1, 2))
        return out

    def slots(self, acct: AccountPlan, at: datetime, rep: Person) -> dict[str, Any]:
        """Values for the ``{slots}`` of the phrase templates."""
        rng, vocab = self.rng, self.vocab
        later = at + timedelta(days=rng.randint(7, 45))
        return {
            "account": acct.name,
            "our": self.spec.company,
            "product": self.spec.product,
            "module": rng.choice(self.spec.modules),
            "competitor": rng.choice(vocab.competitors),
            "integration": rng.choice(vocab.integrations),
            "feature": rng.choice(vocab.features),
            "contact": rng.choice(acct.contacts).first,
            "rep": rep.first,
            "amount": f"${round(acct.amount * rng.uniform(0.6, 1.4), -2):,.0f}",
            "pct": rng.choice(vocab.percents),
            "seats": rng.choice(vocab.seats),
            "n": rng.randint(3, 12),
            "weekday": rng.choice(vocab.weekdays),
            "date": f"{later:%B} {later.day}",
            "month": f"{at + timedelta(days=rng.randint(40, 120)):%B}",
            "invoice": f"INV-{at.year}-{rng.randint(1000, 9999)}",
        }

    def lines(self, topic: Topic, voice: str, k: int, slots: dict[str, Any]) -> list[str]:
        """Up to ``k`` different sentences of the scenario in ``voice``, slots filled."""
        pool: tuple[str, ...] = getattr(topic, voice)
        return [s.format(**slots) for s in self.rng.sample(pool, min(k, len(pool)))]

    def plants(
        self, acct: AccountPlan, voice: str, at: datetime, *, cite_tickets: bool = True
    ) -> tuple[list[str], list[str]]:
        """Sentences carrying keyword facts, and the facts they carry."""
        rng, vocab, sentences, terms = self.rng, self.vocab, [], []
        if rng.random() < 0.07:
            code = rng.choice(self.org.codes[: 10 + rng.randint(0, 30)])  # some codes are common
            sentences.append(rng.choice(vocab.plant_code[voice]).format(code=code))
            terms.append(code)
        earlier = [t for when, t in acct.tickets if when < at]
        if cite_tickets and earlier and rng.random() < 0.12:
            ticket = rng.choice(earlier[-3:])
            sentences.append(rng.choice(vocab.plant_ticket[voice]).format(ticket=ticket))
            terms.append(ticket)
        if rng.random() < 0.05:
            person, role = rng.choice(acct.mentioned)
            sentences.append(rng.choice(vocab.plant_person[voice]).format(person=person, role=role))
            terms.append(person)
        return sentences, terms

    def base(self, kind: str, doc_id: str, owner: Person, at: datetime) -> dict[str, Any]:
        """The fields every document record has: type, org, id, access, ``occurred_at``."""
        return {
            "type": kind,
            "org": self.spec.org,
            "id": doc_id,
            **self._access(owner),
            "occurred_at": iso(at),
        }

    def deal_for(self, acct: AccountPlan) -> dict[str, str]:
        """``{"deal_id": ...}`` for most documents, else nothing."""
        return {"deal_id": self.rng.choice(acct.deal_ids)} if self.rng.random() < 0.6 else {}
