"""The playbook's validated form (:class:`Playbook`, :class:`Rule`, :class:`Definitions`)
and the value checks its keys go through.

Loading and validating a file is :mod:`summarizers.actions.loader`; each rule's own keys
and placeholders are in :mod:`summarizers.actions.specs`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from summarizers.errors import PlaybookError
from textkit.crm_words import CrmWords, word_key


@dataclass(frozen=True)
class Definitions:
    """Vocabulary the rules share (``[definitions]`` of the playbook).

    The closed words are matched as :mod:`textkit.crm_words` matches them (case, spaces,
    hyphens and underscores aside), the rule the answer engine uses too.
    """

    closed_ticket_statuses: CrmWords
    closed_deal_stages: CrmWords
    large_deal_amount: float
    large_deal_bonus: int


@dataclass(frozen=True)
class Rule:
    """One validated playbook rule; ``params`` holds its own thresholds."""

    id: str
    enabled: bool
    when: str
    steps: tuple[str, ...]
    priority: int
    boost_per_day: float
    max_priority: int
    lookback_days: int
    action: str
    rationale: str
    due_in_days: int | None = None
    max_actions: int | None = None
    supersedes: tuple[str, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Playbook:
    """A validated playbook. ``rules`` keeps file order; ``source`` names where it came from."""

    version: int
    definitions: Definitions
    rules: Mapping[str, Rule]
    source: str

    def rule(self, rule_id: str) -> Rule:
        """The rule ``rule_id``; raises :class:`PlaybookError` naming it if unknown."""
        try:
            return self.rules[rule_id]
        except KeyError:
            raise PlaybookError(f"rules.{rule_id}: no such rule in {self.source}") from None


# ---- value checks: each takes the key path and the raw value, returns the clean value

_Check = Callable[[str, Any], Any]


def _bad(key: str, expected: str, value: Any) -> PlaybookError:
    return PlaybookError(f"{key}: expected {expected}, got {value!r}")


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(key, "true or false", value)
    return value


def _int_in(low: int, high: int) -> _Check:
    def check(key: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _bad(key, f"a whole number from {low} to {high}", value)
        return value

    return check


def _number_in(low: float, high: float) -> _Check:
    def check(key: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(key, f"a number from {low} to {high}", value)
        if not (math.isfinite(value) and low <= value <= high):
            raise _bad(key, f"a number from {low} to {high}", value)
        return float(value)

    return check


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(key, "a non-empty string", value)
    return value


def _texts(key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise _bad(key, "a non-empty list of strings", value)
    return tuple(_text(f"{key}[{n}]", v) for n, v in enumerate(value))


def _lower_texts(key: str, value: Any) -> frozenset[str]:
    return frozenset(v.strip().lower() for v in _texts(key, value))


def _crm_words(key: str, value: Any) -> CrmWords:
    words = _texts(key, value)
    for n, word in enumerate(words):
        if not word_key(word):
            raise _bad(f"{key}[{n}]", "a word with a letter or digit", word)
    return CrmWords(words)


def _one_of(allowed: Sequence[str]) -> _Check:
    def check(key: str, value: Any) -> frozenset[str]:
        values = _lower_texts(key, value)
        unknown = sorted(values - set(allowed))
        if unknown:
            raise PlaybookError(f"{key}: unknown value {unknown[0]!r}; expected some of {allowed}")
        return values

    return check


def _table(check_value: _Check) -> _Check:
    def check(key: str, value: Any) -> Mapping[str, Any]:
        if not isinstance(value, dict):
            raise _bad(key, "a table", value)
        return MappingProxyType(
            {k.strip().lower(): check_value(f"{key}.{k}", v) for k, v in value.items()}
        )

    return check


_DAYS = _int_in(0, 36_500)
_PRIORITY = _int_in(0, 100)
_BONUS = _int_in(-100, 100)

_COMMON_KEYS: Mapping[str, _Check] = {
    "enabled": _bool,
    "when": _text,
    "steps": _texts,
    "priority": _PRIORITY,
    "boost_per_day": _number_in(0, 100),
    "max_priority": _PRIORITY,
    "lookback_days": _DAYS,
    "action": _text,
    "rationale": _text,
}
_OPTIONAL_KEYS: Mapping[str, _Check] = {
    "due_in_days": _DAYS,
    "max_actions": _int_in(1, 100),
    "supersedes": _texts,
}
_DEFINITIONS: Mapping[str, _Check] = {
    "closed_ticket_statuses": _crm_words,
    "closed_deal_stages": _crm_words,
    "large_deal_amount": _number_in(0, 1e15),
    "large_deal_bonus": _BONUS,
}
