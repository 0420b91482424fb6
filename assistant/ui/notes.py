"""The Notes tab: saved answers listed, renamed, deleted, exported to Markdown, and briefed on their own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

import gradio as gr

from assistant.brief_render import render_markdown, write_brief
from assistant.notes import Note, NoteError, brief_from_notes, notes_markdown
from assistant.ui.base import Page


@dataclass
class NotesParts:
    listing: Any
    choice: Any
    title: Any
    rename: Any
    delete: Any
    export: Any
    brief: Any
    brief_status: Any
    brief_file: Any
    brief_preview: Any


def notes_html(notes: Sequence[Note], changed: dict[int, set[str]]) -> str:
    """Each note: title, when saved, its question and answer, its cited paragraph ids; changed ones flagged."""
    if not notes:
        return (
            '<p class="notes-empty">No notes yet. Under an answer in the Chat, choose '
            "<b>Save to notes</b> to keep it here with its citations.</p>"
        )
    cards = []
    for note in notes:
        flag = (
            f'<span class="note-changed" title="the cited paragraph now reads differently">'
            f"source changed: {escape(', '.join(sorted(changed[note.id])))}</span>"
            if changed.get(note.id)
            else ""
        )
        cites = " ".join(f"[{c.n}] {c.paragraph.id}" for c in note.citations)
        cards.append(
            f'<div class="note-card" id="note-{note.id}"><div class="note-title">{escape(note.title)}{flag}</div>'
            f'<div class="note-meta">Saved {escape(note.created)} · asked: {escape(note.question)}</div>'
            f'<div class="note-answer">{escape(note.answer)}</div><div class="note-cites">{escape(cites)}</div></div>'
        )
    return "".join(cards)


class NotesTab(Page):
    """The notes panel's layout and handlers; mixed into ChatApp."""

    def _notes_tab(self, notebook: Any) -> NotesParts:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=320):
                listing = gr.HTML(notes_html([], {}), elem_id="notes-list")
            with gr.Column(scale=2, min_width=300):
                choice = gr.Dropdown(label="Note", choices=[], elem_id="note-choice")
                title = gr.Textbox(label="Title", elem_id="note-title")
                with gr.Row():
                    rename = gr.Button("Rename", size="sm", elem_id="note-rename")
                    delete = gr.Button("Delete", variant="stop", size="sm", elem_id="note-delete")
                export = gr.DownloadButton(
                    "Export notes (.md)", value=None, interactive=False, size="sm", elem_id="notes-export"
                )
                brief = gr.Button("Write a brief from the notes", size="sm", elem_id="notes-brief")
                brief_status = gr.HTML(elem_id="notes-brief-status")
                brief_file = gr.DownloadButton(
                    "Download the brief (.md)", value=None, interactive=False, size="sm", elem_id="notes-brief-md"
                )
        brief_preview = gr.Markdown(elem_id="notes-brief-preview")
        return NotesParts(
            listing, choice, title, rename, delete, export, brief, brief_status, brief_file, brief_preview
        )

    def wire_notes(self, tab: gr.Tab, notebook: Any, n: NotesParts) -> list[Any]:
        out = [n.listing, n.choice, n.title, n.export]
        gr.on([tab.select], self.notes_view, notebook, out, api_name="notes", show_progress="hidden")
        n.choice.change(self.note_title, [n.choice, notebook], n.title, api_visibility="private")
        n.rename.click(self.rename_note, [n.choice, n.title, notebook], out, api_name="rename_note")
        n.delete.click(self.delete_note, [n.choice, notebook], out, api_name="delete_note")
        n.brief.click(
            self.brief_of_notes, notebook, [n.brief_status, n.brief_preview, n.brief_file], api_name="brief_from_notes"
        )
        return out

    def notes_view(self, notebook: str | None) -> tuple[Any, ...]:
        """The notebook's notes, the choice list, and a fresh Markdown export behind the button."""
        library = self.library_for(notebook)
        notes = library.notes.all()
        changed = {note.id: library.changed_citations(note) for note in notes}
        choices = [(f"{note.title} (#{note.id})", note.id) for note in notes]
        export = gr.DownloadButton(value=None, interactive=False)
        if notes:
            path = self.download_folder("notes") / "briefing-notes.md"
            path.write_text(notes_markdown(notes, notebook or library.collection, changed), encoding="utf-8")
            export = gr.DownloadButton(value=str(path), interactive=True)
        return notes_html(notes, changed), gr.Dropdown(choices=choices, value=None), "", export

    def note_title(self, note_id: int | None, notebook: str | None) -> str:
        if note_id is None:
            return ""
        try:
            return self.library_for(notebook).notes.get(int(note_id)).title
        except NoteError:
            return ""

    def rename_note(self, note_id: int | None, title: str, notebook: str | None) -> tuple[Any, ...]:
        if note_id is None:
            raise gr.Error("choose a note to rename first")
        try:
            self.library_for(notebook).notes.rename(int(note_id), title or "")
        except NoteError as error:
            raise gr.Error(str(error)) from error
        return self.notes_view(notebook)

    def delete_note(self, note_id: int | None, notebook: str | None) -> tuple[Any, ...]:
        if note_id is None:
            raise gr.Error("choose a note to delete first")
        try:
            self.library_for(notebook).notes.delete(int(note_id))
        except NoteError as error:
            raise gr.Error(str(error)) from error
        return self.notes_view(notebook)

    def brief_of_notes(self, notebook: str | None) -> tuple[Any, ...]:
        """A one-page brief written from the noted paragraphs alone."""
        library = self.library_for(notebook)
        try:
            made = brief_from_notes(library.notes.all(), library.embedder().embed)
        except (NoteError, ValueError) as error:
            return f'<p class="bad">{escape(str(error))}</p>', "", gr.DownloadButton(value=None, interactive=False)
        path = write_brief(made, self.download_folder("notes-brief") / "briefing-notes-brief.md")
        head = '<p class="ok">Brief written from the notes alone: every claim quotes a noted paragraph.</p>'
        return head, render_markdown(made), gr.DownloadButton(value=str(path), interactive=True)
