"""The ``qmsum`` suite: QMSum meetings as call segments of a small org with mixed sharing."""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from eval.datasets.answer_terms import salient_terms
from eval.datasets.common import (
    ROLES,
    UNDATED,
    check_limit,
    iso,
    make_user,
    read_jsonl,
    require,
    sample_in_order,
    visibility_truth,
)
from eval.suite import Query, SuiteData, SummaryTask

__all__ = ["load_qmsum"]


_QMSUM_ORG = "qmsum"
_TURNS_PER_SEGMENT = 12
# Of every 5 meetings (in a seeded order): 3 org-visible, 1 team, 1 private.
_QMSUM_VISIBILITY = ("org", "org", "org", "team", "private")
_MARKER = re.compile(r"\{[a-z]+\}")
_SPACE_BEFORE_PUNCT = re.compile(r" (?=[.,?!;:]|'(?:s|re|ve|ll|d|m)\b|n't\b)")
_WHOLE_MEETING = re.compile(r"summari[sz]e|main discussion|general discussion|meeting about", re.I)


@dataclass(frozen=True)
class _Meeting:
    id: str
    turns: tuple[tuple[str, str], ...]  # (speaker, cleaned text; may be empty)
    specific: tuple[Mapping[str, Any], ...]
    general: tuple[Mapping[str, Any], ...]


def _clean_turn(text: str) -> str:
    """Drop transcription markers ({vocalsound}, {disfmarker}, ...) and tokenizer spaces."""
    text = " ".join(_MARKER.sub(" ", text).split())
    return _SPACE_BEFORE_PUNCT.sub("", text)


def _qmsum_meetings(paths: Sequence[Path]) -> tuple[list[_Meeting], int]:
    """Meetings of all files, deduplicated by transcript; also how many were duplicates."""
    meetings: dict[str, _Meeting] = {}
    duplicates = 0
    for path in paths:
        for row in read_jsonl(path):
            raw = [(str(t["speaker"]), str(t["content"])) for t in row["meeting_transcripts"]]
            digest = hashlib.sha1("\n".join(f"{s}: {c}" for s, c in raw).encode()).hexdigest()
            meeting_id = f"qm-{digest[:8]}"
            if meeting_id in meetings:
                duplicates += 1
                continue
            meetings[meeting_id] = _Meeting(
                id=meeting_id,
                turns=tuple((s, _clean_turn(c)) for s, c in raw),
                specific=tuple(row.get("specific_query_list") or ()),
                general=tuple(row.get("general_query_list") or ()),
            )
    return list(meetings.values()), duplicates


def _qmsum_users() -> list[dict[str, Any]]:
    org = _QMSUM_ORG
    manager = f"{org}-u-manager"
    return [
        {"type": "team", "org": org, "id": f"{org}-t-a", "name": "Team A"},
        {"type": "team", "org": org, "id": f"{org}-t-b", "name": "Team B"},
        make_user(org, f"{org}-u-admin", "Robin Okafor", "admin"),
        make_user(org, manager, "Morgan Lee", "manager", team_id=f"{org}-t-a"),
        make_user(
            org, f"{org}-u-rep1", "Sasha Patel", "rep", team_id=f"{org}-t-a", manager_id=manager
        ),
        make_user(
            org, f"{org}-u-rep2", "Jordan Kim", "rep", team_id=f"{org}-t-a", manager_id=manager
        ),
        make_user(org, f"{org}-u-rep3", "Casey Novak", "rep", team_id=f"{org}-t-b"),
    ]


def _segment_text(turns: Sequence[tuple[str, str]]) -> str:
    return "\n".join(f"{speaker}: {text}" for speaker, text in turns if text)


def _meeting_records(
    meeting: _Meeting, start: datetime, owner: str, visibility: str, shared_with: list[str]
) -> list[dict[str, Any]]:
    org = _QMSUM_ORG
    account_id = f"{org}-a-{meeting.id}"
    out: list[dict[str, Any]] = [
        {
            "type": "account",
            "org": org,
            "id": account_id,
            "name": f"QMSum meeting {meeting.id}",
            "owner_id": owner,
        }
    ]
    for k in range(0, len(meeting.turns), _TURNS_PER_SEGMENT):
        turns = meeting.turns[k : k + _TURNS_PER_SEGMENT]
        part = k // _TURNS_PER_SEGMENT + 1
        out.append(
            {
                "type": "call",
                "org": org,
                "id": f"{meeting.id}-p{part:03d}",
                "account_id": account_id,
                "owner_id": owner,
                "visibility": visibility,
                **({"shared_with": shared_with} if shared_with else {}),
                "occurred_at": iso(start + timedelta(minutes=5 * (part - 1))),
                "title": f"{meeting.id} part {part}",
                "participants": sorted({s for s, _ in turns}),
                "transcript": _segment_text(turns) or "(no speech)",
            }
        )
    return out


def _gold_segments(meeting: _Meeting, spans: Iterable[Sequence[Any]]) -> tuple[list[str], str]:
    """Segment ids overlapping the gold turn spans (inclusive), and the spans' text."""
    last = len(meeting.turns) - 1
    parts: set[int] = set()
    turns: list[tuple[str, str]] = []
    for span in spans:
        try:
            start, end = sorted((int(span[0]), int(span[1])))
        except (ValueError, TypeError, IndexError):
            continue
        start, end = max(start, 0), min(end, last)
        if start > end:
            continue
        parts |= set(range(start // _TURNS_PER_SEGMENT, end // _TURNS_PER_SEGMENT + 1))
        turns += meeting.turns[start : end + 1]
    ids = [f"{meeting.id}-p{p + 1:03d}" for p in sorted(parts)]
    return ids, _segment_text(turns)


def load_qmsum(*, datasets_dir: Path, limit: int | None, seed: int) -> SuiteData:
    """QMSum meetings as call segments of one org with mixed sharing, and their queries.

    Reads ``qmsum/val.jsonl`` and, if present, ``qmsum/product_domain/val.jsonl``
    (meetings in both are kept once). Each meeting becomes calls of 12 turns owned by
    one rep; 3 in 5 meetings are org-visible, 1 team, 1 private (half of those shared
    with one more user). Each specific query is asked by a user who can see the meeting
    (rotating rep, manager, admin), with the segments overlapping its gold spans as
    relevant; one query per meeting someone cannot see is also asked by such a user
    (``answerable=False``). The whole-meeting summary query becomes a summary task.

    Args:
        datasets_dir: Holds ``qmsum/``.
        limit: At most this many meetings (a seeded sample).
        seed: Seeds the sample and the owners, sharing and askers.

    Raises:
        DatasetMissing: ``qmsum/val.jsonl`` is absent.
    """
    check_limit(limit)
    root = datasets_dir / "qmsum"
    paths = [require(root / "val.jsonl", "qmsum")]
    product = root / "product_domain" / "val.jsonl"
    paths += [product] if product.is_file() else []
    meetings, duplicates = _qmsum_meetings(paths)
    order = sorted(m.id for m in meetings)
    random.Random(f"qmsum:{seed}").shuffle(order)
    position = {mid: n for n, mid in enumerate(order)}
    kept = sample_in_order(meetings, limit, random.Random(f"qmsum-sample:{seed}"))

    records = _qmsum_users()
    reps = [r["id"] for r in records if r.get("role") == "rep"]
    others = [r["id"] for r in records if r["type"] == "user" and r.get("role") != "admin"]
    plan: dict[str, tuple[random.Random, datetime]] = {}
    for n, meeting in enumerate(kept):
        rng = random.Random(f"qmsum:{seed}:{meeting.id}")
        visibility = _QMSUM_VISIBILITY[position[meeting.id] % len(_QMSUM_VISIBILITY)]
        owner = reps[position[meeting.id] % len(reps)]
        shared = (
            [rng.choice([u for u in others if u != owner])]
            if visibility == "private" and rng.random() < 0.5
            else []
        )
        start = UNDATED + timedelta(days=n)
        records += _meeting_records(meeting, start, owner, visibility, shared)
        plan[meeting.id] = (rng, start)
    visible = visibility_truth(records)
    roles = {r["id"]: r["role"] for r in records if r["type"] == "user"}

    queries: list[Query] = []
    summaries: list[SummaryTask] = []
    for meeting in kept:
        rng, start = plan[meeting.id]
        queries += _qmsum_queries(meeting, visible[_QMSUM_ORG], roles, rng)
        summaries += _qmsum_summaries(meeting, start)
    n_segments = sum(1 for r in records if r["type"] == "call")
    return SuiteData(
        name="qmsum",
        records=records,
        visible=visible,
        queries=queries,
        summaries=summaries,
        notes=[
            f"{len(kept)} of {len(meetings)} meetings ({duplicates} duplicates across "
            f"{', '.join(p.relative_to(datasets_dir).as_posix() for p in paths)} dropped) "
            f"as {n_segments} call segments of {_TURNS_PER_SEGMENT} turns.",
            "Transcription markers ({vocalsound}, {disfmarker}, ...) and tokenizer spaces "
            "before punctuation removed; turns left empty are dropped from the text.",
            "Sharing: 3 in 5 meetings org-visible, 1 team, 1 private; each owned by one of "
            "3 reps (2 teams, a manager over team A, an admin).",
            "Relevance: every segment overlapping a gold span, grade 1; long spans give "
            "many relevant segments. Other meetings of the same series (AMI, ICSI) may "
            "also answer a query but are not labelled, and an asker without access may "
            "find a partial answer in them.",
            "Summaries: each meeting's whole-meeting general query answer vs the full "
            "transcript (human summaries run longer than 2-4 sentences).",
        ],
    )


def _qmsum_queries(
    meeting: _Meeting,
    visible: Mapping[str, frozenset[str]],
    roles: Mapping[str, str],
    rng: random.Random,
) -> list[Query]:
    first_segment = f"{meeting.id}-p001"
    viewers = sorted(u for u, ids in visible.items() if first_segment in ids)
    blind = sorted(u for u in visible if u not in viewers)
    out: list[Query] = []
    seen: set[str] = set()
    for item in meeting.specific:
        text, answer = str(item.get("query", "")).strip(), str(item.get("answer", "")).strip()
        relevant, evidence = _gold_segments(meeting, item.get("relevant_text_span") or ())
        if not text or text in seen or not relevant:
            continue
        seen.add(text)
        role = ROLES[len(out) % len(ROLES)]
        user_id = rng.choice([u for u in viewers if roles[u] == role] or viewers)
        out.append(
            Query(
                id=f"{meeting.id}-q{len(out) + 1:02d}",
                org=_QMSUM_ORG,
                user_id=user_id,
                role=roles[user_id],
                text=text,
                relevant=dict.fromkeys(relevant, 1),
                kind="qmsum",
                reference_answer=answer or None,
                answer_terms=salient_terms(answer, evidence),
            )
        )
    if blind and out:
        base = rng.choice(out)
        user_id = rng.choice(blind)
        out.append(
            Query(
                id=f"{base.id}-no-access",
                org=_QMSUM_ORG,
                user_id=user_id,
                role=roles[user_id],
                text=base.text,
                relevant=base.relevant,
                kind="qmsum_no_access",
                reference_answer=base.reference_answer,
                answerable=False,
            )
        )
    return out


def _qmsum_summaries(meeting: _Meeting, start: datetime) -> list[SummaryTask]:
    for item in meeting.general:
        answer = str(item.get("answer", "")).strip()
        if answer and _WHOLE_MEETING.search(str(item.get("query", ""))):
            return [
                SummaryTask(
                    id=f"{meeting.id}-summary",
                    text=_segment_text(meeting.turns),
                    kind="call",
                    references=(answer,),
                    occurred_at=start,
                    target="summary",
                )
            ]
    return []
