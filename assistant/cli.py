"""The command line: parses, calls the Library, prints; no logic of its own."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

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

        report = library.index(targets, progress)
    for failure in report.failed:
        err.print(f"[red]failed[/red]  {escape(failure.path)}: {escape(failure.reason)}")
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {escape(skipped.path)}: {escape(skipped.reason)}")
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
) -> None:
    """Answer a question from the indexed sources, quoting and citing the paragraphs it rests on."""
    library = _library(collection)
    if library.store.count() == 0:
        err.print(f"[red]error:[/red] the collection '{library.collection}' is empty; run `briefing index` first")
        raise typer.Exit(2)
    answer = library.ask(question, k)
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
    """List the indexed documents: id, title, date, paragraphs."""
    library = _library(collection)
    for doc in library.documents():
        out.print(f"{escape(doc.id)}\t{escape(doc.title)}\t{doc.date or '-'}\t{doc.paragraphs} paragraphs")


@app.command()
def remove(
    doc_id: Annotated[str, typer.Argument(help="Document id, as `briefing documents` lists it.")],
    collection: Annotated[str | None, typer.Option(help="Collection (default: BRIEFING_COLLECTION).")] = None,
) -> None:
    """Remove one document from the index (the file itself is left alone)."""
    if not _library(collection).remove(doc_id):
        err.print(f"[red]error:[/red] no document '{escape(doc_id)}' in the index; see `briefing documents`")
        raise typer.Exit(1)
    out.print(f"removed {escape(doc_id)}")


def main() -> None:  # pragma: no cover - console entry
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
