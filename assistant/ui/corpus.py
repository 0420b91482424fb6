"""The Corpus tab: the notebook's documents, uploads, removal, and a new notebook from uploads."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.notebooks import NotebookError
from assistant.ui.base import Page
from index.load import SUPPORTED_SUFFIXES
from index.records import DocumentSummary, IngestReport

if TYPE_CHECKING:
    from assistant.library import Library

UPLOAD_LABEL = "(" + " ".join(SUPPORTED_SUFFIXES) + "; up to 50mb each)"


@dataclass
class CorpusParts:
    summary: Any
    table: Any
    files: Any
    report: Any
    doomed: Any
    remove: Any
    new_name: Any
    new_files: Any
    create: Any


class CorpusTab(Page):
    """The corpus panel's layout and handlers; mixed into ChatApp."""

    def _corpus_tab(self, notebook: Any) -> CorpusParts:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                summary = gr.Markdown(elem_id="corpus-summary")
                table = gr.Dataframe(
                    headers=["Title", "Date", "Outlet", "Paragraphs", "Fields from", "Document id"],
                    datatype=["str", "str", "str", "number", "str", "str"],
                    interactive=False,
                    wrap=True,
                    # Fits 1280 px beside the upload column: the id wraps rather than pushing columns off.
                    column_widths=["37%", "13%", "15%", "13%", "22%"],
                    elem_id="documents",
                )
            with gr.Column(scale=2, min_width=300):
                files = gr.File(
                    label=f"Add documents to this notebook {UPLOAD_LABEL}",
                    file_count="multiple",
                    file_types=list(SUPPORTED_SUFFIXES),
                    type="filepath",
                    elem_id="upload",
                )
                report = gr.HTML(elem_id="corpus-report")
                with gr.Group():
                    doomed = gr.Dropdown(
                        label="Remove a document from the index",
                        choices=[],
                        allow_custom_value=True,  # the handler checks the id; API callers need not list first
                        elem_id="remove-choice",
                    )
                    remove = gr.Button("Remove from index", variant="stop", size="sm", elem_id="remove")
                with gr.Accordion("New notebook", open=False, elem_id="new-notebook"):
                    new_name = gr.Textbox(label="Name", placeholder="e.g. Harbour reports", elem_id="new-notebook-name")
                    new_files = gr.File(
                        label=f"Its first documents {UPLOAD_LABEL}",
                        file_count="multiple",
                        file_types=list(SUPPORTED_SUFFIXES),
                        type="filepath",
                        elem_id="new-notebook-files",
                    )
                    create = gr.Button("Create notebook", variant="primary", size="sm", elem_id="new-notebook-create")
        return CorpusParts(summary, table, files, report, doomed, remove, new_name, new_files, create)

    def wire_corpus(self, demo: gr.Blocks, tab: gr.Tab, notebook: Any, c: CorpusParts, switcher: Any) -> list[Any]:
        """The corpus panel's events; returns those after which the notebook's documents changed."""
        listing = [c.summary, c.table, c.doomed]
        # Registered first so that the public endpoint gets the plain name /documents.
        gr.on([demo.load, tab.select], self.documents, notebook, listing, api_name="documents", show_progress="hidden")
        changed = [
            c.files.upload(self.add_files, [c.files, notebook], [c.report, c.files], api_name="upload"),
            c.remove.click(self.remove, [c.doomed, notebook], c.report, api_name="remove"),
        ]
        for event in changed:
            event.then(self.documents, notebook, listing, api_visibility="private", show_progress="hidden")
        c.create.click(
            self.create_notebook,
            [c.new_name, c.new_files],
            [c.report, switcher, c.new_name, c.new_files],
            api_name="create_notebook",
        )
        return changed

    # --- handlers ----------------------------------------------------------------------------

    def add_files(
        self,
        files: list[str] | None,
        notebook: str | None = None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio reads the default
    ) -> tuple[str, None]:
        """Copy uploads into <data_dir>/uploads/<collection>/ and index those files (never the folder)."""
        if not files:
            return "", None
        return self._index_uploads(self.library_for(notebook), files, progress), None

    def _index_uploads(self, library: Library, files: Sequence[str], progress: gr.Progress) -> str:
        limit = library.settings.max_uploads
        if len(files) > limit:
            return (
                f'<p class="bad"><b>{len(files)} files is more than {limit} in one upload</b>'
                " (BRIEFING_MAX_UPLOADS): nothing was indexed; upload them in smaller groups.</p>"
            )
        progress(0, desc="Reading files")
        root = self.upload_root(library)
        staged, renamed = self._stage(root / "uploads", files)

        def report(done: int, total: int, doc_id: str) -> None:
            progress((done, total), desc=f"Indexing {doc_id}" if doc_id else "Indexed", unit="files")

        # The slow part (parsing, embedding) runs before the lock; under it, index() finds the
        # vectors ready and only writes, so one large upload does not hold up removals and others.
        progress(0, desc="Embedding")
        ahead = library.embed_ahead(staged, root=root)
        with self.write_lock:
            result = library.index(staged, report, root=root, ahead=ahead)
            copies = {path.resolve() for path in staged}
            for failure in result.failed:  # a copy that was not indexed must not hold its name
                failed = Path(failure.path).resolve()
                if failed in copies:
                    failed.unlink(missing_ok=True)
        return ingest_html(result, staged, renamed)

    def _stage(self, uploads: Path, files: Sequence[str]) -> tuple[list[Path], dict[Path, str]]:
        """Copy uploads into the uploads folder; a name taken by other bytes becomes name-2, name-3... (new -> old)."""
        uploads.mkdir(parents=True, exist_ok=True)
        staged: list[Path] = []
        renamed: dict[Path, str] = {}
        digests: dict[Path, str] = {}
        with self.write_lock:  # two sessions uploading report.txt at once must not pick the same name
            for file in files:
                name, digest = Path(file).name, _digest(Path(file))
                target, n = uploads / name, 1
                # A name is free when nothing holds it, or the same bytes do (a re-upload: "already indexed").
                while (digests.get(target) or (_digest(target) if target.exists() else None)) not in (None, digest):
                    n += 1
                    target = uploads / f"{Path(name).stem}-{n}{Path(name).suffix}"
                if target not in digests:
                    shutil.copyfile(file, target)
                    digests[target] = digest
                    staged.append(target)
                if target.name != name:
                    renamed[target] = name
        return staged, renamed

    def create_notebook(
        self,
        name: str,
        files: list[str] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 - Gradio reads the default
    ) -> tuple[Any, ...]:
        """A new notebook of uploads, indexed into its own collection; the switcher then opens it."""
        if not files:
            raise gr.Error("add at least one document to start the notebook with")
        try:
            made = self.notebooks.create(name or "")
        except NotebookError as error:
            raise gr.Error(str(error)) from error
        report = self._index_uploads(self.library_for(made.name), files, progress)
        head = f'<p class="ok">Notebook <b>{escape(made.name)}</b> created and opened.</p>'
        switcher = gr.Dropdown(choices=self.notebook_choices(), value=made.name)
        return head + report, switcher, "", None

    def remove(self, doc_id: str | None, notebook: str | None = None) -> str:
        if not doc_id:
            return '<p class="bad">Choose a document to remove first.</p>'
        library = self.library_for(notebook)
        uploads = self.upload_root(library) / "uploads"
        with self.write_lock:
            removed = library.remove(doc_id)
            uploaded = (self.upload_root(library) / doc_id).resolve()
            if uploaded.is_relative_to(uploads.resolve()) and uploaded.is_file():
                uploaded.unlink()  # the copy made at upload time goes with it
        if not removed:
            return f'<p class="bad">{escape(doc_id)} was not in the index.</p>'
        return f'<p class="ok">Removed {escape(doc_id)} from the index; upload it again to bring it back.</p>'

    def documents(self, notebook: str | None = None) -> tuple[str, list[list[Any]], Any]:
        summaries = self.library_for(notebook).documents()
        choices = [(f"{d.title} — {d.id}", d.id) for d in summaries]
        return corpus_summary(summaries), documents_rows(summaries), gr.Dropdown(choices=choices, value=None)


# --- corpus panel formatting (pure) ---------------------------------------------------------


def documents_rows(summaries: Sequence[DocumentSummary]) -> list[list[Any]]:
    """One table row per indexed document: title, date, outlet, paragraphs, where each field came from, id."""
    return [[d.title, d.date or "", d.outlet or "", d.paragraphs, d.provenance, d.id] for d in summaries]


def corpus_summary(summaries: Sequence[DocumentSummary]) -> str:
    if not summaries:
        return "**Nothing is indexed yet.** Add documents on the right, or run `briefing index`."
    paragraphs = sum(d.paragraphs for d in summaries)
    return f"**{_count(len(summaries), 'document')}**, {_count(paragraphs, 'citable paragraph')}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _digest(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def ingest_html(report: IngestReport, staged: Sequence[Path], renamed: dict[Path, str] | None = None) -> str:
    """What an upload did, file by file: each bad file named with its reason, the rest confirmed."""
    names = {Path(path).resolve(): Path(path).name for path in staged}
    lines: list[str] = [
        f'<li class="ok">{escape(old)} was saved as <b>{escape(new.name)}</b>: that name was taken by another file</li>'
        for new, old in (renamed or {}).items()
    ]
    for label, doc_ids in (("added", report.added), ("updated", report.updated), ("already indexed", report.unchanged)):
        for doc_id in doc_ids:
            paragraphs = _count(report.paragraphs_per_doc.get(doc_id, 0), "paragraph")
            lines.append(f'<li class="ok">{escape(doc_id)}: {label} ({paragraphs})</li>')
    for failure in report.failed:
        name = names.get(Path(failure.path).resolve(), Path(failure.path).name)
        lines.append(f'<li class="bad"><b>{escape(name)}</b> was not indexed: {escape(failure.reason)}</li>')
    good = len(report.added) + len(report.updated) + len(report.unchanged)
    head = f"{good} of {_count(len(staged), 'file')} indexed" if report.failed else f"{_count(good, 'file')} indexed"
    return f"<p><b>{head}</b></p><ul>{''.join(lines)}</ul>"
