"""The answering entry point: one corpus (store + embedder + retriever) as the front ends see it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer import Answer, ExtractiveAnswerer
from assistant.notes import NOTES_FILE, Note, Notes, changed_citations
from assistant.settings import Settings
from assistant.sources import SourceFilter
from assistant.verify import SupportScorer
from index.embed import Embedder
from index.ingest import Progress, ingest
from index.records import DocumentSummary, IngestReport, Paragraph, Passage
from index.retrieve import Retriever
from index.store import ParagraphStore

if TYPE_CHECKING:
    from assistant.brief import BriefSection
    from assistant.llm import LLMAnswerer
    from assistant.suggest import Suggester


ANSWER_POOL_EXTRA = 3


@dataclass(frozen=True)
class _Asked:
    """A question with what was retrieved for it; the answerers take it from here."""

    question: str
    vector: np.ndarray
    pool: tuple[Passage, ...]  # what the answer may quote from
    passages: tuple[Passage, ...]  # the k shown
    answerer: ExtractiveAnswerer
    began: float
    retrieved: float
    filter_note: str | None = None  # "Answered only from …": the answer states the filter it used

    def extractive(self) -> Answer:
        return self.answerer.answer(self.question, self.pool, self.vector)

    def finish(self, answer: Answer) -> Answer:
        """The answer with the k passages shown (and any cited paragraph from beyond them) and the time taken."""
        done = time.perf_counter()
        shown = {p.paragraph.id for p in self.passages}
        cited = {c.paragraph.id for c in answer.citations}
        beyond = tuple(p for p in self.pool if p.paragraph.id in cited - shown)
        spent = {"retrieve": self.retrieved - self.began, "answer": done - self.retrieved, "total": done - self.began}
        notes = answer.notes if self.filter_note is None else (self.filter_note, *answer.notes)
        return replace(
            answer,
            passages=self.passages + beyond,
            notes=notes,
            timings_ms={name: round(s * 1000, 1) for name, s in spent.items()},
        )


class Library:
    """Index, list, remove and ask over one collection; CLI, UI, briefs and evals all go through here."""

    def __init__(self, settings: Settings, collection: str | None = None, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self.collection = collection or settings.collection
        self.store = ParagraphStore(
            self.collection,
            path=settings.chroma_path,
            host=settings.chroma_host,
            port=settings.chroma_port,
            texts_dir=settings.data_dir / "texts",
        )
        self._word_vectors: dict[str, np.ndarray] = {}  # single words, for synonym checks; grows with use
        self.retriever = Retriever(self.store, self.embedder, settings.data_dir / "bm25")
        if embedder is not None:  # notebooks of one process share one model
            self.__dict__["_embedder"] = embedder
        self._listing: tuple[str, list[DocumentSummary]] | None = None

    # The model loads on first use: listing documents or re-indexing an unchanged corpus needs none.
    def embedder(self) -> Embedder:
        return self._embedder

    @cached_property
    def _embedder(self) -> Embedder:
        return Embedder(self.settings.model_dir)

    def index(
        self, paths: Iterable[str | Path], progress: Progress | None = None, root: str | Path | None = None
    ) -> IngestReport:
        """Index files and folders; with root, files under it get ids relative to it."""
        return ingest(paths, self.store, self.embedder, progress, root)

    def documents(self) -> list[DocumentSummary]:
        """The indexed documents; read once per store revision (a scan of every paragraph's metadata)."""
        revision = self.store.revision()
        if self._listing is None or self._listing[0] != revision:
            self._listing = (revision, self.store.documents())
        return list(self._listing[1])

    def remove(self, doc_id: str) -> bool:
        """Drop one document from the index; False when it was not there."""
        if not any(d.id == doc_id for d in self.store.documents()):
            return False
        self.store.remove_document(doc_id)
        return True

    # --- issue 13: notes kept in this notebook --------------------------------------------------
    @cached_property
    def notes(self) -> Notes:
        return Notes(self.settings.data_dir / NOTES_FILE, self.collection)

    def changed_citations(self, note: Note) -> set[str]:
        """The note's cited paragraphs whose indexed text changed (or went) since it was saved."""
        return changed_citations(note, self.store.paragraphs_by_id)

    # --- issue 13: suggested questions ----------------------------------------------------------
    @cached_property
    def _suggester(self) -> Suggester:
        from assistant.suggest import Suggester, shared_tagger

        return Suggester(shared_tagger(), self.settings.data_dir / "suggestions" / f"{self.collection}.json")

    def suggestions(self) -> list[str]:
        """Questions this notebook answers (each checked by the answerer), for a newcomer to start from."""
        s = self.settings
        found = self._suggester.opening(
            self.store.revision(), self.store.paragraphs, self._check, s.suggest_count, s.suggest_checks
        )
        return [f.question for f in found]

    def follow_ups(self, answer: Answer, asked: Sequence[str] = ()) -> list[str]:
        """Questions on the documents this answer drew on, each checked answerable; none already asked."""
        if self.settings.suggest_after == 0:
            return []
        s = self.settings
        found = self._suggester.after(
            self.store.revision(), self.store.paragraphs, self._check, answer, s.suggest_after, s.suggest_checks, asked
        )
        return [f.question for f in found]

    def topics(self, count: int = 2) -> list[str]:
        """The subjects this notebook names most (entities across its documents), e.g. for a topic hint."""
        found = self._suggester.candidates(self.store.revision(), self.store.paragraphs)
        return list(dict.fromkeys(s.subject for s in found))[:count]

    def _check(self, question: str) -> Answer:
        return self.ask(question, mode="extractive")  # offline, whatever the chat's mode

    def paragraphs(self, doc_id: str) -> list[Paragraph]:
        return self.store.paragraphs(doc_id)

    def document_text(self, doc_id: str) -> str | None:
        return self.store.document_text(doc_id)

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(question, k or self.settings.top_k)

    def ask(
        self, question: str, k: int | None = None, mode: str | None = None, sources: SourceFilter | None = None
    ) -> Answer:
        """Retrieve, then answer (extractive unless mode, or BRIEFING_ANSWER_MODE, says llm); timings in the Answer.

        With sources, only the documents the filter keeps are searched and quoted (FilterError if none).
        """
        mode = self._mode(mode)
        asked = self._retrieve_for(question, k, sources)
        if mode == "llm":  # verified LLM answer; the extractive one, with a note, when the endpoint fails
            answer = self._llm.answer(asked.question, asked.passages, self._support(), asked.extractive)
        else:
            answer = asked.extractive()
        return asked.finish(answer)

    def ask_stream(
        self, question: str, k: int | None = None, mode: str | None = None, sources: SourceFilter | None = None
    ) -> Iterator[str | Answer]:
        """Text deltas as the answer is produced, then the final Answer as the last item."""
        if self._mode(mode) != "llm":
            answer = self.ask(question, k, mode, sources)
            yield answer.text  # the extractive answer is whole at once
            yield answer
            return
        asked = self._retrieve_for(question, k, sources)
        for item in self._llm.stream(asked.question, asked.passages, self._support(), asked.extractive):
            # The verified answer comes last, once the model has finished.
            yield asked.finish(item) if isinstance(item, Answer) else item

    def _mode(self, mode: str | None) -> str:
        mode = mode or self.settings.answer_mode
        if mode not in ("extractive", "llm"):
            raise ValueError(f"unknown answer mode {mode!r}: use extractive or llm")
        if mode == "llm" and not self.settings.llm_enabled:
            raise ValueError("the LLM mode needs BRIEFING_LLM_MODEL (and an endpoint); see .env.example")
        return mode

    def _retrieve_for(self, question: str, k: int | None, sources: SourceFilter | None = None) -> _Asked:
        began = time.perf_counter()
        question = " ".join(question.split())
        doc_ids, note = self._filtered(sources)
        vector = self.retriever.embed_question(question)
        k = k or self.settings.top_k
        # The answer may quote a few passages beyond the k shown: a long question's answer can rank 6th.
        pool = self.retriever.retrieve(question, k + ANSWER_POOL_EXTRA, vector=vector, doc_ids=doc_ids)
        answerer = ExtractiveAnswerer(
            self.retriever.keyword, self.store.excerpts, self.embedder().embed, self._word_vectors
        )
        return _Asked(question, vector, tuple(pool), tuple(pool[:k]), answerer, began, time.perf_counter(), note)

    def _filtered(self, sources: SourceFilter | None) -> tuple[list[str] | None, str | None]:
        """(the document ids to search, the note saying so), or (None, None) for every source."""
        if sources is None or sources.empty:
            return None, None
        kept = sources.select(self.documents())
        return [d.id for d in kept], sources.note(kept)

    # The LLM side loads on first use: importing openai costs about a second the offline default never pays.
    @cached_property
    def _llm(self) -> LLMAnswerer:
        from assistant.llm import ChatModel, LLMAnswerer

        s = self.settings
        chat = ChatModel(s.llm_model or "", s.llm_base_url, s.llm_api_key, s.llm_timeout, s.llm_max_retries)
        return LLMAnswerer(chat, s.show_unsupported)

    def brief_rewriter(self) -> Callable[[BriefSection], BriefSection]:
        """The rewrite seam of make_brief in the LLM mode: claims reworded, each kept only if its quotes support it."""
        from assistant.llm import section_rewriter

        return section_rewriter(self._llm.chat, self._support())

    def _support(self) -> SupportScorer:
        """The verifier's scorer over this corpus: its IDF and its embedder."""
        return SupportScorer(self.retriever.keyword.idf, self.embedder().embed)
