"""The lowest price we may offer: the floor a manager approved, not the price proposed.

A deal's prices come in a ladder: the list price, the proposal, the customer's counter,
and the floor a manager approves ("You can go to $88 per provider per month, but only on
a 24-month term"; "if they insist on 24, the floor is $76"). "What's the lowest I can go
on Corvane?" matches the proposal as well as the floor, since both are our prices for
the same thing, and the proposal is usually written out more fully.

So for a money question asking for the floor ("lowest", "floor", "how low", "minimum"),
among the ranker's best few candidates that hold an amount, the best-ranked one that
speaks of a floor ("floor", "go to", "as low as", "lowest", "no lower", "approved")
answers first. Without one, the ranker's order stands.

Pure: the caller hands in the candidates and the ranker's order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizers.answer.features import Candidate, QuestionView
from summarizers.answer.question import type_match

__all__ = ["CONSIDERED", "floor_first"]

#: How many of the ranker's best candidates may stand for the floor.
CONSIDERED = 5

_ASKS_FLOOR = re.compile(
    r"\b(?:lowest|floor|how low|minimum|bottom line|walk-?away|least we can)\b", re.IGNORECASE
)
_SAYS_FLOOR = re.compile(
    r"\b(?:floor|(?:can|could|may|allowed to) go (?:down )?(?:to|as low as)|as low as|lowest"
    r"|no lower than|not below|minimum|approved?|approval|sign off on)\b",
    re.IGNORECASE,
)


def floor_first(
    question: str, q: QuestionView, cands: Sequence[Candidate], order: Sequence[int]
) -> tuple[int, ...]:
    """``order`` with the best-ranked candidate stating a floor put first, when the
    question asks for one (see the module); otherwise unchanged."""
    if q.wants != "amount" or not _ASKS_FLOOR.search(question):
        return tuple(order)
    for i in order[:CONSIDERED]:
        text = cands[i].text
        if _SAYS_FLOOR.search(text) and type_match("amount", text, question) == 1.0:
            return (i, *(j for j in order if j != i))
    return tuple(order)
