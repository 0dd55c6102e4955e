"""What a question asks for: its content terms, the names it requires, its answer type.

Pure string work over the text layer; the answer engine (:mod:`summarizers.answer.select`)
scores sentences with it.
"""

from __future__ import annotations

import re

from textkit.tokens import QUERY_STOPWORDS, terms, words

__all__ = [
    "answer_type",
    "is_pleasantry",
    "lookup_targets",
    "question_terms",
    "required_terms",
    "type_match",
]


def question_terms(text: str) -> list[str]:
    """Stems of the content words of ``text``, in order, without repeats.

    The text layer's :func:`textkit.tokens.terms` with the query stopwords.

    Example:
        >>> question_terms("What did Initech say about the SOC 2 reports?")
        ['initech', 'soc', '2', 'report']
    """
    return terms(text, stopwords=QUERY_STOPWORDS)


def required_terms(question: str) -> list[str]:
    """Stems of names, codes and numbers in ``question`` (its first word aside).

    Example:
        >>> required_terms("Who is our contact at NASA for TCK-10234?")
        ['nasa', 'tck-10234']
    """
    out: list[str] = []
    for n, (start, end) in enumerate(words(question)):
        word = question[start:end]
        named = n > 0 and word[0].isupper()
        if not (named or any(ch.isdigit() for ch in word)):
            continue
        for term in question_terms(word):
            if term not in out:
                out.append(term)
    return out


_QUOTED = re.compile(r"[\"“]([^\"”]{2,80})[\"”]")


def lookup_targets(question: str) -> list[str]:
    """Stems of codes (words with digits) and quoted phrases: what a lookup looks for.

    Example:
        >>> lookup_targets('Find mentions of "Lena Ferraro" and TCK-10234')
        ['lena', 'ferraro', 'tck-10234']
    """
    out: list[str] = []
    for phrase in _QUOTED.findall(question):
        out += [t for t in question_terms(phrase) if t not in out]
    for start, end in words(question):
        if any(ch.isdigit() for ch in question[start:end]):
            out += [t for t in question_terms(question[start:end]) if t not in out]
    return out


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}"
    r"|\b(?:january|february|march|april|june|july|august|september|october|november"
    r"|december)\b|\b\d{1,2}/\d{1,2}\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b"
    r"|\btomorrow\b|\b(?:next|this|last) (?:week|month|quarter|year)\b"
    r"|\bend of (?:the )?(?:week|month|quarter|year|[a-z]+)\b|\bq[1-4]\b|\b(?:19|20)\d{2}\b"
    r"|\bin \d+ (?:days?|weeks?|months?)\b",
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"[$€£]\s?\d|\b\d[\d,.]*\s?(?:%|k\b|m\b|seats?\b|users?\b|licen[cs]es?\b|percent\b"
    r"|dollars?\b|euros?\b)|\b\d[\d,.]*\b",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(?:because|due to|since|so that|as a result|reason|caused by|blocker|concern|"
    r"worried|need|requires?|unless)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][a-z]+")

_TYPE_RULES = (
    ("date", re.compile(r"\bwhen\b|\bwhat (?:date|day|time)\b|\bdeadline\b|\bby when\b")),
    (
        "amount",
        re.compile(
            r"\bhow (?:much|many|big|large|long)\b"
            r"|\bwhat(?:'s| is| was| are) the (?:price|cost|amount|budget|value|size)\b"
        ),
    ),
    ("person", re.compile(r"^\s*who\b|\bwho (?:is|owns|was|did|will|asked|said)\b")),
    ("name", re.compile(r"\bwhich (?:competitor|vendor|product|tool|plan|company|customer)s?\b")),
    ("reason", re.compile(r"^\s*(?:why|how)\b|\bwhat (?:is|was) blocking\b")),
)


def answer_type(question: str) -> str | None:
    """What kind of fact answers ``question``: date, amount, person, name, reason or None.

    Example:
        >>> answer_type("When does the Harborview contract renew?"), answer_type("Who owns it?")
        ('date', 'person')
    """
    q = question.lower()
    for kind, pattern in _TYPE_RULES:
        if pattern.search(q):
            return kind
    return None


def type_match(wants: str | None, text: str) -> float:
    """1.0 when ``text`` holds the kind of fact ``wants`` names, 0.0 when a date or an
    amount is wanted and absent, 0.5 when there is no type or it cannot be told."""
    if wants is None:
        return 0.5
    if wants == "date":
        return 1.0 if _DATE.search(text) else 0.0
    if wants == "amount":
        return 1.0 if _AMOUNT.search(text) else 0.0
    if wants in ("person", "name"):
        body = _without_speaker(text)
        return 1.0 if any(m.start() > 0 for m in _NAME.finditer(body)) else 0.5
    return 1.0 if _REASON.search(text) else 0.5


_SPEAKER = re.compile(r"^[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}:\s+")
_PLEASANTRY = re.compile(
    r"^(?:hi|hello|hey|dear|thanks|thank you|thx|many thanks|great|sounds good|perfect|"
    r"talk soon|best|regards|cheers|good (?:morning|afternoon|evening)|nice to|"
    r"appreciate|glad|looking forward|have a (?:good|great)|see you|bye|ok(?:ay)?|sure)\b",
    re.IGNORECASE,
)


# Attribution and header lines state who wrote or reported something, not a fact.
_BOILERPLATE = re.compile(
    r"^(?:-{2,}|reported by|sent from|from|to|cc|subject|date|on .{0,60} wrote)\b[: ]"
    r"|^-{2,}",
    re.IGNORECASE,
)


def _without_speaker(text: str) -> str:
    return _SPEAKER.sub("", text, count=1)


def is_pleasantry(text: str) -> bool:
    """A greeting, thanks, sign-off or attribution line: it never answers anything.

    Example:
        >>> is_pleasantry("Maya: Thanks for making the time today, Maya."), is_pleasantry(
        ...     "Thanks to the audit, the renewal moves to March 3.")
        (True, False)
        >>> is_pleasantry("Reported by Fiona Fischer (Sales Operations Manager, Meridian Retail).")
        True
    """
    body = _without_speaker(text)
    if _BOILERPLATE.match(body):
        return True
    if not _PLEASANTRY.match(body):
        return False
    # "Thanks, the renewal moves to March 3" carries a fact after the courtesy.
    return not (_DATE.search(body) or re.search(r"[$€£]\s?\d|\d", body)) or len(body) < 25
