"""Next steps: plans nobody in particular owns, scheduled meetings and requests."""

from __future__ import annotations

import re

from summarizers.models import Item
from summarizers.offline.action_items import _ACTION_SECTIONS
from summarizers.offline.analysis import _CONDITIONAL, _Call
from summarizers.offline.rendering import _render
from textkit.dates import find_dates

_NEXT_STEP = re.compile(
    r"\b(?:let['\u2019]?s|let\s+us)\s+(?!see\b|say\b|be\b|not\b|just\s+say\b|think\b)[a-z]+"
    r"|\bnext\s+steps?\b|\b(?:follow-?up|kickoff|kick-off|call|meeting|demo|workshop|session"
    r"|review|EBR|QBR|sync|training|check-in|walkthrough|handover)\s+(?:is\s+|was\s+)?"
    r"(?:scheduled|booked|set|planned|on\s+the\s+calendar)\b"
    r"|\b(?:will|['\u2019]ll|is\s+going\s+to|are\s+going\s+to)\s+(?:be\s+)?(?:\w+\s+)?"
    r"(?:shared|sent|scheduled|delivered|released|shipped|reviewed|run|join|share|send|review"
    r"|reach\s+out|follow\s+up|walk|set\s+up|schedule|ship|go\s+into|deliver)\b"
    r"|\b(?:fix|patch|update|feature|release)\s+(?:is|will\s+be)\s+(?:going|shipping|coming"
    r"|scheduled|planned|included|released)\b"
    r"|\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:send|share|loop|introduce|confirm|forward"
    r"|set\s+up|schedule|review|sign|provide)\b|^\W*please\s+[a-z]+",
    re.I,
)
_MEETING = re.compile(
    r"\b(?:call|meeting|demo|kickoff|workshop|session|sessions|review|EBR|QBR|training"
    r"|check-in|walkthrough|handover)\b",
    re.I,
)


def _next_steps(call: _Call, action_units: set[int]) -> list[Item]:
    out = []
    for u in call.units:
        if u.index in action_units or u.filler or u.title:
            continue
        in_section = u.section in _ACTION_SECTIONS
        planned = bool(_NEXT_STEP.search(u.text)) and not _CONDITIONAL.match(u.text)
        meeting = bool(_MEETING.search(u.text)) and any(
            d.value >= call.ref and d.rank >= 2 for d in find_dates(u.text, call.ref)
        )
        if in_section or planned or meeting:
            out.append(_render(call, [u]))
    return out
