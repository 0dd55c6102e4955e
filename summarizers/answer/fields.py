"""Answers from CRM fields: a deal's close date, amount and stage, an account's owner, a
ticket's status, who a contact is and who the contacts at an account are.

Pure: the caller resolves the account the question names (one the asker may see) and
hands in its deals and its owner's name. Each fact is cited by its record
(``record_type`` "deal" or "account", as next-best actions cite deals), and is shown
next to any answer from documents, so a field and a document that disagree are both
visible.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from summarizers.answer.question import answer_type, question_terms
from summarizers.models import Evidence
from textkit.crm import AccountRow, ColleagueRow, ContactRow, DealRow
from textkit.crm_words import is_closed_deal_stage, says_yes
from textkit.documents import last_comment

# A ticket number as people write it: letters, a dash, digits ("TCK-10234", "INC-7").
_TICKET_CODE = re.compile(r"\b[A-Za-z]{2,6}-\d{3,}\b")
_TICKET_STATUS = re.compile(
    r"\b(?:status|open|opened|closed|resolved|solved|pending|still|state|progress|fixed"
    r"|priority|escalated|stand|stands|standing|sorted|handled|addressed|cleared|working"
    r"|again)\b",
    re.I,
)

__all__ = [
    "asks_contacts",
    "asks_fields",
    "asks_people_at",
    "asks_ticket_status",
    "colleague_facts",
    "contact_facts",
    "field_facts",
    "person_facts",
    "ticket_codes",
    "ticket_facts",
    "tickets_meant",
    "may_ask_ticket_status",
]

_OWNER = re.compile(r"\bwho (?:owns|manages|covers|runs)\b|\b(?:account )?owner\b", re.I)
_DEAL = re.compile(
    r"\b(?:deal|deals|renewal|renew|close|closing|closes|opportunity|expansion|contract)\b",
    re.I,
)
# When the current contract ends: "when does it expire?", "when does the agreement run out?"
_TERM_ENDS = re.compile(
    r"\b(?:expir\w*|run(?:s|ning)? out|ran out|lapses?|lapsing|end(?:s|ing)?(?! of))\b", re.I
)
_STAGE = re.compile(r"\bwhat stage\b|\bwhich stage\b|\bdeal stage\b", re.I)
_RENEWAL = re.compile(r"\b(?:renewals?|renews?|renewing|contract|contracts|term)\b", re.I)
_YES_NO = re.compile(r"\s*(?:is|are|has|have|did|was|were)\b", re.I)
_TICKET_WORD = re.compile(
    r"\b(?:tickets?|cases?|support requests?|bugs?|issues?|incidents?|problems?)\b", re.I
)
# What a ticket status question says besides which ticket it means (term stems).
_TICKET_TERMS = frozenset(
    question_terms(
        "ticket tickets case cases support request status state open opened closed resolved"
        " solved pending still progress fixed priority escalated where stand stands"
        " bug bugs issue issues incident incidents problem problems get got yet out"
        " sorted handled addressed cleared working again"
    )
)
_COUNT_ASKED = re.compile(
    r"\bhow many\b|\bnumber of\b|\b(?:seats?|users?|licen[cs]es?|headcount|people|employees)\b",
    re.I,
)


def asks_fields(question: str) -> bool:
    """Whether ``question`` may be answered from deal or account fields (cheap, so the
    caller fetches deals only then).

    Example:
        >>> asks_fields("Who owns the Contoso account?"), asks_fields("What did Pat say?")
        (True, False)
    """
    wants = answer_type(question)
    return bool(
        (wants == "person" and _OWNER.search(question))
        or _asks_deal(question, wants)
        or _STAGE.search(question)
    )


def _asks_deal(question: str, wants: str | None) -> bool:
    """A deal's close date or amount may answer it: a date or a money question about a
    deal. A count ("How many seats is Initech renewing?") is no deal's amount, and when
    the current contract runs out is no deal's close date: a renewal closes when the new
    one is signed, often weeks before the old one ends."""
    if not _DEAL.search(question) or _TERM_ENDS.search(question):
        return False
    return wants == "date" or (wants == "amount" and not _COUNT_ASKED.search(question))


def field_facts(
    question: str,
    *,
    account: AccountRow,
    owner_name: str | None,
    deals: Sequence[DealRow],
    max_deals: int = 2,
) -> list[Evidence]:
    """The CRM facts that answer ``question`` about ``account``, each cited by its record.

    Example:
        >>> from datetime import date
        >>> acct = AccountRow(id="a-12", name="Initech", owner_id="u-7")
        >>> deal = DealRow(id="dl-3", account_id="a-12", owner_id="u-7", name="Initech expansion",
        ...                stage="negotiation", amount=48000, close_date=date(2026, 12, 15))
        >>> [f.quote for f in field_facts("How big is the Initech deal?", account=acct,
        ...                               owner_name="Dana Reyes", deals=[deal])]
        ['Initech expansion (negotiation): $48,000, closing December 15, 2026.']
    """
    wants = answer_type(question)
    facts: list[Evidence] = []
    if wants == "person" and _OWNER.search(question) and owner_name:
        facts.append(
            Evidence(
                document_id=account.id,
                quote=f"{account.name} is owned by {owner_name}.",
                record_type="account",
            )
        )
    if (_asks_deal(question, wants) or _STAGE.search(question)) and deals:
        for deal in _relevant_deals(question, account, deals)[:max_deals]:
            facts.append(
                Evidence(
                    document_id=deal.id,
                    quote=(
                        f"{deal.name} ({deal.stage}): ${deal.amount:,.0f},"
                        f" closing {_spoken(deal.close_date)}."
                    ),
                    record_type="deal",
                )
            )
    return facts


def _spoken(day: date) -> str:
    """``day`` as a rep writes it: "June 30, 2026", not "2026-06-30"."""
    return f"{day:%B} {day.day}, {day.year}"


def _relevant_deals(question: str, account: AccountRow, deals: Sequence[DealRow]) -> list[DealRow]:
    """Deals the question names by a word of their name (beyond the account's), else the
    open ones, soonest close first.

    A closed deal (:func:`textkit.crm_words.is_closed_deal_stage`, the playbook's
    default words) answers only when named: its close date is history, not when "the
    renewal" is. A question about the renewal or the contract is answered only by a deal
    named for it: a new-business deal's close date says nothing about when a contract
    ends.
    """
    asked = set(question_terms(question)) - set(question_terms(account.name))
    named = [d for d in deals if asked & (set(question_terms(d.name)) - {"deal"})]
    if not named and _RENEWAL.search(question):
        named = [d for d in deals if _RENEWAL.search(d.name)]
        if not named:
            return []
    if named:
        return sorted(named, key=lambda d: d.close_date)
    open_deals = [d for d in deals if not is_closed_deal_stage(d.stage)]
    return sorted(open_deals, key=lambda d: d.close_date)


def ticket_codes(question: str) -> list[str]:
    """Ticket numbers written in ``question``.

    Example:
        >>> ticket_codes("Is ticket TCK-10234 still open?")
        ['TCK-10234']
    """
    return list(dict.fromkeys(_TICKET_CODE.findall(question)))


def asks_ticket_status(question: str) -> bool:
    """Whether ``question`` asks a ticket's status or priority: by its number, or as
    "the … ticket" (:func:`tickets_meant` then tells which of the retrieved ones).

    Example:
        >>> asks_ticket_status("Is ticket TCK-10234 still open?")
        True
        >>> asks_ticket_status("What's the status of the Brightwater Expensify ticket?")
        True
        >>> asks_ticket_status("What's the status of the renewal?")
        False
        >>> asks_ticket_status("Is the screen reader bug Tillbrook found fixed?")
        True
    """
    return bool(
        (ticket_codes(question) or _TICKET_WORD.search(question))
        and _TICKET_STATUS.search(question)
    )


def may_ask_ticket_status(question: str) -> bool:
    """Whether ``question`` may ask a ticket's status without saying "ticket": a yes/no
    question about something being fixed, closed or open ("Is the Okta login loop
    closed out yet?"). Only a retrieved ticket whose title shares at least two of its
    words answers it (:func:`tickets_meant` with ``shared=2``).

    Example:
        >>> may_ask_ticket_status("is the okta login loop for morrow bay closed out yet?")
        True
        >>> may_ask_ticket_status("When does the deal close?")
        False
    """
    return bool(_YES_NO.match(question) and _TICKET_STATUS.search(question))


def tickets_meant(
    question: str,
    tickets: Sequence[tuple[str, str]],
    *,
    names: Sequence[str] = (),
    limit: int = 2,
    shared: int = 1,
) -> list[str]:
    """Which of ``tickets`` a status question without a number means: those whose title
    shares the most words with what the question says of it ("the Expensify ticket"),
    best retrieved first; the best retrieved one when the question says nothing of it
    ("Is Brightwater's ticket still open?"). Empty when the question names something
    no title has.

    Args:
        tickets: ``(id, title)`` of the tickets retrieved for the question, of the
            accounts it names (if any), best first.
        names: The names of those accounts: words that say whose ticket, not which.
        shared: How many words a title must share with the question at least.

    Example:
        >>> seen = [("NW-7", "NW-7 Report export slow"), ("NW-4", "NW-4 Expensify duplicates")]
        >>> tickets_meant("What's the status of the Expensify ticket?", seen)
        ['NW-4']
        >>> tickets_meant("What's the status of the SAML ticket?", seen)
        []
    """
    whose = {t for name in names for t in question_terms(name)}
    said = [t for t in question_terms(question) if t not in _TICKET_TERMS and t not in whose]
    titles = [(tid, set(question_terms(title))) for tid, title in tickets]
    scored = [(sum(t in terms for t in said), tid) for tid, terms in titles]
    best = max((n for n, _ in scored), default=0)
    if (said or shared > 1) and best < shared:
        return []
    return [tid for n, tid in scored if n == best][:limit]


#: The longest latest comment quoted whole; a longer one is quoted to its last sentence
#: end within this many characters.
_UPDATE_CHARS = 400


def ticket_facts(
    tickets: Sequence[tuple[str, str, dict[str, object], str]],
) -> list[Evidence]:
    """Each ticket's status and priority from its fields, cited by the ticket, and its
    latest comment, if it has one (cited by its span): "is it fixed?" asks what happened
    last as much as the status ("Repeater shipped today; pending until the customer
    confirms it's mounted").

    Args:
        tickets: ``(id, title, fields, text)`` of tickets the caller may see (``text``
            the ticket's canonical text, comments included).

    Example:
        >>> ticket_facts([("TCK-10234", "TCK-10234 SSO login fails",
        ...                {"status": "open", "priority": "high"}, "SSO fails.")])[0].quote
        'TCK-10234 SSO login fails: status open, priority high.'
        >>> text = "SSO fails.\\n\\n--- comment by u1 at 2025-01-06\\nCert renewed; fixed."
        >>> [f.quote for f in ticket_facts([("T-1", "T-1 SSO", {"status": "solved"}, text)])]
        ['T-1 SSO: status solved.', 'Cert renewed; fixed.']
    """
    facts = []
    for ticket_id, title, fields, text in tickets:
        status, priority = fields.get("status"), fields.get("priority")
        if not status:
            continue
        tail = f", priority {priority}" if priority else ""
        facts.append(
            Evidence(
                document_id=ticket_id,
                quote=f"{title}: status {status}{tail}.",
                record_type="ticket",
            )
        )
        span = _latest_update(text)
        if span is not None:
            start, end = span
            facts.append(
                Evidence(document_id=ticket_id, quote=text[start:end], start=start, end=end)
            )
    return facts


def _latest_update(text: str) -> tuple[int, int] | None:
    span = last_comment(text)
    if span is None:
        return None
    start, end = span
    if end - start > _UPDATE_CHARS:
        cut = max(text.rfind(". ", start, start + _UPDATE_CHARS), -1)
        end = cut + 1 if cut > start else start + _UPDATE_CHARS
    return start, end


# What a question about who someone is may ask besides their name (term stems): "What is
# Uma Zhang's title?", "How do I reach Uma Zhang?".
_ABOUT_PERSON = frozenset(
    question_terms("title role job position email mail address phone reach contact detail work")
)
# Words a rep adds that do not change what is asked: "What's her title again?",
# "Remind me of Uma Zhang's email", "What exactly is his role now?".
_ASIDES = frozenset(
    question_terms(
        "again remind me exactly currently current now actually quick just real"
        " his her their over there"
    )
)
# What a question about the people at an account may ask besides its name: "Who is our
# contact at Harborview?", "Who do we know at Harborview?", "Who is the champion there?".
_PEOPLE_AT = frozenset(
    question_terms("contact contacts main primary point people person know talk speak reach")
)
_CHAMPION = frozenset(question_terms("champion"))


def asks_contacts(question: str) -> bool:
    """Whether ``question`` may ask who someone is or who the contacts at an account are
    (cheap, so the caller looks contacts up only then).

    Example:
        >>> asks_contacts("Who is Uma Zhang?"), asks_contacts("When does the deal close?")
        (True, False)
    """
    terms = set(question_terms(question))
    return answer_type(question) == "person" or bool(terms & _ABOUT_PERSON)


def asks_people_at(question: str) -> bool:
    """Whether ``question`` may ask who the people at an account are: a "who" question
    that is not about the account's owner (cheap, so the caller reads contacts only then).

    Example:
        >>> asks_people_at("Who is our contact at Harborview?")
        True
        >>> asks_people_at("What did the email say?"), asks_people_at("Who owns Harborview?")
        (False, False)
    """
    return answer_type(question) == "person" and not _OWNER.search(question)


def person_facts(question: str, named: Sequence[tuple[ContactRow, AccountRow]]) -> list[Evidence]:
    """Who the contacts ``question`` names are, when that is all it asks ("Who is Uma
    Zhang?", "What is Uma Zhang's title?"), each cited by the contact's record.

    A question that names a contact to ask something else ("What did Uma Zhang say
    about pricing?") gets none: documents answer it.

    Example:
        >>> acct = AccountRow(id="a-1", name="Harborview Software", owner_id="u-1")
        >>> uma = ContactRow("c-9", "a-1", "Uma Zhang", "uma@harborview.example", "Analyst")
        >>> [f.quote for f in person_facts("Who is Uma Zhang?", [(uma, acct)])]
        ['Uma Zhang: Analyst at Harborview Software (uma@harborview.example).']
        >>> [f.document_id for f in person_facts("what's Uma Zhang's title again?", [(uma, acct)])]
        ['c-9']
        >>> [f.document_id for f in person_facts("Uma Zhang -- what's her role over there?",
        ...                                      [(uma, acct)])]
        ['c-9']
        >>> person_facts("What did Uma Zhang say about pricing?", [(uma, acct)])
        []
    """
    return [
        _contact_fact(contact, account)
        for contact, account in named
        if _only_about(question, contact.name, account.name)
    ]


def colleague_facts(question: str, named: Sequence[ColleagueRow]) -> list[Evidence]:
    """Who the colleagues (CRM users) ``question`` names are, when that is all it asks
    ("Who is Theo Goldberg?"), each cited by the user's record.

    Example:
        >>> theo = ColleagueRow("u-6", "Theo Goldberg", "theo@acme.example", "manager",
        ...                     "VP of Sales", "East")
        >>> [f.quote for f in colleague_facts("Who is Theo Goldberg?", [theo])]
        ['Theo Goldberg: VP of Sales on our side (manager, team East; theo@acme.example).']
    """
    facts = []
    for user in named:
        if not _only_about(question, user.name):
            continue
        title = f"{user.title} on our side" if user.title else "on our side"
        team = f", team {user.team}" if user.team else ""
        facts.append(
            Evidence(
                document_id=user.id,
                quote=f"{user.name}: {title} ({user.role}{team}; {user.email}).",
                record_type="user",
            )
        )
    return facts


def _only_about(question: str, *names: str) -> bool:
    """Whether ``question`` asks nothing but who the person named ``names[0]`` is (the
    other names, such as their account's, may appear too)."""
    rest = set(question_terms(question)) - _ASIDES
    for name in names:
        rest -= set(question_terms(name))
    return rest <= _ABOUT_PERSON


def contact_facts(
    question: str, *, account: AccountRow, contacts: Sequence[ContactRow], limit: int = 5
) -> list[Evidence]:
    """The contacts at ``account``, when ``question`` asks who they are ("Who is our
    contact at Harborview?"); only those marked as champion when it asks for the
    champion (``champion`` says yes: :func:`textkit.crm_words.says_yes`, the playbook's
    rule too). Each is cited by its record.

    A question for one role ("Who is the IT director at Harborview?") gets none: a title
    is not always the role a question means, and the documents answer it.

    Example:
        >>> acct = AccountRow(id="a-1", name="Harborview Software", owner_id="u-1")
        >>> maya = ContactRow("c-8", "a-1", "Maya Bennett", "maya@harborview.example",
        ...                   "Head of Support", {"champion": True})
        >>> uma = ContactRow("c-9", "a-1", "Uma Zhang", "uma@harborview.example", "Analyst")
        >>> [f.document_id for f in contact_facts(
        ...     "Who is our contact at Harborview?", account=acct, contacts=[maya, uma])]
        ['c-8', 'c-9']
        >>> [f.document_id for f in contact_facts(
        ...     "Who is the champion at Harborview?", account=acct, contacts=[maya, uma])]
        ['c-8']
    """
    if not asks_people_at(question):
        return []
    rest = set(question_terms(question)) - set(question_terms(account.name))
    if rest & _CHAMPION and rest - _CHAMPION <= _PEOPLE_AT:
        chosen = [c for c in contacts if says_yes(c.attributes.get("champion"))]
    elif rest <= _PEOPLE_AT:
        chosen = list(contacts)
    else:
        return []
    return [_contact_fact(c, account) for c in chosen[:limit]]


def _contact_fact(contact: ContactRow, account: AccountRow) -> Evidence:
    role = f"{contact.title} at {account.name}" if contact.title else f"at {account.name}"
    email = f" ({contact.email})" if contact.email else ""
    return Evidence(
        document_id=contact.id, quote=f"{contact.name}: {role}{email}.", record_type="contact"
    )
