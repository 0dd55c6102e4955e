"""The evaluation harness end to end on the real database, at a small size.

The leak metric is proven able to fail: the same run with a deliberately broken access
filter (reads as the table owner with every principal of the org) must report leaks.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.datasets import load_synthetic
from eval.report import check_absolute, compare, load_gates, write_report
from eval.runner import run_suite


def _small_synthetic():  # type: ignore[no-untyped-def]
    return load_synthetic(datasets_dir=Path("/nonexistent"), limit=10, seed=7, docs_per_org=40)


@pytest.fixture()
def eval_settings(settings):  # type: ignore[no-untyped-def]
    return settings


def test_a_clean_run_reports_no_leak_and_writes_the_report(
    eval_settings,
    embedder,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    result = run_suite(_small_synthetic, suite="t_clean", settings=eval_settings, embedder=embedder)
    assert result.status == "ok"
    assert result.metrics["permissions.leak_rate"]["value"] == 0.0
    assert result.metrics["permissions.leak_rate"]["n"] > 0
    for name in ("retrieval.ndcg@10", "retrieval.recall@10", "answers.refusal_rate"):
        metric = result.metrics[name]
        assert metric["ci_low"] <= metric["value"] <= metric["ci_high"]
    # Baselines ran beside the system, on the same queries, without leaking either.
    for name in ("bm25", "vector"):
        assert result.baselines[name]["permissions.leak_rate"]["value"] == 0.0
        assert result.baselines[name]["retrieval.ndcg@10"]["n"] == metric_n(result)
    assert result.baselines["first_sentence"]["answers.refusal_rate"]["value"] == 0.0
    paths = write_report(result, tmp_path / "out")
    report = json.loads(paths["json"].read_text())
    assert report["config"]["git_commit"] and report["rows"]["queries"]
    assert set(report["baselines"]) >= {"bm25", "vector", "first_sentence"}
    for png in ("recall_at_k", "latency", "per_role"):
        assert paths[png].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    markdown = paths["md"].read_text()
    assert "permissions.leak_rate" in markdown
    assert "system vs bm25 vs vector-only" in markdown and "system vs first-sentence" in markdown
    for name in ("answers.correct_answer_rate", "answers.exact_match", "answers.token_f1"):
        assert 0.0 <= result.metrics[name]["value"] <= 1.0
    assert set(result.answer_slices) == {"role", "kind"}
    assert "Answers against gold, per query kind" in markdown


def metric_n(result) -> int:  # type: ignore[no-untyped-def]
    return int(result.metrics["retrieval.ndcg@10"]["n"])


def _break_access(cp) -> None:  # type: ignore[no-untyped-def]
    """A deliberately broken access filter: every read runs as the table owner (no
    row-level security) with every principal stamped anywhere in the org."""

    @contextmanager
    def as_anyone(*, org: str, user_id: str):  # type: ignore[no-untyped-def]
        with cp.db.connection() as conn:
            rows = conn.execute(
                "SELECT DISTINCT p FROM chunks, unnest(access) AS p WHERE org = %s", (org,)
            ).fetchall()
            yield conn, frozenset(r[0] for r in rows)

    cp.as_caller = as_anyone


def test_a_broken_access_filter_shows_up_as_leaks(eval_settings, embedder) -> None:  # type: ignore[no-untyped-def]
    result = run_suite(
        _small_synthetic,
        suite="t_broken",
        settings=eval_settings,
        embedder=embedder,
        prepare=_break_access,
    )
    leak = result.metrics["permissions.leak_rate"]
    assert leak["value"] > 0 and leak["leaked"] > 0
    # The baselines read through the same service, so the same break shows in theirs.
    for name in ("bm25", "vector"):
        assert result.baselines[name]["permissions.leak_rate"]["leaked"] > 0
    gates = load_gates()
    report = {"metrics": result.metrics}
    assert any("leak_rate" in f for f in check_absolute(report, gates))


def test_a_missing_dataset_is_skipped_with_a_message(
    eval_settings, embedder, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from eval.datasets import load_qmsum

    result = run_suite(
        lambda: load_qmsum(datasets_dir=tmp_path, limit=2, seed=7),
        suite="t_missing",
        settings=eval_settings,
        embedder=embedder,
    )
    assert result.status == "skipped" and "COPILOT_DATASETS_DIR" in result.message
    paths = write_report(result, tmp_path / "out")
    assert "Skipped" in paths["md"].read_text()


def _report(**values: float) -> dict:
    return {"suite": "s", "metrics": {k: {"value": v} for k, v in values.items()}}


def test_compare_fails_only_on_gated_regressions_past_tolerance() -> None:
    gates = load_gates()
    base = _report(**{"retrieval.ndcg@10": 0.70, "permissions.leak_rate": 0.0, "x.ungated": 0.9})
    small_drop = _report(
        **{"retrieval.ndcg@10": 0.69, "permissions.leak_rate": 0.0, "x.ungated": 0.1}
    )
    big_drop = _report(**{"retrieval.ndcg@10": 0.60, "permissions.leak_rate": 0.0})
    leak = _report(**{"retrieval.ndcg@10": 0.75, "permissions.leak_rate": 0.001})
    assert compare(base, small_drop, gates)[1] == []
    assert any("ndcg@10" in f for f in compare(base, big_drop, gates)[1])
    assert any("leak_rate" in f for f in compare(base, leak, gates)[1])


def test_eval_cli_compare_exit_codes(tmp_path: Path) -> None:
    from eval.cli import app

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps(_report(**{"retrieval.recall@10": 0.9})))
    b.write_text(json.dumps(_report(**{"retrieval.recall@10": 0.5})))
    runner = CliRunner()
    assert runner.invoke(app, ["compare", str(a), str(a)]).exit_code == 0
    # A report with baselines compares against an old one without them.
    with_baselines = {**_report(**{"retrieval.recall@10": 0.9}), "baselines": {"bm25": {}}}
    c = tmp_path / "c.json"
    c.write_text(json.dumps(with_baselines))
    assert runner.invoke(app, ["compare", str(a), str(c)]).exit_code == 0
    worse = runner.invoke(app, ["compare", str(a), str(b)])
    assert worse.exit_code == 1 and "recall@10" in worse.output
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    assert runner.invoke(app, ["compare", str(a), str(bad)]).exit_code == 2
    assert runner.invoke(app, ["run", "--suite", "nope"]).exit_code == 2


def test_eval_cli_run_of_a_suite_whose_data_is_absent_exits_2(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A suite asked for and not run is no pass: CI must not read it as one."""
    from eval.cli import app

    monkeypatch.setenv("COPILOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "empty").mkdir()
    args = ["run", "--suite", "qmsum", "--datasets-dir", str(tmp_path / "empty")]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "skipped suite qmsum" in result.output and "val.jsonl not found" in result.output
    assert json.loads((tmp_path / "out" / "report.json").read_text())["status"] == "skipped"
