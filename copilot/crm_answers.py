"""Answers from CRM records, not from a sentence of one document.

Two kinds, both stating only what the caller may see, each item cited by its record:

* **fields** of the deals, accounts, tickets, contacts and colleagues a question names
  ("When does the Harborview deal close?", "Who is Uma Zhang?"), stated first and shown
  beside any answer from documents, so a field and a document that disagree both show;
* **lists** of the accounts whose records mention something ("Which customers mentioned
  Salesforce?"): each account's first sentence that names it, cited by its exact span.

Callers hand in a transaction already bound to the caller (``conn``, ``acl``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import Connection

from retrieval import store
from summarizers.answer.fields import (
    asks_contacts,
    asks_fields,
    asks_people_at,
    asks_ticket_status,
    colleague_facts,
    contact_facts,
    field_facts,
    may_ask_ticket_status,
    person_facts,
    ticket_codes,
    ticket_facts,
    tickets_meant,
)
from summarizers.answer.listing import AccountMention
from summarizers.models import Answer, Evidence
from textkit.tokens import fold

__all__ = [
    "FIELD_CONFIDENCE",
    "account_list",
    "asks_crm_fields",
    "crm_facts",
    "question_words",
    "with_accounts",
    "with_facts",
]

#: The confidence of an answer stated from CRM records (fields, or sentences that name
#: what a list question looks for): exact records, not an inference from text.
FIELD_CONFIDENCE = 0.95

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'-]*")


def question_words(question: str) -> list[str]:
    """The question's words, lowercased, possessives dropped: "Harborview's" names
    Harborview, "Maya Bennett's title" names Maya Bennett.

    Example:
        >>> question_words("What is Maya Bennett's title?")
        ['what', 'is', 'maya', 'bennett', 'title']
        >>> question_words("When does Zürich renew?")  # accents dropped, as names are read
        ['when', 'does', 'zurich', 'renew']
    """
    return [w.removesuffix("'s").rstrip("'") for w in _WORD.findall(fold(question))]


def asks_crm_fields(question: str) -> bool:
    """Whether any CRM field may answer ``question`` (cheap: no database read)."""
    return (
        asks_fields(question)
        or asks_ticket_status(question)
        or may_ask_ticket_status(question)
        or asks_contacts(question)
    )


def crm_facts(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    question: str,
    accounts: Mapping[str, str],
    tickets: Sequence[tuple[str, str]] = (),
) -> list[Evidence]:
    """The CRM fields that answer ``question``: deal close date, amount and stage, an
    account's owner, a ticket's status, who a contact or a colleague is, or who the
    contacts at an account are. Only records the caller may see.

    Args:
        tickets: ``(id, title)`` of the tickets retrieved for the question (of the
            accounts it names), best first: which a status question without a ticket
            number may mean (:func:`summarizers.answer.fields.tickets_meant`).
        accounts: The accounts the question names (id → name), as the ask resolved
            them (``Assistant.named_accounts``: initials, acronyms and misspellings
            included); each is checked again against the caller's access here.
    """
    names = list(accounts.values())
    wants_fields, wants_people = asks_fields(question), asks_contacts(question)
    words = question_words(question)
    facts: list[Evidence] = []
    by_name = asks_ticket_status(question)
    if by_name or may_ask_ticket_status(question):
        codes = ticket_codes(question)
        shared = 1 if by_name else 2  # without "ticket" or a number: a strong match
        meant = [] if codes else tickets_meant(question, tickets, names=names, shared=shared)
        found = store.tickets_named(conn, org=org, acl=acl, codes=codes or meant)
        if meant:  # ids, not numbers a title may contain: exactly those tickets
            found = [t for t in found if t.id in meant]
        facts += ticket_facts([(t.id, t.title, t.fields, t.content) for t in found])
    names_someone = False  # a contact or a colleague, by full name
    if wants_people:
        named_contacts = store.contacts_named(conn, org=org, acl=acl, words=words)
        colleagues = store.colleagues_named(conn, org=org, words=words)
        facts += person_facts(question, named_contacts)
        facts += colleague_facts(question, colleagues)
        names_someone = bool(named_contacts or colleagues)
    # Reading an account's contacts only for a question about its people.
    people_at = not names_someone and asks_people_at(question)
    if not (wants_fields or people_at):
        return facts
    for account_id in list(accounts)[:2]:
        account = store.visible_account(conn, org=org, acl=acl, account_id=account_id)
        if account is None:
            continue
        if people_at:
            contacts = store.account_contacts(conn, org=org, account_id=account.id)
            facts += contact_facts(question, account=account, contacts=contacts)
        if not wants_fields:
            continue
        deals = store.account_deals(conn, org=org, account_id=account.id)
        owner = store.users_by_id(conn, org=org, ids=[account.owner_id]).get(account.owner_id)
        facts += field_facts(
            question, account=account, owner_name=owner.name if owner else None, deals=deals
        )
    return facts


def with_facts(answer: Answer, facts: Sequence[Evidence]) -> Answer:
    """``answer`` with ``facts`` stated first; a document answer stays beside them."""
    if not facts:
        return answer
    text = " ".join(f.quote for f in facts)
    return answer.model_copy(
        update={
            "answer": f"{text} {answer.answer}" if answer.answered else text,
            "answered": True,
            "confidence": max(answer.confidence, FIELD_CONFIDENCE),
            "see_also": [],
            "facts": list(facts),
        }
    )


def account_list(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    mentions: Sequence[AccountMention],
    engine: str,
) -> Answer | None:
    """The accounts of ``mentions`` the caller may see, one line each with the sentence
    that names the target, cited by its span; None when there are none."""
    lines, citations = [], []
    for mention in mentions:
        account = store.visible_account(conn, org=org, acl=acl, account_id=mention.account_id)
        if account is None:
            continue
        lines.append(f"- {account.name}: {mention.citation.quote}")
        citations.append(mention.citation)
    if not citations:
        return None
    return Answer(
        answer="\n".join(lines),
        citations=citations,
        answered=True,
        engine=engine,
        confidence=FIELD_CONFIDENCE,
    )


def with_accounts(
    conn: Connection[Any],
    *,
    org: str,
    acl: frozenset[str],
    answer: Answer,
    account_of: Mapping[str, str | None],
) -> Answer:
    """A document answer to "which customer…?" with the accounts of its cited records
    first (those the caller may see): the sentence itself rarely names its account."""
    if not answer.answered:
        return answer
    names: list[str] = []
    for citation in answer.citations:
        account_id = account_of.get(citation.document_id)
        if account_id is None:
            continue
        account = store.visible_account(conn, org=org, acl=acl, account_id=account_id)
        if account is not None and account.name not in names:
            names.append(account.name)
    missing = [n for n in names if n.lower() not in answer.answer.lower()]
    if not missing:
        return answer
    return answer.model_copy(update={"answer": f"{', '.join(missing)}: {answer.answer}"})
