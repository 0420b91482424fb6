"""BM25 over a collection's paragraphs, kept in step with the store one document at a time."""

from __future__ import annotations

import json
import math
import os
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.records import Paragraph
from index.text import terms

if TYPE_CHECKING:
    from index.store import ParagraphStore

# bm25s's defaults ("lucene" variant), so scores are those the whole-corpus bm25s index gave.
K1, B = 1.5, 0.75
_SCAN_ABOVE = 16  # changed documents above which sync reads the store in one scan instead of one read each
_COMPACT_AT = 0.25  # share of dead slots (paragraphs of removed or replaced documents) that triggers a compaction


class KeywordIndex:
    """An inverted index (term -> paragraph slots and term counts) scored with BM25 at query time.

    Global statistics (paragraph count, mean length, document frequency) are computed when asked,
    so adding or dropping one document touches only its own postings: re-indexing one file in a
    100k-paragraph collection does not rebuild the index (bm25s bakes IDF into its matrix, so it
    cannot be updated in place). Each document's slots are tagged with the store generation they
    came from, and `sync` brings the index to exactly what the store's records list.
    """

    def __init__(self) -> None:
        self.ids: list[str] = []  # slot -> paragraph id ("" once dead)
        self._doc_of: list[str] = []  # slot -> document id
        self._lengths = np.zeros(0, dtype=np.float32)
        self._alive = np.zeros(0, dtype=bool)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # term -> (slots int32, counts float32)
        self.manifest: dict[str, str] = {}  # document id -> generation indexed
        self._slots: dict[str, list[int]] = {}  # document id -> its slots
        self.document_frequency = _Frequencies(self)
        self._stats: tuple[int, float] | None = None  # (live paragraphs, their total length), cached

    # --- building ------------------------------------------------------------------------------

    @classmethod
    def build(cls, paragraphs: Sequence[Paragraph]) -> KeywordIndex:
        """An index over these paragraphs (generation "" for each document)."""
        index = cls()
        by_doc: dict[str, list[Paragraph]] = {}
        for p in paragraphs:
            by_doc.setdefault(p.doc_id, []).append(p)
        for doc_id, part in by_doc.items():
            index.add_document(doc_id, "", part)
        return index

    def add_document(self, doc_id: str, generation: str, paragraphs: Sequence[Paragraph]) -> None:
        """Index one document's paragraphs, replacing whatever version of it was indexed."""
        self.add_documents([(doc_id, generation, paragraphs)])

    def add_documents(self, documents: Sequence[tuple[str, str, Sequence[Paragraph]]]) -> None:
        """Index several documents at once: each posting list grows by one concatenation, not one per document."""
        for doc_id, _, _ in documents:
            self.remove_document(doc_id)
        first = len(self.ids)
        new: dict[str, tuple[list[int], list[float]]] = {}
        lengths: list[int] = []
        for doc_id, generation, paragraphs in documents:
            start = first + len(lengths)
            for offset, p in enumerate(paragraphs):
                tokens = terms(f"{p.heading} {p.text}")
                lengths.append(len(tokens))
                for term, count in Counter(tokens).items():
                    slots, counts = new.setdefault(term, ([], []))
                    slots.append(start + offset)
                    counts.append(float(count))
            self.ids.extend(p.id for p in paragraphs)
            self._doc_of.extend(doc_id for _ in paragraphs)
            self._slots[doc_id] = list(range(start, start + len(paragraphs)))
            self.manifest[doc_id] = generation
        self._lengths = np.concatenate([self._lengths, np.asarray(lengths, dtype=np.float32)])
        self._alive = np.concatenate([self._alive, np.ones(len(lengths), dtype=bool)])
        self._stats = None
        for term, (slots, counts) in new.items():
            add = (np.asarray(slots, dtype=np.int32), np.asarray(counts, dtype=np.float32))
            old = self._postings.get(term)
            if old is not None:
                add = (np.concatenate([old[0], add[0]]), np.concatenate([old[1], add[1]]))
            self._postings[term] = add

    def remove_document(self, doc_id: str) -> None:
        slots = self._slots.pop(doc_id, None)
        self.manifest.pop(doc_id, None)
        if not slots:
            return
        self._alive[slots] = False
        self._stats = None
        for slot in slots:
            self.ids[slot] = ""
        if (~self._alive).sum() > _COMPACT_AT * max(len(self._alive), 1):
            self._compact()

    def sync(self, store: ParagraphStore) -> bool:
        """Bring the index to what the store holds now, one document at a time; True if anything changed."""
        wanted = store.manifest()
        gone = [d for d in self.manifest if d not in wanted]
        for doc_id in gone:
            self.remove_document(doc_id)
        changed = sorted(d for d, generation in wanted.items() if self.manifest.get(d) != generation)
        if len(changed) > _SCAN_ABOVE:  # many documents (a first build): one scan beats a filtered read each
            by_doc: dict[str, list[Paragraph]] = {d: [] for d in changed}
            for p in store.paragraphs():
                if p.doc_id in by_doc:
                    by_doc[p.doc_id].append(p)
            self.add_documents([(d, wanted[d], by_doc[d]) for d in changed])
        else:
            self.add_documents([(d, wanted[d], store.paragraphs(d)) for d in changed])
        return bool(gone or changed)

    @classmethod
    def for_store(cls, store: ParagraphStore, cache_dir: Path, index: KeywordIndex | None = None) -> KeywordIndex:
        """The index (given, or saved on disk, or new) brought in step with the store, saved when it changed.

        Keyed on the store's records (each document's generation), not on a counter a writer bumps:
        a write killed before its bump cannot leave a stale index behind.
        """
        file = cache_dir / store.name / "keyword.npz"
        index = index or cls.load(file) or cls()
        if index.sync(store):
            index.save(file)
        return index

    def _compact(self) -> None:
        """Drop dead slots and renumber the live ones: what remove_document leaves behind, reclaimed."""
        keep = np.flatnonzero(self._alive)
        renumber = np.full(len(self._alive), -1, dtype=np.int32)
        renumber[keep] = np.arange(len(keep), dtype=np.int32)
        postings = {}
        for term, (slots, counts) in self._postings.items():
            live = self._alive[slots]
            if live.any():
                postings[term] = (renumber[slots[live]], counts[live])
        self._postings = postings
        self.ids = [self.ids[i] for i in keep]
        self._doc_of = [self._doc_of[i] for i in keep]
        self._lengths = self._lengths[keep]
        self._alive = np.ones(len(keep), dtype=bool)
        self._stats = None
        self._slots = {}
        for slot, doc_id in enumerate(self._doc_of):
            self._slots.setdefault(doc_id, []).append(slot)

    # --- reading -------------------------------------------------------------------------------

    def __len__(self) -> int:
        if self._stats is None:  # every change of the alive mask resets it
            self._stats = (int(self._alive.sum()), float(self._lengths[self._alive].sum()))
        return self._stats[0]

    def _average_length(self) -> float:
        n = len(self)
        assert self._stats is not None
        return self._stats[1] / max(n, 1)

    def search(self, question: str, k: int, doc_ids: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """The k best paragraph ids for the question's terms, with BM25 scores; only these documents', if given."""
        query = list(dict.fromkeys(terms(question)))
        n = len(self)
        if not n or not query:
            return []
        alive = self._alive
        if doc_ids is not None:
            alive = np.zeros_like(self._alive)
            for doc_id in doc_ids:
                alive[self._slots.get(doc_id, [])] = True
        average = self._average_length()
        scores = np.zeros(len(self._alive), dtype=np.float32)
        for term in query:
            if term not in self._postings:
                continue
            slots, counts = self._postings[term]
            live = self._alive[slots]
            slots, counts = slots[live], counts[live]
            idf = _idf(n, len(slots))
            norm = K1 * (1 - B + B * self._lengths[slots] / average)
            scores[slots] += np.float32(idf) * counts / (counts + norm)
        scores[~alive] = 0
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        return [(self.ids[int(i)], float(scores[i])) for i in top if scores[i] > 0]

    def rows_of(self, doc_ids: Iterable[str]) -> int:
        """How many paragraphs these documents hold (issue 13's filter picks its search path by it)."""
        return sum(int(self._alive[self._slots.get(d, [])].sum()) for d in doc_ids)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term; unseen terms get the highest value."""
        return _idf(max(len(self), 1), self.document_frequency.get(term, 0) or 0)

    def frequency(self, term: str) -> int:
        """Paragraphs holding the term."""
        postings = self._postings.get(term)
        return 0 if postings is None else int(self._alive[postings[0]].sum())

    # --- on disk ----------------------------------------------------------------------------

    def save(self, file: Path) -> None:
        """One file, replaced atomically: a reader never sees half an index."""
        self._compact()
        vocabulary = sorted(self._postings)
        sizes = np.asarray([len(self._postings[t][0]) for t in vocabulary], dtype=np.int64)
        header = {"vocabulary": vocabulary, "ids": self.ids, "docs": self._doc_of, "manifest": self.manifest}
        file.parent.mkdir(parents=True, exist_ok=True)
        partial = file.with_name(f"{file.name}.{uuid.uuid4().hex[:8]}.part")
        with partial.open("wb") as out:
            np.savez(
                out,
                header=np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
                pointers=np.concatenate([[0], np.cumsum(sizes)]),
                slots=np.concatenate([self._postings[t][0] for t in vocabulary] or [np.zeros(0, np.int32)]),
                counts=np.concatenate([self._postings[t][1] for t in vocabulary] or [np.zeros(0, np.float32)]),
                lengths=self._lengths,
            )
        os.replace(partial, file)

    @classmethod
    def load(cls, file: Path) -> KeywordIndex | None:
        """The index saved in the file, or None if it is missing or unreadable."""
        try:
            with np.load(file) as saved:
                header = json.loads(saved["header"].tobytes())
                pointers, slots, counts = saved["pointers"], saved["slots"], saved["counts"]
                lengths = saved["lengths"]
        except (OSError, ValueError, KeyError):
            return None
        index = cls()
        index.ids, index._doc_of, index.manifest = header["ids"], header["docs"], header["manifest"]
        index._lengths = lengths.astype(np.float32)
        index._alive = np.ones(len(index.ids), dtype=bool)
        index._postings = {
            term: (slots[pointers[i] : pointers[i + 1]], counts[pointers[i] : pointers[i + 1]])
            for i, term in enumerate(header["vocabulary"])
        }
        for slot, doc_id in enumerate(index._doc_of):
            index._slots.setdefault(doc_id, []).append(slot)
        return index


class _Frequencies:
    """document_frequency as the answerer reads it: .get(term) -> paragraphs holding it, or None."""

    def __init__(self, index: KeywordIndex) -> None:
        self._index = index

    def get(self, term: str, default: int | None = None) -> int | None:
        count = self._index.frequency(term)
        return count if count else default

    def __getitem__(self, term: str) -> int:
        count = self._index.frequency(term)
        if not count:
            raise KeyError(term)
        return count

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._index.frequency(term) > 0


def _idf(n: int, df: int) -> float:
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
