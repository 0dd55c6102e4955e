"""Write a run's ``report.json``, ``report.md`` and PNG plots; compare two reports."""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from eval.runner import RunResult

__all__ = ["Gate", "compare", "load_gates", "load_report", "write_report"]


def write_report(result: RunResult, out_dir: Path) -> dict[str, Path]:
    """Write the report files; returns their paths by kind."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "report.json", "md": out_dir / "report.md"}
    data = asdict(result)
    paths["json"].write_text(json.dumps(data, indent=2, default=str), encoding="utf-8")
    plots = _plots(result, out_dir) if result.status == "ok" else {}
    paths.update(plots)
    paths["md"].write_text(_markdown(result, plots), encoding="utf-8")
    return paths


def load_report(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a readable report.json ({err})") from err
    if "metrics" not in data or "suite" not in data:
        raise ValueError(f"{path}: not a report.json (no 'metrics' or 'suite')")
    return data


# --------------------------------------------------------------------------- markdown


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def _markdown(result: RunResult, plots: Mapping[str, Path]) -> str:
    lines = [f"# Evaluation report: suite `{result.suite}`", ""]
    if result.status != "ok":
        return "\n".join([*lines, f"**Skipped:** {result.message}", ""])
    cfg = result.config
    lines += [
        f"- engine `{cfg.get('engine')}`, embedding model `{cfg.get('embedding_model')}`",
        f"- git commit `{cfg.get('git_commit')}`, started {cfg.get('started_at')}",
        f"- {cfg.get('records')} records, {cfg.get('queries')} queries, "
        f"{cfg.get('summaries')} summary tasks, {cfg.get('scenarios')} action scenarios",
        "- timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in result.timings_s.items()),
        "",
        "## Metrics",
        "",
        "| metric | value | 95% CI | n |",
        "|---|---|---|---|",
    ]
    for name, metric in sorted(result.metrics.items()):
        if name.startswith("latency."):
            continue
        ci = (
            f"[{_fmt(metric.get('ci_low'))}, {_fmt(metric.get('ci_high'))}]"
            if metric.get("ci_low") is not None
            else "–"
        )
        lines.append(f"| {name} | {_fmt(metric.get('value'))} | {ci} | {metric.get('n', '–')} |")
    lines += _baseline_tables(result)
    latency = {k: v for k, v in result.metrics.items() if k.startswith("latency.")}
    if latency:
        lines += [
            "",
            "## Latency (ms)",
            "",
            "| endpoint | p50 | p95 | mean | n |",
            "|---|---|---|---|---|",
        ]
        for name, v in sorted(latency.items()):
            lines.append(
                f"| {name.removeprefix('latency.')} | {_fmt(v.get('p50'))} | {_fmt(v.get('p95'))}"
                f" | {_fmt(v.get('mean'))} | {v.get('n')} |"
            )
    if result.per_role:
        keys = list(next(iter(result.per_role.values())).keys())
        lines += [
            "",
            "## Per role",
            "",
            "| role | " + " | ".join(keys) + " |",
            "|---" * (len(keys) + 1) + "|",
        ]
        for role, values in result.per_role.items():
            lines.append(
                f"| {role} | " + " | ".join(_fmt(values[k].get("value")) for k in keys) + " |"
            )
    if result.per_kind:
        lines += [
            "",
            "## Per query kind",
            "",
            "| kind | n | ndcg@10 | recall@10 | answered |",
            "|---|---|---|---|---|",
        ]
        for kind, values in result.per_kind.items():
            cells = [
                _fmt(values[k]["value"]) if k in values else "–"
                for k in ("ndcg@10", "recall@10", "answered")
            ]
            lines.append(f"| {kind} | {values['answered']['n']} | " + " | ".join(cells) + " |")
    lines += _answer_markdown(result)
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{kind}]({path.name})" for kind, path in plots.items()]
    if result.notes:
        lines += ["", "## Notes", "", *[f"- {n}" for n in result.notes]]
    return "\n".join(lines) + "\n"


#: The side-by-side tables: title, metric-name prefixes, and (column, baseline) pairs.
_BASELINE_TABLES = (
    (
        "Retrieval: system vs bm25 vs vector-only",
        ("retrieval.", "permissions.leak_rate"),
        (("bm25", "bm25"), ("vector-only", "vector")),
    ),
    ("Answers: system vs first-sentence", ("answers.",), (("first-sentence", "first_sentence"),)),
    ("Summaries: system vs lead-3", ("summaries.",), (("lead-3", "lead3"),)),
)


def _with_ci(metric: Mapping[str, Any] | None) -> str:
    if metric is None:
        return "–"
    if metric.get("ci_low") is None:
        return _fmt(metric.get("value"))
    low, high = _fmt(metric["ci_low"]), _fmt(metric["ci_high"])
    return f"{_fmt(metric.get('value'))} [{low}, {high}]"


def _baseline_tables(result: RunResult) -> list[str]:
    """One table per task the run has baselines for: each metric the baselines share
    with the system, value and 95% CI side by side."""
    lines: list[str] = []
    for title, prefixes, columns in _BASELINE_TABLES:
        present = [
            (label, result.baselines[key]) for label, key in columns if key in result.baselines
        ]
        names = sorted({n for _, b in present for n in b if n.startswith(prefixes)})
        if not names:
            continue
        lines += [
            "",
            f"## {title}",
            "",
            "| metric | system | " + " | ".join(label for label, _ in present) + " |",
            "|---" * (len(present) + 2) + "|",
        ]
        for name in names:
            cells = [
                _with_ci(result.metrics.get(name)),
                *(_with_ci(b.get(name)) for _, b in present),
            ]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if lines:
        lines += ["", "Baselines run on the same corpus, queries and users (see eval/baselines)."]
    return lines


_ANSWER_COLUMNS = ("exact_match", "token_f1", "correct_citation", "correct_answer")


def _answer_markdown(result: RunResult) -> list[str]:
    """Tables of the gold-answer grades per role and per query kind."""
    lines: list[str] = []
    for slice_key, title in (("role", "role"), ("kind", "query kind")):
        sliced = result.answer_slices.get(slice_key)
        if not sliced:
            continue
        lines += [
            "",
            f"## Answers against gold, per {title}",
            "",
            f"| {slice_key} | n | " + " | ".join(_ANSWER_COLUMNS) + " | n declinable | "
            "correct_decline |",
            "|---" * (len(_ANSWER_COLUMNS) + 4) + "|",
        ]
        for value, stats in sliced.items():
            graded = stats.get("correct_answer", {})
            declines = stats.get("correct_decline", {})
            cells = [_fmt(stats[k]["value"]) if k in stats else "–" for k in _ANSWER_COLUMNS]
            lines.append(
                f"| {value} | {graded.get('n', 0)} | "
                + " | ".join(cells)
                + f" | {declines.get('n', 0)} | {_fmt(declines.get('value'))} |"
            )
    return lines


# --------------------------------------------------------------------------- plots


def _plots(result: RunResult, out_dir: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out: dict[str, Path] = {}
    if result.recall_curve:
        fig, ax = plt.subplots(figsize=(6, 4))
        for role, curve in sorted(result.recall_curve.items()):
            ks = sorted(int(k) for k in curve)
            ax.plot(ks, [curve[k] for k in ks], marker="o", label=role)
        ax.set_xscale("log")
        ax.set_xlabel("k")
        ax.set_ylabel("recall@k")
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{result.suite}: recall@k by role")
        ax.legend()
        ax.grid(alpha=0.3)
        out["recall_at_k"] = _save(fig, out_dir / "recall_at_k.png")
    if result.latency_ms:
        fig, ax = plt.subplots(figsize=(6, 4))
        names = sorted(result.latency_ms)
        ax.boxplot([result.latency_ms[n] for n in names], tick_labels=names, showfliers=True)
        ax.set_yscale("log")
        ax.set_ylabel("ms")
        ax.set_title(f"{result.suite}: latency per endpoint")
        ax.grid(alpha=0.3, axis="y")
        out["latency"] = _save(fig, out_dir / "latency.png")
    if result.per_role:
        roles = sorted(result.per_role)
        keys = ["ndcg@10", "recall@10", "mrr"]
        fig, ax = plt.subplots(figsize=(6, 4))
        width = 0.8 / len(keys)
        for i, key in enumerate(keys):
            values = [result.per_role[r][key]["value"] for r in roles]
            low = [
                v - result.per_role[r][key].get("ci_low", v)
                for r, v in zip(roles, values, strict=True)
            ]
            high = [
                result.per_role[r][key].get("ci_high", v) - v
                for r, v in zip(roles, values, strict=True)
            ]
            xs = [x + i * width for x in range(len(roles))]
            ax.bar(xs, values, width, yerr=[low, high], capsize=3, label=key)
        ax.set_xticks([x + width for x in range(len(roles))], roles)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{result.suite}: retrieval by role (95% CI)")
        ax.legend()
        out["per_role"] = _save(fig, out_dir / "per_role.png")
    return out


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path


# --------------------------------------------------------------------------- compare / gate


@dataclass(frozen=True)
class Gate:
    """A gated metric: which direction is better, how much worse is tolerated, and an
    optional absolute bound a single report must meet."""

    metric: str
    higher_is_better: bool
    tolerance: float
    minimum: float | None = None
    maximum: float | None = None


def load_gates(path: Path | None = None) -> list[Gate]:
    """Gates from ``eval/gates.toml`` (or ``path``)."""
    text = (
        path.read_text(encoding="utf-8")
        if path
        else resources.files("eval").joinpath("gates.toml").read_text(encoding="utf-8")
    )
    raw = tomllib.loads(text)
    gates = []
    for metric, spec in raw.get("gates", {}).items():
        unknown = set(spec) - {"higher_is_better", "tolerance", "minimum", "maximum"}
        if unknown:
            raise ValueError(f"gates.{metric}: unknown keys {sorted(unknown)}")
        gates.append(
            Gate(
                metric=metric,
                higher_is_better=bool(spec.get("higher_is_better", True)),
                tolerance=float(spec.get("tolerance", 0.0)),
                minimum=spec.get("minimum"),
                maximum=spec.get("maximum"),
            )
        )
    return gates


def compare(
    base: Mapping[str, Any], new: Mapping[str, Any], gates: list[Gate]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Metric deltas of ``new`` against ``base`` and the gate failures.

    Returns:
        ``(rows, failures)``: one row per metric present in either report, and a message
        per gated metric that got worse beyond its tolerance.
    """
    by_name = {g.metric: g for g in gates}
    rows = []
    failures = []
    for name in sorted(set(base["metrics"]) | set(new["metrics"])):
        a = base["metrics"].get(name, {})
        b = new["metrics"].get(name, {})
        va, vb = _value(a), _value(b)
        delta = None if va is None or vb is None else vb - va
        gate = by_name.get(name)
        status = ""
        if gate and delta is not None:
            worse = -delta if gate.higher_is_better else delta
            status = "FAIL" if worse > gate.tolerance + 1e-12 else "ok"
            if status == "FAIL":
                failures.append(
                    f"{name}: {va:.4f} -> {vb:.4f} ({delta:+.4f}), tolerance {gate.tolerance}"
                )
        rows.append(
            {
                "metric": name,
                "base": va,
                "base_ci": (a.get("ci_low"), a.get("ci_high")),
                "new": vb,
                "new_ci": (b.get("ci_low"), b.get("ci_high")),
                "delta": delta,
                "gate": status,
            }
        )
    return rows, failures


def check_absolute(report: Mapping[str, Any], gates: list[Gate]) -> list[str]:
    """Failures of one report against the gates' absolute bounds (the CI quality gate)."""
    failures = []
    for gate in gates:
        metric = report["metrics"].get(gate.metric)
        if metric is None:
            if gate.minimum is not None or gate.maximum is not None:
                failures.append(f"{gate.metric}: missing from the report")
            continue
        value = _value(metric)
        if value is None:
            continue
        if gate.minimum is not None and value < gate.minimum:
            failures.append(f"{gate.metric} = {value:.4f} is below {gate.minimum}")
        if gate.maximum is not None and value > gate.maximum:
            failures.append(f"{gate.metric} = {value:.4f} is above {gate.maximum}")
    return failures


def _value(metric: Mapping[str, Any]) -> float | None:
    v = metric.get("value", metric.get("p95"))
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
