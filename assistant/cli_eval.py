"""`briefing eval`: run the eval suites and gate on their thresholds, draft cases, review drafts."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.markup import escape

from assistant.cli_common import NotebookOption, err, notebook_or_exit, out, settings_or_exit

eval_app = typer.Typer(
    no_args_is_help=False,
    rich_markup_mode="rich",
)


@eval_app.callback(invoke_without_command=True)
def eval_command(
    ctx: typer.Context,
    questions: Annotated[
        Path | None, typer.Option(help="Question file, JSONL (default: evals/questions.jsonl).")
    ] = None,
    corpus: Annotated[
        Path | None,
        typer.Option(help="Index this folder into its own collection and score it (default: the seeds' collection)."),
    ] = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=50, help="Passages the answerer is given.")] = 5,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Result JSON (default: artifacts/eval/<collection>.json).")
    ] = None,
    markdown_out: Annotated[
        Path | None,
        typer.Option(
            "--markdown",
            help="Markdown report (default: artifacts/eval/<collection>.md; with suites artifacts/eval/report.md).",
        ),
    ] = None,
    baseline: Annotated[
        Path | None, typer.Option(help="A result JSON to compare with, e.g. evals/baseline.json.")
    ] = None,
    gate: Annotated[bool, typer.Option("--gate", help="Exit 1 when any metric misses its threshold.")] = False,
    thresholds: Annotated[
        Path | None, typer.Option(help="Thresholds file (default with --gate or --check: evals/thresholds.json).")
    ] = None,
    answerer: Annotated[
        Literal["extractive", "llm"], typer.Option(help="extractive (offline) or llm (needs BRIEFING_LLM_MODEL).")
    ] = "extractive",
    check: Annotated[
        Path | None, typer.Option("--check", help="Apply the gate to this result JSON and exit; runs nothing.")
    ] = None,
    notebook: NotebookOption = None,
    suite: Annotated[
        list[str] | None, typer.Option("--suite", help="Run this suite of the suites file (repeatable).")
    ] = None,
    all_suites: Annotated[bool, typer.Option("--all", help="Run every suite of the suites file.")] = False,
    suites_file: Annotated[
        Path | None, typer.Option("--suites", help="Suites file, TOML (default: evals/suites.toml).")
    ] = None,
    allow_drafts: Annotated[
        bool, typer.Option("--allow-drafts", help='Score drafted cases still marked "reviewed": false.')
    ] = False,
    junit: Annotated[
        Path | None, typer.Option("--junit", help="Also write JUnit XML: one test case per question and threshold.")
    ] = None,
    summary: Annotated[
        Path | None, typer.Option("--summary", help="Also write a short Markdown table (a CI job summary).")
    ] = None,
) -> None:
    """Score the assistant on a question file: retrieval, answers, citations, abstention, latency.

    Writes a JSON and a Markdown report. Exits 1 when --gate (or --check) finds a metric below its
    threshold, 2 when the question, suites, thresholds or baseline file is unusable or the answerer is not set up.
    With --suite or --all, runs the suites of evals/suites.toml, each on its own collection, into one report.
    """
    if ctx.invoked_subcommand is not None:
        return
    from evals import gate as gates
    from evals import run as runner
    from evals.cases import CaseFileError
    from evals.ci import write_junit, write_summary
    from evals.report import diff_lines, summary_lines
    from evals.suites import DEFAULT_SUITES, SuiteFileError, load_suites, select

    named = list(suite or [])
    bar_file = thresholds or (runner.DEFAULT_THRESHOLDS if gate or check else None)
    sessions: list[tuple[str, runner.EvalSession]] = []
    try:
        if named or all_suites:
            clash = _suite_clashes(questions, corpus, json_out, thresholds, check, baseline)
            # By name: typer's context may carry its own copy of click's ParameterSource enum.
            given = [
                name
                for name in ("k", "answerer")
                if getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"
            ]
            clash += [f"--{name}" for name in given]
            if clash:
                raise SuiteFileError(f"{', '.join(clash)}: not with --suite/--all; the suites file sets these")
            from evals.suite_run import run_suites

            chosen = select(load_suites(suites_file or DEFAULT_SUITES), named, all_suites)
            with runner.progress_bar(err) as progress:
                done = run_suites(
                    settings_or_exit(), chosen, markdown_path=markdown_out, allow_drafts=allow_drafts, progress=progress
                )
            sessions = [(s.suite.name, s.session) for s in done.suites]
            report_path = done.markdown_path
        elif check is not None:
            checks = tuple(gates.check_result_file(check, bar_file or runner.DEFAULT_THRESHOLDS))
        else:
            with runner.progress_bar(err) as progress:
                settings = settings_or_exit()
                single = runner.run_and_report(
                    notebook_or_exit(settings, notebook).settings(settings),
                    questions or runner.DEFAULT_QUESTIONS,
                    corpus,
                    k,
                    answerer,
                    json_out,
                    markdown_out,
                    bar_file,
                    baseline,
                    progress,
                    allow_drafts=allow_drafts,
                )
            sessions = [(single.run.info.collection, single)]
            report_path = single.markdown_path
    except (CaseFileError, gates.GateError, runner.EvalError, SuiteFileError) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    for name, session in sessions:
        info = session.run.info
        out.print(
            f"\n[bold]{escape(name)}[/bold] {info.questions}: {len(session.run.outcomes)} cases "
            f"on '{info.collection}' ({info.answerer}, k={info.k})"
        )
        for line in summary_lines(session.run.metrics, session.checks):
            out.print(escape(line))
        if info.unmatched_evidence:
            unmatched = ", ".join(info.unmatched_evidence)
            err.print(f"[yellow]warning:[/yellow] no paragraph holds the evidence of {unmatched}")
        if session.diff is not None:
            out.print("\n[bold]Against the baseline[/bold]")
            for line in diff_lines(session.diff):
                out.print(escape(line))
        out.print(f"report: {session.json_path}")
    if sessions:
        out.print(f"\nMarkdown report: {report_path}")
        if junit is not None:
            write_junit(junit, sessions)
            out.print(f"JUnit XML: {junit}")
        if summary is not None:
            write_summary(summary, sessions)
            out.print(f"summary: {summary}")
        checks = tuple(c for _, session in sessions for c in session.checks)
    many = len(sessions) > 1
    failing = [c for c in checks if not c.passed]
    for name, session in sessions if many else ():
        for failed in (c for c in session.checks if not c.passed):
            err.print(f"[red]gate failed:[/red] {escape(name)}: {escape(failed.describe())}")
    for failed in failing if not many else ():
        err.print(f"[red]gate failed:[/red] {escape(failed.describe())}")
    if checks and not failing:
        out.print(f"gate passed: {len(checks)} thresholds met")
    if failing and (gate or check is not None):
        raise typer.Exit(1)


def _suite_clashes(*values: object) -> list[str]:
    """The single-run options given that a suites file sets instead."""
    names = ("--questions", "--corpus", "--json", "--thresholds", "--check", "--baseline")
    return [name for name, value in zip(names, values, strict=True) if value is not None]


@eval_app.command("draft")
def eval_draft(
    corpus: Annotated[Path, typer.Option(help="Folder of documents to draft cases from.")],
    out_file: Annotated[Path, typer.Option("--out", help="Question file to write, JSONL.")],
    n: Annotated[int, typer.Option("--n", min=1, max=2000, help="Cases to draft (about a fifth unanswerable).")] = 50,
    force: Annotated[bool, typer.Option("--force", help="Overwrite --out if it exists.")] = False,
) -> None:
    """Propose eval cases from the corpus itself, each marked "reviewed": false until `briefing eval review`."""
    from evals.draft import DraftError, corpus_sentences, draft_cases, write_drafts
    from index.entities import Tagger

    if not corpus.is_dir():
        err.print(f"[red]error:[/red] corpus folder {escape(str(corpus))} does not exist")
        raise typer.Exit(2)
    if out_file.exists() and not force:
        # a reviewed question file is hours of work: never overwrite it by accident
        err.print(f"[red]error:[/red] {escape(str(out_file))} exists; choose another --out, or pass --force")
        raise typer.Exit(2)
    try:
        drafts = draft_cases(corpus_sentences(corpus, Tagger()), n)
    except DraftError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    write_drafts(out_file, drafts)
    unanswerable = sum(not d.answerable for d in drafts)
    out.print(f"{out_file}: {len(drafts)} drafted cases ({unanswerable} unanswerable), all unreviewed")
    out.print(f"next: briefing eval review {out_file}")


@eval_app.command("review")
def eval_review(
    questions: Annotated[Path, typer.Argument(help="Question file with drafted cases, JSONL.")],
    out_file: Annotated[Path | None, typer.Option("--out", help="Write here instead of in place.")] = None,
) -> None:
    """Review drafted cases one by one: a accept, e edit, d drop, s skip, q quit (saved after every key)."""
    from evals.cases import CaseFileError
    from evals.review import review_file

    try:
        tally = review_file(questions, _read_key, _read_line, lambda text: out.print(escape(text)), out_file)
    except CaseFileError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    out.print(
        f"\naccepted {len(tally.accepted)}, edited {len(tally.edited)}, dropped {len(tally.dropped)}, "
        f"left unreviewed {len(tally.left)}: {out_file or questions}"
    )


def _read_key() -> str:
    """One key: a raw keypress in a terminal; from a pipe, the first character of the next line (EOF quits)."""

    if sys.stdin.isatty():
        import termios
        import tty

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
        try:
            tty.setcbreak(fd)
            return sys.stdin.read(1)
        finally:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    line = sys.stdin.readline()
    return line.strip()[:1] if line else "q"


def _read_line(prompt: str) -> str:

    out.print(escape(prompt), end="")
    return sys.stdin.readline().rstrip("\n")
