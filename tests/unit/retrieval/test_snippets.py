"""Search-result snippets (``retrieval.snippets``): windows, stems, offsets and escaping."""

from __future__ import annotations

import html
import re

import pytest

from retrieval.snippets import make_snippet, query_terms


def _visible(snippet_html: str) -> str:
    """The snippet's HTML with the <mark> tags removed and entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("Who asked about the pricing discounts?", ["ask", "pric", "discount"]),
        ("PRICING prices priced", ["pric"]),
        ("renewal renewals Renewal", ["renewal"]),
        ("the and of to", []),
        ("", []),
        ("a b c", []),  # single letters are dropped
        ("TCK-4471 #urgent", ["tck-4471", "urgent"]),
        ("quickly shipped boxes", ["quick", "shipp", "box"]),
        ("is", []),
        ("bus gas", ["bus", "gas"]),  # too short to lose a suffix
    ],
)
def test_query_terms(query: str, terms: list[str]) -> None:
    assert query_terms(query) == terms


def test_snippet_marks_terms_case_insensitively_with_stems() -> None:
    text = "Our PRICING changed; prices rose after the Pricing review."
    snip = make_snippet(text, "pricing", offset=0)
    assert [text[s:e] for s, e in snip.marks] == ["PRICING", "prices", "Pricing"]
    assert snip.html == (
        "Our <mark>PRICING</mark> changed; <mark>prices</mark> rose after the "
        "<mark>Pricing</mark> review."
    )
    assert snip.text == text and (snip.start, snip.end) == (0, len(text))


def test_snippet_marks_are_document_offsets() -> None:
    text = "The renewal is at risk; renewal owner is Dana."
    offset = 1234
    snip = make_snippet(text, "renewal risk", offset=offset)
    assert snip.start == offset and snip.end == offset + len(text)
    document = "x" * offset + text
    assert [document[s:e] for s, e in snip.marks] == ["renewal", "risk", "renewal"]


def test_snippet_html_is_escaped_and_only_marks_are_tags() -> None:
    text = 'x <script>alert("pwn")</script> & <b>renewal</b> it\'s'
    snip = make_snippet(text, "renewal script")
    assert "<script>" not in snip.html and "<b>" not in snip.html
    assert re.findall(r"<[^>]*>", snip.html) == ["<mark>", "</mark>"] * len(snip.marks)
    assert "&lt;<mark>script</mark>&gt;" in snip.html
    assert "&amp;" in snip.html and "&quot;" in snip.html
    assert _visible(snip.html) == snip.text == text  # plain text stays unescaped


def test_snippet_window_is_bounded_and_holds_the_densest_match() -> None:
    # "renewal" alone early; "renewal" and "pricing" together much later.
    text = "renewal " + "filler " * 80 + "renewal risk and pricing " + "filler " * 80
    snip = make_snippet(text, "renewal pricing", offset=10, max_chars=80)
    assert snip.end - snip.start <= 80
    assert snip.text.startswith("…") and snip.text.endswith("…")
    window = text[snip.start - 10 : snip.end - 10]
    assert snip.text == f"…{window}…"
    assert "renewal risk and pricing" in window
    assert [text[s - 10 : e - 10] for s, e in snip.marks] == ["renewal", "pricing"]
    assert all(snip.start <= s < e <= snip.end for s, e in snip.marks)
    assert _visible(snip.html) == snip.text


@pytest.mark.parametrize("query", ["", "the of and", "absent missing"])
def test_snippet_without_matches_is_the_leading_window_unmarked(query: str) -> None:
    text = "word " * 100
    snip = make_snippet(text, query, offset=7, max_chars=50)
    assert snip.marks == () and "<mark>" not in snip.html
    assert snip.start == 7 and snip.end - snip.start <= 50
    assert not snip.text.startswith("…") and snip.text.endswith("…")
    assert text.startswith(snip.text.removesuffix("…"))


def test_snippet_of_short_text_is_the_whole_text() -> None:
    snip = make_snippet("Short renewal note.", "renewal", max_chars=240)
    assert snip.text == "Short renewal note." and (snip.start, snip.end) == (0, 19)


@pytest.mark.parametrize("max_chars", [40, 60, 80, 120, 240])
def test_snippet_window_never_exceeds_max_chars(max_chars: int) -> None:
    text = " ".join(f"w{i}" for i in range(200)) + " renewal " + "z" * 500
    snip = make_snippet(text, "renewal", max_chars=max_chars)
    assert snip.end - snip.start <= max_chars
    assert len(snip.text) <= max_chars + 2  # plus the two ellipses


def test_snippet_window_keeps_the_match_when_lines_break_with_newlines() -> None:
    text = "a" * 100 + "\nrenewal risk is high " + "b " * 100
    snip = make_snippet(text, "renewal", max_chars=80)
    assert len(snip.marks) == 1
