"""The Markdown report: a reader sees the metrics, the gate and, for each failed case, what went wrong."""

from __future__ import annotations

import pytest

from evals.gate import BaselineDiff, GateCheck, MetricChange
from evals.metrics import CaseOutcome, compute_metrics
from evals.report import diff_lines, render_markdown, summary_lines
from evals.run import AnswerDetail, EvalRun, RunInfo
from evals.stats import bootstrap_intervals, value_table

INFO = RunInfo(
    corpus="tests/fixtures/second_corpus/docs",
    collection="eval-docs-0123abcd",
    questions="questions.jsonl",
    k=5,
    answerer="extractive",
    date="2026-05-14T00:00:00+00:00",
    commit=None,
    documents=4,
    paragraphs=14,
    index_seconds=1.0,
    run_seconds=2.0,
    unmatched_evidence=("ghost-case",),
)
WRONG = CaseOutcome(
    id="budget-dissenters",
    question="Which councillors voted against the 2025 budget?",
    answerable=True,
    gold=("Ines Barlow", "Tomas Reyes"),
    answer="Public safety remains the largest line [1].",
    abstained=False,
    citations=("budget-2025.md#p2",),
    cited_relevant=(False,),
    retrieved=("budget-2025.md#p2", "budget-2025.md#p1"),
    retrieved_relevant=(False, True),
    relevant_total=1,
    latency_ms=12.0,
    tags=("who", "list"),
)
RIGHT = CaseOutcome(
    id="police-chief-name",
    question="Who is Marrowfield's police chief?",
    answerable=False,
    gold=(),
    answer="The sources do not answer this question.",
    abstained=True,
    citations=(),
    cited_relevant=(),
    retrieved=(),
    retrieved_relevant=(),
    relevant_total=0,
    latency_ms=10.0,
    tags=("who",),
)
EXCERPT = "Public safety remains the largest line, at 61.2 million dollars, most of it for the fire service"
RUN = EvalRun(
    INFO,
    (WRONG, RIGHT),
    compute_metrics([WRONG, RIGHT]),
    bootstrap_intervals(value_table([WRONG, RIGHT])),
    {"budget-2025.md#p2": EXCERPT},
    details={"budget-dissenters": AnswerDetail("extractive", ("LLM unreachable: answered extractively",), {})},
)


def test_a_failed_case_shows_question_gold_answer_and_each_citation_with_its_text() -> None:
    markdown = render_markdown(RUN)

    section = markdown.split("### `budget-dissenters`")[1]
    assert section.startswith(": fails answer_containment, citation_precision, citation_recall")
    assert "Which councillors voted against the 2025 budget?" in section
    assert "`Ines Barlow` / `Tomas Reyes`" in section
    assert "“Public safety remains the largest line [1].”" in section
    assert f"`budget-2025.md#p2` (not relevant): “{EXCERPT}”" in section
    assert "`budget-2025.md#p1` ✓" in section
    assert "**Notes:** LLM unreachable: answered extractively" in section


def test_a_case_that_passed_is_not_listed_as_failed() -> None:
    markdown = render_markdown(RUN)

    assert "## Failed cases (1 of 2)" in markdown and "### `police-chief-name`" not in markdown


def test_accuracy_is_broken_down_by_tag() -> None:
    markdown = render_markdown(RUN)

    assert "| who | 2 | 1 | 0.50 |" in markdown and "| list | 1 | 0 | 0.00 |" in markdown


def test_the_gate_adds_threshold_and_verdict_columns_when_a_thresholds_file_is_in_play() -> None:
    checks = [GateCheck("answer_containment", 0.0, 0.9, "min"), GateCheck("abstention_accuracy", 1.0, 0.9, "min")]

    markdown = render_markdown(RUN, checks)

    assert "| answer_containment | 0.0000 | [0.0000, 0.0000] | ≥ 0.9 | **FAIL** |" in markdown
    assert "| abstention_accuracy | 1.0000 | [1.0000, 1.0000] | ≥ 0.9 | pass |" in markdown
    assert "Gate: **FAIL**: answer_containment = 0.0000, below the minimum 0.9" in markdown
    assert "| metric | value | 95% interval | meaning |" in render_markdown(RUN)  # no thresholds, no columns for them


def test_cases_whose_evidence_is_in_no_paragraph_are_called_out() -> None:
    assert "## Evidence found in no paragraph" in render_markdown(RUN) and "`ghost-case`" in render_markdown(RUN)


def test_the_terminal_summary_marks_each_threshold() -> None:
    lines = summary_lines(RUN.metrics, [GateCheck("false_abstention_rate", 0.0, 0.05, "max")])

    assert any(line.split() == ["false_abstention_rate", "0.0000", "<=", "0.05", "ok"] for line in lines)
    assert any(line.split() == ["questions", "2"] for line in lines)


@pytest.mark.parametrize(
    ("metric", "before", "after", "line"),
    [
        ("recall_at_5", 0.9062, 0.9844, "recall_at_5: 0.9062 -> 0.9844 (+0.0782)"),
        ("latency_p95_ms", 5407.9, 10542.9, "latency_p95_ms: 5407.9 -> 10542.9 (+5135.0)  worse"),
        ("false_abstention_rate", 0.0312, 0.0, "false_abstention_rate: 0.0312 -> 0.0000 (-0.0312)"),
        ("questions", 92, 93, "questions: 92 -> 93 (+1)"),
        ("abstention_accuracy", None, 1.0, "abstention_accuracy: n/a -> 1.0000"),
    ],
)
def test_a_metric_change_is_shown_in_the_metrics_own_units(
    metric: str, before: float | None, after: float | None, line: str
) -> None:
    diff = BaselineDiff((MetricChange(metric, before, after),), (), (), (), ())

    assert diff_lines(diff)[0] == line
