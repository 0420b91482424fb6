"""Prints the cost of the source filter at 10k and 100k paragraphs: Chroma `where` on doc ids, BM25 masked, and
`Library.ask` p50/p95 with a one-document filter. A benchmark, not a test.

The store holds BBC paragraphs (../shared/data/bbc/) repeated under new document ids up to the size asked,
with synthetic unit vectors (the store side's cost does not depend on what the vectors mean); questions are
embedded by the real model.
Usage: python benchmarks/filter_scale.py [10000 100000] [--data DIR  (reuse a store it built there)]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

REPO = Path(__file__).resolve().parent.parent
BBC = next((p for p in (REPO.parent / "shared" / "data" / "bbc", Path("/work/shared/data/bbc")) if p.exists()), None)
PER_DOC = 20  # paragraphs per synthetic document: a one-document filter keeps 20 of N
QUESTIONS = [
    "What did the minister announce about the budget?",
    "Who criticised the plans for identity cards?",
    "How many people use broadband at home?",
    "What did the party leader say about the election?",
    "Which company released a new games console?",
    "What are the concerns about mobile phone viruses?",
    "When will the new law come into force?",
    "What did the report say about spam e-mail?",
]


def bbc_paragraphs() -> list[str]:
    if BBC is None:
        sys.exit("needs ../shared/data/bbc/ (the BBC articles) beside the repository")
    out: list[str] = []
    for file in sorted(BBC.glob("*/*.txt")):
        out += [p.strip() for p in file.read_text(encoding="utf-8", errors="replace").split("\n\n")[1:] if p.strip()]
    return out


def build(size: int, data: Path, texts: list[str]):  # type: ignore[no-untyped-def]
    from assistant.library import Library
    from assistant.settings import Settings

    library = Library(Settings(_env_file=None, data_dir=data, collection=f"scale-{size}"))  # type: ignore[call-arg]
    store = library.store
    if store.count() == size:  # a store this script built before (--data DIR): measured as it is
        print(f"  reusing the {size} paragraphs in {data}")
        library.retriever.keyword  # noqa: B018
        return library
    from index.records import Document, EmbeddedDocument, Excerpt, Paragraph

    rng = np.random.default_rng(7)
    began = time.perf_counter()
    per_write = 250  # documents per store write: 5,000 paragraphs and 5,000 excerpts
    # Through the store's own write path (records, generations), with synthetic vectors and no model.
    for first_doc in range(0, size // PER_DOC, per_write):
        batch = []
        for n in range(first_doc, min(first_doc + per_write, size // PER_DOC)):
            doc_id = f"d{n:05d}.txt"
            body = [texts[(n * PER_DOC + j) % len(texts)] for j in range(PER_DOC)]
            text = "\n\n".join(body)
            starts = [sum(len(t) + 2 for t in body[:j]) for j in range(PER_DOC)]
            document = Document(doc_id, doc_id, "/bench", text, f"{doc_id}-{size}", doc_id)
            paragraphs = tuple(
                Paragraph(f"{doc_id}#p{j + 1}", doc_id, t, starts[j], starts[j] + len(t), title=doc_id)
                for j, t in enumerate(body)
            )
            excerpts = tuple(
                Excerpt(p.id, doc_id, p.text.split(". ")[0], 0, len(p.text.split(". ")[0])) for p in paragraphs
            )
            vectors = rng.standard_normal((2 * PER_DOC, 384)).astype(np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            batch.append(EmbeddedDocument(document, paragraphs, vectors[:PER_DOC], excerpts, vectors[PER_DOC:]))
        store.replace_documents(batch)
    print(f"  built {size} paragraphs (+{size} excerpts) in {time.perf_counter() - began:.0f} s")
    began = time.perf_counter()
    library.retriever.keyword  # noqa: B018 - builds and caches the BM25 index
    print(f"  BM25 index over {size} paragraphs: {time.perf_counter() - began:.1f} s")
    return library


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        out.append((time.perf_counter() - began) * 1000)
    return out


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def main() -> None:
    from assistant.sources import SourceFilter

    args = sys.argv[1:]
    reuse = Path(args.pop(args.index("--data") + 1)) if "--data" in args else None
    sizes = [int(a) for a in args if a != "--data"] or [10_000, 100_000]
    texts = bbc_paragraphs()
    print(f"{len(texts)} BBC paragraphs to draw from; {PER_DOC} paragraphs per document")
    for size in sizes:
        print(f"\n{size} paragraphs")
        library = build(size, reuse or Path(tempfile.mkdtemp(prefix="briefing-filter-")), texts)
        print(f"  data folder: {library.settings.data_dir}")
        store, keyword = library.store, library.retriever.keyword
        vector = library.retriever.embed_question(QUESTIONS[0])
        one = ["d00042.txt"]
        cases = (("no filter", None, False), ("one doc, where", one, False), ("one doc, exact", one, True))
        for label, doc_ids, exact in cases:
            dense = timed(lambda d=doc_ids, s=store, v=vector, e=exact: s.nearest(v, 30, doc_ids=d, exact=e), 20)
            excerpts = timed(
                lambda d=doc_ids, s=store, v=vector, e=exact: s.nearest_excerpts(v, 90, doc_ids=d, exact=e), 20
            )
            lexical = timed(lambda d=doc_ids, k=keyword: k.search(QUESTIONS[0], 30, d), 20)
            print(
                f"  {label:>14}: Chroma paragraphs p50 {statistics.median(dense):.1f} ms p95 {p95(dense):.1f}; "
                f"excerpts p50 {statistics.median(excerpts):.1f} p95 {p95(excerpts):.1f}; "
                f"BM25 p50 {statistics.median(lexical):.1f} p95 {p95(lexical):.1f}"
            )
        sources = SourceFilter.of(one)
        library.ask(QUESTIONS[0], sources=sources)  # warm: the documents listing is read once per revision
        for label, chosen in (("ask, no filter", None), ("ask, one document", sources)):
            totals = []
            for _ in range(3):
                for question in QUESTIONS:
                    answer = library.ask(question, sources=chosen)
                    totals.append(answer.timings_ms["total"])
                    if chosen is not None:
                        assert {p.paragraph.doc_id for p in answer.passages} <= set(one), "the filter leaked"
            print(f"  {label:>18}: p50 {statistics.median(totals):.0f} ms, p95 {p95(totals):.0f} ms over {len(totals)}")


if __name__ == "__main__":
    main()
