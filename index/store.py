"""The Chroma boundary: embedded (PersistentClient) or server (HttpClient), one collection per corpus."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from index.records import DocumentSummary, Entity, Excerpt, Paragraph
from index.rows import (
    Record,
    entities_from,
    excerpt_from,
    excerpt_row_paragraph,
    is_live,
    optional_text,
    paragraph_from,
    read_listing,
    record_from,
    row_id,
    write_listing,
)
from index.store_search import HNSW_EF_SEARCH, among, exact_nearest, searching_wide
from index.store_writes import (
    DOCUMENTS_SUFFIX,
    EXCERPTS_SUFFIX,
    SCHEMA,
    StoreError,
    StoreWrites,
)

SENTENCE_CACHE = 50_000  # sentence vectors made at question time kept per process (~77 MB at most)
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")
_LONGEST_SUFFIX = max(len(EXCERPTS_SUFFIX), len(DOCUMENTS_SUFFIX))


def collection_name(raw: str) -> str:
    """A Chroma-safe collection name (3-512 of [a-zA-Z0-9._-], alphanumeric at both ends), room left for
    the excerpts and documents collections' suffixes."""
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", raw)
    name = re.sub(r"[._-]{2,}", "-", name).strip("._-")
    name = name[: 512 - _LONGEST_SUFFIX].rstrip("._-") or "corpus"
    return name if len(name) >= 3 else f"{name}-corpus"


class ParagraphStore(StoreWrites):
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
        self._records: dict[str, Record] | None = None
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
        cosine = {"hnsw": {"space": "cosine", "ef_search": HNSW_EF_SEARCH}}
        self._collection = searching_wide(
            self._client.get_or_create_collection(self.name, embedding_function=None, configuration=cosine)
        )
        # Excerpts (sentences, word windows) with their own vectors: what the answerer quotes.
        self._excerpts = searching_wide(
            self._client.get_or_create_collection(
                f"{self.name}{EXCERPTS_SUFFIX}", embedding_function=None, configuration=cosine
            )
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
        self._encoder, self._encoder_read = optional_text(metadata.get("encoder")), True
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
        recorded = optional_text(metadata.get("encoder"))
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
            paragraph_from(meta, text) for _, meta, text in self._scan(self._collection, where) if is_live(meta, live)
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
            found[rows[row]] = paragraph_from(meta, text)
        return [found[pid] for pid in paragraph_ids if pid in found]

    def paragraph_entities(self, paragraphs: Sequence[Paragraph]) -> dict[str, tuple[Entity, ...] | None]:
        """Paragraph id -> its named entities as tagged at ingest (None: its row was written without them).

        The caller holds the paragraphs already, so only their rows' metadata is read (the text is theirs)."""
        texts = {p.id: p.text for p in paragraphs}
        rows = self._row_ids(list(texts))
        if not rows:
            return {}
        page = self._collection.get(ids=list(rows), include=["metadatas"])
        return {
            rows[row]: entities_from(meta, texts[rows[row]])
            for row, meta in zip(page["ids"], page["metadatas"], strict=True)
        }

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

        exact: compare the vector with every paragraph of those documents instead (index/store_search.py).
        """
        found = []
        for row, meta, text, similarity in self._search(self._collection, vector, k, where, doc_ids, exact):
            self._excerpt_counts[row] = int(meta.get("excerpts", 0))
            found.append((paragraph_from(meta, text), similarity))
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

        Without text, the excerpts say only where they are (text ""): what ranking needs, read faster.
        With it, their paragraphs' rows are read for it (excerpt rows hold none: index/rows.py).
        """
        found = self._search(self._excerpts, vector, k, where, doc_ids, exact, with_text=False)
        texts = self._paragraph_texts([excerpt_row_paragraph(row) for row, *_ in found]) if with_text else {}
        return [
            (excerpt_from(meta, texts.get(excerpt_row_paragraph(row), "")), similarity)
            for row, meta, _, similarity in found
        ]

    def _paragraph_texts(self, rows: Sequence[str]) -> dict[str, str]:
        """Paragraph row id -> its text, read by id; every excerpt's text is cut from one of these."""
        wanted = list(dict.fromkeys(rows))
        if not wanted:
            return {}
        page = self._collection.get(ids=wanted, include=["metadatas", "documents"])
        for row, meta in zip(page["ids"], page["metadatas"], strict=True):
            self._excerpt_counts[row] = int(meta.get("excerpts", 0))
        return {row: text or "" for row, text in zip(page["ids"], page["documents"], strict=True)}

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
            return exact_nearest(collection, vector, k, doc_ids, live)
        return self._query(collection, vector, k, where if doc_ids is None else among(doc_ids), with_text)

    def excerpts(self, paragraph_ids: Sequence[str]) -> list[tuple[Excerpt, np.ndarray]]:
        """The excerpts of these paragraphs with their vectors, in paragraph and reading order."""
        rows = self._row_ids(paragraph_ids)
        # The paragraphs' own rows: their text, and their excerpt counts (ride on their metadata).
        texts = self._paragraph_texts(list(rows))
        ids = [f"{row}/{i}" for row in rows for i in range(self._excerpt_counts.get(row, 0))]
        if not ids:
            return []
        # By id, not with a where filter: a filtered get grows with the collection (15-18 ms at 100k rows).
        page = self._excerpts.get(ids=ids, include=["metadatas", "embeddings"])
        found = [
            (excerpt_from(meta, texts.get(excerpt_row_paragraph(row), "")), np.asarray(vector, dtype=np.float32))
            for row, meta, vector in zip(page["ids"], page["metadatas"], page["embeddings"], strict=True)
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

    def _live(self) -> dict[str, Record]:
        """The documents whose rows are complete, by id; cached until the revision changes."""
        if self._records is None:
            revision = self._records_revision if self._records_revision is not None else self.revision()
            live = read_listing(self._texts, revision)
            if live is None:
                live = {doc_id: r for doc_id, r in self._read_records().items() if r.generation}
                write_listing(self._texts, revision, live)
            self._records, self._records_revision = live, revision
        return self._records

    def _read_records(self) -> dict[str, Record]:
        records = {}
        for doc_id, meta, _ in self._scan(self._documents, None):
            records[doc_id] = record_from(doc_id, meta)
        return records

    def _row_ids(self, paragraph_ids: Sequence[str]) -> dict[str, str]:
        """Chroma row id -> paragraph id, for the paragraphs of indexed documents."""
        live = self._live()
        rows = {}
        for pid in paragraph_ids:
            record = live.get(pid.rsplit("#p", 1)[0])
            if record is not None:
                rows[row_id(pid, record.generation)] = pid
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
            kept = [(row, meta, text, 1.0 - float(d)) for row, meta, text, d in rows if is_live(meta, live)]
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
