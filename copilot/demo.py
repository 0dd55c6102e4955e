"""``copilot demo``: sample CRM → embedded database → searches as different users."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot import sample
from copilot.auth import TokenService
from copilot.service import Copilot
from copilot.settings import Settings

__all__ = ["DemoRun", "pick_demo_users", "print_api_help", "run"]

Echo = Callable[[str], None]

#: 2,000 emails, calls and tickets in two orgs: a few minutes to embed on a 2-core CPU.
DEMO_DOCS_PER_ORG = 1000


@dataclass(frozen=True)
class DemoRun:
    """What ``copilot demo`` showed: the org, its users by role, and a question the rep's
    records answered (``None`` if none was), for the printed ``curl`` lines."""

    org: str
    who: dict[str, str]
    answered_question: str | None


def _load_records(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def pick_demo_users(records: list[dict[str, Any]]) -> tuple[str, dict[str, str]]:
    """An org and one rep, that rep's manager and the org's admin."""
    users = [r for r in records if r["type"] == "user"]
    org = users[0]["org"]
    in_org = [u for u in users if u["org"] == org]
    rep = next(u for u in in_org if u["role"] == "rep" and u.get("manager_id"))
    admin = next(u for u in in_org if u["role"] == "admin")
    return org, {"rep": rep["id"], "manager": rep["manager_id"], "admin": admin["id"]}


def _keyword_example(
    records: list[dict[str, Any]], truth: sample.SampleTruth, org: str, who: dict[str, str]
) -> str | None:
    """A ticket number the manager may see and the rep may not, to show the difference."""
    visible = truth.visible_document_ids[org]
    for r in records:
        if r["type"] != "ticket" or r["org"] != org:
            continue
        if r["id"] in visible[who["manager"]] and r["id"] not in visible[who["rep"]]:
            m = re.search(r"TCK-\d+", r.get("subject", ""))
            if m:
                return m.group(0)
    return None


def run(
    cp: Copilot,
    settings: Settings,
    *,
    regenerate: bool = False,
    seed: int = 7,
    echo: Echo = print,
) -> DemoRun:
    """Generate (once), index and search the sample, and ask two questions."""
    sample_dir = settings.data_dir / "sample"
    jsonl = sample_dir / "crm.jsonl"
    if regenerate or not jsonl.exists():
        echo(f"generating the sample CRM (seed {seed}) into {sample_dir} ...")
        sample.write_sample(sample.generate(seed, docs_per_org=DEMO_DOCS_PER_ORG), sample_dir)
    records = _load_records(jsonl)
    echo(f"indexing {len(records)} records from {jsonl} ...")
    report = cp.indexer(progress=True).ingest_paths([jsonl])
    echo(f"  {report.summary()}")
    for issue in report.errors[:5]:
        echo(f"  rejected {issue}")

    org, who = pick_demo_users(records)
    echo("")
    echo(f"Searching org {org!r} as three users (results obey CRM sharing rules):")
    for role, uid in who.items():
        echo(f"  {role:<8} {uid}")
    queries = [
        "customer is worried about the security review holding up the contract",
        "pricing discount before renewal",
    ]
    keyword = _keyword_example(records, sample.load_truth(sample_dir), org, who)
    if keyword:
        queries.append(keyword)
    for query in queries:
        echo("")
        echo(f"query: {query!r}")
        for role, uid in who.items():
            result = cp.search(org=org, user_id=uid, query=query, top_k=5)
            ids = [h.document_id for h in result.hits]
            echo(
                f"  as {role} {uid} ({result.strategy} plan, "
                f"≤{result.permitted_estimate} permitted chunks): {len(ids)} "
                f"result{'' if len(ids) == 1 else 's'}{', the first 3:' if len(ids) > 3 else ''}"
            )
            for h in result.hits[:3]:
                echo(f"    [{h.kind}] {h.document_id}  {h.title[:70]}")
    answered = _ask_examples(cp, org, who, _deal_question(records, org, who["rep"]), echo=echo)
    echo("")
    echo("Try it yourself (from a checkout, `source .venv/bin/activate` puts copilot on PATH):")
    echo(f"  copilot search 'renewal risk' --org {org} --user {who['rep']}")
    echo(f"  copilot search 'renewal risk' --org {org} --user {who['admin']}")
    if answered:
        echo(f"  copilot ask {shlex.quote(answered)} --org {org} --user {who['rep']}")
    echo("  copilot db status")
    return DemoRun(org, who, answered)


def _deal_question(records: list[dict[str, Any]], org: str, rep: str) -> str | None:
    """A question the rep's own CRM answers: when a deal of an account they own closes."""
    owned = {
        r["id"]: r["name"]
        for r in records
        if r["type"] == "account" and r["org"] == org and r.get("owner_id") == rep
    }
    for r in records:
        if r["type"] == "deal" and r["org"] == org and r.get("account_id") in owned:
            return f"When does the {owned[r['account_id']]} deal close?"
    return None


def _ask_examples(
    cp: Copilot, org: str, who: dict[str, str], question: str | None, *, echo: Echo
) -> str | None:
    """One question the records answer and one they cannot (no such account); returns
    the first question that was answered."""
    questions = [(who["rep"], question)] if question else []
    questions.append((who["rep"], "When does the Zyphora Dynamics contract renew?"))
    answered: str | None = None
    for uid, question in questions:
        answer = cp.assistant.ask(org=org, user_id=uid, question=question).answer
        echo("")
        echo(f"ask as {uid}: {question!r}")
        if answer.answered:
            answered = answered or question
            cited = ", ".join(
                dict.fromkeys(
                    [c.document_id for c in answer.citations]
                    + [f"{f.record_type} {f.document_id}" for f in answer.facts]
                )
            )
            echo(f"  answered (confidence {answer.confidence:.2f}) from {cited}:")
            echo(f"    {answer.answer[:160]}")
        else:
            related = ", ".join(s.document_id for s in answer.see_also) or "none"
            echo(f"  declined (confidence {answer.confidence:.2f}); see also: {related}")
    return answered


def print_api_help(
    tokens: TokenService,
    org: str,
    who: dict[str, str],
    *,
    base_url: str,
    question: str | None = None,
    echo: Echo = print,
) -> None:
    """Tokens (valid 12 h) and a ready-to-paste ``curl`` line for each demo user; the
    rep's ``/v1/ask`` line asks ``question`` (one the demo saw answered)."""
    # Single-quoted for the shell: a quote inside closes, escapes and reopens it.
    ask = json.dumps({"question": question or "When does our biggest deal close?"})
    ask = ask.replace("'", "'\\''")
    echo("")
    echo(f"Serving the API at {base_url} (OpenAPI docs at {base_url}/docs). Ctrl-C stops it.")
    for role, uid in who.items():
        token = tokens.mint(org=org, subject=uid, ttl_s=12 * 3600)
        echo("")
        echo(f"# {role} {uid} of org {org}")
        echo(
            f"curl -s {base_url}/v1/search -H 'Authorization: Bearer {token}'"
            " -H 'Content-Type: application/json'"
            """ -d '{"query": "pricing discount before renewal", "top_k": 5}'"""
        )
        if role == "rep":
            echo(
                f"curl -s {base_url}/v1/ask -H 'Authorization: Bearer {token}'"
                " -H 'Content-Type: application/json'"
                f" -d '{ask}'"
            )
    echo("")
    echo("Also: POST /v1/calls/{id}/summary, GET /v1/accounts/{id}/next-best-actions.")
    echo(
        "The embedded PostgreSQL keeps running after Ctrl-C (the next command connects at "
        "once); `copilot db stop` stops it."
    )
