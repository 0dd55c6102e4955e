"""One org's people and accounts: teams, a manager hierarchy, accounts, contacts, deals."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from copilot.sample.vocabulary import OrgSpec, Vocabulary

__all__ = ["AccountPlan", "OrgBuilder", "Person"]

_PRODUCT_CODES = 40


@dataclass(frozen=True)
class Person:
    """A user of the org or a contact of an account."""

    id: str
    name: str
    email: str
    title: str
    team: int | None = None

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass
class AccountPlan:
    """An account and what its documents may mention."""

    id: str
    name: str
    owner: Person
    domain: str
    contacts: list[Person]
    deal_ids: list[str]
    amount: int
    mentioned: list[tuple[str, str]]  # (full name, role) planted in text only
    tickets: list[tuple[datetime, str]] = field(default_factory=list)  # (when, TCK-n)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")


class OrgBuilder:
    """Builds one org; all randomness comes from its own ``rng``.

    :meth:`entities` must run first: documents and questions draw on the users and
    accounts it makes, from the same ``rng``.
    """

    def __init__(
        self, spec: OrgSpec, rng: random.Random, ticket_numbers: list[int], vocab: Vocabulary
    ):
        self.spec = spec
        self.rng = rng
        self.vocab = vocab
        self.ticket_numbers = ticket_numbers
        self.serial = 0
        self.names = self._name_pool()
        self.teams = [(self.next_id("t"), name) for name in spec.teams]
        self.users: list[Person] = []
        self.user_records: list[dict[str, Any]] = []
        self.manager_of: dict[str, str] = {}
        self.accounts: list[AccountPlan] = []
        self.codes = self._product_codes()

    # ---- ids and names

    def next_id(self, prefix: str) -> str:
        """A new id, unique within the org across record types, e.g. ``acme-u-7``."""
        self.serial += 1
        return f"{self.spec.org}-{prefix}-{self.serial}"

    def _name_pool(self) -> list[str]:
        names = [f"{f} {last}" for f in self.vocab.first_names for last in self.vocab.last_names]
        self.rng.shuffle(names)
        return names

    def _product_codes(self) -> list[str]:
        rng = self.rng
        codes: list[str] = []
        while len(codes) < _PRODUCT_CODES:
            if self.spec.code_style == "sku":
                letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXZ") for _ in range(2))
                code = f"SKU-{letters}{rng.randrange(100, 1000, 50)}"
            else:
                code = f"{rng.choice(('PX', 'GX', 'RT', 'MX', 'QL'))}-{rng.randint(1, 99)}"
            # No code may be a prefix of another, so exact search has one answer set.
            if not any(c.startswith(code) or code.startswith(c) for c in codes):
                codes.append(code)
        return codes

    # ---- people

    def sellers(self) -> list[Person]:
        """The account executives."""
        return [u for u in self.users if u.title == "Account Executive"]

    def support(self) -> list[Person]:
        """The members of the support (customer success) team."""
        return [u for u in self.users if u.team == self.spec.support_team]

    def managers(self) -> list[Person]:
        """The users someone reports to."""
        return [u for u in self.users if u.id in self.manager_of.values()]

    # ---- entities

    def entities(self) -> tuple[list[dict[str, Any]], ...]:
        """Teams, users, accounts, contacts, deals: each list in ingest order."""
        teams = [{"type": "team", "org": self.spec.org, "id": i, "name": n} for i, n in self.teams]
        self._hierarchy()
        accounts, contacts, deals = self._accounts()
        return teams, self.user_records, accounts, contacts, deals

    def _add_user(self, role: str, title: str, team: int | None, manager: str | None) -> str:
        name = self.names.pop()
        person = Person(self.next_id("u"), name, f"{_slug(name)}@{self.spec.domain}", title, team)
        rec: dict[str, Any] = {
            "type": "user",
            "org": self.spec.org,
            "id": person.id,
            "name": name,
            "email": person.email,
            "role": role,
            "title": title,
        }
        if team is not None:
            rec["team_id"] = self.teams[team][0]
        if manager is not None:
            rec["manager_id"] = manager
            self.manager_of[person.id] = manager
        self.users.append(person)
        self.user_records.append(rec)
        return person.id

    def _hierarchy(self) -> None:
        """Admin; VP → director → team managers → reps (four levels on one branch)."""
        self._add_user("admin", "Revenue Operations Admin", None, None)
        vp = self._add_user("manager", "VP of Sales", None, None)
        director = self._add_user(
            "manager", "Director, Strategic Sales", self.spec.director_teams[0], vp
        )
        for team, (_, team_name) in enumerate(self.teams):
            boss = director if team in self.spec.director_teams else vp
            manager = self._add_user("manager", f"Manager, {team_name}", team, boss)
            support = team == self.spec.support_team
            title = "Customer Success Manager" if support else "Account Executive"
            for _ in range(self.rng.randint(3, 4)):
                self._add_user("rep", title, team, manager)

    def _accounts(self) -> tuple[list[dict[str, Any]], ...]:
        rng, org, vocab = self.rng, self.spec.org, self.vocab
        suffixes = vocab.account_suffixes
        # One name per prefix, so no two accounts of an org are easily confused.
        names = [f"{p} {rng.choice(list(suffixes))}" for p in vocab.account_prefixes]
        mentioned = [
            f"{f} {last}" for f in vocab.first_names for last in vocab.mentioned_last_names
        ]
        rng.shuffle(mentioned)
        accounts, contacts, deals = [], [], []
        for name in rng.sample(names, rng.randint(44, 56)):
            domain = f"{_slug(name).replace('.', '')}.example"
            acct = AccountPlan(
                id=self.next_id("a"),
                name=name,
                owner=rng.choice(self.sellers()),
                domain=domain,
                contacts=[],
                deal_ids=[],
                amount=rng.randrange(8_000, 400_000, 500),
                mentioned=[
                    (mentioned.pop(), rng.choice(vocab.mentioned_roles))
                    for _ in range(rng.randint(1, 2))
                ],
            )
            accounts.append(
                {
                    "type": "account",
                    "org": org,
                    "id": acct.id,
                    "name": name,
                    "owner_id": acct.owner.id,
                    "industry": suffixes[name.split()[-1]],
                }
            )
            contacts.extend(self._contacts(acct))
            deals.extend(self._deals(acct))
            self.accounts.append(acct)
        return accounts, contacts, deals

    def _contacts(self, acct: AccountPlan) -> list[dict[str, Any]]:
        out = []
        for title in self.rng.sample(self.vocab.contact_titles, self.rng.randint(2, 4)):
            name = self.names.pop()
            person = Person(self.next_id("c"), name, f"{_slug(name)}@{acct.domain}", title)
            acct.contacts.append(person)
            out.append(
                {
                    "type": "contact",
                    "org": self.spec.org,
                    "id": person.id,
                    "account_id": acct.id,
                    "name": name,
                    "email": person.email,
                    "title": title,
                }
            )
        return out

    def _deals(self, acct: AccountPlan) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        kinds = ("New Business", "Expansion", "Renewal", *self.spec.modules)
        for kind in rng.sample(kinds, rng.randint(1, 3)):
            stage = rng.choice(self.vocab.deal_stages)
            closed = stage.startswith("Closed")
            close = (
                date(2025, 12, 1) + timedelta(days=rng.randint(0, 340))
                if closed
                else date(2026, 11, 20) + timedelta(days=rng.randint(0, 200))
            )
            deal_id = self.next_id("d")
            acct.deal_ids.append(deal_id)
            suffix = f"{kind} add-on" if kind in self.spec.modules else kind
            out.append(
                {
                    "type": "deal",
                    "org": self.spec.org,
                    "id": deal_id,
                    "account_id": acct.id,
                    "owner_id": acct.owner.id,
                    "name": f"{acct.name} - {self.spec.product} {suffix}",
                    "stage": stage,
                    "amount": float(rng.randrange(5_000, 450_000, 500)),
                    "close_date": close.isoformat(),
                }
            )
        return out
