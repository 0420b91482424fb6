"""The Gradio app: chat with clickable citations, the document viewer, the corpus panel and settings."""

from __future__ import annotations

import hashlib
import secrets
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import render_chat as view
from assistant.answer import Answer
from assistant.brief import NothingOnTopic, make_brief
from assistant.brief_render import fits_one_page, render_markdown, write_brief
from assistant.library import Library, QuestionTooLong
from index.load import SUPPORTED_SUFFIXES
from index.records import DocumentSummary, IngestReport

MAX_UPLOAD = "50mb"
REVEAL_PAUSE_S = 0.02  # between word groups of an answer that arrived whole: a streaming feel, ~0.3 s in all
DOWNLOAD_TTL_S = 24 * 3600  # a download folder older than a day has been fetched or forgotten
CONCURRENCY = 4  # other events at once (uploads, briefs); Gradio's default of 1 lets one slow call block everyone

CHAT_PLACEHOLDER = (
    "### Ask the indexed reports\n"
    "Every sentence of an answer is quoted from a source and cited. "
    "Click a citation to see the paragraph highlighted in its document."
)

# Links are matched by the href prefix that render_chat writes (its REF_PREFIX): Gradio's chat
# sanitizer keeps href but drops data-* attributes. The reference goes to the hidden button's
# event through window.briefingRef, read by that event's js step.
CLICK_JS = f"""
() => {{
  const prefix = {view.REF_PREFIX!r};
  document.addEventListener("click", (event) => {{
    const link = event.target.closest && event.target.closest(`a[href^="${{prefix}}"]`);
    if (!link) return;
    event.preventDefault();
    event.stopPropagation();
    window.briefingRef = link.getAttribute("href").slice(prefix.length);
    document.querySelectorAll("a.cite.active, a.source.active").forEach((a) => a.classList.remove("active"));
    link.classList.add("active");
    // A footnote of the brief opens the Brief tab's viewer; a citation in the chat, the chat's.
    const button = link.closest("#brief-preview") ? "open-brief-citation" : "open-citation";
    document.getElementById(button)?.click();
  }}, true);
}}
"""

# The viewer's own scroll box moves, not the page: the cited paragraph lands a third of the way
# down with its context above. Retried for a few frames because the new HTML may not be painted yet.
SCROLL_JS = """
() => {
  let tries = 0;
  const place = () => {
    const box = document.querySelector("#viewer .doc-body");
    const hit = box && box.querySelector(".cited");
    if (!hit) { if (tries++ < 20) requestAnimationFrame(place); return; }
    const label = hit.previousElementSibling || hit;
    box.scrollTo({ top: Math.max(0, label.offsetTop - box.clientHeight / 4), behavior: "smooth" });
    const viewer = document.getElementById("viewer");
    const rect = viewer.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight * 0.6) {
      viewer.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  };
  place();
}
"""

CSS = """
.gradio-container { max-width: 1480px !important; }
#app-header { padding: 4px 2px 0; }
#app-header h1 { font-size: 1.45rem; margin: 0; font-weight: 650; letter-spacing: -0.01em; }
#app-header p { margin: 2px 0 0; color: var(--body-text-color-subdued); font-size: 0.92rem; }

#chat .question { font-weight: 500; }
#chat .answer { line-height: 1.65; }
#chat .answer.abstained { font-weight: 600; }
#chat .answer.streaming .caret {
  display: inline-block; width: 0.5em; height: 1.05em; margin-left: 2px; vertical-align: text-bottom;
  background: var(--color-accent); animation: briefing-blink 1s steps(1) infinite;
}
@keyframes briefing-blink { 50% { opacity: 0; } }
#chat .thinking { color: var(--body-text-color-subdued); font-style: italic; }
#chat .thinking .dots i {
  display: inline-block; width: 4px; height: 4px; margin-left: 3px; border-radius: 50%;
  background: currentColor; animation: briefing-dot 1.2s infinite ease-in-out;
}
#chat .thinking .dots i:nth-child(2) { animation-delay: 0.15s; }
#chat .thinking .dots i:nth-child(3) { animation-delay: 0.3s; }
@keyframes briefing-dot { 0%, 80%, 100% { opacity: 0.2; } 40% { opacity: 1; } }

a.cite {
  display: inline-block; min-width: 1.35em; padding: 0 0.38em; margin: 0 1px; border-radius: 999px;
  font-size: 0.72em; line-height: 1.5; font-weight: 650; text-align: center; vertical-align: 0.35em;
  text-decoration: none !important; cursor: pointer;
  color: var(--color-accent) !important; background: var(--color-accent-soft);
  border: 1px solid var(--color-accent);
}
a.cite:hover, a.cite.active { color: white !important; background: var(--color-accent); }
span.cite.demo {
  display: inline-block; min-width: 1.35em; padding: 0 0.38em; border-radius: 999px; font-size: 0.75em;
  font-weight: 650; text-align: center; color: var(--color-accent); border: 1px solid var(--color-accent);
  background: var(--color-accent-soft);
}

#chat .sources { margin-top: 12px; padding-top: 8px; border-top: 1px solid var(--border-color-primary); }
#chat .sources-head {
  font-size: 0.72rem; text-transform: uppercase; letter-spacing: 0.06em; font-weight: 650;
  color: var(--body-text-color-subdued); margin-bottom: 4px;
}
#chat .sources ol, #chat .sources ul { list-style: none; padding: 0 !important; margin: 0 !important; }
#chat .sources li { margin: 3px 0 !important; padding: 0 !important; }
#chat a.source {
  display: grid; grid-template-columns: 1.6em 1fr; column-gap: 8px; align-items: start; padding: 6px 8px;
  border-radius: 8px; text-decoration: none !important; color: var(--body-text-color) !important;
  font-size: 0.86rem; line-height: 1.4; border: 1px solid transparent;
}
#chat a.source:hover, #chat a.source.active {
  background: var(--color-accent-soft); border-color: var(--color-accent);
}
#chat .source-n {
  margin-top: 1px; text-align: center; border-radius: 999px; font-size: 0.72rem; font-weight: 650; line-height: 1.5;
  color: var(--color-accent); border: 1px solid var(--color-accent);
}
#chat .source-body { display: flex; flex-direction: column; min-width: 0; }
#chat .source-title { font-weight: 600; }
#chat .source-meta {
  display: flex; flex-wrap: wrap; gap: 0 10px; color: var(--body-text-color-subdued); font-size: 0.76rem;
}
#chat .source-pid { font-family: var(--font-mono); }
#chat .source-quote { margin-top: 2px; color: var(--body-text-color-subdued); font-size: 0.82rem; }
#chat .note { margin-top: 6px; font-size: 0.82rem; color: var(--body-text-color-subdued); font-style: italic; }

#viewer { height: 100%; }
#viewer .doc {
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  background: var(--block-background-fill); overflow: hidden;
}
#viewer .doc-header { padding: 14px 18px 10px; border-bottom: 1px solid var(--border-color-primary); }
#viewer .doc-title { font-size: 1.08rem; font-weight: 650; line-height: 1.35; }
#viewer .doc-meta { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 5px; font-size: 0.8rem;
  color: var(--body-text-color-subdued); }
#viewer .doc-id { font-family: var(--font-mono); }
#viewer .doc-body {
  position: relative; height: min(68vh, 720px); overflow-y: auto; padding: 8px 18px 40vh;
  font-size: 0.92rem; line-height: 1.62;
}
#viewer .para { margin: 0 0 0.8em; color: var(--body-text-color); opacity: 0.72; }
#viewer .para.cited {
  opacity: 1; padding: 10px 12px; border-radius: 8px; border-left: 4px solid #f59f00;
  background: rgba(255, 212, 59, 0.22);
}
#viewer mark.quote { background: rgba(255, 193, 7, 0.55); color: inherit; padding: 1px 0; border-radius: 2px; }
#viewer .cited-label {
  display: flex; gap: 10px; align-items: baseline; margin: 14px 0 4px; font-size: 0.74rem; color: #b35c00;
}
#viewer .cited-as { font-weight: 700; letter-spacing: 0.05em; text-transform: uppercase; }
#viewer .cited-pid { font-family: var(--font-mono); opacity: 0.85; }
.dark #viewer .cited-label { color: #ffc078; }
#viewer .doc-heading { margin: 1em 0 0.35em; font-weight: 650; font-size: 0.9rem; }
#viewer .doc-aside {
  margin: 0 0 0.6em; font-size: 0.8rem; color: var(--body-text-color-subdued); word-break: break-word;
}
#viewer .doc-elided { margin: 0.6em 0; font-size: 0.8rem; color: var(--body-text-color-subdued); text-align: center; }
#viewer .viewer-empty {
  border: 1px dashed var(--border-color-primary); border-radius: var(--radius-lg); padding: 28px 22px;
  color: var(--body-text-color-subdued); min-height: 260px;
}
#viewer .viewer-empty-title { font-weight: 650; font-size: 1.02rem; color: var(--body-text-color); margin-bottom: 6px; }

#corpus-report .ok { color: #2b8a3e; }
#corpus-report .bad { color: #c92a2a; }
#corpus-report ul { margin: 4px 0 0; }
"""


def theme() -> gr.themes.Base:
    # System fonts only: the default theme fetches Google Fonts, which an offline machine waits on.
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=["ui-sans-serif", "system-ui", "Segoe UI", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )


BRIEF_DOWNLOADS = ((".pdf", "PDF (one page)"), (".docx", "Word"), (".md", "Markdown"), (".html", "HTML"))


class ChatApp:
    """One Library shared by every session; each handler is one call into it; conversations live in gr.State."""

    def __init__(self, library: Library) -> None:
        self.library = library
        # Index writes (upload, remove) from two sessions at once would interleave in the store.
        self.write_lock = threading.Lock()
        # LLM questions wait on a slow endpoint, not on CPU: at most llm_concurrency of them hold a chat
        # slot, so the others (chat_concurrency in all) stay free for extractive answers.
        self.llm_slots = threading.BoundedSemaphore(library.settings.llm_concurrency)
        data = library.settings.data_dir
        # Uploads get ids "uploads/<name>" (relative to upload_root), so they never replace a source
        # indexed from a folder under the same file name.
        self.upload_root = data / "uploads" / library.collection
        self.uploads = self.upload_root / "uploads"
        # Downloads live under the data folder, in a folder named by a token the server draws itself:
        # nothing from a request (Gradio's session_hash is chosen by the client) ever becomes a path.
        self.exports = data / "exports"

    def _download_folder(self, kind: str) -> Path:
        """A new folder for one download, at <data_dir>/exports/<kind>/<random token>/; old ones are pruned."""
        parent = self.exports / kind
        parent.mkdir(parents=True, exist_ok=True)
        stale = time.time() - DOWNLOAD_TTL_S
        for old in parent.iterdir():
            if old.is_dir() and not old.is_symlink() and old.stat().st_mtime < stale:
                shutil.rmtree(old, ignore_errors=True)
        folder = parent / secrets.token_hex(16)
        folder.mkdir()
        return folder

    # --- layout: one function per tab ------------------------------------------------------

    def blocks(self) -> gr.Blocks:
        with gr.Blocks(title="Briefing assistant") as demo:
            gr.HTML(
                "<h1>Briefing assistant</h1>"
                f"<p>Cited answers from the reports in <code>{escape(self.library.collection)}</code>. "
                "Every claim carries a citation; click one to read it in place.</p>",
                elem_id="app-header",
            )
            with gr.Tabs():
                with gr.Tab("Chat", id="chat"):
                    self._chat_tab()
                with gr.Tab("Corpus", id="corpus") as corpus_tab:
                    self._corpus_tab(demo, corpus_tab)
                with gr.Tab("Brief", id="brief"):
                    self._brief_tab()
        return demo

    def _chat_tab(self) -> None:
        settings = self.library.settings
        conversation = gr.State([])  # this session's Answers; the Chatbot is rebuilt from them
        with gr.Row(equal_height=False):
            with gr.Column(scale=11, min_width=380):
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    show_label=False,
                    height="62vh",
                    render_markdown=False,  # answers are verbatim source text: no Markdown surprises
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=[],
                    placeholder=CHAT_PLACEHOLDER,
                )
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        elem_id="question",
                        show_label=False,
                        placeholder="Ask a question about the reports, then press Enter",
                        scale=8,
                        autofocus=True,
                        max_lines=4,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                with gr.Row():
                    export = gr.DownloadButton(
                        "Export conversation (.md)", value=None, interactive=False, size="sm", elem_id="export"
                    )
                    clear = gr.Button("New conversation", size="sm", elem_id="clear")
                with gr.Accordion("Settings", open=False, elem_id="settings"):
                    k = gr.Slider(
                        1, 20, value=settings.top_k, step=1, label="Passages retrieved per question (k)", elem_id="k"
                    )
                    mode = gr.Radio(
                        [("Extractive: verbatim quotes, no LLM", "extractive"), ("LLM: written answer, cited", "llm")],
                        value=settings.answer_mode if settings.llm_enabled else "extractive",
                        label="Answer mode",
                        visible=settings.llm_enabled,
                        elem_id="mode",
                    )
            with gr.Column(scale=9, min_width=340):
                viewer = gr.HTML(view.EMPTY_VIEWER, elem_id="viewer")
        # The bridge from a citation link in the chat to the viewer (see CLICK_JS).
        ref = gr.Textbox(visible="hidden", elem_id="citation-ref")
        open_citation = gr.Button(visible="hidden", elem_id="open-citation")

        gr.on(
            [question.submit, ask.click],
            self.ask,
            [question, conversation, k, mode],
            [chatbot, conversation, question],
            api_name="ask",
            show_progress="minimal",
            concurrency_limit=settings.chat_concurrency,
            concurrency_id="ask",
        ).then(self.export, conversation, export, api_name="export", show_progress="hidden")
        open_citation.click(None, None, ref, js="() => window.briefingRef || ''", queue=False).then(
            self.open_citation, [ref, conversation], viewer, api_name="open_citation", show_progress="hidden"
        ).then(None, js=SCROLL_JS)

        def start_over() -> tuple[Any, ...]:
            return [], [], view.EMPTY_VIEWER, gr.DownloadButton(value=None, interactive=False)

        # The Chatbot's own trash icon clears only its display; the session's answers must go too.
        for trigger in (clear.click, chatbot.clear):
            trigger(start_over, None, [chatbot, conversation, viewer, export], api_visibility="private")

    def _corpus_tab(self, demo: gr.Blocks, tab: gr.Tab) -> None:
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                summary = gr.Markdown(elem_id="corpus-summary")
                table = gr.Dataframe(
                    headers=["Title", "Date", "Outlet", "Paragraphs", "Fields from", "Document id"],
                    datatype=["str", "str", "str", "number", "str", "str"],
                    interactive=False,
                    wrap=True,
                    elem_id="documents",
                )
            with gr.Column(scale=2):
                files = gr.File(
                    label="Add documents (" + " ".join(SUPPORTED_SUFFIXES) + f"; up to {MAX_UPLOAD} each)",
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
        listing = [summary, table, doomed]
        # Registered first so that the public endpoint gets the plain name /documents.
        gr.on([demo.load, tab.select], self.documents, None, listing, api_name="documents", show_progress="hidden")
        files.upload(self.add_files, files, [report, files], api_name="upload").then(
            self.documents, None, listing, api_visibility="private", show_progress="hidden"
        )
        remove.click(self.remove, doomed, report, api_name="remove").then(
            self.documents, None, listing, api_visibility="private", show_progress="hidden"
        )

    def _brief_tab(self) -> None:
        with gr.Row(equal_height=True):
            topic = gr.Textbox(
                label="Topic (optional)",
                placeholder='e.g. "chip export controls"; leave empty for a brief of the whole corpus',
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
            topic,
            [status, preview, cited, *downloads],
            api_name="brief",
            show_progress="full",
        )
        open_citation.click(None, None, ref, js="() => window.briefingRef || ''", queue=False).then(
            self.open_brief_citation, [ref, cited], viewer, api_name="open_brief_citation", show_progress="hidden"
        ).then(None, js=SCROLL_JS.replace("#viewer", "#brief-viewer").replace('"viewer"', '"brief-viewer"'))

    # --- handlers: one call into the Library each -------------------------------------------

    def brief(self, topic: str) -> tuple[Any, ...]:
        """Write the one-page brief (of the topic, if given) in every format; preview its Markdown."""
        none = [gr.DownloadButton(value=None, interactive=False) for _ in BRIEF_DOWNLOADS]
        try:
            settings = self.library.settings
            rewrite = self.library.brief_rewriter() if settings.llm_enabled and settings.answer_mode == "llm" else None
            wanted = " ".join((topic or "").split()) or None
            made = make_brief(self.library, wanted, rewrite=rewrite, fits=fits_one_page)
        except NothingOnTopic as nothing:
            return (f'<p class="bad">{escape(str(nothing))}</p>', "", {}, *none)
        except ValueError as empty:  # an empty collection
            return (f'<p class="bad">{escape(str(empty))}</p>', "", {}, *none)
        folder = self._download_folder("brief")
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

    def open_brief_citation(self, ref: str, cited: dict[str, tuple[int, list[str]]]) -> str:
        """The viewer for a footnote of the brief: its document, the paragraph highlighted, the quotes marked."""
        _, paragraph_id = view.parse_ref(ref or "")
        if not paragraph_id:
            return view.EMPTY_VIEWER
        number, quotes = cited.get(paragraph_id, (None, []))
        doc_id = view.doc_id_of(paragraph_id)
        return view.document_html(
            paragraph_id, self.library.paragraphs(doc_id), self.library.document_text(doc_id), quotes, number
        )

    def ask(self, question: str, conversation: list[Answer], k: float, mode: str | None) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat, then show it whole with clickable citations."""
        try:
            self.library.check_question(question or "")  # before any echo: a 5 MB question is not shown back
        except QuestionTooLong as error:
            raise gr.Error(str(error)) from error
        question = " ".join((question or "").split())
        history = view.chat_messages(conversation)
        if not question:
            yield history, conversation, ""
            return
        asked = [*history, {"role": "user", "content": view.question_html(question)}]
        yield [*asked, {"role": "assistant", "content": view.PENDING_HTML}], conversation, ""
        answer: Answer | None = None
        shown = ""
        settings = self.library.settings
        wants_llm = (mode or settings.answer_mode) == "llm" and settings.llm_enabled
        slot = wants_llm and self.llm_slots.acquire(blocking=False)
        busy = wants_llm and not slot
        try:
            for item in self.library.ask_stream(question, int(k), "extractive" if busy else mode or None):
                if isinstance(item, Answer):
                    answer = item
                    continue
                # A long piece arrived at once (the extractive answer comes whole): reveal it in word
                # groups; an LLM's small deltas pass straight through.
                pieces = list(view.reveal(item)) if len(item.split()) > 8 else [item]
                for piece in pieces:
                    yield (
                        [*asked, {"role": "assistant", "content": view.streaming_html(shown + piece)}],
                        conversation,
                        "",
                    )
                    if len(pieces) > 1:
                        time.sleep(REVEAL_PAUSE_S)
                shown += item
        except ValueError as error:  # a mode that is not configured; the Library's message says what to set
            raise gr.Error(str(error)) from error
        finally:
            if slot:
                self.llm_slots.release()
        if answer is None:
            raise gr.Error("the answerer finished without an answer; see the server log")
        if busy:
            limit = settings.llm_concurrency
            note = f"the LLM is busy with {limit} other questions (BRIEFING_LLM_CONCURRENCY): answered extractively"
            answer = replace(answer, notes=(note, *answer.notes))
        conversation = [*conversation, answer]
        yield view.chat_messages(conversation), conversation, ""

    def open_citation(self, ref: str, conversation: list[Answer]) -> str:
        """The viewer for a clicked citation: its document, the paragraph highlighted, the quoted sentences marked."""
        turn, paragraph_id = view.parse_ref(ref or "")
        if not paragraph_id:
            return view.EMPTY_VIEWER
        answer = conversation[turn] if turn is not None and 0 <= turn < len(conversation) else None
        doc_id = view.doc_id_of(paragraph_id)
        return view.document_html(
            paragraph_id,
            self.library.paragraphs(doc_id),
            self.library.document_text(doc_id),  # the second read: headings and layout between paragraphs
            view.quotes_for(answer, paragraph_id),
            view.cited_number(answer, paragraph_id),
        )

    def export(self, conversation: list[Answer]) -> Any:
        """This session's conversation as a Markdown file behind the download button."""
        if not conversation:
            return gr.DownloadButton(value=None, interactive=False)
        path = self._download_folder("conversation") / "briefing-conversation.md"
        path.write_text(view.conversation_markdown(conversation, self.library.collection), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)

    def add_files(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, None]:  # noqa: B008 - Gradio reads the default
        """Copy uploads into <data_dir>/uploads/<collection>/ and index those files (never the folder)."""
        if not files:
            return "", None
        limit = self.library.settings.max_uploads
        if len(files) > limit:
            return (
                f'<p class="bad"><b>{len(files)} files is more than {limit} in one upload</b>'
                " (BRIEFING_MAX_UPLOADS): nothing was indexed; upload them in smaller groups.</p>"
            ), None
        progress(0, desc="Reading files")
        staged, renamed = self._stage(files)

        def report(done: int, total: int, doc_id: str) -> None:
            progress((done, total), desc=f"Indexing {doc_id}" if doc_id else "Indexed", unit="files")

        # The slow part (parsing, embedding) runs before the lock; under it, index() finds the
        # vectors ready and only writes, so one large upload does not hold up removals and others.
        progress(0, desc="Embedding")
        ahead = self.library.embed_ahead(staged, root=self.upload_root)
        with self.write_lock:
            result = self.library.index(staged, report, root=self.upload_root, ahead=ahead)
            copies = {path.resolve() for path in staged}
            for failure in result.failed:  # a copy that was not indexed must not hold its name
                failed = Path(failure.path).resolve()
                if failed in copies:
                    failed.unlink(missing_ok=True)
        return ingest_html(result, staged, renamed), None

    def _stage(self, files: Sequence[str]) -> tuple[list[Path], dict[Path, str]]:
        """Copy uploads into the uploads folder; a name taken by other bytes becomes name-2, name-3... (new -> old)."""
        self.uploads.mkdir(parents=True, exist_ok=True)
        staged: list[Path] = []
        renamed: dict[Path, str] = {}
        digests: dict[Path, str] = {}
        with self.write_lock:  # two sessions uploading report.txt at once must not pick the same name
            for file in files:
                name, digest = Path(file).name, _digest(Path(file))
                target, n = self.uploads / name, 1
                # A name is free when nothing holds it, or the same bytes do (a re-upload: "already indexed").
                while (digests.get(target) or (_digest(target) if target.exists() else None)) not in (None, digest):
                    n += 1
                    target = self.uploads / f"{Path(name).stem}-{n}{Path(name).suffix}"
                if target not in digests:
                    shutil.copyfile(file, target)
                    digests[target] = digest
                    staged.append(target)
                if target.name != name:
                    renamed[target] = name
        return staged, renamed

    def remove(self, doc_id: str | None) -> str:
        if not doc_id:
            return '<p class="bad">Choose a document to remove first.</p>'
        with self.write_lock:
            removed = self.library.remove(doc_id)
            uploaded = (self.upload_root / doc_id).resolve()
            if uploaded.is_relative_to(self.uploads.resolve()) and uploaded.is_file():
                uploaded.unlink()  # the copy made at upload time goes with it
        if not removed:
            return f'<p class="bad">{escape(doc_id)} was not in the index.</p>'
        return f'<p class="ok">Removed {escape(doc_id)} from the index; upload it again to bring it back.</p>'

    def documents(self) -> tuple[str, list[list[Any]], Any]:
        summaries = self.library.documents()
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


def launch(library: Library, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    """Warm the model and keyword index, then serve the app; with block=False return the running app."""
    logins = library.settings.credentials()  # a malformed BRIEFING_AUTH fails before anything starts
    library.retrieve("warm up")  # the first reader should not wait for the model to load
    demo = ChatApp(library).blocks()
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
        css=CSS,
        js=CLICK_JS,
        quiet=not block,
    )
    return demo
