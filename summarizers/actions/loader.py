"""Load a playbook: the default ``summarizers/playbook.toml``, or a custom file laid over it."""

from __future__ import annotations

import string
import tomllib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from summarizers.actions.playbook import (
    _COMMON_KEYS,
    _DEFINITIONS,
    _OPTIONAL_KEYS,
    Definitions,
    Playbook,
    Rule,
    _bad,
    _Check,
)
from summarizers.actions.specs import _SPECS
from summarizers.errors import PlaybookError

_DEFAULT_SOURCE = "summarizers/playbook.toml"


@lru_cache(maxsize=1)
def _default_text() -> str:
    return resources.files("summarizers").joinpath("playbook.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _default_playbook() -> Playbook:
    # Immutable (frozen dataclasses, mapping proxies, tuples), so one copy serves all.
    return _validated(_parse_toml(_default_text(), _DEFAULT_SOURCE), _DEFAULT_SOURCE)


def load_playbook(path: Path | str | None = None) -> Playbook:
    """Load and validate a playbook; ``None`` means the default ``playbook.toml``.

    A custom file is laid over the default one, so it only lists what it changes
    (``[rules.deal_no_touch]`` / ``after_days = 7``, or ``enabled = false``).

    Raises:
        PlaybookError: The file is unreadable, not TOML, or names an unknown rule or key
            or a bad value; the message names the file and the key.

    Example:
        >>> load_playbook().rule("ticket_sla_breach").params["sla_hours"]["urgent"]
        8.0
    """
    if path is None:
        return _default_playbook()
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise PlaybookError(f"{path}: cannot read the playbook ({err})") from None
    return parse_playbook(text, source=str(path))


def parse_playbook(text: str, *, source: str = "<playbook>") -> Playbook:
    """Validate playbook TOML text laid over the default playbook, as a file would be.

    Raises:
        PlaybookError: Naming ``source`` and the offending key.

    Example:
        >>> custom = parse_playbook("rules.deal_no_touch.after_days = 7")
        >>> custom.rule("deal_no_touch").params["after_days"]
        7
        >>> parse_playbook("rules.deal_no_touch.after_days = -1", source="my.toml")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        summarizers.errors.PlaybookError: my.toml: rules.deal_no_touch.after_days: expected ...
    """
    custom = _parse_toml(text, source)
    default = _parse_toml(_default_text(), _DEFAULT_SOURCE)
    try:
        merged = _overlay(default, custom)
    except PlaybookError as err:
        raise PlaybookError(f"{source}: {err}") from None
    return _validated(merged, source)


def _validated(raw: Mapping[str, Any], source: str) -> Playbook:
    try:
        return _validate(raw, source)
    except PlaybookError as err:
        raise PlaybookError(f"{source}: {err}") from None


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PlaybookError(f"{source}: not valid TOML: {err}") from None


def _overlay(base: Mapping[str, Any], custom: Mapping[str, Any]) -> dict[str, Any]:
    """``custom`` over ``base``, merged per table for ``definitions`` and each rule."""
    merged: dict[str, Any] = {k: v for k, v in base.items() if k not in ("definitions", "rules")}
    for key, value in custom.items():
        if key not in ("definitions", "rules"):
            merged[key] = value
    for key in ("definitions", "rules"):
        value = custom.get(key, {})
        if not isinstance(value, dict):
            raise _bad(key, "a table", value)
        merged[key] = dict(base.get(key, {}))
        for sub, sub_value in value.items():
            if key == "rules" and isinstance(sub_value, dict) and sub in merged[key]:
                merged[key][sub] = {**merged[key][sub], **sub_value}
            else:
                merged[key][sub] = sub_value
    return merged


def _known(key: str, present: Iterable[str], allowed: Iterable[str]) -> None:
    allowed = sorted(allowed)
    for name in present:
        if name not in allowed:
            raise PlaybookError(f"{key}{name}: unknown key; expected one of {allowed}")


def _validate(raw: Mapping[str, Any], source: str) -> Playbook:
    _known("", raw, ("version", "definitions", "rules"))
    if raw.get("version") != 1:
        raise PlaybookError(f"version: expected 1, got {raw.get('version')!r}")
    definitions = _section(raw, "definitions", _DEFINITIONS, {})
    rules_raw = raw.get("rules")
    if not isinstance(rules_raw, dict):
        raise _bad("rules", "a table of rules", rules_raw)
    _known("rules.", rules_raw, _SPECS)
    rules = {rule_id: _rule(rule_id, value) for rule_id, value in rules_raw.items()}
    for rule in rules.values():
        for n, other in enumerate(rule.supersedes):
            if other not in _SPECS or other == rule.id:
                raise PlaybookError(
                    f"rules.{rule.id}.supersedes[{n}]: {other!r} is not another rule's id"
                )
    return Playbook(
        version=1,
        definitions=Definitions(**definitions),
        rules=MappingProxyType(rules),
        source=source,
    )


def _section(
    raw: Mapping[str, Any], key: str, required: Mapping[str, _Check], optional: Mapping[str, _Check]
) -> dict[str, Any]:
    table = raw.get(key)
    if not isinstance(table, dict):
        raise _bad(key, "a table", table)
    _known(f"{key}.", table, [*required, *optional])
    for name in required:
        if name not in table:
            raise PlaybookError(f"{key}.{name}: missing")
    checks = {**required, **optional}
    return {name: checks[name](f"{key}.{name}", value) for name, value in table.items()}


def _rule(rule_id: str, value: Any) -> Rule:
    spec = _SPECS[rule_id]
    key = f"rules.{rule_id}"
    if not isinstance(value, dict):
        raise _bad(key, "a table", value)
    values = _section({key: value}, key, {**_COMMON_KEYS, **spec.params}, _OPTIONAL_KEYS)
    common = {k: v for k, v in values.items() if k in _COMMON_KEYS or k in _OPTIONAL_KEYS}
    params = {k: v for k, v in values.items() if k in spec.params}
    if common["max_priority"] < common["priority"]:
        raise PlaybookError(
            f"{key}.max_priority: {common['max_priority']} is below priority {common['priority']}"
        )
    for name in ("action", "rationale"):
        _check_template(f"{key}.{name}", common[name], spec.placeholders)
    if spec.check is not None:
        spec.check(key, params)
    return Rule(id=rule_id, params=MappingProxyType(params), **common)


def _check_template(key: str, template: str, allowed: frozenset[str]) -> None:
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as err:
        raise PlaybookError(f"{key}: {err} in {template!r}") from None
    for _, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed:
            raise PlaybookError(
                f"{key}: unknown placeholder {{{name}}}; this rule offers {sorted(allowed)}"
            )
        if spec or conversion:
            raise PlaybookError(f"{key}: placeholder {{{name}}} takes no format spec")
