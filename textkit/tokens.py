"""Words, stems and stopwords: the one tokenizer of the project.

Every function indexes or reads the original text; nothing is normalised in place.

Example:
    >>> content_tokens("We need the revised quotes by Friday")
    ['need', 'revis', 'quote', 'friday']
"""

from __future__ import annotations

import re

__all__ = ["STOPWORDS", "content_tokens", "stem", "tokenize", "wordlist", "words"]


def wordlist(text: str) -> list[str]:
    """The whitespace-separated words of a literal: long word lists read better as prose.

    Example:
        >>> wordlist("renewal pricing\\n    SOC")
        ['renewal', 'pricing', 'SOC']
    """
    return text.split()


_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*")

STOPWORDS: frozenset[str] = frozenset(
    wordlist(
        """a about above after again against all also am an and any are aren't as at be because
        been before being below between both but by can can't cannot could couldn't did
        didn't do does doesn't doing don't down during each few for from further had hadn't
        has hasn't have haven't having he he'd he'll he's her here here's hers herself him
        himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself
        just let's me more most mustn't my myself no nor not of off on once only or other
        ought our ours ourselves out over own same shan't she she'd she'll she's should
        shouldn't so some such than that that's the their theirs them themselves then there
        there's these they they'd they'll they're they've this those through to too under
        until up very was wasn't we we'd we'll we're we've were weren't what what's when
        when's where where's which while who who's whom why why's will with won't would
        wouldn't you you'd you'll you're you've your yours yourself yourselves yes yeah okay
        ok um uh oh really actually just well also maybe get got going go gonna want like
        know think thing things lot bit one s t ve ll re d m"""
    )
)


def words(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the words of ``text[start:end]`` (letters and digits, inner apostrophes).

    Example:
        >>> text = "We'll send it."
        >>> [text[s:e] for s, e in words(text)]
        ["We'll", 'send', 'it']
    """
    stop = len(text) if end is None else end
    return [m.span() for m in _WORD.finditer(text, start, stop)]


def tokenize(text: str) -> list[str]:
    """Lower-cased words, curly apostrophes folded to straight ones.

    Example:
        >>> tokenize("We\\u2019ll send 2 quotes.")
        ["we'll", 'send', '2', 'quotes']
    """
    return [m.group().lower().replace("\u2019", "'") for m in _WORD.finditer(text)]


def stem(token: str) -> str:
    """A light suffix stripper, so "quotes", "quoted" and "quote" share one key.

    Example:
        >>> [stem(t) for t in ("quotes", "priced", "pricing", "companies", "class")]
        ['quote', 'pric', 'pric', 'company', 'class']
    """
    token = token.removesuffix("'s")
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 5 and token.endswith("ing"):
        return token[:-3]
    if len(token) > 4 and token.endswith("ed"):
        return token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def content_tokens(text: str) -> list[str]:
    """Stemmed tokens without stopwords: what similarity and salience are computed on.

    Example:
        >>> content_tokens("We need the revised quotes by Friday")
        ['need', 'revis', 'quote', 'friday']
    """
    return [stem(t) for t in tokenize(text) if t not in STOPWORDS and len(t) > 1]
