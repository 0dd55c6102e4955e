"""Whose words a span of a CRM document is: ours (our company's people) or theirs (the
customer's).

One rule for every reader: the call summaries tell the customer's sentences from the
rep's with it, and answers tell an offer we made from a request they made ("What
discount did we offer?" is not answered by "Can you do 20% off?").

* A call's turn is ours when its speaker label names the document's owner, by full
  name, or by first name when no other participant shares it
  (:func:`our_speaker_labels`). It is theirs when another speaker talks in a call whose
  owner is heard: a colleague on the call counts as theirs, the one known limit.
* An email's own text (:func:`textkit.documents.authored_ranges`: no quoted reply, no
  signature) is its author's: ours when it went out, theirs when it came in.
* Anything else (tickets, notes, quoted text) is nobody's in particular.

Example:
    >>> text = "Pat: Can you do 20% off?\\nDana: I can offer 12%."
    >>> [(text[s:e], side) for s, e, side in spoken_sides(text, kind="call", owner="Dana Reyes",
    ...                                                 participants=("Dana Reyes", "Pat Buyer"))]
    [('Pat: Can you do 20% off?', 'theirs'), ('Dana: I can offer 12%.', 'ours')]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

from textkit.documents.calls import is_speaker_label, label_line
from textkit.documents.emails import authored_ranges

__all__ = ["Side", "our_speaker_labels", "spoken_sides"]

Side = Literal["ours", "theirs"]


def our_speaker_labels(
    labels: Iterable[str], owner: str | None, participants: Sequence[str]
) -> frozenset[str]:
    """Speaker labels of our side: those naming the owner ``owner``.

    Example:
        >>> sorted(our_speaker_labels(["Dana", "Pat"], "Dana Reyes", ["Dana Reyes", "Pat B"]))
        ['Dana']
    """
    labels = list(labels)
    if not owner or not owner.split():
        return frozenset()
    full = owner.strip().lower()
    first = full.split()[0]
    matched = [lb for lb in labels if lb.lower() == full]
    if not matched:
        # A first-name label matches the owner only when no other participant shares it.
        sharing = [p for p in participants if p.split() and p.split()[0].lower() == first]
        if len(sharing) <= 1:
            matched = [lb for lb in labels if lb.lower().split()[0] == first]
    return frozenset(matched)


def spoken_sides(
    text: str,
    *,
    kind: str,
    offset: int = 0,
    direction: str | None = None,
    owner: str | None = None,
    participants: Sequence[str] = (),
) -> tuple[tuple[int, int, Side], ...]:
    """The spans of ``text`` whose side is known, as ``(start, end, side)`` with
    ``offset`` added (``text`` may be a chunk at ``offset`` of its document).

    Args:
        kind: The document's kind: ``call`` and ``email`` have sides.
        direction: An email's ``inbound`` or ``outbound``.
        owner: The name of the document's owner (our side).
        participants: A call's participants, as the record lists them.
    """
    if kind == "email":
        side: Side | None = {"outbound": "ours", "inbound": "theirs"}.get(direction or "")  # type: ignore[assignment]
        if side is None:
            return ()
        return tuple((offset + s, offset + e, side) for s, e in authored_ranges(text))
    if kind != "call" or not owner:
        return ()
    turns: list[tuple[int, int, str]] = []  # (start, end, label)
    pos = 0
    for line in text.split("\n"):
        found = label_line(line)
        if found and is_speaker_label(found[0]):
            turns.append((pos, pos + len(line), found[0]))
        elif turns and line.strip() and turns[-1][1] == pos - 1:
            # An unlabelled line right after a turn continues it.
            turns[-1] = (turns[-1][0], pos + len(line), turns[-1][2])
        pos += len(line) + 1
    ours = our_speaker_labels((t[2] for t in turns), owner, participants)
    if not ours:
        return ()  # the owner is not heard: who is who cannot be told
    return tuple(
        (offset + s, offset + e, "ours" if label in ours else "theirs") for s, e, label in turns
    )
