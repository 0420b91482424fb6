"""Metric functions on small cases whose values were worked out by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evals.metrics import (
    METRIC_KEYS,
    CaseOutcome,
    answer_f1,
    citation_precision,
    compute_metrics,
    contains,
    contains_answer,
    failed_checks,
    hit_at,
    is_correct,
    mean,
    ndcg_at,
    normalize,
    percentile,
    reciprocal_rank,
    strip_markers,
    token_f1,
)

T, F = True, False


@pytest.mark.parametrize(
    ("text", "normalized"),
    [
        ("The Treasury Secretary", "treasury secretary"),
        ("  a  cat\tsat\n", "cat sat"),
        ("An answer, the end.", "answer end"),
        ("Anatomy of a theme", "anatomy of theme"),  # articles go only as whole words
        ("two-day", "two day"),  # punctuation is a word break: matches the unpunctuated seed's "two day"
        ("Don’t", "don t"),  # the 000 seed writes "don t"
        ("cnbc.com", "cnbc com"),
        ("12-18 months", "12 18 months"),
        ("snake_case", "snake case"),
        ("THE", ""),
    ],
)
def test_normalisation_lowercases_and_drops_punctuation_and_articles(text: str, normalized: str) -> None:
    assert normalize(text) == normalized


@pytest.mark.parametrize(
    ("text", "snippet", "expected"),
    [
        ("Think tanks and standards bodies (NIST, ISO SC 42)", "nist", True),
        ("the Trump administration said", "nist", False),  # whole tokens, not raw substrings
        ("cleared to purchase Nvidia's H200 processor", "H200", True),
        ("an H2000 accelerator", "H200", False),
        ("President Donald Trump two day meeting", "two-day", True),
        ("the US-China pact", "US China", True),
        ("China and the US", "US China", False),  # a token sequence, in order
        ("non state actors do not get a hold", "the non-state actors", True),
        ("anything at all", "", False),
        ("anything at all", "the", False),  # nothing left after normalising
    ],
)
def test_a_snippet_is_contained_as_a_run_of_whole_normalised_tokens(text: str, snippet: str, expected: bool) -> None:
    assert contains(text, snippet) is expected


def test_citation_markers_are_not_part_of_the_answer() -> None:
    assert normalize(strip_markers("It was a deal [2]. Signed [1, 3].")) == "it was deal signed"


@pytest.mark.parametrize(
    ("prediction", "gold", "f1"),
    [
        ("the cat sat", "cat sat", 1.0),
        ("w b c d", "b c e", 2 * (2 / 4) * (2 / 3) / (2 / 4 + 2 / 3)),  # p = 2/4, r = 2/3
        ("a b c d", "b c e", 2 / 3),  # "a" is an article and goes: p = r = 2/3
        ("capital is Paris", "Paris", 0.5),  # p = 1/3, r = 1
        ("x x y", "x", 0.5),  # bag of tokens: one x in common; p = 1/3, r = 1
        ("foo", "bar", 0.0),
        ("", "", 1.0),
        ("something", "", 0.0),
    ],
)
def test_token_f1_follows_squad(prediction: str, gold: str, f1: float) -> None:
    assert token_f1(prediction, gold) == pytest.approx(f1)


@pytest.mark.parametrize(
    ("relevance", "k", "hit"),
    [([F, T, F], 1, False), ([F, T, F], 2, True), ([], 5, False), ([F] * 5 + [T], 5, False), ([F] * 5 + [T], 10, True)],
)
def test_hit_at_k_is_any_relevant_paragraph_in_the_top_k(relevance: list[bool], k: int, hit: bool) -> None:
    assert hit_at(relevance, k) is hit


@pytest.mark.parametrize(
    ("relevance", "rr"),
    [([T], 1.0), ([F, F, T, T], 1 / 3), ([F, F], 0.0), ([], 0.0), ([F] * 10 + [T], 0.0)],
)
def test_reciprocal_rank_counts_the_first_relevant_within_ten(relevance: list[bool], rr: float) -> None:
    assert reciprocal_rank(relevance) == pytest.approx(rr)


@pytest.mark.parametrize(
    ("relevance", "relevant_total", "ndcg"),
    [
        ([T], 1, 1.0),
        ([F, T], 1, 1 / math.log2(3)),
        ([F, T], 2, (1 / math.log2(3)) / (1 + 1 / math.log2(3))),
        ([T, F, T], 2, (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))),
        ([F, F, T], 2, 0.5 / (1 + 1 / math.log2(3))),
        ([T, T], 1, 1.0),  # the ideal counts at least the relevant paragraphs retrieved
        ([F] * 10 + [T], 1, 0.0),  # beyond the cut-off
        ([F, F], 0, 0.0),
    ],
)
def test_ndcg_at_10_uses_binary_gains_and_the_collections_relevant_count(
    relevance: list[bool], relevant_total: int, ndcg: float
) -> None:
    assert ndcg_at(relevance, relevant_total) == pytest.approx(ndcg)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [([10, 20, 30, 40], 50, 25.0), ([10, 20, 30, 40], 95, 38.5), ([40, 10, 30, 20], 0, 10.0), ([7], 95, 7.0)],
)
def test_percentiles_interpolate_between_ranks(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_a_metric_over_no_values_is_none_not_zero() -> None:
    assert mean([]) is None and percentile([], 50) is None


def outcome(
    case_id: str,
    answerable: bool = True,
    gold: tuple[str, ...] = (),
    answer: str = "",
    abstained: bool = False,
    cited: tuple[bool, ...] = (),
    retrieved: tuple[bool, ...] = (),
    relevant_total: int = 1,
    latency_ms: float = 0.0,
    short_answer: str | None = None,
) -> CaseOutcome:
    return CaseOutcome(
        id=case_id,
        question=f"question {case_id}?",
        answerable=answerable,
        gold=gold,
        answer=answer,
        abstained=abstained,
        citations=tuple(f"doc.txt#p{n}" for n in range(1, len(cited) + 1)),
        cited_relevant=cited,
        retrieved=tuple(f"doc.txt#p{n}" for n in range(1, len(retrieved) + 1)),
        retrieved_relevant=retrieved,
        relevant_total=relevant_total,
        latency_ms=latency_ms,
        asks_span=short_answer is not None or case_id == "c",  # C asks for a span and gets none
        short_answer=short_answer or None,
    )


# Five cases worked through by hand below; each line of EXPECTED says how its value comes about.
A = outcome("a", gold=("Paris",), answer="The capital is Paris [1]. Lyon is not [2].", cited=(T, F),
            retrieved=(T, F), relevant_total=1, latency_ms=100, short_answer="the city of Paris")  # fmt: skip
B = outcome("b", gold=("1961",), answer="The sources do not answer this question.", abstained=True,
            retrieved=(F, F, T), relevant_total=2, latency_ms=200)  # fmt: skip
C = outcome("c", gold=("Reyes",), answer="Barlow voted no [1].", cited=(T,),
            retrieved=(F, F, F, F, F, T), relevant_total=1, latency_ms=300)  # fmt: skip
D = outcome("d", answerable=False, answer="The sources do not answer this question.", abstained=True, latency_ms=400)
E = outcome(
    "e", answerable=False, answer="Probably Dana Holt [1].", cited=(F,), latency_ms=500, short_answer="Dana Holt"
)

NDCG_B = 0.5 / (1 + 1 / math.log2(3))  # first relevant at rank 3; two relevant in the collection
NDCG_C = 1 / math.log2(7)  # rank 6; one relevant in the collection
A_F1 = 2 * (1 / 6) * 1 / (1 / 6 + 1)  # "capital is paris lyon is not" has 6 tokens, one of them "paris"
EXPECTED = {
    "recall_at_1": 1 / 3,  # only A ranks a relevant paragraph first
    "recall_at_5": 2 / 3,  # A (1) and B (3); C's is at 6
    "recall_at_10": 1.0,
    "mrr_at_10": (1 + 1 / 3 + 1 / 6) / 3,
    "ndcg_at_10": (1 + NDCG_B + NDCG_C) / 3,
    "answer_containment": 1 / 3,  # A names Paris; B abstained; C names the wrong councillor
    "answer_f1": (A_F1 + 0 + 0) / 3,
    "citation_precision": (1 / 2 + 1) / 2,  # over the answered answerable cases A and C
    "citation_recall": 2 / 3,  # A and C cite a relevant paragraph
    "abstention_accuracy": 1 / 2,  # D abstained, E did not
    "false_abstention_rate": 1 / 3,  # B
    "precision_answered": 1 / 3,  # answered: A (right), C (wrong), E (wrong)
    "accuracy_all": 2 / 5,  # A and D
    "short_answer_given": 1 / 2,  # of the answered answerable span questions A and C, A leads with one
    "short_answer_correct": 1.0,  # A's holds "Paris"; E's is not counted (unanswerable)
    "latency_p50_ms": 300.0,
    "latency_p95_ms": 480.0,  # rank 3.8 of 0..4: 400 + 0.8 * 100
    "questions": 5,
}


@pytest.mark.parametrize("metric", METRIC_KEYS)
def test_each_metric_matches_its_hand_computed_value(metric: str) -> None:
    assert compute_metrics([A, B, C, D, E])[metric] == pytest.approx(EXPECTED[metric])


def test_metrics_come_in_the_reported_order_with_exactly_the_reported_keys() -> None:
    assert tuple(compute_metrics([A, B, C, D, E])) == METRIC_KEYS == tuple(EXPECTED)


@pytest.mark.parametrize(
    ("case", "failed"),
    [
        (A, ("citation_precision",)),
        (B, ("answer_containment", "citation_recall", "false_abstention_rate")),
        (C, ("recall_at_5", "answer_containment")),
        (D, ()),
        (E, ("abstention_accuracy",)),
    ],
)
def test_a_case_lists_the_checks_it_fails(case: CaseOutcome, failed: tuple[str, ...]) -> None:
    assert failed_checks(case) == failed


@pytest.mark.parametrize(
    ("case", "correct"),
    [(A, True), (B, False), (C, False), (D, True), (E, False)],
)
def test_right_behaviour_is_an_alias_when_answerable_and_abstaining_when_not(case: CaseOutcome, correct: bool) -> None:
    assert is_correct(case) is correct


def test_an_abstention_never_contains_the_answer_even_if_its_text_would() -> None:
    sly = outcome("s", gold=("sources",), answer="The sources do not answer this question.", abstained=True)

    assert not contains_answer(sly) and answer_f1(sly) == 0.0


def test_a_citation_marker_is_not_taken_for_a_numeric_answer() -> None:
    assert not contains_answer(outcome("n", gold=("2",), answer="Both sides agreed [2]."))


def test_an_answer_that_cites_nothing_has_citation_precision_zero() -> None:
    assert citation_precision(outcome("u", gold=("x",), answer="x")) == 0.0


def test_rates_of_a_kind_of_case_that_is_absent_are_none() -> None:
    metrics = compute_metrics([A])

    assert metrics["abstention_accuracy"] is None
    assert metrics["recall_at_5"] == 1.0


@given(st.text())
def test_normalising_twice_changes_nothing(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@given(st.lists(st.sampled_from(["alpha", "beta", "the", "H200", "non-state"]), min_size=1), st.data())
def test_any_run_of_a_texts_own_words_is_contained_in_it(words: list[str], data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(words) - 1))
    end = data.draw(st.integers(start + 1, len(words)))
    snippet = " ".join(words[start:end])

    assert contains(" ".join(words), snippet) == bool(normalize(snippet))
