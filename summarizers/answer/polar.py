"""A yes/no question is answered only by words that speak of what it asks.

"Is Orvane planning to out-license ORV-214?", "Is Hollister moving production anywhere?",
"Is there any risk Halden Bay pauses HB-0907?": when nothing the asker may see says so,
the ranker still finds the sentence closest to the account and the code ("So tell me
about ORV-214", a ticket about Halden Bay's diary app), and the calibrated confidence is
high, because that sentence *is* about what the question names. What it does not do is
speak of the act asked about: out-licensing, moving production, pausing.

So an answer to a question put as yes or no (:func:`asks_yes_or_no`) must hold one of the
question's own words for that act (its topical terms, less the light words of
:data:`_LIGHT`: "planning", "any", "still"), allowing for the forms a word takes
("licence", "licensing"; "sign", "signature"), or state or name one of the troubles or
growths the question asks about (:mod:`summarizers.answer.topics`: "Has Copperfield put
purchases on hold because money is tight?" is answered by "I'll check back when the new
budget cycle opens"). Otherwise the engine declines.

Measured on the captured engine calls (2026-11-29): on the nineteen hand-written CRMs,
of the 22 yes/no questions answered, the 5 whose answer spoke of no asked act were all
questions nothing answers, and none was right; on synthetic seeds 7, 9 and 13, the 241
yes/no questions answered kept every right answer (three, one question asked by three
roles, needed "interruption" to be a word for an outage). The meaning of the words alone
does not separate them: the cosine of the asked act with the answer's sentences ranges
0.12–0.62 for questions nothing answers and 0.13–0.66 for right answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizers.answer.features import QuestionView
from summarizers.answer.question import question_terms
from summarizers.answer.topics import asked_topics

__all__ = ["asks_yes_or_no", "speaks_of_the_asked"]

_YES_OR_NO = re.compile(
    r"^\s*(?:is|are|was|were|does|do|did|has|have|had|will|would|can|could|should)\b", re.I
)

#: Question words that carry no act: how sure, when, or how much of it is asked.
_LIGHT = frozenset(
    question_terms(
        "plan plans planning planned going any anything anyone anywhere somewhere risk chance "
        "there still yet ever really actually already also again get got thing things "
        "happen happening out up"
    )
)
#: A shorter stem this long is a form of a longer one it begins ("sign", "signatur").
_PREFIX = 4


def asks_yes_or_no(question: str) -> bool:
    """Whether ``question`` is put as yes or no ("Did they sign?", "is X fixed yet").

    Example:
        >>> asks_yes_or_no("did harborlight take our renewal offer?")
        True
        >>> asks_yes_or_no("When does it renew?")
        False
    """
    return bool(_YES_OR_NO.search(question))


def speaks_of_the_asked(question: str, q: QuestionView, quotes: Sequence[str]) -> bool:
    """Whether ``quotes`` (an answer's cited text) speak of what the yes/no ``question``
    asks: one of its act's words in some form, or a topic it asks about. True when the
    question has no word for an act ("Is it Acme?").

    Example:
        >>> from summarizers.answer.features import view
        >>> question = "Is Orvane planning to out-license ORV-214?"
        >>> q = view(question, [])
        >>> speaks_of_the_asked(question, q, ["So tell me about ORV-214."])
        False
        >>> speaks_of_the_asked(question, q, ["We'd license ORV-214 to a partner."])
        True
    """
    acts = [t for t in q.topical if t not in _LIGHT and t not in q.required]
    if not acts:
        return True
    text = " ".join(quotes)
    said = question_terms(text)
    if any(_same_word(a, s) for a in acts for s in said):
        return True
    return any(t.states(text) or t.asked.search(text) for t in asked_topics(question))


def _same_word(a: str, b: str) -> bool:
    """Two stems of one word: equal, or the shorter (at least :data:`_PREFIX` long)
    begins the longer ("licens"/"licenc" aside, which differ at their fifth letter)."""
    if a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    return len(short) >= _PREFIX and long_.startswith(short)
