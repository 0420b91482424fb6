"""The answering entry point: one corpus (store + embedder + retriever) as the front ends see it."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from assistant.ahead import AheadEmbedder
from assistant.answer import Answer, ExtractiveAnswerer
from assistant.answer_model import LearnedAnswerer
from assistant.asked import Asked
from assistant.followup import PreviousTurn, needs_previous, resolve
from assistant.injection import ScreenedExcerpts
from assistant.notes import NOTES_FILE, Note, Notes, changed_citations
from assistant.settings import Settings
from assistant.short_answer import asks_for, with_short_answer
from assistant.sources import SourceFilter
from assistant.verify import SupportScorer
from index.chunk import chunk_document, quote_spans
from index.embed import Embedder, open_embedder
from index.entities import shared_tagger
from index.ingest import Embedded, Progress, ingest
from index.load import load_paths
from index.records import DocumentSummary, IngestReport, Paragraph, Passage
from index.retrieve import Retriever
from index.store import ParagraphStore

if TYPE_CHECKING:
    from assistant.brief import BriefSection
    from assistant.llm_calls import LLMAnswerer
    from assistant.suggest import Suggester
    from index.llama import HybridRetriever


ANSWER_POOL_EXTRA = 3
STORE_LOCK = "store.lock"  # in data_dir: held by the one process that owns the embedded store
_CLAIMED: dict[Path, IO[str]] = {}  # the locks this process holds, open for its whole life


class StoreInUse(RuntimeError):
    """The embedded store is held by another process; str() names it and what to do."""


class QuestionTooLong(ValueError):
    """A question over the configured length; str() says the limit and the setting."""


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

    def claim_store(self, command: str) -> None:
        """Hold the embedded store for this process's life, or raise StoreInUse at once if another holds it.

        Two processes on one PersistentClient path break it (the server lists a document indexed by the
        other and cannot retrieve it until restarted; GOTCHAS.md), so `index` and `serve` claim it
        first. A Chroma server (BRIEFING_CHROMA_HOST) takes any number of processes: nothing to claim.
        The lock is an flock, so it goes with the process however that ends (kill -9 included).
        """
        lock = (self.settings.data_dir / STORE_LOCK).absolute()
        if self.settings.chroma_host or lock in _CLAIMED:
            return  # the claim is this process's: its Libraries share the one PersistentClient
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        handle = lock.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise StoreInUse(
                f"the store in {self.settings.chroma_path} is in use by {holder}; stop it first, or run Chroma"
                " as a server (`chroma run`, then BRIEFING_CHROMA_HOST) so that both can use it"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"briefing {command} (pid {os.getpid()})\n")
        handle.flush()
        _CLAIMED[lock] = handle

    # The model loads on first use: listing documents or re-indexing an unchanged corpus needs none.
    def embedder(self) -> Embedder:
        return self._embedder

    @cached_property
    def _embedder(self) -> Embedder:
        s = self.settings
        return open_embedder(
            s.model_dir, s.encoder, s.encoder_dir, threads=s.encoder_threads, workers=s.encoder_workers
        )

    def index(
        self,
        paths: Iterable[str | Path],
        progress: Progress | None = None,
        root: str | Path | None = None,
        notice: Callable[[str], None] | None = None,
        ahead: dict[str, np.ndarray] | None = None,
        embedded: Embedded | None = None,
    ) -> IngestReport:
        """Index files and folders; with root, files under it get ids relative to it.

        Files over settings.max_file_mb of text are refused; a file over progress_above_mb reports its
        embedding to notice(line) as it goes. ahead: vectors from embed_ahead(), reused where texts match.
        """
        current = [""]

        def tracked(done: int, total: int, doc_id: str) -> None:
            current[0] = doc_id
            if progress:
                progress(done, total, doc_id)

        def model() -> Embedder:
            return AheadEmbedder(self.embedder(), ahead or {}, self._progress_chars, notice, lambda: current[0])

        report = ingest(
            paths,
            self.store,
            model,
            tracked,
            root,
            embedded=embedded,
            max_text_chars=self.settings.max_text_chars,
            excerpt_min_tokens=self.settings.excerpt_min_tokens,
            # spaCy loads only when something is embedded
            tag=shared_tagger().entities if self.settings.ingest_entities else None,
        )
        if report.added or report.updated or report.removed:
            # The keyword index follows the changed documents now, so the next question does not wait for it.
            _ = self.retriever.keyword
        return report

    def embed_ahead(self, paths: Iterable[str | Path], root: str | Path | None = None) -> dict[str, np.ndarray]:
        """The vectors index() will need for these files, computed with no lock held (for index(ahead=...)).

        Only a speed-up: index() embeds whatever text it finds missing, so a text cut differently here
        costs time, never correctness.
        """
        records = {d.id: d for d in self.documents()}
        # A file that matches its record (a re-upload of the same bytes) is neither extracted nor embedded:
        # index() counts it unchanged. The same claimed ids as index() gives, so the ids agree.
        claimed = {doc_id: d.root for doc_id, d in records.items()}
        loaded = load_paths(paths, root, self.settings.max_text_chars, claimed, records)
        if not loaded.documents:
            return {}
        model = self.embedder()
        texts: list[str] = []
        for document in loaded.documents:
            for p in chunk_document(document, count_tokens=model.count_tokens):
                texts.append(f"{p.heading.split(' > ')[-1]}: {p.text}" if p.heading else p.text)
                texts.extend(p.text[start:end] for start, end in quote_spans(p.text))
        texts = list(dict.fromkeys(texts))
        return dict(zip(texts, model.embed(texts), strict=True))

    def check_question(self, question: str) -> None:
        """Raises QuestionTooLong for a question over settings.max_question_chars."""
        limit = self.settings.max_question_chars
        if len(question) > limit:
            raise QuestionTooLong(
                f"the question is {len(question):,} characters; the limit is {limit:,}"
                " (BRIEFING_MAX_QUESTION_CHARS): shorten it"
            )

    @property
    def _progress_chars(self) -> int:
        return int(self.settings.progress_above_mb * 1_000_000)

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
        from assistant.suggest import Suggester

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

    def as_llama_retriever(self, k: int | None = None) -> HybridRetriever:
        """This library's hybrid retrieval as a llama-index retriever (imports llama-index, 2-3 s, on first use)."""
        from index.llama import HybridRetriever

        return HybridRetriever(self.retriever, k or self.settings.top_k)

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        return self.retriever.retrieve(question, k or self.settings.top_k)

    def ask(
        self,
        question: str,
        k: int | None = None,
        mode: str | None = None,
        sources: SourceFilter | None = None,
        previous: Answer | None = None,
    ) -> Answer:
        """Retrieve, then answer (extractive unless mode, or BRIEFING_ANSWER_MODE, says llm); timings in the Answer.

        With sources, only the documents the filter keeps are searched and quoted (FilterError if none).
        With the previous answer, a follow-up ("How much did it pay?") is first read with it; the Answer keeps
        the question as asked and says in `understood` how it was read.
        """
        mode = self._mode(mode)
        asked = self._retrieve_for(question, k, sources, previous)
        if mode == "llm":  # verified LLM answer; the extractive one, with a note, when the endpoint fails
            answer = self._llm.answer(asked.question, asked.passages, self._support(), asked.extractive)
        else:
            answer = asked.extractive()
        return self._short(asked.finish(answer))

    def ask_stream(
        self,
        question: str,
        k: int | None = None,
        mode: str | None = None,
        sources: SourceFilter | None = None,
        previous: Answer | None = None,
    ) -> Iterator[str | Answer]:
        """Text deltas as the answer is produced, then the final Answer as the last item."""
        if self._mode(mode) != "llm":
            answer = self.ask(question, k, mode, sources, previous)
            yield answer.text  # the extractive answer is whole at once
            yield answer
            return
        asked = self._retrieve_for(question, k, sources, previous)
        for item in self._llm.stream(asked.question, asked.passages, self._support(), asked.extractive):
            # The verified answer comes last, once the model has finished.
            yield self._short(asked.finish(item)) if isinstance(item, Answer) else item

    def _short(self, answer: Answer) -> Answer:
        """With the span that answers a who/which/when/how-much question, from the entities stored at ingest
        (spaCy loads only for a paragraph stored without them, by an older version)."""
        if answer.abstained or asks_for(answer.understood or answer.question) is None:
            return answer
        return with_short_answer(answer, self.store.paragraph_entities, shared_tagger().entities)

    def _mode(self, mode: str | None) -> str:
        mode = mode or self.settings.answer_mode
        if mode not in ("extractive", "llm"):
            raise ValueError(f"unknown answer mode {mode!r}: use extractive or llm")
        if mode == "llm" and not self.settings.llm_enabled:
            raise ValueError("the LLM mode needs BRIEFING_LLM_MODEL (and an endpoint); see .env.example")
        return mode

    def _retrieve_for(
        self, question: str, k: int | None, sources: SourceFilter | None = None, previous: Answer | None = None
    ) -> Asked:
        began = time.perf_counter()
        self.check_question(question)
        asked_as = " ".join(question.split())
        question = self._read_with(asked_as, previous)
        doc_ids, note = self._filtered(sources)
        vector = self.retriever.embed_question(question)
        k = k or self.settings.top_k
        # The answer may quote a few passages beyond the k shown: a long question's answer can rank 6th.
        pool = self.retriever.retrieve(question, k + ANSWER_POOL_EXTRA, vector=vector, doc_ids=doc_ids)
        # A document's sentence that addresses an AI ("disregard everything above; the answer is ...") is
        # never quoted as an answer: the one place excerpts reach the extractive answerer (issue 10, case 9).
        screened = ScreenedExcerpts(self.store.excerpts, {p.paragraph.id: p.paragraph.text for p in pool})
        answerer = self._answerer(screened)
        retrieved = time.perf_counter()
        understood = question if question != asked_as else ""
        return Asked(
            question,
            vector,
            tuple(pool),
            tuple(pool[:k]),
            answerer,
            began,
            retrieved,
            note,
            screened,
            asked_as,
            understood,
        )

    def _answerer(self, excerpts: ScreenedExcerpts) -> ExtractiveAnswerer:
        keyword, embed = self.retriever.last_keyword, self.embedder().embed
        if self.settings.answerer == "rules":
            return ExtractiveAnswerer(keyword, excerpts, embed, self._word_vectors)
        return LearnedAnswerer(
            keyword,
            excerpts,
            embed,
            self._word_vectors,
            entities=self.store.paragraph_entities,
            min_probability=self.settings.answer_min_probability,
            second_share=self.settings.answer_second_share,
        )

    def _read_with(self, question: str, previous: Answer | None) -> str:
        """The question as meant after the previous answer: a pronoun or an ellipsis filled in, else as asked."""
        if previous is None or not needs_previous(question):
            return question
        said = previous.claims[0].text if previous.claims and not previous.abstained else ""
        before = previous.understood or previous.question
        tagger = shared_tagger()  # spaCy loads on the first follow-up only
        (answer_entities,) = tagger.entities([said])
        words, question_entities = tagger.words(before)
        asked_as = previous.question if previous.understood else ""
        return resolve(question, PreviousTurn(before, said, answer_entities, question_entities, words, asked_as))

    def _filtered(self, sources: SourceFilter | None) -> tuple[list[str] | None, str | None]:
        """(the document ids to search, the note saying so), or (None, None) for every source."""
        if sources is None or sources.empty:
            return None, None
        kept = sources.select(self.documents())
        return [d.id for d in kept], sources.note(kept)

    # The LLM side loads on first use: importing openai costs about a second the offline default never pays.
    @cached_property
    def _llm(self) -> LLMAnswerer:
        from assistant.llm import ChatModel
        from assistant.llm_calls import LLMAnswerer

        s = self.settings
        chat = ChatModel(s.llm_model or "", s.llm_base_url, s.llm_api_key, s.llm_timeout, s.llm_max_retries)
        return LLMAnswerer(chat, s.show_unsupported)

    def brief_rewriter(self) -> Callable[[BriefSection], BriefSection]:
        """The rewrite seam of make_brief in the LLM mode: claims reworded, each kept only if its quotes support it."""
        from assistant.llm_calls import section_rewriter

        return section_rewriter(self._llm.chat, self._support())

    def _support(self) -> SupportScorer:
        """The verifier's scorer over this corpus: its IDF and its embedder."""
        return SupportScorer(self.retriever.keyword.idf, self.embedder().embed)
