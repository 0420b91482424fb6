"""The answering entry point: one corpus (store + embedder + retriever) as the front ends see it."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from functools import cached_property
from pathlib import Path

from assistant.answer import Answer, answer_extractively
from assistant.settings import Settings
from index.embed import Embedder
from index.ingest import Progress, ingest
from index.records import DocumentSummary, IngestReport, Paragraph, Passage
from index.retrieve import Retriever
from index.store import ParagraphStore


class Library:
    """Index, list, remove and ask over one collection; CLI, UI, briefs and evals all go through here."""

    def __init__(self, settings: Settings, collection: str | None = None) -> None:
        self.settings = settings
        self.collection = collection or settings.collection
        self.store = ParagraphStore(
            self.collection,
            path=settings.chroma_path,
            host=settings.chroma_host,
            port=settings.chroma_port,
            texts_dir=settings.data_dir / "texts",
        )
        self.retriever = Retriever(self.store, self.embedder, settings.data_dir / "bm25")

    # The model loads on first use: listing documents or re-indexing an unchanged corpus needs none.
    def embedder(self) -> Embedder:
        return self._embedder

    @cached_property
    def _embedder(self) -> Embedder:
        return Embedder(self.settings.model_dir)

    def index(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        return ingest(paths, self.store, self.embedder, progress)

    def documents(self) -> list[DocumentSummary]:
        return self.store.documents()

    def remove(self, doc_id: str) -> bool:
        """Drop one document from the index; False when it was not there."""
        if not any(d.id == doc_id for d in self.store.documents()):
            return False
        self.store.remove_document(doc_id)
        return True

    def paragraphs(self, doc_id: str) -> list[Paragraph]:
        return self.store.paragraphs(doc_id)

    def document_text(self, doc_id: str) -> str | None:
        return self.store.document_text(doc_id)

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(question, k or self.settings.top_k)

    def ask(self, question: str, k: int | None = None, mode: str | None = None) -> Answer:
        """Retrieve, then answer (extractive unless mode, or BRIEFING_ANSWER_MODE, says llm); timings in the Answer."""
        mode = mode or self.settings.answer_mode
        if mode not in ("extractive", "llm"):
            raise ValueError(f"unknown answer mode {mode!r}: use extractive or llm")
        if mode == "llm" and not self.settings.llm_enabled:
            raise ValueError("the LLM mode needs BRIEFING_LLM_MODEL (and an endpoint); see .env.example")
        began = time.perf_counter()
        question = " ".join(question.split())
        vector = self.retriever.embed_question(question)
        passages = self.retriever.retrieve(question, k or self.settings.top_k)
        retrieved = time.perf_counter()
        answer = answer_extractively(question, passages, self.retriever.keyword, self.embedder().embed, vector)
        done = time.perf_counter()
        timings = {
            "retrieve": round((retrieved - began) * 1000, 1),
            "answer": round((done - retrieved) * 1000, 1),
            "total": round((done - began) * 1000, 1),
        }
        return Answer(**{**answer.__dict__, "timings_ms": timings})

    def ask_stream(self, question: str, k: int | None = None, mode: str | None = None) -> Iterator[str | Answer]:
        """Text deltas as the answer is produced, then the final Answer as the last item."""
        answer = self.ask(question, k, mode)
        yield answer.text  # the extractive answer is whole at once
        yield answer
