"""Words, stems and stopwords: the one tokenizer and the one stemmer of the project.

* :func:`words` / :func:`tokenize`: runs of letters and digits joined by inner
  apostrophes ("we'll"); a hyphenated run that holds a digit is one word, a code such as
  ``TCK-10234`` or ``SKU-AX200``, while other hyphens separate words ("follow", "up").
* :func:`tokenize_compounds`: a second, named word rule for the eval's meeting-answer
  labels, where a hyphenated compound ("follow-up") is one word and digits are not words.
* :func:`stem`: a light suffix stripper shared by search snippets, answers, summaries,
  actions and the eval metrics.
* Stopword sets, one per purpose, each saying why it differs: :data:`STOPWORDS`,
  :data:`QUERY_STOPWORDS`, :data:`EVAL_STOPWORDS`, :data:`MEETING_REPORT_STOPWORDS`.

Example:
    >>> content_tokens("We need the revised quotes by Friday")
    ['need', 'revis', 'quot', 'friday']
    >>> terms("Find the SOC 2 reports for TCK-10234")
    ['soc', '2', 'report', 'tck-10234']
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "EVAL_STOPWORDS",
    "MEETING_REPORT_STOPWORDS",
    "QUERY_STOPWORDS",
    "QUOTED_PHRASE",
    "STOPWORDS",
    "content_tokens",
    "fold",
    "stem",
    "terms",
    "tokenize",
    "tokenize_compounds",
    "wordlist",
    "words",
]


def wordlist(text: str) -> list[str]:
    """The whitespace-separated words of a literal: long word lists read better as prose.

    Example:
        >>> wordlist("renewal pricing\\n    SOC")
        ['renewal', 'pricing', 'SOC']
    """
    return text.split()


# A code first (a hyphenated run with a digit somewhere in it), else a word.
_WORD = re.compile(r"(?=[\w-]*\d)[^\W_]+(?:-[^\W_]+)+|[^\W_]+(?:['\u2019][^\W_]+)*")
# tokenize_compounds' word: ASCII letters, inner hyphens and straight apostrophes kept.
_COMPOUND_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*[A-Za-z]")

#: A phrase in straight or curly double quotes (2-80 characters): what a search or a
#: question wants matched as written.
QUOTED_PHRASE = re.compile(r"[\"\u201c]([^\"\u201d]{2,80})[\"\u201d]")

#: What summaries and actions compute salience and similarity on: English function
#: words, contractions and the fillers of conversation ("um", "like", "know", "lot").
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
_CONTRACTIONS = frozenset(w for w in STOPWORDS if "'" in w)

#: Search queries and questions (snippets, offline answers). Smaller than STOPWORDS on
#: purpose: a question is short and may ask about a word a conversation uses as filler
#: ("one", "lot", "before", "most"), so only function words, contractions and search
#: verbs ("find everything that mentions ...") go.
QUERY_STOPWORDS: frozenset[str] = _CONTRACTIONS | frozenset(
    wordlist(
        """a an and are as at be been being am but by can could did do does for from had has
        have how i if in into is it its me my of on or our she he they their them there this
        that these those to was we were what when where which who whom why will with would
        should you your about any all also just than then so not no yes get got tell know
        said say says us the find everything anything mention mentions show please
        regarding"""
    )
)

#: The eval metrics' (term coverage, token F1, grounding). A copy, not QUERY_STOPWORDS,
#: on purpose: tuning the engine's query words must not move a metric. Change it only
#: with a note that scores before and after are not comparable.
EVAL_STOPWORDS: frozenset[str] = _CONTRACTIONS | frozenset(
    wordlist(
        """a an and are as at be been being am but by can could did do does for from had has
        have how i if in into is it its me my of on or our she he they their them there this
        that these those to was we were what when where which who whom why will with would
        you your about any all also just than then so not no yes get got tell know said say
        says us the find everything anything mention mentions show please regarding"""
    )
)

#: Words a report about a meeting uses about any meeting ("discussed", "team"), so they
#: say nothing about this one: the eval's QMSum labels pick salient answer words
#: without them.
MEETING_REPORT_STOPWORDS: frozenset[str] = frozenset(
    wordlist(
        """a about above after again against all also although among an and any are around
        as at be because been before being below between both but by can could did does
        doing down during each either else etc even ever every few for from further had has
        have having he her here hers him his how however i if in into is it its itself just
        like many may me might more most much must my neither no nor not now of off often on
        once one only or other others our out over own per quite rather really same shall
        she should since so some such than that the their theirs them then there these they
        this those though through thus to too under until up upon us very via was we well
        were what when where whether which while who whom whose why will with within without
        would yet you your able agreed also asked believed came come decided described
        discussed discussion explained felt first group included including indicated meeting
        members mentioned next noted pointed presented proposed raised regarding said say
        says seemed since speaker stated suggested talked team think thought told went whole
        wanted want use used using things thing need needed needs lot kind sort way ways part
        make made get got"""
    )
)


def words(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the words of ``text[start:end]`` (see the module docstring for a word).

    Example:
        >>> text = "We'll send TCK-10234 as a follow-up."
        >>> [text[s:e] for s, e in words(text)]
        ["We'll", 'send', 'TCK-10234', 'as', 'a', 'follow', 'up']
    """
    stop = len(text) if end is None else end
    return [m.span() for m in _WORD.finditer(text, start, stop)]


def fold(word: str) -> str:
    """``word`` lower-cased, without accents and in its plain form: a rep types "zurich"
    or "nestle" for Zürich or Nestlé, and an input method may type full-width letters.

    Example:
        >>> [fold(w) for w in ("Zürich", "Nestlé", "\uff28\uff41\uff52\uff42\uff4f\uff52", "SOC")]
        ['zurich', 'nestle', 'harbor', 'soc']
    """
    if word.isascii():
        return word.lower()
    plain = unicodedata.normalize("NFKD", word)
    return "".join(c for c in plain if not unicodedata.combining(c)).lower()


def tokenize(text: str) -> list[str]:
    """Lower-cased words (:func:`fold`), curly apostrophes folded to straight ones.

    Example:
        >>> tokenize("We\\u2019ll send 2 quotes to Zoë.")
        ["we'll", 'send', '2', 'quotes', 'to', 'zoe']
    """
    return [fold(m.group()).replace("\u2019", "'") for m in _WORD.finditer(text)]


def tokenize_compounds(text: str) -> list[str]:
    """Lower-cased words of two or more ASCII letters, inner hyphens and apostrophes kept.

    A second word rule, on purpose, for one purpose: the QMSum answer-term labels of the
    eval (``eval.datasets.answer_terms``) pick salient words of a human answer with it.
    There a compound ("follow-up", "single-curved", "Irranca-Davies") is one salient
    term and numbers are never one, where :func:`tokenize` splits the compound and keeps
    digits. Switching the labels to :func:`tokenize` changes 23 of QMSum's 235 labelled
    answers, so scores before and after would not be comparable; change it only with a
    note saying so.

    Example:
        >>> tokenize_compounds("A follow-up on the 2 SOC-2 reports, don't wait")
        ['follow-up', 'on', 'the', 'soc', 'reports', "don't", 'wait']
    """
    return [m.group().lower() for m in _COMPOUND_WORD.finditer(text)]


def stem(token: str) -> str:
    """A light suffix stripper for a lower-cased token, so word forms share one key.

    In order: a possessive ``'s`` goes; ``-ies`` becomes ``-y``; then one of ``-ing``,
    ``-ed``, ``-es``, ``-s`` (not after s, u or i: "class", "status", "analysis") or
    ``-ly`` (not in "-ply", "-ily") goes, leaving at least three letters (four for
    ``-ly``); a word that lost none of them loses a final ``e``. So "quote", "quotes",
    "quoted" and "quoting" are all "quot". Short words are left alone.

    Example:
        >>> [stem(t) for t in ("quotes", "quote", "priced", "companies", "class", "weekly")]
        ['quot', 'quot', 'pric', 'company', 'class', 'week']
    """
    token = token.removesuffix("'s")
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    for suffix in ("ing", "ed", "es"):
        if len(token) - len(suffix) >= 3 and token.endswith(suffix):
            return token[: -len(suffix)]
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    if len(token) > 5 and token.endswith("ly") and not token.endswith(("ply", "ily")):
        return token[:-2]
    if len(token) > 3 and token.endswith("e"):
        return token[:-1]
    return token


def content_tokens(text: str) -> list[str]:
    """Stemmed tokens without :data:`STOPWORDS`: what similarity and salience use.

    Repeats are kept, in text order.

    Example:
        >>> content_tokens("We need the revised quotes by Friday")
        ['need', 'revis', 'quot', 'friday']
    """
    return [stem(t) for t in tokenize(text) if t not in STOPWORDS and len(t) > 1]


def terms(
    text: str, *, stopwords: frozenset[str] = QUERY_STOPWORDS, min_chars: int = 1
) -> list[str]:
    """Stems of the words of ``text`` outside ``stopwords``, in order, without repeats.

    Args:
        text: A question, a query, a quote or an answer.
        stopwords: The purpose's set: :data:`QUERY_STOPWORDS` for the engine,
            :data:`EVAL_STOPWORDS` for the metrics.
        min_chars: Shorter words are dropped (snippets drop single letters).

    Example:
        >>> terms("What did Initech say about the SOC 2 reports?")
        ['initech', 'soc', '2', 'report']
        >>> terms("a b c renewals", min_chars=2)
        ['renewal']
    """
    out: list[str] = []
    for token in tokenize(text):
        if len(token) < min_chars or token in stopwords:
            continue
        stemmed = stem(token)
        if stemmed not in out:
            out.append(stemmed)
    return out
