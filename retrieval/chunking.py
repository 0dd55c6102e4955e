"""Kind-aware chunking that keeps exact character offsets into a document's content.

A chunk is a :class:`Span` of the document's canonical ``content`` string, so a
citation can always quote ``content[span.start:span.end]`` verbatim. Chunking runs in
two steps:

1. A kind-specific *unit* function cuts the content into pieces that should stay
   together: sentences of an email's authored text (quoted replies and signatures are
   left out), speaker turns of a call, the body sentences and whole comments of a ticket.
2. :func:`pack` greedily joins consecutive units into chunks of at most ``max_tokens``,
   with an overlap of trailing units between neighbouring chunks.

Token counts come from an injected ``count_tokens`` callable; each unit is counted once
and chunk sizes are sums, so chunking stays linear in the content length.

Example:
    >>> content = "Hi Ana. The renewal is on track.\\n\\nOn Mon, Jan 6, 2025 Bo wrote:\\n> ping"
    >>> [content[s.start:s.end] for s in chunk_document("email", content)]
    ['Hi Ana. The renewal is on track.']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from retrieval.errors import RetrievalError
from textkit.documents import (
    authored_ranges,
    comment_starts,
    label_line_starts,
    render_call_transcript,
    render_ticket,
)

__all__ = [
    "MAX_TITLE_SHARE",
    "ChunkingError",
    "Span",
    "TokenCounter",
    "approx_tokens",
    "call_units",
    "chunk_document",
    "email_units",
    "pack",
    "render_call_transcript",
    "render_ticket",
    "ticket_units",
    "title_for_chunks",
]

TokenCounter = Callable[[str], int]

# Internally units travel as plain ``(start, end)`` tuples: building a frozen dataclass
# per sentence would dominate the run time on large ingests.
_Range = tuple[int, int]


class ChunkingError(RetrievalError, ValueError):
    """Chunking was asked for something it cannot do; the message quotes the input."""


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range: ``content[start:end]`` is the chunk text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ChunkingError(f"invalid span [{self.start}, {self.end})")


def approx_tokens(text: str) -> int:
    """Estimate word pieces as ``ceil(len(text) / 3.2)``, with no tokenizer.

    English averages about four characters per word piece; dividing by 3.2 errs on the
    side of too many tokens, so chunks sized with it fit a real model's window.

    Example:
        >>> approx_tokens("renewal pricing")
        5
    """
    return (len(text) * 5 + 15) // 16


#: The title rides along with every chunk it embeds; it may take at most this share of
#: the chunk budget. Uncapped, a 300 KB subject left 16 tokens for the body and was
#: re-tokenized with each of 340 chunks (181 s instead of 3.5 s for 21 chunks), and the
#: vectors held only the title, so the body could not be found by meaning.
MAX_TITLE_SHARE = 0.25
# A word piece covers at least one character, so a text of n characters is at most
# n + 2 tokens (with the two special tokens). A piece longer than this is an unknown
# word (WordPiece maps any word over 100 characters to one [UNK]), so chunking charges
# at least one token per this many characters: see :func:`_charged`.
_MAX_CHARS_PER_TOKEN = 24
_WORD_END = re.compile(r"(?<=\S)(?=\s)|(?<=\S)$")


def title_for_chunks(
    title: str,
    *,
    max_tokens: int,
    count_tokens: TokenCounter = approx_tokens,
    share: float = MAX_TITLE_SHARE,
) -> str:
    """The title as embedded with each chunk: cut to ``share`` of ``max_tokens`` tokens.

    A title over its share is cut at the last word boundary that fits (within a word
    only when its first word alone is too long). A long title is never counted whole:
    only a prefix that could fit is tokenized, about ``log2`` of its length times.

    Args:
        title: The document's title (subject).
        max_tokens: The chunk budget, as passed to :func:`chunk_document`.
        count_tokens: Counts tokens; pass the embedder's tokenizer for exact bounds.
        share: The title's share of the budget, in ``(0, 1]``.

    Example:
        >>> title_for_chunks("Renewal pricing", max_tokens=200)
        'Renewal pricing'
        >>> title_for_chunks("Re: " + "pricing " * 100, max_tokens=40)
        'Re: pricing pricing pricing'
    """
    if not 0 < share <= 1:
        raise ChunkingError(f"share must be in (0, 1], got {share}")
    cap = max(1, int(max_tokens * share))
    if len(title) + 2 <= cap:
        return title
    prefix = title[: cap * _MAX_CHARS_PER_TOKEN]
    if len(prefix) == len(title) and count_tokens(title) <= cap:
        return title
    cuts = [m.start() for m in _WORD_END.finditer(prefix)] or [len(prefix)]
    lo, hi = 0, len(cuts) - 1  # find the last cut whose prefix fits
    best = None
    while lo <= hi:
        mid = (lo + hi) // 2
        if count_tokens(prefix[: cuts[mid]]) <= cap:
            best, lo = cuts[mid], mid + 1
        else:
            hi = mid - 1
    if best is None:  # the first word alone is over the cap: cut within it
        best = _longest_prefix_that_fits(prefix[: cuts[0]], cap, count_tokens)
    return prefix[:best].rstrip()


def _longest_prefix_that_fits(text: str, cap: int, count_tokens: TokenCounter) -> int:
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count_tokens(text[:mid]) <= cap:
            lo = mid
        else:
            hi = mid - 1
    return lo


# --------------------------------------------------------------------------- helpers

# A sentence ends at . ! ? or … (plus closing quotes/brackets) before whitespace; a
# line that starts a list item also starts a unit, since lists rarely end in a period.
_SENTENCE_BREAK = re.compile(
    r"([.!?\u2026]+[\"'\u201d\u2019)\]]*)\s+|\n(?=[ \t]*(?:[-*\u2022]|\d{1,2}[.)])\s)"
)
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_WORD = re.compile(r"\S+")


def _trim(content: str, start: int, end: int) -> _Range | None:
    """``(start, end)`` without surrounding whitespace, or None when nothing is left."""
    text = content[start:end]
    left = text.lstrip()
    if not left:
        return None
    start += len(text) - len(left)
    return start, start + len(left.rstrip())


def _sentences(content: str, start: int, end: int, out: list[_Range]) -> None:
    """Append the sentences of ``content[start:end]``, paragraph breaks included."""
    para_start = start
    for brk in _PARAGRAPH_BREAK.finditer(content, start, end):
        _paragraph_sentences(content, para_start, brk.start(), out)
        para_start = brk.end()
    _paragraph_sentences(content, para_start, end, out)


def _paragraph_sentences(content: str, start: int, end: int, out: list[_Range]) -> None:
    para = _trim(content, start, end)
    if para is None:
        return
    start, end = para
    # After a sentence break the regex has eaten the whitespace, so pieces come out
    # trimmed; only a list-item break leaves indentation that needs trimming.
    sent_start = start
    ragged = False
    for brk in _SENTENCE_BREAK.finditer(content, start, end):
        nxt = brk.end()
        if brk.group(1) is None:
            piece = _trim(content, sent_start, brk.start())
            ragged = True
        elif content[nxt].islower():
            # "e.g. the" is not a sentence end: the next word starts in lower case.
            continue
        else:
            piece = _trim(content, sent_start, brk.end(1)) if ragged else (sent_start, brk.end(1))
            ragged = False
        if piece:
            out.append(piece)
        sent_start = nxt
    piece = _trim(content, sent_start, end) if ragged else (sent_start, end)
    if piece:
        out.append(piece)


def _spans(ranges: Iterable[_Range]) -> list[Span]:
    return [Span(s, e) for s, e in ranges]


# --------------------------------------------------------------------------- email


def _email_ranges(content: str) -> list[_Range]:
    out: list[_Range] = []
    for start, end in authored_ranges(content):
        _sentences(content, start, end, out)
    return out


def email_units(content: str) -> list[Span]:
    """Sentences of an email's authored text, as spans of the original ``content``.

    The authored text is :func:`textkit.documents.authored_ranges`'s. Left out: quoted
    replies (``On ... wrote:`` and everything after it, ``-----Original Message-----``,
    forwards and ``From: ... Sent: ...`` blocks, lines starting with ``>``), signatures
    (a ``--`` line and after, "Sent from my iPhone") and a trailing sign-off such as
    "Best regards,\\nAna\\nAccount Executive".

    Example:
        >>> text = "Can we move the call?\\n\\nThanks,\\nAna"
        >>> [text[s.start:s.end] for s in email_units(text)]
        ['Can we move the call?']
    """
    return _spans(_email_ranges(content))


# --------------------------------------------------------------------------- call


def _call_ranges(content: str) -> list[_Range]:
    out: list[_Range] = []
    turn_starts = label_line_starts(content)
    if not turn_starts:
        _sentences(content, 0, len(content), out)
        return out
    # Text before the first speaker (a title, attendees) is split like prose.
    _sentences(content, 0, turn_starts[0], out)
    for start, end in zip(turn_starts, [*turn_starts[1:], len(content)], strict=True):
        turn = _trim(content, start, end)
        if turn:
            out.append(turn)
    return out


def call_units(content: str) -> list[Span]:
    """One unit per speaker turn; notes without speakers split into sentences.

    A labelled line (:func:`textkit.documents.label_line_starts`: ``Name:``,
    ``[00:12:03] Name:``, also ``Next steps:``) begins a turn, and the lines after it up
    to the next turn belong to it.

    Example:
        >>> text = "Ana: Hi Bo.\\nHow are you?\\nBo: Fine."
        >>> [text[s.start:s.end] for s in call_units(text)]
        ['Ana: Hi Bo.\\nHow are you?', 'Bo: Fine.']
    """
    return _spans(_call_ranges(content))


# --------------------------------------------------------------------------- ticket


def _ticket_ranges(content: str) -> list[_Range]:
    out: list[_Range] = []
    starts = comment_starts(content)
    _sentences(content, 0, starts[0] if starts else len(content), out)
    for start, end in zip(starts, [*starts[1:], len(content)][: len(starts)], strict=True):
        comment = _trim(content, start, end)
        if comment:
            out.append(comment)
    return out


def ticket_units(content: str) -> list[Span]:
    """Sentences of the ticket body, then each comment (header and text) as one unit.

    Example:
        >>> text = "Login fails. Since Monday.\\n\\n--- comment by u1 at 2025-01-06\\nFixed."
        >>> [text[s.start:s.end] for s in ticket_units(text)]
        ['Login fails.', 'Since Monday.', '--- comment by u1 at 2025-01-06\\nFixed.']
    """
    return _spans(_ticket_ranges(content))


# --------------------------------------------------------------------------- packing

# An atom is a unit that fits the budget on its own: (start, end, cost) where cost is
# its token count minus the counter's fixed overhead (e.g. [CLS]/[SEP]), so that the
# cost of a chunk is the overhead plus the sum of its atoms' costs.
_Atom = tuple[int, int, int]


def pack(
    content: str,
    units: Sequence[Span],
    *,
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: TokenCounter = approx_tokens,
) -> list[Span]:
    """Join consecutive units into chunks of at most ``max_tokens``.

    A chunk spans from its first unit's start to its last unit's end. The next chunk
    begins with trailing units of the previous one worth at most ``overlap_tokens``.
    A unit longer than ``max_tokens`` is split at sentence, then word boundaries (a
    single over-long word at character boundaries). A chunk never spans a gap between
    units that holds text, such as a quoted line the unit function left out.

    Args:
        content: The document text the units index into.
        units: Ordered, non-overlapping spans of ``content``.
        max_tokens: Upper bound of ``count_tokens(content[start:end])`` for every chunk;
            a chunk also holds at most ``max_tokens * 24`` characters.
        overlap_tokens: Budget of the overlap, in ``[0, max_tokens)``.
        count_tokens: Counts tokens; called about once per unit and once per chunk.

    Raises:
        ChunkingError: A bad budget, or units out of order or out of range.

    Example:
        >>> text = "One two. Three four. Five six."
        >>> units = [Span(0, 8), Span(9, 20), Span(21, 30)]
        >>> words = lambda s: len(s.split())
        >>> [text[s.start:s.end] for s in pack(text, units, max_tokens=4, overlap_tokens=2,
        ...                                    count_tokens=words)]
        ['One two. Three four.', 'Three four. Five six.']
    """
    _check_budget(max_tokens, overlap_tokens)
    prev_end = 0
    ranges = []
    for unit in units:
        if unit.start < prev_end or unit.end > len(content):
            raise ChunkingError(
                f"unit [{unit.start}, {unit.end}) overlaps the previous one or runs past the "
                f"content's {len(content)} characters; units must be ordered and in range"
            )
        prev_end = unit.end
        trimmed = _trim(content, unit.start, unit.end)
        if trimmed is not None:
            ranges.append(trimmed)
    return _spans(_pack(content, ranges, max_tokens, overlap_tokens, count_tokens))


def _check_budget(max_tokens: int, overlap_tokens: int) -> None:
    if max_tokens < 1:
        raise ChunkingError(f"max_tokens must be at least 1, got {max_tokens}")
    if not 0 <= overlap_tokens < max_tokens:
        raise ChunkingError(f"overlap_tokens must be in [0, {max_tokens}), got {overlap_tokens}")


# A run of units this many characters per token of budget or shorter is first counted
# whole: short documents (most emails and tickets) then cost one count, not one per unit.
# Above it, a whole-run count would most likely be wasted on a run that cannot fit.
_WHOLE_RUN_CHARS_PER_TOKEN = 8


def _pack(
    content: str,
    ranges: Sequence[_Range],
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: TokenCounter,
) -> list[_Range]:
    """Pack ordered, trimmed, non-empty ranges (what the unit functions produce)."""
    count_tokens = _charged(count_tokens)
    # Tokenizers charge fixed tokens per call ([CLS], [SEP]); charge them once per chunk.
    overhead = count_tokens("")
    if overhead >= max_tokens:
        raise ChunkingError(
            f"max_tokens {max_tokens} leaves no room for text: the token counter charges "
            f"{overhead} for an empty string"
        )
    chunks: list[_Range] = []
    for run in _runs(content, ranges):
        start, end = run[0][0], run[-1][1]
        if end - start <= max_tokens * _WHOLE_RUN_CHARS_PER_TOKEN and (
            count_tokens(content[start:end]) <= max_tokens
        ):
            chunks.append((start, end))
            continue
        atoms: list[_Atom] = []
        for start, end in run:
            tokens = count_tokens(content[start:end])
            if tokens <= max_tokens:
                atoms.append((start, end, max(0, tokens - overhead)))
            else:
                _split_oversized(
                    content, start, end, max_tokens, overlap_tokens, count_tokens, overhead, atoms
                )
        _pack_segment(content, atoms, max_tokens, overlap_tokens, count_tokens, overhead, chunks)
    return chunks


def _charged(count_tokens: TokenCounter) -> TokenCounter:
    """``count_tokens``, but at least a token per :data:`_MAX_CHARS_PER_TOKEN` characters:
    a 100,000-character word (a pasted key) is one [UNK] to a tokenizer, and was one chunk
    whose vector held nothing of it. Ordinary text (~4 characters a token) never nears it."""

    def count(text: str) -> int:
        return max(count_tokens(text), -(-len(text) // _MAX_CHARS_PER_TOKEN))

    return count


def _runs(content: str, ranges: Sequence[_Range]) -> list[list[_Range]]:
    """Split ranges where the text between two of them is not blank.

    Such text is something the unit function left out on purpose (an interleaved quote),
    so no chunk may span it.
    """
    runs: list[list[_Range]] = []
    prev_end = -1
    for start, end in ranges:
        if not runs or (start > prev_end and not content[prev_end:start].isspace()):
            runs.append([])
        runs[-1].append((start, end))
        prev_end = end
    return runs


def _split_oversized(
    content: str,
    start: int,
    end: int,
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: TokenCounter,
    overhead: int,
    out: list[_Atom],
) -> None:
    """Append atoms for a unit over budget: its sentences, else its words, else pieces."""
    pieces: list[_Range] = []
    _sentences(content, start, end, pieces)
    if len(pieces) < 2:
        pieces = [m.span() for m in _WORD.finditer(content, start, end)]
    if len(pieces) > 1:
        for s, e in pieces:
            tokens = count_tokens(content[s:e])
            if tokens <= max_tokens:
                out.append((s, e, max(0, tokens - overhead)))
            else:
                _split_oversized(
                    content, s, e, max_tokens, overlap_tokens, count_tokens, overhead, out
                )
        return
    # One word over budget (a URL, base64, a 10k-character token): cut it into pieces
    # the overlap's size, so packing can still overlap the chunks made of them.
    piece_budget = min(max_tokens, overhead + (overlap_tokens or max_tokens))
    guess = 64
    while start < end:
        length = _longest_prefix(content, start, end, piece_budget, count_tokens, guess)
        piece_tokens = count_tokens(content[start : start + length])
        out.append((start, start + length, max(0, piece_tokens - overhead)))
        start += length
        guess = length


def _longest_prefix(
    content: str, start: int, end: int, budget: int, count_tokens: TokenCounter, guess: int
) -> int:
    """Length of the longest ``content[start:]`` prefix within ``budget``; at least 1."""

    def fits(length: int) -> bool:
        return count_tokens(content[start : start + length]) <= budget

    limit = end - start
    lo = 0  # known to fit
    hi = min(max(guess, 1), limit)
    # Grow from the previous piece's length, so a long word costs O(log) counts per piece.
    while fits(hi):
        lo = hi
        if hi == limit:
            return hi
        hi = min(hi * 2, limit)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            lo = mid
        else:
            hi = mid
    return max(lo, 1)


def _pack_segment(
    content: str,
    atoms: Sequence[_Atom],
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: TokenCounter,
    overhead: int,
    out: list[_Range],
) -> None:
    """Greedy packing of atoms with no text between them that must be skipped."""
    n = len(atoms)
    first = 0  # first atom of the current chunk
    fresh = 0  # first atom no chunk holds yet; every chunk takes at least this one
    while fresh < n:
        total = overhead + sum(a[2] for a in atoms[first:fresh]) + atoms[fresh][2]
        last = fresh + 1
        while last < n and total + atoms[last][2] <= max_tokens:
            total += atoms[last][2]
            last += 1
        # Summed counts ignore the whitespace between units; confirm with one real count
        # and shed overlap first, then trailing units, until the chunk fits.
        while (
            last - first > 1
            and count_tokens(content[atoms[first][0] : atoms[last - 1][1]]) > max_tokens
        ):
            if first < fresh:
                first += 1
            else:
                last -= 1
        out.append((atoms[first][0], atoms[last - 1][1]))
        fresh = last
        if fresh >= n:
            break
        # Carry trailing atoms as overlap, never the chunk's first one, so every chunk
        # starts and ends strictly after the previous one.
        carried = 0
        nxt = last
        while (
            nxt - 1 > first
            and carried + atoms[nxt - 1][2] <= overlap_tokens
            and overhead + carried + atoms[nxt - 1][2] + atoms[fresh][2] <= max_tokens
        ):
            nxt -= 1
            carried += atoms[nxt][2]
        first = nxt


# --------------------------------------------------------------------------- dispatch

_UNIT_FUNCTIONS: dict[str, Callable[[str], list[_Range]]] = {
    "email": _email_ranges,
    "call": _call_ranges,
    "ticket": _ticket_ranges,
}


def chunk_document(
    kind: str,
    content: str,
    *,
    max_tokens: int = 200,
    overlap_tokens: int = 32,
    count_tokens: TokenCounter = approx_tokens,
) -> list[Span]:
    """Chunk one email, call or ticket.

    An email with no authored text left after stripping quotes and signatures (a bare
    forward, say) is chunked whole rather than dropped.

    Args:
        kind: ``"email"``, ``"call"`` or ``"ticket"``.
        content: The document's canonical text.
        max_tokens: Upper bound of ``count_tokens`` for every chunk; a chunk also holds
            at most ``max_tokens * 24`` characters (an unknown word is cut).
        overlap_tokens: Budget of the overlap between consecutive chunks.
        count_tokens: Counts tokens; pass the embedder's tokenizer for exact bounds.

    Raises:
        ChunkingError: ``kind`` is unknown or the budget is invalid.

    Example:
        >>> text = "Ana: Pricing is fine.\\nBo: Great, I'll send the order form."
        >>> [text[s.start:s.end] for s in chunk_document("call", text, max_tokens=12,
        ...                                              overlap_tokens=0)]
        ['Ana: Pricing is fine.', "Bo: Great, I'll send the order form."]
    """
    units_of = _UNIT_FUNCTIONS.get(kind)
    if units_of is None:
        raise ChunkingError(f"unknown document kind {kind!r}; expected email, call or ticket")
    _check_budget(max_tokens, overlap_tokens)
    ranges = units_of(content)
    if not ranges and kind == "email":
        _sentences(content, 0, len(content), ranges)
    return _spans(_pack(content, ranges, max_tokens, overlap_tokens, count_tokens))
