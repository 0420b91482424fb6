"""JUnit XML and the CI summary, on a constructed run with one failing case and one failing threshold."""

from __future__ import annotations

from pathlib import Path

from test_eval_report import RUN
from test_eval_suites import validate_junit

from evals.ci import junit_xml, summary_markdown
from evals.gate import GateCheck
from evals.run import EvalSession

CHECKS = (
    GateCheck("answer_containment", 0.5, 0.9, "min"),
    GateCheck("recall_at_5", 1.0, 0.9, "min", "interval", (0.95, 1.0)),
)
SESSION = EvalSession(RUN, Path("r.json"), Path("r.md"), CHECKS, None)


def test_each_question_and_threshold_is_a_test_case_and_failures_say_expected_answered_cited(tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(junit_xml([("city", SESSION)]))

    root = validate_junit(path)

    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == [
        "budget-dissenters",
        "police-chief-name",
        "answer_containment ≥ 0.9",
        "recall_at_5 ≥ 0.9 (lower bound)",
    ]
    assert root.get("tests") == "4" and root.get("failures") == "2"
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("message", "").startswith("fails answer_containment")
    text = failure.text or ""
    assert "expected: Ines Barlow / Tomas Reyes" in text
    assert "answered: Public safety remains the largest line [1]." in text
    assert "cited: budget-2025.md#p2 (not relevant): Public safety remains" in text
    assert cases[1].find("failure") is None and cases[3].find("failure") is None
    assert "below the minimum 0.9" in (cases[2].find("failure").get("message") or "")  # type: ignore[union-attr]


def test_the_summary_is_a_markdown_table_with_the_gate_verdict() -> None:
    lines = summary_markdown([("city", SESSION)]).splitlines()

    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| suite | metric | value | 95% interval | threshold | result |"
    assert "| city | answer_containment | 0.0000 | [0.0000, 0.0000] | ≥ 0.9 | **FAIL** |" in table
    assert "| city | recall_at_5 |" in "\n".join(table) and "(lower bound) | pass |" in "\n".join(table)
    assert lines[-1] == "1 suites, 2 cases. Gate: **FAIL**: city: answer_containment = 0.5000, below the minimum 0.9"
