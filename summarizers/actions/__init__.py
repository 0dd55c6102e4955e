"""Next-best actions: ranked, cited recommendations from the records of one account or deal.

:func:`recommend` reads an :class:`AccountContext` (or a :class:`DealContext`) and a
:class:`Playbook` and returns up to ``limit`` :class:`~summarizers.models.NextBestAction`,
highest priority first, then most recent evidence. Each rule of the playbook
(``summarizers/playbook.toml``) looks for one signal: an unanswered inbound email, an open
high-priority ticket or one past its SLA, an unmet call commitment, falling call
sentiment, a competitor mention, a quiet champion, an untouched or stuck deal, a passed
close date.

Deals and contacts are the CRM's rows, :mod:`textkit.crm` (re-exported here), as the store
returns them. The engine is pure. The service hands it only the rows the caller may see, and every
piece of evidence it cites is a span of one of those rows: ``quote == content[start:end]``
of a document in the context. Anything else it is given (a call summary of a document
not in the context, a citation into another document) is ignored. Rules that fire on the
*absence* of a record (no reply, no touch) see the caller's view too: a reply the caller
cannot see does not count, which may recommend something a colleague already did, but
never reveals that colleague's record.

Example:
    >>> from datetime import UTC, datetime
    >>> email = DocumentFacts(
    ...     document_id="e1", kind="email", title="SOC 2 report",
    ...     content="Hi Sam,\\n\\nCan you send your SOC 2 report?\\n\\nThanks,\\nPat",
    ...     occurred_at=datetime(2026, 11, 2, 15, tzinfo=UTC), account_id="a1",
    ...     fields={"direction": "inbound", "from": "pat@nw.example", "to": ["sam@x.example"]},
    ... )
    >>> context = AccountContext(
    ...     account_id="a1", account_name="Northwind", now=datetime(2026, 11, 8, tzinfo=UTC),
    ...     contacts=[ContactRow("c1", "a1", name="Pat Buyer", email="pat@nw.example")],
    ...     documents=[email],
    ... )
    >>> [action] = recommend(context, load_playbook())
    >>> action.rule, action.priority, action.due.isoformat()
    ('unanswered_inbound_email', 82, '2026-11-08')
    >>> print(action.rationale)  # doctest: +NORMALIZE_WHITESPACE
    Pat Buyer emailed on Nov 2 ("SOC 2 report"): "Can you send your SOC 2 report?" No reply in
    5 days.
    >>> ev = action.evidence[0]
    >>> email.content[ev.start:ev.end] == ev.quote
    True
"""

from __future__ import annotations

from summarizers.actions.engine import recommend
from summarizers.actions.inputs import AccountContext, DealContext, DocumentFacts, build_context
from summarizers.actions.loader import load_playbook, parse_playbook
from summarizers.actions.playbook import Definitions, Playbook, Rule
from summarizers.actions.specs import RULE_IDS
from summarizers.errors import PlaybookError
from textkit.crm import ContactRow, DealRow

__all__ = [
    "RULE_IDS",
    "AccountContext",
    "ContactRow",
    "DealContext",
    "DealRow",
    "Definitions",
    "DocumentFacts",
    "Playbook",
    "PlaybookError",
    "Rule",
    "build_context",
    "load_playbook",
    "parse_playbook",
    "recommend",
]
