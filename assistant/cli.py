"""The command line: parses, calls the Library, prints; no logic of its own."""

from __future__ import annotations

import os

# Before numpy loads: one BLAS thread. On 2 shared cores, OpenBLAS's threads made embedding a
# question 9x slower (595 ms against 69 ms) and the 400-question eval 3x slower (benchmarks/eval_scale.py).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.markup import escape

from assistant.cli_common import (
    NotebookOption,
    claim_or_exit,
    err,
    library_for,
    load_encoder_meanwhile,
    one_line,
    out,
    settings_or_exit,
    wants_llm,
)
from assistant.cli_eval import eval_app

if TYPE_CHECKING:  # `briefing --help` imports neither the store (chromadb) nor pydantic: commands import them
    from assistant.answer import Answer

app = typer.Typer(
    name="briefing",
    help="Cited answers, one-page briefs and an eval gate over a folder of reports. Offline by default.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
app.add_typer(eval_app, name="eval")


class _ParagraphRate:
    """Paragraphs embedded so far and their rate, for the index progress bar."""

    def __init__(self) -> None:
        self.paragraphs = 0
        self.began = time.perf_counter()

    def add(self, paragraphs: int) -> None:
        self.paragraphs += paragraphs

    def text(self) -> str:
        seconds = time.perf_counter() - self.began
        per_second = self.paragraphs / seconds if seconds > 0 else 0.0
        return f"{self.paragraphs} paragraphs, {per_second:.1f}/s"


@app.command()
def index(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to index (default: BRIEFING_CORPUS_DIR, seeds/).")
    ] = None,
    collection: Annotated[
        str | None, typer.Option(help="Collection to index into, bypassing notebooks (default: the notebook's).")
    ] = None,
    notebook: Annotated[
        str | None,
        typer.Option(help="Notebook to index into, made if new (default: the one named after the folder)."),
    ] = None,
) -> None:
    """Index files into a notebook: new files are added, changed ones replaced, unchanged skipped, deleted ones removed.

    A folder other than BRIEFING_CORPUS_DIR gets a notebook (and a collection) of its own, named after it.
    Exits 1 when any file failed to load; the other files are still indexed.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    library, targets, root = _index_target(paths, collection, notebook)
    claim_or_exit(library, "index")
    rate = _ParagraphRate()
    with Progress(
        TextColumn("[bold]indexing[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files · {task.fields[rate]} · ETA"),
        TimeRemainingColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("", total=None, rate="")

        def progress(done: int, total: int, doc_id: str) -> None:
            bar.update(task, completed=done, total=total, description=escape(doc_id), rate=rate.text())

        # A single file inside the corpus folder keeps the id the folder gave it (sub/x.md, not x.md).
        report = library.index(
            targets,
            progress,
            root=root,
            notice=lambda line: err.print(f"[dim]{escape(line)}[/dim]"),  # large files report as they embed
            embedded=rate.add,
        )
    for failure in report.failed:
        err.print(f"[red]failed[/red]  {escape(one_line(failure.path))}: {escape(failure.reason)}")
    for skipped in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {escape(one_line(skipped.path))}: {escape(skipped.reason)}")
    out.print(
        f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{len(report.removed)} removed, {len(report.failed)} failed; "
        f"{report.paragraphs} paragraphs in '{library.collection}' ({report.seconds:.1f} s)"
    )
    if report.failed:
        raise typer.Exit(1)


def _index_target(paths: list[Path] | None, collection: str | None, notebook: str | None):  # type: ignore[no-untyped-def]
    """(library, paths to index, id root) for `briefing index`; says which notebook it writes to."""
    from assistant.library import Library
    from assistant.notebooks import NotebookError, Notebooks

    settings = settings_or_exit()
    if collection:
        return Library(settings, collection), paths or [settings.corpus_dir], settings.corpus_dir
    registry = Notebooks(settings)
    try:
        if not paths and notebook:
            chosen, made = registry.get(notebook), False
            if not chosen.folder:
                err.print(f"[red]error:[/red] notebook '{escape(notebook)}' holds uploads only: name files to add")
                raise typer.Exit(2)
        else:
            # Files inside the configured corpus folder belong to the default notebook, whatever subfolder.
            first, corpus = (paths or [settings.corpus_dir])[0].resolve(), settings.corpus_dir.resolve()
            folder = corpus if first.is_relative_to(corpus) else first if first.is_dir() else first.parent
            chosen, made = registry.for_folder(folder, notebook)
    except NotebookError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    folder_text = chosen.folder or "uploads"
    out.print(f"notebook '{escape(chosen.name)}' ({'new' if made else 'existing'}): {escape(folder_text)}")
    library = Library(chosen.settings(settings))
    root = Path(chosen.folder) if chosen.folder else None
    return library, paths or [Path(chosen.folder or settings.corpus_dir)], root


@app.command()
def notebooks() -> None:
    """List the notebooks, one a line, tab-separated: name, documents, paragraphs, folder, collection."""
    from assistant.library import Library
    from assistant.notebooks import Notebooks

    settings = settings_or_exit()
    for notebook in Notebooks(settings).all():
        docs = Library(notebook.settings(settings)).documents()
        mark = " (default)" if notebook.default else ""
        print(
            f"{notebook.name}{mark}\t{len(docs)} documents\t{sum(d.paragraphs for d in docs)} paragraphs\t"
            f"{notebook.folder or 'uploads'}\t{notebook.collection}"
        )


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in quotes.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of text.")] = False,
    k: Annotated[
        int | None, typer.Option("--k", "-k", min=1, max=50, help="Passages to retrieve (default: BRIEFING_TOP_K).")
    ] = None,
    collection: Annotated[str | None, typer.Option(help="Collection to ask (default: the notebook's).")] = None,
    notebook: NotebookOption = None,
    mode: Annotated[
        Literal["extractive", "llm"] | None,
        typer.Option(help="extractive (offline) or llm (needs BRIEFING_LLM_MODEL); default: BRIEFING_ANSWER_MODE."),
    ] = None,
    doc: Annotated[
        list[str] | None, typer.Option("--doc", help="Answer only from this document id (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Answer only from documents dated on or after YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(help="Answer only from documents dated on or before YYYY-MM-DD.")] = None,
) -> None:
    """Answer a question from the indexed sources, quoting and citing the paragraphs it rests on."""
    from assistant.sources import FilterError, SourceFilter

    library = library_for(collection, notebook, load_encoder_meanwhile())
    if library.store.count() == 0:
        err.print(f"[red]error:[/red] the collection '{library.collection}' is empty; run `briefing index` first")
        raise typer.Exit(2)
    wants_llm(library, mode)
    try:
        library.check_question(question)
    except ValueError as too_long:
        err.print(f"[red]error:[/red] {escape(str(too_long))}")
        raise typer.Exit(2) from too_long
    try:
        answer = library.ask(question, k, mode, SourceFilter.of(doc, since, until))
    except FilterError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error
    _finished_read_only()
    if as_json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
        return
    _print_answer(answer)


def answer_json(answer: Answer) -> dict[str, object]:
    """The --json schema: question, answer, abstained, short_answer, citations, passages, timings_ms."""
    return {
        "question": answer.question,
        "understood": answer.understood or answer.question,  # a follow-up as read with the previous turn
        "answer": answer.text,
        "abstained": answer.abstained,
        # The learned answerer's probability that its best quote holds the answer (null under the rules).
        "confidence": None if answer.confidence is None else round(answer.confidence, 3),
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
        # For who/which/when/where/how-much questions: the words of a quote that answer, offsets into its paragraph.
        "short_answer": None
        if answer.short_answer is None
        else {
            "text": answer.short_answer.text,
            "paragraph_id": answer.short_answer.paragraph_id,
            "start": answer.short_answer.start,
            "end": answer.short_answer.end,
            "claim": answer.short_answer.claim,
            "label": answer.short_answer.label,
        },
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
    if answer.short_answer is not None:
        out.print(f"[bold]{escape(answer.short_answer.text)}[/bold]")
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
    collection: Annotated[str | None, typer.Option(help="Collection to list (default: the notebook's).")] = None,
    notebook: NotebookOption = None,
) -> None:
    """List the indexed documents, one a line, tab-separated: id, title, date, paragraphs, where fields came from."""
    library = library_for(collection, notebook)
    for doc in library.documents():
        # Plain print: rich would expand the tabs that make the output splittable (cut -f1).
        source = f"from {doc.provenance}" if doc.provenance else "-"
        print(f"{doc.id}\t{doc.title}\t{doc.date or '-'}\t{doc.paragraphs} paragraphs\t{source}")


@app.command()
def remove(
    doc_id: Annotated[str, typer.Argument(help="Document id, as `briefing documents` lists it.")],
    collection: Annotated[str | None, typer.Option(help="Collection (default: the notebook's).")] = None,
    notebook: NotebookOption = None,
) -> None:
    """Remove one document from the index (the file itself is left alone)."""
    library = library_for(collection, notebook)
    claim_or_exit(library, "remove")
    if not library.remove(doc_id):
        err.print(f"[red]error:[/red] no document '{escape(doc_id)}' in the index; see `briefing documents`")
        raise typer.Exit(1)
    out.print(f"removed {escape(doc_id)}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on; 0.0.0.0 exposes the app to your network.")] = (
        "127.0.0.1"
    ),
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 7860,
    collection: Annotated[str | None, typer.Option(help="Collection to chat with (default: the notebook's).")] = None,
    notebook: NotebookOption = None,
) -> None:
    """Start the chat in the browser: cited answers, a document viewer, uploads (Ctrl+C stops it)."""
    from assistant.ui import launch  # Gradio loads only for this command

    library = library_for(collection, notebook)
    claim_or_exit(library, "serve")
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
    collection: Annotated[str | None, typer.Option(help="Collection to brief (default: the notebook's).")] = None,
    notebook: NotebookOption = None,
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
    library = library_for(collection, notebook)
    if library.store.count() == 0:
        err.print(f"[red]error:[/red] the collection '{library.collection}' is empty; run `briefing index` first")
        raise typer.Exit(2)
    llm = wants_llm(library, mode)
    try:
        made = make_brief(library, topic, rewrite=library.brief_rewriter() if llm else None, fits=fits_one_page)
    except NothingOnTopic as nothing:
        err.print(escape(str(nothing)))
        raise typer.Exit(1) from nothing
    if out_file is None:
        print(render_markdown(made), end="")
        return
    out.print(f"wrote {escape(str(write_brief(made, out_file)))}")


# Set by a command that wrote nothing and holds no work in flight (ask), so that the console entry
# may leave without tearing the interpreter down: freeing the store's, the encoder's and the keyword
# index's objects one by one took 0.24 s of the 1.1 s of a cold `briefing ask` on the seeds
# (strace: atexit to exit_group), a third more than the commands's own work after its imports.
_READ_ONLY = [False]


def _finished_read_only() -> None:
    _READ_ONLY[0] = True


def _leave_now(code: int) -> None:  # pragma: no cover - ends the process
    """Exit at once with the output flushed: what is left to free dies with the process."""
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main() -> None:  # pragma: no cover - console entry
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    try:
        app()
    except SystemExit as finished:  # typer ends every command with one
        if _READ_ONLY[0] and finished.code in (0, None):
            _leave_now(0)
        raise
    except Exception as error:
        # The store's refusals (another encoder's vectors, a bad collection name) say what to do: one
        # line, not a traceback. index.store is loaded already whenever one of its errors was raised.
        store = sys.modules.get("index.store")
        if store is None or not isinstance(error, store.StoreError):
            raise
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise SystemExit(2) from error


if __name__ == "__main__":  # pragma: no cover
    main()
