"""The independent next-best-action oracle: which playbook rules must fire on an account.

It labels the ``synthetic`` suite's scenarios from the raw records and the rule
conditions stated in ``summarizers/playbook.toml`` (its ``when`` texts and default
thresholds). It is deliberately independent of :mod:`summarizers.actions`: it shares no
code with the engine under test, so the next-best-action metric can catch engine bugs
instead of agreeing with them. Keep it that way: restate a rule here, never import it.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

from copilot.sample import DOCUMENT_TYPES
from eval.datasets.common import parse_at

__all__ = [
    "LABELLED_ACTION_RULES",
    "AccountView",
    "account_views",
    "expected_action_rules",
    "label_rules",
    "default_playbook",
]

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


@dataclass
class AccountView:
    """One account's contacts, deals and documents (oldest first)."""

    contacts: list[Mapping[str, Any]] = field(default_factory=list)
    deals: list[Mapping[str, Any]] = field(default_factory=list)
    documents: list[tuple[datetime, Mapping[str, Any]]] = field(default_factory=list)


def account_views(records: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], AccountView]:
    """``{(org, account id): AccountView}``; tombstoned records are skipped."""
    views: dict[tuple[str, str], AccountView] = {}
    for r in records:
        if r.get("deleted") is True:
            continue
        if r["type"] == "account":
            views.setdefault((r["org"], r["id"]), AccountView())
            continue
        account_id = r.get("account_id")
        if account_id is None:
            continue
        view = views.setdefault((r["org"], account_id), AccountView())
        if r["type"] == "contact":
            view.contacts.append(r)
        elif r["type"] == "deal":
            view.deals.append(r)
        elif r["type"] in DOCUMENT_TYPES:
            view.documents.append((parse_at(r["occurred_at"]), r))
    for view in views.values():
        view.documents.sort(key=lambda p: (p[0], p[1]["id"]))
    return views


@lru_cache(maxsize=1)
def default_playbook() -> Mapping[str, Any]:
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
    view = account_views(r for r in records if r["org"] == org).get((org, account_id))
    return label_rules(view or AccountView(), as_of, default_playbook())


_Subjects = set[str]


def label_rules(view: AccountView, as_of: datetime, playbook: Mapping[str, Any]) -> tuple[str, ...]:
    """The labelled rules that fire on ``view`` as of ``as_of``, in playbook order."""
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
    view: AccountView, docs: _Docs, as_of: datetime, rule: Mapping[str, Any], _: Any
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
    view: AccountView,
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
    view: AccountView,
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
    view: AccountView, docs: _Docs, as_of: datetime, rule: Mapping[str, Any], _: Any
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


def _contact_activity(view: AccountView, docs: _Docs, contact: Mapping[str, Any]) -> list[datetime]:
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
    view: AccountView, docs: _Docs, as_of: datetime, rule: Mapping[str, Any], _: Any
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


def _open_deals(view: AccountView, definitions: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    closed = {s.lower() for s in definitions["closed_deal_stages"]}
    return [d for d in view.deals if str(d.get("stage", "")).strip().lower() not in closed]


def _untouched_deals(
    view: AccountView,
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
    view: AccountView,
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
    view: AccountView,
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
    [AccountView, _Docs, datetime, Mapping[str, Any], Mapping[str, Any]], _Subjects
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
