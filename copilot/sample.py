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

:func:`visible_document_ids` is the sharing-rule oracle used as ground truth for
permissions. The module is pure except :func:`write_sample` and :func:`load_truth`.

Example:
    >>> crm = generate(7, docs_per_org=60)
    >>> sorted({r["org"] for r in crm.records})
    ['acme', 'globex']
    >>> q = crm.questions[0]
    >>> all(d.startswith(q.org + "-") for d in q.relevant_document_ids)
    True
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from copilot.ingest.records import parse_record

__all__ = [
    "DOCUMENT_TYPES",
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

QuestionKind = Literal["semantic", "keyword"]
DOCUMENT_TYPES = ("email", "call", "ticket")

CRM_FILE = "crm.jsonl"
TRUTH_FILE = "truth.json"

# Documents fall in the year before this instant.
_END = datetime(2026, 11, 15, 23, 59, tzinfo=UTC)
_SPAN_DAYS = 365
_SEMANTIC_PER_ORG = 36
_KEYWORD_PER_KIND = 8
_MAX_RELEVANT = 5
_MAX_DOCS_PER_ORG = 45_000


# =========================================================================== public types


@dataclass(frozen=True)
class Question:
    """An evaluation question and the documents that answer it.

    Attributes:
        id: Unique across orgs, e.g. ``acme-q-007``.
        org: The org whose documents answer it.
        text: What a user would type.
        relevant_document_ids: Exactly the documents that answer it, sorted.
        kind: ``semantic`` (paraphrased scenario) or ``keyword`` (exact token).
    """

    id: str
    org: str
    text: str
    relevant_document_ids: tuple[str, ...]
    kind: QuestionKind


@dataclass(frozen=True)
class SampleUser:
    """A user as the truth file lists it, so evaluation can act as each role."""

    org: str
    id: str
    name: str
    role: str
    team_id: str | None
    manager_id: str | None


@dataclass(frozen=True)
class SampleTruth:
    """Ground truth for evaluation.

    Attributes:
        questions: The questions of every org.
        users: Every user of every org.
        visible_document_ids: ``{org: {user id: document ids the user may see}}``.
    """

    questions: tuple[Question, ...]
    users: tuple[SampleUser, ...]
    visible_document_ids: Mapping[str, Mapping[str, frozenset[str]]]


@dataclass(frozen=True)
class SampleCRM:
    """A generated CRM: canonical records in ingest order plus its questions.

    Attributes:
        seed: The seed it was generated from.
        records: Entities (teams, users, accounts, contacts, deals) then documents.
        questions: Evaluation questions with their relevant documents.
    """

    seed: int
    records: list[dict[str, Any]]
    questions: list[Question] = field(default_factory=list)

    @property
    def orgs(self) -> tuple[str, ...]:
        """The orgs, in order of first appearance."""
        return tuple(dict.fromkeys(r["org"] for r in self.records))

    def truth(self) -> SampleTruth:
        """Questions, users and what every user may see, by :func:`visible_document_ids`."""
        users = tuple(
            SampleUser(
                org=r["org"],
                id=r["id"],
                name=r["name"],
                role=r["role"],
                team_id=r.get("team_id"),
                manager_id=r.get("manager_id"),
            )
            for r in self.records
            if r["type"] == "user"
        )
        visible: dict[str, dict[str, frozenset[str]]] = {}
        for org in self.orgs:
            in_org = [r for r in self.records if r["org"] == org]
            visible[org] = {
                u.id: frozenset(visible_document_ids(in_org, u.id, org=org))
                for u in users
                if u.org == org
            }
        return SampleTruth(tuple(self.questions), users, visible)


# =========================================================================== the oracle


def visible_document_ids(
    org_records: Iterable[Mapping[str, Any]], user_id: str, *, org: str | None = None
) -> set[str]:
    """The ids of the documents a user may see: the sharing rules, stated plainly.

    A user of org O sees a document (email, call, ticket) of org O when any holds: the
    user is an admin; the user owns it; the user is above the owner in the
    ``manager_id`` chain (any depth, as ``retrieval.acl`` grants reports); its
    visibility is ``org``; its visibility is ``team`` and the user has the owner's
    (non-null) team; ``shared_with`` holds the user's id or ``team:<user's team>``.
    Documents of other orgs are never visible. Records apply in order, so a later
    record with the same type and id replaces an earlier one and a tombstone
    (``"deleted": true``) removes it.

    Args:
        org_records: Raw canonical records, in ingest order; other orgs may be mixed in.
        user_id: The user asking.
        org: The user's org; needed only when ``user_id`` exists in several orgs.

    Returns:
        The visible document ids.

    Raises:
        ValueError: The user is unknown, or exists in several orgs and ``org`` is None.

    Example:
        >>> recs = [
        ...     {"type": "user", "org": "o", "id": "u1", "role": "rep", "team_id": "t"},
        ...     {"type": "email", "org": "o", "id": "e1", "owner_id": "u1",
        ...      "visibility": "private"},
        ... ]
        >>> visible_document_ids(recs, "u1")
        {'e1'}
    """
    latest = _latest_records(org_records)
    org = _org_of_user(latest, user_id, org)
    users = {i: r for (o, t, i), r in latest.items() if o == org and t == "user"}
    me = users[user_id]
    my_team = me.get("team_id") or None
    mine = {user_id} | ({f"team:{my_team}"} if my_team else set())
    visible = set()
    for (o, kind, doc_id), doc in latest.items():
        if o != org or kind not in DOCUMENT_TYPES:
            continue
        owner_id = str(doc.get("owner_id", ""))
        owner = users.get(owner_id, {})
        if (
            me.get("role") == "admin"
            or owner_id == user_id
            or user_id in _managers_above(users, owner_id)
            or doc.get("visibility") == "org"
            or (
                doc.get("visibility") == "team"
                and my_team is not None
                and owner.get("team_id") == my_team
            )
            or not mine.isdisjoint(str(p) for p in doc.get("shared_with") or ())
        ):
            visible.add(doc_id)
    return visible


def _latest_records(
    records: Iterable[Mapping[str, Any]],
) -> dict[tuple[str, str, str], Mapping[str, Any]]:
    latest: dict[tuple[str, str, str], Mapping[str, Any]] = {}
    for rec in records:
        key = (str(rec["org"]), str(rec["type"]), str(rec["id"]))
        if rec.get("deleted") is True:
            latest.pop(key, None)
        else:
            latest[key] = rec
    return latest


def _org_of_user(
    latest: Mapping[tuple[str, str, str], Mapping[str, Any]], user_id: str, org: str | None
) -> str:
    orgs = sorted(o for (o, t, i) in latest if t == "user" and i == user_id)
    if org is not None:
        if org not in orgs:
            raise ValueError(f"unknown user {user_id!r} in org {org!r}")
        return org
    if not orgs:
        raise ValueError(f"unknown user {user_id!r}")
    if len(orgs) > 1:
        raise ValueError(f"user {user_id!r} exists in orgs {orgs}; pass org=")
    return orgs[0]


def _managers_above(users: Mapping[str, Mapping[str, Any]], user_id: str) -> set[str]:
    above: set[str] = set()
    current = users.get(user_id, {}).get("manager_id")
    while current and current not in above:  # a cyclic chain must still terminate
        above.add(current)
        current = users.get(current, {}).get("manager_id")
    return above


# =========================================================================== file I/O


def write_sample(crm: SampleCRM, directory: Path) -> Path:
    """Write ``crm.jsonl`` (one record per line) and ``truth.json`` into ``directory``.

    Args:
        crm: What :func:`generate` returned.
        directory: Created if missing; existing files of the same names are replaced.

    Returns:
        The path of ``crm.jsonl``, the file to ingest.
    """
    directory.mkdir(parents=True, exist_ok=True)
    crm_path = directory / CRM_FILE
    with crm_path.open("w", encoding="utf-8") as fh:
        for rec in crm.records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    truth = crm.truth()
    payload = {
        "seed": crm.seed,
        "questions": [
            {
                "id": q.id,
                "org": q.org,
                "text": q.text,
                "kind": q.kind,
                "relevant_document_ids": list(q.relevant_document_ids),
            }
            for q in truth.questions
        ],
        "users": [u.__dict__ for u in truth.users],
        "visible_document_ids": {
            org: {uid: sorted(ids) for uid, ids in by_user.items()}
            for org, by_user in truth.visible_document_ids.items()
        },
    }
    (directory / TRUTH_FILE).write_text(json.dumps(payload, indent=1), encoding="utf-8")
    return crm_path


def load_truth(directory: Path) -> SampleTruth:
    """Read the ``truth.json`` that :func:`write_sample` wrote into ``directory``.

    Raises:
        ValueError: The file is not a truth file (it names the missing key).
    """
    path = directory / TRUTH_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    try:
        questions = tuple(
            Question(
                id=q["id"],
                org=q["org"],
                text=q["text"],
                kind=q["kind"],
                relevant_document_ids=tuple(q["relevant_document_ids"]),
            )
            for q in raw["questions"]
        )
        users = tuple(SampleUser(**u) for u in raw["users"])
        visible = {
            org: {uid: frozenset(ids) for uid, ids in by_user.items()}
            for org, by_user in raw["visible_document_ids"].items()
        }
    except (KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a sample truth file ({err!r})") from None
    return SampleTruth(questions, users, visible)


# =========================================================================== vocabulary

_FIRST_NAMES = (
    "Ana",
    "Ben",
    "Carla",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Isla",
    "Jonah",
    "Keiko",
    "Liam",
    "Maya",
    "Nikhil",
    "Olivia",
    "Pedro",
    "Quinn",
    "Rosa",
    "Sam",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Ximena",
    "Yusuf",
    "Zoe",
    "Aaron",
    "Bianca",
    "Caleb",
    "Daria",
    "Emeka",
    "Fiona",
    "Gabriel",
    "Hannah",
    "Ivan",
    "Jasmine",
    "Kofi",
    "Lena",
    "Marco",
    "Nadia",
    "Omar",
    "Priya",
    "Rafael",
    "Sofia",
    "Theo",
    "Uma",
    "Victor",
    "Wendy",
    "Yara",
    "Zane",
    "Leila",
    "Mateo",
    "Noor",
    "Oscar",
    "Paula",
    "Ruben",
    "Selin",
    "Tomas",
    "Ines",
    "Jamal",
)
_LAST_NAMES = (
    "Abbott",
    "Alvarez",
    "Bennett",
    "Brandt",
    "Castillo",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Fontaine",
    "Garcia",
    "Goldberg",
    "Haddad",
    "Hughes",
    "Ibrahim",
    "Ito",
    "Jensen",
    "Kapoor",
    "Kowalski",
    "Larsen",
    "Lindqvist",
    "Mahoney",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Petrov",
    "Quintero",
    "Ramirez",
    "Rossi",
    "Sato",
    "Schneider",
    "Silva",
    "Sorensen",
    "Tanaka",
    "Torres",
    "Uddin",
    "Varga",
    "Vasquez",
    "Walsh",
    "Weber",
    "Xu",
    "Yamamoto",
    "Yilmaz",
    "Zhang",
    "Zimmerman",
    "Achebe",
    "Bianchi",
    "Costa",
    "Delgado",
    "Esposito",
    "Ferreira",
    "Gallagher",
    "Horvath",
    "Iyer",
    "Jovanovic",
    "Keller",
    "Lambert",
    "Mendes",
    "Nguyen",
    "Park",
    "Reyes",
    "Sandoval",
    "Thompson",
    "Ueda",
    "Vogel",
    "Whitfield",
    "Kim",
    "Murphy",
    "O'Brien",
    "Russo",
    "Suzuki",
    "Andersson",
    "Brennan",
    "Chowdhury",
    "Duarte",
)
# Surnames of people mentioned only in document text, kept apart from users and
# contacts so a full-name keyword question has one precise answer set.
_MENTIONED_LAST_NAMES = (
    "Raman",
    "Castellano",
    "Mbeki",
    "Halvorsen",
    "Ostrowski",
    "Takahashi",
    "Verhoeven",
    "Quist",
    "Drummond",
    "Okonkwo",
    "Lindgren",
    "Marchetti",
    "Rahimi",
    "Szabo",
    "Pellegrini",
    "Ferraro",
    "Nakashima",
    "Bergstrom",
    "Adeyemi",
    "Kovacs",
    "Sheridan",
    "Valdez",
    "Hartmann",
    "Oduya",
    "Wojcik",
    "Castaneda",
    "Albrecht",
    "Moretti",
    "Fairbanks",
    "Delacroix",
    "Kaminski",
    "Rinaldi",
)
_COMPANY_PREFIXES = (
    "Northwind",
    "Brightlake",
    "Ironbridge",
    "Bluepeak",
    "Cedarline",
    "Silverfern",
    "Redwood",
    "Stonegate",
    "Clearwater",
    "Goldcrest",
    "Harborview",
    "Maplestone",
    "Pinecrest",
    "Riverbend",
    "Summitvale",
    "Westbrook",
    "Oakridge",
    "Lakeshore",
    "Fairhaven",
    "Granite",
    "Aurora",
    "Beacon",
    "Cobalt",
    "Evergreen",
    "Falconer",
    "Horizon",
    "Juniper",
    "Keystone",
    "Lighthouse",
    "Meridian",
    "Nimbus",
    "Orchard",
    "Pioneer",
    "Quartz",
    "Sterling",
    "Tidewater",
    "Vantage",
    "Willow",
    "Zenith",
    "Copperfield",
    "Driftwood",
    "Highland",
    "Larkspur",
    "Mosaic",
    "Trident",
    "Bramble",
    "Cascade",
    "Emberly",
    "Foxglove",
    "Greystone",
    "Halcyon",
    "Kestrel",
    "Moonridge",
    "Northstar",
    "Palisade",
    "Rosewood",
    "Saltmarsh",
    "Thornbury",
    "Windmere",
    "Yellowpine",
)
_COMPANY_SUFFIXES = {
    "Logistics": "Logistics",
    "Health": "Healthcare",
    "Analytics": "Technology",
    "Manufacturing": "Manufacturing",
    "Capital": "Financial Services",
    "Foods": "Food & Beverage",
    "Energy": "Energy",
    "Robotics": "Manufacturing",
    "Retail": "Retail",
    "Insurance": "Insurance",
    "Biotech": "Life Sciences",
    "Media": "Media",
    "Freight": "Logistics",
    "Software": "Technology",
    "Hospitality": "Hospitality",
    "Telecom": "Telecommunications",
    "Partners": "Professional Services",
    "Labs": "Technology",
    "Apparel": "Retail",
    "Pharma": "Life Sciences",
    "Outdoor": "Retail",
    "Dynamics": "Manufacturing",
    "Holdings": "Financial Services",
    "Education": "Education",
}
_CONTACT_TITLES = (
    "VP of Sales",
    "Director of Revenue Operations",
    "Head of IT",
    "Procurement Manager",
    "CFO",
    "Sales Operations Manager",
    "IT Director",
    "COO",
    "Head of Customer Support",
    "Senior Systems Administrator",
    "VP of Finance",
    "Chief Revenue Officer",
    "Business Systems Analyst",
    "Director of Operations",
    "Legal Counsel",
)
_MENTIONED_ROLES = (
    "new head of procurement",
    "VP of Finance",
    "IT director",
    "security lead",
    "partner implementation consultant",
    "incoming COO",
    "new revenue operations lead",
    "deputy general counsel",
)
_COMPETITORS = (
    "Salesforce",
    "HubSpot",
    "Zendesk",
    "Pipedrive",
    "Freshworks",
    "Zoho",
    "Microsoft Dynamics",
    "monday.com",
)
_INTEGRATIONS = (
    "NetSuite",
    "Snowflake",
    "Slack",
    "Jira",
    "Workday",
    "Okta",
    "SAP",
    "Marketo",
    "Google Workspace",
    "Outlook",
)
_FEATURES = (
    "scheduled reports",
    "field-level permissions",
    "an audit log export",
    "an offline mode for the mobile app",
    "SAML group sync",
    "custom dashboard sharing",
    "bulk record editing",
    "a sandbox environment",
)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_SEATS = (15, 20, 25, 40, 50, 60, 75, 100, 120, 150, 200, 250, 300, 400)
_PCTS = (5, 8, 10, 12, 15, 18, 20, 25)
_STAGES = (
    "Prospecting",
    "Qualification",
    "Discovery",
    "Proposal",
    "Negotiation",
    "Closed Won",
    "Closed Lost",
)


@dataclass(frozen=True)
class _OrgSpec:
    org: str
    company: str
    domain: str
    product: str
    modules: tuple[str, ...]
    teams: tuple[str, ...]
    # Indexes of the teams whose managers report to the director, not the VP.
    director_teams: tuple[int, ...]
    support_team: int
    code_style: Literal["sku", "short"]


_ORG_SPECS = (
    _OrgSpec(
        org="acme",
        company="Acme",
        domain="acme.example",
        product="Acme Insight",
        modules=(
            "Forecasting",
            "Workflow Automation",
            "Revenue Analytics",
            "Conversation Intelligence",
            "Territory Planning",
        ),
        teams=("Enterprise East", "Enterprise West", "Mid-Market", "Customer Success"),
        director_teams=(0, 1),
        support_team=3,
        code_style="sku",
    ),
    _OrgSpec(
        org="globex",
        company="Globex",
        domain="globex.example",
        product="Globex Cloud",
        modules=(
            "Service Desk",
            "Field Ops",
            "Knowledge Base",
            "Omnichannel Routing",
            "Workforce Planning",
        ),
        teams=("Strategic Accounts", "Commercial", "Customer Success"),
        director_teams=(0,),
        support_team=2,
        code_style="short",
    ),
)


# =========================================================================== scenarios


@dataclass(frozen=True)
class _Topic:
    """Phrase pools of one scenario.

    ``customer`` is said by the customer, ``rep`` by our side to the customer, ``notes``
    is third person about the account. ``questions`` ask about the scenario in words
    the pools avoid, so semantic search is tested rather than word overlap.
    """

    key: str
    weight: float
    subjects: tuple[str, ...]
    call_titles: tuple[str, ...]
    customer: tuple[str, ...]
    rep: tuple[str, ...]
    notes: tuple[str, ...]
    questions: tuple[str, ...]
    ticket_subjects: tuple[str, ...] = ()


_TOPICS: tuple[_Topic, ...] = (
    _Topic(
        key="pricing",
        weight=1.4,
        subjects=(
            "{account} pricing follow-up",
            "Updated proposal for {account}",
            "{our} x {account}: commercials",
            "{account} quote, revised numbers",
        ),
        call_titles=("pricing review", "commercial discussion", "proposal walkthrough"),
        customer=(
            "The number you sent is higher than what we budgeted, so we need you to sharpen "
            "the pencil.",
            "Finance came back and asked whether you can do {pct}% off list if we commit "
            "to {seats} seats.",
            "Our board expects a lower per-seat figure than what is on the table today.",
            "Can you break the quote down by module? {module} feels expensive for how much "
            "we would use it.",
            "If the per-seat price came down a bit we could probably get this signed this quarter.",
            "We would rather pay annually up front if that unlocks a better rate.",
        ),
        rep=(
            "I went back to our deal desk and can offer {pct}% off list on a two-year term.",
            "The revised quote comes to {amount} for {seats} seats, with {module} bundled in.",
            "I can't move much further on the per-seat rate, but I can waive the "
            "implementation fee.",
            "If we can get the order form signed by {date}, I can hold this pricing.",
            "I'll send the updated pricing by {weekday}.",
            "Happy to walk your CFO through the ROI model if it helps justify the spend.",
        ),
        notes=(
            "{account} is pushing for {pct}% off list; deal desk approval needed above 15%.",
            "{account} says the quote is over budget and wants a sharper per-seat number.",
            "Sent {account} a revised quote at {amount}; they are comparing it line by line "
            "with last year's contract.",
            "Procurement at {account} asked for tiered pricing once they pass {seats} seats.",
            "Offered {account} a waived onboarding fee instead of cutting the subscription "
            "price further.",
        ),
        questions=(
            "How big a cost reduction is {account} trying to get out of us?",
            "Has {account} been haggling over what they would pay, and what concession did "
            "we put forward?",
            "What did {account} say about our offer costing too much?",
            "Is {account} asking for a cheaper rate, and where do the commercial terms stand?",
        ),
    ),
    _Topic(
        key="renewal",
        weight=1.1,
        subjects=(
            "{account} renewal",
            "Renewal paperwork for {account}",
            "{account}: upcoming term end",
            "{account} subscription renewal",
        ),
        call_titles=("renewal planning", "renewal check-in", "term review"),
        customer=(
            "Our contract is up on {date}, and I want to get the paperwork started early "
            "this time.",
            "Before we renew, can you confirm the term and seat count carry over as-is?",
            "We'd like to move the renewal to a co-termed date with our other subscriptions.",
            "Procurement needs the renewal order form at least thirty days before the end "
            "of the term.",
            "Is auto-renew switched on for our subscription? Legal wants to know.",
        ),
        rep=(
            "Your subscription term ends on {date}; I've drafted the renewal order form for "
            "{seats} seats.",
            "I'll send the renewal paperwork over by {weekday} so procurement has plenty of "
            "runway.",
            "Renewing at the current seat count keeps you at {amount} for the next twelve months.",
            "We can co-term the renewal with your {module} add-on so everything ends on the "
            "same day.",
            "Happy to extend the current term by a month while the renewal works its way "
            "through approvals.",
        ),
        notes=(
            "{account} renewal is due {date}; they expect to renew at the same seat count.",
            "Renewal order form for {account} is out for signature, {amount} for twelve months.",
            "{account} asked to co-term their renewal with the {module} add-on.",
            "Started the renewal conversation with {account} early; procurement wants the "
            "form 30 days ahead.",
        ),
        questions=(
            "Is the paperwork to extend {account}'s subscription for another year in motion?",
            "When does {account}'s current agreement expire, and what has been prepared to "
            "extend it?",
            "What admin steps are underway to roll {account} over into a new term?",
        ),
    ),
    _Topic(
        key="onboarding",
        weight=0.9,
        subjects=(
            "Welcome to {product}, {account}!",
            "{account} kickoff and training",
            "{account} setup questions",
            "Getting {account} started",
        ),
        call_titles=("kickoff", "admin training", "setup session"),
        customer=(
            "Our admins are ready to start setup but we haven't received the kickoff invite yet.",
            "Could you share a training plan for the {seats} users coming on in the first wave?",
            "We're struggling to import our historical data; the CSV template keeps "
            "rejecting rows.",
            "Who is our point of contact for onboarding now that the contract is signed?",
            "Our admins need a sandbox to practice in before we invite everyone.",
        ),
        rep=(
            "Welcome aboard! I'm setting up the kickoff with our onboarding team for {weekday}.",
            "Your customer success manager will run two admin training sessions next week.",
            "I'll send the data import template and the onboarding checklist by {weekday}.",
            "The first phase covers SSO setup, user provisioning and a pilot with {n} users.",
            "Our help center has short videos for every admin task if your team prefers "
            "self-paced learning.",
        ),
        notes=(
            "Kickoff with {account} scheduled; first wave is {seats} users on {product}.",
            "{account} admins are stuck on the data import during setup.",
            "{account} asked for a recorded admin training they can share internally.",
            "Onboarding for {account} is on track: SSO configured and pilot group active.",
        ),
        questions=(
            "How is getting {account} up and running on the platform going since they bought?",
            "Is {account} having trouble with their initial configuration and teaching "
            "their staff?",
            "What's happening with enabling {account}'s first group of people on our product?",
        ),
        ticket_subjects=(
            "Data import rejecting rows during setup",
            "Kickoff invite and admin training request",
            "SSO setup help needed for new workspace",
            "User provisioning not working for first wave",
        ),
    ),
    _Topic(
        key="integration_bug",
        weight=0.9,
        subjects=(
            "{account}: {integration} sync errors",
            "{account} API issue",
            "Problem with the {integration} connector ({account})",
        ),
        call_titles=("integration troubleshooting", "API issue review", "technical sync"),
        customer=(
            "The {integration} sync has been failing since {weekday} and records are "
            "missing on our side.",
            "Every time the webhook fires we get a 500 error back from your API.",
            "Custom fields aren't mapping correctly between {product} and {integration}.",
            "The nightly export job times out after about twenty minutes.",
            "Our developers are seeing duplicate contacts created by the connector.",
        ),
        rep=(
            "Engineering reproduced the sync failure and a fix is going into next week's release.",
            "Could you send the request IDs from the failing API calls so we can trace them?",
            "As a workaround, re-running the sync manually should backfill the missing records.",
            "I've escalated the connector issue to our integrations team as a priority.",
        ),
        notes=(
            "{account} hitting API errors on the {integration} connector; engineering is "
            "reproducing.",
            "{account} reports duplicate records created by the sync job.",
            "Field mapping between {product} and {integration} is broken for {account}.",
        ),
        questions=(
            "Is {account} experiencing a broken link between our software and another "
            "system they run?",
            "What technical problems has {account} reported with data flowing into their "
            "other tools?",
            "Is there a defect affecting {account}'s data synchronization?",
        ),
        ticket_subjects=(
            "{integration} sync failing with timeout errors",
            "Webhook deliveries returning HTTP 500",
            "Custom field mapping broken after update",
            "Duplicate records created by connector",
            "Nightly export job times out",
        ),
    ),
    _Topic(
        key="security_review",
        weight=1.0,
        subjects=(
            "{account} security questionnaire",
            "SOC 2 report for {account}",
            "{account}: infosec follow-ups",
            "Security documentation ({account})",
        ),
        call_titles=("security review", "infosec deep dive", "architecture and security Q&A"),
        customer=(
            "Our security team sent over a questionnaire and we can't sign until it's completed.",
            "Can you share your latest SOC 2 Type II report and pen test summary?",
            "Infosec has a few follow-up questions on data retention and encryption at rest.",
            "The security questionnaire is holding up signature on our side.",
            "We also need your DPA and a list of sub-processors for legal.",
        ),
        rep=(
            "I've uploaded our SOC 2 report and the completed questionnaire to the data room.",
            "Our security engineer can join a call {weekday} to walk through the architecture.",
            "All customer data is encrypted at rest with AES-256 and in transit with TLS 1.2 "
            "or higher.",
            "I'll get the remaining security answers back to you by {weekday}.",
        ),
        notes=(
            "{account} deal blocked on their security questionnaire; SOC 2 report sent.",
            "{account} infosec wants a call on encryption and data residency.",
            "Security review at {account} still open, {n} questions outstanding.",
        ),
        questions=(
            "Is the vendor risk assessment stalling our contract with {account}?",
            "What compliance paperwork has {account} requested before they will commit?",
            "Are we waiting on {account}'s audit and risk people to approve us?",
        ),
        ticket_subjects=(
            "Request for SOC 2 Type II report",
            "Security questionnaire follow-up questions",
            "Question about data retention policy",
            "Need updated sub-processor list",
        ),
    ),
    _Topic(
        key="competitor",
        weight=1.0,
        subjects=(
            "{account} evaluation next steps",
            "{our} vs. {competitor} for {account}",
            "{account}: comparison you asked for",
        ),
        call_titles=("evaluation debrief", "competitive review", "decision criteria"),
        customer=(
            "We're also evaluating {competitor}, and frankly their demo was strong.",
            "{competitor} is offering a free pilot, so we need a reason to pick you.",
            "Our sales team already uses {competitor}, so the switching cost is a real concern.",
            "Leadership asked for a side-by-side of you versus {competitor} before we decide.",
        ),
        rep=(
            "Happy to put together a comparison against {competitor} focused on your use case.",
            "Teams that moved off {competitor} usually cite our reporting and admin controls.",
            "I can connect you with a reference customer who switched from {competitor} last year.",
            "I'll send the competitive comparison over by {weekday}.",
        ),
        notes=(
            "{account} is running a bake-off between us and {competitor}.",
            "{competitor} came in with an aggressive pilot offer at {account}.",
            "{account} shortlisted {competitor} and us; decision expected by {date}.",
        ),
        questions=(
            "Which rival vendor is {account} weighing us against?",
            "Who else is {account} considering besides us?",
            "Is another provider trying to win {account}'s business?",
        ),
    ),
    _Topic(
        key="timeline",
        weight=0.9,
        subjects=(
            "{account} implementation plan",
            "{account} project timeline",
            "Rollout schedule for {account}",
        ),
        call_titles=("implementation planning", "project timeline review", "rollout planning"),
        customer=(
            "We need to be fully live by {date} because of our fiscal year planning.",
            "Realistically, how long does implementation take for a team our size?",
            "The project plan slipped on our side; our IT team is tied up until {month}.",
            "Can we phase the rollout, starting with one region and expanding later?",
        ),
        rep=(
            "Here's a draft project plan: kickoff {date}, pilot in three weeks, full rollout "
            "by {month}.",
            "Our professional services team can run the implementation in parallel workstreams.",
            "If kickoff slips past {month}, the go-live date moves with it.",
            "I'll send the project plan with milestones by {weekday}.",
        ),
        notes=(
            "{account} needs to be live by {date}; implementation plan shared.",
            "{account} IT capacity constrained until {month}; rollout pushed.",
            "{account} wants a phased rollout starting with one region.",
        ),
        questions=(
            "What schedule has {account} laid out for deploying across their organization?",
            "When does {account} expect the deployment to be complete, and has it been delayed?",
            "What dates are we working toward to get {account} into production?",
        ),
    ),
    _Topic(
        key="legal",
        weight=0.8,
        subjects=(
            "{account} MSA redlines",
            "{account} contract comments",
            "Legal review: {account}",
        ),
        call_titles=("contract review", "legal redlines", "MSA walkthrough"),
        customer=(
            "Legal sent back redlines on the MSA, mostly around liability caps and "
            "indemnification.",
            "We can't accept the auto-renewal clause as written.",
            "Our counsel wants the governing law changed to Delaware.",
            "The limitation of liability needs to be at least twelve months of fees.",
        ),
        rep=(
            "Our legal team accepted most of your redlines; the open item is the indemnity "
            "language.",
            "I've attached the updated MSA with tracked changes.",
            "We can agree to mutual termination for convenience with ninety days' notice.",
            "I'll get our counsel's comments back to you by {weekday}.",
        ),
        notes=(
            "{account} legal redlined the MSA; the liability cap is the sticking point.",
            "Contract with {account} in legal review, {n} open redlines.",
            "{account} counsel rejected the auto-renewal clause.",
        ),
        questions=(
            "What contract terms are {account}'s lawyers disputing?",
            "Is {account}'s attorney pushing back on clauses in our master agreement?",
            "Where do the paper negotiations stand with {account}'s attorneys?",
        ),
    ),
    _Topic(
        key="churn_risk",
        weight=0.8,
        subjects=(
            "{account} account health",
            "Checking in on {account} usage",
            "{account}: concerns about value",
        ),
        call_titles=("account health check", "executive check-in", "success plan review"),
        customer=(
            "Honestly, adoption has been low and leadership is questioning the value.",
            "We're not sure we'll continue after this term unless things improve.",
            "Only a handful of people log in each week; the rest went back to spreadsheets.",
            "Our new CRO is reviewing every tool, and yours is on the list to cut.",
        ),
        rep=(
            "I hear you, and I want to put a success plan in place to turn usage around.",
            "Can we set up an executive business review to show what the team has achieved?",
            "I'll pull usage data by team so we can see where adoption stalled.",
            "We can give your team free training sessions to get adoption back up.",
        ),
        notes=(
            "{account} is a churn risk: weekly active users down {pct}% since {month}.",
            "Low adoption at {account}; exec sponsor questioning value.",
            "{account} flagged as at-risk; success plan and EBR proposed.",
        ),
        questions=(
            "Is {account} likely to leave us, and why are they unhappy?",
            "What warning signs do we have that {account} may cancel?",
            "Which signals suggest {account} is disengaging from what we sell?",
        ),
    ),
    _Topic(
        key="expansion",
        weight=0.8,
        subjects=(
            "{account}: more seats",
            "Adding {module} for {account}",
            "{account} add-on quote",
        ),
        call_titles=("expansion discussion", "growth planning", "add-on scoping"),
        customer=(
            "Our marketing team saw the dashboards and wants access too, maybe {seats} more seats.",
            "We're opening a new office in {month} and will need licenses for that team.",
            "Can you quote {module} for our operations group as well?",
            "The pilot went well, so we'd like to extend it to the whole division.",
        ),
        rep=(
            "Great news! I'll prepare a quote to add {seats} seats mid-term, prorated.",
            "Adding {module} would bring the annual total to {amount}.",
            "I can extend your current pricing to the new seats if we co-term them.",
            "I'll send an add-on order form by {weekday}.",
        ),
        notes=(
            "{account} wants to add {seats} seats for marketing; upsell worth around {amount}.",
            "{account} interested in {module} for their ops team.",
            "Pilot at {account} was a success; division-wide deployment proposed.",
        ),
        questions=(
            "Does {account} want to grow their footprint with us, and by how much?",
            "Is there a chance to sell more licenses into {account}?",
            "Is {account} looking to buy additional capacity for other departments?",
        ),
    ),
    _Topic(
        key="invoice_dispute",
        weight=0.7,
        subjects=(
            "{account} invoice question",
            "Billing issue: {account}",
            "{account}: invoice {invoice}",
        ),
        call_titles=("billing review", "invoice discussion", "finance sync"),
        customer=(
            "We were charged twice on invoice {invoice}, please issue a credit.",
            "The invoice shows {seats} seats but we only have {n} active users.",
            "Accounts payable flagged a late fee that we don't think applies.",
            "The PO number on the invoice is wrong so AP can't process it.",
        ),
        rep=(
            "I've asked our billing team to issue a credit memo for the duplicate charge.",
            "You're right, the seat count on that invoice was wrong; a corrected one is coming.",
            "Finance confirmed the late fee will be waived.",
            "I'll get you a corrected invoice by {weekday}.",
        ),
        notes=(
            "{account} disputes invoice {invoice}: duplicate charge, credit memo requested.",
            "Billing error on the {account} invoice: wrong seat count.",
            "{account} AP is holding payment until the PO number is fixed.",
        ),
        questions=(
            "Is {account} contesting a bill we sent them?",
            "What billing complaint did {account} raise about the amount they were charged?",
            "Does {account} believe we overcharged them?",
        ),
        ticket_subjects=(
            "Duplicate charge on invoice {invoice}",
            "Incorrect seat count billed",
            "Late fee dispute",
            "Wrong PO number on invoice {invoice}",
        ),
    ),
    _Topic(
        key="outage",
        weight=0.6,
        subjects=(
            "{account}: service disruption",
            "Incident follow-up for {account}",
            "{account} downtime this morning",
        ),
        call_titles=("incident review", "post-incident call", "escalation call"),
        customer=(
            "The app has been down for our whole team since this morning.",
            "Dashboards are loading extremely slowly; pages take over a minute.",
            "We lost about two hours of work during yesterday's incident.",
            "Is there a status page we can follow? Our execs keep asking for updates.",
        ),
        rep=(
            "Our on-call team identified a database failover issue and service is restored.",
            "The root cause analysis will be shared within five business days.",
            "I'm sorry for the disruption; we're reviewing a service credit under the SLA.",
            "You can follow updates on our status page, and I'll email you personally when "
            "it's resolved.",
        ),
        notes=(
            "{account} impacted by the {weekday} incident; RCA promised.",
            "{account} reports severe latency on dashboards.",
            "{account} asking for SLA credits after the downtime.",
        ),
        questions=(
            "Was {account} affected by a service interruption, and what did we tell them?",
            "Did {account} complain about our platform being unavailable or sluggish?",
            "Has {account} asked for compensation after a production problem on our end?",
        ),
        ticket_subjects=(
            "Application unavailable for all users",
            "Severe latency loading dashboards",
            "Login page returning 503",
            "Request for RCA after incident",
        ),
    ),
    _Topic(
        key="feature_request",
        weight=0.7,
        subjects=(
            "{account} product feedback",
            "Feature request from {account}",
            "{account}: roadmap question",
        ),
        call_titles=("product feedback session", "roadmap review", "feature discussion"),
        customer=(
            "It would really help if we had {feature}.",
            "Is there any plan to support {feature}? Our admins keep asking.",
            "We need {feature} for compliance; is that on the roadmap?",
            "Our users keep asking for {feature}, and it comes up in every team meeting.",
        ),
        rep=(
            "I've logged the request with product and linked it to your account.",
            "That is on the roadmap for next quarter; I'll keep you posted.",
            "I'll set up a call with our product manager so you can share the use case directly.",
            "There isn't a native option today, but there's a workaround using the API.",
        ),
        notes=(
            "{account} requesting {feature}; added to the product board.",
            "{account} wants {feature} before expanding.",
            "Roadmap question from {account} about {feature}.",
        ),
        questions=(
            "What capability has {account} said is missing from our product?",
            "What enhancement did {account} ask our builders to add?",
            "Is {account} waiting on some new functionality from us?",
        ),
        ticket_subjects=(
            "Feature request: {feature}",
            "Request for {feature}",
            "Enhancement: {feature}",
        ),
    ),
    _Topic(
        key="champion_leaving",
        weight=0.5,
        subjects=(
            "{account}: personal news",
            "Transition at {account}",
            "{account} point of contact change",
        ),
        call_titles=("handover call", "transition planning", "relationship check-in"),
        customer=(
            "Heads up: I'm leaving {account} at the end of the month.",
            "Our project lead is moving on, so I'll be your main contact going forward.",
            "My last day is {date}; I want to make sure the project doesn't stall.",
            "Our sponsor for this project has resigned, and we're figuring out who owns it now.",
        ),
        rep=(
            "Thanks for letting me know, and congratulations on the new role!",
            "Could you introduce me to whoever takes over the relationship before you go?",
            "I'll set up a handover call so nothing falls through the cracks.",
            "Would it help if we brought your successor up to speed with a short demo?",
        ),
        notes=(
            "Our champion at {account} is leaving; need to rebuild the relationship.",
            "{account} sponsor resigned; new owner not yet identified.",
            "Handover underway at {account} after {contact} departs.",
        ),
        questions=(
            "Is our main advocate at {account} departing?",
            "Who at {account} that supported us is going away, and what's the plan?",
            "Have we lost our internal supporter at {account}?",
        ),
    ),
    _Topic(
        key="budget_freeze",
        weight=0.6,
        subjects=(
            "{account}: timing update",
            "{account} budget situation",
            "Update on {account} purchase",
        ),
        call_titles=("budget check-in", "deal timing review", "finance update"),
        customer=(
            "Finance just froze all new software spend until next quarter.",
            "We still want to move forward, but there's a hiring and spending freeze.",
            "Budget got cut by {pct}% across the department, so timing is uncertain.",
            "The CFO has to approve every purchase over {amount} now.",
        ),
        rep=(
            "Understood. Would a smaller starter package fit under the approval threshold?",
            "We could split the payment across two fiscal years if that helps.",
            "I'll check back in {month} when the new budget cycle opens.",
            "Can we keep the deal in draft so we're ready when spend reopens?",
        ),
        notes=(
            "{account} on a spending freeze; deal pushed to {month}.",
            "{account} budget cut {pct}%; exploring a smaller starter package.",
            "All purchases over {amount} at {account} now need CFO sign-off.",
        ),
        questions=(
            "Has {account} put purchases on hold because money is tight?",
            "Why did {account} pause buying, and when might funds open up again?",
            "Is {account} unable to commit financially right now?",
        ),
    ),
)
_TOPIC_BY_KEY = {t.key: t for t in _TOPICS}
_TICKET_TOPICS = tuple(t for t in _TOPICS if t.ticket_subjects)
_DEFECTS = ("integration_bug", "outage")
_DONE = ("solved", "closed")

_OPENERS = (
    "Thanks for the quick reply.",
    "Hope your week is off to a good start.",
    "Following up on our conversation from earlier.",
    "Quick update below.",
    "Sorry for the slow response; it's been a hectic few days.",
    "Thanks again for your time on the call.",
    "Circling back on this.",
)
_CLOSERS = {
    "customer": (
        "Let me know what you think.",
        "Appreciate the help.",
        "Thanks in advance for looking into it.",
        "Looking forward to hearing back.",
    ),
    "rep": (
        "Let me know if a quick call {weekday} would help.",
        "Happy to jump on a call if that's easier.",
        "Let me know if you have any questions.",
        "Looking forward to your thoughts.",
    ),
    "notes": (
        "Flagging so it's on your radar.",
        "Let me know if you want to join the next call.",
        "Can we discuss in our 1:1?",
        "No action needed yet, just keeping you posted.",
    ),
}
_SIGNOFFS = ("Best,", "Thanks,", "Cheers,", "Regards,", "Best regards,", "Thank you,")
_CALL_OPENERS = (
    ("rep", "Thanks for making the time today, {contact}."),
    ("rep", "Hi everyone, can you hear me okay?"),
    ("customer", "Sorry I'm a couple of minutes late, the previous meeting ran over."),
    ("rep", "Good to see you again, {contact}. I've got thirty minutes blocked."),
)
_CALL_FILLERS = {
    "customer": (
        "Right.",
        "Makes sense.",
        "Okay, that's helpful.",
        "Got it.",
        "Hmm, let me think about that.",
    ),
    "rep": ("Understood.", "That's fair.", "Good question.", "Totally get that."),
}
_CALL_COMMITMENTS = (
    "I'll send a recap with next steps by {weekday}.",
    "I'll follow up by email this afternoon with the notes.",
    "Let me get you an answer on that by {weekday}.",
    "I'll put something on the calendar for next week.",
)
_CALL_GOODBYES = (
    "Sounds good, thanks.",
    "Great, talk soon.",
    "Perfect. Thanks, {rep}.",
    "Works for me. Have a good {weekday}.",
)
_SUPPORT_COMMENTS = (
    "Waiting on the customer to confirm.",
    "Followed up with the customer, no response yet.",
    "Assigned to the right team; next update within 24 hours.",
    "Added notes from today's call with the customer.",
)
_DEFECT_COMMENTS = (
    "Reproduced in staging; escalated to tier 2.",
    "Added logs from the affected workspace.",
    "Engineering is investigating; next update within 24 hours.",
    "Shared a workaround with the customer while the fix is in review.",
)
_CLOSING_COMMENTS = (
    "Customer confirmed this is resolved; closing.",
    "Marking as solved. Reopen if it comes back.",
    "Resolved per the customer's reply this morning.",
)
_PLANT_CODE = {
    "customer": (
        "For reference, we're currently licensed for {code}.",
        "Does this also apply to {code}?",
        "The line item I'm asking about is {code}.",
    ),
    "rep": (
        "This applies to {code} specifically.",
        "For reference, your current plan includes {code}.",
        "I've noted {code} on the order form.",
    ),
    "notes": ("Relevant SKU: {code}.", "They run {code} today.", "Product in scope: {code}."),
}
_PLANT_TICKET = {
    "customer": (
        "This is related to ticket {ticket}.",
        "Any update on {ticket}?",
        "We logged it as {ticket} with your support team.",
    ),
    "rep": (
        "I'm tracking this under {ticket}.",
        "Support is working on {ticket} and I'll share updates as they come.",
        "I've linked this to {ticket} so the context is in one place.",
    ),
    "notes": (
        "See {ticket} for details.",
        "Linked support ticket: {ticket}.",
        "Related to {ticket}.",
    ),
}
_PLANT_PERSON = {
    "customer": (
        "{person}, our {role}, will join the next conversation.",
        "Please loop in {person}, our {role}, going forward.",
        "I've asked {person} ({role}) to weigh in as well.",
    ),
    "rep": (
        "Would it make sense to include {person} on the next call?",
        "I had a good intro call with {person} last week.",
        "Could you loop in {person} so we have everyone aligned?",
    ),
    "notes": (
        "New stakeholder: {person}, {role}.",
        "{person} ({role}) is now involved on their side.",
        "Met {person}, their {role}.",
    ),
}
_KEYWORD_TEMPLATES = {
    "ticket": (
        "{term}",
        "What is the status of {term}?",
        "Find everything about {term}",
        "{term} updates",
        "Which conversations reference {term}?",
    ),
    "code": (
        "{term}",
        "Which customers asked about {term}?",
        "mentions of {term}",
        "Anything on {term} in recent emails or calls?",
    ),
    "person": (
        '"{term}"',
        'Who is "{term}"?',
        'Find mentions of "{term}"',
        'What do we know about "{term}"?',
    ),
}


# =========================================================================== generation


@dataclass(frozen=True)
class _Person:
    id: str
    name: str
    email: str
    title: str
    team: int | None = None

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass
class _AccountPlan:
    id: str
    name: str
    owner: _Person
    domain: str
    contacts: list[_Person]
    deal_ids: list[str]
    amount: int
    mentioned: list[tuple[str, str]]  # (full name, role) planted in text only
    tickets: list[tuple[datetime, str]] = field(default_factory=list)  # (when, TCK-n)


@dataclass
class _DocPlan:
    """A document and the facts planted in it, from which questions are answered."""

    id: str
    account_id: str
    topics: tuple[str, ...]
    terms: list[str]  # ticket numbers, product codes and names in its authored text
    record: dict[str, Any]


def generate(seed: int = 7, *, docs_per_org: int = 1500) -> SampleCRM:
    """Generate two orgs, their documents and their questions, deterministically.

    Args:
        seed: Same seed, same output (byte for byte once serialised).
        docs_per_org: Emails + calls + tickets per org (about 55/20/25%).

    Returns:
        The CRM; every record validates with :func:`copilot.records.parse_record`.

    Raises:
        ValueError: ``docs_per_org`` is not between 1 and 45,000 (five-digit ticket
            numbers run out beyond that).
    """
    if not 1 <= docs_per_org <= _MAX_DOCS_PER_ORG:
        raise ValueError(
            f"docs_per_org must be between 1 and {_MAX_DOCS_PER_ORG}, got {docs_per_org!r}"
        )
    rng = random.Random(seed)
    ticket_numbers = rng.sample(range(10000, 100000), 2 * docs_per_org)
    entities: list[list[dict[str, Any]]] = [[] for _ in range(5)]
    documents: list[dict[str, Any]] = []
    questions: list[Question] = []
    for n, spec in enumerate(_ORG_SPECS):
        numbers = sorted(ticket_numbers[n * docs_per_org : (n + 1) * docs_per_org])
        org = _OrgBuilder(spec, random.Random(rng.getrandbits(64)), numbers)
        for bucket, recs in zip(entities, org.entities(), strict=True):
            bucket.extend(recs)
        docs = org.documents(docs_per_org)
        documents.extend(d.record for d in docs)
        questions.extend(org.questions(docs))
    documents.sort(key=lambda r: (r["occurred_at"], r["org"], r["id"]))
    records = [r for bucket in entities for r in bucket] + documents
    for rec in records:
        parse_record(rec)  # a generator bug must fail here, not at ingest
    return SampleCRM(seed=seed, records=records, questions=questions)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")


class _OrgBuilder:
    """Builds one org; all randomness comes from its own ``rng``."""

    def __init__(self, spec: _OrgSpec, rng: random.Random, ticket_numbers: list[int]):
        self.spec = spec
        self.rng = rng
        self.ticket_numbers = ticket_numbers
        self.serial = 0
        self.names = self._name_pool()
        self.teams = [(self._id("t"), name) for name in spec.teams]
        self.users: list[_Person] = []
        self.user_records: list[dict[str, Any]] = []
        self.manager_of: dict[str, str] = {}
        self.accounts: list[_AccountPlan] = []
        self.codes = self._product_codes()

    # ---- ids and names

    def _id(self, prefix: str) -> str:
        self.serial += 1
        return f"{self.spec.org}-{prefix}-{self.serial}"

    def _name_pool(self) -> list[str]:
        names = [f"{f} {last}" for f in _FIRST_NAMES for last in _LAST_NAMES]
        self.rng.shuffle(names)
        return names

    def _product_codes(self) -> list[str]:
        rng = self.rng
        codes: list[str] = []
        while len(codes) < 40:
            if self.spec.code_style == "sku":
                letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTVWXZ") for _ in range(2))
                code = f"SKU-{letters}{rng.randrange(100, 1000, 50)}"
            else:
                code = f"{rng.choice(('PX', 'GX', 'RT', 'MX', 'QL'))}-{rng.randint(1, 99)}"
            # No code may be a prefix of another, so exact search has one answer set.
            if not any(c.startswith(code) or code.startswith(c) for c in codes):
                codes.append(code)
        return codes

    # ---- entities

    def entities(self) -> tuple[list[dict[str, Any]], ...]:
        """Teams, users, accounts, contacts, deals: each list in ingest order."""
        teams = [{"type": "team", "org": self.spec.org, "id": i, "name": n} for i, n in self.teams]
        self._hierarchy()
        accounts, contacts, deals = self._accounts()
        return teams, self.user_records, accounts, contacts, deals

    def _add_user(self, role: str, title: str, team: int | None, manager: str | None) -> str:
        name = self.names.pop()
        person = _Person(self._id("u"), name, f"{_slug(name)}@{self.spec.domain}", title, team)
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

    def _sellers(self) -> list[_Person]:
        return [u for u in self.users if u.title == "Account Executive"]

    def _support(self) -> list[_Person]:
        return [u for u in self.users if u.team == self.spec.support_team]

    def _accounts(self) -> tuple[list[dict[str, Any]], ...]:
        rng, org = self.rng, self.spec.org
        # One name per prefix, so no two accounts of an org are easily confused.
        names = [f"{p} {rng.choice(list(_COMPANY_SUFFIXES))}" for p in _COMPANY_PREFIXES]
        mentioned = [f"{f} {last}" for f in _FIRST_NAMES for last in _MENTIONED_LAST_NAMES]
        rng.shuffle(mentioned)
        accounts, contacts, deals = [], [], []
        for name in rng.sample(names, rng.randint(44, 56)):
            domain = f"{_slug(name).replace('.', '')}.example"
            acct = _AccountPlan(
                id=self._id("a"),
                name=name,
                owner=rng.choice(self._sellers()),
                domain=domain,
                contacts=[],
                deal_ids=[],
                amount=rng.randrange(8_000, 400_000, 500),
                mentioned=[
                    (mentioned.pop(), rng.choice(_MENTIONED_ROLES))
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
                    "industry": _COMPANY_SUFFIXES[name.split()[-1]],
                }
            )
            contacts.extend(self._contacts(acct))
            deals.extend(self._deals(acct))
            self.accounts.append(acct)
        return accounts, contacts, deals

    def _contacts(self, acct: _AccountPlan) -> list[dict[str, Any]]:
        out = []
        for title in self.rng.sample(_CONTACT_TITLES, self.rng.randint(2, 4)):
            name = self.names.pop()
            person = _Person(self._id("c"), name, f"{_slug(name)}@{acct.domain}", title)
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

    def _deals(self, acct: _AccountPlan) -> list[dict[str, Any]]:
        rng, out = self.rng, []
        kinds = ("New Business", "Expansion", "Renewal", *self.spec.modules)
        for kind in rng.sample(kinds, rng.randint(1, 3)):
            stage = rng.choice(_STAGES)
            closed = stage.startswith("Closed")
            close = (
                date(2025, 12, 1) + timedelta(days=rng.randint(0, 340))
                if closed
                else date(2026, 11, 20) + timedelta(days=rng.randint(0, 200))
            )
            deal_id = self._id("d")
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

    # ---- documents

    def documents(self, count: int) -> list[_DocPlan]:
        """Tickets first (so emails and calls can cite earlier tickets), then the rest."""
        n_tickets, n_calls = round(count * 0.25), round(count * 0.2)
        weights = [1 / (rank + 1) ** 0.7 for rank in range(len(self.accounts))]
        accounts = self.rng.choices(self.accounts, weights, k=count)
        dates = sorted(self._when() for _ in range(n_tickets))
        docs = [
            self._ticket(a, at, n)
            for a, at, n in zip(accounts[:n_tickets], dates, self.ticket_numbers, strict=False)
        ]
        for acct in accounts[n_tickets : n_tickets + n_calls]:
            docs.append(self._call(acct))
        for acct in accounts[n_tickets + n_calls :]:
            docs.append(self._email(acct))
        return docs

    def _when(self) -> datetime:
        rng = self.rng
        day = _END - timedelta(days=rng.randint(0, _SPAN_DAYS - 3))
        if day.weekday() >= 5 and rng.random() < 0.85:  # little happens at weekends
            day -= timedelta(days=day.weekday() - 4)
        return day.replace(
            hour=rng.randint(13, 22), minute=rng.randint(0, 59), second=rng.randint(0, 59)
        )

    def _topic(self, pool: Sequence[_Topic] = _TOPICS) -> _Topic:
        return self.rng.choices(list(pool), [t.weight for t in pool])[0]

    def _owner(self, acct: _AccountPlan, *, support_first: bool = False) -> _Person:
        rng = self.rng
        roll = rng.random()
        if roll < (0.6 if support_first else 0.12):
            return rng.choice(self._support())
        if roll > 0.9:
            managers = [u for u in self.users if u.id in self.manager_of.values()]
            return rng.choice(managers)
        return acct.owner

    def _access(self, owner: _Person) -> dict[str, Any]:
        rng = self.rng
        out: dict[str, Any] = {
            "owner_id": owner.id,
            "visibility": rng.choices(("private", "team", "org"), (35, 40, 25))[0],
        }
        if rng.random() < 0.15:
            others = [u.id for u in self.users[1:] if u.id != owner.id]
            teams = [f"team:{t}" for t, _ in self.teams]
            out["shared_with"] = rng.sample(others + teams, rng.randint(1, 2))
        return out

    def _slots(self, acct: _AccountPlan, at: datetime, rep: _Person) -> dict[str, Any]:
        rng = self.rng
        later = at + timedelta(days=rng.randint(7, 45))
        return {
            "account": acct.name,
            "our": self.spec.company,
            "product": self.spec.product,
            "module": rng.choice(self.spec.modules),
            "competitor": rng.choice(_COMPETITORS),
            "integration": rng.choice(_INTEGRATIONS),
            "feature": rng.choice(_FEATURES),
            "contact": rng.choice(acct.contacts).first,
            "rep": rep.first,
            "amount": f"${round(acct.amount * rng.uniform(0.6, 1.4), -2):,.0f}",
            "pct": rng.choice(_PCTS),
            "seats": rng.choice(_SEATS),
            "n": rng.randint(3, 12),
            "weekday": rng.choice(_WEEKDAYS),
            "date": f"{later:%B} {later.day}",
            "month": f"{at + timedelta(days=rng.randint(40, 120)):%B}",
            "invoice": f"INV-{at.year}-{rng.randint(1000, 9999)}",
        }

    def _lines(self, topic: _Topic, voice: str, k: int, slots: dict[str, Any]) -> list[str]:
        pool: tuple[str, ...] = getattr(topic, voice)
        return [s.format(**slots) for s in self.rng.sample(pool, min(k, len(pool)))]

    def _plants(
        self, acct: _AccountPlan, voice: str, at: datetime, *, cite_tickets: bool = True
    ) -> tuple[list[str], list[str]]:
        """Sentences carrying keyword facts, and the facts they carry."""
        rng, sentences, terms = self.rng, [], []
        if rng.random() < 0.07:
            code = rng.choice(self.codes[: 10 + rng.randint(0, 30)])  # some codes are common
            sentences.append(rng.choice(_PLANT_CODE[voice]).format(code=code))
            terms.append(code)
        earlier = [t for when, t in acct.tickets if when < at]
        if cite_tickets and earlier and rng.random() < 0.12:
            ticket = rng.choice(earlier[-3:])
            sentences.append(rng.choice(_PLANT_TICKET[voice]).format(ticket=ticket))
            terms.append(ticket)
        if rng.random() < 0.05:
            person, role = rng.choice(acct.mentioned)
            sentences.append(rng.choice(_PLANT_PERSON[voice]).format(person=person, role=role))
            terms.append(person)
        return sentences, terms

    def _base(self, kind: str, doc_id: str, owner: _Person, at: datetime) -> dict[str, Any]:
        return {
            "type": kind,
            "org": self.spec.org,
            "id": doc_id,
            **self._access(owner),
            "occurred_at": _iso(at),
        }

    def _deal_for(self, acct: _AccountPlan) -> dict[str, str]:
        return {"deal_id": self.rng.choice(acct.deal_ids)} if self.rng.random() < 0.6 else {}

    # ---- tickets

    def _ticket(self, acct: _AccountPlan, at: datetime, number: int) -> _DocPlan:
        rng = self.rng
        topic = self._topic(_TICKET_TOPICS)
        owner = self._owner(acct, support_first=True)
        contact = rng.choice(acct.contacts)
        slots = self._slots(acct, at, owner)
        tck = f"TCK-{number}"
        status = rng.choices(("open", "pending", "solved", "closed"), (25, 20, 35, 20))[0]
        subject = rng.choice(topic.ticket_subjects).format(**slots)
        body_lines = self._lines(topic, "customer", rng.randint(1, 3), slots)
        plants, terms = self._plants(acct, "customer", at, cite_tickets=False)
        body = " ".join(body_lines + plants)
        body += f"\n\nReported by {contact.name} ({contact.title}, {acct.name})."
        if topic.key in _DEFECTS and rng.random() < 0.6:
            body += f" Impact: {slots['n'] * 10} users affected."
        record = {
            **self._base("ticket", f"{self.spec.org}-tk-{number}", owner, at),
            "account_id": acct.id,
            "contact_id": contact.id,
            "subject": f"[{tck}] {subject} ({acct.name})",
            "body": body,
            "status": status,
            "priority": self._priority(topic),
            "comments": self._comments(topic, owner, at, slots, resolved=status in _DONE),
        }
        acct.tickets.append((at, tck))
        return _DocPlan(record["id"], acct.id, (topic.key,), [tck, *terms], record)

    def _priority(self, topic: _Topic) -> str:
        weights = (5, 20, 40, 35) if topic.key == "outage" else (25, 45, 22, 8)
        return self.rng.choices(("low", "normal", "high", "urgent"), weights)[0]

    def _comments(
        self,
        topic: _Topic,
        owner: _Person,
        at: datetime,
        slots: dict[str, Any],
        *,
        resolved: bool,
    ) -> list[dict[str, str]]:
        rng = self.rng
        support = _SUPPORT_COMMENTS + (_DEFECT_COMMENTS if topic.key in _DEFECTS else ())
        texts = [
            rng.choice(topic.rep).format(**slots) if rng.random() < 0.5 else rng.choice(support)
            for _ in range(rng.choices((0, 1, 2, 3), (15, 35, 30, 20))[0])
        ]
        if resolved:
            texts.append(rng.choice(_CLOSING_COMMENTS))
        out, when = [], at
        for text in texts:
            when = min(when + timedelta(hours=rng.randint(1, 60), minutes=rng.randint(0, 59)), _END)
            author = owner if rng.random() < 0.6 else rng.choice(self._support())
            out.append({"author_id": author.id, "at": _iso(when), "body": text})
        return out

    # ---- calls

    def _call(self, acct: _AccountPlan) -> _DocPlan:
        rng = self.rng
        at = self._when()
        topics = [self._topic()]
        if rng.random() < 0.3:
            second = self._topic()
            if second.key != topics[0].key:
                topics.append(second)
        owner = self._owner(acct)
        guests = rng.sample(acct.contacts, min(len(acct.contacts), rng.randint(1, 2)))
        slots = self._slots(acct, at, owner)
        slots["contact"] = guests[0].first
        if rng.random() < 0.15:
            transcript, terms = self._call_notes(acct, owner, guests, topics, at, slots)
        else:
            transcript, terms = self._transcript(acct, owner, guests, topics, at, slots)
        title = (
            f"{acct.name} / {self.spec.company}: {rng.choice(topics[0].call_titles)}"
            if len(topics) == 1
            else f"Weekly sync with {acct.name}"
        )
        record = {
            **self._base("call", self._id("cl"), owner, at),
            "account_id": acct.id,
            **self._deal_for(acct),
            "title": title,
            "participants": [owner.name] + [g.name for g in guests],
            "transcript": transcript,
        }
        return _DocPlan(record["id"], acct.id, tuple(t.key for t in topics), terms, record)

    def _transcript(
        self,
        acct: _AccountPlan,
        owner: _Person,
        guests: list[_Person],
        topics: list[_Topic],
        at: datetime,
        slots: dict[str, Any],
    ) -> tuple[str, list[str]]:
        rng = self.rng
        # Full names when first names would make two speakers look alike.
        full = (
            rng.random() < 0.5
            or owner.first in {g.first for g in guests}
            or (len({g.first for g in guests}) < len(guests))
        )
        rep_name = owner.name if full else owner.first
        guest_names = [g.name if full else g.first for g in guests]
        turns: list[tuple[str, str]] = [rng.choice(_CALL_OPENERS)]
        for topic in topics:
            said = self._lines(topic, "customer", 4, slots)
            answers = self._lines(topic, "rep", 3, slots)
            for n in range(rng.randint(2, 3)):
                # Some turns run to two sentences; no sentence is said twice.
                take = 2 if len(said) > 3 - n and rng.random() < 0.4 else 1
                turns.append(("customer", " ".join(said[:take]) or answers[-1]))
                del said[:take]
                if rng.random() < 0.25:
                    turns.append(("rep", rng.choice(_CALL_FILLERS["rep"])))
                turns.append(("rep", answers[n % len(answers)]))
                if rng.random() < 0.2:
                    turns.append(("customer", rng.choice(_CALL_FILLERS["customer"])))
        terms = []
        for voice in ("customer", "rep"):
            plants, found = self._plants(acct, voice, at)
            terms += found
            for sentence in plants:
                spot = rng.choice([i for i, (v, _) in enumerate(turns) if v == voice] or [0])
                turns[spot] = (turns[spot][0], f"{turns[spot][1]} {sentence}")
        turns.append(("rep", rng.choice(_CALL_COMMITMENTS)))
        turns.append(("customer", rng.choice(_CALL_GOODBYES)))
        lines = []
        for voice, text in turns:
            speaker = rep_name if voice == "rep" else rng.choice(guest_names)
            lines.append(f"{speaker}: {text.format(**slots)}")
        return "\n".join(lines), terms

    def _call_notes(
        self,
        acct: _AccountPlan,
        owner: _Person,
        guests: list[_Person],
        topics: list[_Topic],
        at: datetime,
        slots: dict[str, Any],
    ) -> tuple[str, list[str]]:
        rng = self.rng
        bullets = [line for t in topics for line in self._lines(t, "notes", 2, slots)]
        plants, terms = self._plants(acct, "notes", at)
        bullets += plants
        steps = [
            rng.choice(topics[0].rep).format(**slots),
            rng.choice(_CALL_COMMITMENTS).format(**slots),
        ]
        text = (
            f"Call notes, {at:%B} {at.day}\n"
            f"Attendees: {', '.join([owner.name] + [g.name for g in guests])}\n\n"
            + "\n".join(f"- {b}" for b in bullets)
            + "\n\nNext steps:\n"
            + "\n".join(f"- {s}" for s in steps)
        )
        return text, terms

    # ---- emails

    def _email(self, acct: _AccountPlan) -> _DocPlan:
        rng = self.rng
        at = self._when()
        topic = self._topic()
        owner = self._owner(acct)
        contact = rng.choice(acct.contacts)
        voice = rng.choices(("rep", "customer", "notes"), (45, 40, 15))[0]
        slots = self._slots(acct, at, owner)
        slots["contact"] = contact.first
        manager_id = self.manager_of.get(owner.id)
        manager = next((u for u in self.users if u.id == manager_id), owner)
        sender, recipient = {
            "rep": (owner, contact),
            "customer": (contact, owner),
            "notes": (owner, manager),
        }[voice]
        body, terms = self._email_body(acct, topic, voice, sender, recipient, at, slots)
        quoted = rng.random() < 0.3 and voice != "notes"
        subject = rng.choice(topic.subjects).format(**slots)
        record: dict[str, Any] = {
            **self._base("email", self._id("em"), owner, at),
            "account_id": acct.id,
            **({"contact_id": contact.id} if voice != "notes" else {}),
            **self._deal_for(acct),
            "subject": f"Re: {subject}" if quoted else subject,
            "from": sender.email,
            "to": [recipient.email],
            "direction": "inbound" if voice == "customer" else "outbound",
            "body": body,
        }
        if quoted:
            other_voice = "customer" if voice == "rep" else "rep"
            record["body"] += self._quote(topic, other_voice, recipient, at, slots)
        return _DocPlan(record["id"], acct.id, (topic.key,), terms, record)

    def _email_body(
        self,
        acct: _AccountPlan,
        topic: _Topic,
        voice: str,
        sender: _Person,
        recipient: _Person,
        at: datetime,
        slots: dict[str, Any],
    ) -> tuple[str, list[str]]:
        rng = self.rng
        sentences = self._lines(topic, voice, rng.randint(2, 3), slots)
        plants, terms = self._plants(acct, voice, at)
        for sentence in plants:
            sentences.insert(rng.randint(0, len(sentences)), sentence)
        if rng.random() < 0.5:
            sentences.insert(0, rng.choice(_OPENERS))
        cut = rng.randint(1, len(sentences))
        paragraphs = [" ".join(sentences[:cut]), " ".join(sentences[cut:])]
        paragraphs.append(rng.choice(_CLOSERS[voice]).format(**slots))
        greeting = rng.choice(
            (
                f"Hi {recipient.first},",
                f"{recipient.first},",
                f"Hello {recipient.first},",
                "Hi all,",
            )
        )
        parts = [greeting, *(p for p in paragraphs if p)]
        parts.append(f"{rng.choice(_SIGNOFFS)}\n{sender.first}")
        text = "\n\n".join(parts)
        company = acct.name if voice == "customer" else self.spec.company
        if rng.random() < 0.4:
            text += f"\n\n--\n{sender.name}\n{sender.title}\n{company}"
        elif voice == "customer" and rng.random() < 0.1:
            text += "\n\nSent from my iPhone"
        return text, terms

    def _quote(
        self, topic: _Topic, voice: str, author: _Person, at: datetime, slots: dict[str, Any]
    ) -> str:
        rng = self.rng
        then = at - timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8))
        hour = then.hour % 12 or 12
        header = (
            f"On {then:%a, %b} {then.day}, {then.year} at {hour}:{then:%M} "
            f"{'PM' if then.hour >= 12 else 'AM'}, {author.name} <{author.email}> wrote:"
        )
        lines = [f"Hi {slots['rep'] if voice == 'customer' else slots['contact']},", ""]
        lines += self._lines(topic, voice, rng.randint(1, 2), slots)
        lines += ["", f"Thanks,\n{author.first}"]
        return (
            "\n\n"
            + header
            + "\n"
            + "\n".join(f"> {ln}".rstrip() for ln in "\n".join(lines).split("\n"))
        )

    # ---- questions

    def questions(self, docs: list[_DocPlan]) -> list[Question]:
        """About 60 questions, each answered by 1 to 5 documents, by construction."""
        rng, org = self.rng, self.spec.org
        names = {a.id: a.name for a in self.accounts}
        by_pair: dict[tuple[str, str], list[str]] = {}
        by_term: dict[str, list[str]] = {}
        for d in docs:
            for topic in d.topics:
                by_pair.setdefault((d.account_id, topic), []).append(d.id)
            for term in dict.fromkeys(d.terms):
                by_term.setdefault(term, []).append(d.id)
        drafts = self._semantic_drafts(by_pair, names)
        for kind, terms in (
            ("ticket", [t for t in by_term if t.startswith("TCK-")]),
            ("code", [t for t in by_term if t in self.codes]),
            ("person", [t for t in by_term if not t.startswith("TCK-") and t not in self.codes]),
        ):
            drafts += self._keyword_drafts(kind, terms, by_term)
        rng.shuffle(drafts)
        return [
            Question(
                id=f"{org}-q-{n:03d}",
                org=org,
                text=text,
                relevant_document_ids=tuple(sorted(ids)),
                kind=kind,
            )
            for n, (kind, text, ids) in enumerate(drafts, start=1)
        ]

    def _semantic_drafts(
        self, by_pair: dict[tuple[str, str], list[str]], names: dict[str, str]
    ) -> list[tuple[QuestionKind, str, list[str]]]:
        rng = self.rng
        small: dict[str, list[tuple[str, list[str]]]] = {}
        for (account_id, topic), ids in by_pair.items():
            if len(ids) <= _MAX_RELEVANT:
                small.setdefault(topic, []).append((account_id, ids))
        for pairs in small.values():
            rng.shuffle(pairs)
        out: list[tuple[QuestionKind, str, list[str]]] = []
        order = [t.key for t in _TOPICS if t.key in small]
        while len(out) < _SEMANTIC_PER_ORG and any(small.values()):
            for key in order:  # round robin, so every scenario is asked about
                if small[key] and len(out) < _SEMANTIC_PER_ORG:
                    account_id, ids = small[key].pop()
                    template = rng.choice(_TOPIC_BY_KEY[key].questions)
                    out.append(("semantic", template.format(account=names[account_id]), ids))
        return out

    def _keyword_drafts(
        self, kind: str, terms: list[str], by_term: dict[str, list[str]]
    ) -> list[tuple[QuestionKind, str, list[str]]]:
        rng = self.rng
        # Prefer terms found in several documents: a ticket cited by emails and calls
        # tests more than the ticket alone.
        usable = [t for t in terms if len(by_term[t]) <= _MAX_RELEVANT]
        rng.shuffle(usable)
        usable.sort(key=lambda t: len(by_term[t]) == 1)
        return [
            ("keyword", rng.choice(_KEYWORD_TEMPLATES[kind]).format(term=t), by_term[t])
            for t in usable[:_KEYWORD_PER_KIND]
        ]
