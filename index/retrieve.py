"""Question -> ranked Passages: BM25 and dense similarity from Chroma, fused by reciprocal rank."""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embed import Embedder, encoder_name
from index.keyword import KeywordIndex
from index.records import Passage
from index.store import ParagraphStore

# --- issue 13: a filter keeping at most this many paragraphs is searched exactly (index/store.py _exact):
# at 100k paragraphs one document's rows read in ~30 ms against ~400 ms for Chroma's filtered query.
EXACT_FILTER_MAX = 2000
_searches = ThreadPoolExecutor(max_workers=4, thread_name_prefix="knn")  # shared: concurrent chat readers
RRF_K = 60  # the constant of Cormack et al. (2009); ranks matter, raw scores of the two sides do not mix


class Retriever:
    """Hybrid retrieval over one store; the keyword side is reloaded only when the store changes."""

    def __init__(self, store: ParagraphStore, embedder: Callable[[], Embedder], cache_dir: Path) -> None:
        self.store = store
        self._embedder = embedder
        self._cache_dir = cache_dir
        # Excerpts stored with their paragraph's vector get their own when a question first quotes them.
        store.sentence_encoder = lambda texts: self._embedder().embed(texts)
        self._keyword: KeywordIndex | None = None
        self._revision: str | None = None
        # The chat serves several readers at once: two questions right after an upload must not both
        # rebuild (and rmtree) the on-disk cache.
        self._lock = threading.Lock()

    @property
    def keyword(self) -> KeywordIndex:
        revision = self.store.refresh()
        with self._lock:
            if self._keyword is None or revision != self._revision:
                # Updated in place, one document at a time: a new upload costs its own paragraphs only.
                self._keyword = KeywordIndex.for_store(self.store, self._cache_dir, self._keyword)
                self._revision = revision
            return self._keyword

    def embed_question(self, question: str) -> np.ndarray:
        model = self._embedder()
        if (name := encoder_name(model)) is not None:  # a question vector of another encoder ranks nonsense
            self.store.check_encoder(name)
        return model.embed([question])[0]

    def retrieve(
        self,
        question: str,
        k: int = 5,
        pool: int = 30,
        vector: np.ndarray | None = None,
        doc_ids: Collection[str] | None = None,
    ) -> list[Passage]:
        """The k best paragraphs for the question, by reciprocal-rank fusion of three ranked lists.

        With doc_ids, every list holds only those documents' paragraphs (Chroma `where`, BM25 mask).

        Dense over whole paragraphs, dense over their excerpts (best excerpt per paragraph), and
        BM25. The excerpt list matters for long paragraphs holding several facts, whose whole-paragraph
        vector is diluted: a seed question about one clause of a 90-word paragraph ranked it 8th without it.
        """
        vector = self.embed_question(question) if vector is None else vector
        only = None if doc_ids is None else sorted(doc_ids)
        keyword = self.keyword
        with self._lock:  # a concurrent sync updates the index in place
            # A narrow filter is searched exactly over its own rows, far cheaper than Chroma's filtered kNN.
            exact = only is not None and keyword.rows_of(only) <= EXACT_FILTER_MAX
        # The two kNN searches run side by side: Chroma searches without holding the GIL (at 125k
        # paragraphs 5.3 + 7.4 ms one after the other, 9.6 ms together), while BM25 runs here.
        excerpts = _searches.submit(
            self.store.nearest_excerpts, vector, pool * 3, with_text=False, doc_ids=only, exact=exact
        )
        paragraphs = _searches.submit(self.store.nearest, vector, pool, doc_ids=only, exact=exact)
        with self._lock:
            lexical = keyword.search(question, pool, only)
        dense = paragraphs.result()
        best_excerpt: dict[str, float] = {}
        for excerpt, similarity in excerpts.result():
            best_excerpt.setdefault(excerpt.paragraph_id, similarity)
        # Fused on ids alone; only the k that win are read from the store (the dense side brought its own).
        fused: dict[str, _Fused] = {}
        for rank, (paragraph, similarity) in enumerate(dense):
            entry = fused.setdefault(paragraph.id, _Fused(paragraph.id))
            entry.score += 1.0 / (RRF_K + rank + 1)
            entry.dense = similarity
        for rank, (pid, similarity) in enumerate(best_excerpt.items()):
            entry = fused.setdefault(pid, _Fused(pid))
            entry.score += 1.0 / (RRF_K + rank + 1)
            entry.dense = max(entry.dense or 0.0, similarity)
        for rank, (pid, bm25) in enumerate(lexical):
            entry = fused.setdefault(pid, _Fused(pid))
            entry.score += 1.0 / (RRF_K + rank + 1)
            entry.lexical = bm25
        ranked = sorted(fused.values(), key=lambda e: (-e.score, e.id))
        known = {p.id: p for p, _ in dense}
        wanted = [e.id for e in ranked[:k] if e.id not in known]
        known |= {p.id: p for p in self.store.paragraphs_by_id(wanted)}
        # A paragraph gone between the searches and the read (its document just replaced) is left out.
        found = [e for e in ranked[: k + len(wanted)] if e.id in known][:k]
        return [
            Passage(paragraph=known[e.id], score=e.score, dense=e.dense, lexical=e.lexical, rank=rank + 1)
            for rank, e in enumerate(found)
        ]

    @property
    def last_keyword(self) -> KeywordIndex:
        """The keyword index the last retrieval used, without asking the store whether it changed since."""
        return self._keyword if self._keyword is not None else self.keyword


@dataclass
class _Fused:
    id: str
    score: float = 0.0
    dense: float | None = None
    lexical: float | None = None
