"""Action items: commitments, with their owner and due date."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from summarizers.models import ActionItem
from summarizers.offline.analysis import _CONDITIONAL, _Call, _Unit
from summarizers.offline.rendering import _sentence_text
from textkit.dates import DateMention, find_due_date, find_due_dates_before
from textkit.tokens import wordlist

_ACTION_VERBS = frozenset(
    wordlist(
        """send resend share forward email e-mail mail get follow circle loop reach ping call
        text schedule reschedule book set put arrange organize organise plan prepare draft
        write pull compile gather collect review check confirm verify validate double-check
        look investigate dig research find update revise fix resolve patch escalate raise
        file log open create build configure provision enable add remove extend renew issue
        process waive approve sign countersign finalize finalise submit return deliver
        provide give hand introduce connect invite include involve bring walk demo present
        run test train onboard migrate import export upload install deploy ship release
        document summarize summarise recap talk speak meet sync discuss ask tell let keep
        touch come report answer respond reply work handle take make coordinate align chase
        nudge push move transfer assign cancel close complete finish start kick line hold
        reserve flag track monitor quote scope estimate calculate model map reset grant
        invoice credit refund reimburse pay order purchase circulate distribute publish post
        attach clarify outline reconnect regroup reconvene"""
    )
)
_ADVERBS = (
    r"(?:(?:also|then|definitely|certainly|just|quickly|personally|still|first|now|gladly"
    r"|happily|go\s+ahead\s+and|try\s+to|make\s+sure\s+to|be\s+sure\s+to)\s+)*"
)
_APOS = r"\s?['\u2019]\s?"
_FIRST_PERSON = re.compile(
    r"\b(?P<subj>I|[Ww]e)(?P<modal>"
    rf"{_APOS}ll|\s+will|\s+shall|{_APOS}m\s+going\s+to|\s+am\s+going\s+to|{_APOS}re\s+going\s+to"
    rf"|\s+are\s+going\s+to|{_APOS}m\s+gonna|\s+plan\s+to|\s+promise\s+to|\s+commit\s+to"
    rf"|\s+need\s+to|\s+have\s+to|{_APOS}m\s+(?:happy|glad)\s+to|\s+can|\s+could)"
    rf"\s+{_ADVERBS}(?P<verb>[a-z][a-z-]*)\b"
)
_LET_ME = re.compile(
    rf"\b(?P<subj>[Ll]et\s+me)\s+{_ADVERBS}(?P<verb>(?!know\b|think\b|see\b|say\b|be\b|guess\b"
    r"|explain\b|ask\s+you\b|tell\s+you\b|just\s+say\b|start\b|understand\b|recap\s+what\b)"
    r"[a-z][a-z-]*)\b"
)
_NAMED = re.compile(
    r"\b(?P<subj>[A-Z][a-z]+(?:\s+[A-Z][a-z'\u2019-]+)?)(?P<modal>\s+will|['\u2019]ll"
    r"|\s+is\s+going\s+to|['\u2019]s\s+going\s+to|\s+(?:has\s+)?(?:agreed|offered|promised"
    r"|committed)\s+to)\s+" + _ADVERBS + r"(?P<verb>[a-z][a-z-]*)\b"
)
_NAMED_NOTE = re.compile(
    r"(?P<subj>[A-Z][a-z]+(?:\s+[A-Z][a-z'\u2019-]+)?)\s+to\s+" + _ADVERBS + r"(?P<verb>[a-z]+)\b"
)
_IMPERATIVE = re.compile(r"(?P<verb>[A-Za-z][a-z-]*)\b")
# "(Dana)", "[Dana Reyes]", "@Dana", "owner: Dana" in an action item; "- Dana" at its end.
_OWNER_TAG = re.compile(
    r"\s*(?:[(\[]\s*(?:owner:?\s*)?(?P<p>[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*)?)\s*[)\]]"
    r"|@(?P<at>[A-Z]\w+)|\b[Oo]wner:?\s+(?P<own>[A-Z]\w+(?:\s+[A-Z]\w+)?)"
    r"|\s[-\u2013\u2014]\s*(?P<dash>[A-Z]\w+(?:\s+[A-Z]\w+)?)\s*[.!]?$)"
)
_NOT_PEOPLE = frozenset(
    wordlist(
        """the this that it they there we you i he she our your their it's who what which
        finance legal procurement security engineering product support leadership management
        marketing sales it hr ops operations accounting billing board team everyone someone
        nobody monday tuesday wednesday thursday friday saturday sunday january february
        march april may june july august september october november december next then also
        please let everything nothing something anything anyone anybody somebody everybody
        each both all none another either neither here"""
    )
)
_ACTION_SECTIONS = frozenset(
    (
        "action items",
        "action item",
        "actions",
        "action",
        "to do",
        "todo",
        "to-dos",
        "todos",
        "tasks",
        "ai",
        "follow-ups",
        "follow ups",
        "follow-up",
        "follow up",
        "followups",
        "next steps",
        "next step",
        "owner",
        "owners",
    )
)
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
# What may trail a clause: [\s,;:\u2014-]* then (join-word [\s,]*)*, up to its end.
_TRAILING_SEPARATOR = re.compile(r"[\s,;:\u2014-]")
_TRAILING_SPACE = re.compile(r"[\s,]")
_JOIN_WORDS = ("and", "but", "or", "then", "so", "also", "plus")
_WORD_CHAR = re.compile(r"\w")
_CLAUSE_START = re.compile(r";|\s[-\u2013\u2014]\s|:\s")
_HEDGE = re.compile(
    r"\b(?:not\s+sure|unsure|not\s+certain|(?:do|does|did)n['\u2019]?t\s+(?:think|know)|doubt"
    r"|unlikely|whether|wonder(?:ing)?|maybe|perhaps|hope|hoping|not\s+clear)\b",
    re.I,
)
_HEDGE_AFTER = re.compile(r"(?:be\s+)?(?:honest|blunt|frank)\b", re.I)
# Tried only where a run of blanks starts: a match inside a run also starts at its first
# blank, and starting at each blank of an N-blank run made a clause quadratic.
_CLAUSE_END = re.compile(r"(?<!\s)\s*(?:;|\s[-\u2013\u2014]\s|[.!?]$)")


@dataclass(frozen=True, slots=True)
class _Commitment:
    unit: _Unit
    subject_start: int
    verb_start: int
    owner: str | None
    weak: bool  # "can", "could", "happy to": a commitment only with a due date
    tag: tuple[int, int] | None = None  # an owner tag to leave out of the text


def _commitments(call: _Call, u: _Unit) -> list[_Commitment]:
    """Commitment clauses of a sentence, first person, named and imperative."""
    out: list[_Commitment] = []
    spoken_by = call.full_name(u.speaker) if u.speaker else None
    for m in _FIRST_PERSON.finditer(call.content, u.start, u.end):
        if m.group("verb") not in _ACTION_VERBS:
            continue
        modal = m.group("modal").strip().lower()
        weak = modal.startswith(("can", "could")) or "happy" in modal or "glad" in modal
        # "I" and "we" are whoever speaks, or in notes and emails whoever wrote them.
        owner = spoken_by or (call.author if u.speaker is None else None)
        out.append(_Commitment(u, m.start("subj"), m.start("verb"), owner, weak))
    for m in _LET_ME.finditer(call.content, u.start, u.end):
        if m.group("verb") in _ACTION_VERBS:
            owner = spoken_by or (call.author if u.speaker is None else None)
            out.append(_Commitment(u, m.start("subj"), m.start("verb"), owner, False))
    note_style = _NAMED_NOTE.match(call.content, u.start, u.end)
    said = _Spans([(c.subject_start, c.verb_start) for c in out])
    named = _Spans([])  # added in text order, but for a note-style match, the last one
    for m in [
        *_NAMED.finditer(call.content, u.start, u.end),
        *([note_style] if note_style else []),
    ]:
        subj = m.group("subj")
        if m.group("verb") not in _ACTION_VERBS or not _is_person(call, subj):
            continue
        if said.holds(m.start()) or named.holds(m.start()):
            continue
        out.append(_Commitment(u, m.start("subj"), m.start("verb"), call.full_name(subj), False))
        named.add(m.start("subj"), m.start("verb"))
    if not out and u.section in _ACTION_SECTIONS:
        out.extend(_imperative(call, u))
    return sorted(out, key=lambda c: c.subject_start)


class _Spans:
    """``[start, end)`` spans, asked whether any of them holds a point.

    Asked of every named commitment in a sentence, a scan of the spans before it was
    quadratic in a sentence of N commitments. Adding a span that starts before the
    last one redoes the spans after it, so spans are best added in order.
    """

    def __init__(self, spans: Sequence[tuple[int, int]]) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._reach: list[int] = []  # _reach[i]: the furthest end of the first i + 1 spans
        for start, end in sorted(spans):
            self.add(start, end)

    def add(self, start: int, end: int) -> None:
        at = bisect.bisect_right(self._starts, start)
        self._starts.insert(at, start)
        self._ends.insert(at, end)
        del self._reach[at:]  # only a span added out of order has any to redo
        for n in range(at, len(self._starts)):
            self._reach.append(max(self._ends[n], self._reach[-1] if n else self._ends[n]))

    def holds(self, point: int) -> bool:
        n = bisect.bisect_right(self._starts, point)  # the spans starting by ``point``
        return n > 0 and self._reach[n - 1] > point


def _is_person(call: _Call, name: str) -> bool:
    first = name.split()[0].lower()
    if first in _NOT_PEOPLE:
        return False
    if first in call.names:
        return True
    # Without a participant list, a capitalised word that is not a known non-person.
    return not call.participants


def _imperative(call: _Call, u: _Unit) -> list[_Commitment]:
    """An imperative item under an "Action items:" heading: "Send the deck (Dana)"."""
    m = _IMPERATIVE.match(call.content, u.start, u.end)
    if not m or m.group("verb").lower() not in _ACTION_VERBS:
        return []
    owner = call.full_name(u.speaker) if u.speaker else None
    for tag in _OWNER_TAG.finditer(call.content, u.start, u.end):
        name = next(g for g in tag.groups() if g)
        if _is_person(call, name):
            owner = owner or call.full_name(name)
            return [_Commitment(u, u.start, u.start, owner, False, tag.span())]
    return [_Commitment(u, u.start, u.start, owner, False)]


def _clause_end(call: _Call, c: _Commitment, next_start: int | None) -> int:
    """Where a commitment's clause ends: "I'll send X by Friday, and I'll ..." stops at "and"."""
    if c.verb_start == c.subject_start:  # an imperative item is its whole line
        return c.unit.end
    stop = next_start if next_start is not None else c.unit.end
    m = _CLAUSE_END.search(call.content, c.verb_start, stop)
    end = m.start() if m else stop
    return _trailing_join_start(call.content, c.verb_start, end)


def _trailing_join_start(text: str, start: int, end: int) -> int:
    """Where the separators and join words ending ``text[start:end]`` begin (``end`` if none).

    Read backwards, so each character is looked at once: a regular-expression search
    tries every start and reads on to ``end`` from each, quadratic in a clause ending
    in N "and"s. Its answer is the same: join words are whole words, so the trailing
    ones can be peeled off from the end one by one, then the separators before them.

    Example:
        >>> text = "send it by Friday, and then"
        >>> text[: _trailing_join_start(text, 0, len(text))]
        'send it by Friday'
    """
    pos = end
    while True:
        word_end = pos
        while word_end > start and _TRAILING_SPACE.match(text, word_end - 1):
            word_end -= 1
        word = next((w for w in _JOIN_WORDS if _ends_with_word(text, start, word_end, w)), None)
        if word is None:
            break
        pos = word_end - len(word)
    while pos > start and _TRAILING_SEPARATOR.match(text, pos - 1):
        pos -= 1
    return pos


def _ends_with_word(text: str, start: int, end: int, word: str) -> bool:
    """Whether ``text[start:end]`` ends with ``word`` and no word character precedes it.

    What follows needs no check: ``end`` is the end of the clause or a blank or comma.
    """
    begin = end - len(word)
    return (
        begin >= start
        and text.startswith(word, begin)
        and not (begin > 0 and _WORD_CHAR.match(text, begin - 1))
    )


def _commitment_text(call: _Call, c: _Commitment, end: int) -> str:
    if c.tag is None:
        return _sentence_text(call, c.verb_start, end).rstrip(".")
    left = call.content[c.verb_start : c.tag[0]]
    right = call.content[c.tag[1] : end]
    text = _DASH.sub(" ", f"{left} {right}")  # "Send X (Dana) - by Friday" -> "Send X by Friday"
    return _sentence_text(call, 0, 0, text=text).rstrip(". -\u2013\u2014")


def _clause_start(call: _Call, c: _Commitment) -> int:
    """Where the clause holding a commitment begins: "By Friday, I'll ..." but not "X; I'll"."""
    boundaries = [
        m.end() for m in _CLAUSE_START.finditer(call.content, c.unit.start, c.subject_start)
    ]
    return boundaries[-1] if boundaries else c.unit.start


def _clause_starts(call: _Call, u: _Unit, found: Sequence[_Commitment]) -> list[int]:
    """:func:`_clause_start` of each commitment of ``u``, finding the boundaries once."""
    spans = [m.span() for m in _CLAUSE_START.finditer(call.content, u.start, u.end)]
    ends = [end for _, end in spans]
    out = []
    for c in found:
        n = bisect.bisect_right(ends, c.subject_start)  # the boundaries before the subject
        if n < len(spans) and spans[n][0] < c.subject_start:
            out.append(_clause_start(call, c))  # one runs across the subject: look again
        else:
            out.append(spans[n - 1][1] if n else u.start)
    return out


def _found_before(
    pattern: re.Pattern[str], text: str, start: int, ends: Sequence[int]
) -> list[bool]:
    """``[bool(pattern.search(text, start, end)) for end in ends]``, reading the text once.

    Asked one at a time, the lead-ins of a sentence's commitments rescan each other:
    quadratic in a sentence of N commitments. ``pattern``'s matches must begin and end
    with a word character and look around no further than ``\\b``; then, when the
    character before ``end`` is not a word character and no match of one scan of
    ``text[start:max(ends) + 1]`` runs across ``end``, the matches before ``end`` are
    the same in both. Any other ``end`` is searched on its own.
    """
    if not ends:
        return []
    stop = min(len(text), max(ends) + 1)
    spans = [m.span() for m in pattern.finditer(text, start, stop)]
    span_ends = [end for _, end in spans]
    out = []
    for end in ends:
        n = bisect.bisect_right(span_ends, end)  # the matches that end by ``end``
        crossing = n < len(spans) and spans[n][0] < end
        if end <= start:
            out.append(False)
        elif crossing or _WORD_CHAR.match(text, end - 1):
            out.append(bool(pattern.search(text, start, end)))
        else:
            out.append(n > 0)
    return out


def _hedged_lead_ins(
    call: _Call, found: Sequence[_Commitment], starts: Sequence[int]
) -> list[bool]:
    """Whether each commitment's lead-in ``content[start:subject_start]`` hedges."""
    text = call.content
    out = [False] * len(found)
    for start, indices in _by_clause(starts).items():
        ends = [found[n].subject_start for n in indices]
        # A lead-in is searched as a string of its own, where "\b" at its start does
        # not see the character before it; _found_before sees it.
        if start > 0 and _WORD_CHAR.match(text, start - 1) and _WORD_CHAR.match(text, start):
            hedged = [bool(_HEDGE.search(text[start:end])) for end in ends]
        else:
            hedged = _found_before(_HEDGE, text, start, ends)
        for n, h in zip(indices, hedged, strict=True):
            out[n] = h
    return out


def _due_dates(
    call: _Call, found: Sequence[_Commitment], ends: Sequence[int], starts: Sequence[int]
) -> list[DateMention | None]:
    """Each commitment's due date: in its clause, else in its lead-in ("By Friday, I'll")."""
    text = call.content
    dues = [
        find_due_date(text, call.ref, c.verb_start, end) for c, end in zip(found, ends, strict=True)
    ]
    undated = [start if due is None else None for due, start in zip(dues, starts, strict=True)]
    for start, indices in _by_clause(undated).items():
        lead_in = [found[n].subject_start for n in indices]
        for n, due in zip(
            indices, find_due_dates_before(text, call.ref, start, lead_in), strict=True
        ):
            dues[n] = due
    return dues


def _by_clause(starts: Sequence[int | None]) -> dict[int, list[int]]:
    """The indices of the commitments by the start of their clause (None: left out)."""
    out: dict[int, list[int]] = {}
    for n, start in enumerate(starts):
        if start is not None:
            out.setdefault(start, []).append(n)
    return out


def _action_items(call: _Call) -> tuple[list[ActionItem], set[int]]:
    items: list[ActionItem] = []
    units: set[int] = set()
    seen: set[tuple[str | None, str]] = set()
    for u in call.units:
        if u.title:
            continue
        found = _commitments(call, u)
        # Each commitment's lead-in runs from its clause's start, so in one long sentence
        # they overlap: they are read in one pass per clause, not one per commitment.
        ends = [
            _clause_end(call, c, found[n + 1].subject_start if n + 1 < len(found) else None)
            for n, c in enumerate(found)
        ]
        clause_starts = _clause_starts(call, u, found)
        dues = _due_dates(call, found, ends, clause_starts)
        hedged = _hedged_lead_ins(call, found, clause_starts)
        conditional = _found_before(
            _CONDITIONAL, call.content, u.start, [c.subject_start for c in found]
        )
        for n, c in enumerate(found):
            end, clause_start, due = ends[n], clause_starts[n], dues[n]
            if hedged[n] or _HEDGE_AFTER.match(call.content, c.verb_start):
                continue  # "not sure we'll renew", "I'll be honest"
            if c.weak and (due is None or conditional[n] or u.question):
                continue
            text = _commitment_text(call, c, end)
            key = (c.owner, text.lower())
            if key in seen or len(text.split()) < 2:
                continue
            seen.add(key)
            # The quote holds the due date too: "By Friday, I'll send ..." from "By".
            quote_start = clause_start if due and due.start < c.subject_start else c.subject_start
            quote_end = u.end if end >= u.end - 1 else end
            items.append(
                ActionItem(
                    text=text,
                    owner=c.owner,
                    due=due.value if due else None,
                    citations=[call.cite(quote_start, quote_end)],
                )
            )
            units.add(u.index)
    return items, units
