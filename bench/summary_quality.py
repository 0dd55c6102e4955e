"""Summary quality and latency of the offline call-summary engine, against lead-3.

Run it from the repository root (needs the ``rouge-score`` package)::

    .venv/bin/python -m bench.summary_quality              # all 500 DialogSum dev dialogues
    .venv/bin/python -m bench.summary_quality --limit 100

It prints plain tables and writes the same figures to ``bench/out/summary_quality.json``.

What is measured:

1. **ROUGE-1/2/L F1** (``rouge-score``, Porter stemming) of ``CallSummary.summary.text``
   from :func:`summarizers.offline.summarize_text` against the human reference summary of
   each DialogSum dialogue, next to **lead-3**, the first three turns of the dialogue,
   computed in the same run. Both are rendered the same way: ``Speaker: text`` with the
   speaker written once per run of sentences by the same speaker, whitespace collapsed.
   Because DialogSum references name speakers as ``#Person1#`` (which ROUGE tokenises
   to ``person1``), a second pair of rows scores both systems with the speaker tags
   removed, so the tags cannot flatter either side.
2. **Latency** of one ``summarize_text`` call per dialogue (p50/p95/mean/max), and of
   ``summarize_call`` over every call of ``copilot.sample.generate(7, docs_per_org=200)``.

DialogSum references are third-person and abstractive ("#Person2# has trouble
breathing. The doctor ..."), while the engine is extractive and built for sales calls,
so modest ROUGE is expected; the comparison that matters is against lead-3. The engine
was designed on CRM calls; this file only measures it and nothing was tuned to it.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from bench.common import OUT_DIR, format_table, latency
from copilot.sample import generate
from retrieval.chunking import render_call_transcript
from summarizers.models import CallSummary, SourceDocument
from summarizers.offline import summarize_call, summarize_text
from textkit.sentences import segment

DEFAULT_DATA = Path("/work/shared/datasets/dialogsum/dialogsum.dev.jsonl")
# DialogSum has no dates; any fixed instant keeps the run deterministic.
_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
_METRICS = ("rouge1", "rouge2", "rougeL")
_SPEAKER_TAG = re.compile(r"#Person\d+#:\s*")


def _squash(text: str) -> str:
    return " ".join(text.split())


def lead3(dialogue: str, *, turns: int = 3) -> str:
    """The first ``turns`` turns, rendered as the engine renders its summary."""
    parts: list[str] = []
    previous: str | None = None
    seen: list[int] = []
    for s in segment(dialogue):
        if s.turn not in seen:
            if len(seen) == turns:
                break
            seen.append(s.turn)
        sentence = _squash(dialogue[s.start : s.end])
        if s.speaker and s.speaker != previous:
            sentence = f"{s.speaker}: {sentence}"
        previous = s.speaker
        parts.append(sentence)
    return " ".join(parts)


def without_speakers(summary: CallSummary) -> str:
    """The engine's summary as its cited sentences only, with no speaker labels."""
    return " ".join(_squash(c.quote) for c in summary.summary.citations)


def _mean_f1(scorer: Any, refs: Sequence[str], hyps: Sequence[str]) -> dict[str, float]:
    totals = dict.fromkeys(_METRICS, 0.0)
    for ref, hyp in zip(refs, hyps, strict=True):
        scores = scorer.score(ref, hyp)
        for metric in _METRICS:
            totals[metric] += scores[metric].fmeasure
    return {m: 100.0 * totals[m] / max(1, len(refs)) for m in _METRICS}


def _mean_words(texts: Sequence[str]) -> float:
    return sum(len(t.split()) for t in texts) / max(1, len(texts))


def _timed(fn: Callable[[], CallSummary]) -> tuple[CallSummary, float]:
    started = time.perf_counter()
    out = fn()
    return out, (time.perf_counter() - started) * 1000.0


def _sample_call_latencies(docs_per_org: int) -> list[float]:
    crm = generate(7, docs_per_org=docs_per_org)
    samples = []
    for rec in crm.records:
        if rec["type"] != "call":
            continue
        doc = SourceDocument(
            document_id=rec["id"],
            kind="call",
            title=rec["title"],
            content=render_call_transcript(rec["transcript"]),
            occurred_at=datetime.fromisoformat(rec["occurred_at"].replace("Z", "+00:00")),
            participants=tuple(rec.get("participants", ())),
        )
        samples.append(_timed(partial(summarize_call, doc))[1])
    return samples


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="DialogSum JSON Lines")
    parser.add_argument("--limit", type=int, default=None, help="first N dialogues only")
    parser.add_argument("--sample-docs", type=int, default=200, help="docs_per_org for latency")
    parser.add_argument("--out", type=Path, default=OUT_DIR / "summary_quality.json")
    args = parser.parse_args(argv)

    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise SystemExit("needs rouge-score: .venv/bin/pip install rouge-score") from None

    rows = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines()]
    rows = rows[: args.limit] if args.limit else rows
    refs, ours, ours_plain, leads, leads_plain, times_ms = [], [], [], [], [], []
    for row in rows:
        dialogue = row["dialogue"]
        summary, ms = _timed(partial(summarize_text, dialogue, kind="call", now=_NOW))
        times_ms.append(ms)
        refs.append(row["summary"])
        ours.append(summary.summary.text)
        ours_plain.append(without_speakers(summary))
        lead = lead3(dialogue)
        leads.append(lead)
        leads_plain.append(_squash(_SPEAKER_TAG.sub("", lead)))

    scorer = rouge_scorer.RougeScorer(list(_METRICS), use_stemmer=True)
    results = {
        "offline (speaker tags)": (_mean_f1(scorer, refs, ours), _mean_words(ours)),
        "lead-3 (speaker tags)": (_mean_f1(scorer, refs, leads), _mean_words(leads)),
        "offline (no tags)": (_mean_f1(scorer, refs, ours_plain), _mean_words(ours_plain)),
        "lead-3 (no tags)": (_mean_f1(scorer, refs, leads_plain), _mean_words(leads_plain)),
    }
    print(f"DialogSum dev, N = {len(rows)} dialogues; ROUGE F1 x 100 (rouge-score, stemmed)")
    print(f"reference summaries: {_mean_words(refs):.1f} words on average\n")
    print(
        format_table(
            ["system", "R-1", "R-2", "R-L", "words"],
            [[name, s["rouge1"], s["rouge2"], s["rougeL"], w] for name, (s, w) in results.items()],
        )
    )

    dialog_latency = latency(times_ms)
    call_latency = latency(_sample_call_latencies(args.sample_docs))
    print("\nlatency per summary (ms)\n")
    print(
        format_table(
            ["input", "n", "p50", "p95", "mean", "max"],
            [
                ["DialogSum dialogue", lat.n, lat.p50_ms, lat.p95_ms, lat.mean_ms, lat.max_ms]
                if name == "dialogsum"
                else ["sample CRM call", lat.n, lat.p50_ms, lat.p95_ms, lat.mean_ms, lat.max_ms]
                for name, lat in (("dialogsum", dialog_latency), ("sample", call_latency))
            ],
        )
    )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "n": len(rows),
        "data": str(args.data),
        "rouge_f1_x100": {
            name: {**{m: round(v, 2) for m, v in s.items()}, "words": round(w, 1)}
            for name, (s, w) in results.items()
        },
        "latency_ms": {
            "dialogsum": dialog_latency.as_dict(),
            "sample_calls": call_latency.as_dict(),
        },
    }
    args.out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
