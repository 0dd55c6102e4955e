"""Next-best actions (being split into modules; see the next commit)."""

from summarizers.actions.inputs import (
    RULE_IDS,
    AccountContext,
    ContactRow,
    DealContext,
    DealRow,
    Definitions,
    DocumentFacts,
    Playbook,
    PlaybookError,
    Rule,
    build_context,
    load_playbook,
    parse_playbook,
    recommend,
)

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
