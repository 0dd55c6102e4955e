"""Unit tests of retrieval.chunking: offsets, bounds, overlap and kind-aware units."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retrieval.chunking import (
    ChunkingError,
    Span,
    approx_tokens,
    call_units,
    chunk_document,
    email_units,
    pack,
    render_ticket,
    ticket_units,
    title_for_chunks,
)
from retrieval.errors import RetrievalError
from tests.texts import GMAIL, INTERLEAVED, OUTLOOK, OUTLOOK_HEADER_BLOCK


def words(text: str) -> int:
    return len(text.split())


def texts(content: str, spans: list[Span]) -> list[str]:
    return [content[s.start : s.end] for s in spans]


def assert_well_formed(content: str, spans: list[Span], *, max_tokens: int, count=words) -> None:
    """Offsets exact and trimmed, never empty, within budget, strictly moving forward."""
    for span in spans:
        assert 0 <= span.start < span.end <= len(content)
        text = content[span.start : span.end]
        assert text == text.strip() and text
        assert count(text) <= max_tokens, text
    for prev, nxt in zip(spans, spans[1:], strict=False):
        assert nxt.start > prev.start and nxt.end > prev.end


# --------------------------------------------------------------------------- rendering


def test_render_ticket_and_its_units():
    at1 = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
    at2 = datetime(2025, 1, 7, 8, 0, tzinfo=UTC)
    content = render_ticket(
        "SSO login fails for all users. It started after the certificate rotation!",
        [
            ("u1", at1, "Checked the IdP logs.\n\nThe certificate fingerprint differs."),
            ("u2", at2, "Rotated back. Fixed."),
        ],
    )
    assert content == (
        "SSO login fails for all users. It started after the certificate rotation!"
        "\n\n--- comment by u1 at 2025-01-06T09:30:00+00:00\n"
        "Checked the IdP logs.\n\nThe certificate fingerprint differs."
        "\n\n--- comment by u2 at 2025-01-07T08:00:00+00:00\nRotated back. Fixed."
    )
    assert texts(content, ticket_units(content)) == [
        "SSO login fails for all users.",
        "It started after the certificate rotation!",
        "--- comment by u1 at 2025-01-06T09:30:00+00:00\n"
        "Checked the IdP logs.\n\nThe certificate fingerprint differs.",
        "--- comment by u2 at 2025-01-07T08:00:00+00:00\nRotated back. Fixed.",
    ]


def test_ticket_without_body_or_comments():
    at = datetime(2025, 1, 6, tzinfo=UTC)
    content = render_ticket("", [("u1", at, "Only a comment.")])
    assert texts(content, ticket_units(content)) == [
        "--- comment by u1 at 2025-01-06T00:00:00+00:00\nOnly a comment."
    ]
    assert ticket_units("") == []
    assert texts("Body only.", ticket_units("Body only.")) == ["Body only."]


def test_ticket_comment_is_never_split_when_it_fits():
    at = datetime(2025, 1, 6, tzinfo=UTC)
    comment = "First sentence here. Second sentence here. Third sentence here."
    content = render_ticket(
        "Body one. Body two. Body three.", [("u1", at, comment), ("u2", at, comment)]
    )
    spans = chunk_document("ticket", content, max_tokens=16, overlap_tokens=4, count_tokens=words)
    assert_well_formed(content, spans, max_tokens=16)
    for unit in ticket_units(content)[3:]:
        # Every chunk either contains the comment whole or does not touch it.
        for s in spans:
            assert (
                s.end <= unit.start
                or s.start >= unit.end
                or (s.start <= unit.start and s.end >= unit.end)
            )


# --------------------------------------------------------------------------- email


GMAIL_WRAPPED = """Yes, let's go ahead.

On Mon, Jan 6, 2025 at 10:14 AM Sarah Kim <
sarah.kim@acme.com> wrote:
> Shall we sign?
"""

MOBILE = "Will do, talk tomorrow.\n\nSent from my iPhone\n\n> On Jan 6, Bo wrote:\n> ping\n"

INLINE_SIGNOFF = "Can we move the call to 3pm?\nThanks, Ana"

FORWARD = """FYI, see below.

---------- Forwarded message ---------
From: Legal <legal@globex.com>
Date: Mon, Jan 6, 2025
The contract is approved.
"""


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            GMAIL,
            [
                "Hi Sarah,",
                "Thanks for the call today.",
                "We reviewed the proposal with our CFO and 250 seats work.",
                "Could you send the updated order form by Friday?",
            ],
            id="gmail-reply-with-signoff",
        ),
        pytest.param(
            OUTLOOK,
            [
                "Hello team,\nPlease find the renewal quote attached.",
                "Let me know if anything is unclear.",
            ],
            id="outlook-original-message",
        ),
        pytest.param(
            OUTLOOK_HEADER_BLOCK, ["Confirmed for Tuesday at 10."], id="outlook-from-sent-block"
        ),
        pytest.param(
            INTERLEAVED,
            [
                "See my answers inline.",
                "It is 40 USD per month.",
                "Next Monday works.",
            ],
            id="interleaved-quotes-and-dash-signature",
        ),
        pytest.param(GMAIL_WRAPPED, ["Yes, let's go ahead."], id="gmail-header-wrapped"),
        pytest.param(MOBILE, ["Will do, talk tomorrow."], id="sent-from-my-iphone"),
        pytest.param(INLINE_SIGNOFF, ["Can we move the call to 3pm?"], id="signoff-with-name"),
        pytest.param(FORWARD, ["FYI, see below."], id="forward"),
        pytest.param(
            "Thanks for the quick turnaround on the redlines.",
            ["Thanks for the quick turnaround on the redlines."],
            id="thanks-as-content",
        ),
        pytest.param("", [], id="empty"),
    ],
)
def test_email_units_keep_only_authored_text(content, expected):
    units = email_units(content)
    assert texts(content, units) == expected


def test_email_chunks_never_include_quoted_or_signature_text():
    for content in (GMAIL, OUTLOOK, OUTLOOK_HEADER_BLOCK, INTERLEAVED, MOBILE):
        chunks = texts(content, chunk_document("email", content, max_tokens=200))
        joined = "\n".join(chunks)
        for leaked in (
            "wrote:",
            "> ",
            "Original Message",
            "From:",
            "Best regards",
            "Sent from",
            "Account Executive",
            "Does Tuesday work?",
        ):
            assert leaked not in joined


def test_interleaved_quote_is_never_inside_a_chunk():
    spans = chunk_document("email", INTERLEAVED, max_tokens=200, overlap_tokens=10)
    assert texts(INTERLEAVED, spans) == [
        "See my answers inline.",
        "It is 40 USD per month.",
        "Next Monday works.",
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "On Mon, Jan 6, 2025 at 10:14 AM Bo <bo@x.com> wrote:\n> Only a quote.\n",
            ["On Mon, Jan 6, 2025 at 10:14 AM Bo <bo@x.com> wrote:\n> Only a quote."],
        ),
        ("--\nAna Lopez", ["--\nAna Lopez"]),
        ("  \n\n ", []),
        ("", []),
    ],
)
def test_email_that_is_all_quote_falls_back_to_whole_content(content, expected):
    assert texts(content, chunk_document("email", content)) == expected


# --------------------------------------------------------------------------- call

CALL = """Discovery call with Globex
[00:00:05] Sarah Kim: Thanks for joining. Let's start with your current setup.
[00:00:20] Tom Becker: We track everything in spreadsheets.
It is painful, honestly, and we lose deals.
00:01:02 - Sarah Kim: Understood.
Tom (00:01:10): What does pricing look like?
Sarah: About 40 USD per seat."""


def test_call_units_are_speaker_turns():
    assert texts(CALL, call_units(CALL)) == [
        "Discovery call with Globex",
        "[00:00:05] Sarah Kim: Thanks for joining. Let's start with your current setup.",
        "[00:00:20] Tom Becker: We track everything in spreadsheets.\n"
        "It is painful, honestly, and we lose deals.",
        "00:01:02 - Sarah Kim: Understood.",
        "Tom (00:01:10): What does pricing look like?",
        "Sarah: About 40 USD per seat.",
    ]


def test_call_notes_without_speakers_split_into_sentences():
    notes = "Met Tom at the expo. He wants pricing, e.g. the enterprise tier.\n\nBudget: Q3."
    assert texts(notes, call_units(notes)) == [
        "Met Tom at the expo.",
        "He wants pricing, e.g. the enterprise tier.",
        "Budget: Q3.",
    ]


@pytest.mark.parametrize("max_tokens", [12, 20, 30, 60])
def test_speaker_turns_are_never_split(max_tokens):
    turns = [
        f"Speaker{i % 3}: " + " ".join(f"w{i}_{j}" for j in range(3 + i % 7)) for i in range(40)
    ]
    content = "\n".join(turns)
    spans = chunk_document(
        "call",
        content,
        max_tokens=max_tokens,
        overlap_tokens=max_tokens // 3,
        count_tokens=words,
    )
    assert_well_formed(content, spans, max_tokens=max_tokens)
    starts = {u.start for u in call_units(content)}
    ends = {u.end for u in call_units(content)}
    for s in spans:
        assert s.start in starts and s.end in ends


def test_turn_longer_than_budget_is_split_with_overlap():
    content = "Ana: " + " ".join(f"word{i}" for i in range(100)) + "\nBo: Short reply."
    spans = chunk_document("call", content, max_tokens=20, overlap_tokens=5, count_tokens=words)
    assert_well_formed(content, spans, max_tokens=20)
    assert texts(content, spans)[-1].endswith("Bo: Short reply.")
    assert all(b.start < a.end for a, b in zip(spans, spans[1:], strict=False))


# --------------------------------------------------------------------------- packing


def sentence_doc(n: int) -> str:
    return " ".join(f"Sentence number {i} has six words." for i in range(n))


def test_pack_respects_budget_and_overlaps():
    content = sentence_doc(30)
    units = call_units(content)  # no speakers: one unit per sentence
    spans = pack(content, units, max_tokens=20, overlap_tokens=7, count_tokens=words)
    assert_well_formed(content, spans, max_tokens=20)
    assert len(spans) > 1
    for prev, nxt in zip(spans, spans[1:], strict=False):
        overlap = content[nxt.start : prev.end]
        assert nxt.start < prev.end and words(overlap) <= 7
    assert spans[0].start == 0 and spans[-1].end == len(content)


def test_pack_without_overlap_tiles_the_content():
    content = sentence_doc(30)
    spans = pack(content, call_units(content), max_tokens=20, overlap_tokens=0, count_tokens=words)
    assert_well_formed(content, spans, max_tokens=20)
    for prev, nxt in zip(spans, spans[1:], strict=False):
        assert content[prev.end : nxt.start].isspace()


def test_pack_fills_chunks_despite_special_token_overhead():
    # A tokenizer counts [CLS] and [SEP] on every call; summing per-unit counts must not
    # charge them once per unit, or chunks come out far smaller than the budget.
    def with_specials(text: str) -> int:
        return words(text) + 2

    content = " ".join(f"a{i} b{i} c." for i in range(12))
    spans = pack(
        content, call_units(content), max_tokens=14, overlap_tokens=0, count_tokens=with_specials
    )
    assert_well_formed(content, spans, max_tokens=14, count=with_specials)
    assert [words(t) for t in texts(content, spans)] == [12, 12, 12]


def test_pack_bound_holds_for_whitespace_sensitive_counters():
    content = "Alpha beta.          Gamma delta.\n\n\n\n\n\nEpsilon zeta.   Eta theta."
    spans = pack(content, call_units(content), max_tokens=30, overlap_tokens=12, count_tokens=len)
    assert_well_formed(content, spans, max_tokens=30, count=len)


def test_pack_counts_each_unit_about_once():
    calls = 0

    def counting(text: str) -> int:
        nonlocal calls
        calls += 1
        return words(text)

    content = sentence_doc(2000)
    units = call_units(content)
    spans = pack(content, units, max_tokens=50, overlap_tokens=10, count_tokens=counting)
    assert calls <= len(units) + len(spans) + 1


def test_short_document_costs_one_count_beyond_the_overhead():
    seen: list[str] = []

    def counting(text: str) -> int:
        seen.append(text)
        return words(text)

    content = "Login fails. Since Monday. For everyone."
    assert texts(content, chunk_document("ticket", content, count_tokens=counting)) == [content]
    assert seen == ["", content]


@pytest.mark.parametrize(("max_tokens", "overlap_tokens"), [(3, 0), (4, 3), (12, 11)])
def test_huge_word_with_a_special_token_counter(max_tokens, overlap_tokens):
    def chars_with_specials(text: str) -> int:
        return len(text) + 2

    content = "y" * 500
    spans = chunk_document(
        "email",
        content,
        max_tokens=max_tokens,
        overlap_tokens=overlap_tokens,
        count_tokens=chars_with_specials,
    )
    assert_well_formed(content, spans, max_tokens=max_tokens, count=chars_with_specials)
    assert spans[0].start == 0 and spans[-1].end == len(content)


def test_budget_below_the_counters_overhead_is_an_error():
    with pytest.raises(ChunkingError, match="max_tokens 2 leaves no room for text"):
        chunk_document(
            "call",
            "Ana: hi",
            max_tokens=2,
            overlap_tokens=0,
            count_tokens=lambda text: words(text) + 2,
        )


def test_pack_trims_units_and_drops_blank_ones():
    content = "  one two  \n\n   \n three  "
    units = [Span(0, 11), Span(11, 18), Span(18, len(content))]
    assert texts(
        content, pack(content, units, max_tokens=2, overlap_tokens=0, count_tokens=words)
    ) == ["one two", "three"]


@pytest.mark.parametrize(
    "units",
    [[Span(5, 9), Span(0, 4)], [Span(0, 6), Span(4, 9)], [Span(0, 99)]],
    ids=["out-of-order", "overlapping", "out-of-range"],
)
def test_pack_rejects_bad_units(units):
    with pytest.raises(ChunkingError, match="ordered and in range"):
        pack("abcd efghi", units, max_tokens=5, overlap_tokens=0)


@pytest.mark.parametrize(
    ("kind", "max_tokens", "overlap_tokens", "message"),
    [
        ("memo", 200, 32, "unknown document kind 'memo'"),
        ("email", 0, 0, "max_tokens must be at least 1, got 0"),
        ("call", 10, 10, r"overlap_tokens must be in \[0, 10\), got 10"),
        ("ticket", 10, -1, r"overlap_tokens must be in \[0, 10\), got -1"),
    ],
)
def test_chunk_document_rejects_bad_arguments(kind, max_tokens, overlap_tokens, message):
    with pytest.raises(ChunkingError, match=message) as info:
        chunk_document(kind, "text", max_tokens=max_tokens, overlap_tokens=overlap_tokens)
    assert isinstance(info.value, ValueError) and isinstance(info.value, RetrievalError)


@pytest.mark.parametrize(
    ("count_tokens", "max_tokens", "overlap_tokens"),
    [(approx_tokens, 200, 32), (approx_tokens, 50, 0), (len, 100, 20), (len, 1, 0)],
)
@pytest.mark.parametrize("kind", ["email", "call", "ticket"])
def test_one_huge_word_makes_forward_progress(kind, count_tokens, max_tokens, overlap_tokens):
    content = "prefix " + "x" * 10_000 + " suffix"
    spans = chunk_document(
        kind,
        content,
        max_tokens=max_tokens,
        overlap_tokens=overlap_tokens,
        count_tokens=count_tokens,
    )
    assert_well_formed(content, spans, max_tokens=max_tokens, count=count_tokens)
    assert spans[0].start == 0 and spans[-1].end == len(content)
    for prev, nxt in zip(spans, spans[1:], strict=False):
        # Contiguous coverage: nothing but whitespace is ever left between chunks.
        assert nxt.start <= prev.end or content[prev.end : nxt.start].isspace()


def wordpiece_like(text: str) -> int:
    """Like BERT's WordPiece: [CLS] and [SEP], a word over 100 characters one [UNK]."""
    return 2 + sum(1 if len(w) > 100 else -(-len(w) // 4) for w in text.split())


@pytest.mark.parametrize("kind", ["email", "call", "ticket"])
def test_a_word_the_tokenizer_counts_as_one_unknown_is_still_cut(kind):
    # 100,000 characters the tokenizer counts as 3 tokens: it used to be one chunk.
    content = "Pat: here is the key " + "Q" * 100_000 + " and the rest."
    spans = chunk_document(
        kind, content, max_tokens=200, overlap_tokens=32, count_tokens=wordpiece_like
    )
    assert_well_formed(content, spans, max_tokens=200, count=wordpiece_like)
    assert max(s.end - s.start for s in spans) <= 200 * 24
    assert len(spans) >= 100_000 // (200 * 24)
    assert spans[0].start <= content.index("Q") and spans[-1].end == len(content)


def test_ordinary_text_is_chunked_by_its_token_count_alone():
    content = " ".join(["renewal"] * 400)  # 7 characters a word: far from the floor
    by_count = chunk_document(
        "email", content, max_tokens=50, overlap_tokens=0, count_tokens=wordpiece_like
    )
    assert [s.end - s.start for s in by_count][:1] == [len(" ".join(["renewal"] * 24))]


def test_approx_tokens():
    assert [approx_tokens("x" * n) for n in (0, 1, 3, 4, 16, 17)] == [0, 1, 1, 2, 5, 6]


def test_span_rejects_negative_ranges():
    with pytest.raises(ChunkingError):
        Span(5, 4)


# --------------------------------------------------------------------------- properties

_ALPHABET = "abcdefgh ABC  \n\n..!?>-:,0123"
_FRAGMENTS = st.sampled_from(
    [
        "Ana: ",
        "[00:01:02] Bo Li: ",
        "\n> quoted line\n",
        "\nOn Mon, Jan 6 Bo wrote:\n",
        "\n-- \n",
        "\nBest regards,\nAna\n",
        "\n\n--- comment by u1 at 2025-01-06\n",
        "e.g. ",
        "\n- item\n",
        "\u2026 ",
        "\r\n",
    ]
)
_CONTENT = st.lists(st.one_of(st.text(_ALPHABET, max_size=80), _FRAGMENTS), max_size=30).map(
    "".join
)


def words_with_specials(text: str) -> int:
    return words(text) + 2


_COUNTERS = st.sampled_from([words, approx_tokens, len, words_with_specials])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(["email", "call", "ticket"]),
    content=_CONTENT,
    max_tokens=st.integers(1, 40),
    overlap_ratio=st.floats(0, 0.99),
    count_tokens=_COUNTERS,
)
def test_chunks_are_exact_bounded_and_cover_every_unit(
    kind, content, max_tokens, overlap_ratio, count_tokens
):
    overlap_tokens = int(max_tokens * overlap_ratio)
    if count_tokens("") >= max_tokens:
        with pytest.raises(ChunkingError, match="leaves no room"):
            chunk_document(
                kind,
                content,
                max_tokens=max_tokens,
                count_tokens=count_tokens,
                overlap_tokens=overlap_tokens,
            )
        return
    spans = chunk_document(
        kind,
        content,
        max_tokens=max_tokens,
        overlap_tokens=overlap_tokens,
        count_tokens=count_tokens,
    )
    assert_well_formed(content, spans, max_tokens=max_tokens, count=count_tokens)

    units_of = {"email": email_units, "call": call_units, "ticket": ticket_units}[kind]
    units = units_of(content) or ([Span(0, len(content))] if kind == "email" else [])
    covered = bytearray(len(content))
    for s in spans:
        covered[s.start : s.end] = b"\x01" * (s.end - s.start)
    for u in units:
        for i in range(u.start, u.end):
            assert covered[i] or content[i].isspace(), (u, i)


# --------------------------------------------------------------------------- the title's share


def test_a_short_title_is_kept_whole_without_being_counted() -> None:
    calls: list[str] = []

    def counting(text: str) -> int:
        calls.append(text)
        return approx_tokens(text)

    assert title_for_chunks("Pricing call", max_tokens=200, count_tokens=counting) == "Pricing call"
    assert calls == []


@pytest.mark.parametrize("max_tokens", [16, 64, 200, 512])
def test_a_long_title_is_cut_at_a_word_to_its_share_and_never_counted_whole(
    max_tokens: int,
) -> None:
    title = "Re: quarterly pricing review " * 10_000  # about 300 KB
    longest: list[int] = []

    def counting(text: str) -> int:
        longest.append(len(text))
        return approx_tokens(text)

    cut = title_for_chunks(title, max_tokens=max_tokens, count_tokens=counting)
    assert 0 < approx_tokens(cut) <= max(1, max_tokens // 4)
    assert title.startswith(cut) and title[len(cut)] == " "
    assert max(longest) <= max_tokens * 24
    assert len(longest) <= 16


def test_a_title_of_one_over_long_word_is_cut_inside_it() -> None:
    cut = title_for_chunks("x" * 5000, max_tokens=200)
    assert cut == "x" * len(cut) and 0 < approx_tokens(cut) <= 50


def test_the_title_share_must_be_a_fraction() -> None:
    with pytest.raises(ChunkingError, match="share must be in"):
        title_for_chunks("t", max_tokens=200, share=0)
