"""What a question asks for: its content terms, the names it requires, its answer type.

Pure string work over the text layer; the answer engine (:mod:`summarizers.answer.select`)
scores sentences with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from summarizers.answer.amounts import amount_match
from summarizers.answer.written import ABSOLUTE_DATE, DATE, new_matches, states_new
from summarizers.competitors import find_competitors
from textkit.tokens import QUERY_STOPWORDS, QUOTED_PHRASE, terms, wordlist, words

__all__ = [
    "answer_type",
    "asked_side",
    "content_names",
    "is_pleasantry",
    "lookup_targets",
    "named_after_preposition",
    "opens_with_pronoun",
    "names_beyond",
    "question_terms",
    "required_terms",
    "type_match",
    "wants_competitor",
]


def question_terms(text: str) -> list[str]:
    """Stems of the content words of ``text``, in order, without repeats.

    The text layer's :func:`textkit.tokens.terms` with the query stopwords.

    Example:
        >>> question_terms("What did Initech say about the SOC 2 reports?")
        ['initech', 'soc', '2', 'report']
    """
    return terms(text, stopwords=QUERY_STOPWORDS)


#: Capitalised words that name a role, not someone or something: "the new ops VP" is
#: answered by "she's now starting April 27" in a record that never writes "VP".
_ROLE_TITLES = frozenset(
    {"vp", "svp", "evp", "avp", "ceo", "cfo", "cto", "cio", "coo", "cmo", "cro", "ciso", "gm"}
    | {"hr", "it"}  # a department
)


def required_terms(question: str) -> list[str]:
    """Stems of names, codes and numbers in ``question`` (its first word aside), but
    role titles ("CFO", "VP"), which say who is meant without naming them.

    Example:
        >>> required_terms("Who is our contact at NASA for TCK-10234?")
        ['nasa', 'tck-10234']
        >>> required_terms("When does the new VP at Orrin Valley start?")
        ['orrin', 'valley']
    """
    out: list[str] = []
    spans = words(question)
    for n, (start, end) in enumerate(spans):
        word = question[start:end]
        named = n > 0 and word[0].isupper() and word.lower() not in _ROLE_TITLES
        if not (named or _is_code(question, spans, n)):
            continue
        for term in question_terms(word):
            if term not in out:
                out.append(term)
    return out


def names_beyond(question: str, names: Iterable[str]) -> bool:
    """Whether ``question`` names someone or something (a capitalised word after its
    first) besides ``names``: a person, say, whom a record may be with though its
    text never names them.

    Example:
        >>> names_beyond("What did Gwen say about Pellham's rollout?", ["Pellham Cold Chain"])
        True
        >>> names_beyond("When does Pellham renew in 2027?", ["Pellham Cold Chain"])
        False
    """
    known = {t for name in names for t in question_terms(name)}
    return any(
        t not in known and not any(ch.isdigit() for ch in t) for t in required_terms(question)
    )


# Where a question names the customer it is about: "at X", "with X" (typed "w/ X" or
# "w X"), "from X", "for X", "about X", and "any update on (the) X".
_AFTER_PREPOSITION = re.compile(
    r"(?:\b(?:at|with|from|for|about|w)\b/?"
    r"|\b(?:updates?|news|word|latest|status|progress|movement)\s+on(?:\s+the)?)"
    r"\s+(?=([A-Za-z][\w'\u2019-]{3,}))",
    re.I,
)


def named_after_preposition(question: str) -> list[str]:
    """The words right after "at", "with" ("w/"), "from", "for", "about" or "any update
    on (the)" (lower-cased, not stopwords): where a question names the customer it asks
    about, in whatever case it was typed.

    Example:
        >>> named_after_preposition("any update from granite fork on the pilot quote?")
        ['granite']
        >>> named_after_preposition("what price did we end up at with brackenridge's team?")
        ['brackenridge']
        >>> named_after_preposition("whats the latest w granite bay, any open tickets for quillon?")
        ['granite', 'quillon']
        >>> named_after_preposition("any news on the corvane suites oven lease? it's late")
        ['corvane']
        >>> named_after_preposition("how much did i say the add-on costs")
        []
    """
    out: list[str] = []
    for m in _AFTER_PREPOSITION.finditer(question):
        word = m.group(1).lower().replace("\u2019", "'").removesuffix("'s").strip("'-")
        # A code ("about SKU-FM250") is looked up as a code, not as a customer's name.
        code = any(ch.isdigit() or ch == "_" for ch in word)
        if len(word) >= 4 and not code and word not in QUERY_STOPWORDS and word not in out:
            out.append(word)
    return out


def lookup_targets(question: str) -> list[str]:
    """Stems of codes (words with digits) and quoted phrases: what a lookup looks for.

    Example:
        >>> lookup_targets('Find mentions of "Lena Ferraro" and TCK-10234')
        ['lena', 'ferraro', 'tck-10234']
    """
    out: list[str] = []
    for phrase in QUOTED_PHRASE.findall(question):
        out += [t for t in question_terms(phrase) if t not in out]
    spans = words(question)
    for n, (start, end) in enumerate(spans):
        if _is_code(question, spans, n):
            out += [t for t in question_terms(question[start:end]) if t not in out]
    return out


def _is_code(question: str, spans: list[tuple[int, int]], n: int) -> bool:
    """Whether the ``n``-th word of ``question`` is a code or a number a record must write
    as the question does ("TCK-10234", "phase 2", "net 30"): a word with a digit, but a
    bare number before a word that is not a stopword ("on a 2 yr term", "the 36
    trucks"). That is a quantity, which a record may write in words or units of its own
    ("two-year", "24-month"), and whose digits any date may hold ("March 2")."""
    start, end = spans[n]
    word = question[start:end]
    if not any(ch.isdigit() for ch in word):
        return False
    if not word.isdigit() or n + 1 == len(spans):
        return True
    after = question[spans[n + 1][0] : spans[n + 1][1]]
    between = question[end : spans[n + 1][0]]
    return bool(between.strip()) or not after.isalpha() or after.lower() in QUERY_STOPWORDS


# A name question about the competition: its answer is a competitor, which the
# competitor list or competitive phrasing vouches for (summarizers.competitors), not any
# capitalised word ("Kofi Delacroix, our new head of procurement").
_WANTS_COMPETITOR = re.compile(
    r"\b(?:competitors?|competition|competing|rivals?|alternatives?|up against|incumbent"
    r"|current (?:[\w-]+ )?(?:vendor|provider|supplier|solution|system|tool|platform)"
    r"|(?:demo|demos|trial|pilot|quote|proposal) from"
    r"|(?:other|another) (?:vendor|provider|supplier|solution|tool|platform|option)s?"
    r"|(?:besides|other than|instead of|rather than) us"
    r"|compar(?:e|es|ed|ing) us|(?:weigh|weighs|weighed|weighing) us|shortlist(?:ed)?"
    r"|(?:evaluat\w*|look(?:ed|ing)? at|talk(?:ed|ing)? to|consider\w*|trial\w*)"
    r" (?:anyone|anybody|someone|somebody) else)\b"
)
_WHO = re.compile(r"^\s*who\b|\bwho (?:else|are|is)\b")
# A name question about what a product lacks or should do: its answer is a capability
# ("field-level permissions"), rarely a capitalised name, so a name in the sentence does
# not tell ("Wes Adeyemi, our VP of Finance, will join").
_WANTS_CAPABILITY = re.compile(
    r"\b(?:capabilit(?:y|ies)|features?|functionality|enhancements?|functions?)\b"
)
_REASON = re.compile(
    r"\b(?:because|due to|since|so that|as a result|reason|caused by|blocker|concern|"
    r"worried|need|requires?|unless|turned out|traced (?:it )?to)\b",
    re.IGNORECASE,
)
_NAME = re.compile(r"\b[A-Z][a-z]+")
_FULL_NAME = re.compile(r"\b[A-Z][a-z]+ [A-Z][a-z]+(?:-[A-Z][a-z]+)?\b")
# Capitalized words that are not names of people, companies or products.
_NOT_NAMES = frozenset(
    wordlist(
        """i monday tuesday wednesday thursday friday saturday sunday january february march
        april may june july august september october november december"""
    )
)

# Cue words of each answer type, general English rather than any corpus's phrasing: the
# first rule that matches wins, so "why" and "when" come before the nouns.
_TYPE_RULES = (
    (
        "reason",
        re.compile(
            r"(?:^|[-\u2013\u2014,:;?.!]\s)\s*why\b|\bhow come\b"
            r"|\bwhat (?:is|was|are) (?:blocking|causing)\b"
            r"|\bfor what reason\b|\bwhat (?:caused|causes|led to)\b"
        ),
    ),
    (
        "date",
        re.compile(
            r"\bwhen\b|\b(?:what|which) (?:date|day|time|week|month|quarter)\b|\bdeadline\b"
            r"|\bby when\b|\bhow soon\b|\buntil when\b|\btimeline\b|\bdate\b"
        ),
    ),
    (
        "code",
        re.compile(
            r"\b(?:which|what)(?:'s| is| was| are)? (?:[\w-]+ ){0,2}"
            r"(?:invoice|bill|billing document|ticket|case|order"
            r"|po|sku|part number|reference number|reference|id)s?\b"
        ),
    ),
    (
        "amount",
        re.compile(
            r"\bhow (?:much|many|big|large|long|steep|high|low|deep|often|far|old)\b"
            # "whats the lowest i can go", "what floor did she approve", "whats my floor"
            r"|\b(?:what|which)(?:'s| is| was)?(?: the| my| our| their)? (?:lowest|highest|floor"
            r"|minimum|maximum|max|min)\b"
            # A rep's shorthand: "lowest i can go on halloway?", "larchmont floor?",
            # "ironbridge floor per user", "kilnbrook floor all in"
            r"|\b(?:lowest|least) (?:i|we|you) (?:can|could) go\b"
            r"|\bfloor(?: price)?(?:\s*\?|\s*$| per\b| on\b| all[- ]in\b| for\b)"
            # A price someone came in at, a ballpark
            r"|\b(?:come|came|coming|comes) in at\b|\bballpark\b"
            # Where a negotiation came out: "where did we land on the renewal price?",
            # "where did we end up on price with harrow creek", "where do we stand on fees"
            r"|\bwhere\b.*\b(?:land(?:ed)?|end(?:ed)? up|settled?|c[oa]me out|stand|at)\b"
            r".*\b(?:price|prices|pricing|cost|rate|fees?|discount|quote|amount|budget|value"
            r"|total)\b"
            r"|\b(?:what|which)(?:'s| is| was| are| were| will be)?(?: the| their| our| its| a)?"
            r" (?:[\w'\u2019-]+ ){0,3}(?:price|prices|pricing|cost|costs|amount|budget|value|size"
            r"|discount"
            r"|percentage|percent|dollars?|fee|fees|rate|total|figure|ceiling|threshold|quote"
            r"|limit|cap|quota"
            r"|spend|reduction|markdown|headcount|seats|number|increase|uplift)\b"
            r"|\b(?:share|percentage|number) of\b|\bworth\b|\bwhat will [\w' -]+ pay\b"
            r"|\bwhat (?:does|do|did|will|would|are|is|were|was) [\w'&. -]+ (?:cost|pay|paying"
            r"|charge|charging|counter|bid|bidding|quote|quoted|quoting|offering)\b(?! attention)"
            # "what's applied charging pemberton per seat", "what's fivetran quoting them"
            r"|\bwhat(?:'s| is| are| were| was) [\w'&. -]+ (?:paying|charging|quoting|bidding"
            r"|offering)\b(?! attention)"
            # A price asked as a noun phrase, with no verb: "gold plan price per resort we
            # quoted marisco", "total value of the ashby lease", "castellan per user rate"
            r"|^(?!.*\b(?:do|does|did|is|are|was|were|will|would|can|could|should|has|have"
            r"|had|if)\b).*\b(?:price|pricing|value|cost|rate|total|fee|budget)\b"
        ),
    ),
    (
        "person",
        re.compile(
            r"(?:^|[-\u2013\u2014,:;?.!]\s)\s*(?:who|whom|whose)\b"
            r"|\bwho (?:is|owns|was|did|will|asked|said|at)\b"
            r"|\b(?:which|what) (?:person|contact|colleague|rep|champion|stakeholder"
            r"|executive|sponsor|manager|director|engineer|lawyer|buyer)\b"
            r"|\bname of (?:[\w'-]+ ){0,6}(?:person|contact|counsel|director|manager|officer"
            r"|lead|head|champion|sponsor|owner|rep|engineer|lawyer|buyer|executive|cfo|cto"
            r"|ceo|cio|coo|cmo|cro|ciso|vp|svp|evp|president|chief|founder|analyst"
            r"|administrator|architect|coordinator|specialist)\b"
        ),
    ),
    (
        "name",
        re.compile(
            r"\b(?:which|what)(?: other)? (?:[\w-]+ )?(?:competitor|rival|vendor|alternative"
            r"|product|tool|plan|company|customer|application|app|system|integration|platform"
            r"|module|add-on|addon|software|provider|partner|solution|capability|feature"
            r"|functionality)(?:s|'s)?\b"
        ),
    ),
    (
        "reason",
        re.compile(
            r"^\s*how\b"
            r"|\bwhat(?:['\u2019]?s| is| was) (?:the )?(?:[\w-]+ )?(?:reason|problem|issue|cause)\b"
        ),
    ),
)


# Whose move a question asks about, when it asks about an offer or an ask: "What
# discount did we put on the table?" is answered by our words, "How big a discount was
# Initech pushing us for?" by theirs (textkit.documents.sides tells whose words).
_OUR_MOVE = re.compile(
    r"\b(?:did|do|does|will|would|can|could|should|have|has|had|are|were|was|is)\s+(?:we|i)"
    r"\s+(?:\w+\s+)?(?:offer|quot|propos|put|give|gave|agree|commit|promis|sign|approv"
    r"|extend|pitch|table|float|counter|land)\w*"
    r"|\b(?:we|i)\s+(?:offered|quoted|proposed|put|gave|agreed|committed|promised|signed"
    r"|approved|extended|pitched|floated|countered|landed)\b"
    r"|\bour (?:offer|quote|proposal|counter(?:offer)?|counter-offer)\b"
)
_THEIR_MOVE = re.compile(
    r"\b(?:ask|push|press|angl|lobby|request|demand|hop)(?:e|es|s|ed|ing)?\s+(?:us\s+)?(?:for|to)\b"
    r"|\btrying to get (?:us )?(?:to|down)\b"
    r"|\btheir (?:ask|request|counter(?:offer)?|counter-offer|demand|target)\b"
)
_WE = re.compile(r"\b(?:we|i|our|ours)\b")
_TWO_QUESTIONS = re.compile(r"\b(?:and|vs\.?|versus)\s+(?:what|how|which|when|who|whether)\b")


def asked_side(question: str) -> str | None:
    """``"ours"`` when ``question`` asks about an offer or a promise of ours, ``"theirs"``
    when about an ask or a request of the customer's, None otherwise (most questions:
    a fact is a fact whoever states it).

    Example:
        >>> asked_side("What discount did we put on the table?")
        'ours'
        >>> asked_side("How big a discount was Initech pushing us for?")
        'theirs'
        >>> asked_side("What is Initech's budget?") is None
        True
        >>> asked_side("What would they pay, and what concession did we put forward?") is None
        True
    """
    q = question.lower()
    if _TWO_QUESTIONS.search(q):
        return None  # "what did we offer and what did they ask for?": both sides
    if _OUR_MOVE.search(q):
        return "ours"
    if _THEIR_MOVE.search(q) and not _WE.search(q):
        return "theirs"
    return None


def wants_competitor(question: str) -> bool:
    """Whether ``question`` asks about the competition (a competitor, the incumbent, the
    other vendor in the running).

    Example:
        >>> wants_competitor("Who's their current telematics vendor at Pellham?")
        True
    """
    return bool(_WANTS_COMPETITOR.search(question.lower()))


# A question word's contraction typed without its apostrophe ("whats the lowest price").
_BARE_CONTRACTION = re.compile(r"\b(what|when|where|who|how|why|that)s\b")


def _spelled_out(question: str) -> str:
    """``question`` (lower-cased) with "whats" read as "what's", "whens" as "when's"."""
    return _BARE_CONTRACTION.sub(r"\1's", question.replace("\u2019", "'"))


def answer_type(question: str) -> str | None:
    """What kind of fact answers ``question``: date, amount, code, person, name, reason or
    None.

    Example:
        >>> answer_type("When does the Harborview contract renew?"), answer_type("Who owns it?")
        ('date', 'person')
        >>> answer_type("Which bill is Initech contesting?"), answer_type("Which rival is in?")
        ('code', 'name')
    """
    q = _spelled_out(question.lower())
    if _WANTS_COMPETITOR.search(q) and _WHO.search(q):
        return "name"  # "Who are we up against?": a competitor, not a person
    for kind, pattern in _TYPE_RULES:
        if pattern.search(q):
            return kind
    return None


_CODE = re.compile(
    r"\b(?=[A-Za-z0-9-]*\d)(?=[A-Za-z0-9-]*[A-Za-z])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+\b"
    r"|\b[A-Z]{2,}\d+\b"
)


def type_match(wants: str | None, text: str, question: str = "") -> float:
    """1.0 when ``text`` holds the kind of fact ``wants`` names, 0.0 when a date, an amount
    or a code is wanted and absent, 0.5 when there is no type or it cannot be told.

    A value the question itself states does not count: the answer to "Which rival is
    Initech comparing us with?" names some company other than Initech.
    """
    if wants is None:
        return 0.5
    asked = question.lower()
    if wants == "date":
        # A relative date ("by Friday", "next week") answers "when" as well as a
        # calendar one: reps write commitments that way.
        return 1.0 if states_new(DATE, text, asked) else 0.0
    if wants == "amount":
        return amount_match(text, asked)
    if wants == "code":
        return 1.0 if states_new(_CODE, text, asked) else 0.0
    if wants == "name" and _WANTS_CAPABILITY.search(asked):
        return 0.5
    if wants == "name" and _WANTS_COMPETITOR.search(asked):
        body = _without_speaker(text)
        rivals = [m for m in find_competitors(body) if m.name.lower() not in asked]
        return 1.0 if rivals else 0.5
    if wants in ("person", "name"):
        # A person is named by a first and a last name; a product or a company may be
        # one word. The speaker label of a turn is who talks, not what is said.
        pattern = _FULL_NAME if wants == "person" else _NAME
        # "- Could you…": a list item's first word opens its sentence, and names nobody
        # (the same marker :func:`content_names` strips).
        body = _without_speaker(text.lstrip("-*• "))
        names = [
            m
            for m in new_matches(pattern, body, asked)
            if m.start() > 0 and m.group(0).split()[0].lower() not in _NOT_NAMES
        ]
        return 1.0 if names else 0.5
    return 1.0 if _REASON.search(text) else 0.5


def states_calendar_date(text: str, question: str = "") -> bool:
    """Whether ``text`` holds a calendar date the question does not, not only a weekday or
    a relative one: what a contract's end is written as; a weekday is usually a promise.

    Example:
        >>> states_calendar_date("Our contract is up on March 20.")
        True
        >>> states_calendar_date("I'll send the renewal paperwork over by Wednesday.")
        False
    """
    return states_new(ABSOLUTE_DATE, text, question.lower())


_SPEAKER = re.compile(r"^[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,3}:\s+")
_PLEASANTRY = re.compile(
    r"^(?:hi|hello|hey|dear|thanks|thank you|thx|many thanks|great|sounds good|perfect|"
    r"talk soon|best|regards|cheers|good (?:morning|afternoon|evening)|nice to|"
    r"appreciate|glad|looking forward|have a (?:good|great)|see you|bye|ok(?:ay)?|sure)\b",
    re.IGNORECASE,
)


# Attribution and header lines state who wrote or reported something, not a fact.
_BOILERPLATE = re.compile(
    # A header word counts with its colon only: "To get this across the line we'd need
    # 20% off" is a sentence, "To: pat@initech.example" a header.
    r"^(?:reported by|sent from)\b|^(?:from|to|cc|bcc|subject|date|sent)\s*:"
    r"|^on .{0,60} wrote\b|^-{2,}",
    re.IGNORECASE,
)


def _without_speaker(text: str) -> str:
    return _SPEAKER.sub("", text, count=1)


_PRONOUN_SUBJECT = re.compile(r"(?:he|she|they)\b", re.IGNORECASE)


def opens_with_pronoun(text: str) -> bool:
    """Whether ``text`` (after a speaker's name on a call) opens with "he", "she" or
    "they": whom it is about, the sentence before says.

    Example:
        >>> opens_with_pronoun("Celeste: He's the one who actually signs the renewal.")
        True
        >>> opens_with_pronoun("Gordon Pike signs the renewal.")
        False
    """
    return bool(_PRONOUN_SUBJECT.match(_without_speaker(text)))


def content_names(text: str) -> int:
    """How many capitalised words ``text`` has past its first word (and past a leading
    speaker label): names of people, companies, products and places, which make a
    sentence specific.

    Example:
        >>> content_names("Ana: Initech asked for SSO through Okta by March.")
        3
    """
    body = _without_speaker(text.lstrip("-*• "))
    return sum(1 for m in _CAPITALISED.finditer(body) if m.start() > 0)


_CAPITALISED = re.compile(r"(?<![\w'])[A-Z][\w&'-]*")


def is_pleasantry(text: str) -> bool:
    """A greeting, thanks, sign-off or attribution line: it never answers anything.

    Example:
        >>> is_pleasantry("Maya: Thanks for making the time today, Maya."), is_pleasantry(
        ...     "Thanks to the audit, the renewal moves to March 3.")
        (True, False)
        >>> is_pleasantry("Reported by Fiona Fischer (Sales Operations Manager, Meridian Retail).")
        True
        >>> is_pleasantry("Sent from my iPhone"), is_pleasantry("To get there we need 20% off.")
        (True, False)
    """
    body = _without_speaker(text)
    if _BOILERPLATE.match(body):
        return True
    if not _PLEASANTRY.match(body):
        return False
    # "Thanks, the renewal moves to March 3" carries a fact after the courtesy.
    return not (DATE.search(body) or re.search(r"[$€£]\s?\d|\d", body)) or len(body) < 25
