"""The write path in one screen: load -> chunk -> embed -> replace in store -> IngestReport."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np

from index.chunk import chunk_document, quote_spans
from index.embed import Embedder, encoder_name
from index.load import load_paths
from index.records import (
    Document,
    EmbeddedDocument,
    Entity,
    Excerpt,
    IngestReport,
    LoadFailure,
    Paragraph,
    UnchangedFile,
)
from index.store import ParagraphStore

# Rows (paragraphs + excerpts) gathered before one write: each write costs a dozen store calls whatever
# its size (3,727 BBC paragraphs, one document a write: 240 s of store calls on 2 busy cores). A write
# runs on a thread of its own while the next texts are embedded: the encoder keeps one core, Chroma's
# inserts take the other, and only the last write is waited for. 2,560 rows cost 1.5 s written in one
# write, 1.6 s in three, 1.7 s in eight (writes of ~320 rows).
WRITE_ROWS = 512
Progress = Callable[[int, int, str], None]  # (documents done, documents in all, current document id)
Embedded = Callable[[int], None]  # paragraphs just embedded (their write queued), for a paragraphs/s readout
# Texts -> their named entities (index/entities.py, Tagger.entities). NER over the eval-scale corpus's 656
# paragraphs: 2.6 CPU s on 2 cores (and 0.8 s to load spaCy), against 9.7 s for the rest of indexing; it
# spares every cold ask of a who/which/when/how-much question that load (assistant/short_answer.py).
Tag = Callable[[list[str]], list[tuple[Entity, ...]]]
# Texts (paragraphs + excerpts) embedded in one call across documents. Per document, a 16-paragraph
# file's second batch padded its 26-token excerpts to its 52-token paragraphs: 768 texts of 12
# eval-scale files took 14.6 s one document at a time against 8.7 s at once (fp32, one thread).
EMBED_GROUP = 512
# --- issue 11: excerpt vectors only where they help. With a minimum (Settings.excerpt_min_tokens, where
# its numbers are), a paragraph of fewer word pieces keeps its excerpts (the answerer quotes them,
# retrieval lists them) but their rows carry the paragraph's vector, flagged "shared"; the answerer's
# sentence vectors for them are embedded when a question first quotes from them (index/store.py,
# ParagraphStore.excerpts). Other ways to embed less, tried and not kept:
# Late chunking (an excerpt's vector pooled from its paragraph's own pass, the last layer's token
# vectors over the sentence's word pieces: no second encoder pass; tried 2026-12-02 and not kept):
# word pieces embedded -61% seeds, -50% squad-heldout, -47% BBC, but recall@5 seeds 0.984 -> 0.922
# (4 of 64 questions fell from rank 2-5 to 6-10; under the gate's 0.95), squad-heldout 0.923 -> 0.919,
# BBC 0.905 -> 0.905; subtracting part of the paragraph's vector (0.3, 0.6) left seeds at 0.922.
# Paragraph vectors made from their sentences' instead (the unit mean of the excerpts' vectors and the
# heading's; the encoder reads each sentence once; tried 2026-12-02 and not kept): word pieces -38%
# seeds, -50% squad-heldout, -52% BBC, index CPU about halved, but recall@5 squad-heldout 0.923 -> 0.914
# (408 -> 404 of 442), BBC 0.905 -> 0.857 (19 -> 18 of 21), seeds 0.984 -> 0.984 while one of the nine
# seed paraphrases of tests/test_retrieve.py fell out of its top three; a token-weighted mean did worse.
# Excerpts through a cheaper encoder (tried 2026-12-02 and not kept). int8 for the excerpts alone: 1.36x
# faster only when batched, where int8's one activation scale per run makes a vector depend on its batch
# mates; one text a run it was slower than fp32 (eval-scale excerpts 3.0 / 5.6 s against 4.1 s). The
# model's first 2, 3 or 4 layers for excerpts and the question alike: an excerpt holding the answer among
# the question's 5 nearest excerpts, 6 layers -> 3 layers, seeds 0.891 -> 0.828, squad-heldout 0.753 ->
# 0.450, BBC 0.667 -> 0.571, eval-scale 0.994 -> 0.983 (4 layers no better). So every excerpt is read by
# the whole model, and indexing reads each paragraph twice (itself, then its sentences): on the
# eval-scale corpus 46.9k distinct word pieces against 32.9k for the paragraphs alone (benchmarks/ingest.py).


def ingest(
    paths: Iterable[str | Path],
    store: ParagraphStore,
    embedder: Callable[[], Embedder],
    progress: Progress | None = None,
    root: str | Path | None = None,
    embedded: Embedded | None = None,
    max_text_chars: int | None = None,
    excerpt_min_tokens: int = 0,
    tag: Tag | None = None,
) -> IngestReport:
    """Bring the store in line with the files: add new, replace changed, skip unchanged, drop deleted.

    A file that fails to load is reported and its indexed version, if any, is kept. `embedder`
    is called only when something needs embedding, so an unchanged corpus costs no model load.
    Excerpts of paragraphs under excerpt_min_tokens word pieces share their paragraph's vector. `tag`
    gives each paragraph's named entities, stored with it (called only when something is embedded).
    """
    began = time.perf_counter()
    # A store written by an older version cannot be read by this one: it is re-indexed whole.
    if not store.schema_current():
        store.reset()
    # A run killed part way left a write unfinished: finish or undo it before comparing with the files.
    store.recover()
    indexed = {summary.id: summary for summary in store.documents()}
    # Ids already held keep their files: a same-named folder elsewhere gets ids of its own (index/load.py).
    claimed = {doc_id: summary.root for doc_id, summary in indexed.items()}
    # A file matching its record (id, folder, bytes, sidecar) comes back unchanged, hashed, not extracted;
    # a file over max_text_chars fails with the limit.
    loaded = load_paths(paths, root, max_text_chars, claimed, indexed)
    failed = list(loaded.failures)
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    seen: dict[str, str] = {}  # id -> path it was indexed from in this run
    model: Embedder | None = None
    waiting: list[tuple[Document, bool, list[Paragraph], list[Excerpt]]] = []  # chunked, not yet embedded
    pending: list[EmbeddedDocument] = []  # embedded, not yet written: small files are written several at once
    # Text -> vector already stored, for documents whose bytes are unchanged but whose sidecar changed:
    # the same text cuts into the same paragraphs, so only their records and row metadata are rewritten
    # (a metadata.csv added to an indexed folder would otherwise cost a whole re-embedding).
    stored: dict[str, np.ndarray] = {}
    # Paragraph text -> its entities as stored, for the same documents: the write thread tags only the rest.
    known: dict[str, tuple[Entity, ...]] = {}
    rows = 0

    def embed_waiting(model: Embedder) -> None:
        """Embed the waiting documents' texts in one call, then queue them for writing."""
        nonlocal rows
        texts = [_embedding_text(p.heading, p.text) for _, _, ps, _ in waiting for p in ps]
        row_of = {p.id: i for i, p in enumerate(p for _, _, ps, _ in waiting for p in ps)}
        short = {p.id for _, _, ps, _ in waiting for p in ps if _short(model, p.text, excerpt_min_tokens)}
        # An excerpt of a short paragraph takes its paragraph's vector (row of `texts`); others get their own.
        excerpt_row = []
        for _, _, _, es in waiting:
            for e in es:
                if e.paragraph_id in short:
                    excerpt_row.append(row_of[e.paragraph_id])
                else:
                    excerpt_row.append(len(texts))
                    texts.append(e.text)
        vectors = _embed(model, texts, stored)
        stored.clear()  # it held vectors of the waiting documents only
        paragraph_rows, excerpt_rows = 0, 0
        for document, new, paragraphs, excerpts in waiting:
            mine = vectors[paragraph_rows : paragraph_rows + len(paragraphs)]
            theirs = vectors[excerpt_row[excerpt_rows : excerpt_rows + len(excerpts)]]
            paragraph_rows, excerpt_rows = paragraph_rows + len(paragraphs), excerpt_rows + len(excerpts)
            # Even a paragraph's only excerpt is flagged: its row holds the heading-prefixed paragraph's
            # vector, and briefs chose differently by it (tests/test_brief.py, the H200 topic brief).
            flags = tuple(e.paragraph_id in short for e in excerpts)
            pending.append(EmbeddedDocument(document, tuple(paragraphs), mine, tuple(excerpts), theirs, flags))
            rows += len(paragraphs) + len(excerpts)
            (added if new else updated).append(document.id)
            if embedded:
                embedded(len(paragraphs))
        waiting.clear()

    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="briefing-write")
    writing: list[Future[None]] = []  # the write in flight, at most one: writes land in order

    def settle() -> None:
        """Wait for the write in flight (the store is not read while one runs); its error is raised here."""
        if writing:
            writing.pop().result()

    def write_pending() -> None:
        nonlocal rows
        settle()
        if pending:
            writing.append(writer.submit(_tag_and_write, store, list(pending), tag, dict(known)))
        pending.clear()
        rows = 0

    try:
        # Unchanged files first: one that shares an id with a file loaded in this run is the one indexed,
        # so the other is the one named as a duplicate below.
        found: list[UnchangedFile | Document] = [*loaded.unchanged, *loaded.documents]
        for done, document in enumerate(found):
            if progress:
                progress(done, len(found), document.id)
            if document.id in seen:
                # Two folders both holding report.txt: the second would silently replace the first.
                failed.append(
                    LoadFailure(
                        document.path,
                        f"same document id '{document.id}' as {seen[document.id]}; index the folders into separate"
                        " collections (--collection) or rename one file",
                    )
                )
                continue
            seen[document.id] = document.path
            before = indexed.get(document.id)
            if isinstance(document, UnchangedFile) or (
                before is not None
                and (before.content_hash, before.sidecar_hash, before.root)
                == (document.content_hash, document.sidecar_hash, document.root)
            ):
                unchanged.append(document.id)
                continue
            if model is None:
                model = embedder()
                if (name := encoder_name(model)) is not None:  # vectors of two encoders must never share a store
                    store.claim_encoder(name)
            paragraphs = chunk_document(document, count_tokens=model.count_tokens)
            if not paragraphs:
                failed.append(LoadFailure(document.path, "no paragraphs of text found; is the file only headings?"))
                continue
            excerpts = [
                Excerpt(p.id, p.doc_id, p.text[start:end], start, end)
                for p in paragraphs
                for start, end in quote_spans(p.text)
            ]
            if before is not None and before.content_hash == document.content_hash:
                settle()
                kept, kept_excerpts = store.stored_vectors(document.id)
                stored.update((_embedding_text(p.heading, p.text), vector) for p, vector in kept)
                stored.update((e.text, vector) for e, vector in kept_excerpts)
                if tag is not None:
                    tagged = store.paragraph_entities([p for p, _ in kept])
                    known.update((p.text, ents) for p, _ in kept if (ents := tagged.get(p.id)) is not None)
            waiting.append((document, before is None, paragraphs, excerpts))
            if sum(len(p) + len(e) for _, _, p, e in waiting) >= EMBED_GROUP:
                embed_waiting(model)
                if rows >= WRITE_ROWS:
                    write_pending()
        if waiting:
            assert model is not None
            embed_waiting(model)
        write_pending()
        settle()
        removed: list[str] = []
        failed_paths = {Path(f.path).resolve() for f in failed if Path(f.path).exists()}
        for root in loaded.roots:
            for summary in indexed.values():
                gone = summary.root == root and summary.id not in seen
                if gone and (Path(root) / summary.id).resolve() not in failed_paths:
                    store.remove_document(summary.id)
                    removed.append(summary.id)
        if progress:
            progress(len(found), len(found), "")
        counts = {summary.id: summary.paragraphs for summary in store.documents()}
        return IngestReport(
            added=tuple(added),
            updated=tuple(updated),
            unchanged=tuple(unchanged),
            removed=tuple(removed),
            failed=tuple(failed),
            skipped=loaded.skipped,
            paragraphs=sum(counts.values()),
            seconds=time.perf_counter() - began,
            paragraphs_per_doc=counts,
        )
    finally:
        # An error on this thread must not leave a write running once ingest has returned.
        if writing:
            writing.pop().exception()
        writer.shutdown()


def _tag_and_write(
    store: ParagraphStore, batch: list[EmbeddedDocument], tag: Tag | None, known: dict[str, tuple[Entity, ...]]
) -> None:
    """On the write thread: the paragraphs' entities found, then the documents written with them. Tagging
    there runs beside the next texts' embedding (eval-scale corpus, 2 cores: `briefing index` 6.0 s wall
    without entities, 9.2 s tagging before each embedding, 8.6 s tagging here; Settings.ingest_entities).
    A paragraph whose text is stored already keeps its entities (known): a metadata.csv edit re-tags nothing
    (benchmarks/reindex.py (e), 100 BBC articles: 4.3 s without entities, 9.4 s re-tagging them)."""
    if tag is not None:
        texts = list(dict.fromkeys(p.text for item in batch for p in item.paragraphs if p.text not in known))
        found = {**known, **dict(zip(texts, tag(texts) if texts else [], strict=True))}
        batch = [replace(item, entities=tuple(found[p.text] for p in item.paragraphs)) for item in batch]
    store.replace_documents(batch)


def _embed(model: Embedder, texts: list[str], stored: dict[str, np.ndarray]) -> np.ndarray:
    """The texts' vectors: those stored already as they are, the rest embedded (each distinct text once)."""
    missing = [t for t in dict.fromkeys(texts) if t not in stored]
    if len(missing) == len(texts):
        return model.embed(texts)
    made = dict(zip(missing, model.embed(missing), strict=True)) if missing else {}
    return np.stack([stored[t] if t in stored else made[t] for t in texts])


def _short(model: Embedder, text: str, minimum: int) -> bool:
    """A paragraph too short for its sentences' own vectors to add to its vector (Settings.excerpt_min_tokens)."""
    return minimum > 0 and model.count_tokens(text) < minimum


def _embedding_text(heading: str, text: str) -> str:
    # The heading a paragraph sits under is part of what it is about ("Risks", "What we don't know yet").
    return f"{heading.split(' > ')[-1]}: {text}" if heading else text
