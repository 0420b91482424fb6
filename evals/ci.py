"""Results for CI systems: JUnit XML (one test case per question and per threshold) and a short Markdown summary.

The JUnit layout follows the schema GitHub, GitLab and Jenkins readers accept (Jenkins xunit's junit-10.xsd,
as used by pytest): `testsuites` > `testsuite` (name, tests, failures, errors, skipped, time) > `testcase`
(name, classname, time) > at most one `failure` (message, type, text).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evals.metrics import METRIC_KEYS, CaseOutcome, failed_checks
from evals.report import bar_text, format_interval, format_value

if TYPE_CHECKING:
    from evals.run import EvalRun, EvalSession

# The summary lists the thresholded metrics plus these, so a job page shows quality at a glance.
SUMMARY_METRICS = ("recall_at_5", "answer_containment", "citation_precision", "abstention_accuracy", "accuracy_all")
MESSAGE_CHARS = 300


def junit_xml(sessions: Sequence[tuple[str, EvalSession]]) -> str:
    """The JUnit document: a testsuite per eval suite, with a testcase per question, then one per threshold."""
    root = ET.Element("testsuites", name="briefing eval")
    totals = {"tests": 0, "failures": 0, "time": 0.0}
    for name, session in sessions:
        run = session.run
        suite = ET.SubElement(root, "testsuite", name=name, timestamp=run.info.date)
        properties = ET.SubElement(suite, "properties")
        for key in ("corpus", "collection", "questions", "answerer", "k", "commit"):
            ET.SubElement(properties, "property", name=key, value=str(getattr(run.info, key) or ""))
        failures = 0
        for outcome in run.outcomes:
            case = ET.SubElement(
                suite, "testcase", name=outcome.id, classname=f"{name}.questions", time=_seconds(outcome.latency_ms)
            )
            failed = failed_checks(outcome)
            if failed:
                failures += 1
                text = case_failure_text(outcome, run)
                ET.SubElement(
                    case, "failure", message=_message(f"fails {', '.join(failed)}"), type=failed[0]
                ).text = text
        for check in session.checks:
            case = ET.SubElement(
                suite, "testcase", name=f"{check.metric} {bar_text(check)}", classname=f"{name}.thresholds", time="0"
            )
            if not check.passed:
                failures += 1
                ET.SubElement(
                    case, "failure", message=_message(check.describe()), type="threshold"
                ).text = check.describe()
        tests = len(run.outcomes) + len(session.checks)
        seconds = run.info.index_seconds + run.info.run_seconds
        suite.attrib.update(
            tests=str(tests), failures=str(failures), errors="0", skipped="0", time=_seconds(seconds * 1000)
        )
        totals["tests"] += tests
        totals["failures"] += failures
        totals["time"] += seconds
    root.attrib.update(
        tests=str(totals["tests"]), failures=str(totals["failures"]), errors="0", time=_seconds(totals["time"] * 1000)
    )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def case_failure_text(outcome: CaseOutcome, run: EvalRun) -> str:
    """What was expected, what was answered and what was cited, one per line."""
    expected = " / ".join(outcome.gold) if outcome.answerable else "an abstention (the sources do not answer it)"
    answered = "abstained" if outcome.abstained else " ".join(outcome.answer.split())
    cited = [
        f"{pid} ({'relevant' if hit else 'not relevant'}): {run.excerpts.get(pid, '')}"
        for pid, hit in zip(outcome.citations, outcome.cited_relevant, strict=True)
    ]
    lines = [f"question: {outcome.question}", f"expected: {expected}", f"answered: {answered}"]
    lines.append("cited: " + ("; ".join(cited) if cited else "nothing"))
    return "\n".join(lines)


def summary_markdown(sessions: Sequence[tuple[str, EvalSession]]) -> str:
    """A short table for a CI job summary: per suite, the key metrics with interval, bar and verdict."""
    lines = [
        "## Eval gate",
        "",
        "| suite | metric | value | 95% interval | threshold | result |",
        "|---|---|---:|---:|---:|---|",
    ]
    for name, session in sessions:
        bars = {check.metric: check for check in session.checks}
        shown = [key for key in METRIC_KEYS if key in bars or key in SUMMARY_METRICS]
        for key in shown:
            check = bars.get(key)
            value = format_value(key, session.run.metrics.get(key))
            interval = format_interval(key, session.run.intervals.get(key))
            result = ("pass" if check.passed else "**FAIL**") if check else ""
            lines.append(f"| {name} | {key} | {value} | {interval} | {bar_text(check) if check else ''} | {result} |")
    failed = [(name, c) for name, s in sessions for c in s.checks if not c.passed]
    cases = sum(len(s.run.outcomes) for _, s in sessions)
    verdict = "**FAIL**: " + "; ".join(f"{n}: {c.describe()}" for n, c in failed) if failed else "**PASS**"
    lines += ["", f"{len(sessions)} suites, {cases} cases. Gate: {verdict}"]
    return "\n".join(lines) + "\n"


def write_junit(path: Path, sessions: Sequence[tuple[str, EvalSession]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(junit_xml(sessions), encoding="utf-8")


def write_summary(path: Path, sessions: Sequence[tuple[str, EvalSession]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(summary_markdown(sessions), encoding="utf-8")


def _seconds(milliseconds: float) -> str:
    # junit-10.xsd's SUREFIRE_TIME: digits with at most three decimals, no exponent.
    return f"{max(milliseconds, 0.0) / 1000:.3f}"


def _message(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 1] + "…"
