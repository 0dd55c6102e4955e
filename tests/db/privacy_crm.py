"""A small CRM around one person, Pat Buyer, for erasure and retention tests.

Pat is a contact of acme (``c-pat``, pat@initech.example). Every acme record that names
Pat is listed in ``PAT_DOCUMENTS``; the rest must survive an erasure. globex has a
contact with the same address, which an erasure in acme must never touch.
"""

from __future__ import annotations

from typing import Any

from tests.db.crm_small import ACME, GLOBEX
from tests.db.crm_small import user_record as _user

PAT_EMAIL = "pat@initech.example"
PAT_NAME = "Pat Buyer"
#: Words only Pat wrote or said.
PAT_QUOTE = "zanzibar procurement freeze"

PAT_DOCUMENTS = {
    "em-from-pat",
    "em-to-pat",
    "em-mentions-pat",
    "em-attached-to-pat",
    "call-with-pat",
    "tk-pat",
}
OTHER_DOCUMENTS = {"em-sam", "call-sam", "tk-sam", "em-spat"}
USERS = {"admin", "mgr", "rep-1", "rep-2"}


def _doc(kind: str, did: str, owner: str, visibility: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "org": fields.pop("org", ACME),
        "id": did,
        "account_id": fields.pop("account_id", "a1"),
        "owner_id": owner,
        "visibility": visibility,
        "occurred_at": fields.pop("occurred_at", "2026-05-04T10:00:00Z"),
        **fields,
    }


def _email(did: str, owner: str, visibility: str, **fields: Any) -> dict[str, Any]:
    return _doc(
        "email",
        did,
        owner,
        visibility,
        **{
            "subject": f"Re: {did}",
            "from": f"{owner}@acme.example",
            "to": ["someone@initech.example"],
            "direction": "outbound",
            **fields,
        },
    )


def records() -> list[dict[str, Any]]:
    return [
        {"type": "team", "org": ACME, "id": "t1", "name": "East"},
        {"type": "team", "org": ACME, "id": "t2", "name": "West"},
        _user(ACME, "admin", "admin", None, None),
        _user(ACME, "mgr", "manager", "t1", None),
        _user(ACME, "rep-1", "rep", "t1", "mgr"),
        _user(ACME, "rep-2", "rep", "t2", None),
        _user(GLOBEX, "g-rep", "rep", None, None),
        _user(GLOBEX, "g-admin", "admin", None, None),
        {"type": "account", "org": ACME, "id": "a1", "name": "Initech", "owner_id": "rep-1"},
        {"type": "account", "org": GLOBEX, "id": "g-a1", "name": "Hooli", "owner_id": "g-rep"},
        {
            "type": "contact",
            "org": ACME,
            "id": "c-pat",
            "account_id": "a1",
            "name": PAT_NAME,
            "email": PAT_EMAIL,
        },
        {
            "type": "contact",
            "org": ACME,
            "id": "c-sam",
            "account_id": "a1",
            "name": "Sam Other",
            "email": "sam@initech.example",
        },
        {
            "type": "contact",
            "org": GLOBEX,
            "id": "g-pat",
            "account_id": "g-a1",
            "name": PAT_NAME,
            "email": PAT_EMAIL,
        },
        _email(
            "em-from-pat",
            "rep-1",
            "private",
            **{"from": f"Pat Buyer <{PAT_EMAIL}>", "to": ["rep-1@acme.example"]},
            direction="inbound",
            body=f"Hi, we have a {PAT_QUOTE} until March, so the Falcon order waits.",
        ),
        _email(
            "em-to-pat",
            "rep-1",
            "team",
            to=[PAT_EMAIL.upper()],
            body="Understood; I will hold the Falcon quote until your budget reopens.",
        ),
        _email(
            "em-mentions-pat",
            "rep-2",
            "org",
            body="Sync: pat buyer at Initech is the blocker on the renewal, per the CFO.",
        ),
        _email(
            "em-attached-to-pat",
            "rep-1",
            "team",
            contact_id="c-pat",
            body="Sending the revised security questionnaire to the buyer.",
        ),
        _email(
            "em-sam",
            "rep-1",
            "org",
            contact_id="c-sam",
            to=["sam@initech.example"],
            body="Sam, the onboarding workshop is booked for Tuesday.",
        ),
        _email(
            "em-spat",
            "rep-2",
            "org",
            to=["spat@initech.example"],
            body="A different address that only contains Pat's as a substring.",
        ),
        _doc(
            "call",
            "call-with-pat",
            "rep-1",
            "team",
            title="Budget call",
            participants=["Rep 1", "pat buyer"],
            transcript=f"Pat: The {PAT_QUOTE} stays until March.\nRep 1: Then we wait.",
        ),
        _doc(
            "call",
            "call-sam",
            "rep-1",
            "org",
            title="Onboarding call",
            participants=["Rep 1", "Sam Other"],
            transcript="Sam: The workshop on Tuesday works for us.\nRep 1: Great.",
        ),
        _doc(
            "ticket",
            "tk-pat",
            "rep-2",
            "org",
            contact_id="c-pat",
            subject="Invoice copy",
            body="Customer asks for a copy of invoice 4411.",
            status="open",
            priority="low",
        ),
        _doc(
            "ticket",
            "tk-sam",
            "rep-2",
            "org",
            contact_id="c-sam",
            subject="SSO login fails",
            body="Users get an error after the SAML redirect.",
            status="open",
            priority="high",
        ),
        _email(
            "g-em-pat",
            "g-rep",
            "org",
            org=GLOBEX,
            account_id="g-a1",
            **{"from": "g-rep@globex.example"},
            to=[PAT_EMAIL],
            body=f"Globex's own mail to Pat about the {PAT_QUOTE}.",
        ),
    ]
