"""Evaluation questions whose relevant documents and answers are known by construction.

*Semantic* questions paraphrase one scenario at one account; *keyword* questions name a
planted ticket number, product code or person; *fact* questions ask for one value (a
date, amount, name, product, reason) that exactly one account's documents state, in
words the documents avoid; *missing* questions ask for a fact no document of the account
states. Every answerable question carries gold answer spans (see
:mod:`copilot.sample.facts`). See :mod:`copilot.sample`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from copilot.sample.facts import FactHit, FactScanner
from copilot.sample.model import GoldSpan, Question, QuestionKind
from copilot.sample.org import OrgBuilder
from copilot.sample.vocabulary import FactSpec
from copilot.sample.writer import DocPlan

__all__ = ["questions"]

_SEMANTIC_PER_ORG = 36
_KEYWORD_PER_KIND = 8
_FACTS_PER_KIND = 2
_MAX_RELEVANT = 5

# (kind, text, relevant ids, what answers it: ("topic", key) or ("term", term))
_Draft = tuple[QuestionKind, str, list[str], tuple[str, str]]


def questions(org: OrgBuilder, docs: list[DocPlan]) -> list[Question]:
    """About 110 questions: semantic and keyword ones answered by 1 to 5 documents, fact
    questions with one answer, and about a dozen facts no document states."""
    rng, org_id = org.rng, org.spec.org
    names = {a.id: a.name for a in org.accounts}
    by_pair: dict[tuple[str, str], list[str]] = {}
    by_term: dict[str, list[str]] = {}
    for d in docs:
        for topic in d.topics:
            by_pair.setdefault((d.account_id, topic), []).append(d.id)
        for term in dict.fromkeys(d.terms):
            by_term.setdefault(term, []).append(d.id)
    drafts = _semantic_drafts(org, by_pair, names)
    for kind, terms in (
        ("ticket", [t for t in by_term if t.startswith("TCK-")]),
        ("code", [t for t in by_term if t in org.codes]),
        ("person", [t for t in by_term if not t.startswith("TCK-") and t not in org.codes]),
    ):
        drafts += _keyword_drafts(org, kind, terms, by_term)
    rng.shuffle(drafts)
    scanner = FactScanner(org, docs)
    plans = {d.id: d for d in docs}
    out = [
        Question(
            id=f"{org_id}-q-{n:03d}",
            org=org_id,
            text=text,
            relevant_document_ids=tuple(sorted(ids)),
            kind=kind,
            gold=_sentence_gold(scanner, [plans[i] for i in sorted(ids)], answered_by),
        )
        for n, (kind, text, ids, answered_by) in enumerate(drafts, start=1)
    ]
    # Drawn after the questions above, from the same rng, so those stay as they were.
    for spec in org.vocab.facts:
        out += _fact_questions(org, scanner, spec, docs, names)
    return [replace(q, id=f"{org_id}-q-{n:03d}") for n, q in enumerate(out, start=1)]


def _semantic_drafts(
    org: OrgBuilder, by_pair: dict[tuple[str, str], list[str]], names: dict[str, str]
) -> list[_Draft]:
    rng, vocab = org.rng, org.vocab
    small: dict[str, list[tuple[str, list[str]]]] = {}
    for (account_id, topic), ids in by_pair.items():
        if len(ids) <= _MAX_RELEVANT:
            small.setdefault(topic, []).append((account_id, ids))
    for pairs in small.values():
        rng.shuffle(pairs)
    out: list[_Draft] = []
    order = [t.key for t in vocab.topics if t.key in small]
    while len(out) < _SEMANTIC_PER_ORG and any(small.values()):
        for key in order:  # round robin, so every scenario is asked about
            if small[key] and len(out) < _SEMANTIC_PER_ORG:
                account_id, ids = small[key].pop()
                template = rng.choice(vocab.topic_by_key[key].questions)
                text = template.format(account=names[account_id])
                out.append(("semantic", text, ids, ("topic", key)))
    return out


def _keyword_drafts(
    org: OrgBuilder, kind: str, terms: list[str], by_term: dict[str, list[str]]
) -> list[_Draft]:
    rng = org.rng
    # Prefer terms found in several documents: a ticket cited by emails and calls
    # tests more than the ticket alone.
    usable = [t for t in terms if len(by_term[t]) <= _MAX_RELEVANT]
    rng.shuffle(usable)
    usable.sort(key=lambda t: len(by_term[t]) == 1)
    return [
        (
            "keyword",
            rng.choice(org.vocab.keyword_questions[kind]).format(term=t),
            by_term[t],
            ("term", t),
        )
        for t in usable[:_KEYWORD_PER_KIND]
    ]


def _sentence_gold(
    scanner: FactScanner, docs: list[DocPlan], answered_by: tuple[str, str]
) -> tuple[GoldSpan, ...]:
    """Scenario questions: the scenario's sentences; keyword questions: the sentences
    planting the term (a ticket's own report when the ticket is the document)."""
    how, what = answered_by
    gold: list[GoldSpan] = []
    for d in docs:
        spans = scanner.term_sentences(d.id, d.account_id, what) if how == "term" else []
        if not spans:
            topics = (what,) if how == "topic" else d.topics
            spans = [s for t in topics for s in scanner.topic_sentences(d.id, d.account_id, t)]
        gold += spans
    return tuple(gold)


def _fact_questions(
    org: OrgBuilder,
    scanner: FactScanner,
    spec: FactSpec,
    docs: list[DocPlan],
    names: dict[str, str],
) -> list[Question]:
    """Up to two questions whose fact one account states with one value, and one about an
    account that has no document of the scenario at all."""
    rng, org_id = org.rng, org.spec.org
    hits = scanner.facts(spec)
    by_asked: dict[tuple[str, tuple[tuple[str, str], ...]], list[FactHit]] = defaultdict(list)
    for h in hits:
        by_asked[(h.account_id, h.context)].append(h)
    unique = []
    for asked, found in by_asked.items():
        authored = [h for h in found if not h.quoted]
        documents = {h.document_id for h in authored}
        if authored and len({h.value for h in found}) == 1 and len(documents) <= _MAX_RELEVANT:
            unique.append((asked, authored))
    rng.shuffle(unique)
    out = []
    for (account_id, context), authored in unique[:_FACTS_PER_KIND]:
        text = _ask(rng.choice(spec.questions), names[account_id], dict(context))
        out.append(
            Question(
                id="",
                org=org_id,
                text=text,
                relevant_document_ids=tuple(sorted({h.document_id for h in authored})),
                kind="fact",
                answer=authored[0].value,
                answer_type=spec.answer_type,
                gold=tuple(h.gold() for h in authored),
            )
        )
    if spec.fields_may_answer:
        return out  # a deal's close date or amount may answer it: never "missing"
    touched = {h.account_id for h in hits}
    if spec.topic is not None:
        touched |= {d.account_id for d in docs if spec.topic in d.topics}
    silent = [a for a in sorted(names) if a not in touched]
    if silent:
        account_id = rng.choice(silent)
        role = {"role": rng.choice(org.vocab.mentioned_roles)}
        text = _ask(rng.choice(spec.questions), names[account_id], role)
        out.append(
            Question(
                id="",
                org=org_id,
                text=text,
                relevant_document_ids=(),
                kind="missing",
                answer_type=spec.answer_type,
            )
        )
    return out


def _ask(template: str, account: str, context: dict[str, str]) -> str:
    text = template.format(account=account, **context)
    return text.replace(f"{account}'s", f"{account}'") if account.endswith("s") else text
