"""What a draft summary costs as its text grows, for ordinary and adversarial text.

A summary is computed on the request's thread, so text that takes superlinear time
stalls other users' requests: before 64ee72b, 20,000 dots took 15 s and
``"I'll send it by next " * 900`` 16 s, and until the fix after 6dcabb2 a run of 20,000
capital letters took 20 s. Each row doubles the size; the seconds should
roughly double too. The peer in the same run is an ordinary call transcript of the
same size (sentences of the sample CRM's calls).

    python -m bench.summary_scaling
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from bench.common import format_table
from summarizers.offline import summarize_text

NOW = datetime(2026, 10, 7, 15, tzinfo=UTC)
_TURNS = (
    "Ana: Thanks for making the time today. I'll send the revised quote by Friday.\n"
    "Pat: The price is above our budget for this year, and legal wants the DPA first.\n"
    "Ana: Understood. We can look at a multi-year discount if that helps.\n"
    "Pat: Maybe. We are also talking to Gong, so timing matters.\n"
)
_INPUTS = {
    "call transcript": _TURNS,
    "dots": ".",
    "repeated promise": "I'll send it by next ",
    "promises joined by and": "Ana will send it and I'll send it ",
    # A pasted key or base32 dump: before the fix after 6dcabb2 the competitor finder
    # tried a name from every capital at every length (20,000 capitals: 20 s).
    "run of capitals": "A",
}


def _seconds(text: str) -> float:
    started = time.perf_counter()
    summarize_text(text, kind="note", now=NOW)
    return time.perf_counter() - started


def main() -> None:
    sizes = (2_500, 5_000, 10_000, 20_000)
    rows = []
    for label, unit in _INPUTS.items():
        rows.append([label, *(f"{_seconds((unit * (n // len(unit) + 1))[:n]):.3f}" for n in sizes)])
    print(format_table(["input", *(f"{n:,} chars (s)" for n in sizes)], rows))


if __name__ == "__main__":
    main()
