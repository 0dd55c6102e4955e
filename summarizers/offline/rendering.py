"""Sentences as items: trimmed of discourse markers, capitalised, speaker-labelled, cited."""

from __future__ import annotations

from collections.abc import Sequence

from summarizers.models import Item
from summarizers.offline.analysis import _LEAD_MARKERS, _Call, _Unit


def _trimmed_span(call: _Call, u: _Unit) -> tuple[int, int]:
    """The unit without leading discourse markers, if enough is left."""
    m = _LEAD_MARKERS.match(call.content, u.start, u.end)
    if m and len(call.content[m.end() : u.end].split()) >= 4:
        return m.end(), u.end
    return u.start, u.end


def _sentence_text(call: _Call, start: int, end: int, *, text: str | None = None) -> str:
    """``content[start:end]`` (or ``text``) on one line, capitalised, ending in a stop."""
    text = " ".join((call.content[start:end] if text is None else text).split())
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?\u2026\"'\u201d)" else text + "."


def _render(call: _Call, units: Sequence[_Unit]) -> Item:
    """Sentences in text order; consecutive sentences of one speaker share a label."""
    parts: list[str] = []
    citations = []
    previous: str | None = None
    for u in sorted(units, key=lambda x: x.index):
        start, end = _trimmed_span(call, u)
        sentence = _sentence_text(call, start, end)
        if u.speaker and u.speaker != previous:
            sentence = f"{u.speaker}: {sentence}"
        previous = u.speaker
        parts.append(sentence)
        citations.append(call.cite(start, end))
    return Item(text=" ".join(parts), citations=citations)
