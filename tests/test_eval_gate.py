"""The gate: thresholds, result files checked against them, and the diff against a baseline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from evals.gate import (
    GateCheck,
    GateError,
    ResultFile,
    ResultRow,
    check_gate,
    check_result_file,
    compare,
    load_result,
    load_thresholds,
)
from evals.metrics import METRIC_KEYS
from evals.report import diff_lines

REPO = Path(__file__).resolve().parent.parent
THRESHOLDS = REPO / "evals" / "thresholds.json"
# Exactly at every bar of evals/thresholds.json.
AT_THE_BAR = {
    "answer_containment": 0.90,
    "citation_precision": 0.90,
    "citation_recall": 0.90,
    "abstention_accuracy": 0.90,
    "false_abstention_rate": 0.05,
    "recall_at_5": 0.95,
}


def write_result(
    tmp_path: Path, name: str = "result.json", rows: list[dict[str, object]] | None = None, **metrics: float
) -> Path:
    path = tmp_path / name
    values = {key: 0.5 for key in METRIC_KEYS} | AT_THE_BAR | metrics
    path.write_text(json.dumps({"run": {}, "metrics": values, "rows": rows or []}))
    return path


def test_the_committed_thresholds_are_the_acceptance_bar() -> None:
    bars = load_thresholds(THRESHOLDS)

    assert {metric: (bar.min, bar.max) for metric, bar in bars.items()} == {
        "answer_containment": (0.90, None),
        "citation_precision": (0.90, None),
        "citation_recall": (0.90, None),
        "abstention_accuracy": (0.90, None),
        "false_abstention_rate": (None, 0.05),
        "recall_at_5": (0.95, None),
    }


@pytest.mark.parametrize(
    ("direction", "bound", "value", "passed"),
    [
        ("min", 0.90, 0.90, True),
        ("min", 0.90, 0.9 - 1e-12, True),  # float noise in a mean is not a regression
        ("min", 0.90, 0.8999, False),
        ("min", 0.90, 1.0, True),
        ("max", 0.05, 0.05, True),
        ("max", 0.05, 0.0501, False),
        ("max", 0.05, 0.0, True),
        ("min", 0.90, None, False),  # not measured is not passed
    ],
)
def test_a_check_passes_at_or_beyond_its_bound(direction: str, bound: float, value: float | None, passed: bool) -> None:
    assert GateCheck("m", value, bound, direction).passed is passed  # type: ignore[arg-type]


def test_a_result_file_at_every_threshold_passes(tmp_path: Path) -> None:
    checks = check_result_file(write_result(tmp_path), THRESHOLDS)

    assert [c.metric for c in checks] == list(AT_THE_BAR)
    assert all(c.passed for c in checks)


@pytest.mark.parametrize(
    ("metric", "value"),
    [("answer_containment", 0.89), ("recall_at_5", 0.9375), ("false_abstention_rate", 0.0625)],
)
def test_a_result_file_below_a_threshold_fails_on_that_metric_alone(tmp_path: Path, metric: str, value: float) -> None:
    checks = check_result_file(write_result(tmp_path, **{metric: value}), THRESHOLDS)

    assert [c.metric for c in checks if not c.passed] == [metric]


def test_briefing_eval_check_exits_1_and_names_the_failing_metric(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--check", str(write_result(tmp_path, citation_recall=0.7188))])

    assert result.exit_code == 1
    assert "gate failed: citation_recall = 0.7188, below the minimum 0.9" in " ".join(result.output.split())


def test_briefing_eval_check_exits_0_at_the_thresholds(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["eval", "--check", str(write_result(tmp_path))])

    assert result.exit_code == 0, result.output
    assert "gate passed: 6 thresholds met" in result.output


def test_briefing_eval_check_exits_2_on_a_file_that_is_not_a_result(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"not": "a result"}')

    result = CliRunner().invoke(app, ["eval", "--check", str(path)])

    assert result.exit_code == 2
    assert "metrics" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"recall_at_50": {"min": 0.9}}', "recall_at_50: unknown metric"),
        ('{"recall_at_5": {"min": 0.9, "max": 1.0}}', "recall_at_5: give exactly one"),
        ('{"recall_at_5": {}}', "recall_at_5: give exactly one"),
        ('{"recall_at_5": {"minimum": 0.9}}', "recall_at_5.minimum"),
        ("{}", "expected a JSON object"),
        ("{oops", "not valid JSON"),
    ],
)
def test_a_bad_thresholds_file_is_refused_with_the_reason(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "thresholds.json"
    path.write_text(content)

    with pytest.raises(GateError) as raised:
        load_thresholds(path)

    assert str(raised.value).startswith(str(path)) and message in str(raised.value)


def test_check_gate_keeps_the_order_of_the_thresholds_file() -> None:
    bars = load_thresholds(THRESHOLDS)

    checks = check_gate({"recall_at_5": 1.0}, bars)

    assert [c.metric for c in checks] == list(bars)
    assert [c.metric for c in checks if c.passed] == ["recall_at_5"]


def result(metrics: dict[str, float], rows: dict[str, tuple[str, ...]]) -> ResultFile:
    return ResultFile(
        metrics=metrics, rows=tuple(ResultRow(id=i, question=f"{i}?", failed=failed) for i, failed in rows.items())
    )


def test_the_baseline_diff_shows_cases_that_flipped_both_ways_and_metric_changes() -> None:
    baseline = result(
        {"answer_containment": 0.9, "false_abstention_rate": 0.0},
        {"kept": (), "broken": (), "fixed": ("answer_containment",), "gone": ()},
    )
    current = result(
        {"answer_containment": 0.8, "false_abstention_rate": 0.1},
        {"kept": (), "broken": ("answer_containment", "false_abstention_rate"), "fixed": (), "new": ()},
    )

    diff = compare(current, baseline)

    assert [f.id for f in diff.broke] == ["broken"] and diff.broke[0].failed_now[0] == "answer_containment"
    assert [f.id for f in diff.fixed] == ["fixed"] and diff.fixed[0].failed_before == ("answer_containment",)
    assert diff.new_cases == ("new",) and diff.missing_cases == ("gone",)
    assert [(c.metric, round(c.delta or 0, 4), c.worse) for c in diff.changes] == [
        ("answer_containment", -0.1, True),
        ("false_abstention_rate", 0.1, True),  # lower is better here
    ]
    lines = diff_lines(diff)
    assert "right -> wrong: broken (now fails answer_containment, false_abstention_rate): broken?" in lines
    assert "wrong -> right: fixed (failed answer_containment): fixed?" in lines


def test_a_case_failing_a_different_check_has_not_flipped() -> None:
    diff = compare(result({}, {"c": ("recall_at_5",)}), result({}, {"c": ("citation_recall",)}))

    assert diff.broke == () and diff.fixed == ()
    assert diff_lines(diff) == ["no case flipped between right and wrong"]


def test_the_committed_baseline_is_a_result_file_with_every_metric() -> None:
    baseline = load_result(REPO / "evals" / "baseline.json")

    assert set(METRIC_KEYS) <= set(baseline.metrics)
    assert len(baseline.rows) == baseline.metrics["questions"]
