"""Several suites in one command: each on its own collection, one report with a section per suite."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.settings import Settings
from evals.cases import load_cases
from evals.gate import load_result, load_thresholds
from evals.report import render_suites
from evals.run import DEFAULT_OUTPUT_DIR, EvalError, EvalSession, RunProgress, run_and_report
from evals.suites import Suite


def check_suite(suite: Suite, compare: bool = True) -> None:
    """Raise the error a run of this suite would meet on its files (corpus, questions, thresholds, baseline)."""
    if not suite.corpus.is_dir():
        raise EvalError(f"suite {suite.name}: corpus folder {suite.corpus} does not exist")
    load_cases(suite.questions)
    if suite.thresholds is not None:
        load_thresholds(suite.thresholds)
    if compare and suite.baseline is not None and suite.baseline.is_file():
        load_result(suite.baseline)


@dataclass(frozen=True)
class SuiteSession:
    """One suite's run, reports and verdicts."""

    suite: Suite
    session: EvalSession


@dataclass(frozen=True)
class SuitesSession:
    """Every suite asked for, and the combined Markdown report."""

    suites: tuple[SuiteSession, ...]
    markdown_path: Path

    @property
    def gate_failed(self) -> bool:
        """True when any one suite misses a threshold: suites never average each other out."""
        return any(s.session.gate_failed for s in self.suites)


def run_suites(
    settings: Settings,
    suites: Sequence[Suite],
    output_dir: Path = DEFAULT_OUTPUT_DIR,
    markdown_path: Path | None = None,
    compare: bool = True,
    allow_drafts: bool = False,
    progress: RunProgress | None = None,
) -> SuitesSession:
    """Run each suite in order (its JSON and Markdown as `<dir>/<suite>.*`), then write the combined report.

    Every suite's files are checked first, so a broken last suite fails in a second, not after the others ran.
    """
    for suite in suites:
        check_suite(suite, compare)
    done: list[SuiteSession] = []
    for suite in suites:
        baseline = suite.baseline if compare and suite.baseline is not None and suite.baseline.is_file() else None
        session = run_and_report(
            settings,
            suite.questions,
            suite.corpus,
            suite.k,
            suite.answerer,
            output_dir / f"{suite.name}.json",
            output_dir / f"{suite.name}.md",
            suite.thresholds,
            baseline,
            progress,
            collection=suite.collection,
            allow_drafts=allow_drafts,
        )
        done.append(SuiteSession(suite, session))
    markdown_path = markdown_path or output_dir / "report.md"
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.write_text(render_suites([(s.suite.name, s.session) for s in done]), encoding="utf-8")
    return SuitesSession(tuple(done), markdown_path)
