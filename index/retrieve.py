"""Question -> ranked Passages: BM25 and dense similarity from Chroma, fused by reciprocal rank."""

from __future__ import annotations

import json
import math
import re
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.embed import Embedder
from index.records import Paragraph, Passage
from index.store import ParagraphStore

# --- issue 13: a filter keeping at most this many paragraphs is searched exactly (index/store.py _exact):
# at 100k paragraphs one document's rows read in ~30 ms against ~400 ms for Chroma's filtered query.
EXACT_FILTER_MAX = 2000
RRF_K = 60  # the constant of Cormack et al. (2009); ranks matter, raw scores of the two sides do not mix
_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
s t don re ll ve d m o y according said say says
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the vocabulary BM25 and the answerer share."""
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS]
    return list(_stemmer().stemWords(words))


class KeywordIndex:
    """BM25 over a collection's paragraphs, cached on disk per store revision so no question rebuilds it."""

    def __init__(self, paragraphs: list[Paragraph], model: object, document_frequency: dict[str, int]) -> None:
        self.paragraphs = paragraphs
        self._model = model
        self.document_frequency = document_frequency
        self._rows: dict[str, list[int]] | None = None  # paragraph rows per document, for the filter's mask

    @classmethod
    def build(cls, paragraphs: list[Paragraph]) -> KeywordIndex:
        import bm25s

        tokens = [terms(f"{p.heading} {p.text}") for p in paragraphs]
        model = bm25s.BM25()
        if paragraphs:
            model.index(tokens, show_progress=False)
        frequency = Counter(term for row in tokens for term in set(row))
        return cls(paragraphs, model, dict(frequency))

    @classmethod
    def for_store(cls, store: ParagraphStore, cache_dir: Path) -> KeywordIndex:
        """Load the index for the store's current revision, building and saving it when missing."""
        import bm25s

        folder = cache_dir / store.name / store.revision()
        try:
            paragraphs = [Paragraph(**row) for row in json.loads((folder / "paragraphs.json").read_text())]
            frequency = json.loads((folder / "df.json").read_text())
            model = bm25s.BM25.load(str(folder / "bm25")) if paragraphs else None
            return cls(paragraphs, model, frequency)
        except (OSError, ValueError, TypeError, KeyError):
            pass  # missing or unreadable: rebuild below
        index = cls.build(store.paragraphs())
        if (cache_dir / store.name).exists():
            shutil.rmtree(cache_dir / store.name, ignore_errors=True)  # older revisions are dead weight
        folder.mkdir(parents=True, exist_ok=True)
        if index.paragraphs:
            index._model.save(str(folder / "bm25"))  # type: ignore[attr-defined]
        (folder / "df.json").write_text(json.dumps(index.document_frequency))
        (folder / "paragraphs.json").write_text(json.dumps([asdict(p) for p in index.paragraphs]))
        return index

    def search(self, question: str, k: int, doc_ids: Collection[str] | None = None) -> list[tuple[Paragraph, float]]:
        """The k best paragraphs by BM25 (only of these documents, if given), with their scores."""
        query = terms(question)
        if not self.paragraphs or not query or (doc_ids is not None and not doc_ids):
            return []
        docs, scores = self._model.retrieve(  # type: ignore[attr-defined]
            [query], k=min(k, len(self.paragraphs)), show_progress=False, weight_mask=self._mask(doc_ids)
        )
        return [(self.paragraphs[int(i)], float(s)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0]

    # --- issue 13: the source filter: other documents' paragraphs score 0 and are dropped above ---
    def _mask(self, doc_ids: Collection[str] | None) -> np.ndarray | None:
        if doc_ids is None:
            return None
        mask = np.zeros(len(self.paragraphs), dtype=np.float32)
        for doc_id in doc_ids:
            mask[self._doc_rows().get(doc_id, [])] = 1.0
        return mask

    def rows_of(self, doc_ids: Collection[str]) -> int:
        """How many paragraphs these documents hold."""
        return sum(len(self._doc_rows().get(d, [])) for d in doc_ids)

    def _doc_rows(self) -> dict[str, list[int]]:
        if self._rows is None:  # built once per index: a mask then costs the selected rows, not the corpus
            rows: dict[str, list[int]] = {}
            for i, p in enumerate(self.paragraphs):
                rows.setdefault(p.doc_id, []).append(i)
            self._rows = rows
        return self._rows

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term; unseen terms get the highest value."""
        n = max(len(self.paragraphs), 1)
        df = self.document_frequency.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))


class Retriever:
    """Hybrid retrieval over one store; the keyword side is reloaded only when the store changes."""

    def __init__(self, store: ParagraphStore, embedder: Callable[[], Embedder], cache_dir: Path) -> None:
        self.store = store
        self._embedder = embedder
        self._cache_dir = cache_dir
        self._keyword: KeywordIndex | None = None
        self._revision: str | None = None
        # The chat serves several readers at once: two questions right after an upload must not both
        # rebuild (and rmtree) the on-disk cache.
        self._lock = threading.Lock()

    @property
    def keyword(self) -> KeywordIndex:
        revision = self.store.revision()
        with self._lock:
            if self._keyword is None or revision != self._revision:
                self._keyword = KeywordIndex.for_store(self.store, self._cache_dir)
                self._revision = revision
            return self._keyword

    def embed_question(self, question: str) -> np.ndarray:
        return self._embedder().embed([question])[0]

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
        # A narrow filter is searched exactly over its own rows, far cheaper than Chroma's filtered kNN.
        exact = only is not None and keyword.rows_of(only) <= EXACT_FILTER_MAX
        dense = self.store.nearest(vector, pool, only, exact)
        lexical = keyword.search(question, pool, only)
        by_id = {p.id: p for p, _ in dense} | {p.id: p for p, _ in lexical}
        best_excerpt: dict[str, float] = {}
        for excerpt, similarity in self.store.nearest_excerpts(vector, pool * 3, only, exact):
            best_excerpt.setdefault(excerpt.paragraph_id, similarity)
        missing = [pid for pid in best_excerpt if pid not in by_id]
        by_id |= {p.id: p for p in self.store.paragraphs_by_id(missing)}
        fused: dict[str, _Fused] = {}
        for rank, (paragraph, similarity) in enumerate(dense):
            entry = fused.setdefault(paragraph.id, _Fused(paragraph))
            entry.score += 1.0 / (RRF_K + rank + 1)
            entry.dense = similarity
        for rank, (pid, similarity) in enumerate(best_excerpt.items()):
            if pid not in by_id:
                continue
            entry = fused.setdefault(pid, _Fused(by_id[pid]))
            entry.score += 1.0 / (RRF_K + rank + 1)
            entry.dense = max(entry.dense or 0.0, similarity)
        for rank, (paragraph, bm25) in enumerate(lexical):
            entry = fused.setdefault(paragraph.id, _Fused(paragraph))
            entry.score += 1.0 / (RRF_K + rank + 1)
            entry.lexical = bm25
        ranked = sorted(fused.values(), key=lambda e: (-e.score, e.paragraph.id))
        return [
            Passage(paragraph=e.paragraph, score=e.score, dense=e.dense, lexical=e.lexical, rank=rank + 1)
            for rank, e in enumerate(ranked[:k])
        ]


@dataclass
class _Fused:
    paragraph: Paragraph
    score: float = 0.0
    dense: float | None = None
    lexical: float | None = None
