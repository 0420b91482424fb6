"""The Brief tab: a one-page cited brief of the notebook (or of a topic), in every format."""

from __future__ import annotations

from html import escape
from typing import Any

import gradio as gr

from assistant import render_chat as view
from assistant.brief import NothingOnTopic, make_brief
from assistant.brief_render import fits_one_page, render_markdown, write_brief
from assistant.ui.base import Page
from assistant.ui.chat import SCROLL_JS

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
        with gr.Row(equal_height=False):
            with gr.Column(scale=11, min_width=380):
                preview = gr.Markdown(elem_id="brief-preview")
            with gr.Column(scale=9, min_width=340):
                viewer = gr.HTML(view.EMPTY_VIEWER, elem_id="brief-viewer")
        cited = gr.State({})  # paragraph id -> (footnote number, the quotes the brief takes from it)
        ref = gr.Textbox(visible="hidden", elem_id="brief-citation-ref")
        open_citation = gr.Button(visible="hidden", elem_id="open-brief-citation")
        gr.on(
            [topic.submit, write.click],
            self.brief,
            [topic, notebook],
            [status, preview, cited, *downloads],
            api_name="brief",
            show_progress="full",
        )
        open_citation.click(None, None, ref, js="() => window.briefingRef || ''", queue=False).then(
            self.open_brief_citation,
            [ref, cited, notebook],
            viewer,
            api_name="open_brief_citation",
            show_progress="hidden",
        ).then(None, js=SCROLL_JS.replace("#viewer", "#brief-viewer").replace('"viewer"', '"brief-viewer"'))
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
            wanted = " ".join((topic or "").split()) or None
            made = make_brief(library, wanted, rewrite=rewrite, fits=fits_one_page)
        except NothingOnTopic as nothing:
            return (f'<p class="bad">{escape(str(nothing))}</p>', "", {}, *none)
        except ValueError as empty:  # an empty collection
            return (f'<p class="bad">{escape(str(empty))}</p>', "", {}, *none)
        folder = self.download_folder("brief")
        files = [write_brief(made, folder / f"briefing-brief{ext}") for ext, _ in BRIEF_DOWNLOADS]
        head = (
            f'<p class="ok">Brief written: {escape(made.as_of)}. Every claim is quoted from, and cites, its source.</p>'
        )
        cited: dict[str, tuple[int, list[str]]] = {c.paragraph.id: (c.n, []) for c in made.citations}
        for claim in made.claims:
            for quote in claim.quotes:
                cited[quote.paragraph.id][1].append(quote.text)
        preview = render_markdown(made, link=lambda _, pid: view.REF_PREFIX + view.quote_ref(pid))
        return (head, preview, cited, *[gr.DownloadButton(value=str(f), interactive=True) for f in files])

    def open_brief_citation(
        self, ref: str, cited: dict[str, tuple[int, list[str]]], notebook: str | None = None
    ) -> str:
        """The viewer for a footnote of the brief: its document, the paragraph highlighted, the quotes marked."""
        _, paragraph_id = view.parse_ref(ref or "")
        if not paragraph_id:
            return view.EMPTY_VIEWER
        library = self.library_for(notebook)
        number, quotes = cited.get(paragraph_id, (None, []))
        doc_id = view.doc_id_of(paragraph_id)
        return view.document_html(
            paragraph_id, library.paragraphs(doc_id), library.document_text(doc_id), quotes, number
        )
