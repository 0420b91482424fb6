"""The Chroma boundary: embedded (PersistentClient) or server (HttpClient), one collection per corpus."""

from __future__ import annotations

import contextlib
import json
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from index.layout import node_metadata
from index.records import Document, DocumentSummary, EmbeddedDocument, Excerpt, Paragraph

# Bumped when what is stored per document changes; a store of another schema is re-indexed whole.
SCHEMA = "4"  # 4: the encoder recorded; 3: llama-index node layout, write generations, a documents collection
LISTING_FILE = "documents.json"  # beside the collection's texts: the live document records of one revision
SENTENCE_CACHE = 50_000  # sentence vectors made at question time kept per process (~77 MB at most)
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")

EXCERPTS_SUFFIX = ".excerpts"  # the excerpt collection beside each corpus collection
DOCUMENTS_SUFFIX = ".documents"  # one record per document: the list, and each document's completion mark
_LONGEST_SUFFIX = max(len(EXCERPTS_SUFFIX), len(DOCUMENTS_SUFFIX))

# The write steps, in order, each announced to `checkpoint` before it runs (tests/test_crash.py kills
# the process at each one). A document's rows are written under a fresh generation id, then one
# upsert of its record switches it over; only then are the old generation's rows swept away.
WRITE_STEPS = ("text", "begin", "excerpts", "paragraphs", "switch", "revision", "sweep", "settle")
REMOVE_STEPS = ("unlist", "revision", "sweep", "settle")


class StoreError(Exception):
    """The store cannot do what was asked; the message says what to do."""


def collection_name(raw: str) -> str:
    """A Chroma-safe collection name (3-512 of [a-zA-Z0-9._-], alphanumeric at both ends), room left for
    the excerpts and documents collections' suffixes."""
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", raw)
    name = re.sub(r"[._-]{2,}", "-", name).strip("._-")
    name = name[: 512 - _LONGEST_SUFFIX].rstrip("._-") or "corpus"
    return name if len(name) >= 3 else f"{name}-corpus"


@dataclass(frozen=True)
class _Record:
    """A document's row in the documents collection: what it is, and which generation of rows is live."""

    summary: DocumentSummary
    generation: str  # "" while the document has no complete set of rows (a first write or a removal under way)
    pending: str  # "" when settled; else a write or removal began and its leftovers must be swept


class ParagraphStore:
    """Paragraphs, their excerpts and one record per document, in three Chroma collections."""

    def __init__(
        self,
        collection: str,
        path: Path | None = None,
        host: str | None = None,
        port: int | None = None,
        texts_dir: Path | None = None,
    ) -> None:
        if not _NAME.match(collection) or len(collection) > 512 - _LONGEST_SUFFIX:
            raise StoreError(f"collection name {collection!r} is not valid: use 3-512 letters, digits, '.', '_' or '-'")
        settings = ChromaSettings(anonymized_telemetry=False)
        if host:
            self._client: Any = chromadb.HttpClient(host=host, port=port or 8000, settings=settings)
        else:
            if path is None:
                raise StoreError("an embedded store needs a data folder (BRIEFING_DATA_DIR)")
            path.mkdir(parents=True, exist_ok=True)
            self._client = chromadb.PersistentClient(path=str(path), settings=settings)
        self.name = collection
        # Whole document texts (as extracted) live beside Chroma so a viewer can show a cited
        # paragraph in place: paragraph offsets point into these texts.
        base = texts_dir or (path / "texts" if path is not None else Path(".briefing") / "texts")
        self._texts = base / collection
        self._open()
        self._batch = int(self._client.get_max_batch_size())
        # Called with each write step's name before it runs: the kill-point harness's seam; a no-op otherwise.
        self.checkpoint: Callable[[str], None] = lambda step: None
        self._records: dict[str, _Record] | None = None
        self._records_revision: str | None = None
        self._excerpt_counts: dict[str, int] = {}  # paragraph row id -> its excerpts, learnt from reads
        self._encoder: str | None = None  # the encoder the stored vectors came from, as last read or claimed
        # Embeds the sentence vectors of excerpts stored with their paragraph's vector (see excerpts());
        # the retriever sets it. Vectors made so are kept by row id for this process's later questions.
        self.sentence_encoder: Callable[[list[str]], np.ndarray] | None = None
        self._sentence_vectors: dict[str, np.ndarray] = {}
        self._encoder_read = False

    def _open(self) -> None:
        # embedding_function=None: Chroma's default embedder downloads a model; we pass vectors ourselves.
        cosine = {"hnsw": {"space": "cosine"}}
        self._collection = self._client.get_or_create_collection(
            self.name, embedding_function=None, configuration=cosine
        )
        # Excerpts (sentences, word windows) with their own vectors: what the answerer quotes.
        self._excerpts = self._client.get_or_create_collection(
            f"{self.name}{EXCERPTS_SUFFIX}", embedding_function=None, configuration=cosine
        )
        self._documents = self._client.get_or_create_collection(
            f"{self.name}{DOCUMENTS_SUFFIX}", embedding_function=None
        )

    @property
    def paragraph_collection(self) -> Any:
        """The Chroma collection of paragraphs, in llama-index's node layout (for index/llama.py)."""
        return self._collection

    # --- reads -----------------------------------------------------------------------------

    def revision(self) -> str:
        """Changes whenever a document's rows change: one small read, whatever the corpus size."""
        # Read afresh: another process (a Chroma server's other client) may have written since we opened it.
        metadata = self._metadata()
        self._encoder, self._encoder_read = _optional(metadata.get("encoder")), True
        return str(metadata.get("revision", "empty"))

    def _metadata(self) -> dict[str, Any]:
        collection = self._client.get_collection(f"{self.name}{DOCUMENTS_SUFFIX}", embedding_function=None)
        return dict(collection.metadata or {})

    # --- issue 11: the encoder the vectors came from -----------------------------------------

    def claim_encoder(self, encoder: str) -> None:
        """Record that this encoder writes the store's vectors; refuse if they came from another one.

        Vectors of two encoders are not comparable: a store holding any rows keeps the encoder that wrote them.
        """
        metadata = self._metadata()
        recorded = _optional(metadata.get("encoder"))
        if recorded and recorded != encoder and int(self._collection.count()) > 0:
            raise StoreError(self._mismatch(recorded, encoder))
        self._encoder, self._encoder_read = encoder, True
        if recorded != encoder:
            # modify() replaces the whole metadata: the revision and schema ride along unchanged.
            self._documents.modify(metadata=metadata | {"schema": SCHEMA, "encoder": encoder})

    def check_encoder(self, encoder: str) -> None:
        """Refuse to compare a vector of this encoder with the store's, when they came from another one."""
        if not self._encoder_read:
            self.revision()
        if self._encoder and self._encoder != encoder:
            raise StoreError(self._mismatch(self._encoder, encoder))

    def _mismatch(self, recorded: str, encoder: str) -> str:
        return (
            f"collection '{self.name}' was indexed with encoder {recorded}, but BRIEFING_ENCODER is {encoder}: "
            f"set BRIEFING_ENCODER={recorded} to use it, or index into a new collection (--collection, "
            "BRIEFING_COLLECTION) to use the other encoder"
        )

    def refresh(self) -> str:
        """Re-read the document records if another writer changed them; returns the revision."""
        revision = self.revision()
        if revision != self._records_revision:
            self._records = None
            self._records_revision = revision
        return revision

    def schema_current(self) -> bool:
        """False when the store was written by an older version and must be re-indexed whole."""
        if str(self._metadata().get("schema", "")) == SCHEMA:
            return True
        return int(self._collection.count()) == 0 and int(self._excerpts.count()) == 0

    def manifest(self) -> dict[str, str]:
        """Document id -> the generation of its live rows: what the store holds, as a key for caches."""
        return {doc_id: r.generation for doc_id, r in self._live().items()}

    def count(self) -> int:
        """Paragraphs of the indexed documents, from their records (no scan)."""
        return sum(r.summary.paragraphs for r in self._live().values())

    def documents(self) -> list[DocumentSummary]:
        """One summary per indexed document, in id order."""
        return [r.summary for _, r in sorted(self._live().items())]

    def paragraphs(self, doc_id: str | None = None) -> list[Paragraph]:
        """Every paragraph (of one document, if given), in document and reading order."""
        live = self._live()
        if doc_id is not None:
            if doc_id not in live:
                return []
            where: dict[str, Any] | None = {"$and": [{"doc_id": doc_id}, {"generation": live[doc_id].generation}]}
        else:
            where = None
        result = [
            _paragraph(meta, text) for _, meta, text in self._scan(self._collection, where) if _is_live(meta, live)
        ]
        return sorted(result, key=lambda p: (p.doc_id, p.start, p.id))

    def paragraphs_by_id(self, paragraph_ids: Sequence[str]) -> list[Paragraph]:
        """These paragraphs, in the order asked; unknown ids are left out."""
        rows = self._row_ids(paragraph_ids)
        if not rows:
            return []
        page = self._collection.get(ids=list(rows), include=["metadatas", "documents"])
        found = {}
        for row, meta, text in zip(page["ids"], page["metadatas"], page["documents"], strict=True):
            self._excerpt_counts[row] = int(meta.get("excerpts", 0))
            found[rows[row]] = _paragraph(meta, text)
        return [found[pid] for pid in paragraph_ids if pid in found]

    def node_rows(self, paragraph_ids: Sequence[str]) -> dict[str, tuple[dict[str, Any], str]]:
        """Paragraph id -> its stored (metadata, text), as llama-index's metadata_dict_to_node reads them."""
        rows = self._row_ids(paragraph_ids)
        if not rows:
            return {}
        page = self._collection.get(ids=list(rows), include=["metadatas", "documents"])
        return {
            rows[row]: (dict(meta), text or "")
            for row, meta, text in zip(page["ids"], page["metadatas"], page["documents"], strict=True)
        }

    def document_text(self, doc_id: str) -> str | None:
        """The document's whole text as it was indexed (paragraph offsets point into it), if known."""
        record = self._live().get(doc_id)
        if record is None:
            return None
        file = self._texts / f"{record.summary.content_hash}.txt"
        return file.read_text(encoding="utf-8") if file.exists() else None

    def nearest(
        self,
        vector: np.ndarray,
        k: int,
        where: dict[str, Any] | None = None,
        doc_ids: Sequence[str] | None = None,
        exact: bool = False,
    ) -> list[tuple[Paragraph, float]]:
        """The k paragraphs nearest the vector, with cosine similarity; only of these documents, if given.

        exact: compare the vector with every paragraph of those documents instead (see _exact).
        """
        found = []
        for row, meta, text, similarity in self._search(self._collection, vector, k, where, doc_ids, exact):
            self._excerpt_counts[row] = int(meta.get("excerpts", 0))
            found.append((_paragraph(meta, text), similarity))
        return found

    def nearest_excerpts(
        self,
        vector: np.ndarray,
        k: int,
        where: dict[str, Any] | None = None,
        with_text: bool = True,
        doc_ids: Sequence[str] | None = None,
        exact: bool = False,
    ) -> list[tuple[Excerpt, float]]:
        """The k excerpts nearest the vector, with cosine similarity; only of these documents, if given.

        Without text, the excerpts say only where they are: what ranking needs, read faster.
        """
        return [
            (_excerpt(meta, text), similarity)
            for _, meta, text, similarity in self._search(self._excerpts, vector, k, where, doc_ids, exact, with_text)
        ]

    def _search(
        self,
        collection: Any,
        vector: np.ndarray,
        k: int,
        where: dict[str, Any] | None,
        doc_ids: Sequence[str] | None,
        exact: bool,
        with_text: bool = True,
    ) -> list[tuple[str, Any, str, float]]:
        """Rows nearest the vector: by Chroma's kNN, or by brute force over a narrow document filter."""
        if doc_ids is not None and not doc_ids:
            return []
        if exact and doc_ids is not None:
            live = self._live()
            return _exact(collection, vector, k, doc_ids, live)
        return self._query(collection, vector, k, where if doc_ids is None else _among(doc_ids), with_text)

    def excerpts(self, paragraph_ids: Sequence[str]) -> list[tuple[Excerpt, np.ndarray]]:
        """The excerpts of these paragraphs with their vectors, in paragraph and reading order."""
        rows = self._row_ids(paragraph_ids)
        unknown = [row for row in rows if row not in self._excerpt_counts]
        if unknown:  # paragraphs never read in this process: their excerpt counts ride on their rows
            page = self._collection.get(ids=unknown, include=["metadatas"])
            for row, meta in zip(page["ids"], page["metadatas"], strict=True):
                self._excerpt_counts[row] = int(meta.get("excerpts", 0))
        ids = [f"{row}/{i}" for row in rows for i in range(self._excerpt_counts.get(row, 0))]
        if not ids:
            return []
        # By id, not with a where filter: a filtered get grows with the collection (15-18 ms at 100k rows).
        page = self._excerpts.get(ids=ids, include=["metadatas", "documents", "embeddings"])
        found = [
            (_excerpt(meta, text), np.asarray(vector, dtype=np.float32))
            for meta, text, vector in zip(page["metadatas"], page["documents"], page["embeddings"], strict=True)
        ]
        shared = [i for i, meta in enumerate(page["metadatas"]) if meta.get("shared")]
        if shared and self.sentence_encoder is not None:
            # Sentences sharing one vector would tie on the answerer's dense score: give them their own.
            missing = [i for i in shared if page["ids"][i] not in self._sentence_vectors]
            if missing:
                if len(self._sentence_vectors) > SENTENCE_CACHE:
                    self._sentence_vectors.clear()
                made = self.sentence_encoder([found[i][0].text for i in missing])
                self._sentence_vectors.update(zip((page["ids"][i] for i in missing), made, strict=True))
            for i in shared:
                found[i] = (found[i][0], self._sentence_vectors[page["ids"][i]])
        order = {pid: i for i, pid in enumerate(paragraph_ids)}
        return sorted(found, key=lambda pair: (order.get(pair[0].paragraph_id, 0), pair[0].start))

    def _live(self) -> dict[str, _Record]:
        """The documents whose rows are complete, by id; cached until the revision changes."""
        if self._records is None:
            revision = self._records_revision if self._records_revision is not None else self.revision()
            live = self._read_listing(revision)
            if live is None:
                live = {doc_id: r for doc_id, r in self._read_records().items() if r.generation}
                self._write_listing(revision, live)
            self._records, self._records_revision = live, revision
        return self._records

    # --- issue 11: the document list, kept per revision in one local file ------------------------
    # Reading 18,607 records' metadata from Chroma took 1.2-2.3 s (benchmarks/scale.py at 125k
    # paragraphs); the same list as one JSON file, 0.1-0.2 s. The file is named by the revision it
    # holds, which every write of a document's records changes, so it never outlives its store state.

    def _read_listing(self, revision: str) -> dict[str, _Record] | None:
        try:
            saved = json.loads((self._texts / LISTING_FILE).read_text(encoding="utf-8"))
            if saved.get("revision") != revision:
                return None
            columns = saved["columns"]
            return {
                doc_id: _record(doc_id, {key: columns[key][i] for key in columns})
                for i, doc_id in enumerate(saved["ids"])
            }
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return None  # missing, stale or damaged: the records are read from the store instead

    def _write_listing(self, revision: str, live: dict[str, _Record]) -> None:
        rows = [_record_metadata(replace(r, pending="")) for r in live.values()]
        columns = {key: [row[key] for row in rows] for key in (rows[0] if rows else {})}
        with contextlib.suppress(OSError):  # a read-only data folder only costs the next reader a scan
            self._texts.mkdir(parents=True, exist_ok=True)
            partial = self._texts / f"{LISTING_FILE}.{uuid.uuid4().hex[:8]}.part"
            partial.write_text(json.dumps({"revision": revision, "ids": list(live), "columns": columns}))
            os.replace(partial, self._texts / LISTING_FILE)

    def _read_records(self) -> dict[str, _Record]:
        records = {}
        for doc_id, meta, _ in self._scan(self._documents, None):
            records[doc_id] = _record(doc_id, meta)
        return records

    def _row_ids(self, paragraph_ids: Sequence[str]) -> dict[str, str]:
        """Chroma row id -> paragraph id, for the paragraphs of indexed documents."""
        live = self._live()
        rows = {}
        for pid in paragraph_ids:
            record = live.get(pid.rsplit("#p", 1)[0])
            if record is not None:
                rows[_row_id(pid, record.generation)] = pid
        return rows

    def _query(
        self, collection: Any, vector: np.ndarray, k: int, where: dict[str, Any] | None, with_text: bool = True
    ) -> list[tuple[str, Any, str, float]]:
        # Rows of a generation not (or no longer) live are left out here rather than by a where filter,
        # which would make every query scan metadata (70 ms at 100k rows); they exist only while a
        # write is under way or after a crash, until the next `briefing index` sweeps them.
        live = self._live()
        if not live:
            return []
        wanted = k + 8
        while True:
            result = collection.query(
                query_embeddings=[vector.tolist()],
                n_results=wanted,
                where=where,
                # Ranking needs no text: leaving it out spares reading ~100 excerpts' text on every question.
                include=["metadatas", "documents", "distances"] if with_text else ["metadatas", "distances"],
            )
            ids = result["ids"][0]
            texts = result["documents"][0] if with_text else [""] * len(ids)
            rows = list(zip(ids, result["metadatas"][0], texts, result["distances"][0], strict=True))
            kept = [(row, meta, text, 1.0 - float(d)) for row, meta, text, d in rows if _is_live(meta, live)]
            if len(kept) >= k or len(rows) < wanted:
                return kept[:k]
            wanted *= 4

    def _scan(self, collection: Any, where: dict[str, Any] | None):  # type: ignore[no-untyped-def]
        include = ["metadatas", "documents"] if collection is not self._documents else ["metadatas"]
        offset = 0
        while True:
            page = collection.get(where=where, include=include, limit=self._batch, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            texts = page["documents"] if "documents" in include else [""] * len(ids)
            yield from zip(ids, page["metadatas"], texts, strict=True)
            offset += len(ids)

    # --- writes ----------------------------------------------------------------------------

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
                replace(old.get(item.document.id) or _Record(_summary(item.document, 0), "", ""), pending=generation)
                for item in batch
            ]
        )
        ids: list[str] = []
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        numbered: dict[str, int] = {}
        for item in batch:
            for j, e in enumerate(item.excerpts):
                n = numbered.get(e.paragraph_id, 0)
                numbered[e.paragraph_id] = n + 1
                ids.append(f"{_row_id(e.paragraph_id, generation)}/{n}")
                texts.append(e.text)
                metadatas.append(_excerpt_metadata(e, generation, bool(item.shared and item.shared[j])))
        vectors = [item.excerpt_vectors for item in batch if item.excerpts]
        self._add(self._excerpts, "excerpts", ids, np.concatenate(vectors) if vectors else None, texts, metadatas)
        ids, texts, metadatas = [], [], []
        for item in batch:
            paragraphs = item.paragraphs
            for i, p in enumerate(paragraphs):
                previous = paragraphs[i - 1].id if i > 0 else None
                following = paragraphs[i + 1].id if i + 1 < len(paragraphs) else None
                ids.append(_row_id(p.id, generation))
                texts.append(p.text)
                metadatas.append(
                    node_metadata(item.document, p, previous, following)
                    | {
                        "paragraph_id": p.id,
                        "start": p.start,
                        "end": p.end,
                        "generation": generation,
                        "excerpts": numbered.get(p.id, 0),
                    }
                )
        self._add(self._collection, "paragraphs", ids, np.concatenate([i.vectors for i in batch]), texts, metadatas)
        self.checkpoint("switch")
        switched = [_Record(_summary(i.document, len(i.paragraphs)), generation, generation) for i in batch]
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
        texts: list[str],
        metadatas: list[dict[str, Any]],
    ) -> None:
        for begin in range(0, len(ids), self._batch):
            self.checkpoint(step)
            end = begin + self._batch
            assert vectors is not None
            collection.add(
                ids=ids[begin:end],
                embeddings=vectors[begin:end].tolist(),
                documents=texts[begin:end],
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

    def _settle_many(self, records: Sequence[_Record]) -> None:
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

    def _read_record(self, doc_id: str) -> _Record | None:
        return self._read_records_of([doc_id]).get(doc_id)

    def _read_records_of(self, doc_ids: Sequence[str]) -> dict[str, _Record]:
        page = self._documents.get(ids=list(doc_ids), include=["metadatas"])
        return {doc_id: _record(doc_id, meta) for doc_id, meta in zip(page["ids"], page["metadatas"], strict=True)}

    def _put_record(self, record: _Record) -> None:
        self._put_records([record])

    def _put_records(self, records: Sequence[_Record]) -> None:
        if not records:
            return
        self._documents.upsert(
            ids=[r.summary.id for r in records],
            embeddings=[[0.0]] * len(records),  # Chroma wants a vector per row; records are looked up by id only
            metadatas=[_record_metadata(r) for r in records],
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
            self._write_listing(self._records_revision, self._records)
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


def _row_id(paragraph_id: str, generation: str) -> str:
    # A paragraph's Chroma row id carries its generation so a new version can be written beside the
    # old one; the llama-index node id (in _node_content) is the plain paragraph id.
    return f"{paragraph_id}@{generation}"


def _is_live(meta: Any, live: dict[str, _Record]) -> bool:
    record = live.get(str(meta.get("doc_id")))
    return record is not None and meta.get("generation") == record.generation


def _summary(document: Document, paragraphs: int) -> DocumentSummary:
    return DocumentSummary(
        id=document.id,
        title=document.title,
        date=document.date,
        outlet=document.outlet,
        root=document.root,
        content_hash=document.content_hash,
        paragraphs=paragraphs,
        url=document.url,
        provenance=document.provenance,
    )


def _record_metadata(r: _Record) -> dict[str, str | int]:
    return {
        "title": r.summary.title,
        "date": r.summary.date or "",
        "outlet": r.summary.outlet or "",
        "root": r.summary.root,
        "content_hash": r.summary.content_hash,
        "paragraphs": r.summary.paragraphs,
        "url": r.summary.url or "",
        "provenance": r.summary.provenance,
        "generation": r.generation,
        "pending": r.pending,
    }


def _record(doc_id: str, meta: Any) -> _Record:
    summary = DocumentSummary(
        id=doc_id,
        title=str(meta.get("title", doc_id)),
        date=_optional(meta.get("date")),
        outlet=_optional(meta.get("outlet")),
        root=str(meta.get("root", "")),
        content_hash=str(meta.get("content_hash", "")),
        paragraphs=int(meta.get("paragraphs", 0)),
        url=_optional(meta.get("url")),
        provenance=str(meta.get("provenance", "")),
    )
    return _Record(summary, str(meta.get("generation", "")), str(meta.get("pending", "")))


# --- issue 13: the source filter -----------------------------------------------------------


def _among(doc_ids: Sequence[str] | None) -> dict[str, Any] | None:
    """The `where` clause keeping only these documents' rows (None: every row)."""
    if doc_ids is None:
        return None
    ids = sorted(set(doc_ids))
    return {"doc_id": ids[0]} if len(ids) == 1 else {"doc_id": {"$in": ids}}


def _exact(
    collection: Any, vector: np.ndarray, k: int, doc_ids: Sequence[str], live: dict[str, _Record]
) -> list[tuple[str, Any, str, float]]:
    """(id, metadata, text, cosine) of the k rows of these documents nearest the vector, by brute force.

    For a narrow filter this is the fast path: at 100k paragraphs Chroma's `where`-filtered query
    took ~400 ms a call on these 2 shared cores, reading one document's 20 rows with their vectors
    ~30 ms (benchmarks/filter_scale.py).
    """
    page = collection.get(where=_among(doc_ids), include=["metadatas", "documents", "embeddings"])
    keep = [i for i, meta in enumerate(page["metadatas"]) if _is_live(meta, live)]  # see _query
    if not keep:
        return []
    page = {key: [page[key][i] for i in keep] for key in ("ids", "metadatas", "documents", "embeddings")}
    rows = np.asarray(page["embeddings"], dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1) * (float(np.linalg.norm(vector)) or 1.0)
    similarity = rows @ vector.astype(np.float32) / np.where(norms == 0, 1.0, norms)
    best = np.argsort(-similarity, kind="stable")[:k]
    return [(page["ids"][i], page["metadatas"][i], page["documents"][i] or "", float(similarity[i])) for i in best]


def _excerpt_metadata(excerpt: Excerpt, generation: str, shared: bool) -> dict[str, str | int]:
    return {
        "paragraph_id": excerpt.paragraph_id,
        "doc_id": excerpt.doc_id,
        "start": excerpt.start,
        "end": excerpt.end,
        "generation": generation,
        "shared": int(shared),  # 1: the row's vector is its paragraph's (index/ingest.py EXCERPT_MIN_TOKENS)
    }


def _paragraph(meta: Any, text: str) -> Paragraph:
    return Paragraph(
        id=str(meta["paragraph_id"]),
        doc_id=str(meta["doc_id"]),
        text=text or "",
        start=int(meta["start"]),
        end=int(meta["end"]),
        heading=str(meta.get("heading", "")),
        title=str(meta.get("title", "")),
        date=_optional(meta.get("date")),
        outlet=_optional(meta.get("outlet")),
    )


def _excerpt(meta: Any, text: str) -> Excerpt:
    return Excerpt(
        paragraph_id=str(meta["paragraph_id"]),
        doc_id=str(meta["doc_id"]),
        text=text or "",
        start=int(meta["start"]),
        end=int(meta["end"]),
    )


def _optional(value: object) -> str | None:
    return str(value) if value else None
