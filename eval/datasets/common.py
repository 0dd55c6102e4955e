"""What the dataset loaders share: the datasets directory, reading, sampling, users."""

from __future__ import annotations

import json
import os
import random
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

from copilot.sample import visible_document_ids
from eval.suite import DatasetMissing, EvalError, SuiteData

__all__ = [
    "DATASETS_DIR_ENV",
    "ROLES",
    "UNDATED",
    "Loader",
    "check_limit",
    "default_datasets_dir",
    "iso",
    "make_user",
    "parse_at",
    "read_jsonl",
    "require",
    "sample_in_order",
    "stratified",
    "visibility_truth",
]

DATASETS_DIR_ENV = "COPILOT_DATASETS_DIR"

_REPO_ROOT = Path(__file__).resolve().parents[2]
#: Datasets without dates get this one, so summaries are reproducible.
UNDATED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
#: The roles questions are asked as, in turn.
ROLES = ("rep", "manager", "admin")
_T = TypeVar("_T")


class Loader(Protocol):
    """What every entry of :data:`eval.datasets.LOADERS` is."""

    def __call__(self, *, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
        """Load the suite; ``limit`` caps its size (what it counts is per suite)."""
        ...


def default_datasets_dir() -> Path:
    """``$COPILOT_DATASETS_DIR``, else ``<repo root>/../shared/datasets``."""
    configured = os.environ.get(DATASETS_DIR_ENV)
    if configured:
        return Path(configured)
    return _REPO_ROOT.parent / "shared" / "datasets"


def require(path: Path, suite: str) -> Path:
    """``path`` if it is a file, else :class:`DatasetMissing` naming it and the env var."""
    if not path.is_file():
        raise DatasetMissing(
            f"suite {suite!r}: {path} not found; put the shared datasets there or set "
            f"{DATASETS_DIR_ENV} to the directory that holds them"
        )
    return path


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines file; blank lines skipped, bad lines raise."""
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise EvalError(f"{path}:{line_no}: not JSON ({err.msg})") from None
            if not isinstance(row, dict):
                raise EvalError(f"{path}:{line_no}: expected a JSON object")
            yield row


def check_limit(limit: int | None) -> None:
    """Reject a ``limit`` below 1 (``None`` means no limit)."""
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1 or None, got {limit!r}")


def sample_in_order(items: Sequence[_T], limit: int | None, rng: random.Random) -> list[_T]:
    """Up to ``limit`` items drawn with ``rng``, in their original order."""
    if limit is None or limit >= len(items):
        return list(items)
    return [items[i] for i in sorted(rng.sample(range(len(items)), limit))]


def stratified(
    items: Sequence[_T], limit: int | None, key: Callable[[_T], Hashable], rng: random.Random
) -> list[_T]:
    """Up to ``limit`` items: one of each ``key`` group, the rest in proportion to size.

    Small runs then still hold every slice (each query kind, each combination of
    expected rules) without small slices crowding out the large ones. The items keep
    their original order; which ones of a group are taken is drawn with ``rng``.
    """
    if limit is None or limit >= len(items):
        return list(items)
    groups: dict[Hashable, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(key(item), []).append(i)
    for members in groups.values():
        rng.shuffle(members)
    quota = dict.fromkeys(groups, 0)
    for k in sorted(groups, key=lambda k: -len(groups[k]))[: max(limit, 0)]:
        quota[k] = 1
    remaining = limit - sum(quota.values())
    if remaining > 0:
        spare = {k: len(members) - quota[k] for k, members in groups.items()}
        exact = {k: remaining * spare[k] / sum(spare.values()) for k in groups}
        for k in groups:
            quota[k] += int(exact[k])
        left = limit - sum(quota.values())
        for k in sorted(groups, key=lambda k: int(exact[k]) - exact[k])[:left]:
            quota[k] += 1
    chosen = [i for k, members in groups.items() for i in members[: quota[k]]]
    return [items[i] for i in sorted(chosen)]


def visibility_truth(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, frozenset[str]]]:
    """``{org: {user: visible document ids}}`` by the sample's sharing-rule oracle.

    :func:`copilot.sample.visible_document_ids` states the sharing rules plainly and
    shares no code with ``retrieval.acl`` or the SQL filters under test.
    """
    out: dict[str, dict[str, frozenset[str]]] = {}
    for org in dict.fromkeys(r["org"] for r in records):
        in_org = [r for r in records if r["org"] == org]
        out[org] = {
            r["id"]: frozenset(visible_document_ids(in_org, r["id"], org=org))
            for r in in_org
            if r["type"] == "user"
        }
    return out


def parse_at(value: str) -> datetime:
    """An ISO 8601 timestamp (``Z`` allowed) as an aware datetime; naive means UTC."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    """``value`` in UTC as ``YYYY-MM-DDTHH:MM:SSZ``."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def make_user(org: str, uid: str, name: str, role: str, **extra: str) -> dict[str, Any]:
    """A canonical ``user`` record with an email made from the name."""
    email = f"{name.lower().replace(' ', '.')}@{org}.example"
    base = {"type": "user", "org": org, "id": uid, "name": name, "email": email, "role": role}
    return base | extra
