"""A question asking for one role among facts of a kind: the floor among our prices, the
signer among the people.

A deal's prices come in a ladder: what the customer pays today, a rival's bid, the list
price, the proposal, the customer's counter, and the floor a manager approves ("You can
go to $88 per provider per month, but only on a 24-month term"; "if they insist on 24,
the floor is $76"). "What's the lowest I can go
on Corvane?" matches the proposal as well as the floor, since both are our prices for
the same thing, and the proposal is usually written out more fully. Likewise "who
actually has to sign the renewal?" matches every sentence about the renewal, while the
one that answers says who signs ("nothing over fifty thousand a year gets signed without
Walt").

So when the question asks for such a role (:data:`ROLES`: the words that ask for it,
the kind of fact, the words a sentence states it with), among the ranker's best few
candidates holding that kind of fact (for a person: a name, or "he"/"she" standing for
one), the best-ranked one that states the role answers first. Without one, the ranker's
order stands. "How much does Hollister spend with their current supplier?" asks what they
pay, which "we spent about three hundred eighty thousand" states and a rival's bid ("came
in at $389,500") does not; a reply states it when the question it answers does ("What
are you paying today?" / "Four hundred and ten a month per oven"). "Who signs off now
that Gus moved up?" asks for his successor, whom "Our new plant manager is Ifeoma
Clarke-Adeyemi" names, not the sentence about Gus's move.

Pure: the caller hands in the candidates and the ranker's order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizers.answer.features import Candidate, QuestionView, put_first, sentence_before
from summarizers.answer.question import opens_with_pronoun, type_match

__all__ = ["CONSIDERED", "ROLES", "Role", "role_first", "role_unstated"]

#: How many of the ranker's best candidates may stand for the role.
CONSIDERED = 5


@dataclass(frozen=True)
class Role:
    """A role the question may ask for, and how a sentence states it."""

    name: str
    wants: str  # the answer type the question has (question.answer_type)
    asked: re.Pattern[str]
    stated: re.Pattern[str]
    #: Whether a question asking for this role is declined when no candidate states it
    #: (:func:`role_unstated`).
    must_be_stated: bool = False
    #: Words that make it another role: in the question, it does not ask for this one;
    #: in a sentence, it does not state it.
    other: re.Pattern[str] | None = None
    #: Whether a reply states the role when the question it answers does: "What are you
    #: paying today?" / "Four hundred and ten a month per oven."
    in_reply: bool = False


ROLES = (
    Role(
        "floor",
        "amount",
        re.compile(
            r"\b(?:lowest|floor|how low|minimum|bottom line|walk-?away|least we can)\b", re.I
        ),
        re.compile(
            r"\b(?:floor|(?:can|could|may|allowed to) go (?:down )?(?:to|as low as)|as low as"
            r"|(?:fine|okay|ok|happy|comfortable|willing) (?:going|to go) (?:down )?to"
            r"|lowest|no lower than|not below|minimum|approved?|approval|sign off on)\b",
            re.I,
        ),
        must_be_stated=True,
    ),
    Role(
        "paid",
        "amount",
        re.compile(
            r"\b(?:pay(?:s|ing)?|paid|spend(?:s|ing)?|spent|cost(?:s|ing)? (?:them|you|us))\b",
            re.I,
        ),
        re.compile(
            r"\b(?:pay(?:s|ing)?|paid|spend(?:s|ing)?|spent|cost(?:s|ing)? (?:us|you|them)"
            r"|runs? (?:us|you|them))\b",
            re.I,
        ),
        other=re.compile(
            r"\b(?:offer\w*|bids?|bidding|quot\w*|c[ao]me? (?:back |down |in )|counter\w*"
            r"|propos\w*|floor|lowest|agree\w*|willing|budget\w*|would|will)\b",
            re.I,
        ),
        in_reply=True,
    ),
    Role(
        "successor",
        "person",
        re.compile(
            r"\b(?:mov(?:ed|es|ing) (?:up|on)|left|leaving|leaves|gone|promoted|retir\w*"
            r"|replac\w*|tak(?:es|ing) over|took over|successor|in place of"
            r"|who(?:'s| is) the new)\b",
            re.I,
        ),
        re.compile(
            r"\b(?:new|now (?:our|the|handles|owns|runs|leads|signs)|tak(?:es|ing) over|took over"
            r"|replac\w*|from (?:here|now) on|going forward|successor|interim|instead)\b",
            re.I,
        ),
    ),
    Role(
        "signer",
        "person",
        re.compile(
            r"\b(?:signs?|signing|signer|signature|sign-?off|final (?:say|call|word|decision)"
            r"|decision[- ]maker|decides?|approves?)\b",
            re.I,
        ),
        re.compile(
            r"\b(?:sign(?:s|ed|ing|er|ature)?|sign-?off|final (?:say|call|word|decision)"
            r"|decision[- ]maker|decides?|approv\w*|goes to (?:him|her)|has to go through)\b",
            re.I,
        ),
    ),
)


def role_first(
    question: str, q: QuestionView, cands: Sequence[Candidate], order: Sequence[int]
) -> tuple[int, ...]:
    """``order`` with the best-ranked candidate stating the role the question asks for
    put first (see the module); otherwise unchanged."""
    role = _asked(question, q)
    if role is None:
        return tuple(order)
    for i in order[:CONSIDERED]:
        if _states(role, cands[i].text, question) or _replies(role, i, cands, question):
            return put_first(order, i)
    return tuple(order)


def _asked(question: str, q: QuestionView) -> Role | None:
    """The role ``question`` asks for, if any."""
    return next(
        (
            r
            for r in ROLES
            if r.wants == q.wants
            and r.asked.search(question)
            and not (r.other and r.other.search(question))
        ),
        None,
    )


def _replies(role: Role, i: int, cands: Sequence[Candidate], question: str) -> bool:
    """Whether candidate ``i`` holds the role's kind of fact in reply to a question of
    its passage, right before it, that states the role."""
    if not role.in_reply or type_match(role.wants, cands[i].text, question) != 1.0:
        return False
    before = sentence_before(cands[i], cands)
    if before is None:
        return False
    asked = before.text.rstrip()
    return asked.endswith("?") and _states_words(role, asked)


def _states(role: Role, text: str, question: str) -> bool:
    """Whether ``text`` holds the role's kind of fact (for a person: a name, or "he"/"she"
    standing for one) and states the role."""
    holds = type_match(role.wants, text, question) == 1.0 or (
        role.wants == "person" and opens_with_pronoun(text)
    )
    return holds and _states_words(role, text)


def _states_words(role: Role, text: str) -> bool:
    return role.stated.search(text) is not None and not (role.other and role.other.search(text))


def role_unstated(
    question: str, q: QuestionView, cands: Sequence[Candidate], order: Sequence[int]
) -> bool:
    """Whether ``question`` asks for a role that must be stated (the floor) and none of
    the ranker's best :data:`CONSIDERED` candidates states it with the kind of fact.

    A floor is something a manager says ("$368 is the floor", "I'm fine going to
    $9.75"); without such a sentence the records hold other prices of the account (the
    proposal, a rival's bid, the customer's ask), and answering with one of them is a
    wrong answer that looks right. Measured on the hand-written CRMs' replays: one wrong
    answer and one answered unanswerable question became declines, no right answer was
    lost, and synthetic seeds 7, 9 and 13 were unchanged. The signer is not held to this:
    it cost a right answer ("final sign-off on the money") for one wrong one.

    Example:
        >>> from summarizers.answer.features import view
        >>> q = "what's our floor on the halloway ovens"
        >>> role_unstated(q, view(q, []), [], [])
        True
        >>> role_unstated("who signs for norhaven", view("who signs for norhaven", []), [], [])
        False
    """
    role = _asked(question, q)
    if role is None or not role.must_be_stated:
        return False
    return not any(_states(role, cands[i].text, question) for i in order[:CONSIDERED])
