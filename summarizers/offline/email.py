"""Where an email's own text ends: before quoted replies and the sign-off."""

from __future__ import annotations

import re

# text-layer candidate (issue 10): replaced by textkit at merge
_QUOTE_CUT = re.compile(
    r"^[ \t]*(?:On\s[^\n]{0,300}(?:\n[^\n]{0,300})?\swrote:[ \t]*$|-{2,}[ \t]*(?:Original Message"
    r"|Forwarded message)[^\n]*$|From:[ \t][^\n]+\n(?:[^\n]*\n){0,3}?[ \t]*(?:Sent|Date):"
    r"|>|--[ \t]?$|Sent from my )",
    re.M,
)
_SIGN_OFF = re.compile(
    r"^[ \t]*(?:Best|Thanks|Thank you|Many thanks|Regards|Best regards|Kind regards|Warm regards"
    r"|Cheers|Sincerely|All the best)[ \t]*[,.!]?[ \t]*$",
    re.M | re.I,
)
_SIGNATURE_LINES_MAX = 4
_SIGNATURE_LINE_WORDS_MAX = 6


def _authored_end(content: str) -> int:
    """Where an email's own text ends: before quoted replies and the sign-off.

    A sign-off line ("Best,") counts only when a short signature at most follows it, so
    a "Thanks!" that opens the email does not cut it.
    """
    m = _QUOTE_CUT.search(content)
    end = m.start() if m else len(content)
    for sign_off in _SIGN_OFF.finditer(content, 0, end):
        after = [ln.strip() for ln in content[sign_off.end() : end].splitlines() if ln.strip()]
        if len(after) <= _SIGNATURE_LINES_MAX and all(
            len(ln.split()) <= _SIGNATURE_LINE_WORDS_MAX for ln in after
        ):
            return sign_off.start()
    return end
