"""Gold answer spans: where the generated documents state a fact, as offsets into the
content search indexes.

The generator fills phrase templates (``data/topics.toml``, ``data/phrases.toml``) with
slot values. This module turns each template back into a pattern (its literal text, the
account's name, and one closed set of values per slot) and finds every sentence it wrote
in the *rendered* document, :func:`copilot.ingest.documents.render_document`'s content,
so offsets index what is stored. Finding the sentences after the fact, rather than noting
them while writing, draws nothing from the RNG, so the records of a seed do not change,
and it also finds what a ticket comment or a quoted reply repeats.

A match on a line of a quoted reply (``> ...``) is *quoted*: search drops quoted text, so
it is never a gold span, but it still counts when deciding whether an account's answer
is unique.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from copilot.ingest.documents import render_document
from copilot.ingest.records import parse_record
from copilot.sample.model import GoldSpan
from copilot.sample.org import OrgBuilder
from copilot.sample.vocabulary import FactSpec, Topic
from copilot.sample.writer import DocPlan

__all__ = ["FactHit", "FactScanner"]

_SLOT = re.compile(r"\{(\w+)\}")
_MONTHS = [datetime(2026, month, 1).strftime("%B") for month in range(1, 13)]
# Slots with open values; every other slot is a closed set from the vocabulary.
_OPEN_SLOTS = {
    "amount": r"\$\d{1,3}(?:,\d{3})*",
    "pct": r"\d{1,3}",
    "seats": r"\d{1,4}",
    "n": r"\d{1,3}",
    "date": rf"(?:{'|'.join(_MONTHS)}) \d{{1,2}}",
    "month": rf"(?:{'|'.join(_MONTHS)})",
    "invoice": r"INV-\d{4}-\d{4}",
    "contact": r"[A-Z][a-z]+",
    "rep": r"[A-Z][a-z]+",
    "person": r"[A-Z][a-z]+ [A-Z][A-Za-z'-]+",
    "code": r"(?:SKU-[A-Z]{2}\d{3}|[A-Z]{2}-\d{1,2})",
    "ticket": r"TCK-\d{5}",
}
_VOICES = ("customer", "rep", "notes")
_ANY = r"[^\n]+?"


@dataclass(frozen=True)
class FactHit:
    """One sentence of one document that states a fact.

    Attributes:
        key: The fact kind (``data/facts.toml``).
        document_id / account_id: Where it was found.
        context: The other captured slots the question names, e.g. ``(("role", "IT
            director"),)``.
        value: The fact as written, e.g. ``"March 3"``.
        span: ``(start, end)`` of ``value`` in the document's content.
        quoted: The sentence sits in a quoted reply.
    """

    key: str
    document_id: str
    account_id: str
    context: tuple[tuple[str, str], ...]
    value: str
    span: tuple[int, int]
    quoted: bool

    def gold(self) -> GoldSpan:
        return GoldSpan(self.document_id, self.span[0], self.span[1], self.value)


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    groups: tuple[tuple[str, str], ...]  # (regex group, slot name)


class FactScanner:
    """Finds facts and scenario sentences in one org's documents, by rendered offsets."""

    def __init__(self, org: OrgBuilder, docs: Sequence[DocPlan]):
        self.org = org
        self.docs = list(docs)
        self.names = {a.id: a.name for a in org.accounts}
        vocab, spec = org.vocab, org.spec
        self._values: dict[str, str] = dict(_OPEN_SLOTS)
        closed: dict[str, Iterable[str]] = {
            "competitor": vocab.competitors,
            "integration": vocab.integrations,
            "feature": vocab.features,
            "weekday": vocab.weekdays,
            "module": spec.modules,
            "role": vocab.mentioned_roles,
            "our": (spec.company,),
            "product": (spec.product,),
        }
        for slot, values in closed.items():
            ordered = sorted(set(values), key=len, reverse=True)  # longest alternative first
            self._values[slot] = "(?:" + "|".join(re.escape(v) for v in ordered) + ")"

    @cached_property
    def content(self) -> dict[str, str]:
        """Document id → the canonical content ingest stores and offsets index."""
        out = {}
        for d in self.docs:
            _, text, _ = render_document(parse_record(d.record))  # type: ignore[arg-type]
            out[d.id] = text
        return out

    # ---- patterns

    def _pattern(self, template: str, account: str, fixed: Mapping[str, str]) -> _Pattern:
        parts: list[str] = []
        groups: list[tuple[str, str]] = []
        pos = 0
        for m in _SLOT.finditer(template):
            parts.append(re.escape(template[pos : m.start()]))
            slot = m.group(1)
            if slot == "account":
                parts.append(re.escape(account))
            elif slot in fixed:
                parts.append(re.escape(fixed[slot]))
            else:
                group = f"g{len(groups)}"
                groups.append((group, slot))
                parts.append(f"(?P<{group}>{self._values.get(slot, _ANY)})")
            pos = m.end()
        parts.append(re.escape(template[pos:]))
        return _Pattern(re.compile("".join(parts)), tuple(groups))

    def _templates(self, spec: FactSpec) -> list[str]:
        vocab = self.org.vocab
        if spec.pool is not None:
            pool = getattr(vocab, f"plant_{spec.pool}")
            templates = [t for voice in _VOICES for t in pool.get(voice, ())]
        else:
            templates = _topic_templates(vocab.topic_by_key[str(spec.topic)])
        needed = f"{{{spec.slot}}}" if spec.slot else str(spec.answer)
        templates = [t for t in templates if needed in t]
        if spec.cues:
            templates = [t for t in templates if any(c in t for c in spec.cues)]
        return list(dict.fromkeys(templates))

    def _docs_of(self, spec: FactSpec) -> list[DocPlan]:
        return [d for d in self.docs if spec.topic is None or spec.topic in d.topics]

    # ---- facts

    def facts(self, spec: FactSpec) -> list[FactHit]:
        """Every sentence of every document that states a fact of kind ``spec``."""
        templates = self._templates(spec)
        hits: list[FactHit] = []
        for d in self._docs_of(spec):
            text = self.content[d.id]
            for template in templates:
                pattern = self._pattern(template, self.names[d.account_id], {})
                for m in pattern.regex.finditer(text):
                    hits.append(self._hit(spec, d, text, m, pattern))
        return sorted(set(hits), key=lambda h: (h.document_id, h.span))

    def _hit(
        self, spec: FactSpec, d: DocPlan, text: str, m: re.Match[str], pattern: _Pattern
    ) -> FactHit:
        slots = {slot: group for group, slot in pattern.groups}
        if spec.slot is not None:
            group = slots[spec.slot]
            span = m.span(group)
            if text.startswith("%", span[1]):  # "12%": the unit is part of the fact
                span = (span[0], span[1] + 1)
        else:
            answer = str(spec.answer)
            at = text.index(answer, m.start(), m.end())
            span = (at, at + len(answer))
        context = tuple(
            sorted((slot, m.group(g)) for g, slot in pattern.groups if slot != spec.slot)
        )
        wanted = set(_SLOT.findall(" ".join(spec.questions))) - {"account"}
        context = tuple((s, v) for s, v in context if s in wanted)
        return FactHit(
            key=spec.key,
            document_id=d.id,
            account_id=d.account_id,
            context=context,
            value=text[span[0] : span[1]],
            span=span,
            quoted=_is_quoted(text, m.start()),
        )

    # ---- whole sentences (the gold of scenario and keyword questions)

    def topic_sentences(self, document_id: str, account_id: str, topic: str) -> list[GoldSpan]:
        """The authored sentences of scenario ``topic`` in one document."""
        templates = _topic_templates(self.org.vocab.topic_by_key[topic])
        return self._sentences(document_id, account_id, templates, {})

    def term_sentences(self, document_id: str, account_id: str, term: str) -> list[GoldSpan]:
        """The authored sentences that plant ``term`` (a code, ticket or person)."""
        vocab = self.org.vocab
        pools = (vocab.plant_code, vocab.plant_ticket, vocab.plant_person)
        templates = [t for pool in pools for voice in _VOICES for t in pool.get(voice, ())]
        fixed = {"code": term, "ticket": term, "person": term}
        return self._sentences(document_id, account_id, templates, fixed)

    def _sentences(
        self, document_id: str, account_id: str, templates: Sequence[str], fixed: Mapping[str, str]
    ) -> list[GoldSpan]:
        text = self.content[document_id]
        spans: set[tuple[int, int]] = set()
        for template in dict.fromkeys(templates):
            slots = set(_SLOT.findall(template))
            if fixed and not slots & set(fixed):
                continue
            pattern = self._pattern(template, self.names[account_id], fixed)
            for m in pattern.regex.finditer(text):
                if not _is_quoted(text, m.start()):
                    spans.add(m.span())
        return [GoldSpan(document_id, s, e, text[s:e]) for s, e in sorted(spans)]


def _topic_templates(topic: Topic) -> list[str]:
    return [t for voice in _VOICES for t in getattr(topic, voice)]


def _is_quoted(text: str, at: int) -> bool:
    line_start = text.rfind("\n", 0, at) + 1
    return text.startswith(">", line_start)
