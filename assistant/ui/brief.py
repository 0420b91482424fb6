"""The Brief tab: a one-page cited brief of the notebook (or of a topic), in every format."""

from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr

from assistant.brief import NothingOnTopic, make_brief
from assistant.brief_render import render_markdown, write_brief
from assistant.ui.base import Page

BRIEF_DOWNLOADS = ((".pdf", "PDF (one page)"), (".docx", "Word"), (".md", "Markdown"), (".html", "HTML"))


def topic_placeholder(topics: list[str]) -> str:
    """The topic box's hint, drawn from the notebook's own most-named subjects."""
    if not topics:
        return "A topic to brief on; leave empty for a brief of the whole notebook"
    return "e.g. " + " or ".join(f'"{t}"' for t in topics) + "; leave empty for a brief of the whole notebook"


class BriefTab(Page):
    """The brief's layout and handler; mixed into ChatApp."""

    def _brief_tab(self, notebook: Any) -> Any:
        with gr.Row(equal_height=True):
            topic = gr.Textbox(
                label="Topic (optional)",
                placeholder=topic_placeholder([]),
                scale=6,
                elem_id="brief-topic",
            )
            write = gr.Button("Write the brief", variant="primary", scale=1, min_width=120, elem_id="brief-write")
        status = gr.HTML(elem_id="brief-status")
        with gr.Row():
            downloads = [
                gr.DownloadButton(f"Download {label}", value=None, interactive=False, size="sm", elem_id=f"brief-{ext}")
                for ext, label in BRIEF_DOWNLOADS
            ]
        preview = gr.Markdown(elem_id="brief-preview")
        gr.on(
            [topic.submit, write.click],
            self.brief,
            [topic, notebook],
            [status, preview, *downloads],
            api_name="brief",
            show_progress="full",
        )
        return topic

    def placeholder(self, notebook: str | None) -> Any:
        return gr.Textbox(placeholder=topic_placeholder(self.library_for(notebook).topics()))

    def brief(self, topic: str, notebook: str | None = None) -> tuple[Any, ...]:
        """Write the one-page brief (of the topic, if given) in every format; preview its Markdown."""
        none = [gr.DownloadButton(value=None, interactive=False) for _ in BRIEF_DOWNLOADS]
        library = self.library_for(notebook)
        try:
            settings = library.settings
            rewrite = library.brief_rewriter() if settings.llm_enabled and settings.answer_mode == "llm" else None
            made = make_brief(library, " ".join((topic or "").split()) or None, rewrite=rewrite)
        except NothingOnTopic as nothing:
            return (f'<p class="bad">{escape(str(nothing))}</p>', "", *none)
        except ValueError as empty:  # an empty collection
            return (f'<p class="bad">{escape(str(empty))}</p>', "", *none)
        folder = self.download_folder("brief")
        files = [write_brief(made, folder / f"briefing-brief{ext}") for ext, _ in BRIEF_DOWNLOADS]
        head = (
            f'<p class="ok">Brief written: {escape(made.as_of)}. Every claim is quoted from, and cites, its source.</p>'
        )
        return (head, render_markdown(made), *[gr.DownloadButton(value=str(f), interactive=True) for f in files])
