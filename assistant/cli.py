"""The command line: parses, calls the Library, prints; no logic of its own."""

from __future__ import annotations

import os

# Before numpy loads: one BLAS thread. On 2 shared cores, OpenBLAS's threads made embedding a
# question 9x slower (595 ms against 69 ms) and the 400-question eval 3x slower (benchmarks/eval_scale.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from assistant.answer import Answer
from assistant.settings import Settings

app = typer.Typer(
    name="briefing",
    help="Cited answers, one-page briefs and an eval gate over a folder of reports. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as error:  # pydantic's ValidationError names the field and the value
        err.print(f"[red]error:[/red] bad setting: {escape(str(error))}")
        raise typer.Exit(2) from error


def _wants_llm(library, mode: str | None) -> bool:  # type: ignore[no-untyped-def]
    """True when the command is to use the LLM; exits 2 with a clear line when none is configured."""
    if (mode or library.settings.answer_mode) != "llm":
        return False
    if not library.settings.llm_enabled:
        err.print("[red]error:[/red] --mode llm needs BRIEFING_LLM_MODEL (and, for a local server, a base URL)")
        raise typer.Exit(2)
    return True


def _one_line(path: str) -> str:
    """A path with control characters (a newline in a file name) escaped, so that one file is one line."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if ord(ch) < 32 or ord(ch) == 127 else ch for ch in path)


def _claim(library, command: str) -> None:  # type: ignore[no-untyped-def]
    """Hold the embedded store for this command, or exit 2 at once naming who holds it."""
    from assistant.library import StoreInUse

    try:
        library.claim_store(command)
    except StoreInUse as busy:
        err.print(f"[red]error:[/red] {escape(str(busy))}")
        raise typer.Exit(2) from busy


def _library(collection: str | None = None):  # type: ignore[no-untyped-def]
    from assistant.library import Library

    return Library(_settings(), collection)


@app.command()
def index(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to index (default: BRIEFING_CORPUS_DIR, seeds/).")
    ] = None,
    collection: Annotated[
        str | None, typer.Option(help="Collection to index into (default: BRIEFING_COLLECTION).")
    ] = None,
) -> None:
    """Index files into the store: new files are added, changed ones replaced, unchanged skipped, deleted ones removed.

    Exits 1 when any file failed to load; the other files are still indexed.
    """
    library = _library(collection)
    _claim(library, "index")
    targets = paths or [library.settings.corpus_dir]
    with Progress(
        TextColumn("[bold]indexing[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None)

        def progress(done: int, total: int, doc_id: str) -> None:
            bar.update(task, completed=done, total=total, description=escape(doc_id))

        # A single file inside the corpus folder keeps the id the folder gave it (sub/x.md, not x.md).
        report = library.index(
            targets,
            progress,
            root=library.settings.corpus_dir,
            notice=lambda line: err.print(f"[dim]{escape(line)}[/dim]"),  # large files report as they embed
        )
    for failure in report.failed:
        err.print(f"[red]failed[/red]  {escape(_one_line(failure.path))}: {escape(failure.reason)}")
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {escape(_one_line(skipped.path))}: {escape(skipped.reason)}")
    out.print(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed; "
        f"{report.paragraphs} paragraphs in '{library.collection}' ({report.seconds:.1f} s)"
    )
    if report.failed:
        raise typer.Exit(1)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    k: Annotated[
        int | None, typer.Option("--k", "-k", min=1, max=50, help="Passages to retrieve (default: BRIEFING_TOP_K).")
    ] = None,
    collection: Annotated[str | None, typer.Option(help="Collection to ask (default: BRIEFING_COLLECTION).")] = None,
    mode: Annotated[
        Literal["extractive", "llm"] | None,
        typer.Option(help="extractive (offline) or llm (needs BRIEFING_LLM_MODEL); default: BRIEFING_ANSWER_MODE."),
    ] = None,
) -> None:
    """Answer a question from the indexed sources, quoting and citing the paragraphs it rests on."""
    library = _library(collection)
    if library.store.count() == 0:
        err.print(f"[red]error:[/red] the collection '{library.collection}' is empty; run `briefing index` first")
        raise typer.Exit(2)
    _wants_llm(library, mode)
    try:
        library.check_question(question)
    except ValueError as too_long:
        err.print(f"[red]error:[/red] {escape(str(too_long))}")
        raise typer.Exit(2) from too_long
    answer = library.ask(question, k, mode)
    if as_json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return
    _print_answer(answer)


def answer_json(answer: Answer) -> dict[str, object]:
    """The --json schema: question, answer, abstained, citations, passages, timings_ms."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "notes": list(answer.notes),
        "claims": [
            {"text": claim.text, "citations": list(claim.citations), "supported": claim.supported}
            for claim in answer.claims
        ],
        "citations": [
            {
                "n": c.n,
                "doc": c.paragraph.doc_id,
                "paragraph_id": c.paragraph.id,
                "title": c.paragraph.title,
                "date": c.paragraph.date,
                "start": c.paragraph.start,
                "end": c.paragraph.end,
                "text": c.paragraph.text,
            }
            for c in answer.citations
        ],
        "closest": [p.paragraph.id for p in answer.closest],
        "passages": [
            {
                "rank": p.rank,
                "paragraph_id": p.paragraph.id,
                "doc": p.paragraph.doc_id,
                "score": round(p.score, 6),
                "dense": None if p.dense is None else round(p.dense, 4),
                "lexical": None if p.lexical is None else round(p.lexical, 4),
                "text": p.paragraph.text,
            }
            for p in answer.passages
        ],
        "timings_ms": answer.timings_ms,
    }


def _print_answer(answer: Answer) -> None:
    out.print(escape(answer.text))
    for note in answer.notes:
        out.print(f"[dim]note: {escape(note)}[/dim]")
    if answer.abstained:
        if answer.closest:
            out.print("\n[bold]Closest material[/bold]")
            for passage in answer.closest:
                out.print(
                    f"- {escape(passage.paragraph.title)} ({passage.paragraph.id}): {escape(passage.paragraph.text)}"
                )
        return
    out.print("\n[bold]Sources[/bold]")
    for citation in answer.citations:
        p = citation.paragraph
        dated = f", {p.date}" if p.date else ""
        out.print(f"[{citation.n}] [bold]{escape(p.title)}[/bold]{dated} — {p.id}")
        out.print(f"    [dim]“{escape(p.text)}”[/dim]")


@app.command()
def documents(
    collection: Annotated[str | None, typer.Option(help="Collection to list (default: BRIEFING_COLLECTION).")] = None,
) -> None:
    """List the indexed documents, one a line, tab-separated: id, title, date, paragraphs, where fields came from."""
    library = _library(collection)
    for doc in library.documents():
        # Plain print: rich would expand the tabs that make the output splittable (cut -f1).
        source = f"from {doc.provenance}" if doc.provenance else "-"
        print(f"{doc.id}\t{doc.title}\t{doc.date or '-'}\t{doc.paragraphs} paragraphs\t{source}")


@app.command()
def remove(
    doc_id: Annotated[str, typer.Argument(help="Document id, as `briefing documents` lists it.")],
    collection: Annotated[str | None, typer.Option(help="Collection (default: BRIEFING_COLLECTION).")] = None,
) -> None:
    """Remove one document from the index (the file itself is left alone)."""
    library = _library(collection)
    _claim(library, "remove")
    if not library.remove(doc_id):
        err.print(f"[red]error:[/red] no document '{escape(doc_id)}' in the index; see `briefing documents`")
        raise typer.Exit(1)
    out.print(f"removed {escape(doc_id)}")


@app.command("eval")
def eval_command(
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
        Path | None, typer.Option("--markdown", help="Markdown report (default: artifacts/eval/<collection>.md).")
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
) -> None:
    """Score the assistant on a question file: retrieval, answers, citations, abstention, latency.

    Writes a JSON and a Markdown report. Exits 1 when --gate (or --check) finds a metric below its
    threshold, 2 when the question, thresholds or baseline file is unusable or the answerer is not set up.
    """
    from evals import gate as gates
    from evals import run as runner
    from evals.cases import CaseFileError
    from evals.report import diff_lines, summary_lines

    bar_file = thresholds or (runner.DEFAULT_THRESHOLDS if gate or check else None)
    try:
        if check is not None:
            checks = tuple(gates.check_result_file(check, bar_file or runner.DEFAULT_THRESHOLDS))
        else:
            with runner.progress_bar(err) as progress:
                session = runner.run_and_report(
                    _settings(),
                    questions or runner.DEFAULT_QUESTIONS,
                    corpus,
                    k,
                    answerer,
                    json_out,
                    markdown_out,
                    bar_file,
                    baseline,
                    progress,
                )
            checks = session.checks
    except (CaseFileError, gates.GateError, runner.EvalError) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    if check is None:
        info = session.run.info
        out.print(f"{info.questions}: {len(session.run.outcomes)} cases on '{info.collection}' ({answerer}, k={k})")
        for line in summary_lines(session.run.metrics, checks):
            out.print(escape(line))
        if info.unmatched_evidence:
            unmatched = ", ".join(info.unmatched_evidence)
            err.print(f"[yellow]warning:[/yellow] no paragraph holds the evidence of {unmatched}")
        if session.diff is not None:
            out.print(f"\n[bold]Against {escape(str(baseline))}[/bold]")
            for line in diff_lines(session.diff):
                out.print(escape(line))
        out.print(f"\nreports: {session.json_path} and {session.markdown_path}")
    failing = [c for c in checks if not c.passed]
    for failed in failing:
        err.print(f"[red]gate failed:[/red] {escape(failed.describe())}")
    if checks and not failing:
        out.print(f"gate passed: {len(checks)} thresholds met")
    if failing and (gate or check is not None):
        raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on; 0.0.0.0 exposes the app to your network.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 7860,
    collection: Annotated[
        str | None, typer.Option(help="Collection to chat with (default: BRIEFING_COLLECTION).")
    ] = None,
) -> None:
    """Start the chat in the browser: cited answers, a document viewer, uploads (Ctrl+C stops it)."""
    from assistant.ui import launch  # Gradio loads only for this command

    library = _library(collection)
    _claim(library, "serve")
    try:
        logins = library.settings.credentials()
    except ValueError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    if warning := exposure_warning(host, bool(logins)):
        err.print(f"[yellow]warning:[/yellow] {warning}")
    launch(library, host=host, port=port)


def exposure_warning(host: str, has_login: bool) -> str | None:
    """The warning for serving beyond this machine with no login, or None when there is nothing to warn of."""
    if has_login or _is_loopback(host):
        return None
    return (
        f"serving on {host} without a login: anyone who can reach the port can read, upload and remove"
        " documents. Set BRIEFING_AUTH=user:password (or BRIEFING_AUTH_FILE) to require one."
    )


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False


@app.command()
def brief(
    topic: Annotated[
        str | None, typer.Option(help='Brief only on this topic, e.g. "chip export controls" (default: everything).')
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Write to FILE: .md, .html, .pdf (one A4 page) or .docx (default: Markdown to stdout)."
        ),
    ] = None,
    collection: Annotated[str | None, typer.Option(help="Collection to brief (default: BRIEFING_COLLECTION).")] = None,
    mode: Annotated[
        Literal["extractive", "llm"] | None,
        typer.Option(help="extractive (verbatim claims) or llm (reworded, each checked against its quotes)."),
    ] = None,
) -> None:
    """A one-page brief of the sources: every claim quoted and cited, and where the sources disagree.

    Exits 1 when the sources have nothing on the topic, 2 on an unknown --out extension or an empty collection.
    """
    from assistant.brief import NothingOnTopic, make_brief
    from assistant.brief_render import UnsupportedFormat, brief_format, fits_one_page, render_markdown, write_brief

    if out_file is not None:
        try:
            brief_format(out_file)  # before any work: a wrong extension should fail at once
        except UnsupportedFormat as error:
            err.print(f"[red]error:[/red] {escape(str(error))}")
            raise typer.Exit(2) from error
    library = _library(collection)
    if library.store.count() == 0:
        err.print(f"[red]error:[/red] the collection '{library.collection}' is empty; run `briefing index` first")
        raise typer.Exit(2)
    llm = _wants_llm(library, mode)
    try:
        made = make_brief(library, topic, rewrite=library.brief_rewriter() if llm else None, fits=fits_one_page)
    except NothingOnTopic as nothing:
        err.print(escape(str(nothing)))
        raise typer.Exit(1) from nothing
    if out_file is None:
        print(render_markdown(made), end="")
        return
    out.print(f"wrote {escape(str(write_brief(made, out_file)))}")


def main() -> None:  # pragma: no cover - console entry
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
