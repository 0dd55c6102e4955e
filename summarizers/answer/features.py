"""Candidate spans of the retrieved passages and what is known about each.

An answer is a sentence (or a speaker turn) of a retrieved record. The choice is made in
two steps that different evidence serves:

* **which record**: retrieval already ranked the records against the whole question
  (the chunk's cosine and its rank), and the accounts the question named tell which
  records are about what was asked, even when their text never names the account;
* **which span of it**: the sentence's closeness in meaning to the question, measured
  *relative to* the other candidates (MiniLM-class cosines of a question and a sentence
  that answers it sit anywhere from 0.2 to 0.7; the best of a record stands out more
  reliably than any absolute level), its words, and whether it holds the kind of fact
  asked for (a date for "when", an amount for "how much", a new name for "which rival").

:func:`features` turns each candidate into one row of :data:`FEATURES`, which
:mod:`summarizers.answer.scorer` weighs into a probability of answering the question.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from summarizers.answer.question import (
    answer_type,
    asked_side,
    content_names,
    is_pleasantry,
    lookup_targets,
    question_terms,
    required_terms,
    type_match,
)
from summarizers.models import Passage

__all__ = [
    "FEATURES",
    "Candidate",
    "QuestionView",
    "candidates",
    "features",
    "put_first",
    "sentence_before",
    "view",
]


#: The features of a candidate, in the order of :func:`features`' rows.
FEATURES = (
    "chunk_similarity",  # cosine of the question and the candidate's chunk
    "chunk_similarity_gap",  # that cosine minus the best chunk's
    "record_rank",  # 1 / (1 + the record's rank among the distinct retrieved records)
    "named_record",  # the question named an account and this record belongs to it
    "other_record",  # the question named an account and this record belongs to another
    "meaning",  # cosine of the question and the sentence
    "meaning_gap",  # that cosine minus the best candidate's
    "meaning_gap_in_record",  # that cosine minus the best of its own record
    "lexical",  # IDF-weighted share of the question's topical terms the sentence has
    "record_lexical",  # share of the topical terms its record mentions at all
    "type_hit",  # a type was asked for and the sentence holds one (not the question's own)
    "type_partial",  # it holds another kind of amount than the one asked (money for a %)
    "type_miss",  # a date, amount or code was asked for and the sentence has none
    "typed",  # the question asks for a type at all
    "lookup_hit",  # a code or name the question looks up is in the sentence or its title
    "is_question",  # the sentence is itself a question
    "short",  # the sentence has fewer than 8 words
    "names_account",  # the sentence itself names an account the question named
    "repeated",  # log(1 + how many other records have a near-copy of the sentence)
    "meaning_rank",  # 1 / (1 + the sentence's rank by meaning among all candidates)
    "names",  # capitalised words past the first (a name, product or place), up to 3, / 3
    "content",  # content words, up to 20, / 20: how much the sentence says
)

# A sentence ends at . ! ? (then space) or at a line break.
_SENTENCE = re.compile(r"(?:[^\n.!?]|[.!?](?=[^\s.!?]))+(?:[.!?]+(?=\s|$)|$)|[^\n]+", re.MULTILINE)


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved passage; ``start``/``end`` index its document."""

    passage_rank: int
    record_rank: int  # rank of its document among the distinct retrieved documents
    document_id: str
    title: str
    start: int
    end: int
    text: str
    terms: frozenset[str]
    context_terms: frozenset[str]  # the record's title and context: what it is about
    record_terms: frozenset[str]  # every term of its passage, title and context
    chunk_similarity: float | None
    named: bool  # its record belongs to an account the question named
    side: str | None = None  # whose words it is, "ours" or "theirs", when known
    occurred_at: datetime | None = None  # when its record was written


@dataclass(frozen=True)
class QuestionView:
    """What the scorer needs of the question."""

    terms: tuple[str, ...]
    topical: tuple[str, ...]  # terms that are not names of what the question is about
    required: tuple[str, ...]
    targets: tuple[str, ...]
    wants: str | None
    side: str | None  # whose move it asks about (question.asked_side), if an offer or an ask
    #: The question without the names of the accounts it resolved to: what it asks
    #: *about* them, which is what a sentence's meaning is compared with (a record of
    #: the account need not name it, and one that does is not closer for that).
    topic: str
    named: frozenset[str]  # terms of the names of the accounts it resolved to


#: A sentence of fewer words is short (the ``short`` feature): "Reproduced.", "Tech on
#: site 10:05.", "Sounds good, thanks!" say little on their own.
SHORT_WORDS = 8


def is_short(text: str) -> bool:
    """Whether ``text`` has fewer than :data:`SHORT_WORDS` words."""
    return len(text.split()) < SHORT_WORDS


def put_first(order: Sequence[int], i: int) -> tuple[int, ...]:
    """``order`` (candidate indices, best first) with ``i`` moved to the front: what each
    rule that overrules the ranker's pick returns.

    Example:
        >>> put_first((3, 1, 2), 2)
        (2, 3, 1)
    """
    return (i, *(j for j in order if j != i))


def sentence_before(best: Candidate, cands: Sequence[Candidate]) -> Candidate | None:
    """The candidate right before ``best`` in its passage, if any."""
    before = [c for c in cands if c.passage_rank == best.passage_rank and c.end <= best.start]
    return max(before, key=lambda c: c.start) if before else None


def view(question: str, passages: Sequence[Passage]) -> QuestionView:
    """The question's terms, with the words of the accounts it resolved to set apart."""
    terms = tuple(question_terms(question))
    names = {c for p in passages for c in p.context}
    named = {t for c in names for t in question_terms(c)}
    # "L&V" resolved "Lumen & Vale Hospitality" (retrieval.store.accounts_named): it is
    # that name, so the name's first word is what a record must be about.
    aliases = {
        t: first
        for word in _WORD.findall(question)
        for first in [_initials_of(word, names)]
        if first
        for t in question_terms(word)
    }
    named |= set(aliases)
    # An account the question resolved to is required as a written name would be,
    # however it was typed: "when does brightwater's contract expire?" is not answered
    # by another customer's contract.
    required = tuple(
        dict.fromkeys(
            aliases.get(t, t)
            for t in [*required_terms(question), *(t for t in terms if t in named)]
        )
    )
    topical = tuple(t for t in terms if t not in named and t not in required)
    return QuestionView(
        terms=terms,
        topical=topical or tuple(t for t in terms if t not in named),
        required=required,
        targets=tuple(lookup_targets(question)),
        wants=answer_type(question),
        side=asked_side(question),
        topic=_without_names(question, named),
        named=frozenset(named),
    )


_WORD = re.compile(r"[\w][\w&.'-]*")


def _initials_of(word: str, names: set[str]) -> str | None:
    """The first word (a term) of the name in ``names`` whose leading initials ``word``
    spells with "&" ("L&V" of "Lumen & Vale Hospitality"), or all of whose initials it
    spells in capitals ("MBCU" of "Morrow Bay Credit Union"), if any."""
    word = word.removesuffix("'s").removesuffix("\u2019s")
    letters = word.replace("&", "").lower()
    acronym = word.isupper() and word.isalpha() and 3 <= len(word) <= 5
    if not (acronym or ("&" in word and letters.isalpha() and 2 <= len(letters) <= 4)):
        return None
    for name in sorted(names):
        words = [w for w in re.split(r"[^0-9A-Za-z]+", name.lower()) if w]
        initials = "".join(w[0] for w in words)
        if initials == letters or (not acronym and initials.startswith(letters)):
            firsts = question_terms(words[0])
            return firsts[0] if firsts else None
    return None


def _without_names(question: str, named: set[str]) -> str:
    """``question`` with the words of ``named`` (term stems) left out."""
    if not named:
        return question
    kept = [w for w in _WORD.findall(question) if not (set(question_terms(w)) & named)]
    return " ".join(kept) if kept else question


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    """Every sentence of ``passages`` that could answer something (not a greeting, a
    sign-off or an attribution line), once per document span."""
    out: list[Candidate] = []
    seen: set[tuple[str, int]] = set()
    records: dict[str, int] = {}
    for rank, p in enumerate(passages):
        record_rank = records.setdefault(p.document_id, len(records))
        context_terms = frozenset(question_terms(" ".join((p.title, *p.context))))
        # The people the record is with belong to it as its account does: "Gwen" is in
        # the email Gwen sent, though the part of it kept ends above her name.
        people_terms = frozenset(question_terms(" ".join(p.people)))
        record_terms = frozenset(question_terms(p.text)) | context_terms | people_terms
        for m in _SENTENCE.finditer(p.text):
            raw = m.group(0)
            stripped = raw.strip()
            if len(stripped) < 12 or is_pleasantry(stripped):
                continue
            lead = len(raw) - len(raw.lstrip())
            start = p.start + m.start() + lead
            if (p.document_id, start) in seen:  # overlapping chunks repeat sentences
                continue
            seen.add((p.document_id, start))
            out.append(
                Candidate(
                    passage_rank=rank,
                    record_rank=record_rank,
                    document_id=p.document_id,
                    title=p.title,
                    start=start,
                    end=start + len(stripped),
                    text=stripped,
                    terms=frozenset(question_terms(stripped)),
                    context_terms=context_terms,
                    record_terms=record_terms,
                    chunk_similarity=p.similarity,
                    named=bool(p.context),
                    side=next((side for s, e, side in p.sides if s <= start < e), None),
                    occurred_at=p.occurred_at,
                )
            )
    return out


def features(
    question: str,
    q: QuestionView,
    cands: Sequence[Candidate],
    meaning: Sequence[float | None],
) -> list[list[float]]:
    """One row of :data:`FEATURES` per candidate.

    Args:
        question: The question as asked (values it states are not answers).
        q: :func:`view` of it.
        cands: :func:`candidates` of the passages.
        meaning: The cosine of the question with each candidate, ``None`` where it was
            not measured (then the lexical score stands in).
    """
    n = len(cands)
    topical = q.topical
    idf = {
        t: math.log(1 + n / (1 + sum(t in c.terms or t in c.context_terms for c in cands)))
        for t in topical
    }
    total = sum(idf.values()) or 1.0
    any_named = any(c.named for c in cands)
    lexical = [sum(idf[t] for t in topical if t in c.terms) / total for c in cands]
    sem = [lexical[i] if v is None else float(v) for i, v in enumerate(meaning)]
    best = max(sem, default=0.0)
    best_in: dict[str, float] = {}
    for c, v in zip(cands, sem, strict=True):
        best_in[c.document_id] = max(best_in.get(c.document_id, -1.0), v)
    chunk = [c.chunk_similarity or 0.0 for c in cands]
    best_chunk = max(chunk, default=0.0)
    by_meaning = sorted(range(n), key=lambda i: -sem[i])
    meaning_rank = {i: r for r, i in enumerate(by_meaning)}
    rows = []
    for i, c in enumerate(cands):
        fit = type_match(q.wants, c.text, question)
        rows.append(
            [
                chunk[i],
                chunk[i] - best_chunk,
                1.0 / (1 + c.record_rank),
                float(any_named and c.named),
                float(any_named and not c.named),
                sem[i],
                sem[i] - best,
                sem[i] - best_in[c.document_id],
                lexical[i],
                (sum(t in c.record_terms for t in topical) / len(topical)) if topical else 0.0,
                float(q.wants is not None and fit == 1.0),
                float(q.wants == "amount" and fit == 0.5),
                float(q.wants in ("date", "amount", "code") and fit == 0.0),
                float(q.wants is not None),
                # A lookup is answered by what names the target, and by the record titled
                # by it (a ticket's comments under "[TCK-20561] SSO login fails").
                float(any(t in c.terms or t in c.context_terms for t in q.targets)),
                float(c.text.rstrip().endswith("?")),
                float(is_short(c.text)),
                float(bool(q.named & c.terms)),
                math.log1p(_repeats(c, cands)),
                1.0 / (1 + meaning_rank[i]),
                min(content_names(c.text), 3) / 3,
                min(len(c.terms), 20) / 20,
            ]
        )
    return rows


def _repeats(c: Candidate, cands: Sequence[Candidate]) -> int:
    """Candidates of *other* records sharing at least half of ``c``'s words with it: a
    sentence every record has (a status line, a stock promise) says little about any."""
    if not c.terms:
        return 0
    return sum(
        1
        for o in cands
        if o.document_id != c.document_id and len(c.terms & o.terms) >= 0.5 * len(c.terms | o.terms)
    )
