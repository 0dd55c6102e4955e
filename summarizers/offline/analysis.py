"""One text under analysis: its sentences ("units"), speakers, fillers and our side."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from summarizers.models import Citation
from textkit.documents import authored_ranges, our_speaker_labels
from textkit.sentences import Sentence, segment, segment_within
from textkit.tokens import content_tokens, tokenize, wordlist

_MAX_CITATIONS = 3  # per item: the first sentences that support it

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
        call.our_speakers = our_speaker_labels(labels, owner, call.participants)
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
