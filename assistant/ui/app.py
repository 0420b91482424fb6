"""The Gradio app: the page's frame, the notebook switcher, one Library per notebook, and launch()."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import render_chat as view
from assistant.library import Library
from assistant.ui.brief import BriefTab
from assistant.ui.chat import ChatTab
from assistant.ui.corpus import CorpusTab
from assistant.ui.notes import NotesTab

MAX_UPLOAD = "50mb"
CONCURRENCY = 4  # other events at once (uploads, briefs); Gradio's default of 1 lets one slow call block everyone
ASSETS = Path(__file__).parent


def theme() -> gr.themes.Base:
    # System fonts only: the default theme fetches Google Fonts, which an offline machine waits on.
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


def page_css() -> str:
    return (ASSETS / "page.css").read_text(encoding="utf-8")


def page_js() -> str:
    return (ASSETS / "page.js").read_text(encoding="utf-8").replace("__REF_PREFIX__", view.REF_PREFIX)


class ChatApp(ChatTab, CorpusTab, BriefTab, NotesTab):
    """The page: its frame and notebook switcher; the tabs' layouts and handlers come from their modules."""

    # --- layout ----------------------------------------------------------------------------

    def blocks(self) -> gr.Blocks:
        with gr.Blocks(title="Briefing assistant") as demo:
            notebook = gr.State(self.start_notebook)  # this session's notebook, by name
            with gr.Row(elem_id="topbar", equal_height=False):
                header = gr.HTML(self.header_html(self.start_notebook), elem_id="app-header")
                switcher = gr.Dropdown(
                    choices=self.notebook_choices(),
                    value=self.start_notebook,
                    label="Notebook",
                    elem_id="notebook",
                    scale=0,
                    min_width=220,
                    interactive=True,
                )
            with gr.Tabs():
                with gr.Tab("Chat", id="chat"):
                    chat = self._chat_tab(notebook)
                with gr.Tab("Corpus", id="corpus") as corpus_tab:
                    corpus = self._corpus_tab(notebook)
                with gr.Tab("Notes", id="notes") as notes_tab:
                    notes = self._notes_tab(notebook)
                with gr.Tab("Brief", id="brief"):
                    topic = self._brief_tab(notebook)
            # What a notebook shows of itself, refreshed when the page loads and when the notebook changes.
            changed = self.wire_corpus(demo, corpus_tab, notebook, corpus, switcher)
            listing = [corpus.summary, corpus.table, corpus.doomed]
            notes_out = self.wire_notes(notes_tab, notebook, notes)
            opened = [header, *chat.reset, topic]
            saved = self.wire_chat(chat, notebook)
            saved.then(self.notes_view, notebook, notes_out, api_visibility="private", show_progress="hidden")
            for event in changed:  # the filter lists the documents there are now
                event.then(self.filter_choices, notebook, chat.filter_docs, api_visibility="private")
            # Registered after /documents so that endpoint keeps its plain name. A new notebook is opened
            # through the switcher too: its change event fires when the create handler sets its value.
            switcher.change(
                self.switch, switcher, [notebook, *opened], api_name="switch_notebook", show_progress="hidden"
            ).then(self.documents, notebook, listing, api_visibility="private", show_progress="hidden").then(
                self.notes_view, notebook, notes_out, api_visibility="private", show_progress="hidden"
            ).then(self.filter_choices, notebook, chat.filter_docs, api_visibility="private").then(
                self.suggested, notebook, chat.suggested, api_visibility="private", show_progress="hidden"
            )
            demo.load(self.filter_choices, notebook, chat.filter_docs, api_visibility="private").then(
                self.suggested, notebook, chat.suggested, api_visibility="private", show_progress="hidden"
            ).then(self.placeholder, notebook, topic, api_visibility="private", show_progress="hidden")
        return demo

    def header_html(self, name: str) -> str:
        return (
            "<h1>Briefing assistant</h1>"
            f"<p>Cited answers from the notebook <b>{escape(name)}</b>. "
            "Every claim carries a citation; click one to read it in place.</p>"
        )

    def switch(self, name: str) -> tuple[Any, ...]:
        """Open another notebook in this session: a fresh conversation, its own documents, notes and topics."""
        if self.notebook(name) is None:
            raise gr.Error(f"no notebook named {name!r}")
        return (name, self.header_html(name), *self.chat_reset(), self.placeholder(name))


def launch(library: Library, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Warm the model and keyword index, then serve the app; with block=False return the running app."""
    logins = library.settings.credentials()  # a malformed BRIEFING_AUTH fails before anything starts
    library.retrieve("warm up")  # the first reader should not wait for the model to load
    app = ChatApp(library)
    demo = app.blocks()
    demo.queue(default_concurrency_limit=CONCURRENCY)
    demo.launch(
        # Gradio's login covers the page, the API and file downloads alike.
        auth=logins or None,
        auth_message="Sign in to the briefing assistant." if logins else None,
        server_name=host,
        server_port=port,
        prevent_thread_lock=not block,
        show_error=True,
        max_file_size=MAX_UPLOAD,
        allowed_paths=[str((library.settings.data_dir / "exports").resolve())],
        ssr_mode=False,
        footer_links=[],
        theme=theme(),
        css=page_css(),
        js=page_js(),
        quiet=not block,
    )
    return demo
