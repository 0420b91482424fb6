"""The store's write protocol: a document's new rows beside its old ones, one record switches them over.

ParagraphStore (index/store.py) holds the Chroma collections and does the reads; this mixin gives
it the writes, so that each file owns one job. Nothing here imports Chroma: it calls the methods
of the collections the store opened. The steps are announced to `checkpoint` before they run
(WRITE_STEPS, REMOVE_STEPS), which is what tests/test_crash.py and benchmarks/kill_points.py kill at.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from index.layout import node_metadata
from index.records import Document, EmbeddedDocument, Excerpt, Paragraph
from index.rows import (
    ENTITIES_FIELD,
    Record,
    entities_field,
    excerpt_from,
    excerpt_metadata,
    paragraph_from,
    record_from,
    record_metadata,
    row_id,
    summary_of,
    write_listing,
)

# Bumped when what is stored per document changes; a store of another schema is re-indexed whole.
SCHEMA = "4"  # 4: the encoder recorded; 3: llama-index node layout, write generations, a documents collection
EXCERPTS_SUFFIX = ".excerpts"  # the excerpt collection beside each corpus collection
DOCUMENTS_SUFFIX = ".documents"  # one record per document: the list, and each document's completion mark

# The write steps, in order, each announced to `checkpoint` before it runs (tests/test_crash.py kills
# the process at each one). A document's rows are written under a fresh generation id, then one
# upsert of its record switches it over; only then are the old generation's rows swept away.
WRITE_STEPS = ("text", "begin", "excerpts", "paragraphs", "switch", "revision", "sweep", "settle")
REMOVE_STEPS = ("unlist", "revision", "sweep", "settle")


class StoreError(Exception):
    """The store cannot do what was asked; the message says what to do."""


class StoreWrites:
    """Replace, remove, recover, reset, and the stored vectors a rewrite reuses.

    Mixed into ParagraphStore, whose __init__ sets these attributes.
    """

    name: str
    checkpoint: Callable[[str], None]
    _client: Any
    _collection: Any
    _excerpts: Any
    _documents: Any
    _texts: Path
    _batch: int
    _records: dict[str, Record] | None
    _records_revision: str | None
    _encoder: str | None
    _encoder_read: bool

    def revision(self) -> str:  # pragma: no cover - ParagraphStore's
        raise NotImplementedError

    def _open(self) -> None:  # pragma: no cover - ParagraphStore's
        raise NotImplementedError

    def _live(self) -> dict[str, Record]:  # pragma: no cover - ParagraphStore's
        raise NotImplementedError

    def stored_vectors(
        self, doc_id: str
    ) -> tuple[list[tuple[Paragraph, np.ndarray]], list[tuple[Excerpt, np.ndarray]]]:
        """One document's live paragraphs and excerpts with their stored vectors (none of an excerpt sharing
        its paragraph's vector); empty for a document not indexed."""
        record = self._live().get(doc_id)
        if record is None:
            return [], []
        where = {"$and": [{"doc_id": doc_id}, {"generation": record.generation}]}
        include = ["metadatas", "documents", "embeddings"]
        rows = self._collection.get(where=where, include=include)
        paragraphs = [
            (paragraph_from(meta, text), np.asarray(vector, dtype=np.float32))
            for meta, text, vector in zip(rows["metadatas"], rows["documents"], rows["embeddings"], strict=True)
        ]
        texts = {p.id: p.text for p, _ in paragraphs}
        rows = self._excerpts.get(where=where, include=["metadatas", "embeddings"])
        excerpts = [
            (excerpt_from(meta, texts.get(str(meta["paragraph_id"]), "")), np.asarray(vector, dtype=np.float32))
            for meta, vector in zip(rows["metadatas"], rows["embeddings"], strict=True)
            if not meta.get("shared")
        ]
        return paragraphs, excerpts

    def replace_document(
        self,
        document: Document,
        paragraphs: Sequence[Paragraph],
        vectors: np.ndarray,
        excerpts: Sequence[Excerpt] = (),
        excerpt_vectors: np.ndarray | None = None,
    ) -> None:
        """Make the store hold exactly these paragraphs for the document (see replace_documents)."""
        self.replace_documents(
            [EmbeddedDocument(document, tuple(paragraphs), vectors, tuple(excerpts), excerpt_vectors)]
        )

    def replace_documents(self, batch: Sequence[EmbeddedDocument]) -> None:
        """Make the store hold exactly these paragraphs for each document, never less than a whole version of one.

        The new rows are written under a fresh generation id beside the old ones; one upsert of the
        documents' records then makes them the live ones (the completion mark, written last), and
        only after it are the old rows deleted. A kill at any step leaves each document's old version
        or its new one listed, and leftovers that `recover` (run by every ingest) sweeps away.
        Several documents share each step, so a corpus of small files costs few writes.
        """
        for item in batch:
            _check(item)
        if not batch:
            return
        generation = uuid.uuid4().hex[:12]
        self.checkpoint("text")
        for item in batch:
            self._write_text(item.document)
        old = self._read_records_of([item.document.id for item in batch])
        self.checkpoint("begin")
        self._put_records(
            [
                replace(old.get(item.document.id) or Record(summary_of(item.document, 0), "", ""), pending=generation)
                for item in batch
            ]
        )
        ids: list[str] = []
        metadatas: list[dict[str, Any]] = []
        numbered: dict[str, int] = {}
        for item in batch:
            for j, e in enumerate(item.excerpts):
                n = numbered.get(e.paragraph_id, 0)
                numbered[e.paragraph_id] = n + 1
                ids.append(f"{row_id(e.paragraph_id, generation)}/{n}")
                metadatas.append(excerpt_metadata(e, generation, bool(item.shared and item.shared[j])))
        vectors = [item.excerpt_vectors for item in batch if item.excerpts]
        # No text: an excerpt is its paragraph's text[start:end], read from the paragraph row (index/rows.py).
        self._add(self._excerpts, "excerpts", ids, np.concatenate(vectors) if vectors else None, None, metadatas)
        ids, texts, metadatas = [], [], []
        for item in batch:
            paragraphs = item.paragraphs
            for i, p in enumerate(paragraphs):
                previous = paragraphs[i - 1].id if i > 0 else None
                following = paragraphs[i + 1].id if i + 1 < len(paragraphs) else None
                ids.append(row_id(p.id, generation))
                texts.append(p.text)
                metadata = node_metadata(item.document, p, previous, following) | {
                    "paragraph_id": p.id,
                    "start": p.start,
                    "end": p.end,
                    "generation": generation,
                    "excerpts": numbered.get(p.id, 0),
                }
                if item.entities is not None:
                    metadata[ENTITIES_FIELD] = entities_field(item.entities[i])
                metadatas.append(metadata)
        self._add(self._collection, "paragraphs", ids, np.concatenate([i.vectors for i in batch]), texts, metadatas)
        self.checkpoint("switch")
        switched = [Record(summary_of(i.document, len(i.paragraphs)), generation, generation) for i in batch]
        self._put_records(switched)
        self.checkpoint("revision")
        self._bump_revision()
        self._settle_many(switched)

    def _add(
        self,
        collection: Any,
        step: str,
        ids: list[str],
        vectors: np.ndarray | None,
        texts: list[str] | None,
        metadatas: list[dict[str, Any]],
    ) -> None:
        for begin in range(0, len(ids), self._batch):
            self.checkpoint(step)
            end = begin + self._batch
            assert vectors is not None
            collection.add(
                ids=ids[begin:end],
                embeddings=vectors[begin:end].tolist(),
                documents=None if texts is None else texts[begin:end],
                metadatas=metadatas[begin:end],
            )

    def remove_document(self, doc_id: str) -> None:
        """Unlist the document first (one upsert), then delete its rows and its record."""
        record = self._read_record(doc_id)
        if record is None:
            return
        self.checkpoint("unlist")
        self._put_record(replace(record, generation="", pending="remove"))
        self.checkpoint("revision")
        self._bump_revision()
        self._settle(doc_id)

    def recover(self) -> list[str]:
        """Finish or undo every write a crash interrupted; returns the ids of the documents it touched."""
        # Only the records a write left pending, by a filter: not every record (1.2 s at 18,607 documents).
        page = self._documents.get(where={"pending": {"$ne": ""}}, include=["metadatas"])
        touched = [doc_id for doc_id, meta in zip(page["ids"], page["metadatas"], strict=True) if meta.get("pending")]
        for doc_id in touched:
            self._settle(doc_id)
        if touched:
            self._bump_revision()
        return touched

    def reset(self) -> None:
        """Drop every row (a store of an older schema cannot be read): the next ingest writes it whole."""
        for name in (self.name, f"{self.name}{EXCERPTS_SUFFIX}", f"{self.name}{DOCUMENTS_SUFFIX}"):
            with contextlib.suppress(Exception):  # absent already; each client raises its own type
                self._client.delete_collection(name)
        self._open()
        self._encoder, self._encoder_read = None, True  # no vectors left: the next writer's encoder is recorded
        self._records, self._records_revision = None, None
        self._bump_revision()

    def _settle(self, doc_id: str) -> None:
        """Delete the document's rows of every generation but the live one, then clear its pending mark."""
        record = self._read_record(doc_id)
        if record is not None:
            self._settle_many([record])

    def _settle_many(self, records: Sequence[Record]) -> None:
        self.checkpoint("sweep")
        by_generation: dict[str, list[str]] = {}
        for record in records:
            by_generation.setdefault(record.generation, []).append(record.summary.id)
        for generation, doc_ids in by_generation.items():
            documents = {"doc_id": {"$in": doc_ids}}
            stale = {"$and": [documents, {"generation": {"$ne": generation}}]} if generation else documents
            self._collection.delete(where=stale)
            self._excerpts.delete(where=stale)
        self.checkpoint("settle")
        self._put_records([replace(r, pending="") for r in records if r.generation])
        gone = [r.summary.id for r in records if not r.generation]
        if gone:
            self._documents.delete(ids=gone)
            if self._records is not None:
                for doc_id in gone:
                    self._records.pop(doc_id, None)

    def _write_text(self, document: Document) -> None:
        self._texts.mkdir(parents=True, exist_ok=True)
        file = self._texts / f"{document.content_hash}.txt"
        if not file.exists():  # named by content: an existing file already holds this text
            partial = file.with_suffix(f".{uuid.uuid4().hex[:8]}.part")
            partial.write_text(document.text, encoding="utf-8")
            os.replace(partial, file)  # atomic: a kill never leaves half a text under the real name

    def _read_record(self, doc_id: str) -> Record | None:
        return self._read_records_of([doc_id]).get(doc_id)

    def _read_records_of(self, doc_ids: Sequence[str]) -> dict[str, Record]:
        page = self._documents.get(ids=list(doc_ids), include=["metadatas"])
        return {doc_id: record_from(doc_id, meta) for doc_id, meta in zip(page["ids"], page["metadatas"], strict=True)}

    def _put_record(self, record: Record) -> None:
        self._put_records([record])

    def _put_records(self, records: Sequence[Record]) -> None:
        if not records:
            return
        self._documents.upsert(
            ids=[r.summary.id for r in records],
            embeddings=[[0.0]] * len(records),  # Chroma wants a vector per row; records are looked up by id only
            metadatas=[record_metadata(r) for r in records],
        )
        if self._records is not None:  # this process's own write: its view of the live documents follows it
            for r in records:
                if r.generation:
                    self._records[r.summary.id] = r
                else:
                    self._records.pop(r.summary.id, None)

    def _bump_revision(self) -> None:
        before = self.revision()  # also keeps the recorded encoder, which this process may not have read yet
        # modify() replaces the whole metadata: every key every time.
        metadata: dict[str, Any] = {"revision": uuid.uuid4().hex, "schema": SCHEMA}
        self._documents.modify(metadata=metadata | ({"encoder": self._encoder} if self._encoder else {}))
        if self._records is not None and before == self._records_revision:
            # No other writer came between: this process's view, kept up with its own writes, is the new state.
            self._records_revision = str(metadata["revision"])
            write_listing(self._texts, self._records_revision, self._records)
        else:
            self._records = None
            self._records_revision = None


def _check(item: EmbeddedDocument) -> None:
    doc_id = item.document.id
    if len(item.paragraphs) != len(item.vectors):
        raise StoreError(f"{doc_id}: {len(item.paragraphs)} paragraphs but {len(item.vectors)} vectors")
    if item.excerpts and (item.excerpt_vectors is None or len(item.excerpts) != len(item.excerpt_vectors)):
        count = "no" if item.excerpt_vectors is None else len(item.excerpt_vectors)
        raise StoreError(f"{doc_id}: {len(item.excerpts)} excerpts but {count} vectors")
    if item.entities is not None and len(item.entities) != len(item.paragraphs):
        raise StoreError(f"{doc_id}: {len(item.paragraphs)} paragraphs but entities for {len(item.entities)}")
