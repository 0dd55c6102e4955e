"""The one tokenizer, the one stemmer and the named stopword sets."""

from __future__ import annotations

import pytest

from textkit.tokens import (
    EVAL_STOPWORDS,
    MEETING_REPORT_STOPWORDS,
    QUERY_STOPWORDS,
    STOPWORDS,
    content_tokens,
    stem,
    terms,
    tokenize,
    wordlist,
    words,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We'll send it.", ["We'll", "send", "it"]),
        ("We\u2019ll send it", ["We\u2019ll", "send", "it"]),
        ("TCK-10234, SKU-AX200 and PX-9", ["TCK-10234", "SKU-AX200", "and", "PX-9"]),
        ("a follow-up on the e-signature", ["a", "follow", "up", "on", "the", "e", "signature"]),
        ("Müller's café, naïve", ["Müller's", "café", "naïve"]),
        ("snake_case and acme.com", ["snake", "case", "and", "acme", "com"]),
        ("24/7 and 2-3 weeks", ["24", "7", "and", "2-3", "weeks"]),
        ("", []),
    ],
)
def test_words(text: str, expected: list[str]) -> None:
    assert [text[s:e] for s, e in words(text)] == expected


def test_words_of_a_slice_are_offsets_into_the_whole_text() -> None:
    text = "Hi Ana. Send the quote."
    assert [text[s:e] for s, e in words(text, 8, 16)] == ["Send", "the"]


def test_tokenize_lowercases_and_folds_curly_apostrophes() -> None:
    assert tokenize("We\u2019ll send TCK-10234") == ["we'll", "send", "tck-10234"]


@pytest.mark.parametrize(
    ("forms", "key"),
    [
        (("quote", "quotes", "quoted", "quoting"), "quot"),
        (("price", "prices", "priced", "pricing", "PRICING".lower()), "pric"),
        (("company", "companies", "company's"), "company"),
        (("renewal", "renewals"), "renewal"),
        (("box", "boxes"), "box"),
        (("class", "classes"), "class"),
        (("sign", "signed", "signs", "signing"), "sign"),
        (("weekly", "week", "weeks"), "week"),
        (("quickly",), "quick"),
        (("shipped",), "shipp"),
        (("initech's", "initech"), "initech"),
    ],
)
def test_stem_gives_word_forms_one_key(forms: tuple[str, ...], key: str) -> None:
    assert {stem(f) for f in forms} == {key}


@pytest.mark.parametrize(
    "word",
    ["bus", "gas", "is", "status", "analysis", "need", "thing", "early", "reply", "family", "use"],
)
def test_stem_leaves_short_and_exceptional_words_alone(word: str) -> None:
    assert stem(word) == word


def test_content_tokens_drop_stopwords_and_fillers_and_keep_repeats() -> None:
    assert content_tokens("Um, we need the quote, like, the quote by Friday") == [
        "need",
        "quot",
        "quot",
        "friday",
    ]


def test_terms_are_ordered_stems_without_repeats() -> None:
    assert terms("What did Initech say about the SOC 2 reports?") == [
        "initech",
        "soc",
        "2",
        "report",
    ]
    assert terms("Renewal renewals RENEWAL") == ["renewal"]
    assert terms("a b c renewals", min_chars=2) == ["renewal"]
    assert terms("What's Initech's plan?") == ["initech", "plan"]  # contractions are stopwords


def test_each_purpose_set_differs_on_purpose() -> None:
    # Questions may ask about words a conversation uses as filler.
    assert {"one", "lot", "like", "think"} <= STOPWORDS
    assert not {"one", "lot", "like", "think"} & QUERY_STOPWORDS
    assert terms("Which deal has one lot?") == ["deal", "one", "lot"]
    # Search verbs are not what a question is about.
    assert {"find", "mention", "everything"} <= QUERY_STOPWORDS
    # The metrics' set is its own copy: engine tuning ("should") does not reach it.
    assert "should" in QUERY_STOPWORDS and "should" not in EVAL_STOPWORDS
    assert terms("the SOC 2 reports", stopwords=EVAL_STOPWORDS) == ["soc", "2", "report"]
    # Words any meeting report uses.
    assert {"discussed", "team", "meeting"} <= MEETING_REPORT_STOPWORDS


def test_wordlist() -> None:
    assert wordlist("renewal pricing\n    SOC") == ["renewal", "pricing", "SOC"]
