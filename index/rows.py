"""How a document's paragraphs, excerpts and record are laid out as store rows; no Chroma here.

Row ids carry a write generation, metadata converts both ways, a row is live when its generation is
its document's, and the live document list is kept per revision in one local JSON file. index/store.py
does the reading and writing through Chroma; everything here is plain data and can be tested alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from index.records import Document, DocumentSummary, Entity, Excerpt, Paragraph

LISTING_FILE = "documents.json"  # beside the collection's texts: the live document records of one revision


@dataclass(frozen=True)
class Record:
    """A document's row in the documents collection: what it is, and which generation of rows is live."""

    summary: DocumentSummary
    generation: str  # "" while the document has no complete set of rows (a first write or a removal under way)
    pending: str  # "" when settled; else a write or removal began and its leftovers must be swept


# --- issue 11: the document list, kept per revision in one local file ------------------------
# Reading 18,607 records' metadata from Chroma took 1.2-2.3 s (benchmarks/scale.py at 125k
# paragraphs); the same list as one JSON file, 0.1-0.2 s. The file is named by the revision it
# holds, which every write of a document's records changes, so it never outlives its store state.


def read_listing(folder: Path, revision: str) -> dict[str, Record] | None:
    """The live records saved for this revision, or None when the file is missing, stale or damaged."""
    try:
        saved = json.loads((folder / LISTING_FILE).read_text(encoding="utf-8"))
        if saved.get("revision") != revision:
            return None
        columns = saved["columns"]
        return {
            doc_id: record_from(doc_id, {key: columns[key][i] for key in columns})
            for i, doc_id in enumerate(saved["ids"])
        }
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None  # the records are read from the store instead


def write_listing(folder: Path, revision: str, live: dict[str, Record]) -> None:
    """Save the live records for this revision, whole or not at all (a rename)."""
    rows = [record_metadata(replace(r, pending="")) for r in live.values()]
    columns = {key: [row[key] for row in rows] for key in (rows[0] if rows else {})}
    with contextlib.suppress(OSError):  # a read-only data folder only costs the next reader a scan
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{LISTING_FILE}.{uuid.uuid4().hex[:8]}.part"
        partial.write_text(json.dumps({"revision": revision, "ids": list(live), "columns": columns}))
        os.replace(partial, folder / LISTING_FILE)


def row_id(paragraph_id: str, generation: str) -> str:
    # A paragraph's Chroma row id carries its generation so a new version can be written beside the
    # old one; the llama-index node id (in _node_content) is the plain paragraph id.
    return f"{paragraph_id}@{generation}"


def is_live(meta: Any, live: dict[str, Record]) -> bool:
    record = live.get(str(meta.get("doc_id")))
    return record is not None and meta.get("generation") == record.generation


def summary_of(document: Document, paragraphs: int) -> DocumentSummary:
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
        sidecar_hash=document.sidecar_hash,
    )


def record_metadata(r: Record) -> dict[str, str | int]:
    return {
        "title": r.summary.title,
        "date": r.summary.date or "",
        "outlet": r.summary.outlet or "",
        "root": r.summary.root,
        "content_hash": r.summary.content_hash,
        "paragraphs": r.summary.paragraphs,
        "url": r.summary.url or "",
        "provenance": r.summary.provenance,
        "sidecar_hash": r.summary.sidecar_hash,
        "generation": r.generation,
        "pending": r.pending,
    }


def record_from(doc_id: str, meta: Any) -> Record:
    summary = DocumentSummary(
        id=doc_id,
        title=str(meta.get("title", doc_id)),
        date=optional_text(meta.get("date")),
        outlet=optional_text(meta.get("outlet")),
        root=str(meta.get("root", "")),
        content_hash=str(meta.get("content_hash", "")),
        paragraphs=int(meta.get("paragraphs", 0)),
        url=optional_text(meta.get("url")),
        provenance=str(meta.get("provenance", "")),
        # Records written before the field read "", as for a file no sidecar describes: such a file
        # stays unchanged (its bytes alone made its metadata), while a file a sidecar describes now
        # compares unequal and is re-indexed once, since what its sidecar said then is not known
        # (from its stored vectors, its bytes being unchanged: index/ingest.py embeds nothing for it).
        sidecar_hash=str(meta.get("sidecar_hash", "")),
    )
    return Record(summary, str(meta.get("generation", "")), str(meta.get("pending", "")))


# --- issue 11: an excerpt row holds no text of its own --------------------------------------
# An excerpt is its paragraph's text[start:end] (index/ingest.py), so its row keeps the offsets and
# the paragraph row keeps the text. Chroma indexes every row's document for full-text search, which
# nothing here uses (BM25 is index/keyword.py): the eval-scale corpus's 1,968 excerpt rows took 1.50 s
# to add with their text, 0.93-0.98 s without, and 0.1 s less again without a "shared": 0 field
# (2 cores, 2026-12-02). Rows written before this carry their text; it is read from the paragraph too.


def excerpt_metadata(excerpt: Excerpt, generation: str, shared: bool) -> dict[str, str | int]:
    metadata: dict[str, str | int] = {
        "paragraph_id": excerpt.paragraph_id,
        "doc_id": excerpt.doc_id,
        "start": excerpt.start,
        "end": excerpt.end,
        "generation": generation,
    }
    if shared:  # the row's vector is its paragraph's (Settings.excerpt_min_tokens); absent: its own
        metadata["shared"] = 1
    return metadata


def excerpt_row_paragraph(excerpt_row: str) -> str:
    """The paragraph row an excerpt row belongs to: excerpt rows are '<paragraph row>/<n>'."""
    return excerpt_row.rsplit("/", 1)[0]


def paragraph_from(meta: Any, text: str) -> Paragraph:
    return Paragraph(
        id=str(meta["paragraph_id"]),
        doc_id=str(meta["doc_id"]),
        text=text or "",
        start=int(meta["start"]),
        end=int(meta["end"]),
        heading=str(meta.get("heading", "")),
        title=str(meta.get("title", "")),
        date=optional_text(meta.get("date")),
        outlet=optional_text(meta.get("outlet")),
    )


def excerpt_from(meta: Any, paragraph_text: str) -> Excerpt:
    """The excerpt a row describes, its text cut from its paragraph's."""
    start, end = int(meta["start"]), int(meta["end"])
    return Excerpt(
        paragraph_id=str(meta["paragraph_id"]),
        doc_id=str(meta["doc_id"]),
        text=paragraph_text[start:end],
        start=start,
        end=end,
    )


# --- issue 9: a paragraph's named entities ride on its row --------------------------------------
# Tagged once at ingest (index/ingest.py), so answering a who/which/when question needs no spaCy: loading
# it took 0.8 s of a cold `briefing ask`. [[start, end, label], ...], offsets into the paragraph's text;
# a row written before this has no field, and its entities are tagged when a question needs them.
ENTITIES_FIELD = "entities"


def entities_field(entities: Sequence[Entity]) -> str:
    return json.dumps([[e.start, e.end, e.label] for e in entities], separators=(",", ":"))


def entities_from(meta: Any, text: str) -> tuple[Entity, ...] | None:
    """The paragraph's entities as stored with it, or None for a row that has none stored (or unreadable ones)."""
    raw = meta.get(ENTITIES_FIELD) if meta else None
    if not isinstance(raw, str):
        return None
    try:
        rows = json.loads(raw)
        return tuple(
            Entity(text[start:end], str(label), int(start), int(end))
            for start, end, label in rows
            if 0 <= int(start) < int(end) <= len(text)
        )
    except (ValueError, TypeError):
        return None


def optional_text(value: object) -> str | None:
    return str(value) if value else None
