"""``copilot eval run`` and ``copilot eval compare``."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["app", "suite_names"]

app = typer.Typer(
    help="Evaluate retrieval, permissions, answers, summaries and next-best actions.",
    no_args_is_help=True,
)


def suite_names() -> list[str]:
    return sorted(
        f.name.removesuffix(".toml")
        for f in resources.files("eval.suites").iterdir()
        if f.name.endswith(".toml")
    )


def _suite_spec(name: str) -> dict[str, Any]:
    if name not in suite_names():
        raise typer.BadParameter(
            f"unknown suite {name!r}; choose one of {', '.join(suite_names())}",
            param_hint="--suite",
        )
    text = resources.files("eval.suites").joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@app.command("list")
def list_suites() -> None:
    """List the suites declared in eval/suites/."""
    for name in suite_names():
        typer.echo(f"{name:<18} {_suite_spec(name).get('description', '')}")


@app.command()
def run(
    suite: Annotated[str, typer.Option(help="A suite in eval/suites/ (see `copilot eval list`).")],
    engine: Annotated[
        str, typer.Option(help="offline, openai or hf:<local model dir>.")
    ] = "offline",
    out: Annotated[Path | None, typer.Option(help="Report directory.")] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Sample: at most N queries/tasks.")
    ] = None,
    datasets_dir: Annotated[
        Path | None, typer.Option(help="Where external datasets live (COPILOT_DATASETS_DIR).")
    ] = None,
) -> None:
    """Index the suite's corpus into a scratch database and score everything as its users.

    Writes OUT/report.json, OUT/report.md and PNG plots. A suite whose data is absent is
    reported as skipped, with a message naming the path, and the command exits 2: a
    suite asked for and not run is not a pass.
    """
    from rich.console import Console

    from copilot.logs import quiet_libraries
    from copilot.settings import Settings
    from embeddings import SentenceTransformerEmbedder
    from eval.datasets import LOADERS, default_datasets_dir
    from eval.report import write_report
    from eval.runner import run_suite

    if engine != "offline" and not (engine == "openai" or engine.startswith("hf:")):
        raise typer.BadParameter("must be offline, openai or hf:<dir>", param_hint="--engine")
    spec = _suite_spec(suite)
    loader = LOADERS[spec["loader"]]
    where = datasets_dir or default_datasets_dir()
    n = limit or spec.get("limit")
    seed = int(spec.get("seed", 7))
    out_dir = out or Path("eval-reports") / suite
    settings = Settings()
    with Console(stderr=True).status("loading the embedding model ..."):
        quiet_libraries()
        embedder = SentenceTransformerEmbedder(
            settings.embedding_model, batch_size=settings.embedding_batch_size
        )
    typer.echo(f"suite {suite}: loading (limit {n}) ...")
    with Console(stderr=True).status(f"suite {suite}: indexing, searching, answering ..."):
        result = run_suite(
            lambda: loader(datasets_dir=where, limit=n, seed=seed),
            suite=suite.replace("-", "_"),
            settings=settings,
            embedder=embedder,
            engine=engine,
        )
    paths = write_report(result, out_dir)
    if result.status == "skipped":
        typer.secho(f"skipped suite {suite}: {result.message}", fg=typer.colors.YELLOW, err=True)
        raise typer.Exit(2)
    for name, metric in sorted(result.metrics.items()):
        if "value" not in metric and "p95" in metric:  # a latency, in milliseconds
            typer.echo(f"  {name:<40} p50 {metric['p50']:.1f} ms, p95 {metric['p95']:.1f} ms")
            continue
        value = metric.get("value")
        ci = ""
        if metric.get("ci_low") is not None:
            ci = f"  [{metric['ci_low']:.4f}, {metric['ci_high']:.4f}]"
        shown = f"{value:.4f}" if isinstance(value, float) else str(value)
        typer.echo(f"  {name:<40} {shown}{ci}")
    for baseline, metrics in result.baselines.items():
        for name, metric in sorted(metrics.items()):
            typer.echo(f"  baseline {baseline:<15} {name:<30} {metric['value']:.4f}")
    typer.echo(f"report: {paths['md']} ({result.timings_s['total']:.0f} s)")


@app.command()
def compare(
    base: Annotated[Path, typer.Argument(help="The reference report.json.")],
    new: Annotated[Path, typer.Argument(help="The report.json to judge.")],
    gates_file: Annotated[
        Path | None, typer.Option("--gates", help="Gates TOML (default eval/gates.toml).")
    ] = None,
) -> None:
    """Metric deltas with confidence intervals; exit 1 if a gated metric got worse."""
    from eval.report import compare as compare_reports
    from eval.report import load_gates, load_report

    try:
        a, b = load_report(base), load_report(new)
        gates = load_gates(gates_file)
    except (ValueError, OSError) as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    rows, failures = compare_reports(a, b, gates)

    def f(v: Any) -> str:
        return "–" if v is None else f"{v:.4f}"

    def ci(pair: Any) -> str:
        lo, hi = pair
        return "" if lo is None else f"[{lo:.3f},{hi:.3f}]"

    typer.echo(f"{'metric':<40} {'base':>9} {'':<16} {'new':>9} {'':<16} {'delta':>9}  gate")
    for r in rows:
        delta = "–" if r["delta"] is None else f"{r['delta']:+.4f}"
        typer.echo(
            f"{r['metric']:<40} {f(r['base']):>9} {ci(r['base_ci']):<16} {f(r['new']):>9} "
            f"{ci(r['new_ci']):<16} {delta:>9}  {r['gate']}"
        )
    if failures:
        for message in failures:
            typer.secho(f"regression: {message}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)


@app.command()
def gate(
    report: Annotated[Path, typer.Argument(help="A report.json to check.")],
    gates_file: Annotated[
        Path | None, typer.Option("--gates", help="Gates TOML (default eval/gates.toml).")
    ] = None,
) -> None:
    """Check one report against the absolute bounds in eval/gates.toml (the CI gate)."""
    from eval.report import check_absolute, load_gates, load_report

    try:
        data = load_report(report)
        gates = load_gates(gates_file)
    except (ValueError, OSError) as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if data.get("status") == "skipped":
        typer.secho(f"gate: suite skipped ({data.get('message')})", fg=typer.colors.RED, err=True)
        raise typer.Exit(1)
    failures = check_absolute(data, gates)
    for message in failures:
        typer.secho(f"gate failed: {message}", fg=typer.colors.RED, err=True)
    if failures:
        raise typer.Exit(1)
    typer.echo(f"gate passed: {report}")
