"""Why a ticket's problem happened: its comments say, not its description.

A ticket opens with the symptom ("reminder emails stopped around March 21 on all
projects"); what caused it, or how to work around it, is found later and written in a
comment ("Cause: reminders are sent on behalf of the RFI manager, whose user was
deactivated"). A question asking why, or for the workaround, matches the description
best, since the description restates what the question asks about; the description is
still not the answer.

So when the ranker's pick for such a question is a sentence of a ticket that does not say
it (the description, or a comment confirming the symptom: "100% of UPS label requests
fail since 7am"), the best-ranked sentence of the same ticket's comments that says what
caused it ("root cause", "because", "turned out", "that explains") or what to do meanwhile
("workaround", "for now") answers instead. A description that states its own cause
("fails because the certificate expired") stays the pick. Without a comment saying so in
those words, a pick in the description gives way to the opening finding of the first
comment in view (:func:`_opening_finding`): support's first reply to a symptom says what
they found, mostly in words no cue list holds ("the app registration has the permission
requested but admin consent was never granted"); an acknowledgement ("Reproduced;
escalated") is too short to count. A question asking how it was fixed ("how did we fix
the renewal job timing out") takes the best-ranked comment sentence saying what was done
("Batch now commits in chunks of 500."), not the one saying why it broke; without one in
those words, the opening finding of the last comment in view, which closes the ticket.

Pure: the caller hands in the candidates, the ranker's order and the passages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from summarizers.answer.features import Candidate, QuestionView, is_short, put_first
from summarizers.models import Passage
from textkit.documents import comment_starts

__all__ = ["asks_diagnosis", "diagnosis_first"]

# Words that say what caused a problem.
_CAUSE = re.compile(
    r"\b(?:root cause|caus(?:e|es|ed|ing)|because|due to|found (?:it|the|that)|turn(?:s|ed) out"
    r"|traced|explains?|explained|culprit|(?:issue|problem|bug) (?:is|was)|misconfigur\w*"
    r"|regression|not (?:a|our) [\w-]+ (?:bug|issue|problem)|related to|stems? from"
    # "Engineering confirmed: the import set …", not a bare "Confirmed: 100% fail" nor
    # "Engineering confirmed the fix is on the roadmap".
    r"|(?:engineering|support|dev|devs|we|they|team) (?:confirmed|found|determined"
    r"|identified|tracked)(?::|\s+(?:that|it)\b))",
    re.IGNORECASE,
)
# A question asking what caused something, whatever its answer type: "root cause on the
# swap overtime bug?", "what went wrong last time?", "what was making the charger trip?",
# "what's kicking the kids out of their tests?" (what does the harm is its cause).
_ASKS_CAUSE = re.compile(
    r"\b(?:root cause|caus(?:e|ed|es|ing)|what went wrong|what (?:broke|failed)"
    r"|(?:screw|mess)(?:ed)? up|what(?:'s|s| is| was) wrong with|what went bad"
    r"|what(?:'s|s| is| was| were| are| has been| had been| keeps?) (?:making|causing"
    r"|behind|triggering|kicking|knocking|breaking|killing|crashing|tripping|dropping"
    r"|stopping|locking|logging|throwing))\b",
    re.IGNORECASE,
)

# A question asking how a problem was fixed: "how did we fix the renewal job timing out",
# "what was the fix for …", "how was the sync resolved".
_ASKS_FIX = re.compile(
    r"\bhow (?:did|do|does|was|were|is|has|have|'d)\b[\w' -]{0,40}?\b(?:fix|fixed|resolve"
    r"|resolved|solve|solved|sort|sorted)\b|\bwhat (?:was|is|'s) the (?:fix|resolution)\b"
    r"|\bwhat (?:fixed|resolved|solved)\b",
    re.IGNORECASE,
)
# Words that say what was done about a problem: "Batch now commits in chunks of 500.",
# "Replaced all 60 liters", "the fix shipped in 2026.01.3".
_FIX = re.compile(
    r"\b(?:fix(?:ed|es)?|resolved|solved|patched|deployed|shipped|rolled (?:out|back)"
    r"|replaced|re-?ran|re-?run|restarted|re-?enabled|reconfigured|switched|now)\b",
    re.IGNORECASE,
)

# Words that say what to do until it is fixed.
_WORKAROUND = re.compile(
    r"\b(?:work ?-?arounds?|in the meantime|meanwhile|for now|until (?:the|a) fix)\b",
    re.IGNORECASE,
)


def asks_diagnosis(question: str, q: QuestionView) -> re.Pattern[str] | None:
    """The words a sentence answering ``question`` holds, when it asks why a problem
    happened, how to work around it or how it was fixed; None for any other question.

    Example:
        >>> from summarizers.answer.features import view
        >>> q = "is there a workaround for the ipad upload problem?"
        >>> asks_diagnosis(q, view(q, [])).pattern == _WORKAROUND.pattern
        True
    """
    if _WORKAROUND.search(question):
        return _WORKAROUND
    if _ASKS_FIX.search(question):
        return _FIX
    if q.wants == "reason" or _ASKS_CAUSE.search(question):
        return _CAUSE
    return None


def diagnosis_first(
    question: str,
    q: QuestionView,
    cands: Sequence[Candidate],
    order: Sequence[int],
    passages: Sequence[Passage],
) -> tuple[int, ...]:
    """``order`` with a comment saying why (or the workaround) put first, when the pick
    is a sentence of a ticket that does not (see the module); otherwise unchanged."""
    said = asks_diagnosis(question, q)
    if said is None or not order:
        return tuple(order)
    best = cands[order[0]]
    if passages[best.passage_rank].kind != "ticket" or said.search(best.text):
        return tuple(order)
    headers = [
        p.start + offset
        for p in passages
        if p.document_id == best.document_id
        for offset in comment_starts(p.text)
    ]
    if not headers:
        return tuple(order)  # no comment in view
    # A cue may close the sentence it explains ("… was never set back. That explains the
    # drain."): the answer's window holds the sentence before its pick.
    saying = {
        i
        for i in order
        if cands[i].document_id == best.document_id
        and cands[i].start > min(headers)
        and said.search(cands[i].text)
    }
    chosen = next((i for i in order if i in saying), None)
    if chosen is None and said is _FIX:
        chosen = _opening_finding(best, cands, order, max(headers))
    elif chosen is None and best.start < min(headers):
        chosen = _opening_finding(best, cands, order, min(headers))
    if chosen is None:
        return tuple(order)
    return put_first(order, chosen)


def _opening_finding(
    best: Candidate, cands: Sequence[Candidate], order: Sequence[int], header: int
) -> int | None:
    """The opening sentence that says something (is not
    :func:`~summarizers.answer.features.is_short`) of the ticket's comment starting at
    ``header``. The first comment in view answers a why-question whose pick is the
    description: support's first reply to a symptom is what they found ("Their Slack
    connector was installed at workspace level, not org level."), mostly in words no cue
    list holds. The last one answers how it was fixed: a ticket is closed by saying what
    was done ("Mapping table added; all 40 stores exported last night. Resolved."). None
    when that comment says nothing."""
    found = [
        i
        for i in order
        if cands[i].document_id == best.document_id
        and cands[i].start > header
        and not is_short(cands[i].text)
        and not cands[i].text.startswith("---")
    ]
    return min(found, key=lambda i: cands[i].start) if found else None
