"""What a CRM's own words in a record mean: whether a deal's stage or a ticket's status
is closed, and whether a yes/no field the format does not name (a contact's
``champion``) says yes.

CRMs spell one stage many ways: Salesforce exports "Closed Won", HubSpot's stage id is
"closedwon", other exports write "closed_won" or "Closed-Won". Words are compared by
:func:`word_key` (case and accents folded, spaces, hyphens and underscores dropped), so
all of these are one word. The answer engine and the next-best-action playbook both ask
here, so a deal one calls closed the other does too; a playbook that lists its own
closed words passes them as a :class:`CrmWords`, matched the same way.

Example:
    >>> is_closed_deal_stage("closed_won"), is_closed_deal_stage("Negotiation")
    (True, False)
    >>> is_closed_ticket_status("Solved"), says_yes("no"), says_yes("Yes")
    (True, False, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from textkit.tokens import fold

__all__ = [
    "CLOSED_DEAL_STAGES",
    "CLOSED_TICKET_STATUSES",
    "CrmWords",
    "is_closed_deal_stage",
    "is_closed_ticket_status",
    "says_yes",
    "word_key",
]

# Whitespace, "_" and the hyphens and dashes people and exporters write ("-", "‐", "–").
_SEPARATORS = re.compile(r"[\s_\-\u2010-\u2015]+")


def word_key(word: str) -> str:
    """``word`` as it is compared: folded (:func:`textkit.tokens.fold`), with spaces,
    hyphens and underscores dropped.

    Example:
        >>> {word_key(w) for w in ("Closed Won", "closed_won", "Closed-Won", "closedwon")}
        {'closedwon'}
    """
    return _SEPARATORS.sub("", fold(word))


@dataclass(frozen=True)
class CrmWords:
    """A set of a CRM's words (deal stages, ticket statuses), matched by :func:`word_key`.

    ``words`` are kept as given, for messages and display.

    Raises:
        ValueError: A word is only spaces, hyphens or underscores (it would match nothing
            a person could mean), or the set is empty.

    Example:
        >>> signed = CrmWords(("Signed", "Closed Won"))
        >>> "SIGNED" in signed, "closed_won" in signed, "Proposal" in signed
        (True, True, False)
    """

    words: tuple[str, ...]
    keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.words:
            raise ValueError("expected at least one word, got none")
        keys = frozenset(word_key(word) for word in self.words)
        blank = next((word for word in self.words if not word_key(word)), None)
        if blank is not None:
            raise ValueError(
                f"{blank!r} is only spaces, hyphens or underscores: it matches nothing"
            )
        object.__setattr__(self, "keys", keys)

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and word_key(word) in self.keys


#: Deal stages that mean the deal is decided, won or lost (the default playbook's
#: ``closed_deal_stages``, which a custom playbook may replace).
CLOSED_DEAL_STAGES = CrmWords(("Closed Won", "Closed Lost", "Won", "Lost"))
#: Ticket statuses that mean nothing is left to do (the default playbook's
#: ``closed_ticket_statuses``).
CLOSED_TICKET_STATUSES = CrmWords(("solved", "closed", "resolved", "cancelled", "canceled"))


def is_closed_deal_stage(stage: str, closed: CrmWords = CLOSED_DEAL_STAGES) -> bool:
    """Whether a deal at ``stage`` is closed (won or lost), by ``closed``'s words.

    Example:
        >>> [is_closed_deal_stage(s) for s in ("Closed-Lost", "closed lost", "Won ", "Proposal")]
        [True, True, True, False]
    """
    return stage in closed


def is_closed_ticket_status(status: str, closed: CrmWords = CLOSED_TICKET_STATUSES) -> bool:
    """Whether a ticket at ``status`` is closed, by ``closed``'s words.

    Example:
        >>> [is_closed_ticket_status(s) for s in ("RESOLVED", "open", "")]
        [True, False, False]
    """
    return status in closed


_YES = frozenset({"true", "yes"})


def says_yes(value: object) -> bool:
    """Whether a yes/no field the CRM sent says yes: JSON ``true`` or the string "true"
    or "yes" (any case). Anything else is no: "no", "false", ``0``, an empty string, and
    values that only look truthy ("n/a", ``1``), so a mark is never read into them.

    Example:
        >>> [says_yes(v) for v in (True, "Yes", " true ", "no", "false", 1, None)]
        [True, True, True, False, False, False, False]
    """
    return value is True or (isinstance(value, str) and word_key(value) in _YES)
