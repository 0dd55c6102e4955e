"""Competitor mentions by sentence, and one cited entry per competitor."""

from __future__ import annotations

from collections.abc import Sequence

from summarizers.competitors import CompetitorMention, find_competitors
from summarizers.models import Competitor
from summarizers.offline.analysis import _MAX_CITATIONS, _Call, _Unit


def _competitor_mentions(call: _Call, names: Sequence[str]) -> dict[int, list[CompetitorMention]]:
    """Competitor mentions by unit index; speakers' and participants' names never count."""
    out: dict[int, list[CompetitorMention]] = {}
    for u in call.units:
        if u.title:
            continue
        found = find_competitors(call.content, names, start=u.start, end=u.end, exclude=call.names)
        if found:
            out[u.index] = found
    return out


def _competitors(call: _Call, rivals: dict[int, list[CompetitorMention]]) -> list[Competitor]:
    """One entry per competitor in order of first mention, citing up to three sentences."""
    by_name: dict[str, list[_Unit]] = {}
    for index, mentions in rivals.items():
        for mention in mentions:
            cited = by_name.setdefault(mention.name, [])
            if call.units[index] not in cited:
                cited.append(call.units[index])
    return [
        Competitor(name=name, citations=[call.cite(u.start, u.end) for u in units[:_MAX_CITATIONS]])
        for name, units in by_name.items()
    ]
