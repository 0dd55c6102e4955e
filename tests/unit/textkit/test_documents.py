"""The structure of documents: call labels, ticket comments and an email's authored text.

The email table holds the cases each of the three former rule sets handled (chunking
for search, the offline summarizer and next-best-action evidence), so the one rule
that replaced them is seen to keep all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.texts import GMAIL, INTERLEAVED, OUTLOOK, OUTLOOK_HEADER_BLOCK
from textkit.documents import (
    authored_end,
    authored_ranges,
    comment_starts,
    label_line,
    label_line_starts,
    render_call_transcript,
    render_ticket,
    ticket_body_end,
)
from textkit.errors import TextError

# =========================================================================== calls


@pytest.mark.parametrize(
    ("transcript", "expected"),
    [
        ("Ana: hi\nBo: hello", "Ana: hi\nBo: hello"),
        (["Ana: hi", "Bo: hello"], "Ana: hi\nBo: hello"),
        (
            [{"speaker": "Ana", "text": "hi"}, {"speaker": "Bo", "text": "hello"}],
            "Ana: hi\nBo: hello",
        ),
        ([{"name": "Ana", "content": " hi "}], "Ana: hi"),
        (({"speaker": "Ana", "text": "hi"}, "Bo: hello"), "Ana: hi\nBo: hello"),
        ([{"text": "no speaker"}], "no speaker"),
        ([], ""),
    ],
)
def test_render_call_transcript(transcript, expected):
    assert render_call_transcript(transcript) == expected


@pytest.mark.parametrize(
    ("transcript", "message"),
    [
        ([42], "turn 0: expected a string or a mapping, got int"),
        (["Ana: hi", {"speaker": "Bo"}], "turn 1: no 'text' or 'content'"),
    ],
)
def test_render_call_transcript_rejects_bad_turns(transcript, message):
    # Was ChunkingError when the renderer lived in retrieval.chunking; the text layer
    # cannot raise a retrieval error, so it raises its own TextError (a ValueError too).
    with pytest.raises(TextError, match=message):
        render_call_transcript(transcript)


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("Ana: Hi.\nHow are you?\nNext steps:\n- call", [0, 22]),
        ("[00:00:05] Ana Lopez: Hi\n00:31 - Bo: Hey\nBo (Acme) (00:12): Yes", [0, 25, 41]),
        ("#Person1#: Hi\n#Person2#: Hello", [0, 14]),
        ("**Ana:** Hi\n**Bo:** Hello", [0, 12]),
        ("Ana:\r\nHello\r\nBo: Hi", [0, 13]),  # a label alone on its line opens a turn
        ("See https://example.com: done.\nno label here", []),
        ("Attendees: Ana, Bo\nAna: Hi", [0, 19]),  # metadata lines are labelled lines too
    ],
)
def test_label_line_starts(text: str, starts: list[int]) -> None:
    assert label_line_starts(text) == starts


def test_label_line_gives_the_label_and_where_the_body_starts() -> None:
    assert label_line("[00:12] Ana Lopez: Sounds good.") == ("Ana Lopez", 19)
    assert label_line("#Person1#: OK.") == ("#Person1#", 11)
    assert label_line("No label in this line.") is None


# =========================================================================== tickets


def test_ticket_comments_are_found_where_render_ticket_writes_them() -> None:
    at = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
    text = render_ticket("Login fails.", [("u1", at, "Checked."), ("u2", at, "Fixed.")])
    starts = comment_starts(text)
    assert [text[s : s + 16] for s in starts] == ["--- comment by u"] * 2
    assert text[: ticket_body_end(text)] == "Login fails."


def test_ticket_without_body_or_comments() -> None:
    at = datetime(2025, 1, 6, tzinfo=UTC)
    only_comment = render_ticket("", [("u1", at, "Only a comment.")])
    assert comment_starts(only_comment) == [2] and ticket_body_end(only_comment) == 0
    assert comment_starts("--- comment by u1 at 2025-01-06\nHi") == [0]
    assert ticket_body_end("Body only.") == len("Body only.")
    # The header counts only where render_ticket puts it: after a blank line.
    assert comment_starts("Body.\n--- comment by u1 at 2025-01-06\nHi") == []


# =========================================================================== emails


DRAFT = """\
Hi Pat,

Thanks for the time today. I'll send the updated order form by tomorrow.

Best,
Dana

On Mon, Oct 5, 2026 at 9:12 AM, Pat Buyer <pat@example.com> wrote:
> We're also evaluating HubSpot and the price is too high.
"""

# (id, email, its authored blocks). "was:" notes a case one of the old rule sets got
# wrong or did not handle; the unified rule handles it as shown.
EMAIL_CASES = [
    # --- the cases the chunking rule (search) handled
    (
        "gmail-reply-with-signoff",
        GMAIL,
        [
            "Hi Sarah,\n\nThanks for the call today. We reviewed the proposal with our CFO "
            "and 250 seats work.\nCould you send the updated order form by Friday?"
        ],
    ),
    (
        "outlook-original-message",
        OUTLOOK,
        [
            "Hello team,\nPlease find the renewal quote attached. "
            "Let me know if anything is unclear."
        ],
    ),
    ("outlook-from-sent-block", OUTLOOK_HEADER_BLOCK, ["Confirmed for Tuesday at 10."]),
    (
        "interleaved-quotes-and-dash-signature",
        INTERLEAVED,
        ["See my answers inline.", "It is 40 USD per month.", "Next Monday works."],
    ),
    (
        "gmail-header-wrapped",
        "Yes, let's go ahead.\n\nOn Mon, Jan 6, 2025 at 10:14 AM Sarah Kim <\n"
        "sarah.kim@acme.com> wrote:\n> Shall we sign?\n",
        ["Yes, let's go ahead."],
    ),
    (
        "gmail-header-glued-mid-line",
        "Works for me. On Mon, Jan 6, 2025 at 10:14 AM Bo <bo@x.com> wrote: > ping",
        ["Works for me."],
    ),
    (
        "german-header",
        "Passt.\n\nAm 06.01.2025 um 10:14 schrieb Bo Li <bo@x.com>:\n> ping",
        ["Passt."],
    ),
    (
        "sent-from-my-iphone",
        "Will do, talk tomorrow.\n\nSent from my iPhone\n\n> On Jan 6, Bo wrote:\n> ping\n",
        ["Will do, talk tomorrow."],
    ),
    (
        "signoff-with-name",
        "Can we move the call to 3pm?\nThanks, Ana",
        ["Can we move the call to 3pm?"],
    ),
    (
        "forward",
        "FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Legal "
        "<legal@globex.com>\nDate: Mon, Jan 6, 2025\nThe contract is approved.\n",
        ["FYI, see below."],
    ),
    (
        "thanks-as-content",
        "Thanks for the quick turnaround on the redlines.",
        ["Thanks for the quick turnaround on the redlines."],
    ),
    ("empty", "", []),
    # --- the cases the offline summarizer's rule handled
    (
        "draft-with-signoff-and-quoted-reply",
        DRAFT,
        ["Hi Pat,\n\nThanks for the time today. I'll send the updated order form by tomorrow."],
    ),
    (
        "opening-thanks-is-not-a-signoff",
        "Hi Pat,\n\nThanks!\n\nI will send the order form by Friday.\n\nBest,\nDana",
        ["Hi Pat,\n\nThanks!\n\nI will send the order form by Friday."],
    ),
    (
        # was (chunking): a sign-off above a bare quote holding a "?" stayed authored.
        "signoff-above-a-bare-quote",
        "Sounds good, see you Friday.\n\nThanks,\nAna\n\n> Can we meet Friday?\n> Bo",
        ["Sounds good, see you Friday."],
    ),
    (
        # was (chunking): a "--" line indented or with trailing spaces was text.
        "indented-dash-signature",
        "Will do.\n  --  \nAna Lopez\n",
        ["Will do."],
    ),
    (
        # was (chunking): a short sentence after an opening "Thanks!" read as a signature.
        "opening-thanks-then-one-short-sentence",
        "Thanks!\n\nI will send the order form by Friday.",
        ["Thanks!\n\nI will send the order form by Friday."],
    ),
    # --- the cases the next-best-action evidence rule handled
    (
        "original-message-alone",
        "Noted, thanks.\n-----Original Message-----\nHello?",
        ["Noted, thanks."],
    ),
    (
        # was (chunking): a header block needed "Sent:" or "Date:".
        "from-to-subject-block",
        "Forwarding this.\n\nFrom: Bo Li <bo@globex.com>\nTo: Ana\nSubject: Renewal\n\nQuote?",
        ["Forwarding this."],
    ),
    (
        # was (actions): any line starting "From: " ended the email, even in prose.
        "a-from-line-in-prose-is-text",
        "From: our side, the contract is ready.\nWe can sign on Friday.",
        ["From: our side, the contract is ready.\nWe can sign on Friday."],
    ),
    (
        # was (offline, actions): the first ">" line ended the email.
        "text-after-an-interleaved-quote",
        "Answers below.\n> Price?\n40 USD per seat.",
        ["Answers below.", "40 USD per seat."],
    ),
    (
        "forwarded-marker-with-trailing-text",
        "FYI.\n--- Forwarded message from Bo ---\nHi",
        ["FYI."],
    ),
]


@pytest.mark.parametrize(
    ("text", "blocks"), [pytest.param(text, blocks, id=name) for name, text, blocks in EMAIL_CASES]
)
def test_authored_ranges(text: str, blocks: list[str]) -> None:
    assert [text[s:e] for s, e in authored_ranges(text)] == blocks


@pytest.mark.parametrize(("name", "text", "blocks"), EMAIL_CASES, ids=[c[0] for c in EMAIL_CASES])
def test_authored_end_bounds_the_authored_blocks(name: str, text: str, blocks: list[str]) -> None:
    end = authored_end(text)
    assert all(e <= end for _, e in authored_ranges(text))


def test_authored_end_is_where_the_quote_or_sign_off_begins() -> None:
    assert GMAIL[authored_end(GMAIL) :].startswith("Best regards,\nTom Becker")
    assert DRAFT[authored_end(DRAFT) :].startswith("Best,\nDana")
    assert INTERLEAVED[authored_end(INTERLEAVED) :].startswith("--\nAna Lopez")


def test_all_quote_has_no_authored_text() -> None:
    text = "On Mon, Jan 6, 2025 at 10:14 AM Bo <bo@x.com> wrote:\n> Only a quote.\n"
    assert authored_ranges(text) == [] and authored_end(text) == 0


# ---- whose words: textkit.documents.spoken_sides


def _sides_of(text: str, **kwargs: object) -> list[tuple[str, str]]:
    from textkit.documents import spoken_sides

    return [(text[s:e], side) for s, e, side in spoken_sides(text, **kwargs)]  # type: ignore[arg-type]


def test_an_emails_own_text_is_its_authors_side_and_a_quoted_reply_nobodys() -> None:
    text = "We'd need 20% off list.\n\n> We can do 12% off list.\n\nBest,\nHelena"
    assert _sides_of(text, kind="email", direction="inbound") == [
        ("We'd need 20% off list.", "theirs")
    ]
    assert _sides_of("I can offer 12% off.", kind="email", direction="outbound") == [
        ("I can offer 12% off.", "ours")
    ]
    assert _sides_of(text, kind="email") == []  # no direction: nobody's


def test_a_calls_turns_are_ours_when_the_owner_speaks_and_theirs_otherwise() -> None:
    text = "Pat: Can you do 20% off?\nDana: I can offer 12%.\nThat holds to Friday.\nPat: OK."
    got = _sides_of(text, kind="call", owner="Dana Reyes", participants=("Dana Reyes", "Pat Buyer"))
    assert got == [
        ("Pat: Can you do 20% off?", "theirs"),
        ("Dana: I can offer 12%.\nThat holds to Friday.", "ours"),  # a turn's next line too
        ("Pat: OK.", "theirs"),
    ]
    # Offsets are the document's when the text is a chunk of it.
    from textkit.documents import spoken_sides

    assert spoken_sides("Dana: Hi there.", kind="call", offset=100, owner="Dana") == (
        (100, 115, "ours"),
    )


def test_a_call_whose_owner_is_not_heard_has_no_sides() -> None:
    text = "Pat: Can you do 20% off?\nLee: Let me check."
    assert _sides_of(text, kind="call", owner="Dana Reyes") == []
    assert _sides_of(text, kind="call") == []
    # A first name two participants share tells nobody apart.
    shared = "Dana: Hello.\nPat: Hi."
    assert (
        _sides_of(shared, kind="call", owner="Dana Reyes", participants=("Dana Reyes", "Dana Li"))
        == []
    )
