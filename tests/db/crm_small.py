"""A small hand-built CRM whose visibility is worked out by hand, rule by rule."""

from __future__ import annotations

from typing import Any

ACME = "acme"
GLOBEX = "globex"


def user_record(
    org: str, uid: str, role: str, team: str | None, manager: str | None
) -> dict[str, Any]:
    """A ``user`` record named after its id, with an ``<id>@<org>.example`` address."""
    return {
        "type": "user",
        "org": org,
        "id": uid,
        "name": uid.replace("-", " ").title(),
        "email": f"{uid}@{org}.example",
        "team_id": team,
        "manager_id": manager,
        "role": role,
    }


def _rep_e1_record(kind: str, doc_id: str) -> dict[str, Any]:
    """What every record built below shares: acme, Initech (a1), rep-e1, org-visible."""
    return {
        "type": kind,
        "org": ACME,
        "id": doc_id,
        "account_id": "a1",
        "owner_id": "rep-e1",
        "visibility": "org",
        "occurred_at": "2026-05-05T09:00:00Z",
    }


def call_record(doc_id: str, **extra: Any) -> dict[str, Any]:
    """An org-visible ``call`` of rep-e1 with Initech (a1) in acme; ``extra`` overrides."""
    return {
        **_rep_e1_record("call", doc_id),
        "title": "Pricing call",
        "transcript": [{"speaker": "Ana", "text": "The price is fine."}],
        **extra,
    }


def email_record(doc_id: str, **extra: Any) -> dict[str, Any]:
    """An org-visible inbound ``email`` to rep-e1 from Initech (a1) in acme; ``extra``
    overrides."""
    return {
        **_rep_e1_record("email", doc_id),
        "subject": f"Note {doc_id}",
        "from": "buyer@customer.example",
        "to": ["rep-e1@acme.example"],
        "direction": "inbound",
        "body": "Initech confirmed the purchase order for the pilot.",
        **extra,
    }


def _email(
    org: str, did: str, owner: str, visibility: str, body: str, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "email",
        "org": org,
        "id": did,
        "account_id": extra.pop("account_id", "a1" if org == ACME else "g-a1"),
        "owner_id": owner,
        "visibility": visibility,
        "occurred_at": "2026-05-04T10:00:00Z",
        "subject": extra.pop("subject", f"Re: {did}"),
        "from": "buyer@customer.example",
        "to": [f"{owner}@{org}.example"],
        "direction": "inbound",
        "body": body,
        **extra,
    }


def records() -> list[dict[str, Any]]:
    return [
        {"type": "team", "org": ACME, "id": "t-east", "name": "East"},
        {"type": "team", "org": ACME, "id": "t-west", "name": "West"},
        {"type": "team", "org": GLOBEX, "id": "g-t", "name": "Globex sales"},
        user_record(ACME, "admin", "admin", None, None),
        user_record(ACME, "vp", "manager", "t-east", None),
        user_record(ACME, "mgr-e", "manager", "t-east", "vp"),
        user_record(ACME, "rep-e1", "rep", "t-east", "mgr-e"),
        user_record(ACME, "rep-e2", "rep", "t-east", "mgr-e"),
        user_record(ACME, "mgr-w", "manager", "t-west", "vp"),
        user_record(ACME, "rep-w1", "rep", "t-west", "mgr-w"),
        user_record(GLOBEX, "g-admin", "admin", None, None),
        user_record(GLOBEX, "g-rep", "rep", "g-t", None),
        {"type": "account", "org": ACME, "id": "a1", "name": "Initech", "owner_id": "rep-e1"},
        {"type": "account", "org": ACME, "id": "a2", "name": "Umbrella", "owner_id": "rep-w1"},
        {"type": "account", "org": GLOBEX, "id": "g-a1", "name": "Hooli", "owner_id": "g-rep"},
        _email(
            ACME,
            "d-private",
            "rep-e1",
            "private",
            "Initech asked for a discount on the Falcon rollout pricing before signing.",
        ),
        _email(
            ACME,
            "d-team",
            "rep-e1",
            "team",
            "The Initech security review is blocking the contract; they need our SOC 2 report.",
        ),
        _email(
            ACME,
            "d-org",
            "rep-w1",
            "org",
            "Umbrella renewal is on track for next quarter.",
            account_id="a2",
        ),
        _email(
            ACME,
            "d-shared-user",
            "rep-w1",
            "private",
            "Umbrella wants an onboarding workshop for their admins.",
            account_id="a2",
            shared_with=["rep-e2"],
        ),
        _email(
            ACME,
            "d-shared-team",
            "rep-w1",
            "private",
            "Umbrella reported invoice dispute TCK-4471 about duplicate charges.",
            account_id="a2",
            shared_with=["team:t-east"],
        ),
        _email(
            GLOBEX,
            "g-doc",
            "g-rep",
            "org",
            "Hooli asked for a discount on the Falcon rollout pricing before signing.",
        ),
    ]


ACME_DOCS = {"d-private", "d-team", "d-org", "d-shared-user", "d-shared-team"}

#: Who sees what, derived by hand from the six sharing rules.
EXPECTED: dict[tuple[str, str], set[str]] = {
    (ACME, "admin"): ACME_DOCS,  # admin
    (ACME, "vp"): ACME_DOCS,  # manager of everyone
    (ACME, "mgr-e"): {"d-private", "d-team", "d-org", "d-shared-team"},
    (ACME, "rep-e1"): {"d-private", "d-team", "d-org", "d-shared-team"},
    (ACME, "rep-e2"): {"d-team", "d-org", "d-shared-user", "d-shared-team"},
    (ACME, "mgr-w"): {"d-org", "d-shared-user", "d-shared-team"},
    (ACME, "rep-w1"): {"d-org", "d-shared-user", "d-shared-team"},
    (GLOBEX, "g-admin"): {"g-doc"},
    (GLOBEX, "g-rep"): {"g-doc"},
}
