"""The Chat tab: ask with a source and date filter, suggested questions, the viewer, save to notes, export."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Any
from urllib.parse import quote

import gradio as gr

from assistant import render_chat as view
from assistant.answer import Answer
from assistant.library import QuestionTooLong
from assistant.notes import NoteError
from assistant.sources import FilterError, SourceFilter
from assistant.ui.base import Page

REVEAL_PAUSE_S = 0.02  # between word groups of an answer that arrived whole: a streaming feel, ~0.3 s in all

CHAT_PLACEHOLDER = (
    "### Ask the notebook's reports\n"
    "Every sentence of an answer is quoted from a source and cited. "
    "Click a citation to see the paragraph highlighted in its document."
)

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

SUGGEST_WAIT = '<div class="suggested"><span class="suggest-wait">Finding questions this notebook answers…</span></div>'


@dataclass
class ChatParts:
    """The chat tab's components that other parts of the page read or reset."""

    chatbot: Any
    conversation: Any
    follow: Any
    question: Any
    ask: Any
    k: Any
    mode: Any
    filter_docs: Any
    since: Any
    until: Any
    viewer: Any
    export: Any
    clear: Any
    suggested: Any
    ref: Any
    open_citation: Any
    close_viewer: Any
    pending: Any
    ask_suggested: Any
    note_ref: Any
    save_note: Any

    @property
    def reset(self) -> list[Any]:
        """What opening another notebook clears, in the order chat_reset returns it."""
        return [
            self.chatbot,
            self.conversation,
            self.follow,
            self.viewer,
            self.export,
            self.filter_docs,
            self.suggested,
        ]


def suggestions_html(questions: Sequence[str], head: str = "Try asking") -> str:
    """Questions as links; the page's script asks the one clicked."""
    if not questions:
        return ""
    links = "".join(f'<a class="suggest" href="#ask={quote(q, safe="")}">{escape(q)}</a>' for q in questions)
    return f'<div class="suggested"><span class="suggested-head">{escape(head)}</span>{links}</div>'


def follow_ups_html(questions: Sequence[str]) -> str:
    return suggestions_html(questions, "Ask next").replace('class="suggested"', 'class="follow-ups"', 1)


def actions_html(turn: int, answer: Answer) -> str:
    if answer.abstained or not answer.citations:
        return ""
    return f'<div class="answer-actions"><a class="save-note" href="#note={turn}">Save to notes</a></div>'


def chat_messages(conversation: Sequence[Answer], follow: dict[int, list[str]]) -> list[dict[str, str]]:
    """The Chatbot's history: each answer with its Save-to-notes link and, once found, its follow-up questions."""
    messages = view.chat_messages(conversation)
    turn = -1
    for message in messages:
        if message["role"] == "assistant":
            turn += 1
            extra = actions_html(turn, conversation[turn]) + follow_ups_html(follow.get(turn, []))
            message["content"] = message["content"] + extra
    return messages


def document_label(title: str, outlet: str | None, date: str | None) -> str:
    return " · ".join(part for part in (title, outlet, date) if part)


class ChatTab(Page):
    """The chat's layout and handlers; mixed into ChatApp."""

    def _chat_tab(self, notebook: Any) -> ChatParts:
        settings = self.library.settings
        conversation = gr.State([])  # this session's Answers; the Chatbot is rebuilt from them
        follow = gr.State({})  # turn -> follow-up questions shown under that answer
        with gr.Row(equal_height=False):
            with gr.Column(scale=11, min_width=340):
                with gr.Accordion("Sources and dates", open=False, elem_id="filters"):
                    filter_docs = gr.Dropdown(
                        choices=[],
                        value=[],
                        multiselect=True,
                        label="Answer only from these documents (none chosen: all)",
                        elem_id="filter-docs",
                    )
                    with gr.Row():
                        since = gr.Textbox(label="Dated from", placeholder="YYYY-MM-DD", elem_id="filter-since")
                        until = gr.Textbox(label="Dated until", placeholder="YYYY-MM-DD", elem_id="filter-until")
                chatbot = gr.Chatbot(
                    elem_id="chat",
                    show_label=False,
                    height="58vh",
                    render_markdown=False,  # answers are verbatim source text: no Markdown surprises
                    latex_delimiters=[],
                    feedback_options=None,
                    buttons=[],
                    placeholder=CHAT_PLACEHOLDER,
                )
                suggested = gr.HTML(SUGGEST_WAIT, elem_id="suggested")
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
            with gr.Column(scale=9, min_width=320):
                viewer = gr.HTML(view.EMPTY_VIEWER, elem_id="viewer")
        # Bridges from links in the chat to events (see page.js): a hidden value and a hidden button each.
        ref = gr.Textbox(visible="hidden", elem_id="citation-ref")
        open_citation = gr.Button(visible="hidden", elem_id="open-citation")
        close_viewer = gr.Button(visible="hidden", elem_id="close-viewer")
        pending = gr.Textbox(visible="hidden", elem_id="suggested-question")
        ask_suggested = gr.Button(visible="hidden", elem_id="ask-suggested")
        note_ref = gr.Textbox(visible="hidden", elem_id="note-ref")
        save_note = gr.Button(visible="hidden", elem_id="save-note")
        return ChatParts(
            chatbot, conversation, follow, question, ask, k, mode, filter_docs, since, until, viewer, export, clear,
            suggested, ref, open_citation, close_viewer, pending, ask_suggested, note_ref, save_note,
        )  # fmt: skip

    def wire_chat(self, c: ChatParts, notebook: Any) -> Any:
        """The chat's events; returns the save-to-notes event, for the notes panel to follow."""
        inputs = [c.conversation, c.k, c.mode, c.filter_docs, c.since, c.until, notebook, c.follow]
        asked = gr.on(
            [c.question.submit, c.ask.click],
            self.ask,
            [c.question, *inputs],
            [c.chatbot, c.conversation, c.question],
            api_name="ask",
            show_progress="minimal",
            concurrency_limit=self.library.settings.chat_concurrency,
            concurrency_id="ask",
        )
        suggested = c.ask_suggested.click(
            None, None, c.pending, js="() => window.briefingAsk || ''", queue=False, api_visibility="private"
        ).then(
            self.ask,
            [c.pending, *inputs],
            [c.chatbot, c.conversation, c.question],
            api_visibility="private",
            concurrency_id="ask",
        )
        for event, api in ((asked, {"api_name": "export"}), (suggested, {"api_visibility": "private"})):
            event.then(self.export, [c.conversation, notebook], c.export, show_progress="hidden", **api)
            event.then(
                self.follow_ups,
                [c.conversation, c.follow, notebook],
                [c.chatbot, c.follow],
                api_visibility="private",
                show_progress="hidden",
            )
        c.open_citation.click(None, None, c.ref, js="() => window.briefingRef || ''", queue=False).then(
            self.open_citation, [c.ref, c.conversation, notebook], c.viewer, api_name="open_citation"
        ).then(None, js=SCROLL_JS)
        c.close_viewer.click(lambda: view.EMPTY_VIEWER, None, c.viewer, queue=False, api_visibility="private")
        saved = c.save_note.click(
            None, None, c.note_ref, js="() => window.briefingNote || ''", queue=False, api_visibility="private"
        ).then(self.save_to_notes, [c.note_ref, c.conversation, notebook], None, api_name="save_note")

        def start_over() -> tuple[Any, ...]:
            return [], [], {}, view.EMPTY_VIEWER, gr.DownloadButton(value=None, interactive=False)

        # The Chatbot's own trash icon clears only its display; the session's answers must go too.
        for trigger in (c.clear.click, c.chatbot.clear):
            trigger(
                start_over, None, [c.chatbot, c.conversation, c.follow, c.viewer, c.export], api_visibility="private"
            )
        return saved

    def chat_reset(self) -> tuple[Any, ...]:
        """A fresh chat for another notebook: no conversation, no filter, suggestions to come."""
        empty = gr.DownloadButton(value=None, interactive=False)
        return [], [], {}, view.EMPTY_VIEWER, empty, gr.Dropdown(value=[]), SUGGEST_WAIT

    # --- handlers: one call into the notebook's Library each ---------------------------------

    def ask(
        self,
        question: str,
        conversation: list[Answer],
        k: float,
        mode: str | None,
        docs: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        notebook: str | None = None,
        follow: dict[int, list[str]] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream the answer into the chat, then show it whole with clickable citations."""
        library = self.library_for(notebook)
        try:
            library.check_question(question or "")  # before any echo: a 5 MB question is not shown back
        except QuestionTooLong as error:
            raise gr.Error(str(error)) from error
        question = " ".join((question or "").split())
        follow = follow or {}
        history = chat_messages(conversation, follow)
        if not question:
            yield history, conversation, ""
            return
        try:
            sources = SourceFilter.of(docs, since, until)
        except FilterError as error:
            raise gr.Error(str(error)) from error
        asked = [*history, {"role": "user", "content": view.question_html(question)}]
        yield [*asked, {"role": "assistant", "content": view.PENDING_HTML}], conversation, ""
        answer: Answer | None = None
        shown = ""
        settings = library.settings
        wants_llm = (mode or settings.answer_mode) == "llm" and settings.llm_enabled
        slot = wants_llm and self.llm_slots.acquire(blocking=False)
        busy = wants_llm and not slot
        try:
            # The previous answer lets a follow-up ("How much did it pay?") be read as it is meant.
            previous = conversation[-1] if conversation else None
            mode_now = "extractive" if busy else mode or None
            for item in library.ask_stream(question, int(k), mode_now, sources, previous):
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
        except ValueError as error:  # a mode not configured or a filter that keeps nothing: the message says why
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
        yield chat_messages(conversation, follow), conversation, ""

    def follow_ups(
        self, conversation: list[Answer], follow: dict[int, list[str]], notebook: str | None
    ) -> tuple[Any, ...]:
        """Questions to ask next under the latest answer, each checked answerable first."""
        if not conversation:
            return chat_messages(conversation, follow), follow
        turn = len(conversation) - 1
        library = self.library_for(notebook)
        follow = {**follow, turn: library.follow_ups(conversation[turn], [a.question for a in conversation])}
        return chat_messages(conversation, follow), follow

    def suggested(self, notebook: str | None) -> str:
        """The questions a notebook opens with."""
        return suggestions_html(self.library_for(notebook).suggestions())

    def filter_choices(self, notebook: str | None) -> Any:
        """The filter's documents: title, outlet and date of each."""
        documents = self.library_for(notebook).documents()
        return gr.Dropdown(choices=[(document_label(d.title, d.outlet, d.date), d.id) for d in documents], value=[])

    def open_citation(self, ref: str, conversation: list[Answer], notebook: str | None = None) -> str:
        """The viewer for a clicked citation: its document, the paragraph highlighted, the quoted sentences marked."""
        turn, paragraph_id = view.parse_ref(ref or "")
        if not paragraph_id:
            return view.EMPTY_VIEWER
        library = self.library_for(notebook)
        answer = conversation[turn] if turn is not None and 0 <= turn < len(conversation) else None
        doc_id = view.doc_id_of(paragraph_id)
        return view.document_html(
            paragraph_id,
            library.paragraphs(doc_id),
            library.document_text(doc_id),  # the second read: headings and layout between paragraphs
            view.quotes_for(answer, paragraph_id),
            view.cited_number(answer, paragraph_id),
        )

    def save_to_notes(self, turn: str, conversation: list[Answer], notebook: str | None) -> None:
        """Keep one answer of the conversation in the notebook's notes."""
        if not turn.isdigit() or int(turn) >= len(conversation):
            raise gr.Error("that answer is no longer in this conversation")
        try:
            note = self.library_for(notebook).notes.save(conversation[int(turn)])
        except NoteError as error:
            raise gr.Error(str(error)) from error
        gr.Info(f"Saved to notes: {note.title}")

    def export(self, conversation: list[Answer], notebook: str | None = None) -> Any:
        """This session's conversation as a Markdown file behind the download button."""
        if not conversation:
            return gr.DownloadButton(value=None, interactive=False)
        path = self.download_folder("conversation") / "briefing-conversation.md"
        collection = self.library_for(notebook).collection
        path.write_text(view.conversation_markdown(conversation, collection), encoding="utf-8")
        return gr.DownloadButton(value=str(path), interactive=True)
