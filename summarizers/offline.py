"""The offline call-summary engine: extractive, structured, deterministic, no model.

It runs in a few milliseconds of pure Python per call and says only what the text
supports. Every item cites the exact spans it came from (``quote == content[start:end]``);
when nothing is found a list stays empty, an owner or a due date stays None, and the
sentiment is neutral.

How each part is made:

* **summary** (2-4 sentences) and **key_points**: sentences scored by centrality (TF-IDF
  cosine to the rest of the call), cue phrases (prices, dates, commitments, blockers),
  length and position, then picked with maximal marginal relevance so they do not
  repeat each other. Greetings and filler ("Makes sense.", "Good question.") never
  count. The summary keeps the best commitment for last, as a human recap would.
  Sentences are quoted as said, prefixed with the speaker, with leading discourse
  markers ("So,", "Honestly,") trimmed.
* **action_items**: commitments: "I'll send ...", "Let me get you ...", "We will
  review ...", "Sam will ...", "Sam to ...", imperative items under an "Action items:"
  heading. The owner is whoever committed (the speaker, the named person, or for "I"
  and "we" in notes and emails their author); the due date is the most specific date
  expression of the clause, resolved against the call date (see
  :func:`textkit.dates.find_dates`).
* **next_steps**: plans that nobody in particular owns: "Let's ...", "the next step is
  ...", "<someone> will ..." for third parties, scheduled meetings, requests such as
  "Could you send the request IDs?", and other items under a "Next steps:" heading.
* **sentiment**: a lexicon with negation, intensifiers and "but" weighting over the
  customer's sentences (the rep's pleasantries do not count), in ``[-1, 1]``.
* **objections**, **risks** and **competitors**: phrase patterns by category, and a
  configurable competitor list plus competitive phrasing.

Speakers on our side are the document's ``owner_name`` or, failing that, its first
participant (the canonical call record lists the owner first).

Example:
    >>> from datetime import datetime, timezone
    >>> text = ("Pat: The price is above our budget. We're also evaluating HubSpot.\\n"
    ...         "Dana: I'll send a revised quote by Friday.")
    >>> out = summarize_text(text, kind="call", now=datetime(2026, 11, 4, tzinfo=timezone.utc))
    >>> [(a.text, a.owner, a.due.isoformat()) for a in out.action_items]
    [('Send a revised quote by Friday', 'Dana', '2026-11-06')]
    >>> [c.name for c in out.competitors]
    ['HubSpot']
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from summarizers.competitors import (
    DEFAULT_COMPETITORS,
    CompetitorMention,
    find_competitors,
    load_competitors,
)
from summarizers.models import (
    ActionItem,
    CallSummary,
    Citation,
    Competitor,
    Item,
    Sentiment,
    SourceDocument,
)
from textkit.dates import find_dates, find_due_date
from textkit.documents import authored_ranges
from textkit.sentences import Sentence, segment, segment_within
from textkit.tokens import content_tokens, tokenize, wordlist, words

__all__ = [
    "DEFAULT_COMPETITORS",
    "ENGINE",
    "TEXT_KINDS",
    "load_competitors",
    "summarize_call",
    "summarize_text",
]


ENGINE = "offline"
#: Kinds of free text :func:`summarize_text` accepts.
TEXT_KINDS = ("call", "email", "note")

_MAX_KEY_POINTS = 5
_MAX_OBJECTIONS = 6
_MAX_CITATIONS = 3
_POSITIVE_AT = 0.15
_NEGATIVE_AT = -0.15


# =========================================================================== public API


def summarize_call(
    doc: SourceDocument, *, competitors: Sequence[str] = DEFAULT_COMPETITORS
) -> CallSummary:
    """Summarize one stored record (a call, or an email, ticket or draft) offline.

    Args:
        doc: The record; citations index ``doc.content`` and relative dates resolve
            against ``doc.occurred_at``.
        competitors: Competitor list entries, ``"Name"`` or ``"Name|Alias|..."``.

    Returns:
        The summary, with ``engine="offline"``.

    Example:
        >>> from datetime import datetime, timezone
        >>> doc = SourceDocument(
        ...     document_id="call-55", kind="call", title="Pricing call",
        ...     content="Pat: Finance froze all new spend.\\nDana: I'll check back in March.",
        ...     occurred_at=datetime(2026, 1, 14, tzinfo=timezone.utc),
        ...     participants=("Dana Reyes", "Pat Buyer"))
        >>> out = summarize_call(doc)
        >>> out.action_items[0].owner, out.action_items[0].due.isoformat()
        ('Dana Reyes', '2026-03-31')
        >>> out.risks[0].text
        'Budget freeze: Finance froze all new spend.'
    """
    kind = "email" if doc.kind == "email" else "call"
    return _summarize(
        _Call.build(
            doc.content,
            document_id=doc.document_id,
            kind=kind,
            ref=doc.occurred_at.date(),
            author=doc.owner_name,
            participants=doc.participants,
        ),
        competitors,
        stored=True,
    )


def summarize_text(
    text: str,
    *,
    kind: str,
    now: datetime,
    competitors: Sequence[str] = DEFAULT_COMPETITORS,
    author: str | None = None,
) -> CallSummary:
    """Summarize free text that is not stored, such as a draft note from the CRM UI.

    Citations use ``document_id="draft"`` and offsets into ``text``.

    Args:
        text: The text.
        kind: ``"call"`` (a transcript or call notes), ``"email"`` (quoted replies and
            signatures are left out) or ``"note"``.
        now: Relative dates ("by Friday") resolve against ``now.date()``.
        competitors: Competitor list entries, ``"Name"`` or ``"Name|Alias|..."``.
        author: Who wrote the text, if known: the owner of "I'll ..." in notes and the
            speaker on our side in a transcript.

    Raises:
        ValueError: ``kind`` is not one of :data:`TEXT_KINDS`.

    Example:
        >>> from datetime import datetime
        >>> note = "Met Acme. Legal can't accept the liability cap. Sam to send redlines by EOW."
        >>> out = summarize_text(note, kind="note", now=datetime(2026, 5, 6))
        >>> a = out.action_items[0]
        >>> a.text, a.owner, a.due.isoformat(), a.citations[0].quote
        ('Send redlines by EOW', 'Sam', '2026-05-08', 'Sam to send redlines by EOW.')
    """
    if kind not in TEXT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(TEXT_KINDS)}; got {kind!r}")
    call = _Call.build(
        text,
        document_id="draft",
        kind=kind,
        ref=now.date(),
        author=author,
        participants=(),
    )
    return _summarize(call, competitors, stored=False)


# =========================================================================== analysis

_LEAD_MARKERS = re.compile(
    r"(?:(?:(?:hi|hello|hey)(?:\s+(?:everyone|all|team|folks|there|[A-Z][a-z]+))?"
    r"|so|well|okay|ok|yeah|yes|right|honestly|frankly|look|listen|um+|uh+|oh|and|also"
    r"|actually|basically|anyway|alright|all\s+right|heads\s+up|great|perfect|understood"
    r"|sure|totally|got\s+it|i\s+hear\s+you|fair\s+enough)\b[,:;!.\u2014-]*\s+)+",
    re.I,
)
# Sentences that are only pleasantries or acknowledgements when spoken alone.
_FILLER_WORDS = frozenset(
    wordlist(
        """right sure got makes make sense understood fair good great question questions
        totally hmm hm mm mhm let think sounds sound thanks thank perfect talk soon bye
        goodbye hello hi hey everyone all see again hear time today making taking minutes
        minute late meeting previous ran over sorry couple welcome morning afternoon evening
        works work helpful have has nice day week weekend absolutely definitely cool awesome
        excellent wonderful cheers appreciate appreciated that's thats fine alright exactly
        indeed correct true agree agreed noted glad pleasure meet chatting chat joining join
        blocked thirty fifteen half hour long care take done course mind ah wow interesting
        fantastic lovely brilliant super hang moment second sec wait me us is was that this
        happy help yep yup nope no yes okay ok later monday tuesday wednesday thursday
        friday speak you i i'm i've it it's we we're be can do does did for to the a an of
        and so well really just get that's to on in at with by everything everybody folks
        guys okay there here how are doing going good"""
    )
)
_PLEASANTRY = re.compile(
    r"^\W*(?:thanks?(?:\s+you)?(?:\s+(?:so\s+much|again|all|everyone))?\s+for\s+(?:making|taking"
    r"|your|the|joining|having)|(?:good|great|nice)\s+to\s+(?:see|meet|hear|talk)|can\s+you"
    r"\s+(?:all\s+)?hear\s+me|sorry\s+(?:I['\u2019]m|I\s+am|for\s+being)\s+(?:a\s+(?:couple|few)"
    r"\s+of\s+minutes\s+)?late|have\s+a\s+(?:good|great|nice)|talk\s+(?:soon|later|to\s+you)"
    r"|how\s+are\s+you|hope\s+(?:you|your|all)|welcome\s+(?:back|everyone)|I['\u2019]ve\s+got"
    r"\s+\w+\s+minutes)",
    re.I,
)
_CAPITALISED = re.compile(r"(?<=[\s,])[A-Z][a-z]+\b")
_CONDITIONAL = re.compile(r"\b(?:if|unless|in\s+case|whether|should\s+we)\b", re.I)

_DOMAIN_WORDS = frozenset(
    content_tokens(
        """price pricing priced quote quoted discount budget budgeted renewal renew contract
        security legal redlines signature sign signed deadline live rollout implementation
        churn cancel adoption value competitor outage incident fix bug error seats licenses
        invoice credit approval approve decision procurement freeze frozen pilot timeline
        risk blocker issue problem evaluate evaluating onboarding kickoff training sso
        integration sync api questionnaire liability indemnification termination expansion
        upgrade downgrade usage roi cfo cro board leadership legal counsel data migration
        launch go-live proposal order form term terms compliance soc dpa encryption
        escalate escalated priority roadmap feature request workaround release"""
    )
)
_SALIENT = re.compile(r"[$\u20ac\u00a3]\s?\d|\d+(?:\.\d+)?\s?%|\b\d[\d,.]*\b|\bpercent\b", re.I)


@dataclass(slots=True)
class _Unit:
    """A sentence and what the engine knows about it."""

    index: int
    start: int
    end: int
    speaker: str | None
    turn: int
    section: str | None
    bullet: bool
    text: str
    tokens: list[str]
    filler: bool
    title: bool
    question: bool
    ours: bool

    @property
    def candidate(self) -> bool:
        """Whether it may appear in the summary or key points."""
        return not (self.filler or self.title) and len(self.tokens) >= 2


@dataclass(slots=True)
class _Call:
    """One text under analysis: its sentences, speakers, call date and author."""

    content: str
    document_id: str
    kind: str
    ref: date
    author: str | None
    participants: tuple[str, ...]
    units: list[_Unit] = field(default_factory=list)
    our_speakers: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()

    @classmethod
    def build(
        cls,
        content: str,
        *,
        document_id: str,
        kind: str,
        ref: date,
        author: str | None,
        participants: Sequence[str],
    ) -> _Call:
        # The canonical call record lists its owner first; "I" in notes is the owner.
        owner = author or (participants[0] if len(participants) >= 2 else None)
        call = cls(content, document_id, kind, ref, owner, tuple(participants))
        if kind == "email":  # only the author's own text: no quoted reply, no sign-off
            sentences = segment_within(content, authored_ranges(content))
        else:
            sentences = segment(content)
        labels = list(dict.fromkeys(s.speaker for s in sentences if s.speaker))
        call.our_speakers = _our_speakers(labels, owner, call.participants)
        call.names = frozenset(
            word.lower() for name in (*labels, *call.participants) for word in name.split()
        )
        call.units = [call._unit(n, s) for n, s in enumerate(sentences)]
        return call

    def _unit(self, index: int, s: Sentence) -> _Unit:
        text = self.content[s.start : s.end]
        tokens = content_tokens(text)
        said = [t for t in tokenize(text) if t not in self.names]
        if len(said) <= 6:
            # "Sure, Sherry." -- a capitalised word after the first is most likely a name.
            capitalised = {m.lower() for m in _CAPITALISED.findall(text, 1)}
            said = [w for w in said if w not in capitalised]
        filler = bool(_PLEASANTRY.match(text)) or (
            len(said) <= 10 and all(w in _FILLER_WORDS for w in said)
        )
        title = (
            s.speaker is None
            and s.turn == 0
            and not s.bullet
            and text[-1] not in ".!?"
            and len(said) <= 8
            and index == 0
        )
        return _Unit(
            index=index,
            start=s.start,
            end=s.end,
            speaker=s.speaker,
            turn=s.turn,
            section=s.section,
            bullet=s.bullet,
            text=text,
            tokens=tokens,
            filler=filler,
            title=title,
            question=text.rstrip().endswith("?"),
            ours=s.speaker is not None and s.speaker in self.our_speakers,
        )

    def cite(self, start: int, end: int) -> Citation:
        return Citation(
            document_id=self.document_id, start=start, end=end, quote=self.content[start:end]
        )

    def full_name(self, label: str) -> str:
        """A first-name label expanded to the one participant it can be, else as written."""
        if " " in label.strip() or label.startswith("#"):
            return label
        matches = [p for p in self.participants if p.split() and p.split()[0] == label]
        return matches[0] if len(matches) == 1 else label

    def customer_units(self) -> list[_Unit]:
        """Sentences not spoken by our side: all of them when no side is known."""
        return [u for u in self.units if not u.ours]


def _our_speakers(
    labels: Sequence[str], ours: str | None, participants: Sequence[str]
) -> frozenset[str]:
    """Speaker labels of our side: those naming the owner ``ours``."""
    if not ours or not ours.split():
        return frozenset()
    full = ours.strip().lower()
    first = full.split()[0]
    matched = [lb for lb in labels if lb.lower() == full]
    if not matched:
        # A first-name label matches the owner only when no other participant shares it.
        sharing = [p for p in participants if p.split() and p.split()[0].lower() == first]
        if len(sharing) <= 1:
            matched = [lb for lb in labels if lb.lower().split()[0] == first]
    return frozenset(matched)


# =========================================================================== orchestration


def _summarize(call: _Call, competitors: Sequence[str], *, stored: bool) -> CallSummary:
    rivals = _competitor_mentions(call, competitors)
    scores = _scores(call)
    actions, action_units = _action_items(call)
    summary, summary_units = _summary(call, scores, action_units)
    return CallSummary(
        document_id=call.document_id if stored else None,
        summary=summary,
        key_points=_key_points(call, scores, summary_units | action_units),
        action_items=actions,
        next_steps=_next_steps(call, action_units),
        sentiment=_sentiment(call, rivals),
        objections=_objections(call),
        competitors=_competitors(call, rivals),
        risks=_risks(call),
        engine=ENGINE,
    )


# =========================================================================== scoring


def _tfidf(units: Sequence[_Unit]) -> list[dict[str, float]]:
    df: Counter[str] = Counter()
    for u in units:
        df.update(set(u.tokens))
    n = len(units)
    vectors = []
    for u in units:
        tf = Counter(u.tokens)
        vec = {t: (1 + math.log(c)) * math.log((n + 1) / (df[t] + 0.5)) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        vectors.append({t: v / norm for t, v in vec.items()})
    return vectors


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(t, 0.0) for t, v in a.items())


@dataclass(frozen=True, slots=True)
class _Scores:
    """Per-unit salience and TF-IDF vectors (for redundancy), by unit index."""

    salience: dict[int, float]
    vectors: dict[int, dict[str, float]]


def _scores(call: _Call) -> _Scores:
    units = [u for u in call.units if u.candidate]
    vectors = _tfidf(units)
    centroid: Counter[str] = Counter()
    for vec in vectors:
        centroid.update(vec)
    # Centrality is the cosine to the centroid of the *other* sentences; the centroid's
    # norm stands in for theirs, a constant that keeps ranking intact and costs O(1).
    norm = math.sqrt(sum(v * v for v in centroid.values())) or 1.0
    salience: dict[int, float] = {}
    for pos, (u, vec) in enumerate(zip(units, vectors, strict=True)):
        rest = {t: centroid[t] - v for t, v in vec.items()}
        centrality = _cosine(vec, rest) / norm
        salience[u.index] = _cue_score(call, u, centrality, pos / max(1, len(units) - 1))
    return _Scores(salience, {u.index: vec for u, vec in zip(units, vectors, strict=True)})


def _cue_score(call: _Call, u: _Unit, centrality: float, position: float) -> float:
    n_tokens = len(u.tokens)
    domain = sum(1 for t in u.tokens if t in _DOMAIN_WORDS)
    score = 0.6 * centrality + 0.12 * min(domain, 3)
    if _SALIENT.search(u.text) or find_dates(u.text, call.ref):
        score += 0.15
    if _OBJECTION_TEST.search(u.text) or _RISK_TEST.search(u.text):
        score += 0.2
    if not u.ours:
        score += 0.05  # what the customer says carries the call
    score += 0.08 * (1.0 - position)
    if u.question:
        score *= 0.75
    if n_tokens < 4:
        score *= 0.5
    elif n_tokens > 40:
        score *= 0.7
    return score


def _mmr(
    candidates: Sequence[int], scores: _Scores, k: int, *, chosen: Sequence[int] = ()
) -> list[int]:
    """Pick ``k`` units by maximal marginal relevance (salience minus redundancy)."""
    picked = list(chosen)
    pool = [i for i in candidates if i not in picked]
    top = max((scores.salience[i] for i in pool), default=1.0) or 1.0
    while pool and len(picked) < len(chosen) + k:

        def gain(i: int) -> tuple[float, int]:
            redundancy = max(
                (_cosine(scores.vectors[i], scores.vectors[j]) for j in picked), default=0.0
            )
            return 0.7 * scores.salience[i] / top - 0.3 * redundancy, -i

        best = max(pool, key=gain)
        picked.append(best)
        pool.remove(best)
    return picked[len(chosen) :]


# =========================================================================== rendering


def _trimmed_span(call: _Call, u: _Unit) -> tuple[int, int]:
    """The unit without leading discourse markers, if enough is left."""
    m = _LEAD_MARKERS.match(call.content, u.start, u.end)
    if m and len(call.content[m.end() : u.end].split()) >= 4:
        return m.end(), u.end
    return u.start, u.end


def _sentence_text(call: _Call, start: int, end: int, *, text: str | None = None) -> str:
    """``content[start:end]`` (or ``text``) on one line, capitalised, ending in a stop."""
    text = " ".join((call.content[start:end] if text is None else text).split())
    if not text:
        return ""
    text = text[:1].upper() + text[1:]
    return text if text[-1] in ".!?\u2026\"'\u201d)" else text + "."


def _render(call: _Call, units: Sequence[_Unit]) -> Item:
    """Sentences in text order; consecutive sentences of one speaker share a label."""
    parts: list[str] = []
    citations = []
    previous: str | None = None
    for u in sorted(units, key=lambda x: x.index):
        start, end = _trimmed_span(call, u)
        sentence = _sentence_text(call, start, end)
        if u.speaker and u.speaker != previous:
            sentence = f"{u.speaker}: {sentence}"
        previous = u.speaker
        parts.append(sentence)
        citations.append(call.cite(start, end))
    return Item(text=" ".join(parts), citations=citations)


# =========================================================================== summary


def _summary_size(n_candidates: int) -> int:
    if n_candidates <= 1:
        return n_candidates
    if n_candidates <= 6:
        return 2
    return 3 if n_candidates <= 20 else 4


def _summary(call: _Call, scores: _Scores, action_units: set[int]) -> tuple[Item, set[int]]:
    candidates = sorted(scores.salience)
    k = _summary_size(len(candidates))
    # The best commitment closes the summary, as a recap would; the rest is MMR.
    commitments = [i for i in candidates if i in action_units]
    closing = max(commitments, key=lambda i: (scores.salience[i], -i), default=None)
    if closing is not None and k >= 3:
        others = [i for i in candidates if i not in action_units]
        picked = [*_mmr(others, scores, k - 1), closing]
    else:
        picked = _mmr(candidates, scores, k)
    picked = _with_customer(call, scores, picked, keep=closing)
    units = [call.units[i] for i in picked]
    return _render(call, units), set(picked)


def _with_customer(
    call: _Call, scores: _Scores, picked: list[int], *, keep: int | None
) -> list[int]:
    """Swap the weakest pick for the customer's best sentence if the customer is absent.

    A recap made only of what our side said misses why the call happened.
    """
    if len(picked) < 2 or not call.our_speakers:
        return picked
    if any(not call.units[i].ours for i in picked):
        return picked
    theirs = [i for i in scores.salience if not call.units[i].ours and i not in picked]
    if not theirs:
        return picked
    best = max(theirs, key=lambda i: (scores.salience[i], -i))
    weakest = min((i for i in picked if i != keep), key=lambda i: (scores.salience[i], -i))
    return [best if i == weakest else i for i in picked]


def _key_points(call: _Call, scores: _Scores, exclude: set[int]) -> list[Item]:
    candidates = [i for i in sorted(scores.salience) if i not in exclude]
    if not candidates:
        return []
    floor = 0.35 * max(scores.salience.values())
    strong = [i for i in candidates if scores.salience[i] >= floor]
    picked = _mmr(strong, scores, _MAX_KEY_POINTS, chosen=sorted(exclude & set(scores.salience)))
    return [_render(call, [call.units[i]]) for i in sorted(picked)]


# =========================================================================== action items

_ACTION_VERBS = frozenset(
    wordlist(
        """send resend share forward email e-mail mail get follow circle loop reach ping call
        text schedule reschedule book set put arrange organize organise plan prepare draft
        write pull compile gather collect review check confirm verify validate double-check
        look investigate dig research find update revise fix resolve patch escalate raise
        file log open create build configure provision enable add remove extend renew issue
        process waive approve sign countersign finalize finalise submit return deliver
        provide give hand introduce connect invite include involve bring walk demo present
        run test train onboard migrate import export upload install deploy ship release
        document summarize summarise recap talk speak meet sync discuss ask tell let keep
        touch come report answer respond reply work handle take make coordinate align chase
        nudge push move transfer assign cancel close complete finish start kick line hold
        reserve flag track monitor quote scope estimate calculate model map reset grant
        invoice credit refund reimburse pay order purchase circulate distribute publish post
        attach clarify outline reconnect regroup reconvene"""
    )
)
_ADVERBS = (
    r"(?:(?:also|then|definitely|certainly|just|quickly|personally|still|first|now|gladly"
    r"|happily|go\s+ahead\s+and|try\s+to|make\s+sure\s+to|be\s+sure\s+to)\s+)*"
)
_APOS = r"\s?['\u2019]\s?"
_FIRST_PERSON = re.compile(
    r"\b(?P<subj>I|[Ww]e)(?P<modal>"
    rf"{_APOS}ll|\s+will|\s+shall|{_APOS}m\s+going\s+to|\s+am\s+going\s+to|{_APOS}re\s+going\s+to"
    rf"|\s+are\s+going\s+to|{_APOS}m\s+gonna|\s+plan\s+to|\s+promise\s+to|\s+commit\s+to"
    rf"|\s+need\s+to|\s+have\s+to|{_APOS}m\s+(?:happy|glad)\s+to|\s+can|\s+could)"
    rf"\s+{_ADVERBS}(?P<verb>[a-z][a-z-]*)\b"
)
_LET_ME = re.compile(
    rf"\b(?P<subj>[Ll]et\s+me)\s+{_ADVERBS}(?P<verb>(?!know\b|think\b|see\b|say\b|be\b|guess\b"
    r"|explain\b|ask\s+you\b|tell\s+you\b|just\s+say\b|start\b|understand\b|recap\s+what\b)"
    r"[a-z][a-z-]*)\b"
)
_NAMED = re.compile(
    r"\b(?P<subj>[A-Z][a-z]+(?:\s+[A-Z][a-z'\u2019-]+)?)(?P<modal>\s+will|['\u2019]ll"
    r"|\s+is\s+going\s+to|['\u2019]s\s+going\s+to|\s+(?:has\s+)?(?:agreed|offered|promised"
    r"|committed)\s+to)\s+" + _ADVERBS + r"(?P<verb>[a-z][a-z-]*)\b"
)
_NAMED_NOTE = re.compile(
    r"(?P<subj>[A-Z][a-z]+(?:\s+[A-Z][a-z'\u2019-]+)?)\s+to\s+" + _ADVERBS + r"(?P<verb>[a-z]+)\b"
)
_IMPERATIVE = re.compile(r"(?P<verb>[A-Za-z][a-z-]*)\b")
# "(Dana)", "[Dana Reyes]", "@Dana", "owner: Dana" in an action item; "- Dana" at its end.
_OWNER_TAG = re.compile(
    r"\s*(?:[(\[]\s*(?:owner:?\s*)?(?P<p>[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*)?)\s*[)\]]"
    r"|@(?P<at>[A-Z]\w+)|\b[Oo]wner:?\s+(?P<own>[A-Z]\w+(?:\s+[A-Z]\w+)?)"
    r"|\s[-\u2013\u2014]\s*(?P<dash>[A-Z]\w+(?:\s+[A-Z]\w+)?)\s*[.!]?$)"
)
_NOT_PEOPLE = frozenset(
    wordlist(
        """the this that it they there we you i he she our your their it's who what which
        finance legal procurement security engineering product support leadership management
        marketing sales it hr ops operations accounting billing board team everyone someone
        nobody monday tuesday wednesday thursday friday saturday sunday january february
        march april may june july august september october november december next then also
        please let everything nothing something anything anyone anybody somebody everybody
        each both all none another either neither here"""
    )
)
_ACTION_SECTIONS = frozenset(
    (
        "action items",
        "action item",
        "actions",
        "action",
        "to do",
        "todo",
        "to-dos",
        "todos",
        "tasks",
        "ai",
        "follow-ups",
        "follow ups",
        "follow-up",
        "follow up",
        "followups",
        "next steps",
        "next step",
        "owner",
        "owners",
    )
)
_DASH = re.compile(r"\s+[-\u2013\u2014]\s+")
_TRAILING_JOIN = re.compile(r"[\s,;:\u2014-]*(?:\b(?:and|but|or|then|so|also|plus)\b[\s,]*)*$")
_CLAUSE_START = re.compile(r";|\s[-\u2013\u2014]\s|:\s")
_HEDGE = re.compile(
    r"\b(?:not\s+sure|unsure|not\s+certain|(?:do|does|did)n['\u2019]?t\s+(?:think|know)|doubt"
    r"|unlikely|whether|wonder(?:ing)?|maybe|perhaps|hope|hoping|not\s+clear)\b",
    re.I,
)
_HEDGE_AFTER = re.compile(r"(?:be\s+)?(?:honest|blunt|frank)\b", re.I)
_CLAUSE_END = re.compile(r"\s*(?:;|\s[-\u2013\u2014]\s|[.!?]$)")


@dataclass(frozen=True, slots=True)
class _Commitment:
    unit: _Unit
    subject_start: int
    verb_start: int
    owner: str | None
    weak: bool  # "can", "could", "happy to": a commitment only with a due date
    tag: tuple[int, int] | None = None  # an owner tag to leave out of the text


def _commitments(call: _Call, u: _Unit) -> list[_Commitment]:
    """Commitment clauses of a sentence, first person, named and imperative."""
    out: list[_Commitment] = []
    spoken_by = call.full_name(u.speaker) if u.speaker else None
    for m in _FIRST_PERSON.finditer(call.content, u.start, u.end):
        if m.group("verb") not in _ACTION_VERBS:
            continue
        modal = m.group("modal").strip().lower()
        weak = modal.startswith(("can", "could")) or "happy" in modal or "glad" in modal
        # "I" and "we" are whoever speaks, or in notes and emails whoever wrote them.
        owner = spoken_by or (call.author if u.speaker is None else None)
        out.append(_Commitment(u, m.start("subj"), m.start("verb"), owner, weak))
    for m in _LET_ME.finditer(call.content, u.start, u.end):
        if m.group("verb") in _ACTION_VERBS:
            owner = spoken_by or (call.author if u.speaker is None else None)
            out.append(_Commitment(u, m.start("subj"), m.start("verb"), owner, False))
    note_style = _NAMED_NOTE.match(call.content, u.start, u.end)
    for m in [
        *_NAMED.finditer(call.content, u.start, u.end),
        *([note_style] if note_style else []),
    ]:
        subj = m.group("subj")
        if m.group("verb") not in _ACTION_VERBS or not _is_person(call, subj):
            continue
        if any(c.subject_start <= m.start() < c.verb_start for c in out):
            continue
        out.append(_Commitment(u, m.start("subj"), m.start("verb"), call.full_name(subj), False))
    if not out and u.section in _ACTION_SECTIONS:
        out.extend(_imperative(call, u))
    return sorted(out, key=lambda c: c.subject_start)


def _is_person(call: _Call, name: str) -> bool:
    first = name.split()[0].lower()
    if first in _NOT_PEOPLE:
        return False
    if first in call.names:
        return True
    # Without a participant list, a capitalised word that is not a known non-person.
    return not call.participants


def _imperative(call: _Call, u: _Unit) -> list[_Commitment]:
    """An imperative item under an "Action items:" heading: "Send the deck (Dana)"."""
    m = _IMPERATIVE.match(call.content, u.start, u.end)
    if not m or m.group("verb").lower() not in _ACTION_VERBS:
        return []
    owner = call.full_name(u.speaker) if u.speaker else None
    for tag in _OWNER_TAG.finditer(call.content, u.start, u.end):
        name = next(g for g in tag.groups() if g)
        if _is_person(call, name):
            owner = owner or call.full_name(name)
            return [_Commitment(u, u.start, u.start, owner, False, tag.span())]
    return [_Commitment(u, u.start, u.start, owner, False)]


def _clause_end(call: _Call, c: _Commitment, next_start: int | None) -> int:
    """Where a commitment's clause ends: "I'll send X by Friday, and I'll ..." stops at "and"."""
    if c.verb_start == c.subject_start:  # an imperative item is its whole line
        return c.unit.end
    stop = next_start if next_start is not None else c.unit.end
    m = _CLAUSE_END.search(call.content, c.verb_start, stop)
    end = m.start() if m else stop
    tail = _TRAILING_JOIN.search(call.content, c.verb_start, end)
    return tail.start() if tail else end


def _commitment_text(call: _Call, c: _Commitment, end: int) -> str:
    if c.tag is None:
        return _sentence_text(call, c.verb_start, end).rstrip(".")
    left = call.content[c.verb_start : c.tag[0]]
    right = call.content[c.tag[1] : end]
    text = _DASH.sub(" ", f"{left} {right}")  # "Send X (Dana) - by Friday" -> "Send X by Friday"
    return _sentence_text(call, 0, 0, text=text).rstrip(". -\u2013\u2014")


def _clause_start(call: _Call, c: _Commitment) -> int:
    """Where the clause holding a commitment begins: "By Friday, I'll ..." but not "X; I'll"."""
    boundaries = [
        m.end() for m in _CLAUSE_START.finditer(call.content, c.unit.start, c.subject_start)
    ]
    return boundaries[-1] if boundaries else c.unit.start


def _action_items(call: _Call) -> tuple[list[ActionItem], set[int]]:
    items: list[ActionItem] = []
    units: set[int] = set()
    seen: set[tuple[str | None, str]] = set()
    for u in call.units:
        if u.title:
            continue
        found = _commitments(call, u)
        for n, c in enumerate(found):
            nxt = found[n + 1].subject_start if n + 1 < len(found) else None
            end = _clause_end(call, c, nxt)
            clause_start = _clause_start(call, c)
            due = find_due_date(call.content, call.ref, c.verb_start, end) or (
                find_due_date(call.content, call.ref, clause_start, c.subject_start)
            )
            lead_in = call.content[clause_start : c.subject_start]
            if _HEDGE.search(lead_in) or _HEDGE_AFTER.match(call.content, c.verb_start):
                continue  # "not sure we'll renew", "I'll be honest"
            conditional = _CONDITIONAL.search(call.content, u.start, c.subject_start)
            if c.weak and (due is None or conditional or u.question):
                continue
            text = _commitment_text(call, c, end)
            key = (c.owner, text.lower())
            if key in seen or len(text.split()) < 2:
                continue
            seen.add(key)
            # The quote holds the due date too: "By Friday, I'll send ..." from "By".
            quote_start = clause_start if due and due.start < c.subject_start else c.subject_start
            quote_end = u.end if end >= u.end - 1 else end
            items.append(
                ActionItem(
                    text=text,
                    owner=c.owner,
                    due=due.value if due else None,
                    citations=[call.cite(quote_start, quote_end)],
                )
            )
            units.add(u.index)
    return items, units


# =========================================================================== next steps

_NEXT_STEP = re.compile(
    r"\b(?:let['\u2019]?s|let\s+us)\s+(?!see\b|say\b|be\b|not\b|just\s+say\b|think\b)[a-z]+"
    r"|\bnext\s+steps?\b|\b(?:follow-?up|kickoff|kick-off|call|meeting|demo|workshop|session"
    r"|review|EBR|QBR|sync|training|check-in|walkthrough|handover)\s+(?:is\s+|was\s+)?"
    r"(?:scheduled|booked|set|planned|on\s+the\s+calendar)\b"
    r"|\b(?:will|['\u2019]ll|is\s+going\s+to|are\s+going\s+to)\s+(?:be\s+)?(?:\w+\s+)?"
    r"(?:shared|sent|scheduled|delivered|released|shipped|reviewed|run|join|share|send|review"
    r"|reach\s+out|follow\s+up|walk|set\s+up|schedule|ship|go\s+into|deliver)\b"
    r"|\b(?:fix|patch|update|feature|release)\s+(?:is|will\s+be)\s+(?:going|shipping|coming"
    r"|scheduled|planned|included|released)\b"
    r"|\b(?:could|can|would)\s+you\s+(?:please\s+)?(?:send|share|loop|introduce|confirm|forward"
    r"|set\s+up|schedule|review|sign|provide)\b|^\W*please\s+[a-z]+",
    re.I,
)
_MEETING = re.compile(
    r"\b(?:call|meeting|demo|kickoff|workshop|session|sessions|review|EBR|QBR|training"
    r"|check-in|walkthrough|handover)\b",
    re.I,
)


def _next_steps(call: _Call, action_units: set[int]) -> list[Item]:
    out = []
    for u in call.units:
        if u.index in action_units or u.filler or u.title:
            continue
        in_section = u.section in _ACTION_SECTIONS
        planned = bool(_NEXT_STEP.search(u.text)) and not _CONDITIONAL.match(u.text)
        meeting = bool(_MEETING.search(u.text)) and any(
            d.value >= call.ref and d.rank >= 2 for d in find_dates(u.text, call.ref)
        )
        if in_section or planned or meeting:
            out.append(_render(call, [u]))
    return out


# =========================================================================== sentiment

_VALENCES: tuple[tuple[float, str], ...] = (
    (
        3.0,
        """excellent amazing awesome fantastic thrilled delighted love loved loves outstanding
    superb phenomenal""",
    ),
    (
        2.0,
        """great excited exciting impressed impressive happy pleased enthusiastic success
    successful perfect valuable intuitive recommend reliable wonderful""",
    ),
    (
        1.5,
        """good glad helpful useful smooth smoothly easy easier confident comfortable
    interested keen appreciate improved solid nice benefit win wins resolved approved seamless
    faster saves saving strong best""",
    ),
    (1.0, "better fast quick fixed growth expand expanding clear"),
    (-3.0, "terrible awful horrible unacceptable useless angry furious disaster"),
    (
        -2.0,
        """disappointed disappointing frustrated frustrating unhappy upset annoyed outage
    broken failing failed fails failure painful complaint complain skeptical overcharged
    unreliable crash crashes crashed downtime waste cancel churn worst""",
    ),
    (
        -1.5,
        """concerned concern concerns worried worry problem problems bug bugs error errors
    slow slowly lost lose missing wrong struggling struggle stuck expensive pricey costly
    overpriced freeze froze frozen unfortunately sadly difficult pain escalate escalation
    confusing confused complicated delay delayed slipped blocked blocker blocking questioning
    doubt hesitant stalled incident dispute lacking lacks risky rejected reject rejecting""",
    ),
    (-1.0, "issue issues risk duplicate cut uncertain unsure limited hard latency late"),
)
_LEXICON: dict[str, float] = {
    word: valence for valence, text in _VALENCES for word in wordlist(text)
}
_PHRASES: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p, re.I), v)
    for p, v in (
        (r"\bnot\s+sure\s+we['\u2019]?(?:ll|\s+will)\s+(?:continue|renew|stay)", -2.5),
        (r"\bon\s+the\s+list\s+to\s+cut\b", -2.5),
        (r"\bwent\s+back\s+to\s+(?:spreadsheets|excel)", -2.0),
        (r"\b(?:has\s+been|is|was|went)\s+down\b", -2.0),
        (r"\bcharged\s+twice\b", -2.0),
        (r"\bhigher\s+than\s+(?:what\s+)?we\s+budgeted|\bover\s+(?:our\s+)?budget\b", -1.5),
        (r"\bholding\s+up\b", -1.5),
        (r"\b(?:can['\u2019]?t|cannot|won['\u2019]?t)\s+accept\b", -1.5),
        (r"\badoption\s+(?:has\s+been|is|was)\s+low\b|\blow\s+adoption\b", -2.0),
        (r"\b(?:works|worked|went|going)\s+(?:really\s+|very\s+)?well\b", 2.0),
        (r"\bon\s+track\b", 1.5),
        (r"\blooking\s+forward\b", 1.5),
        (r"\b(?:move|moving)\s+forward\b", 1.5),
        (r"\bgreat\s+news\b", 1.0),
        (r"\bready\s+to\s+(?:sign|buy|go|move)\b", 2.0),
        (r"\bno\s+(?:problem|issues?|concerns?)\b", 1.0),
    )
)
_NEGATORS = frozenset(
    wordlist(
        """not no never without hardly barely nothing none nobody neither nor cannot t n't
        isn't aren't wasn't weren't don't doesn't didn't can't couldn't won't wouldn't
        shouldn't haven't hasn't hadn't ain't"""
    )
)
_BOOSTERS = frozenset(
    wordlist(
        """very really extremely so super incredibly totally absolutely highly particularly
        especially too truly seriously"""
    )
)
_DAMPENERS = frozenset(wordlist("slightly somewhat bit little kinda sort fairly mildly"))


def _sentence_valence(text: str, *, praise_sign: float = 1.0) -> float:
    """VADER-style compound of one sentence in ``[-1, 1]``; positive words count
    ``praise_sign`` times."""
    spans = words(text)
    tokens = [text[s:e].lower().replace("\u2019", "'") for s, e in spans]
    raw = 0.0
    but_at = next((n for n, t in enumerate(tokens) if t in ("but", "however", "although")), None)
    phrase_spans = [(m.start(), m.end(), v) for p, v in _PHRASES for m in p.finditer(text)]
    raw += sum(v for _, _, v in phrase_spans)
    for n, token in enumerate(tokens):
        value = _LEXICON.get(token)
        in_phrase = any(s <= spans[n][0] < e for s, e, _ in phrase_spans)
        if value is None or in_phrase:
            continue
        if value > 0:
            value *= praise_sign
        window = tokens[max(0, n - 3) : n]
        if any(w in _NEGATORS or w.endswith("n't") for w in window):
            value *= -0.74  # as VADER: "not good" is weaker than "bad"
        if any(w in _BOOSTERS for w in tokens[max(0, n - 2) : n]):
            value *= 1.3
        elif any(w in _DAMPENERS for w in tokens[max(0, n - 2) : n]):
            value *= 0.7
        if but_at is not None:
            value *= 0.5 if n < but_at else 1.5
        raw += value
    return raw / math.sqrt(raw * raw + 15.0) if raw else 0.0


def _sentiment(call: _Call, rivals: dict[int, list[CompetitorMention]]) -> Sentiment:
    units = [u for u in call.customer_units() if not (u.filler or u.title)]
    scored = []
    for u in units:
        # Praise in a sentence naming a competitor ("their demo was strong") is a threat.
        praise_sign = -0.5 if rivals.get(u.index) else 1.0
        scored.append((_sentence_valence(u.text, praise_sign=praise_sign), u))
    bearing = [(v, u) for v, u in scored if v]
    neutral = len(scored) - len(bearing)
    # Shrink toward 0: one sharp remark in a long, calm call does not make it negative.
    total = sum(v for v, _ in bearing)
    score = total / (len(bearing) + 0.25 * neutral + 0.5) if bearing else 0.0
    score = round(max(-1.0, min(1.0, score)), 3)
    label: Literal["positive", "neutral", "negative"]
    positive = sorted((x for x in bearing if x[0] > 0), key=_by_strength)
    negative = sorted((x for x in bearing if x[0] < 0), key=_by_strength)
    if score >= _POSITIVE_AT:
        label, evidence = "positive", positive
    elif score <= _NEGATIVE_AT:
        label, evidence = "negative", negative
    else:
        # Neutral: the strongest remark each way, if any, shows what was weighed.
        label, evidence = "neutral", positive[:1] + negative[:1]
    cited = sorted((u for _, u in evidence[:_MAX_CITATIONS]), key=lambda u: u.index)
    return Sentiment(label=label, score=score, citations=[call.cite(u.start, u.end) for u in cited])


def _by_strength(item: tuple[float, _Unit]) -> tuple[float, int]:
    return -abs(item[0]), item[1].index


# =========================================================================== objections, risks

_CATEGORY = list[tuple[str, re.Pattern[str]]]


def _categories(pairs: Iterable[tuple[str, str]]) -> _CATEGORY:
    return [(name, re.compile(pattern, re.I)) for name, pattern in pairs]


_NT = r"(?:n['\u2019]?t|\s+not)"
_OBJECTIONS = _categories(
    (
        (
            "Pricing",
            r"\btoo\s+(?:expensive|pricey|costly|high)|\b(?:is|are|feels?|seems?|looks?)\s+"
            r"(?:\w+\s+)?(?:expensive|pricey|steep)|\bexpensive\b|\boverpriced\b"
            r"|\bover\s+(?:our\s+)?budget|\bsharpen\s+the\s+pencil"
            r"|\bhigher\s+than\s+(?:what\s+)?(?:we|I)\s+(?:had\s+)?budgeted"
            r"|\blower\s+(?:per[- ]seat\s+)?(?:price|figure|rate|number|cost)"
            r"|\bprice\s+came\s+down|\b\d+\s*%\s+off\b|\bdiscount|\bcheaper\b|\bbetter\s+(?:rate"
            r"|price|deal)|\bca" + _NT + r"\s+afford|\bprice\s+(?:is|was)\s+(?:a\s+)?(?:problem"
            r"|issue|concern)",
        ),
        (
            "Budget / timing",
            r"\bno\s+budget\b(?!\s+(?:concerns?|issues?|problems?))"
            r"|\bbudget\s+(?:got\s+|was\s+|has\s+been\s+)?(?:cut|frozen|slashed)"
            r"|\b(?:spending|hiring|budget)\s+freeze|\bfroze\b|\bfrozen\b|\bnot\s+a\s+priority"
            r"|\btiming\s+is\s+(?:uncertain|tough|bad|tight)|\bnot\s+(?:the\s+)?right\s+time"
            r"|\bbudget\s+is\s+(?:tight|limited|gone)|\bCFO\s+approval"
            r"|\bCFO\s+has\s+to\s+approve|\bevery\s+purchase\b",
        ),
        (
            "Competition",
            r"\balso\s+(?:evaluating|looking\s+at|talking\s+to|considering)|\bfree\s+pilot"
            r"|\btheir\s+demo\s+was|\breason\s+to\s+pick\s+you|\bwhy\s+(?:should|would)\s+we"
            r"\s+(?:pick|choose)\s+you|\bside-by-side|\bbake-off|\balready\s+uses?\s+[A-Z]"
            r"|\bcompetitor|\bquoted\s+us\b|\bswitch(?:ing)?\s+(?:over\s+)?to\s+[A-Z]",
        ),
        (
            "Switching cost",
            r"\bswitching\s+costs?|\bmigration\s+(?:effort|risk|cost)|\brip\s+and\s+replace",
        ),
        (
            "Security / compliance",
            r"\bca" + _NT + r"\s+sign\s+until|\bcannot\s+sign\s+until|\bholding\s+up\s+"
            r"(?:the\s+)?signature|\bsecurity\s+(?:questionnaire|review|team)|\binfosec\b"
            r"|\bSOC\s?2\b|\bpen(?:etration)?\s+test|\bDPA\b|\bsub-?processors|\bdata\s+residency"
            r"|\bGDPR\b|\bHIPAA\b|\bencryption\b",
        ),
        (
            "Legal terms",
            r"\bredlines?\b|\b(?:ca|wo)" + _NT + r"\s+accept|\bcannot\s+accept|\bliability\b"
            r"|\bindemni\w+|\bauto-?renew\w*\s+clause|\bgoverning\s+law|\btermination\b",
        ),
        (
            "Value / adoption",
            r"\bquestion(?:ing)?\s+(?:the\s+)?value|\bnot\s+seeing\s+(?:the\s+|much\s+)?value"
            r"|\badoption\s+(?:has\s+been|is|was)\s+(?:low|poor|slow)|\blow\s+adoption|\bnot\s+sure"
            r"\s+we['\u2019]?(?:ll|\s+will)\s+(?:continue|renew)|\bwent\s+back\s+to\s+"
            r"(?:spreadsheets|excel)|\blist\s+to\s+cut|\bhard\s+to\s+justify|\bnot\s+worth"
            r"|\bonly\s+a\s+handful",
        ),
        (
            "Product gap",
            r"\b(?:does|do)" + _NT + r"\s+(?:support|have|offer|integrate)|\bmissing\s+(?:a\s+)?"
            r"(?:feature|capability|functionality)|\bno\s+way\s+to\b|\bwould\s+really\s+help\s+if"
            r"|\bany\s+plan\s+to\s+support|\bon\s+the\s+roadmap\?|\bfor\s+compliance;"
            r"|\black(?:s|ing)?\b",
        ),
        (
            "Implementation effort",
            r"\bhow\s+long\s+does\s+(?:the\s+)?implementation|\btoo\s+(?:long|complex|complicated)"
            r"|\btied\s+up\s+until|\b(?:no|limited)\s+(?:bandwidth|resources|capacity)"
            r"|\blearning\s+curve|\bhard\s+to\s+use",
        ),
        (
            "Decision process",
            r"\bneeds?\s+(?:to\s+get\s+)?(?:sign-?off|approval)\s+from|\bboard\s+(?:expects|needs"
            r"|wants)|\bleadership\s+(?:asked|wants|needs)|\brun\s+it\s+by\b",
        ),
    )
)
_RISKS = _categories(
    (
        (
            "Budget freeze",
            r"\bfroze\b|\bfrozen\b|\bfreeze\b|\bbudget\s+(?:got\s+|was\s+|has\s+been\s+)?(?:cut"
            r"|slashed|reduced|pulled)"
            r"|\bno\s+budget\b(?!\s+(?:concerns?|issues?|problems?|constraints?))"
            r"|\bCFO\s+has\s+to\s+approve|\bneeds?\s+CFO"
            r"\s+(?:approval|sign-?off)|\bevery\s+purchase\s+over|\bspend(?:ing)?\s+(?:is\s+)?on"
            r"\s+hold|\bCFO\s+(?:sign-?off|approval)|\bbudget\s+is\s+(?:tight|limited|gone)",
        ),
        (
            "Timeline slip",
            r"\bslipp(?:ed|ing)\b|\bslips?\b|\bdelay(?:ed|s)?\b|\bpostpon\w+|\bpush(?:ed)?\s+"
            r"(?:back|out|to)\b|\btied\s+up\s+until|\bbehind\s+schedule|\b(?:wo|ca)"
            + _NT
            + r"\s+make\s+(?:the|that)\s+(?:date|deadline)|\btiming\s+is\s+uncertain"
            r"|\bon\s+hold\b|\bstall(?:ed|ing)?\b|\brollout\s+pushed",
        ),
        (
            "Legal blocker",
            r"\bredlin\w+|\b(?:ca|wo)" + _NT + r"\s+accept|\bcannot\s+accept|\bliability\s+cap"
            r"|\bindemni\w+|\bin\s+legal\s+review|\bcounsel\s+(?:rejected|wants)\b"
            r"|\bgoverning\s+law|\bauto-?renew\w*\s+clause",
        ),
        (
            "Security blocker",
            r"\bca" + _NT + r"\s+sign\s+until|\bcannot\s+sign\s+until|\bholding\s+up\s+"
            r"(?:the\s+)?signature|\bblocked\s+on\s+(?:their\s+|the\s+|our\s+)?security"
            r"|\bsecurity\s+review\b[^.]*\b(?:still\s+)?(?:open|outstanding|pending)"
            r"|\bquestions\s+outstanding",
        ),
        (
            "Champion leaving",
            r"\bI['\u2019]?m\s+leaving|\b(?:is|are)\s+leaving\b|\blast\s+day\b|\bmoving\s+on\b"
            r"|\bresign(?:ed|ing|s)?\b|\bstepping\s+down|\bdeparts?\b|\bdeparting\b"
            r"|\bsuccessor\b|\bwho\s+owns\s+it\s+now|\bchampion\b[^.]*\bleaving",
        ),
        (
            "Churn risk",
            r"\bnot\s+sure\s+we['\u2019]?(?:ll|\s+will)\s+(?:continue|renew)|\b(?:wo"
            + _NT
            + r"|will\s+not|not\s+going\s+to)\s+renew|\bcancel\w*|\bchurn\w*|\blist\s+to\s+cut"
            r"|\bquestion(?:ing)?\s+(?:the\s+)?value|\blow\s+adoption|\badoption\s+(?:has\s+been"
            r"|is|was)\s+(?:low|poor)|\bwent\s+back\s+to\s+(?:spreadsheets|excel)"
            r"|\breviewing\s+every\s+tool|\bat[- ]risk\b|\bonly\s+a\s+handful\s+of\s+people"
            r"|\bdowngrad\w+|\breduc\w+\s+(?:seats|licenses)|\bactive\s+users\s+down",
        ),
        (
            "Competitive threat",
            r"\balso\s+(?:evaluating|talking\s+to|looking\s+at|considering)|\bfree\s+pilot"
            r"|\btheir\s+demo\s+was\s+strong|\breason\s+to\s+pick\s+you|\bbake-off|\bshortlisted"
            r"|\baggressive\s+(?:pilot\s+)?offer|\bquoted\s+us\b|\boffered\s+us\b"
            r"|\bswitch(?:ing)?\s+(?:over\s+)?to\s+[A-Z]",
        ),
        (
            "Decision-maker change",
            r"\bnew\s+(?:CRO|CFO|CEO|CIO|CTO|COO|VP|head\s+of|leadership)\b|\breorg\w*"
            r"|\bacqui(?:red|sition)\b|\bmerger\b|\brestructur\w+",
        ),
        (
            "Service issue",
            r"\boutage\b|\bdown\s+for\b|\b(?:has\s+been|is|was|went)\s+down\b|\bdowntime\b"
            r"|\bincident\b|\bfailing\b|\bfailed\b|\b500\s+error|\btimes?\s+out\b|\blatency\b"
            r"|\bextremely\s+slow|\blost\s+(?:about\s+)?\w+\s+hours|\bduplicate\s+(?:contacts"
            r"|records)|\bbroken\b|\bnot\s+working\b|\bbugs?\b",
        ),
        (
            "Billing dispute",
            r"\bcharged\s+twice|\bdouble[- ]charged|\bovercharg\w+|\bduplicate\s+charge"
            r"|\blate\s+fee|\b(?:wrong|incorrect)\s+(?:PO|invoice|seat\s+count)|\bPO\s+number"
            r"\s+on\s+the\s+invoice\s+is\s+wrong|\bdisput\w+|\bcredit\s+memo",
        ),
    )
)
_OBJECTION_TEST = re.compile("|".join(f"(?:{p.pattern})" for _, p in _OBJECTIONS), re.I)
_RISK_TEST = re.compile("|".join(f"(?:{p.pattern})" for _, p in _RISKS), re.I)


_NEGATED = re.compile(
    r"\b(?:not|no|never|without|n['\u2019]?t|cannot)\s+(?:\w+\s+)?$|n['\u2019]t\s+(?:\w+\s+)?$",
    re.I,
)


def _categories_of(call: _Call, u: _Unit, categories: _CATEGORY) -> list[str]:
    """Categories whose pattern matches outside a conditional clause and not negated.

    "If kickoff slips" and "the project doesn't stall" raise nothing.
    """
    out = []
    for name, pattern in categories:
        for m in pattern.finditer(call.content, u.start, u.end):
            conditional = _CONDITIONAL.search(call.content, u.start, m.start())
            negated = _NEGATED.search(call.content, max(u.start, m.start() - 24), m.start())
            if not (conditional or negated):
                out.append(name)
                break
    return out


def _objections(call: _Call) -> list[Item]:
    out = []
    for u in call.customer_units():
        if u.filler or u.title or u.section in _ACTION_SECTIONS:
            continue
        names = _categories_of(call, u, _OBJECTIONS)
        if names:
            start, end = _trimmed_span(call, u)
            text = f"{names[0]}: {_sentence_text(call, start, end)}"
            out.append(Item(text=text, citations=[call.cite(start, end)]))
    return out[:_MAX_OBJECTIONS]


def _risks(call: _Call) -> list[Item]:
    """One item per risk category, citing the sentences that raised it (up to three).

    Categories come in a fixed order (budget, timeline, legal, security, champion, churn,
    competition, decision maker, service, billing), not in order of mention.
    """
    by_category: dict[str, list[_Unit]] = {}
    for u in call.customer_units():
        if u.filler or u.title:
            continue
        for name in _categories_of(call, u, _RISKS):
            by_category.setdefault(name, []).append(u)
    out = []
    for name, _ in _RISKS:
        units = by_category.get(name)
        if not units:
            continue
        first = units[0]
        start, end = _trimmed_span(call, first)
        text = f"{name}: {_sentence_text(call, start, end)}"
        citations = [call.cite(*_trimmed_span(call, u)) for u in units[:_MAX_CITATIONS]]
        out.append(Item(text=text, citations=citations))
    return out


# =========================================================================== competitors


def _competitor_mentions(call: _Call, names: Sequence[str]) -> dict[int, list[CompetitorMention]]:
    """Competitor mentions by unit index; speakers' and participants' names never count."""
    out: dict[int, list[CompetitorMention]] = {}
    for u in call.units:
        if u.title:
            continue
        found = find_competitors(call.content, names, start=u.start, end=u.end, exclude=call.names)
        if found:
            out[u.index] = found
    return out


def _competitors(call: _Call, rivals: dict[int, list[CompetitorMention]]) -> list[Competitor]:
    """One entry per competitor in order of first mention, citing up to three sentences."""
    by_name: dict[str, list[_Unit]] = {}
    for index, mentions in rivals.items():
        for mention in mentions:
            cited = by_name.setdefault(mention.name, [])
            if call.units[index] not in cited:
                cited.append(call.units[index])
    return [
        Competitor(name=name, citations=[call.cite(u.start, u.end) for u in units[:_MAX_CITATIONS]])
        for name, units in by_name.items()
    ]
