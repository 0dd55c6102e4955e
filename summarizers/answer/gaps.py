"""Answers naming what a customer wants the product to do: "What functionality does
Maplestone say we lack?", "What would Meridian like us to build for them?".

Such a question is about an account, and is answered by what its records say the
customer asked for, in the customer's words: the product gap the call summaries
recognise (:data:`summarizers.offline.objections.PRODUCT_GAP`: "It would really help if
we had an offline mode", "Is there any plan to support SAML group sync?", "We need an
audit log export for compliance; is that on the roadmap?"). The sentence is rarely close
in meaning to the question ("build" against "offline mode"), so the ranker's confidence
cannot tell; the phrasing can. The first such sentence of the named accounts' records,
in retrieval order, answers; without one the question is answered as any other.

Pure: the caller retrieves the passages (the asker's own search) with the accounts the
question named as their context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizers.answer.features import candidates
from summarizers.answer.question import answer_type, wants_competitor
from summarizers.answer.rivals import customer_terms, reports_the_customer
from summarizers.answer.select import through_reply
from summarizers.competitors import DEFAULT_COMPETITORS, find_competitors
from summarizers.models import Citation, Passage
from summarizers.offline.objections import PRODUCT_GAP

__all__ = ["asks_product_gap", "gap_mentions"]

_ASKS_GAP = re.compile(
    r"\b(?:capabilit(?:y|ies)|features?|functionality|enhancements?|roadmap|build"
    r"|lack(?:s|ing)?|missing from)\b",
    re.I,
)
# "we don't need an offline mode": a gap said not to be one.
_DENIED = re.compile(
    r"\b(?:not|no|never|don['\u2019]?t|doesn['\u2019]?t)\s+(?:\w+\s+)?need\b", re.I
)


def asks_product_gap(question: str, names: Sequence[str] = DEFAULT_COMPETITORS) -> bool:
    """Whether ``question`` asks what the customer wants the product to have or do.

    Example:
        >>> asks_product_gap("What would Meridian Retail like us to build for them?")
        True
        >>> asks_product_gap("Which capability has Granite Software been lobbying for?")
        True
        >>> asks_product_gap("When will the audit log feature ship?")
        False
        >>> asks_product_gap("Which features does HubSpot have that we lack?")
        False
    """
    if not _ASKS_GAP.search(question) or wants_competitor(question):
        return False
    if find_competitors(question, names):  # what a competitor has that we lack
        return False
    return answer_type(question) not in ("date", "amount", "person", "code")


def gap_mentions(passages: Sequence[Passage], *, limit: int = 1) -> list[Citation]:
    """The first ``limit`` sentences of the named accounts' ``passages`` in which the
    customer asks for what the product lacks, in retrieval order, in their words or ours
    reporting theirs (:func:`summarizers.answer.rivals.reports_the_customer`).

    Example:
        >>> from datetime import UTC, datetime
        >>> text = "Is there any plan to support an offline mode for the mobile app?"
        >>> p = Passage(document_id="tk-7", kind="ticket", title="Offline", text=text,
        ...             start=0, end=len(text), score=1.0, occurred_at=datetime.now(UTC),
        ...             context=("Meridian Retail",))
        >>> [c.quote for c in gap_mentions([p])]
        ['Is there any plan to support an offline mode for the mobile app?']
    """
    found: list[Citation] = []
    cands = candidates(passages)
    customers = customer_terms(passages)
    for c in cands:
        # Our words count when they report the customer ("Pinecrest Media wants bulk
        # record editing before expanding"), never as our pitch.
        if not c.named or not reports_the_customer(c, customers) or _DENIED.search(c.text):
            continue
        if PRODUCT_GAP.search(c.text):
            # "Is there any plan to support SAML group sync? Our admins keep asking."
            found.append(through_reply(c, cands, passages))
            if len(found) == limit:
                break
    return found
