"""The offline call-summary engine: extractive, structured, deterministic, no model.

It runs in a few milliseconds of pure Python per call and says only what the text
supports. Every item cites the exact spans it came from (``quote == content[start:end]``);
when nothing is found a list stays empty, an owner or a due date stays None, and the
sentiment is neutral.

How each part is made:

* **summary** (2-4 sentences) and **key_points**: sentences scored by centrality (TF-IDF
  cosine to the rest of the call), cue phrases (prices, dates, commitments, blockers),
  length and position, then picked with maximal marginal relevance so they do not
  repeat each other. Greetings and filler ("Makes sense.", "Good question.") never
  count. The summary keeps the best commitment for last, as a human recap would.
  Sentences are quoted as said, prefixed with the speaker, with leading discourse
  markers ("So,", "Honestly,") trimmed.
* **action_items**: commitments: "I'll send ...", "Let me get you ...", "We will
  review ...", "Sam will ...", "Sam to ...", imperative items under an "Action items:"
  heading. The owner is whoever committed (the speaker, the named person, or for "I"
  and "we" in notes and emails their author); the due date is the most specific date
  expression of the clause, resolved against the call date (see
  :func:`textkit.dates.find_dates`).
* **next_steps**: plans that nobody in particular owns: "Let's ...", "the next step is
  ...", "<someone> will ..." for third parties, scheduled meetings, requests such as
  "Could you send the request IDs?", and other items under a "Next steps:" heading.
* **sentiment**: a lexicon with negation, intensifiers and "but" weighting over the
  customer's sentences (the rep's pleasantries do not count), in ``[-1, 1]``.
* **objections**, **risks** and **competitors**: phrase patterns by category, and a
  configurable competitor list plus competitive phrasing.

Speakers on our side are the document's ``owner_name`` or, failing that, its first
participant (the canonical call record lists the owner first).

Example:
    >>> from datetime import datetime, timezone
    >>> text = ("Pat: The price is above our budget. We're also evaluating HubSpot.\\n"
    ...         "Dana: I'll send a revised quote by Friday.")
    >>> out = summarize_text(text, kind="call", now=datetime(2026, 11, 4, tzinfo=timezone.utc))
    >>> [(a.text, a.owner, a.due.isoformat()) for a in out.action_items]
    [('Send a revised quote by Friday', 'Dana', '2026-11-06')]
    >>> [c.name for c in out.competitors]
    ['HubSpot']
"""

from __future__ import annotations

from summarizers.competitors import DEFAULT_COMPETITORS, load_competitors
from summarizers.offline.engine import ENGINE, TEXT_KINDS, summarize_call, summarize_text

__all__ = [
    "DEFAULT_COMPETITORS",
    "ENGINE",
    "TEXT_KINDS",
    "load_competitors",
    "summarize_call",
    "summarize_text",
]
