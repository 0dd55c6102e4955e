"""Dataset loaders: each turns one dataset into a :class:`~eval.suite.SuiteData`.

Every loader has the signature ``load_<name>(*, datasets_dir, limit, seed)`` and is
deterministic for a given seed. External datasets are read in place from
``datasets_dir`` (never copied into the repository); a missing one raises
:class:`~eval.suite.DatasetMissing`, which the runner reports as a skipped suite.

* ``synthetic``: the seeded CRM of :mod:`copilot.sample`, its questions asked as users of
  several roles, unanswerable questions (no access, entities that do not exist) and
  next-best-action scenarios labelled from the records by :func:`expected_action_rules`.
* ``qmsum``: QMSum meetings as ``call`` segments of a small org with mixed sharing;
  specific queries with gold turn spans as relevance labels and human answers.
* ``dialogsum``: call summaries against the human summary.
* ``aeslc``: a one-line email gist against the subject and three human annotations.
* ``stackfaq``: FAQ answers as org-visible tickets, human-reworded questions from qrels.

Example:
    >>> suite = load_synthetic(datasets_dir=Path("."), limit=10, seed=7)
    >>> len(suite.queries)
    10
    >>> all(r in {d["id"] for d in suite.records} for q in suite.queries for r in q.relevant)
    True
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import tomllib
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Protocol, TypeVar

from copilot.sample import DOCUMENT_TYPES, generate, visible_document_ids
from eval.suite import (
    ActionScenario,
    DatasetMissing,
    EvalError,
    Query,
    SuiteData,
    SummaryTask,
)

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

DATASETS_DIR_ENV = "COPILOT_DATASETS_DIR"

#: The next-best-action rules :func:`expected_action_rules` labels. The other playbook
#: rules (``commitment_unmet``, ``sentiment_declining``) read call summaries, i.e. the
#: output of the code under test, so they are never expected: score predictions of them
#: as unlabelled, not as wrong.
LABELLED_ACTION_RULES: frozenset[str] = frozenset(
    {
        "unanswered_inbound_email",
        "ticket_high_priority",
        "ticket_sla_breach",
        "competitor_mentioned",
        "champion_quiet",
        "deal_no_touch",
        "deal_stuck_in_stage",
        "deal_close_date_passed",
    }
)

_REPO_ROOT = Path(__file__).resolve().parent.parent
# Datasets without dates get this one, so summaries are reproducible.
_UNDATED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
_T = TypeVar("_T")


class Loader(Protocol):
    """What every entry of :data:`LOADERS` is."""

    def __call__(self, *, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
        """Load the suite; ``limit`` caps its size (what it counts is per suite)."""
        ...


def default_datasets_dir() -> Path:
    """``$COPILOT_DATASETS_DIR``, else ``<repo root>/../shared/datasets``."""
    configured = os.environ.get(DATASETS_DIR_ENV)
    if configured:
        return Path(configured)
    return _REPO_ROOT.parent / "shared" / "datasets"


# =========================================================================== shared helpers


def _require(path: Path, suite: str) -> Path:
    if not path.is_file():
        raise DatasetMissing(
            f"suite {suite!r}: {path} not found; put the shared datasets there or set "
            f"{DATASETS_DIR_ENV} to the directory that holds them"
        )
    return path


def _read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise EvalError(f"{path}:{line_no}: not JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise EvalError(f"{path}:{line_no}: expected a JSON object")
            yield row


def _check_limit(limit: int | None) -> None:
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 or None, got {limit!r}")


def _sample(items: Sequence[_T], limit: int | None, rng: random.Random) -> list[_T]:
    """Up to ``limit`` items drawn with ``rng``, in their original order."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[i] for i in sorted(rng.sample(range(len(items)), limit))]


def _stratified(
    items: Sequence[_T], limit: int | None, key: Callable[[_T], Hashable], rng: random.Random
) -> list[_T]:
    """Up to ``limit`` items: one of each ``key`` group, the rest in proportion to size.

    Small runs then still hold every slice (each query kind, each combination of
    expected rules) without small slices crowding out the large ones. The items keep
    their original order; which ones of a group are taken is drawn with ``rng``.
    """
    if limit is None or limit >= len(items):
        return list(items)
    groups: dict[Hashable, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(key(item), []).append(i)
    for members in groups.values():
        rng.shuffle(members)
    quota = dict.fromkeys(groups, 0)
    for k in sorted(groups, key=lambda k: -len(groups[k]))[: max(limit, 0)]:
        quota[k] = 1
    remaining = limit - sum(quota.values())
    if remaining > 0:
        spare = {k: len(members) - quota[k] for k, members in groups.items()}
        exact = {k: remaining * spare[k] / sum(spare.values()) for k in groups}
        for k in groups:
            quota[k] += int(exact[k])
        left = limit - sum(quota.values())
        for k in sorted(groups, key=lambda k: int(exact[k]) - exact[k])[:left]:
            quota[k] += 1
    chosen = [i for k, members in groups.items() for i in members[: quota[k]]]
    return [items[i] for i in sorted(chosen)]


def _oracle(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, frozenset[str]]]:
    """``{org: {user: visible document ids}}`` by the sample's sharing-rule oracle.

    :func:`copilot.sample.visible_document_ids` states the sharing rules plainly and
    shares no code with ``retrieval.acl`` or the SQL filters under test.
    """
    out: dict[str, dict[str, frozenset[str]]] = {}
    for org in dict.fromkeys(r["org"] for r in records):
        in_org = [r for r in records if r["org"] == org]
        out[org] = {
            r["id"]: frozenset(visible_document_ids(in_org, r["id"], org=org))
            for r in in_org
            if r["type"] == "user"
        }
    return out


def _at(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _user(org: str, uid: str, name: str, role: str, **extra: str) -> dict[str, Any]:
    email = f"{name.lower().replace(' ', '.')}@{org}.example"
    base = {"type": "user", "org": org, "id": uid, "name": name, "email": email, "role": role}
    return base | extra


# Words an answer uses about any meeting; they say nothing about this one.
_STOPWORDS_TEXT = """
    a about above after again against all also although among an and any are around as at
    be because been before being below between both but by can could did does doing down
    during each either else etc even ever every few for from further had has have having he
    her here hers him his how however i if in into is it its itself just like many may me
    might more most much must my neither no nor not now of off often on once one only or
    other others our out over own per quite rather really same shall she should since so
    some such than that the their theirs them then there these they this those though
    through thus to too under until up upon us very via was we well were what when where
    whether which while who whom whose why will with within without would yet you your
    able agreed also asked believed came come decided described discussed discussion
    explained felt first group included including indicated meeting members mentioned next
    noted pointed presented proposed raised regarding said say says seemed since
    speaker stated suggested talked team think thought told went whole wanted want use
    used using things thing need needed needs lot kind sort way ways part make made get got
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")


def _salient_terms(answer: str, evidence: str, count: int = 3) -> tuple[str, ...]:
    """A few content words of ``answer`` that the evidence also contains.

    Ranked by frequency in the answer, then length, then first occurrence, so the
    answer's subject ("remote", "battery", "transcription") comes before filler.
    """
    seen_in_evidence = {w.lower() for w in _WORD.findall(evidence)}
    stats: dict[str, tuple[int, int]] = {}  # word -> (count, first position)
    for pos, word in enumerate(_WORD.findall(answer)):
        low = word.lower()
        if len(low) < 4 or low in _STOPWORDS or low not in seen_in_evidence:
            continue
        n, first = stats.get(low, (0, pos))
        stats[low] = (n + 1, first)
    ranked = sorted(stats, key=lambda w: (-stats[w][0], -len(w), stats[w][1]))
    return tuple(ranked[:count])


# =========================================================================== synthetic

_SYNTHETIC_DOCS_PER_ORG = 150
_ROLES = ("rep", "manager", "admin")
_RESTRICTED_PER_ORG = 3
# Share of unanswerable queries in a limited run (they are 4% of the full set, too few
# for a refusal rate in a small run).
_UNANSWERABLE_SHARE = 0.2
# Scenarios are also labelled this long after the last document: the sample puts every
# open deal's close date after its last document, so only a later instant has deals
# whose close date has passed.
_LATE_AS_OF = timedelta(days=30)
_QUOTED_TERM = re.compile(r'"([^"]+)"')
_CODE_TERM = re.compile(r"\b(?:TCK-\d+|SKU-[A-Z0-9]+|[A-Z]{2}-\d+)\b")
_UNKNOWN_COMPANIES = (
    "Quillmoor Aerospace",
    "Vexley Textiles",
    "Ombrant Biotech",
    "Tazwick Robotics",
    "Brindlecombe Foods",
    "Skellgarth Mining",
)
_UNKNOWN_PEOPLE = (
    "Bartholomew Quince",
    "Ottoline Ashgrove",
    "Peregrine Fennimore",
    "Wilhelmina Thistlewood",
)
_UNKNOWN_COMPANY_QUESTIONS = (
    "Is {name} pushing back on our pricing?",
    "When is the renewal for {name} due?",
    "What did {name} report about the outage last month?",
)


def load_synthetic(
    *,
    datasets_dir: Path,
    limit: int | None,
    seed: int,
    docs_per_org: int = _SYNTHETIC_DOCS_PER_ORG,
) -> SuiteData:
    """The seeded synthetic CRM with per-role queries and next-best-action scenarios.

    Each sample question is asked by one rep, one manager and one admin of its org
    (preferring users who can see at least one relevant document; a user who sees none
    gets ``answerable=False``). Per org, a few questions are asked by a rep who can see
    none of their documents (kind ``restricted``) and a few name a ticket, company or
    person that does not exist (kind ``nonexistent``). Every account is a scenario as
    of the last document, and again 30 days later, asked by the org's admin.

    Args:
        datasets_dir: Unused: the data is generated.
        limit: At most this many queries (about a fifth unanswerable) and this many
            scenarios, spread over query kinds and combinations of expected rules.
        seed: Seeds the generator and every choice made here.
        docs_per_org: Emails, calls and tickets per org.

    Returns:
        The suite; it has no summary tasks (sample calls have no human summaries).
    """
    del datasets_dir  # generated, nothing to read
    _check_limit(limit)
    crm = generate(seed, docs_per_org=docs_per_org)
    visible = crm.truth().visible_document_ids
    rng = random.Random(f"synthetic:{seed}")
    users = _users_by_org(crm.records)
    queries = _synthetic_queries(crm.questions, users, visible, rng)
    queries += _restricted_queries(crm.questions, users, visible, rng)
    queries += _nonexistent_queries(crm.records, users, rng)
    scenarios = _synthetic_scenarios(crm.records, users)
    all_queries, all_scenarios = len(queries), len(scenarios)
    queries = _limit_queries(queries, limit, rng)
    scenarios = _stratified(scenarios, limit, lambda s: s.expected_rules, rng)
    return SuiteData(
        name="synthetic",
        records=crm.records,
        visible=visible,
        queries=queries,
        scenarios=scenarios,
        notes=[
            f"copilot.sample.generate(seed={seed}, docs_per_org={docs_per_org}): "
            f"{len(crm.records)} records, {len(crm.questions)} questions.",
            f"{len(queries)} of {all_queries} queries: each question asked by a rep, a "
            "manager and an admin; per org also questions a rep cannot see "
            "(kind 'restricted') and about entities that do not exist ('nonexistent').",
            f"{len(scenarios)} of {all_scenarios} next-best-action scenarios (admin view) as "
            f"of the last document and {_LATE_AS_OF.days} days later; expected rules are "
            f"labelled from the records for {', '.join(sorted(LABELLED_ACTION_RULES))} "
            "only; other rules are unlabelled.",
            "No summary tasks: sample calls have no human reference summaries.",
        ],
    )


def _limit_queries(queries: list[Query], limit: int | None, rng: random.Random) -> list[Query]:
    """Up to ``limit`` queries, about a fifth of them unanswerable, each kind represented."""
    if limit is None or limit >= len(queries):
        return queries
    unanswerable = [q for q in queries if not q.answerable]
    budget = min(len(unanswerable), max(1, round(limit * _UNANSWERABLE_SHARE)))
    kept = _stratified([q for q in queries if q.answerable], limit - budget, _kind, rng)
    kept += _stratified(unanswerable, budget, _kind, rng)
    position = {q.id: n for n, q in enumerate(queries)}
    return sorted(kept, key=lambda q: position[q.id])


def _kind(query: Query) -> str:
    return query.kind


@dataclass(frozen=True)
class _OrgUser:
    id: str
    role: str


def _users_by_org(records: Iterable[Mapping[str, Any]]) -> dict[str, list[_OrgUser]]:
    out: dict[str, list[_OrgUser]] = {}
    for r in records:
        if r["type"] == "user":
            out.setdefault(r["org"], []).append(_OrgUser(r["id"], r["role"]))
    return out


def _planted_term(text: str) -> tuple[str, ...]:
    match = _QUOTED_TERM.search(text)
    if match:
        return (match.group(1),)
    match = _CODE_TERM.search(text)
    return (match.group(0),) if match else ()


def _synthetic_queries(
    questions: Sequence[Any],
    users: Mapping[str, Sequence[_OrgUser]],
    visible: Mapping[str, Mapping[str, frozenset[str]]],
    rng: random.Random,
) -> list[Query]:
    out = []
    for q in questions:
        relevant = set(q.relevant_document_ids)
        terms = _planted_term(q.text) if q.kind == "keyword" else ()
        for role in _ROLES:
            of_role = sorted(u.id for u in users[q.org] if u.role == role)
            seeing = [u for u in of_role if relevant & visible[q.org][u]]
            user_id = rng.choice(seeing or of_role)
            out.append(
                Query(
                    id=f"{q.id}@{user_id}",
                    org=q.org,
                    user_id=user_id,
                    role=role,
                    text=q.text,
                    relevant=dict.fromkeys(q.relevant_document_ids, 1),
                    kind=q.kind,
                    answer_terms=terms,
                    answerable=bool(seeing),
                )
            )
    return out


def _restricted_queries(
    questions: Sequence[Any],
    users: Mapping[str, Sequence[_OrgUser]],
    visible: Mapping[str, Mapping[str, frozenset[str]]],
    rng: random.Random,
) -> list[Query]:
    """Questions asked by a rep who can see none of their documents: refuse, leak nothing."""
    out = []
    for org, org_users in users.items():
        reps = sorted(u.id for u in org_users if u.role == "rep")
        candidates = []
        for q in questions:
            blind = [u for u in reps if not set(q.relevant_document_ids) & visible[org][u]]
            if q.org == org and blind:
                candidates.append((q, blind))
        for q, blind in rng.sample(candidates, min(_RESTRICTED_PER_ORG, len(candidates))):
            user_id = rng.choice(blind)
            out.append(
                Query(
                    id=f"{q.id}@{user_id}-restricted",
                    org=org,
                    user_id=user_id,
                    role="rep",
                    text=q.text,
                    relevant=dict.fromkeys(q.relevant_document_ids, 1),
                    kind="restricted",
                    answerable=False,
                )
            )
    return out


def _nonexistent_queries(
    records: Sequence[Mapping[str, Any]],
    users: Mapping[str, Sequence[_OrgUser]],
    rng: random.Random,
) -> list[Query]:
    """One made-up ticket, company and person per org, each asked by another role."""
    text = json.dumps(records).lower()
    companies = [c for c in _UNKNOWN_COMPANIES if c.lower() not in text]
    people = [p for p in _UNKNOWN_PEOPLE if p.lower() not in text]
    out = []
    for org, org_users in users.items():
        ticket = next(
            t
            for t in (f"TCK-{rng.randrange(10_000, 100_000)}" for _ in range(1000))
            if t.lower() not in text
        )
        company = companies.pop(rng.randrange(len(companies)))
        person = people.pop(rng.randrange(len(people)))
        asks = (
            ("rep", f"What is the status of {ticket}?"),
            ("admin", rng.choice(_UNKNOWN_COMPANY_QUESTIONS).format(name=company)),
            ("manager", f'What do we know about "{person}"?'),
        )
        for n, (role, question) in enumerate(asks, start=1):
            user_id = rng.choice(sorted(u.id for u in org_users if u.role == role))
            out.append(
                Query(
                    id=f"{org}-nonexistent-{n}",
                    org=org,
                    user_id=user_id,
                    role=role,
                    text=question,
                    relevant={},
                    kind="nonexistent",
                    answerable=False,
                )
            )
    return out


def _synthetic_scenarios(
    records: Sequence[Mapping[str, Any]], users: Mapping[str, Sequence[_OrgUser]]
) -> list[ActionScenario]:
    now = max(_at(r["occurred_at"]) for r in records if r["type"] in DOCUMENT_TYPES)
    views = _account_views(records)
    admins = {org: min(u.id for u in us if u.role == "admin") for org, us in users.items()}
    out = []
    for (org, account_id), view in views.items():
        for label, as_of in (("now", now), (f"+{_LATE_AS_OF.days}d", now + _LATE_AS_OF)):
            out.append(
                ActionScenario(
                    id=f"{account_id}@{label}",
                    org=org,
                    user_id=admins[org],
                    account_id=account_id,
                    as_of=as_of,
                    expected_rules=_label(view, as_of, _playbook()),
                )
            )
    return out


# =========================================================================== action labels


@dataclass
class _AccountView:
    """One account's contacts, deals and documents (oldest first)."""

    contacts: list[Mapping[str, Any]] = field(default_factory=list)
    deals: list[Mapping[str, Any]] = field(default_factory=list)
    documents: list[tuple[datetime, Mapping[str, Any]]] = field(default_factory=list)


def _account_views(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], _AccountView]:
    views: dict[tuple[str, str], _AccountView] = {}
    for r in records:
        if r.get("deleted") is True:
            continue
        if r["type"] == "account":
            views.setdefault((r["org"], r["id"]), _AccountView())
            continue
        account_id = r.get("account_id")
        if account_id is None:
            continue
        view = views.setdefault((r["org"], account_id), _AccountView())
        if r["type"] == "contact":
            view.contacts.append(r)
        elif r["type"] == "deal":
            view.deals.append(r)
        elif r["type"] in DOCUMENT_TYPES:
            view.documents.append((_at(r["occurred_at"]), r))
    for view in views.values():
        view.documents.sort(key=lambda p: (p[0], p[1]["id"]))
    return views


@lru_cache(maxsize=1)
def _playbook() -> Mapping[str, Any]:
    """The shipped default playbook, read as data for its rule ids and thresholds."""
    text = resources.files("summarizers").joinpath("playbook.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def expected_action_rules(
    records: Iterable[Mapping[str, Any]], *, org: str, account_id: str, as_of: datetime
) -> tuple[str, ...]:
    """The playbook rules that must fire on an account as of an instant, by the records.

    Labels are derived from the raw records and the rule conditions stated in
    ``summarizers/playbook.toml`` (its ``when`` texts and default thresholds), without
    the engine in :mod:`summarizers.actions`. Only :data:`LABELLED_ACTION_RULES` are
    considered; the caller is assumed to see every record (an admin).

    Args:
        records: Canonical records; other orgs and accounts may be mixed in.
        org: The account's org.
        account_id: The account.
        as_of: "Now"; documents after it are ignored.

    Returns:
        Rule ids in playbook order.

    Example:
        >>> recs = [{"type": "deal", "org": "o", "id": "d1", "account_id": "a1",
        ...          "stage": "Proposal", "close_date": "2026-01-01"}]
        >>> expected_action_rules(recs, org="o", account_id="a1",
        ...                       as_of=datetime(2026, 2, 1, tzinfo=UTC))
        ('deal_close_date_passed',)
    """
    view = _account_views(r for r in records if r["org"] == org).get((org, account_id))
    return _label(view or _AccountView(), as_of, _playbook())


_Subjects = set[str]


def _label(view: _AccountView, as_of: datetime, playbook: Mapping[str, Any]) -> tuple[str, ...]:
    rules: Mapping[str, Mapping[str, Any]] = playbook["rules"]
    definitions: Mapping[str, Any] = playbook["definitions"]
    documents = [(at, d) for at, d in view.documents if at <= as_of]
    fired: dict[str, _Subjects] = {}
    for rule_id, detect in _DETECTORS.items():
        rule = rules[rule_id]
        if rule.get("enabled", True):
            fired[rule_id] = detect(view, documents, as_of, rule, definitions)
    # "supersedes": a rule firing on a subject drops the listed rules on that subject.
    for rule_id, subjects in list(fired.items()):
        for dropped in rules[rule_id].get("supersedes", ()):
            if dropped in fired:
                fired[dropped] = fired[dropped] - subjects
    return tuple(r for r in rules if fired.get(r))


_Docs = Sequence[tuple[datetime, Mapping[str, Any]]]


def _thread(subject: str) -> str | None:
    key = " ".join(re.sub(r"^(?:(?:re|fwd?)\s*:\s*)+", "", subject.strip(), flags=re.I).split())
    return key.lower() or None


def _lower_set(value: Any) -> set[str]:
    values = [value] if isinstance(value, str) else value or []
    return {str(v).strip().lower() for v in values}


def _unanswered_emails(
    view: _AccountView, docs: _Docs, as_of: datetime, rule: Mapping[str, Any], _: Any
) -> _Subjects:
    """Inbound, ``after_days`` old, no later outbound to sender/contact/thread nor call."""
    since = as_of - timedelta(days=rule["lookback_days"])
    contacts_by_email = {str(c["email"]).strip().lower(): c for c in view.contacts}
    contacts_by_id = {c["id"]: c for c in view.contacts}
    fired = set()
    for at, email in docs:
        if email["type"] != "email" or str(email.get("direction", "")).lower() != "inbound":
            continue
        if at < since or as_of - at < timedelta(days=rule["after_days"]):
            continue
        sender = str(email.get("from") or "").strip().lower()
        contact = contacts_by_email.get(sender) or contacts_by_id.get(email.get("contact_id"))
        thread = _thread(str(email.get("subject") or ""))
        replied = False
        for later_at, later in docs:
            if later_at <= at:
                continue
            if later["type"] == "email" and str(later.get("direction")).lower() == "outbound":
                replied = (
                    (bool(sender) and sender in _lower_set(later.get("to")))
                    or (
                        email.get("contact_id") is not None
                        and later.get("contact_id") == email.get("contact_id")
                    )
                    or (thread is not None and _thread(str(later.get("subject") or "")) == thread)
                )
            elif later["type"] == "call" and rule["calls_count_as_reply"] and contact:
                replied = str(contact["name"]).strip().lower() in _lower_set(
                    later.get("participants")
                )
            if replied:
                break
        if not replied:
            fired.add(email["id"])
    return fired


def _open_tickets(
    docs: _Docs, as_of: datetime, rule: Mapping[str, Any], definitions: Mapping[str, Any]
) -> Iterator[tuple[datetime, Mapping[str, Any]]]:
    closed = {s.lower() for s in definitions["closed_ticket_statuses"]}
    since = as_of - timedelta(days=rule["lookback_days"])
    for at, doc in docs:
        status = str(doc.get("status") or "").strip().lower()
        if doc["type"] == "ticket" and at >= since and status not in closed:
            yield at, doc


def _priority(ticket: Mapping[str, Any]) -> str:
    return str(ticket.get("priority") or "").strip().lower()


def _high_priority_tickets(
    view: _AccountView,
    docs: _Docs,
    as_of: datetime,
    rule: Mapping[str, Any],
    definitions: Mapping[str, Any],
) -> _Subjects:
    """Open tickets at one of the rule's priorities."""
    wanted = {p.lower() for p in rule["priorities"]}
    return {
        t["id"] for _, t in _open_tickets(docs, as_of, rule, definitions) if _priority(t) in wanted
    }


def _sla_breaches(
    view: _AccountView,
    docs: _Docs,
    as_of: datetime,
    rule: Mapping[str, Any],
    definitions: Mapping[str, Any],
) -> _Subjects:
    """Open tickets older than the resolution SLA of their priority."""
    fired = set()
    for at, ticket in _open_tickets(docs, as_of, rule, definitions):
        hours = rule["sla_hours"].get(_priority(ticket), rule["default_sla_hours"])
        if as_of - at > timedelta(hours=hours):
            fired.add(ticket["id"])
    return fired


def _document_text(doc: Mapping[str, Any]) -> str:
    transcript = doc.get("transcript") or ""
    if not isinstance(transcript, str):
        transcript = "\n".join(
            f"{t.get('speaker', '')}: {t.get('text', '')}" if isinstance(t, Mapping) else str(t)
            for t in transcript
        )
    comments = " ".join(str(c.get("body", "")) for c in doc.get("comments") or ())
    parts = (doc.get("subject"), doc.get("title"), doc.get("body"), transcript, comments)
    return "\n".join(str(p) for p in parts if p)


def _competitor_mentions(
    view: _AccountView, docs: _Docs, as_of: datetime, rule: Mapping[str, Any], _: Any
) -> _Subjects:
    """Listed competitors (or aliases) named, whole word, any case, in a recent document."""
    since = as_of - timedelta(days=rule["lookback_days"])
    patterns = {
        entry.split("|")[0].strip(): re.compile(
            "|".join(rf"(?<!\w){re.escape(a.strip())}(?!\w)" for a in entry.split("|")), re.I
        )
        for entry in rule["names"]
    }
    fired = set()
    for at, doc in docs:
        if at >= since:
            text = _document_text(doc)
            fired |= {name for name, pattern in patterns.items() if pattern.search(text)}
    return fired


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes"))


def _contact_activity(
    view: _AccountView, docs: _Docs, contact: Mapping[str, Any]
) -> list[datetime]:
    """When the contact sent an email (by sender, else contact id) or joined a call."""
    by_email = {str(c["email"]).strip().lower(): c["id"] for c in view.contacts}
    name = str(contact["name"]).strip().lower()
    out = []
    for at, doc in docs:
        if doc["type"] == "email" and str(doc.get("direction", "")).lower() == "inbound":
            sender = str(doc.get("from") or "").strip().lower()
            if by_email.get(sender, doc.get("contact_id")) == contact["id"]:
                out.append(at)
        elif doc["type"] == "call" and name in _lower_set(doc.get("participants")):
            out.append(at)
    return out


def _quiet_champions(
    view: _AccountView, docs: _Docs, as_of: datetime, rule: Mapping[str, Any], _: Any
) -> _Subjects:
    """Champions (marked, else the most engaged contact) silent for ``quiet_days``."""
    activity = {c["id"]: _contact_activity(view, docs, c) for c in view.contacts}
    champions = [c["id"] for c in view.contacts if _truthy(c.get(rule["attribute"]))]
    if not champions:
        window = as_of - timedelta(days=rule["activity_window_days"])
        ranked = sorted(
            (-len(recent), -max(recent).timestamp(), contact_id)
            for contact_id, times in activity.items()
            if len(recent := [t for t in times if t >= window]) >= rule["min_interactions"]
        )
        champions = [ranked[0][2]] if ranked else []
    since = as_of - timedelta(days=rule["lookback_days"])
    fired = set()
    for contact_id in champions:
        seen = [t for t in activity[contact_id] if t >= since]
        if seen and as_of - max(seen) >= timedelta(days=rule["quiet_days"]):
            fired.add(contact_id)
    return fired


def _open_deals(view: _AccountView, definitions: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    closed = {s.lower() for s in definitions["closed_deal_stages"]}
    return [d for d in view.deals if str(d.get("stage", "")).strip().lower() not in closed]


def _untouched_deals(
    view: _AccountView,
    docs: _Docs,
    as_of: datetime,
    rule: Mapping[str, Any],
    definitions: Mapping[str, Any],
) -> _Subjects:
    """Open deals whose last email/call (on the deal, or on no deal) is ``after_days`` old."""
    fired = set()
    for deal in _open_deals(view, definitions):
        touches = [
            at
            for at, d in docs
            if d["type"] in rule["touch_kinds"]
            and (
                d.get("deal_id") == deal["id"]
                or (rule["count_account_touches"] and d.get("deal_id") is None)
            )
        ]
        if not touches:
            continue  # no date to count from
        idle = as_of - max(touches)
        if timedelta(days=rule["after_days"]) <= idle <= timedelta(days=rule["lookback_days"]):
            fired.add(deal["id"])
    return fired


def _overdue_deals(
    view: _AccountView,
    docs: _Docs,
    as_of: datetime,
    rule: Mapping[str, Any],
    definitions: Mapping[str, Any],
) -> _Subjects:
    """Open deals whose close date is more than ``grace_days`` before ``as_of``."""
    fired = set()
    for deal in _open_deals(view, definitions):
        days = (as_of.date() - date.fromisoformat(str(deal["close_date"])[:10])).days
        if rule["grace_days"] < days <= rule["lookback_days"]:
            fired.add(deal["id"])
    return fired


def _stuck_deals(
    view: _AccountView,
    docs: _Docs,
    as_of: datetime,
    rule: Mapping[str, Any],
    definitions: Mapping[str, Any],
) -> _Subjects:
    """Open deals in their stage (``stage_entered_at``) longer than the stage's limit."""
    fired = set()
    for deal in _open_deals(view, definitions):
        entered = deal.get("stage_entered_at")
        if not entered:
            continue  # stage age unknown
        stage = str(deal.get("stage", "")).strip().lower()
        limit_days = rule["max_days_by_stage"].get(stage, rule["max_days_in_stage"])
        if (as_of.date() - date.fromisoformat(str(entered)[:10])).days > limit_days:
            fired.add(deal["id"])
    return fired


_Detector = Callable[
    [_AccountView, _Docs, datetime, Mapping[str, Any], Mapping[str, Any]], _Subjects
]
_DETECTORS: dict[str, _Detector] = {
    "unanswered_inbound_email": _unanswered_emails,
    "ticket_high_priority": _high_priority_tickets,
    "ticket_sla_breach": _sla_breaches,
    "competitor_mentioned": _competitor_mentions,
    "champion_quiet": _quiet_champions,
    "deal_no_touch": _untouched_deals,
    "deal_stuck_in_stage": _stuck_deals,
    "deal_close_date_passed": _overdue_deals,
}


# =========================================================================== qmsum

_QMSUM_ORG = "qmsum"
_TURNS_PER_SEGMENT = 12
# Of every 5 meetings (in a seeded order): 3 org-visible, 1 team, 1 private.
_QMSUM_VISIBILITY = ("org", "org", "org", "team", "private")
_MARKER = re.compile(r"\{[a-z]+\}")
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[.,?!;:]|'(?:s|re|ve|ll|d|m)\b|n't\b)")
_WHOLE_MEETING = re.compile(r"summari[sz]e|main discussion|general discussion|meeting about", re.I)


@dataclass(frozen=True)
class _Meeting:
    id: str
    turns: tuple[tuple[str, str], ...]  # (speaker, cleaned text; may be empty)
    specific: tuple[Mapping[str, Any], ...]
    general: tuple[Mapping[str, Any], ...]


def _clean_turn(text: str) -> str:
    """Drop transcription markers ({vocalsound}, {disfmarker}, ...) and tokenizer spaces."""
    text = " ".join(_MARKER.sub(" ", text).split())
    return _SPACE_BEFORE_PUNCT.sub("", text)


def _qmsum_meetings(paths: Sequence[Path]) -> tuple[list[_Meeting], int]:
    """Meetings of all files, deduplicated by transcript; also how many were duplicates."""
    meetings: dict[str, _Meeting] = {}
    duplicates = 0
    for path in paths:
        for row in _read_jsonl(path):
            raw = [(str(t["speaker"]), str(t["content"])) for t in row["meeting_transcripts"]]
            digest = hashlib.sha1("\n".join(f"{s}: {c}" for s, c in raw).encode()).hexdigest()
            meeting_id = f"qm-{digest[:8]}"
            if meeting_id in meetings:
                duplicates += 1
                continue
            meetings[meeting_id] = _Meeting(
                id=meeting_id,
                turns=tuple((s, _clean_turn(c)) for s, c in raw),
                specific=tuple(row.get("specific_query_list") or ()),
                general=tuple(row.get("general_query_list") or ()),
            )
    return list(meetings.values()), duplicates


def _qmsum_users() -> list[dict[str, Any]]:
    org = _QMSUM_ORG
    manager = f"{org}-u-manager"
    return [
        {"type": "team", "org": org, "id": f"{org}-t-a", "name": "Team A"},
        {"type": "team", "org": org, "id": f"{org}-t-b", "name": "Team B"},
        _user(org, f"{org}-u-admin", "Robin Okafor", "admin"),
        _user(org, manager, "Morgan Lee", "manager", team_id=f"{org}-t-a"),
        _user(org, f"{org}-u-rep1", "Sasha Patel", "rep", team_id=f"{org}-t-a", manager_id=manager),
        _user(org, f"{org}-u-rep2", "Jordan Kim", "rep", team_id=f"{org}-t-a", manager_id=manager),
        _user(org, f"{org}-u-rep3", "Casey Novak", "rep", team_id=f"{org}-t-b"),
    ]


def _segment_text(turns: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"{speaker}: {text}" for speaker, text in turns if text)


def _meeting_records(
    meeting: _Meeting, start: datetime, owner: str, visibility: str, shared_with: list[str]
) -> list[dict[str, Any]]:
    org = _QMSUM_ORG
    account_id = f"{org}-a-{meeting.id}"
    out: list[dict[str, Any]] = [
        {
            "type": "account",
            "org": org,
            "id": account_id,
            "name": f"QMSum meeting {meeting.id}",
            "owner_id": owner,
        }
    ]
    for k in range(0, len(meeting.turns), _TURNS_PER_SEGMENT):
        turns = meeting.turns[k : k + _TURNS_PER_SEGMENT]
        part = k // _TURNS_PER_SEGMENT + 1
        out.append(
            {
                "type": "call",
                "org": org,
                "id": f"{meeting.id}-p{part:03d}",
                "account_id": account_id,
                "owner_id": owner,
                "visibility": visibility,
                **({"shared_with": shared_with} if shared_with else {}),
                "occurred_at": _iso(start + timedelta(minutes=5 * (part - 1))),
                "title": f"{meeting.id} part {part}",
                "participants": sorted({s for s, _ in turns}),
                "transcript": _segment_text(turns) or "(no speech)",
            }
        )
    return out


def _gold_segments(meeting: _Meeting, spans: Iterable[Sequence[Any]]) -> tuple[list[str], str]:
    """Segment ids overlapping the gold turn spans (inclusive), and the spans' text."""
    last = len(meeting.turns) - 1
    parts: set[int] = set()
    turns: list[tuple[str, str]] = []
    for span in spans:
        try:
            start, end = sorted((int(span[0]), int(span[1])))
        except (ValueError, TypeError, IndexError):
            continue
        start, end = max(start, 0), min(end, last)
        if start > end:
            continue
        parts |= set(range(start // _TURNS_PER_SEGMENT, end // _TURNS_PER_SEGMENT + 1))
        turns += meeting.turns[start : end + 1]
    ids = [f"{meeting.id}-p{p + 1:03d}" for p in sorted(parts)]
    return ids, _segment_text(turns)


def load_qmsum(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """QMSum meetings as call segments of one org with mixed sharing, and their queries.

    Reads ``qmsum/val.jsonl`` and, if present, ``qmsum/product_domain/val.jsonl``
    (meetings in both are kept once). Each meeting becomes calls of 12 turns owned by
    one rep; 3 in 5 meetings are org-visible, 1 team, 1 private (half of those shared
    with one more user). Each specific query is asked by a user who can see the meeting
    (rotating rep, manager, admin), with the segments overlapping its gold spans as
    relevant; one query per meeting someone cannot see is also asked by such a user
    (``answerable=False``). The whole-meeting summary query becomes a summary task.

    Args:
        datasets_dir: Holds ``qmsum/``.
        limit: At most this many meetings (a seeded sample).
        seed: Seeds the sample and the owners, sharing and askers.

    Raises:
        DatasetMissing: ``qmsum/val.jsonl`` is absent.
    """
    _check_limit(limit)
    root = datasets_dir / "qmsum"
    paths = [_require(root / "val.jsonl", "qmsum")]
    product = root / "product_domain" / "val.jsonl"
    paths += [product] if product.is_file() else []
    meetings, duplicates = _qmsum_meetings(paths)
    order = sorted(m.id for m in meetings)
    random.Random(f"qmsum:{seed}").shuffle(order)
    position = {mid: n for n, mid in enumerate(order)}
    kept = _sample(meetings, limit, random.Random(f"qmsum-sample:{seed}"))

    records = _qmsum_users()
    reps = [r["id"] for r in records if r.get("role") == "rep"]
    others = [r["id"] for r in records if r["type"] == "user" and r.get("role") != "admin"]
    plan: dict[str, tuple[random.Random, datetime]] = {}
    for n, meeting in enumerate(kept):
        rng = random.Random(f"qmsum:{seed}:{meeting.id}")
        visibility = _QMSUM_VISIBILITY[position[meeting.id] % len(_QMSUM_VISIBILITY)]
        owner = reps[position[meeting.id] % len(reps)]
        shared = (
            [rng.choice([u for u in others if u != owner])]
            if visibility == "private" and rng.random() < 0.5
            else []
        )
        start = _UNDATED + timedelta(days=n)
        records += _meeting_records(meeting, start, owner, visibility, shared)
        plan[meeting.id] = (rng, start)
    visible = _oracle(records)
    roles = {r["id"]: r["role"] for r in records if r["type"] == "user"}

    queries: list[Query] = []
    summaries: list[SummaryTask] = []
    for meeting in kept:
        rng, start = plan[meeting.id]
        queries += _qmsum_queries(meeting, visible[_QMSUM_ORG], roles, rng)
        summaries += _qmsum_summaries(meeting, start)
    n_segments = sum(1 for r in records if r["type"] == "call")
    return SuiteData(
        name="qmsum",
        records=records,
        visible=visible,
        queries=queries,
        summaries=summaries,
        notes=[
            f"{len(kept)} of {len(meetings)} meetings ({duplicates} duplicates across "
            f"{', '.join(p.relative_to(datasets_dir).as_posix() for p in paths)} dropped) "
            f"as {n_segments} call segments of {_TURNS_PER_SEGMENT} turns.",
            "Transcription markers ({vocalsound}, {disfmarker}, ...) and tokenizer spaces "
            "before punctuation removed; turns left empty are dropped from the text.",
            "Sharing: 3 in 5 meetings org-visible, 1 team, 1 private; each owned by one of "
            "3 reps (2 teams, a manager over team A, an admin).",
            "Relevance: every segment overlapping a gold span, grade 1; long spans give "
            "many relevant segments. Other meetings of the same series (AMI, ICSI) may "
            "also answer a query but are not labelled, and an asker without access may "
            "find a partial answer in them.",
            "Summaries: each meeting's whole-meeting general query answer vs the full "
            "transcript (human summaries run longer than 2-4 sentences).",
        ],
    )


def _qmsum_queries(
    meeting: _Meeting,
    visible: Mapping[str, frozenset[str]],
    roles: Mapping[str, str],
    rng: random.Random,
) -> list[Query]:
    first_segment = f"{meeting.id}-p001"
    viewers = sorted(u for u, ids in visible.items() if first_segment in ids)
    blind = sorted(u for u in visible if u not in viewers)
    out: list[Query] = []
    seen: set[str] = set()
    for item in meeting.specific:
        text, answer = str(item.get("query", "")).strip(), str(item.get("answer", "")).strip()
        relevant, evidence = _gold_segments(meeting, item.get("relevant_text_span") or ())
        if not text or text in seen or not relevant:
            continue
        seen.add(text)
        role = _ROLES[len(out) % len(_ROLES)]
        user_id = rng.choice([u for u in viewers if roles[u] == role] or viewers)
        out.append(
            Query(
                id=f"{meeting.id}-q{len(out) + 1:02d}",
                org=_QMSUM_ORG,
                user_id=user_id,
                role=roles[user_id],
                text=text,
                relevant=dict.fromkeys(relevant, 1),
                kind="qmsum",
                reference_answer=answer or None,
                answer_terms=_salient_terms(answer, evidence),
            )
        )
    if blind and out:
        base = rng.choice(out)
        user_id = rng.choice(blind)
        out.append(
            Query(
                id=f"{base.id}-no-access",
                org=_QMSUM_ORG,
                user_id=user_id,
                role=roles[user_id],
                text=base.text,
                relevant=base.relevant,
                kind="qmsum_no_access",
                reference_answer=base.reference_answer,
                answerable=False,
            )
        )
    return out


def _qmsum_summaries(meeting: _Meeting, start: datetime) -> list[SummaryTask]:
    for item in meeting.general:
        answer = str(item.get("answer", "")).strip()
        if answer and _WHOLE_MEETING.search(str(item.get("query", ""))):
            return [
                SummaryTask(
                    id=f"{meeting.id}-summary",
                    text=_segment_text(meeting.turns),
                    kind="call",
                    references=(answer,),
                    occurred_at=start,
                    target="summary",
                )
            ]
    return []


# =========================================================================== dialogsum


def load_dialogsum(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """DialogSum dev dialogues as call summary tasks against the human summary.

    The dialogue keeps its ``#Person1#:`` speaker labels, which the offline summarizer
    reads as speakers.

    Args:
        datasets_dir: Holds ``dialogsum/dialogsum.dev.jsonl``.
        limit: At most this many dialogues (a seeded sample).
        seed: Seeds the sample.

    Raises:
        DatasetMissing: The file is absent.
    """
    _check_limit(limit)
    path = _require(datasets_dir / "dialogsum" / "dialogsum.dev.jsonl", "dialogsum")
    rows = [r for r in _read_jsonl(path) if str(r.get("dialogue", "")).strip()]
    kept = _sample(rows, limit, random.Random(f"dialogsum:{seed}"))
    tasks = [
        SummaryTask(
            id=str(r["fname"]),
            text=str(r["dialogue"]),
            kind="call",
            references=(str(r["summary"]).strip(),),
            occurred_at=_UNDATED,
            target="summary",
        )
        for r in kept
        if str(r.get("summary", "")).strip()
    ]
    return SuiteData(
        name="dialogsum",
        records=[],
        visible={},
        summaries=tasks,
        notes=[f"{len(tasks)} of {len(rows)} dev dialogues; one human summary each."],
    )


# =========================================================================== aeslc


def load_aeslc(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """AESLC dev emails as gist tasks: the subject and three human annotations.

    Args:
        datasets_dir: Holds ``aeslc/aeslc_dev.jsonl``.
        limit: At most this many emails (a seeded sample).
        seed: Seeds the sample.

    Raises:
        DatasetMissing: The file is absent.
    """
    _check_limit(limit)
    path = _require(datasets_dir / "aeslc" / "aeslc_dev.jsonl", "aeslc")
    rows = [r for r in _read_jsonl(path) if str(r.get("email_body", "")).strip()]
    kept = _sample(rows, limit, random.Random(f"aeslc:{seed}"))
    tasks = []
    for r in kept:
        refs = tuple(
            str(r.get(k, "")).strip()
            for k in ("subject", "ann0", "ann1", "ann2")
            if str(r.get(k, "")).strip()
        )
        if refs:
            tasks.append(
                SummaryTask(
                    id=str(r["id"]),
                    text=str(r["email_body"]),
                    kind="email",
                    references=refs,
                    occurred_at=_UNDATED,
                    target="gist",
                )
            )
    return SuiteData(
        name="aeslc",
        records=[],
        visible={},
        summaries=tasks,
        notes=[
            f"{len(tasks)} of {len(rows)} dev emails; references are the sender's subject "
            "and up to 3 human annotations (the subject is often terse or a forward tag)."
        ],
    )


# =========================================================================== stackfaq

_FAQ_ORG = "faq"
# With a limit, the corpus is cut to the relevant documents plus a sample up to this.
_FAQ_MAX_DOCS_WHEN_LIMITED = 400


def load_stackfaq(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """StackFAQ: FAQ entries as org-visible solved tickets, reworded questions as queries.

    Each corpus entry (a question title and its answers) becomes one ticket owned by a
    support rep; every query is asked by a sales rep, relevant per ``qrels.tsv``.

    Args:
        datasets_dir: Holds ``stackfaq/{corpus.jsonl,queries.jsonl,qrels.tsv}``.
        limit: At most this many queries (a seeded sample); the corpus keeps their
            relevant entries plus a seeded sample of the rest, 400 entries at most.
        seed: Seeds the samples.

    Raises:
        DatasetMissing: A file is absent.
    """
    _check_limit(limit)
    root = datasets_dir / "stackfaq"
    corpus = {str(r["_id"]): r for r in _read_jsonl(_require(root / "corpus.jsonl", "stackfaq"))}
    questions = {
        str(r["_id"]): str(r["text"]).strip()
        for r in _read_jsonl(_require(root / "queries.jsonl", "stackfaq"))
    }
    qrels = _read_qrels(_require(root / "qrels.tsv", "stackfaq"))
    rng = random.Random(f"stackfaq:{seed}")
    labelled = [q for q in questions if questions[q] and any(d in corpus for d in qrels.get(q, {}))]
    kept = _sample(labelled, limit, rng)
    doc_ids = list(corpus)
    if limit is not None:
        needed = {d for q in kept for d in qrels[q] if d in corpus}
        rest = [d for d in doc_ids if d not in needed]
        extra = _sample(rest, max(_FAQ_MAX_DOCS_WHEN_LIMITED - len(needed), 0), rng)
        doc_ids = [d for d in doc_ids if d in needed or d in set(extra)]

    org, support, rep = _FAQ_ORG, f"{_FAQ_ORG}-u-support", f"{_FAQ_ORG}-u-rep"
    account_id = f"{org}-a-kb"
    records: list[dict[str, Any]] = [
        {"type": "team", "org": org, "id": f"{org}-t-support", "name": "Support"},
        {"type": "team", "org": org, "id": f"{org}-t-sales", "name": "Sales"},
        _user(org, f"{org}-u-admin", "Alex Moreno", "admin"),
        _user(org, support, "Jamie Chen", "rep", team_id=f"{org}-t-support"),
        _user(org, rep, "Riley Brooks", "rep", team_id=f"{org}-t-sales"),
        {
            "type": "account",
            "org": org,
            "id": account_id,
            "name": "Knowledge base",
            "owner_id": support,
        },
    ]
    for n, doc_id in enumerate(doc_ids):
        entry = corpus[doc_id]
        records.append(
            {
                "type": "ticket",
                "org": org,
                "id": doc_id,
                "account_id": account_id,
                "owner_id": support,
                "visibility": "org",
                "occurred_at": _iso(_UNDATED + timedelta(hours=n)),
                "subject": str(entry.get("title") or doc_id).strip(),
                "body": str(entry.get("text") or "").strip() or "(no answer)",
                "status": "solved",
                "priority": "normal",
            }
        )
    present = set(doc_ids)
    queries = [
        Query(
            id=q,
            org=org,
            user_id=rep,
            role="rep",
            text=questions[q],
            relevant={d: g for d, g in qrels[q].items() if d in present},
            kind="stackfaq",
        )
        for q in kept
    ]
    return SuiteData(
        name="stackfaq",
        records=records,
        visible=_oracle(records),
        queries=queries,
        notes=[
            f"{len(queries)} of {len(labelled)} queries over {len(doc_ids)} of {len(corpus)} "
            "FAQ entries (one org-visible solved ticket per entry: title as subject, all "
            "answers as body), asked by a sales rep.",
            "Small corpus: absolute scores mean little; use it as a sanity check.",
        ],
    )


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """``{query id: {document id: grade}}`` from a BEIR qrels TSV (header optional)."""
    out: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            cells = line.rstrip("\n").split("\t")
            if not line.strip() or (line_no == 1 and cells[0] == "query-id"):
                continue
            try:
                query_id, doc_id, grade = cells[0], cells[1], int(cells[2])
            except (IndexError, ValueError):
                raise EvalError(f"{path}:{line_no}: expected query-id, corpus-id, score") from None
            if grade > 0:
                out.setdefault(query_id, {})[doc_id] = grade
    return out


# =========================================================================== registry

LOADERS: dict[str, Loader] = {
    "synthetic": load_synthetic,
    "qmsum": load_qmsum,
    "dialogsum": load_dialogsum,
    "aeslc": load_aeslc,
    "stackfaq": load_stackfaq,
}
