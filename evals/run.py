"""The runner: index the corpus if asked, ask every case through the Library, score it, write the reports."""

from __future__ import annotations

import hashlib
import json
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from assistant.library import Library
from assistant.settings import Settings
from assistant.short_answer import asks_for
from evals.cases import EvalCase, load_cases
from evals.gate import BaselineDiff, GateCheck, ResultFile, check_gate, compare, load_result, load_thresholds
from evals.metrics import (
    RETRIEVAL_DEPTH,
    CaseOutcome,
    answer_f1,
    compute_metrics,
    contains_any,
    failed_checks,
    is_correct,
    normalize,
    reciprocal_rank,
)
from evals.report import render_markdown
from evals.stats import Interval, bootstrap_intervals, value_table
from index.records import IngestReport, Paragraph
from index.store import collection_name

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_QUESTIONS = EVALS_DIR / "questions.jsonl"
DEFAULT_THRESHOLDS = EVALS_DIR / "thresholds.json"
DEFAULT_OUTPUT_DIR = Path("artifacts") / "eval"
EXCERPT_CHARS = 200
ANSWERERS = ("extractive", "llm")

RunProgress = Callable[[str, int, int], None]  # (phase, done, total)


class EvalError(Exception):
    """The run cannot go on (no corpus, empty collection, answerer not configured); the message says why."""


@dataclass(frozen=True)
class RunInfo:
    """Where a result came from: enough to reproduce it."""

    corpus: str
    collection: str
    questions: str
    k: int
    answerer: str
    date: str
    commit: str | None
    documents: int
    paragraphs: int
    index_seconds: float
    run_seconds: float
    unmatched_evidence: tuple[str, ...]  # answerable case ids whose evidence no paragraph contains


@dataclass(frozen=True)
class AnswerDetail:
    """What the Answer said about itself, kept for reading a result rather than for scoring it."""

    mode: str  # the answerer that produced it: an LLM run that fell back shows "extractive" here
    notes: tuple[str, ...]
    timings_ms: dict[str, float]


@dataclass(frozen=True)
class EvalRun:
    """One run's cases, scores and metrics."""

    info: RunInfo
    outcomes: tuple[CaseOutcome, ...]
    metrics: dict[str, float | None]
    intervals: dict[str, Interval | None]  # each metric's 95% bootstrap interval over the cases
    excerpts: dict[str, str]  # paragraph id -> its first EXCERPT_CHARS characters, for cited paragraphs
    details: dict[str, AnswerDetail]  # case id -> its answer's mode, notes and timings


@dataclass(frozen=True)
class EvalSession:
    """A run with its reports written and, when asked for, its gate and baseline verdicts."""

    run: EvalRun
    json_path: Path
    markdown_path: Path
    checks: tuple[GateCheck, ...]  # empty when no thresholds file is in play
    diff: BaselineDiff | None

    @property
    def gate_failed(self) -> bool:
        return any(not check.passed for check in self.checks)


def corpus_collection(folder: Path) -> str:
    """`eval-<folder name>-<8 hex of its absolute path>`: one collection per corpus folder, never the default."""
    absolute = folder.expanduser().resolve()
    digest = hashlib.sha256(str(absolute).encode()).hexdigest()[:8]
    # The name is capped so that the store's companion collections (name + suffix) stay within Chroma's limit.
    return collection_name(f"eval-{absolute.name[:40]}-{digest}")


def open_library(
    settings: Settings, corpus: Path | None, progress: RunProgress | None = None, collection: str | None = None
) -> tuple[Library, IngestReport]:
    """The library to evaluate, brought up to date with its corpus (cheap when nothing changed).

    The collection is the given one (a suite's), else the corpus folder's own, else the settings' default.
    """
    folder = corpus if corpus is not None else settings.corpus_dir
    if not folder.is_dir():
        raise EvalError(f"corpus folder {folder} does not exist")
    if collection is None and corpus is not None:
        collection = corpus_collection(folder)
    library = Library(settings, collection)
    report = library.index([folder], (lambda done, total, _: progress("indexing", done, total)) if progress else None)
    if library.store.count() == 0:
        reasons = "; ".join(f"{f.path}: {f.reason}" for f in report.failed) or "no supported files"
        raise EvalError(f"nothing indexed from {folder} ({reasons})")
    return library, report


def evaluate(
    library: Library,
    cases: Sequence[EvalCase],
    k: int,
    answerer: str,
    progress: RunProgress | None = None,
) -> tuple[tuple[CaseOutcome, ...], dict[str, str], dict[str, AnswerDetail], tuple[str, ...]]:
    """Score every case: outcomes, cited paragraphs' excerpts, answer details, cases whose evidence is nowhere."""
    collection = [(p, f" {normalize(p.text)} ") for p in library.store.paragraphs()]
    outcomes: list[CaseOutcome] = []
    excerpts: dict[str, str] = {}
    details: dict[str, AnswerDetail] = {}
    unmatched: list[str] = []
    for done, case in enumerate(cases):
        if progress:
            progress("asking", done, len(cases))
        relevant_total = _relevant_count(case.evidence, collection)
        if case.answerable and relevant_total == 0:
            unmatched.append(case.id)
        # Retrieval is measured at a fixed depth, apart from answering with k; running it first also
        # keeps the model load and the keyword index's first read out of the answer's latency.
        retrieved = library.retrieve(case.question, RETRIEVAL_DEPTH)
        began = time.perf_counter()
        try:
            answer = library.ask(case.question, k, mode=answerer)
        except ValueError as error:  # Library.ask's way of saying the answerer is not configured
            raise EvalError(str(error)) from error
        latency = (time.perf_counter() - began) * 1000
        details[case.id] = AnswerDetail(answer.mode, tuple(answer.notes), dict(answer.timings_ms))
        cited = [citation.paragraph for citation in answer.citations]
        for paragraph in cited:
            excerpts[paragraph.id] = _excerpt(paragraph)
        outcomes.append(
            CaseOutcome(
                id=case.id,
                question=case.question,
                answerable=case.answerable,
                gold=case.answers,
                answer=answer.text,
                abstained=answer.abstained,
                citations=tuple(p.id for p in cited),
                cited_relevant=tuple(_relevant(p, case.evidence) for p in cited),
                retrieved=tuple(passage.paragraph.id for passage in retrieved),
                retrieved_relevant=tuple(_relevant(passage.paragraph, case.evidence) for passage in retrieved),
                relevant_total=relevant_total,
                latency_ms=round(latency, 1),
                tags=case.tags,
                asks_span=asks_for(case.question) is not None,
                short_answer=answer.short_answer.text if answer.short_answer else None,
            )
        )
    if progress:
        progress("asking", len(cases), len(cases))
    return tuple(outcomes), excerpts, details, tuple(unmatched)


def run_eval(
    settings: Settings,
    questions: Path = DEFAULT_QUESTIONS,
    corpus: Path | None = None,
    k: int = 5,
    answerer: str = "extractive",
    progress: RunProgress | None = None,
    library: Library | None = None,
    collection: str | None = None,
    allow_drafts: bool = False,
) -> EvalRun:
    """Index (the given corpus, or the settings' default one), ask every case, compute the metrics.

    Pass a library to reuse one already open (its collection is indexed from `corpus` as it is).
    """
    if answerer not in ANSWERERS:
        raise EvalError(f"unknown answerer {answerer!r}: use {' or '.join(ANSWERERS)}")
    cases = load_cases(questions)
    drafts = [case.id for case in cases if not case.reviewed]
    if drafts and not allow_drafts:
        shown = ", ".join(drafts[:5]) + (f" and {len(drafts) - 5} more" if len(drafts) > 5 else "")
        raise EvalError(
            f"{questions}: {len(drafts)} drafted cases are not reviewed ({shown}): "
            "review them with `briefing eval review`, or pass --allow-drafts to score them as they are"
        )
    began = time.perf_counter()
    if library is None:
        library, report = open_library(settings, corpus, progress, collection)
    else:
        report = library.index([corpus or settings.corpus_dir])
    indexed = time.perf_counter()
    outcomes, excerpts, details, unmatched = evaluate(library, cases, k, answerer, progress)
    info = RunInfo(
        corpus=_shown(corpus if corpus is not None else settings.corpus_dir),
        collection=library.collection,
        questions=_shown(questions),
        k=k,
        answerer=answerer,
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        commit=_git_commit(),
        documents=len(report.paragraphs_per_doc),
        paragraphs=report.paragraphs,
        index_seconds=round(indexed - began, 2),
        run_seconds=round(time.perf_counter() - indexed, 2),
        unmatched_evidence=unmatched,
    )
    intervals = bootstrap_intervals(value_table(outcomes))
    return EvalRun(info, outcomes, compute_metrics(outcomes), intervals, excerpts, details)


def result_json(run: EvalRun) -> dict[str, object]:
    """The result file's schema: `run` (info), `metrics` (METRIC_KEYS), `rows` (one per case)."""
    return {
        "run": asdict(run.info),
        "metrics": {key: _rounded(value) for key, value in run.metrics.items()},
        "intervals": {
            key: None if interval is None else [_rounded(interval.low), _rounded(interval.high)]
            for key, interval in run.intervals.items()
        },
        "rows": [_row(outcome, run) for outcome in run.outcomes],
    }


def run_and_report(
    settings: Settings,
    questions: Path = DEFAULT_QUESTIONS,
    corpus: Path | None = None,
    k: int = 5,
    answerer: str = "extractive",
    json_path: Path | None = None,
    markdown_path: Path | None = None,
    thresholds: Path | None = None,
    baseline: Path | None = None,
    progress: RunProgress | None = None,
    collection: str | None = None,
    allow_drafts: bool = False,
) -> EvalSession:
    """What `briefing eval` does: run, write the JSON and Markdown reports, apply the gate and the baseline."""
    bars = load_thresholds(thresholds) if thresholds else None  # a bad file fails before the long run
    before = load_result(baseline) if baseline else None
    run = run_eval(settings, questions, corpus, k, answerer, progress, None, collection, allow_drafts)
    data = result_json(run)
    # Gate and diff read the rounded metrics, exactly as `--check` will read them from the file.
    current = ResultFile.model_validate(data)
    checks = tuple(check_gate(current.metrics, bars, current.intervals)) if bars else ()
    diff = compare(current, before) if before else None
    json_path = json_path or DEFAULT_OUTPUT_DIR / f"{run.info.collection}.json"
    markdown_path = markdown_path or DEFAULT_OUTPUT_DIR / f"{run.info.collection}.md"
    for path in (json_path, markdown_path):
        path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    markdown_path.write_text(render_markdown(run, checks, diff), encoding="utf-8")
    return EvalSession(run, json_path, markdown_path, checks, diff)


@contextmanager
def progress_bar(console: Console) -> Iterator[RunProgress]:
    """A rich progress bar on the given console (stderr in the CLI), one task per phase."""
    with Progress(
        TextColumn("[bold]{task.description:<9}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, object] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)  # type: ignore[arg-type]

        yield update


def _row(outcome: CaseOutcome, run: EvalRun) -> dict[str, object]:
    first = next((rank for rank, hit in enumerate(outcome.retrieved_relevant, start=1) if hit), None)
    return {
        "id": outcome.id,
        "question": outcome.question,
        "tags": list(outcome.tags),
        "answerable": outcome.answerable,
        "gold_answers": list(outcome.gold),
        "answer": outcome.answer,
        "abstained": outcome.abstained,
        "correct": is_correct(outcome),
        "answer_f1": round(answer_f1(outcome), 4),
        "citations": list(outcome.citations),
        "citations_relevant": list(outcome.cited_relevant),
        "citation_excerpts": [run.excerpts.get(pid, "") for pid in outcome.citations],
        "retrieved": list(outcome.retrieved),
        "retrieved_relevant": list(outcome.retrieved_relevant),
        "first_relevant_rank": first,
        "reciprocal_rank": round(reciprocal_rank(outcome.retrieved_relevant), 4),
        "relevant_in_collection": outcome.relevant_total,
        "latency_ms": outcome.latency_ms,
        "asks_span": outcome.asks_span,
        "short_answer": outcome.short_answer,
        **_detail(run.details.get(outcome.id)),
        "failed": list(failed_checks(outcome)),
    }


def _detail(detail: AnswerDetail | None) -> dict[str, object]:
    if detail is None:
        return {}
    return {"mode": detail.mode, "notes": list(detail.notes), "timings_ms": detail.timings_ms}


def _relevant(paragraph: Paragraph, evidence: Sequence[str]) -> bool:
    return contains_any(paragraph.text, evidence)


def _relevant_count(evidence: Sequence[str], collection: Sequence[tuple[Paragraph, str]]) -> int:
    needles = [f" {n} " for n in (normalize(snippet) for snippet in evidence) if n]
    return sum(1 for _, padded in collection if any(needle in padded for needle in needles))


def _excerpt(paragraph: Paragraph) -> str:
    text = " ".join(paragraph.text.split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + "…"


def _shown(path: Path) -> str:
    """The path relative to the working folder when it lies inside it, so committed results hold no home folders."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _git_commit() -> str | None:
    """HEAD's commit, when run inside a git checkout (read-only: rev-parse changes nothing)."""
    try:
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=EVALS_DIR, capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None
