"""Answers naming the competition: "Who is Copperleaf comparing us against?".

A competitor question about an account is answered by the competitors its records name:
each competitor once, with the first sentence that names it, cited by its exact span.
A competitor is what :func:`summarizers.competitors.find_competitors` finds (the call
summaries' recogniser: the configured list, and competitive phrasing such as "a bake-off
against Sage Intacct" or "we're getting a demo from Absorb"), in records of the accounts
the question named, and in our own words (``Candidate.side == "ours"``) only when they
report what the customer does ("they have a demo with Absorb"): a rep's pitch "Teams
that moved off HubSpot usually cite our reporting" says nothing about what the customer
is evaluating. A name the question itself says is not an answer.

Pure: the caller retrieves the passages (the asker's own search) with the accounts the
question named as their context.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizers.answer.features import Candidate, candidates
from summarizers.answer.question import answer_type, question_terms, wants_competitor
from summarizers.competitors import DEFAULT_COMPETITORS, find_competitors
from summarizers.models import Citation, Passage
from textkit.documents import is_speaker_label, label_line

__all__ = [
    "RivalMention",
    "asks_competitor",
    "customer_terms",
    "reports_the_customer",
    "rival_mentions",
]

# "Which competitor is MBCU getting a demo from and when": a competitor first, whatever
# else it asks.
_WHICH_RIVAL = re.compile(
    r"\s*(?:which|what) (?:other )?(?:competitors?|rivals?|vendors?|alternatives?)\b"
    r"|.*\b(?:anyone|anybody|someone|somebody) else\b",
    re.I,
)
# "Is another provider trying to win Westbrook's business?": yes or no about some other
# vendor, which the competitors the records name answer (not "is their incumbent's
# contract up soon?", nor "do they have a demo from HubSpot?", which names its own).
_YES_NO = re.compile(r"\s*(?:is|are|was|were|has|have|had|do|does|did|any)\b", re.I)
_SOME_OTHER = re.compile(
    r"\b(?:competitors?|competition|rivals?|alternatives?|up against"
    r"|(?:other|another) (?:vendor|provider|supplier|solution|tool|platform|option)s?"
    r"|(?:anyone|anybody|someone|somebody) else|compar\w* us|weigh\w* us|shortlist\w*)\b",
    re.I,
)
# Our words count when they report the customer's doing ("they have a demo with
# Absorb", "Westbrook is running a bake-off against Zendesk"), not when they pitch
# ("Teams that moved off HubSpot cite our reporting").
_REPORTS_THEM = re.compile(r"\b(?:they|they're|they've|their|theirs)\b", re.I)


@dataclass(frozen=True)
class RivalMention:
    """A competitor and the sentence that names it."""

    name: str
    citation: Citation
    ours: bool = False  # only in our own pitch to the customer


def customer_terms(passages: Sequence[Passage]) -> frozenset[str]:
    """The first term of each account name the ``passages`` are about ("westbrook" of
    "Westbrook Outdoor"): our words naming it speak of the customer."""
    return frozenset(
        terms[0] for p in passages for name in p.context if (terms := question_terms(name))
    )


def reports_the_customer(c: Candidate, customers: frozenset[str] = frozenset()) -> bool:
    """Whether ``c`` may say what the customer does: their words, words of no known side,
    or ours reporting theirs ("they have a demo with Absorb", or naming the customer,
    one of ``customers`` (:func:`customer_terms`): "Westbrook Outdoor is running a
    bake-off between us and Zendesk"), never our pitch."""
    return c.side != "ours" or bool(_REPORTS_THEM.search(c.text) or c.terms & customers)


def asks_competitor(question: str, names: Sequence[str] = DEFAULT_COMPETITORS) -> bool:
    """Whether ``question`` asks which competitor (a name, or "who" of the competition).

    Example:
        >>> asks_competitor("Who is Copperleaf comparing us against?")
        True
        >>> asks_competitor("Which competitor is MBCU getting a demo from and when")
        True
        >>> asks_competitor("did brightwater ever evaluate anyone else before talking to us?")
        True
        >>> asks_competitor("Is another provider trying to win Westbrook Outdoor's business?")
        True
        >>> asks_competitor("Who owns the Copperleaf account?")
        False
    """
    if not wants_competitor(question):
        return False
    return (
        answer_type(question) == "name"
        or bool(_WHICH_RIVAL.match(question))
        or bool(
            _YES_NO.match(question)
            and _SOME_OTHER.search(question)
            and not find_competitors(question, names)
        )
    )


def rival_mentions(
    question: str,
    passages: Sequence[Passage],
    *,
    names: Sequence[str] = DEFAULT_COMPETITORS,
    limit: int = 3,
) -> list[RivalMention]:
    """Per competitor, the first sentence of the named accounts' ``passages`` that names
    it, not in our own pitch, at most ``limit`` competitors in retrieval order. When only
    our pitch to them names one ("I can connect you with a reference customer who
    switched from HubSpot"), those, marked ``ours``: the asker is told whose words they
    are.

    Example:
        >>> from datetime import UTC, datetime
        >>> text = "Kwame: We're running a bake-off against Sage Intacct next week."
        >>> p = Passage(document_id="call-3", kind="call", title="Discovery", text=text,
        ...             start=0, end=len(text), score=1.0, occurred_at=datetime.now(UTC),
        ...             context=("Copperleaf Logistics",))
        >>> [(m.name, m.citation.quote) for m in rival_mentions("Who is Copperleaf "
        ...  "comparing us against?", [p])]
        [('Sage Intacct', "Kwame: We're running a bake-off against Sage Intacct next week.")]
    """
    asked = question.lower()
    own = {w.lower() for p in passages for c in p.context for w in c.split()}
    customers = customer_terms(passages)
    found: dict[str, RivalMention] = {}
    pitched: dict[str, RivalMention] = {}
    for c in candidates(passages):
        if not c.named:
            continue
        into = found if reports_the_customer(c, customers) else pitched
        turn = label_line(c.text)
        speaker, body = turn if turn and is_speaker_label(turn[0]) else ("", 0)
        exclude = {*own, *speaker.split()}
        for m in find_competitors(c.text, names, start=body, exclude=exclude):
            key = m.name.lower()
            if key in into or key in asked or key in own:
                continue
            citation = Citation(document_id=c.document_id, start=c.start, end=c.end, quote=c.text)
            into[key] = RivalMention(m.name, citation, ours=into is pitched)
            if len(found) == limit:
                return list(found.values())
    return list((found or pitched).values())[:limit]
    return list(found.values())
