"""The Chroma boundary: embedded (PersistentClient) or server (HttpClient), one collection per corpus."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from index.records import Document, DocumentSummary, Excerpt, Paragraph

# Bumped when what is stored per document changes; a store of another schema is re-indexed whole.
SCHEMA = "2"  # 2: excerpt vectors beside paragraph vectors
_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$")


class StoreError(Exception):
    """The store cannot do what was asked; the message says what to do."""


EXCERPTS_SUFFIX = ".excerpts"  # the excerpt collection beside each corpus collection


def collection_name(raw: str) -> str:
    """A Chroma-safe collection name (3-512 of [a-zA-Z0-9._-], alphanumeric at both ends), room left for
    the excerpts collection's suffix."""
    name = re.sub(r"[^a-zA-Z0-9._-]+", "-", raw)
    name = re.sub(r"[._-]{2,}", "-", name).strip("._-")
    name = name[: 512 - len(EXCERPTS_SUFFIX)].rstrip("._-") or "corpus"
    return name if len(name) >= 3 else f"{name}-corpus"


class ParagraphStore:
    """Paragraphs and their vectors in one Chroma collection; document metadata rides on each paragraph."""

    def __init__(
        self,
        collection: str,
        path: Path | None = None,
        host: str | None = None,
        port: int | None = None,
        texts_dir: Path | None = None,
    ) -> None:
        if not _NAME.match(collection) or len(collection) > 512 - len(EXCERPTS_SUFFIX):
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
        # embedding_function=None: Chroma's default embedder downloads a model; we pass vectors ourselves.
        self._collection = self._client.get_or_create_collection(
            collection,
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )
        # Excerpts (sentences, word windows) with their own vectors: what the answerer quotes.
        self._excerpts = self._client.get_or_create_collection(
            f"{collection}{EXCERPTS_SUFFIX}",
            embedding_function=None,
            configuration={"hnsw": {"space": "cosine"}},
        )
        self._batch = int(self._client.get_max_batch_size())

    # --- reads -----------------------------------------------------------------------------

    def count(self) -> int:
        return int(self._collection.count())

    def schema_current(self) -> bool:
        """False when the store was written by an older version and must be re-indexed whole."""
        metadata = self._collection.metadata or {}
        return self.count() == 0 or str(metadata.get("schema", "1")) == SCHEMA

    def revision(self) -> str:
        """Changes whenever the paragraphs change; the keyword index keys its cache on it."""
        # Read afresh: another process (a Chroma server's other client) may have written since we opened it.
        metadata = self._client.get_collection(self.name, embedding_function=None).metadata or {}
        return str(metadata.get("revision", "empty"))

    def documents(self) -> list[DocumentSummary]:
        """One summary per indexed document, in id order."""
        found: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        for _, metadata, _ in self._scan(include_text=False):
            doc_id = str(metadata["doc_id"])
            found.setdefault(doc_id, metadata)
            counts[doc_id] = counts.get(doc_id, 0) + 1
        return [
            DocumentSummary(
                id=doc_id,
                title=str(meta.get("title", doc_id)),
                date=_optional(meta.get("date")),
                outlet=_optional(meta.get("outlet")),
                root=str(meta.get("root", "")),
                content_hash=str(meta.get("content_hash", "")),
                paragraphs=counts[doc_id],
                url=_optional(meta.get("url")),
                provenance=str(meta.get("provenance", "")),
            )
            for doc_id, meta in sorted(found.items())
        ]

    def paragraphs(self, doc_id: str | None = None) -> list[Paragraph]:
        """Every paragraph (of one document, if given), in document and reading order."""
        where = {"doc_id": doc_id} if doc_id else None
        result = [_paragraph(pid, meta, text) for pid, meta, text in self._scan(include_text=True, where=where)]
        return sorted(result, key=lambda p: (p.doc_id, p.start, p.id))

    def paragraphs_by_id(self, paragraph_ids: Sequence[str]) -> list[Paragraph]:
        """These paragraphs, in the order asked; unknown ids are left out."""
        if not paragraph_ids:
            return []
        page = self._collection.get(ids=list(paragraph_ids), include=["metadatas", "documents"])
        found = {
            pid: _paragraph(pid, meta, text)
            for pid, meta, text in zip(page["ids"], page["metadatas"], page["documents"], strict=True)
        }
        return [found[pid] for pid in paragraph_ids if pid in found]

    def document_text(self, doc_id: str) -> str | None:
        """The document's whole text as it was indexed (paragraph offsets point into it), if known."""
        first = self._collection.get(where={"doc_id": doc_id}, include=["metadatas"], limit=1)
        if not first["ids"]:
            return None
        file = self._texts / f"{first['metadatas'][0]['content_hash']}.txt"
        return file.read_text(encoding="utf-8") if file.exists() else None

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[Paragraph, float]]:
        """The k paragraphs nearest the vector, with cosine similarity."""
        total = self.count()
        if total == 0:
            return []
        result = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(k, total),
            include=["metadatas", "documents", "distances"],
        )
        return [
            (_paragraph(pid, meta, text), 1.0 - float(distance))
            for pid, meta, text, distance in zip(
                result["ids"][0], result["metadatas"][0], result["documents"][0], result["distances"][0], strict=True
            )
        ]

    def nearest_excerpts(self, vector: np.ndarray, k: int) -> list[tuple[Excerpt, float]]:
        """The k excerpts nearest the vector, with cosine similarity."""
        total = int(self._excerpts.count())
        if total == 0:
            return []
        result = self._excerpts.query(
            query_embeddings=[vector.tolist()], n_results=min(k, total), include=["metadatas", "documents", "distances"]
        )
        return [
            (_excerpt(meta, text), 1.0 - float(distance))
            for meta, text, distance in zip(
                result["metadatas"][0], result["documents"][0], result["distances"][0], strict=True
            )
        ]

    def excerpts(self, paragraph_ids: Sequence[str]) -> list[tuple[Excerpt, np.ndarray]]:
        """The excerpts of these paragraphs with their vectors, in paragraph and reading order."""
        if not paragraph_ids:
            return []
        page = self._excerpts.get(
            where={"paragraph_id": {"$in": list(paragraph_ids)}}, include=["metadatas", "documents", "embeddings"]
        )
        found = [
            (_excerpt(meta, text), np.asarray(vector, dtype=np.float32))
            for meta, text, vector in zip(page["metadatas"], page["documents"], page["embeddings"], strict=True)
        ]
        order = {pid: i for i, pid in enumerate(paragraph_ids)}
        return sorted(found, key=lambda pair: (order.get(pair[0].paragraph_id, 0), pair[0].start))

    def _scan(self, include_text: bool, where: dict[str, Any] | None = None):  # type: ignore[no-untyped-def]
        include = ["metadatas", "documents"] if include_text else ["metadatas"]
        offset = 0
        while True:
            page = self._collection.get(where=where, include=include, limit=self._batch, offset=offset)
            ids = page["ids"]
            if not ids:
                return
            texts = page["documents"] if include_text else [""] * len(ids)
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
        """Make the store hold exactly these paragraphs for the document.

        Chroma keeps the old text when an id is added again, so a document's old paragraphs are
        deleted before the new ones are written.
        """
        if len(paragraphs) != len(vectors):
            raise StoreError(f"{document.id}: {len(paragraphs)} paragraphs but {len(vectors)} vectors")
        self._texts.mkdir(parents=True, exist_ok=True)
        (self._texts / f"{document.content_hash}.txt").write_text(document.text, encoding="utf-8")
        if excerpt_vectors is not None and len(excerpts) != len(excerpt_vectors):
            raise StoreError(f"{document.id}: {len(excerpts)} excerpts but {len(excerpt_vectors)} vectors")
        self._collection.delete(where={"doc_id": document.id})
        self._excerpts.delete(where={"doc_id": document.id})
        for begin in range(0, len(excerpts), self._batch):
            part = excerpts[begin : begin + self._batch]
            assert excerpt_vectors is not None
            self._excerpts.add(
                ids=[f"{e.paragraph_id}@{e.start}" for e in part],
                embeddings=excerpt_vectors[begin : begin + len(part)].tolist(),
                documents=[e.text for e in part],
                metadatas=[
                    {"paragraph_id": e.paragraph_id, "doc_id": e.doc_id, "start": e.start, "end": e.end} for e in part
                ],
            )
        for begin in range(0, len(paragraphs), self._batch):
            chunk = paragraphs[begin : begin + self._batch]
            self._collection.add(
                ids=[p.id for p in chunk],
                embeddings=vectors[begin : begin + len(chunk)].tolist(),
                documents=[p.text for p in chunk],
                metadatas=[_metadata(document, p) for p in chunk],
            )
        self._bump_revision()

    def remove_document(self, doc_id: str) -> None:
        self._collection.delete(where={"doc_id": doc_id})
        self._excerpts.delete(where={"doc_id": doc_id})
        self._bump_revision()

    def _bump_revision(self) -> None:
        self._collection.modify(metadata={"revision": uuid.uuid4().hex, "schema": SCHEMA})


def _metadata(document: Document, paragraph: Paragraph) -> dict[str, str | int]:
    # Chroma metadata values cannot be None: absent fields are stored as "".
    return {
        "doc_id": document.id,
        "title": document.title,
        "date": document.date or "",
        "outlet": document.outlet or "",
        "root": document.root,
        "path": document.path,
        "content_hash": document.content_hash,
        "url": document.url or "",
        "provenance": document.provenance,
        "heading": paragraph.heading,
        "start": paragraph.start,
        "end": paragraph.end,
    }


def _paragraph(pid: str, meta: Any, text: str) -> Paragraph:
    return Paragraph(
        id=pid,
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
