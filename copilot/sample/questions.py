"""Evaluation questions whose relevant documents are known by construction.

*Semantic* questions paraphrase one scenario at one account; *keyword* questions name a
planted ticket number, product code or person. See :mod:`copilot.sample`.
"""

from __future__ import annotations

from copilot.sample.model import Question, QuestionKind
from copilot.sample.org import OrgBuilder
from copilot.sample.writer import DocPlan

__all__ = ["questions"]

_SEMANTIC_PER_ORG = 36
_KEYWORD_PER_KIND = 8
_MAX_RELEVANT = 5

_Draft = tuple[QuestionKind, str, list[str]]


def questions(org: OrgBuilder, docs: list[DocPlan]) -> list[Question]:
    """About 60 questions, each answered by 1 to 5 documents, by construction."""
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
    return [
        Question(
            id=f"{org_id}-q-{n:03d}",
            org=org_id,
            text=text,
            relevant_document_ids=tuple(sorted(ids)),
            kind=kind,
        )
        for n, (kind, text, ids) in enumerate(drafts, start=1)
    ]


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
                out.append(("semantic", template.format(account=names[account_id]), ids))
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
        ("keyword", rng.choice(org.vocab.keyword_questions[kind]).format(term=t), by_term[t])
        for t in usable[:_KEYWORD_PER_KIND]
    ]
