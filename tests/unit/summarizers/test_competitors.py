"""The competitor list: names and aliases found in text, and ordinary words that are not.

How the offline summary cites competitors is tested in ``test_offline.py``.
"""

from __future__ import annotations

import pytest

from summarizers.competitors import find_competitors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We're also evaluating Initech for that region.", ["Initech"]),
        ("Acme Cloud quoted us 20% less.", ["Acme Cloud"]),
        ("They mentioned switching to Bluebird CRM next year.", ["Bluebird CRM"]),
        ("Leadership wants a side-by-side of you versus Pipedrive.", ["Pipedrive"]),
        ("The Dynamics 365 team is pushing hard.", ["Microsoft Dynamics"]),
        ("We moved off Zoho last year.", ["Zoho"]),
        ("We use monday.com for projects.", ["monday.com"]),
        ("We looked at Close and Copper.", ["Close", "Copper"]),
        ("Copper quoted us less.", ["Copper"]),
        # Unlisted vendors that past-tense or field phrasing vouches for.
        ("We trialed Tablewise back in 2024.", ["Tablewise"]),
        ("To be transparent, Quenta has re-quoted us below that.", ["Quenta"]),
        ("Tessaline came in about fifteen percent under you.", ["Tessaline"]),
        ("I heard Ostra's been out to site?", ["Ostra"]),
    ],
)
def test_competitors_from_list_and_patterns(text: str, expected: list[str]) -> None:
    assert [m.name for m in find_competitors(text)] == expected


@pytest.mark.parametrize(
    "text",
    [
        "Close the loop with procurement by Monday.",
        "Let's close this out on Monday.",
        "Our copper wiring is fine.",
        "Outreach to the admins went well.",
        "We already use Slack and Jira.",
        "The Salesforce sync has been failing.",
        "Counsel wants the governing law changed to Delaware.",
        "We are looking at Q3 for the rollout.",
        "Next Steps are on the Board agenda.",
        "Teams that moved off our old process love it.",
        "Dana Reyes will join from London.",
        "We piloted the new dashboards with our ops team.",
        "The Q3 numbers came in at plan.",
    ],
)
def test_no_competitor_in_ordinary_capitalised_words(text: str) -> None:
    assert find_competitors(text) == []


@pytest.mark.parametrize(
    "blob",
    [
        "A" * 100_000,  # a run of capitals
        "FooBar" * 16_000,  # CamelCase
        "K7QX2ZB4" * 12_000,  # a pasted base32 key
        "A." * 100_000,  # initials joined by dots (30 s through the API before)
        "A-" * 100_000,
        "Q&" * 100_000,
    ],
)
def test_a_long_run_of_letters_is_read_in_linear_time(blob: str) -> None:
    # Before: a name was tried from every capital of the run at every length, so 20,000
    # capitals took 20 s and 100,000 several minutes, holding the interpreter (every
    # other request of the process waited). The bound only tells a hang from a return;
    # the figures are in bench.summary_scaling.
    import threading

    found: list[object] = []
    text = f"Pat: here is the key {blob} and Procore has re-quoted us."
    worker = threading.Thread(target=lambda: found.append(find_competitors(text, [])), daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert found, "still scanning after 30 s: quadratic again"
    assert [m.name for m in found[0]] == ["Procore"]  # type: ignore[attr-defined]
