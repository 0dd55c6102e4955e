"""The offline engine's entry points, :func:`summarize_call` and :func:`summarize_text`.

Both build a :class:`~summarizers.offline.analysis._Call` and hand it to ``_summarize``,
which asks each part of the summary from its own module.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from summarizers.competitors import DEFAULT_COMPETITORS
from summarizers.models import CallSummary, SourceDocument
from summarizers.offline.action_items import _action_items
from summarizers.offline.analysis import _Call
from summarizers.offline.competitors import _competitor_mentions, _competitors
from summarizers.offline.next_steps import _next_steps
from summarizers.offline.objections import _objections, _risks
from summarizers.offline.scoring import _scores
from summarizers.offline.sentiment import _sentiment
from summarizers.offline.summary import _key_points, _summary
from textkit.kinds import TEXT_KINDS

ENGINE = "offline"


def summarize_call(
    doc: SourceDocument, *, competitors: Sequence[str] = DEFAULT_COMPETITORS
) -> CallSummary:
    """Summarize one stored record (a call, or an email, ticket or draft) offline.

    Args:
        doc: The record; citations index ``doc.content`` and relative dates resolve
            against ``doc.occurred_at``.
        competitors: Competitor list entries, ``"Name"`` or ``"Name|Alias|..."``.

    Returns:
        The summary, with ``engine="offline"``.

    Example:
        >>> from datetime import datetime, timezone
        >>> doc = SourceDocument(
        ...     document_id="call-55", kind="call", title="Pricing call",
        ...     content="Pat: Finance froze all new spend.\\nDana: I'll check back in March.",
        ...     occurred_at=datetime(2026, 1, 14, tzinfo=timezone.utc),
        ...     participants=("Dana Reyes", "Pat Buyer"))
        >>> out = summarize_call(doc)
        >>> out.action_items[0].owner, out.action_items[0].due.isoformat()
        ('Dana Reyes', '2026-03-31')
        >>> out.risks[0].text
        'Budget freeze: Finance froze all new spend.'
    """
    kind = "email" if doc.kind == "email" else "call"
    return _summarize(
        _Call.build(
            doc.content,
            document_id=doc.document_id,
            kind=kind,
            ref=doc.occurred_at.date(),
            author=doc.owner_name,
            participants=doc.participants,
        ),
        competitors,
        stored=True,
    )


def summarize_text(
    text: str,
    *,
    kind: str,
    now: datetime,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
    author: str | None = None,
) -> CallSummary:
    """Summarize free text that is not stored, such as a draft note from the CRM UI.

    Citations use ``document_id="draft"`` and offsets into ``text``.

    Args:
        text: The text.
        kind: ``"call"`` (a transcript or call notes), ``"email"`` (quoted replies and
            signatures are left out) or ``"note"``.
        now: Relative dates ("by Friday") resolve against ``now.date()``.
        competitors: Competitor list entries, ``"Name"`` or ``"Name|Alias|..."``.
        author: Who wrote the text, if known: the owner of "I'll ..." in notes and the
            speaker on our side in a transcript.

    Raises:
        ValueError: ``kind`` is not one of :data:`TEXT_KINDS`.

    Example:
        >>> from datetime import datetime
        >>> note = "Met Acme. Legal can't accept the liability cap. Sam to send redlines by EOW."
        >>> out = summarize_text(note, kind="note", now=datetime(2026, 5, 6))
        >>> a = out.action_items[0]
        >>> a.text, a.owner, a.due.isoformat(), a.citations[0].quote
        ('Send redlines by EOW', 'Sam', '2026-05-08', 'Sam to send redlines by EOW.')
    """
    if kind not in TEXT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(TEXT_KINDS)}; got {kind!r}")
    call = _Call.build(
        text,
        document_id="draft",
        kind=kind,
        ref=now.date(),
        author=author,
        participants=(),
    )
    return _summarize(call, competitors, stored=False)


def _summarize(call: _Call, competitors: Sequence[str], *, stored: bool) -> CallSummary:
    rivals = _competitor_mentions(call, competitors)
    scores = _scores(call)
    actions, action_units = _action_items(call)
    summary, summary_units = _summary(call, scores, action_units)
    return CallSummary(
        document_id=call.document_id if stored else None,
        summary=summary,
        key_points=_key_points(call, scores, summary_units | action_units),
        action_items=actions,
        next_steps=_next_steps(call, action_units),
        sentiment=_sentiment(call, rivals),
        objections=_objections(call),
        competitors=_competitors(call, rivals),
        risks=_risks(call),
        engine=ENGINE,
    )
