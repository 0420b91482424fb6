"""The write path in one screen: load -> chunk -> embed -> replace in store -> IngestReport."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from index.chunk import chunk_document, quote_spans
from index.embed import Embedder
from index.load import load_paths
from index.records import Excerpt, IngestReport, LoadFailure
from index.store import ParagraphStore

Progress = Callable[[int, int, str], None]  # (documents done, documents in all, current document id)


def ingest(
    paths: Iterable[str | Path],
    store: ParagraphStore,
    embedder: Callable[[], Embedder],
    progress: Progress | None = None,
    root: str | Path | None = None,
    max_text_chars: int | None = None,
) -> IngestReport:
    """Bring the store in line with the files: add new, replace changed, skip unchanged, drop deleted.

    A file that fails to load is reported and its indexed version, if any, is kept. `embedder`
    is called only when something needs embedding, so an unchanged corpus costs no model load.
    """
    began = time.perf_counter()
    loaded = load_paths(paths, root, max_text_chars)  # a file over max_text_chars fails with the limit named
    # A store written by an older version is re-indexed whole: nothing in it counts as unchanged.
    fresh = store.schema_current()
    indexed = {summary.id: summary for summary in store.documents()}
    failed = list(loaded.failures)
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    seen: dict[str, str] = {}  # id -> path it was indexed from in this run
    model: Embedder | None = None
    for done, document in enumerate(loaded.documents):
        if progress:
            progress(done, len(loaded.documents), document.id)
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
        same = before is not None and before.content_hash == document.content_hash and before.root == document.root
        if fresh and same:
            unchanged.append(document.id)
            continue
        model = model or embedder()
        paragraphs = chunk_document(document, count_tokens=model.count_tokens)
        if not paragraphs:
            failed.append(LoadFailure(document.path, "no paragraphs of text found; is the file only headings?"))
            continue
        excerpts = [
            Excerpt(p.id, p.doc_id, p.text[start:end], start, end)
            for p in paragraphs
            for start, end in quote_spans(p.text)
        ]
        # One batch for both: the model sorts by length, so short excerpts pad little.
        vectors = model.embed([_embedding_text(p.heading, p.text) for p in paragraphs] + [e.text for e in excerpts])
        store.replace_document(document, paragraphs, vectors[: len(paragraphs)], excerpts, vectors[len(paragraphs) :])
        (added if before is None else updated).append(document.id)
    removed: list[str] = []
    failed_paths = {Path(f.path).resolve() for f in failed if Path(f.path).exists()}
    for root in loaded.roots:
        for summary in indexed.values():
            gone = summary.root == root and summary.id not in seen
            if gone and (Path(root) / summary.id).resolve() not in failed_paths:
                store.remove_document(summary.id)
                removed.append(summary.id)
    if progress:
        progress(len(loaded.documents), len(loaded.documents), "")
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


def _embedding_text(heading: str, text: str) -> str:
    # The heading a paragraph sits under is part of what it is about ("Risks", "What we don't know yet").
    return f"{heading.split(' > ')[-1]}: {text}" if heading else text
