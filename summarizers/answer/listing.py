"""Answers that list accounts: "Which customers mentioned Salesforce?".

One sentence answers a question about one thing; a rep also asks across accounts. Such a
question names what was said (a product, a competitor, a code, a quoted phrase) and asks
which accounts said it. Each account's first sentence that contains the name, as a whole
word, is its item, cited by its exact span. An item is a mention, not an inference, so a
list question is answered only when it asks for mentions ("mentioned", "brought up",
"talked about"), never for a judgement ("are evaluating", "are unhappy with") or for
who did what ("asked about": a mention may be our own rep's).

Pure: the caller retrieves the passages (the asker's own search) and names the accounts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from summarizers.answer.features import Candidate, candidates
from summarizers.answer.rivals import reports_the_customer
from summarizers.competitors import find_competitors
from summarizers.models import Citation, Passage
from textkit.tokens import QUOTED_PHRASE

__all__ = [
    "AccountMention",
    "account_mentions",
    "asks_for_accounts",
    "evaluation_targets",
    "list_targets",
]

# "Which customers …?", "What accounts …?": a question whose answer is accounts. Its
# plural asks for a list; singular or plural, an answer names each account it cites.
_WHICH = r"^\s*(?:which|what)\s+(?:of\s+(?:my|our)\s+)?"
_LIST_QUESTION = re.compile(
    _WHICH + r"(?:customers|accounts|clients|companies|prospects|deals)\b", re.IGNORECASE
)
_ASKS_ACCOUNTS = re.compile(
    _WHICH + r"(?:customers?|accounts?|clients?|compan(?:y|ies)|prospects?)\b", re.IGNORECASE
)


def asks_for_accounts(question: str) -> bool:
    """Whether ``question`` asks which account(s): "Which customers are evaluating X?".

    Example:
        >>> asks_for_accounts("Which customers are evaluating HubSpot?")
        True
        >>> asks_for_accounts("Which competitor came up?")
        False
    """
    return bool(_ASKS_ACCOUNTS.search(question))


# Verbs of mentioning only: "asked about", "complained about" or "requested" claim who
# said it and how, which a sentence that merely names the thing does not show.
_MENTION = re.compile(
    r"\b(?:mention(?:ed|s|ing)?|brought up|bring(?:s|ing)? up|talk(?:ed|s|ing)? about"
    r"|discuss(?:ed|es|ing)?|referenc(?:e|ed|es|ing)|cit(?:e|ed|es|ing)|named?"
    r"|said (?:anything )?about|say(?:s)? (?:anything )?about)\b",
    re.IGNORECASE,
)
# A name as a rep writes it: capitalised words (with "HubSpot", "monday.com"-style
# inner capitals and dots), or an acronym, or a code with digits.
_NAME = re.compile(r"\b[A-Z][\w.&-]*(?:\s+[A-Z][\w.&-]*)*|\b[A-Za-z]+-?\d[\w-]*")


# Verbs of a competitive evaluation: "Which customers are evaluating HubSpot?" is
# answered by records where competitive phrasing vouches for it, not by any mention.
_EVALUATING = re.compile(
    r"\b(?:evaluating|considering|trialing|trialling|piloting|demoing|looking at"
    r"|compar(?:e|es|ed|ing) us|talking to|in talks with|shortlisted|switching to|moving to"
    r"|weighing)\b",
    re.IGNORECASE,
)


def evaluation_targets(question: str) -> list[str]:
    """What a list question asks who is *evaluating*: "Which customers are evaluating
    HubSpot?". Empty when it is not such a question.

    Example:
        >>> evaluation_targets("Which customers are evaluating HubSpot?")
        ['HubSpot']
        >>> evaluation_targets("Which customers mentioned HubSpot?")
        []
    """
    if _MENTION.search(question) or not _EVALUATING.search(question):
        return []
    return _names(question)


def list_targets(question: str) -> list[str]:
    """What a list question asks mentions of: quoted phrases, codes and names written
    with a capital past its first word. Empty when it is not a list question about
    mentions.

    Example:
        >>> list_targets("Which customers mentioned Salesforce?")
        ['Salesforce']
        >>> list_targets('What accounts mentioned "audit log export" or SSO?')
        ['audit log export', 'SSO']
        >>> list_targets("Which customers are unhappy with Salesforce?")
        []
    """
    if not _MENTION.search(question):
        return []
    return _names(question)


def _names(question: str) -> list[str]:
    """The quoted phrases, codes and capitalised names of a list question (none when it
    is not one)."""
    if not _LIST_QUESTION.search(question):
        return []
    out = [p.strip() for p in QUOTED_PHRASE.findall(question)]
    unquoted = QUOTED_PHRASE.sub(" ", question)
    first = re.match(r"\s*\S+", unquoted)
    skip = first.end() if first else 0
    for m in _NAME.finditer(unquoted, skip):
        name = m.group(0).rstrip(".")
        if name and name not in out:
            out.append(name)
    return out


def _evaluates(c: Candidate, targets: Sequence[str]) -> bool:
    """Whether competitive phrasing in ``c`` vouches for a target ("we're also evaluating
    HubSpot", "a side-by-side of you versus HubSpot"), in the customer's words or ours
    reporting theirs (:mod:`summarizers.answer.rivals`)."""
    if not reports_the_customer(c):
        return False
    wanted = {t.lower() for t in targets}
    return any(m.name.lower() in wanted for m in find_competitors(c.text, ()))


@dataclass(frozen=True)
class AccountMention:
    """One account's item: where its records mention a target."""

    account_id: str
    citation: Citation


def account_mentions(
    targets: Sequence[str],
    passages: Sequence[Passage],
    *,
    limit: int = 10,
    competitive: bool = False,
) -> list[AccountMention]:
    """Per account, in retrieval order, the first sentence of ``passages`` that holds a
    target as a whole word (case-insensitive); with ``competitive``, the first where
    competitive phrasing vouches for it, not in our own pitch. Records of no account are
    left out.

    Example:
        >>> from datetime import UTC, datetime
        >>> text = "We're also evaluating Salesforce. Thanks!"
        >>> p = Passage(document_id="em-1", kind="email", title="Re: pilot", text=text,
        ...             start=0, end=len(text), score=1.0, occurred_at=datetime.now(UTC),
        ...             account_id="a-7")
        >>> [(m.account_id, m.citation.quote) for m in account_mentions(["Salesforce"], [p])]
        [('a-7', "We're also evaluating Salesforce.")]
    """
    patterns = [re.compile(rf"(?<!\w){re.escape(t)}(?!\w)", re.IGNORECASE) for t in targets]
    account_of: Mapping[str, str | None] = {p.document_id: p.account_id for p in passages}
    found: dict[str, AccountMention] = {}
    for c in candidates(passages):
        account = account_of.get(c.document_id)
        if account is None or account in found:
            continue
        says = _evaluates(c, targets) if competitive else any(p.search(c.text) for p in patterns)
        if not says:
            continue
        citation = Citation(document_id=c.document_id, start=c.start, end=c.end, quote=c.text)
        found[account] = AccountMention(account, citation)
        if len(found) == limit:
            break
    return list(found.values())
