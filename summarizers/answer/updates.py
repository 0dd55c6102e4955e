"""A fact a later record says has changed: the later statement answers.

CRM dates move. A kickoff "on Monday, March 16" in one email is "pushed to Monday,
March 30" in the customer's reply; a start date "moved" a week. A question about the
date wants the latest word, while the first statement may match the question better
(it states the plan, the update states the change).

For a date question, the ranker's pick gives way to a sentence of a *later* record
when that sentence

* holds a date,
* says that something changed ("pushed to", "moved", "slipped", "now starting"),
* is about the same thing as the pick: the embedding model's cosine of the two
  sentences is at least :data:`SAME_THING` (a paraphrase, not just the same kind of
  fact: two unrelated dates are far below it), and
* is among the ranker's best few (:data:`CONSIDERED`) and from a record of the same
  accounts the question is about.

A question that asks how something came out ("How did idle time actually come out?",
"What did we end up at?") wants the latest word on an amount as much as on a date: the
target set on the kickoff call ("has to come down by at least 15 percent") gives way to
the result reported on a later one ("came down 18 percent"). The later sentence then
needs no word of change, only the rest.

A question asking where a negotiation came out ("what did they agree to", "where did we
end up", "final price") takes a later sentence of the pick's own record as well: in one
call the price said last is the one agreed ("Your proposal says eight forty." ... "Eight
ten per student on a three-year term."). Measured on the captured engine calls of the 21
hand-written CRMs, synthetic seeds 7, 9 and 13 and QMSum dev: one question more right,
nothing else changed.

Pure: the caller hands in the candidates, the ranker's order and the similarity.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime

from summarizers.answer.features import Candidate, QuestionView, put_first
from summarizers.answer.question import type_match

__all__ = ["CONSIDERED", "SAME_THING", "latest_first"]

#: How many of the ranker's best candidates may stand for a later statement. A call that
#: restates the old date in several turns fills the first places ("Start date is still
#: May 1", "Start May 1, when Apex runs out"); the email moving it ranked 7th on a
#: hand-written CRM. The other conditions are strict enough that 8 and 12 changed nothing
#: else on the hand-written CRMs and synthetic seeds 7, 9 and 13.
CONSIDERED = 8
#: The cosine at which two sentences are about the same thing (all-MiniLM-L6-v2: an
#: update of a plan and the plan are near 0.55, unrelated dates of one account near 0.35).
SAME_THING = 0.5

_CHANGE = re.compile(
    r"\b(?:moved?|moving|push(?:ed|es|ing)?|pull(?:ed|ing)? (?:in|forward)|slipp(?:ed|ing)"
    r"|slid|slips?|resched\w*|postpon\w*|delay(?:ed|ing)?|now|changed?|updated?"
    r"|revised|shift(?:ed|ing)?|bump(?:ed|ing)?|no longer)\b",
    re.IGNORECASE,
)

# A question asking where a negotiation came out: in one call the price said last is
# the one agreed ("Your proposal says eight forty." ... "Eight ten I can take to the
# board."), so a later sentence of the pick's own record stands for it too.
_SETTLED = re.compile(
    r"\b(?:agree(?:d|s)? (?:to|on)|end(?:ed)? up|land(?:ed)? (?:at|on)|settle(?:d)? (?:at|on)"
    r"|final(?:ly)?|in the end)\b",
    re.IGNORECASE,
)
# A question asking for the outcome, or the current word, not the plan: "when is the
# go-live now?", "when did the pilot actually start?"; a settlement is one.
_OUTCOME = re.compile(
    rf"{_SETTLED.pattern}|\b(?:actual+y|c(?:a|o)me out|turn(?:ed)? out|now)\b", re.IGNORECASE
)
# A question asking for the revised value: "what's our updated price?", "the annual
# value after the reprice?". A pick that itself states the change ("The revised quote
# comes to $201,200") is that value already.
_REVISED = re.compile(
    r"\b(?:updated|revised|latest|as (?:it|things) stands?|after the re\w+)\b", re.IGNORECASE
)
# A statement that a date is not (or no longer) the date: "Reno can't go live on May 18",
# "March sixteenth is off the table", "we didn't actually start on the ninth", "so
# October 7 is out".
_DENIED = re.compile(
    r"n't\b|\b(?:not|cannot|no longer|never|off the table|instead of)\b"
    r"|\b(?:is|are) out\b(?!\s+(?:on|by|in|now|there|today))",
    re.IGNORECASE,
)
# Words that put a date in place of another besides those of a change: "So let's say
# June first", "Friday instead".
_REPLACES = re.compile(r"\b(?:let's|let us|instead|rather)\b", re.IGNORECASE)
#: How many of the sentences after a denied date may hold the date that replaces it.
REPLACED_WITHIN = 3


def latest_first(
    question: str,
    q: QuestionView,
    cands: Sequence[Candidate],
    order: Sequence[int],
    similarity: Callable[[str, Sequence[str]], Sequence[float]] | None,
) -> tuple[int, ...]:
    """``order`` with a later record's statement of a change put first, when one
    qualifies (see the module); otherwise ``order`` unchanged."""
    if not order or similarity is None:
        return tuple(order)
    best = cands[order[0]]
    settled = bool(_SETTLED.search(question))
    outcome = bool(
        _OUTCOME.search(question) or (_REVISED.search(question) and not _CHANGE.search(best.text))
    )
    # The kind of fact that may have changed: a date, or for an outcome an amount (the
    # pick's, when the question's type does not say: "How did idle time come out?").
    kind = q.wants if q.wants in ("date", "amount") else None
    if outcome and kind is None and type_match("amount", best.text, question) == 1.0:
        kind = "amount"
    if kind is None or (kind == "amount" and not outcome):
        return tuple(order)
    when = best.occurred_at
    later = [
        i
        for i in order[1:CONSIDERED]
        if when is not None
        and (
            (
                (c := cands[i]).document_id != best.document_id
                and c.occurred_at is not None
                and c.occurred_at > when
            )
            or (settled and c.document_id == best.document_id and c.start > best.end)
        )
        and c.named == best.named
        and (outcome or _CHANGE.search(c.text))
        and type_match(kind, c.text, question) == 1.0
    ]
    if later and when is not None:
        cosines = similarity(best.text, [cands[i].text for i in later])
        # Asked for the latest word ("now", "actually"), a later statement that shares a
        # word of what is asked with the pick ("go-live", "start") is about the same thing
        # too: an update is often worded far from the plan it changes.
        asked = set(q.topical) & best.terms
        same = [
            i
            for i, cos in zip(later, cosines, strict=True)
            if cos >= SAME_THING or (outcome and asked & cands[i].terms)
        ]
        if same:
            # The latest record's; within the pick's own record, the sentence said last.
            order = put_first(order, max(same, key=lambda i: _said_when(cands[i], best, when)))
    return _replacing_denied(question, cands, tuple(order)) if kind == "date" else tuple(order)


def _said_when(c: Candidate, best: Candidate, when: datetime) -> tuple[datetime, int]:
    """When ``c`` was said, for ordering statements after ``best`` (written at ``when``):
    its record's time, then, within ``best``'s own record, its place in it."""
    return (c.occurred_at or when, c.start if c.document_id == best.document_id else -1)


def _replacing_denied(
    question: str, cands: Sequence[Candidate], order: tuple[int, ...]
) -> tuple[int, ...]:
    """``order`` with the date that replaces a denied one put first: when the pick denies
    its date ("Also, Reno can't go live on May 18."), the first of the next
    :data:`REPLACED_WITHIN` sentences of its record that puts a date in its place ("Let's
    move Reno to Monday June 8.": a date, a word of change or of replacement, no
    denial); otherwise ``order`` unchanged."""
    best = cands[order[0]]
    if not _DENIED.search(best.text):
        return order
    after = sorted(
        (
            i
            for i in order
            if cands[i].document_id == best.document_id and cands[i].start > best.start
        ),
        key=lambda i: cands[i].start,
    )[:REPLACED_WITHIN]
    for i in after:
        text = cands[i].text
        if (
            type_match("date", text, question) == 1.0
            and not _DENIED.search(text)
            and (_CHANGE.search(text) or _REPLACES.search(text))
        ):
            return put_first(order, i)
    return order
