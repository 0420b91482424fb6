"""Intervals and paired tests on constructed results whose answers are known by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from evals.gate import GateCheck, ResultFile, compare, load_thresholds
from evals.metrics import LOWER_IS_BETTER, CaseOutcome
from evals.stats import (
    bootstrap_intervals,
    case_values,
    mcnemar_exact,
    paired_bootstrap,
    paired_tests,
    value_table,
)

CASES = 92


def outcome(case: int, right: bool, answerable: bool = True, latency: float = 50.0) -> CaseOutcome:
    """An answerable case answered with its alias and a relevant citation (right), or abstained on (wrong)."""
    return CaseOutcome(
        id=f"c{case}",
        question=f"question {case}?",
        answerable=answerable,
        gold=("Beijing",) if answerable else (),
        answer="It was held in Beijing [1]." if right else "The sources do not answer this question.",
        abstained=not right,
        citations=("d#p1",) if right else (),
        cited_relevant=(True,) if right else (),
        retrieved=("d#p1", "d#p2"),
        retrieved_relevant=(right, False),
        relevant_total=1,
        latency_ms=latency,
    )


def row(o: CaseOutcome) -> dict[str, object]:
    """A result row as the runner writes it, with the fields the paired tests read."""
    return {
        "id": o.id,
        "question": o.question,
        "failed": [] if not o.abstained else ["answer_containment"],
        "answerable": o.answerable,
        "gold_answers": list(o.gold),
        "answer": o.answer,
        "abstained": o.abstained,
        "citations_relevant": list(o.cited_relevant),
        "retrieved_relevant": list(o.retrieved_relevant),
        "relevant_in_collection": o.relevant_total,
        "latency_ms": o.latency_ms,
    }


def result(outcomes: list[CaseOutcome]) -> ResultFile:
    return ResultFile.model_validate({"metrics": {}, "rows": [row(o) for o in outcomes]})


def run_with(flipped: int) -> tuple[ResultFile, ResultFile]:
    """A baseline where 80 of 92 cases are right, and a run where `flipped` of those are now wrong."""
    before = [outcome(n, right=n < 80) for n in range(CASES)]
    after = [outcome(n, right=n < 80 - flipped) for n in range(CASES)]
    return result(before), result(after)


@pytest.mark.parametrize(("worse", "better", "p"), [(1, 0, 1.0), (15, 0, 2 * 0.5**15), (0, 0, 1.0), (3, 3, 1.0)])
def test_mcnemars_exact_test_matches_the_binomial_tail_by_hand(worse: int, better: int, p: float) -> None:
    assert mcnemar_exact(worse, better) == pytest.approx(p)


def test_one_case_flipped_in_92_is_not_significant_and_stays_listed() -> None:
    diff = compare(*reversed(run_with(1)))

    test = diff.test("accuracy_all")
    assert test is not None and test.test == "mcnemar-exact"
    assert (test.worse, test.better, test.pairs) == (1, 0, CASES)
    assert not test.significant and test.p_value == 1.0
    assert [flip.id for flip in diff.broke] == ["c79"]


def test_fifteen_cases_flipped_in_92_are_significant() -> None:
    diff = compare(*reversed(run_with(15)))

    for metric in ("accuracy_all", "answer_containment", "recall_at_1", "citation_recall"):
        test = diff.test(metric)
        assert test is not None and test.significant, metric
        assert test.worse == 15 and test.p_value == pytest.approx(2 * 0.5**15)
    assert len(diff.broke) == 15


def test_for_a_lower_is_better_rate_more_abstentions_count_as_worse() -> None:
    before, after = run_with(15)
    test = compare(after, before).test("false_abstention_rate")

    assert "false_abstention_rate" in LOWER_IS_BETTER
    assert test is not None and (test.worse, test.better) == (15, 0) and test.significant


def test_a_paired_bootstrap_finds_a_shift_on_every_case_but_not_a_nudge_on_one() -> None:
    rng = np.random.default_rng(1)
    before = rng.uniform(0.2, 0.8, CASES)

    assert paired_bootstrap("answer_f1", before, before - 0.1) < 0.001
    nudged = before.copy()
    nudged[0] -= 0.1
    assert paired_bootstrap("answer_f1", before, nudged) > 0.05
    assert paired_bootstrap("answer_f1", before, before.copy()) == 1.0


def test_continuous_metrics_get_a_paired_bootstrap_and_the_question_count_no_test() -> None:
    before = {f"c{n}": case_values(outcome(n, True)) for n in range(10)}
    after = {f"c{n}": case_values(outcome(n, True, latency=80.0)) for n in range(10)}

    tests = {t.metric: t for t in paired_tests(before, after, LOWER_IS_BETTER)}

    assert tests["mrr_at_10"].test == "paired-bootstrap" and tests["latency_p50_ms"].test == "paired-bootstrap"
    assert tests["latency_p50_ms"].significant and not tests["mrr_at_10"].significant
    assert "questions" not in tests
    assert "abstention_accuracy" not in tests  # no unanswerable case in either run


def test_the_interval_of_a_rate_of_one_half_over_92_cases_is_about_a_normal_approximations_width() -> None:
    outcomes = [outcome(n, right=n % 2 == 0) for n in range(CASES)]

    interval = bootstrap_intervals(value_table(outcomes))["accuracy_all"]

    assert interval is not None and interval.low < 0.5 < interval.high
    half_width = 1.96 * math.sqrt(0.25 / CASES)  # 0.102
    assert interval.high - interval.low == pytest.approx(2 * half_width, abs=0.03)


def test_intervals_are_deterministic_degenerate_when_every_case_agrees_and_absent_when_nothing_is_measured() -> None:
    outcomes = [outcome(n, right=True) for n in range(20)]

    first, second = bootstrap_intervals(value_table(outcomes)), bootstrap_intervals(value_table(outcomes))

    assert first == second
    assert first["accuracy_all"] is not None and (first["accuracy_all"].low, first["accuracy_all"].high) == (1.0, 1.0)
    assert first["abstention_accuracy"] is None  # no unanswerable case


def test_intervals_of_a_subset_metric_are_taken_over_the_cases_it_is_measured_on() -> None:
    outcomes = [outcome(n, right=True) for n in range(30)] + [outcome(n, True, answerable=False) for n in range(30, 40)]

    intervals = bootstrap_intervals(value_table(outcomes))

    assert intervals["answer_containment"] is not None and intervals["answer_containment"].low == 1.0
    # the unanswerable cases were all answered (none abstained on): 0 on every resample, whatever else is drawn
    assert intervals["abstention_accuracy"] is not None and intervals["abstention_accuracy"].high == 0.0


@pytest.mark.parametrize(
    ("check", "passed"),
    [
        (GateCheck("recall_at_5", 0.96, 0.95, "min"), True),
        (GateCheck("recall_at_5", 0.96, 0.95, "min", "interval", (0.90, 1.0)), False),
        (GateCheck("recall_at_5", 0.99, 0.95, "min", "interval", (0.951, 1.0)), True),
        (GateCheck("false_abstention_rate", 0.02, 0.05, "max", "interval", (0.0, 0.08)), False),
        (GateCheck("false_abstention_rate", 0.02, 0.05, "max", "interval", None), False),
    ],
)
def test_a_bar_on_the_interval_is_held_against_its_pessimistic_end(check: GateCheck, passed: bool) -> None:
    assert check.passed is passed
    if check.on == "interval" and check.interval is not None and not passed:
        assert "95% " in check.describe() and "bound" in check.describe()


def test_a_thresholds_file_chooses_point_or_interval_per_metric(tmp_path: Path) -> None:
    path = tmp_path / "bars.json"
    path.write_text('{"recall_at_5": {"min": 0.9, "on": "interval"}, "answer_containment": {"min": 0.9}}')

    bars = load_thresholds(path)

    assert bars["recall_at_5"].on == "interval" and bars["answer_containment"].on == "point"
