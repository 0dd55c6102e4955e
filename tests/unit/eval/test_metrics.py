"""Eval metrics, cross-checked on fixed inputs against the reference implementations.

Retrieval metrics are compared with ``trec_eval`` (``ir-measures``' ``pytrec_eval``
provider; its MS MARCO provider for RR@10) and, in a slow test, with ``ranx``; ROUGE
with Google's ``rouge-score``; percentiles with ``numpy``; the bootstrap loosely with
``scipy``. Each table holds hand-written cases for the edges plus a seeded random batch.
Runs given to the libraries carry strictly decreasing scores, so their tie-breaking
never reorders a ranking.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ir_measures
import numpy as np
import pytest
from ir_measures import RR, R, nDCG
from ir_measures import P as Precision
from rouge_score import rouge_scorer, tokenizers

from eval import metrics as m
from summarizers.models import Citation, Item

TOL = 1e-6

# ============================================================================ retrieval

# (name, ranking best first, graded relevance). Every case has a relevant document.
RETRIEVAL_CASES: list[tuple[str, list[str], dict[str, int]]] = [
    ("perfect", ["a", "b", "c"], {"a": 2, "b": 1, "c": 1}),
    ("graded order inverted", ["c", "b", "a"], {"a": 2, "b": 1, "c": 1}),
    ("judged non-relevant ranked first", ["n1", "n2", "a", "x"], {"a": 1, "n1": 0, "n2": 0}),
    ("relevant not retrieved", ["x1", "a", "x2"], {"a": 2, "b": 2, "c": 1}),
    ("nothing relevant retrieved", ["x1", "x2", "x3"], {"a": 1, "b": 2}),
    ("first relevant at rank 12", [f"x{i}" for i in range(11)] + ["a", "b"], {"a": 1, "b": 2}),
    ("single document", ["a"], {"a": 3}),
    (
        "grade 3 below grade 1",
        ["x", "low", "y", "z", "high", "mid"],
        {"high": 3, "mid": 2, "low": 1, "y": 0},
    ),
    ("more relevant than k", [f"r{i}" for i in range(12)], {f"r{i}": 1 + i % 2 for i in range(15)}),
    (
        "long ranking for R@50",
        [f"x{i}" for i in range(60)],
        {"x2": 1, "x7": 2, "x44": 1, "x49": 1, "x50": 2, "x59": 1, "missing": 1},
    ),
]


def _random_cases(seed: int, count: int) -> list[tuple[str, list[str], dict[str, int]]]:
    rng = random.Random(seed)
    cases = []
    for i in range(count):
        pool = [f"d{j}" for j in range(80)]
        ranking = rng.sample(pool, rng.randint(1, 70))
        judged = rng.sample(pool, rng.randint(1, 25))
        relevant = {doc: rng.choice([0, 1, 1, 2, 3]) for doc in judged}
        relevant[rng.choice(judged)] = rng.choice([1, 2])  # at least one relevant
        cases.append((f"random-{i}", ranking, relevant))
    return cases


ALL_RETRIEVAL_CASES = RETRIEVAL_CASES + _random_cases(seed=20260504, count=60)

# label → (ir-measures provider, its measure, our function of (ranking, relevant)).
# RR@10 goes to the MS MARCO provider: the pytrec_eval provider ignores RR's cutoff (it
# maps RR@10 to plain recip_rank) and, asked for RR and RR@10 together, reports RR as 0.
RETRIEVAL_MEASURES: dict[
    str, tuple[str, Any, Callable[[list[str], dict[str, int]], float | None]]
] = {
    "nDCG@10": ("pytrec_eval", nDCG @ 10, lambda run, rel: m.ndcg_at_k(run, rel, 10)),
    "nDCG@5": ("pytrec_eval", nDCG @ 5, lambda run, rel: m.ndcg_at_k(run, rel, 5)),
    "R@5": ("pytrec_eval", R @ 5, lambda run, rel: m.recall_at_k(run, rel, 5)),
    "R@10": ("pytrec_eval", R @ 10, lambda run, rel: m.recall_at_k(run, rel, 10)),
    "R@50": ("pytrec_eval", R @ 50, lambda run, rel: m.recall_at_k(run, rel, 50)),
    "P@5": ("pytrec_eval", Precision @ 5, lambda run, rel: m.precision_at_k(run, rel, 5)),
    "RR": ("pytrec_eval", RR, lambda run, rel: m.reciprocal_rank(run, rel)),
    "RR@10": ("msmarco", RR @ 10, lambda run, rel: m.reciprocal_rank(run, rel, k=10)),
}


def _scored_run(ranking: Sequence[str]) -> dict[str, float]:
    return {doc: float(len(ranking) - i) for i, doc in enumerate(ranking)}


@pytest.fixture(scope="module")
def reference_scores() -> dict[tuple[str, str], float]:
    """``(case, measure label) → value`` from ir-measures, one batch per provider."""
    qrels = [
        ir_measures.Qrel(name, doc, grade)
        for name, _, relevant in ALL_RETRIEVAL_CASES
        for doc, grade in relevant.items()
    ]
    run = [
        ir_measures.ScoredDoc(name, doc, score)
        for name, ranking, _ in ALL_RETRIEVAL_CASES
        for doc, score in _scored_run(ranking).items()
    ]
    out: dict[tuple[str, str], float] = {}
    for provider in ("pytrec_eval", "msmarco"):
        labels = {
            measure: label
            for label, (name, measure, _) in RETRIEVAL_MEASURES.items()
            if name == provider
        }
        evaluator = getattr(ir_measures, provider)
        for row in evaluator.iter_calc(list(labels), qrels, run):
            out[(row.query_id, labels[row.measure])] = row.value
    return out


@pytest.mark.parametrize("measure", sorted(RETRIEVAL_MEASURES))
@pytest.mark.parametrize(
    ("name", "ranking", "relevant"), ALL_RETRIEVAL_CASES, ids=[c[0] for c in ALL_RETRIEVAL_CASES]
)
def test_retrieval_metric_matches_ir_measures(
    reference_scores: Mapping[tuple[str, str], float],
    measure: str,
    name: str,
    ranking: list[str],
    relevant: dict[str, int],
) -> None:
    ours = RETRIEVAL_MEASURES[measure][2](ranking, relevant)
    assert ours is not None
    assert ours == pytest.approx(reference_scores[(name, measure)], abs=TOL)


def test_hand_computed_ndcg_uses_linear_gain() -> None:
    # DCG = 1/log2(2) + 2/log2(4) = 2; ideal = 2 + 1/log2(3) + 1/log2(4).
    expected = 2 / (2 + 1 / math.log2(3) + 0.5)
    assert m.ndcg_at_k(["b", "x", "a"], {"a": 2, "b": 1, "z": 1}) == pytest.approx(expected)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:unsafe cast")  # numba, inside ranx
def test_retrieval_metrics_match_ranx() -> None:
    ranx = pytest.importorskip("ranx")  # numba JIT: ~30 s on first use
    qrels = ranx.Qrels({name: relevant for name, _, relevant in ALL_RETRIEVAL_CASES})
    run = ranx.Run({name: _scored_run(ranking) for name, ranking, _ in ALL_RETRIEVAL_CASES})
    ours: dict[str, Callable[[list[str], dict[str, int]], float | None]] = {
        "ndcg@10": lambda r, q: m.ndcg_at_k(r, q, 10),
        "recall@5": lambda r, q: m.recall_at_k(r, q, 5),
        "recall@10": lambda r, q: m.recall_at_k(r, q, 10),
        "recall@50": lambda r, q: m.recall_at_k(r, q, 50),
        "precision@5": lambda r, q: m.precision_at_k(r, q, 5),
        "mrr": lambda r, q: m.reciprocal_rank(r, q),
        "mrr@10": lambda r, q: m.reciprocal_rank(r, q, k=10),
    }
    ranx.evaluate(qrels, run, list(ours), return_mean=False)  # per query into run.scores
    for name, ranking, relevant in ALL_RETRIEVAL_CASES:
        for metric, fn in ours.items():
            expected = float(run.scores[metric][name])
            assert fn(ranking, relevant) == pytest.approx(expected, abs=TOL), (name, metric)


@pytest.mark.parametrize(
    "fn",
    [
        lambda run, rel: m.ndcg_at_k(run, rel, 10),
        lambda run, rel: m.recall_at_k(run, rel, 10),
        lambda run, rel: m.precision_at_k(run, rel, 10),
        lambda run, rel: m.reciprocal_rank(run, rel),
    ],
    ids=["ndcg", "recall", "precision", "rr"],
)
@pytest.mark.parametrize(
    ("ranking", "relevant", "expected"),
    [
        (["a", "b"], {}, None),  # nothing judged: skip the query
        (["a", "b"], {"a": 0, "b": 0}, None),  # judged, none relevant: skip the query
        ([], {"a": 1}, 0.0),  # nothing returned: a miss, not a skip
    ],
    ids=["no judgements", "no relevant", "empty ranking"],
)
def test_retrieval_edges(
    fn: Callable[[list[str], dict[str, int]], float | None],
    ranking: list[str],
    relevant: dict[str, int],
    expected: float | None,
) -> None:
    assert fn(ranking, relevant) == expected


def test_repeated_ids_count_at_their_first_rank() -> None:
    # Chunks of one document: the document ranks where its best chunk does.
    chunks = ["a", "a", "x", "a", "b"]
    docs = ["a", "x", "b"]
    relevant = {"a": 1, "b": 2}
    assert m.ndcg_at_k(chunks, relevant, 3) == m.ndcg_at_k(docs, relevant, 3)
    assert m.recall_at_k(chunks, relevant, 3) == 1.0
    assert m.precision_at_k(chunks, relevant, 2) == 0.5
    assert m.reciprocal_rank(["x", "x", "b"], relevant) == 0.5


@pytest.mark.parametrize(
    "call",
    [
        lambda: m.ndcg_at_k(["a"], {"a": 1}, 0),
        lambda: m.recall_at_k(["a"], {"a": 1}, 0),
        lambda: m.precision_at_k(["a"], {"a": 1}, -1),
        lambda: m.reciprocal_rank(["a"], {"a": 1}, k=0),
        lambda: m.set_precision_at_k(["a"], {"a"}, k=0),
    ],
)
def test_cutoff_must_be_positive(call: Callable[[], object]) -> None:
    with pytest.raises(ValueError, match="k must be >= 1"):
        call()


# ============================================================================ permissions


@pytest.mark.parametrize(
    ("returned", "visible", "expected"),
    [
        ([["a", "b"], ["c"]], [{"a", "b"}, {"c", "d"}], 0.0),
        ([["a", "b"], ["c", "z"]], [{"a", "b"}, {"c"}], 0.25),
        # Pooled over items, not averaged over queries (that would be 0.5).
        ([["z"], ["a", "b", "c"]], [set(), {"a", "b", "c"}], 0.25),
        ([[], []], [{"a"}, set()], 0.0),
        ([], [], 0.0),
        ([["a", "a"]], [set()], 1.0),
    ],
)
def test_leak_rate(returned: list[list[str]], visible: list[set[str]], expected: float) -> None:
    assert m.leak_rate(returned, visible) == pytest.approx(expected)


def test_leak_rate_rejects_misaligned_inputs() -> None:
    with pytest.raises(ValueError, match="2 result lists but 1 visibility sets"):
        m.leak_rate([["a"], ["b"]], [{"a"}])


@pytest.mark.parametrize(
    ("got", "exact", "expected"),
    [
        (["a", "b"], ["a", "b"], 0.0),
        (["a", "b", "x"], ["a", "b", "c", "d"], 0.5),
        ([], ["a"], 1.0),
        (["a"], [], 0.0),
        (["b", "a", "a"], ["a", "a", "b"], 0.0),
        ([("d1", 0), ("d1", 1)], [("d1", 0), ("d2", 0), ("d1", 1)], 1 / 3),
    ],
)
def test_permitted_recall_loss(got: list[Any], exact: list[Any], expected: float) -> None:
    assert m.permitted_recall_loss(got, exact) == pytest.approx(expected)


# ============================================================================ answers

DOCS = {
    "em-1": "Our infosec team needs the SOC 2 reports before we sign. Legal asked about the DPA.",
    "call-2": "Dana: I'll send a revised quote by Friday with the multi-year discount.",
}


def cite(doc_id: str, quote: str) -> Citation:
    """A real citation of ``quote`` in the document."""
    start = DOCS[doc_id].index(quote)
    return Citation(document_id=doc_id, start=start, end=start + len(quote), quote=quote)


def raw(doc_id: str, start: int, end: int, quote: str) -> Citation:
    return Citation(document_id=doc_id, start=start, end=end, quote=quote)


SOC = cite("em-1", "Our infosec team needs the SOC 2 reports before we sign.")
DPA = cite("em-1", "Legal asked about the DPA.")
QUOTE = cite("call-2", "I'll send a revised quote by Friday with the multi-year discount.")


@pytest.mark.parametrize(
    ("citations", "answer_terms", "expected"),
    [
        ([SOC, QUOTE], (), 1.0),
        ([SOC], ("SOC 2 report",), 1.0),  # "reports" and "report" share a stem
        ([SOC], ("soc 2",), 1.0),  # case-insensitive
        ([SOC, DPA], ("SOC 2",), 0.5),  # DPA's quote is real but not on the answer
        ([SOC, DPA], ("SOC 2", "DPA"), 1.0),  # any one term suffices
        ([SOC], ("SOC 3",), 0.0),  # every stem of a term must be quoted
        ([raw("em-1", 0, 56, "Our infosec team needs the SOC 2 report.")], (), 0.0),
        ([raw("em-1", 1, 57, SOC.quote)], (), 0.0),  # right quote, wrong offsets
        ([raw("em-1", 80, 90, DOCS["em-1"][80:90])], (), 0.0),  # runs past the end
        ([raw("em-1", 5, 5, "")], (), 0.0),  # an empty span quotes nothing
        ([SOC, cite("call-2", "Dana"), QUOTE], ("discount", "SOC"), 2 / 3),
        ([], ("SOC 2",), None),  # a refusal has no citations
    ],
)
def test_citation_precision(
    citations: list[Citation], answer_terms: tuple[str, ...], expected: float | None
) -> None:
    result = m.citation_precision(citations, documents=DOCS, answer_terms=answer_terms)
    assert result == (None if expected is None else pytest.approx(expected))


def test_citation_of_a_document_the_user_may_not_see_fails() -> None:
    permitted = {"em-1": DOCS["em-1"]}
    assert m.citation_precision([SOC, QUOTE], documents=permitted) == 0.5


def test_answer_terms_without_content_words_are_rejected() -> None:
    with pytest.raises(ValueError, match="no content words"):
        m.citation_precision([SOC], documents=DOCS, answer_terms=("the", "of"))


@pytest.mark.parametrize(
    ("flags", "expected"),
    [([False, False], 1.0), ([True, False, False, False], 0.75), ([True], 0.0), ([], None)],
)
def test_refusal_rate(flags: list[bool], expected: float | None) -> None:
    assert m.refusal_rate(flags) == expected


@pytest.mark.parametrize(
    ("answer", "reference", "expected"),
    [
        ("The SOC 2 report.", "the soc 2 reports", 1.0),
        ("revised quote Friday", "discount approved", 0.0),
        ("", "", 1.0),  # SQuAD: both empty agree
        ("the of and", "", 1.0),  # stopwords only is empty
        ("", "quote", 0.0),
        # tokens [quote, quote, friday] vs [quote, monday]: overlap 1, P 1/3, R 1/2.
        ("quote quote Friday", "quote Monday", 2 * (1 / 3) * (1 / 2) / (1 / 3 + 1 / 2)),
        # [revis, quote, friday] vs [quote, due, friday]: overlap 2 of 3 each.
        ("Revised quote on Friday", "The quote is due Friday", 2 / 3),
    ],
)
def test_answer_term_overlap(answer: str, reference: str, expected: float) -> None:
    assert m.answer_term_overlap(answer, reference) == pytest.approx(expected)


# ============================================================================ summaries

# (name, prediction, references). Several references are scored with score_multi.
ROUGE_CASES: list[tuple[str, str, list[str]]] = [
    ("identical", "The customer renewed for two years.", ["The customer renewed for two years."]),
    ("disjoint", "Pricing was discussed.", ["Nobody attended the meeting"]),
    ("stemming", "They were running the renewals", ["she runs a renewal"]),
    ("short words unstemmed", "was has is this", ["wa ha is thi"]),
    (
        "punctuation and numbers",
        "Q3 renewal: $120k, 15% discount (approved)!",
        ["The Q3 renewal was $120k with a 15 % discount."],
    ),
    ("case", "SOC 2 REPORT SENT", ["soc 2 report sent on monday"]),
    ("accents split words", "Café résumé naïve", ["caf r sum na ve"]),
    ("repeated n-grams clip", "the the the cat the the", ["the cat sat on the mat"]),
    ("empty prediction", "", ["A reference."]),
    ("punctuation only", "!!! ... ???", ["A reference."]),
    ("single token", "renewal", ["renewals are due"]),
    (
        "call summary",
        "Dana will send a revised quote by Friday. Pat's team needs the SOC 2 report "
        "before signing; legal is reviewing the DPA.",
        [
            "The customer requires a SOC 2 report and DPA review before signing. Dana "
            "committed to sending an updated quote with a multi-year discount by Friday."
        ],
    ),
    (
        "multi: best reference differs per type",
        "a b c d x y",
        ["d a c b y x", "a b z", "q r s"],
    ),
    (
        "multi: one reference empty",
        "the renewal is at risk",
        ["", "renewal at risk because of budget cuts"],
    ),
    (
        "multi: three human references",
        "Customer escalated a 500 error after the SAML redirect; engineering is on it.",
        [
            "Users hit a 500 error after SAML redirect, escalated to engineering.",
            "A SAML login bug (HTTP 500) was escalated.",
            "The customer reported SSO failures; engineering will investigate.",
        ],
    ),
]

# Inflections, contractions, hyphens, currency, percentages.
_WORDS = (
    "the a renewal renewals renewed renewing quote quoted quotes price pricing discount "
    "discounts customer customers signed signing sign legal team teams report reports "
    "SOC 2 Q3 $120k 15% Friday Monday will send sent sending meeting meetings is was has "
    "I'll don't e-mail follow-up running ran runs risk risky budget"
)
_VOCAB = _WORDS.split()


def _random_rouge_cases(seed: int, count: int) -> list[tuple[str, str, list[str]]]:
    rng = random.Random(seed)

    def text() -> str:
        words = [rng.choice(_VOCAB) for _ in range(rng.randint(0, 25))]
        return " ".join(w + rng.choice(["", "", "", ",", ".", ";"]) for w in words)

    return [
        (f"random-{i}", text(), [text() for _ in range(rng.randint(1, 3))]) for i in range(count)
    ]


ALL_ROUGE_CASES = ROUGE_CASES + _random_rouge_cases(seed=7, count=80)


@pytest.fixture(scope="module")
def rouge_reference() -> rouge_scorer.RougeScorer:
    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)


@pytest.mark.parametrize(
    ("name", "prediction", "references"), ALL_ROUGE_CASES, ids=[c[0] for c in ALL_ROUGE_CASES]
)
def test_rouge_matches_rouge_score(
    rouge_reference: rouge_scorer.RougeScorer,
    name: str,
    prediction: str,
    references: list[str],
) -> None:
    if len(references) == 1:
        expected = rouge_reference.score(references[0], prediction)  # (target, prediction)
    else:
        expected = rouge_reference.score_multi(references, prediction)
    ours = m.rouge_f1(prediction, references)
    for key in ("rouge1", "rouge2", "rougeL"):
        assert ours[key] == pytest.approx(expected[key].fmeasure, abs=TOL), key  # type: ignore[literal-required]


def test_multi_reference_takes_the_best_reference_per_type() -> None:
    # Every unigram but no bigram of the first reference; one bigram of the second.
    refs = ["d a c b y x", "a b z"]
    scores = m.rouge_f1("a b c d x y", refs)
    singles = [m.rouge_f1("a b c d x y", ref) for ref in refs]
    assert singles[0]["rouge1"] > singles[1]["rouge1"]
    assert singles[1]["rouge2"] > singles[0]["rouge2"]
    assert scores["rouge1"] == singles[0]["rouge1"]
    assert scores["rouge2"] == singles[1]["rouge2"]


@pytest.mark.parametrize(
    "text",
    [c[1] for c in ROUGE_CASES] + ["Customers' e-mails: don't RE-SEND #42", "  \n\t "],
)
def test_rouge_tokens_match_rouge_score_tokenizer(text: str) -> None:
    assert m.rouge_tokens(text) == tokenizers.DefaultTokenizer(use_stemmer=True).tokenize(text)
    assert m.rouge_tokens(text, stem=False) == tokenizers.DefaultTokenizer().tokenize(text)


def test_a_single_reference_string_is_one_reference() -> None:
    assert m.rouge_f1("the quote", "the quote was sent") == m.rouge_f1(
        "the quote", ["the quote was sent"]
    )


def test_rouge_needs_a_reference() -> None:
    with pytest.raises(ValueError, match="no references"):
        m.rouge_f1("a summary", [])


SOURCE = "Pat asked for a discount. Dana will send a quote by Friday. The call ended."


def span(text: str, *, doc_id: str = "call-1") -> Citation:
    start = SOURCE.index(text)
    return Citation(document_id=doc_id, start=start, end=start + len(text), quote=text)


@pytest.mark.parametrize(
    ("sentences", "expected"),
    [
        (
            [Item(text="Dana sends a quote Friday.", citations=[span("Dana will send a quote")])],
            1.0,
        ),
        (
            [
                Item(text="Pat wants a discount.", citations=[span("Pat asked for a discount.")]),
                Item(text="Nobody mentioned pricing."),  # no citation
            ],
            0.5,
        ),
        # The quote is real but says nothing the sentence says.
        ([Item(text="Pat wants a discount.", citations=[span("The call ended.")])], 0.0),
        # The quote is not the span at its offsets.
        (
            [
                Item(
                    text="Dana sends a quote.",
                    citations=[Citation(document_id="c", start=0, end=10, quote="Dana will")],
                )
            ],
            0.0,
        ),
        # One good citation among bad ones suffices.
        (
            [
                Item(
                    text="Dana sends a quote.",
                    citations=[span("The call ended."), span("Dana will send a quote")],
                )
            ],
            1.0,
        ),
        ([], None),
    ],
)
def test_grounding_rate(sentences: list[Item], expected: float | None) -> None:
    assert m.grounding_rate(sentences, SOURCE) == expected


# ============================================================================ next-best actions


@pytest.mark.parametrize(
    ("predicted", "expected", "k", "precision", "recall"),
    [
        (["r1", "r2", "r3"], ["r1", "r2", "r3"], 3, 1.0, 1.0),
        (["r1", "r9", "r8", "r2"], ["r1", "r2"], 3, 1 / 3, 1.0),  # r2 is past the top 3
        (["r1", "r1", "r2"], ["r2", "r5"], 3, 0.5, 0.5),  # duplicates dropped
        (["r1"], ["r1"], 3, 1.0, 1.0),  # fewer shown than k
        (["r7", "r8"], ["r1"], 3, 0.0, 0.0),
        ([], ["r1"], 3, None, 0.0),  # nothing shown: only recall says so
        (["r1"], [], 3, 0.0, None),  # a false alarm
        (["r1", "r2", "r3"], ["r3"], 1, 0.0, 1.0),
    ],
)
def test_action_precision_and_recall(
    predicted: list[str],
    expected: list[str],
    k: int,
    precision: float | None,
    recall: float | None,
) -> None:
    got_precision = m.set_precision_at_k(predicted, expected, k)
    assert got_precision == (None if precision is None else pytest.approx(precision))
    assert m.set_recall(predicted, expected) == recall


# ============================================================================ latency

PERCENTILE_INPUTS = [
    [42.0],
    [10.0, 20.0, 30.0, 40.0],
    [12.5, 3.25, 99.0, 7.0, 7.0, 150.75, 0.5],
    [float(x) for x in range(1, 101)],
    [-5.0, 0.0, 5.0],
    list(np.random.default_rng(3).lognormal(3.0, 1.0, size=257)),
]


@pytest.mark.parametrize("q", [0, 1, 25, 50, 90, 95, 99, 99.9, 100])
@pytest.mark.parametrize("values", PERCENTILE_INPUTS, ids=[str(len(v)) for v in PERCENTILE_INPUTS])
def test_percentile_matches_numpy(values: list[float], q: float) -> None:
    assert m.percentile(values, q) == pytest.approx(float(np.percentile(values, q)), rel=1e-12)


@pytest.mark.parametrize(
    ("values", "q", "message"),
    [
        ([], 50, "no values"),
        ([1.0], 101, "q must be"),
        ([1.0], -1, "q must be"),
        ([1.0, math.nan], 50, "not all finite"),
    ],
)
def test_percentile_rejects_bad_input(values: list[float], q: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        m.percentile(values, q)


def test_latency_summary() -> None:
    values = [120.0, 80.0, 95.5, 310.0, 101.0, 99.0]
    summary = m.latency_summary(values)
    assert summary == {
        "p50": pytest.approx(float(np.percentile(values, 50))),
        "p95": pytest.approx(float(np.percentile(values, 95))),
        "mean": pytest.approx(float(np.mean(values))),
        "n": 6,
    }
    with pytest.raises(ValueError, match="no latencies"):
        m.latency_summary([])


# ============================================================================ confidence

CI_INPUTS = {
    "binary": [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0],
    "graded": [0.91, 0.42, 0.77, 0.0, 1.0, 0.63, 0.55, 0.38, 0.84, 0.7, 0.12, 0.99],
    "skewed": [0.0] * 27 + [1.0] * 3,
    "two": [0.25, 0.75],
}


@pytest.mark.parametrize("values", CI_INPUTS.values(), ids=list(CI_INPUTS))
def test_bootstrap_ci_brackets_the_mean_and_is_deterministic(values: list[float]) -> None:
    low, high = m.bootstrap_ci(values)
    assert low <= statistics.fmean(values) <= high
    assert min(values) <= low < high <= max(values)
    assert m.bootstrap_ci(values) == (low, high)


def test_bootstrap_ci_depends_on_the_seed() -> None:
    values = CI_INPUTS["graded"]  # many distinct resample means, so seeds differ
    assert m.bootstrap_ci(values, seed=1) != m.bootstrap_ci(values, seed=0)


@pytest.mark.parametrize("values", CI_INPUTS.values(), ids=list(CI_INPUTS))
def test_bootstrap_ci_widens_with_confidence(values: list[float]) -> None:
    narrow = m.bootstrap_ci(values, confidence=0.5)
    wide = m.bootstrap_ci(values, confidence=0.99)
    assert wide[0] <= narrow[0] <= narrow[1] <= wide[1]


def test_bootstrap_ci_agrees_with_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    values = CI_INPUTS["graded"]
    ours = m.bootstrap_ci(values, n_resamples=20_000)
    theirs = stats.bootstrap(
        (values,), np.mean, n_resamples=20_000, method="percentile", random_state=0
    ).confidence_interval
    assert ours == pytest.approx((theirs.low, theirs.high), abs=0.01)


def test_bootstrap_ci_with_another_statistic() -> None:
    values = CI_INPUTS["graded"]
    low, high = m.bootstrap_ci(values, stat=statistics.median, n_resamples=300)
    assert low <= statistics.median(values) <= high
    assert m.bootstrap_ci(values, stat=statistics.median, n_resamples=300) == (low, high)


@pytest.mark.parametrize("values", [[0.4], [0.7, 0.7, 0.7]])
def test_bootstrap_ci_of_constant_values_is_a_point(values: list[float]) -> None:
    assert m.bootstrap_ci(values) == (values[0], values[0])


@pytest.mark.parametrize(
    ("values", "kwargs", "message"),
    [
        ([], {}, "no values"),
        ([1.0, math.inf], {}, "not all finite"),
        ([1.0], {"confidence": 1.0}, "confidence"),
        ([1.0], {"confidence": 0.0}, "confidence"),
        ([1.0], {"n_resamples": 0}, "n_resamples"),
    ],
)
def test_bootstrap_ci_rejects_bad_input(
    values: list[float], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        m.bootstrap_ci(values, **kwargs)


def test_summarize_skips_undefined_items() -> None:
    value = m.summarize("retrieval.mrr", [1.0, None, 0.5, 0.0, None])
    assert (value.name, value.value, value.n) == ("retrieval.mrr", 0.5, 3)
    assert value.ci_low <= value.value <= value.ci_high
    assert (value.ci_low, value.ci_high) == m.bootstrap_ci([1.0, 0.5, 0.0])
    assert value.as_dict() == {
        "name": "retrieval.mrr",
        "value": 0.5,
        "ci_low": value.ci_low,
        "ci_high": value.ci_high,
        "n": 3,
    }


def test_summarize_without_values_fails_loudly() -> None:
    with pytest.raises(ValueError, match="'retrieval.mrr'"):
        m.summarize("retrieval.mrr", [None, None])


def test_summarize_by_group() -> None:
    pairs = [("rep", 1.0), ("manager", 0.5), ("rep", 0.0), ("admin", None), ("manager", None)]
    out = m.summarize_by_group("mrr", pairs)
    assert list(out) == ["manager", "rep"]  # admin had no defined value
    assert (out["rep"].value, out["rep"].n) == (0.5, 2)
    assert (out["manager"].value, out["manager"].n) == (0.5, 1)


def test_a_citation_of_the_record_a_lookup_names_in_its_title_is_on_the_answer() -> None:
    titles = {"em-1": "[TCK-18075] Security review", "call-2": "Pricing call"}
    # The DPA sentence never says the ticket's number; its record's title does.
    assert m.citation_precision([DPA], documents=DOCS, answer_terms=["TCK-18075"]) == 0.0
    found = m.citation_precision(
        [DPA, QUOTE], documents=DOCS, answer_terms=["TCK-18075"], titles=titles
    )
    assert found == 0.5  # the pricing call is not about the ticket
