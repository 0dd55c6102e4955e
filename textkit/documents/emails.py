"""Where an email's own text is: the one rule search, summaries and actions share.

An email body often carries more than its author wrote: a quoted reply (``On ...
wrote:`` and everything after it, ``-----Original Message-----``, an Outlook ``From:
... Sent: ...`` block, lines starting with ``>``), a forwarded message, a signature (a
``--`` line, "Sent from my iPhone") and a trailing sign-off such as "Best regards,\\nAna
\\nAccount Executive". :func:`authored_end` says where the authored text ends;
:func:`authored_ranges` are its line blocks, without interleaved ``>`` quotes.

Example:
    >>> text = "Hi Ana. The renewal is on track.\\n\\nOn Mon, Jan 6, 2025 Bo wrote:\\n> ping"
    >>> [text[s:e] for s, e in authored_ranges(text)]
    ['Hi Ana. The renewal is on track.']
"""

from __future__ import annotations

import re

__all__ = ["authored_end", "authored_ranges"]

_EOL = r"[ \t]*\r?$"
# Each pattern marks where quoted or non-authored text begins; everything after the
# earliest match is dropped. A pattern only runs when one of its literal needles occurs
# in the text: a substring test is far cheaper than a multi-line regex scan.
_CUTS: tuple[tuple[tuple[str, ...], re.Pattern[str]], ...] = (
    # Gmail / Apple Mail, "On <date>, <name> wrote:" possibly wrapped onto two lines.
    (
        ("wrote:", "schrieb", "crit"),
        re.compile(
            r"^[ \t]*(?:On\s[^\n]{0,300}(?:\n[^\n]{0,300})?\swrote:"
            r"|Am\s[^\n]{0,300}(?:\n[^\n]{0,300})?\sschrieb[^\n]{0,100}:"
            r"|Le\s[^\n]{0,300}(?:\n[^\n]{0,300})?\sa \u00e9crit\s?:)" + _EOL,
            re.M,
        ),
    ),
    # The same header glued mid-line, as in bodies flattened from HTML.
    (
        ("wrote:",),
        re.compile(r"[ \t]On (?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|\d)[^\n]{5,300}?\swrote:"),
    ),
    # Outlook and forwards; anything may follow the marker on its line.
    (
        ("--", "orwarded message"),
        re.compile(
            r"^[ \t]*-{2,}[ \t]*(?:Original Message|Forwarded message|Message d'origine"
            r"|Urspr\u00fcngliche Nachricht)[^\n]*$"
            r"|^[ \t]*Begin forwarded message:" + _EOL,
            re.M | re.I,
        ),
    ),
    # A mail header block ("From: ..." then "Sent:", "Date:", "To:" or "Subject:" within
    # four lines), with its Outlook rule line if any. A lone "From: ..." line is prose.
    (
        ("From:",),
        re.compile(
            r"^(?:[ \t]*_{8,}" + _EOL + r"\n(?:[ \t]*\r?\n)*)?"
            r"[ \t]*\*?From:\*?[ \t]+[^\n]+\n(?:[^\n]*\n){0,3}?"
            r"[ \t]*\*?(?:Sent|Date|To|Subject):\*?[ \t]",
            re.M,
        ),
    ),
    # Signature delimiter and mobile footers.
    (
        ("--", "Sent from", "Get Outlook"),
        re.compile(
            r"^[ \t]*--" + _EOL + r"|^[ \t]*(?:Sent from my \S+"
            r"|Sent from (?:Mail|Outlook|Yahoo Mail)\b|Get Outlook for \S+)",
            re.M,
        ),
    ),
)
_SIGNOFF = re.compile(
    r"[ \t]*(?i:best(?: regards| wishes)?|kind(?:est)? regards|warm(?:est)? regards|regards"
    r"|many thanks|thanks(?: so much| again| a lot)?|thank you(?: so much| again)?|thx|cheers"
    r"|sincerely(?: yours)?|yours (?:truly|sincerely)|all the best|talk soon|br)"
    # An optional name on the same line: "Thanks, Ana" / "Cheers - Bo Li".
    r"[ \t]*[,.!]*(?:[ \t]*[-\u2013\u2014]?[ \t]*"
    r"[A-Z][\w.'\u2019-]*(?:[ \t]+[A-Z][\w.'\u2019-]*){0,2})?"
    r"[ \t]*\r?"
)
# Lines after a sign-off that look like a signature block: few, short, no question.
_SIGNATURE_LINE_MAX = 60
_SIGNATURE_LINE_WORDS_MAX = 6
_SIGNATURE_LINES_MAX = 5


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _is_signature_line(line: str) -> bool:
    return (
        len(line) <= _SIGNATURE_LINE_MAX
        and len(line.split()) <= _SIGNATURE_LINE_WORDS_MAX
        and "?" not in line
    )


def _signoff_start(text: str, end: int) -> int:
    """Where a trailing "Best regards, / Name / Title" before ``end`` begins, else ``end``.

    A sign-off counts when only signature-like lines follow it and none of them is
    another sign-off (an email is signed once, at its end: "Thanks!" that opens it is
    text). Quoted (``>``) lines are skipped, so a sign-off above a bare quote is found.
    """
    tail: list[tuple[int, int]] = []  # the last non-blank, unquoted lines, last first
    line_end = end
    while line_end >= 0 and len(tail) <= _SIGNATURE_LINES_MAX:
        line_start = text.rfind("\n", 0, line_end) + 1
        line = text[line_start:line_end]
        if line.strip() and not _is_quoted(line):
            tail.append((line_start, line_end))
        line_end = line_start - 1
    tail.reverse()
    signoffs = [bool(_SIGNOFF.fullmatch(text, start, stop)) for start, stop in tail]
    for n, (start, _) in enumerate(tail):
        if not signoffs[n] or any(signoffs[n + 1 :]):
            continue
        if all(_is_signature_line(text[s:e].strip()) for s, e in tail[n + 1 :]):
            return start
    return end


def authored_end(text: str) -> int:
    """Where an email's own text ends: at a quoted reply, forward, signature or sign-off.

    A sign-off ("Thanks,") counts only when a short signature at most follows it, so a
    "Thanks!" that opens the email does not end it. Interleaved ``>`` lines before this
    offset are not authored either; :func:`authored_ranges` leaves them out.

    Example:
        >>> text = "Can we move the call?\\n\\nThanks,\\nAna"
        >>> text[:authored_end(text)]
        'Can we move the call?\\n\\n'
    """
    cut = len(text)
    for needles, pattern in _CUTS:
        if any(needle in text for needle in needles):
            m = pattern.search(text, 0, cut)
            if m:
                cut = m.start()
    return _signoff_start(text, cut)


def authored_ranges(text: str) -> list[tuple[int, int]]:
    """The ``(start, end)`` line blocks of an email's authored text, in order.

    Everything from :func:`authored_end` on is left out, and so are interleaved quoted
    lines (``> ...``) before it. Blocks are trimmed; blank ones are dropped.

    Example:
        >>> text = "See inline.\\n> Price?\\n40 USD.\\n\\nBest,\\nAna"
        >>> [text[s:e] for s, e in authored_ranges(text)]
        ['See inline.', '40 USD.']
    """
    cut = authored_end(text)
    if ">" not in text[:cut]:
        return _trimmed(text, [(0, cut)])
    blocks: list[tuple[int, int]] = []
    block_start: int | None = None
    block_end = 0
    pos = 0
    for line in text[:cut].split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if _is_quoted(line):
            # An interleaved quote ends the authored block before it.
            if block_start is not None:
                blocks.append((block_start, block_end))
            block_start = None
            continue
        if block_start is None:
            block_start = start
        block_end = end
    if block_start is not None:
        blocks.append((block_start, block_end))
    return _trimmed(text, blocks)


def _trimmed(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for start, end in ranges:
        piece = text[start:end]
        if piece.strip():
            start += len(piece) - len(piece.lstrip())
            out.append((start, start + len(piece.strip())))
    return out
