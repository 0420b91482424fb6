"""The records that cross module boundaries on the index side, named in the domain's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """One source file as loaded: its id is its path relative to the corpus root."""

    id: str
    path: str
    root: str
    text: str
    content_hash: str
    title: str
    date: str | None = None  # ISO yyyy-mm-dd, when the text gives one
    outlet: str | None = None  # outlet or author, when the text states one
    format: str = "txt"
    tags: tuple[str, ...] = ()
    body_start: int = 0  # where the text after front matter and header lines begins
    url: str | None = None  # where the piece was published, when a sidecar or the page gives it
    provenance: str = ""  # where each field came from: "title: <h1>; date: metadata.csv" (index/metadata.py)
    sidecar_hash: str = ""  # what its sidecar says of it, hashed; "" when no sidecar describes it (index/metadata.py)


@dataclass(frozen=True)
class Entity:
    """A named entity found by the NER model: its text, type (PERSON, ORG, GPE, MONEY, DATE…) and offsets."""

    text: str
    label: str
    start: int  # character offsets into the text it was found in
    end: int


@dataclass(frozen=True)
class Word:
    """One tagged word of a short text (a question): its part of speech and entity type, if any."""

    text: str
    pos: str  # universal POS: NOUN, PROPN, VERB, NUM…
    tag: str  # fine-grained Penn tag: WP, WDT, NNS…
    start: int
    end: int
    entity: str = ""  # the entity type this word is part of, or ""


HEADER_PARAGRAPH = 0  # `<doc>#p0`: the document's header (front matter, "Read Time/Tags" lines), when it has one


@dataclass(frozen=True)
class Paragraph:
    """The unit of citation: a stretch of a document's text with a stable id `<doc>#p<n>`."""

    id: str
    doc_id: str
    text: str
    start: int  # character offsets into Document.text; text == document.text[start:end]
    end: int
    heading: str = ""  # the heading path it sits under, " > "-joined
    title: str = ""
    date: str | None = None
    outlet: str | None = None

    @property
    def is_header(self) -> bool:
        """The document's header: citable, but no paragraph of its text."""
        return self.id.endswith(f"#p{HEADER_PARAGRAPH}")


@dataclass(frozen=True)
class Excerpt:
    """A quotable stretch of a paragraph (a sentence, or a word window of unpunctuated text)."""

    paragraph_id: str
    doc_id: str
    text: str
    start: int  # offsets into Paragraph.text
    end: int


@dataclass(frozen=True)
class EmbeddedDocument:
    """A document cut into paragraphs and excerpts, each with its vector (rows of `vectors`): ready to write."""

    document: Document
    paragraphs: tuple[Paragraph, ...]
    vectors: Any  # numpy float32 array, one row per paragraph
    excerpts: tuple[Excerpt, ...] = ()
    excerpt_vectors: Any = None  # one row per excerpt
    # Per excerpt: True when its row carries its paragraph's vector, not its own (Settings.excerpt_min_tokens).
    shared: tuple[bool, ...] = ()
    # Per paragraph: its named entities, offsets into its text; None when not tagged (its row stores none).
    entities: tuple[tuple[Entity, ...], ...] | None = None


@dataclass(frozen=True)
class Passage:
    """A paragraph as retrieved for a question, with the scores that ranked it."""

    paragraph: Paragraph
    score: float  # fused reciprocal-rank score; higher is better
    dense: float | None = None  # cosine similarity to the question, when the dense side found it
    lexical: float | None = None  # BM25 score, when the keyword side found it
    rank: int = 0


@dataclass(frozen=True)
class LoadFailure:
    """A file that could not be loaded, and a reason a person can act on."""

    path: str
    reason: str


@dataclass(frozen=True)
class UnchangedFile:
    """A file whose bytes and sidecar match its indexed record: found and hashed, not extracted again."""

    id: str
    path: str
    root: str  # the folder its id is relative to, as in Document.root


@dataclass(frozen=True)
class DocumentSummary:
    """What the store knows of one indexed document."""

    id: str
    title: str
    date: str | None
    outlet: str | None
    root: str
    content_hash: str
    paragraphs: int
    url: str | None = None
    provenance: str = ""  # where title, date, outlet and url came from (index/metadata.py)
    sidecar_hash: str = ""  # Document.sidecar_hash when it was indexed; "" in records older than the field


@dataclass(frozen=True)
class IngestReport:
    """What one run of ingest did."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    failed: tuple[LoadFailure, ...] = ()
    skipped: tuple[LoadFailure, ...] = ()  # files of an unsupported type found in a folder
    paragraphs: int = 0  # paragraphs in the collection after the run
    seconds: float = 0.0
    paragraphs_per_doc: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed
