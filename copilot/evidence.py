"""The engine's view of a search's hits: passages with the context an answer needs.

A hit of an account the question named carries that account's name (its records are
about it even when their text never says so), and, when asked for, the people its record
is with and whose words its spans are (``textkit.documents.spoken_sides``: ours or the
customer's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from retrieval.models import ScoredChunk
from retrieval.store import DocumentVoices
from summarizers.models import Passage
from textkit.documents import spoken_sides

__all__ = ["Voices", "boost_accounts", "passages"]

#: Per document, who it is with (:func:`retrieval.store.document_voices`).
Voices = Mapping[str, DocumentVoices]


def passages(
    hits: Sequence[ScoredChunk],
    *,
    accounts: Mapping[str, str] | None = None,
    voices: Voices | None = None,
    sides: bool = True,
) -> list[Passage]:
    """The engine's view of ``hits``. ``accounts`` (id → name) are the accounts the
    question named: a hit of one of them carries its name as context. ``voices``
    (:func:`retrieval.store.document_voices`) tell who each hit's record is with and,
    when ``sides``, whose words its spans are."""
    accounts = accounts or {}
    voices = voices or {}
    return [
        Passage(
            document_id=h.document_id,
            kind=h.kind,
            title=h.title,
            text=h.text,
            start=h.char_start,
            end=h.char_end,
            score=h.score,
            occurred_at=h.occurred_at,
            account_id=h.account_id,
            context=(accounts[h.account_id],) if h.account_id and h.account_id in accounts else (),
            similarity=h.vector_similarity,
            sides=_sides(h, voices.get(h.document_id)) if sides else (),
            people=_people(voices.get(h.document_id)),
        )
        for h in hits
    ]


def _sides(hit: ScoredChunk, voice: DocumentVoices | None) -> tuple[tuple[int, int, str], ...]:
    if voice is None:
        return ()
    return spoken_sides(
        hit.text,
        kind=hit.kind,
        offset=hit.char_start,
        direction=voice.direction,
        owner=voice.owner,
        participants=voice.participants,
    )


def _people(voice: DocumentVoices | None) -> tuple[str, ...]:
    if voice is None:
        return ()
    names = (voice.contact, *voice.participants, voice.owner)
    return tuple(dict.fromkeys(n for n in names if n))


def boost_accounts(hits: Sequence[ScoredChunk], accounts: set[str]) -> tuple[ScoredChunk, ...]:
    """``hits`` with those of ``accounts`` first, each group in its retrieval order."""
    if not accounts:
        return tuple(hits)
    named = [h for h in hits if h.account_id in accounts]
    return tuple(named + [h for h in hits if h.account_id not in accounts])
