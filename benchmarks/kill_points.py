"""Kill -9 `briefing index` at every write step, re-run it, and compare with an uninterrupted run; prints a table.

Each write step the store announces (index/store_writes.py WRITE_STEPS, REMOVE_STEPS) is a kill point: a child
process ingests the edited corpus into a copy of the indexed store and SIGKILLs itself just before the
n-th step; then `ingest` runs again, uninterrupted, in this process. The store it reaches must equal the
one an uninterrupted run reaches: the documents, every paragraph's id, text and offsets, the excerpts,
no leftover rows, the keyword index and an ask. The edit changes one file, adds one, removes one and
rewrites a large one (more paragraphs than Chroma's write batch). Vectors come from a hashing embedder
(deterministic, no model load): the store side is what is under test.

    python benchmarks/kill_points.py            # the large document at Chroma's real batch size (5,461)
    python benchmarks/kill_points.py --small    # tests/test_crash.py's case: batch 3, a 9-paragraph document
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from index.ingest import ingest  # noqa: E402
from index.retrieve import Retriever  # noqa: E402
from index.store import ParagraphStore  # noqa: E402

COLLECTION = "crash"


def tag(n: int) -> str:
    """A made-up word of its own for each paragraph of the large report, so its vectors are not all alike."""
    return "x" + hashlib.md5(str(n).encode()).hexdigest()[:6]


SMALL = ["keep.md", "change.md", "new.md", "gone.md"]  # every file but the large report
QUESTIONS = ("When does the ferry leave?", "What does the new annex hold?", f"What is filed under {tag(17)} {tag(18)}?")


class HashingEmbedder:
    """Bag-of-words vectors hashed into 384 dimensions: deterministic and able to rank, no model to load."""

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest()[:8], 16) % 384] += 1.0
            out[row, row % 7] += 0.01  # no zero vector, even for a text of no words
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2


def write_corpus(folder: Path, version: str, large: int) -> None:
    """Version "a": the corpus first indexed; "b": one file changed, one added, one removed, the large one rewritten."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "keep.md").write_text("# Keep\n\nThe ferry leaves every hour from the north pier.\n", encoding="utf-8")
    change = "The library opens on Sundays." if version == "a" else "The library now opens every day of the week."
    (folder / "change.md").write_text(f"# Change\n\n{change}\n\nTwo more librarians will be hired.\n", encoding="utf-8")
    if version == "a":
        (folder / "gone.md").write_text("# Gone\n\nThe old market hall will close in June.\n", encoding="utf-8")
    else:
        (folder / "new.md").write_text("# New\n\nThe new annex holds the map collection.\n", encoding="utf-8")
    edition = "first" if version == "a" else "second"
    body = "\n\n".join(
        f"Paragraph {i} of the large report, {edition} edition, item {i * 7}, filed under {tag(i)} {tag(i + 1)}."
        for i in range(large)
    )
    (folder / "large.md").write_text(f"# Large report\n\n{body}\n", encoding="utf-8")


def open_store(data: Path, batch: int | None) -> ParagraphStore:
    store = ParagraphStore(COLLECTION, path=data / "chroma", texts_dir=data / "texts")
    if batch:
        store._batch = batch  # a small batch makes a short document span several writes
    return store


def run_ingest(data: Path, corpus: Path, batch: int | None, kill_at: int | None = None) -> list[str]:
    """Ingest the corpus into the store at data; with kill_at, SIGKILL this process before that write step."""
    store = open_store(data, batch)
    steps: list[str] = []

    def checkpoint(step: str) -> None:
        if kill_at is not None and len(steps) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        steps.append(step)

    store.checkpoint = checkpoint
    embedder = HashingEmbedder()
    ingest([corpus], store, lambda: embedder)
    return steps


def snapshot(data: Path, batch: int | None) -> dict[str, object]:
    """Everything a reader can see of the store, in a comparable form (generation ids left out: they are random)."""
    store = open_store(data, batch)
    paragraphs = store.paragraphs()
    embedder = HashingEmbedder()
    retriever = Retriever(store, lambda: embedder, data / "bm25")
    keyword = retriever.keyword
    return {
        "documents": [(d.id, d.title, d.content_hash, d.paragraphs) for d in store.documents()],
        "paragraphs": [(p.id, p.text, p.start, p.end, p.heading) for p in paragraphs],
        "excerpts": [(e.paragraph_id, e.start, e.text) for e, _ in store.excerpts([p.id for p in paragraphs])],
        "rows": (store.paragraph_collection.count(), store._excerpts.count(), store._documents.count()),
        "keyword": sorted(pid for pid in keyword.ids if pid),
        "keyword_hits": [[pid for pid, _ in keyword.search(q, 5)] for q in QUESTIONS],
        # The passage each question's answer comes from. The rest of the top 5 is not compared: for the
        # large document it is a tie among thousands of alike paragraphs that approximate kNN orders
        # differently whenever rows went in in another order (the control row shows it). The questions
        # about the small files are asked of those files only: no large-report paragraph shares a word
        # with them, and on that plateau of equal distances HNSW's greedy walk reaches an arbitrary
        # large paragraph from run to run (measured: in one run, 8 of 22 kill points differed only there,
        # every row, paragraph, excerpt and keyword posting equal). A filter that narrow is searched exactly.
        "ask": [
            [p.paragraph.id for p in retriever.retrieve(q, 5, doc_ids=SMALL if q != QUESTIONS[-1] else None)][:1]
            for q in QUESTIONS
        ],
    }


def whole_after_kill(data: Path, batch: int | None) -> bool:
    """Just after a kill, before any re-run: every listed document has exactly its listed paragraphs."""
    store = open_store(data, batch)
    return all(len(store.paragraphs(d.id)) == d.paragraphs for d in store.documents())


# The large document is written in the ingest's first write (with change.md): that write's steps.
LARGE_WRITE = {f"{step} #{n}" for step in ("excerpts", "paragraphs") for n in (1, 2)} | {
    f"{step} #1" for step in ("text", "begin", "switch", "revision", "sweep", "settle")
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="only the batch-of-3 table (every step of the edit)")
    parser.add_argument("--large", action="store_true", help="only the large document's write at Chroma's batch")
    parser.add_argument("--child", nargs=4, metavar=("DATA", "CORPUS", "BATCH", "KILL_AT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        data, corpus, batch, kill_at = args.child
        run_ingest(Path(data), Path(corpus), int(batch) or None, int(kill_at))
        sys.exit(0)
    work = Path(tempfile.mkdtemp(prefix="briefing-kill-"))
    tables = []
    if not args.large:
        tables.append(("every write step, Chroma batch of 3 rows, large document of 9 paragraphs", 3, 9, None))
    if not args.small:
        only = LARGE_WRITE if args.large else None
        title = "write steps, Chroma's own batch (5,461 rows), large document of 6,000 paragraphs"
        tables.append((title, 0, 6000, only))
    ok = True
    for n, (title, batch, large, only) in enumerate(tables):
        print(f"\n{title}")
        print(
            f"{'kill before step':<18} {'killed':>6} {'whole after kill':>16} {'equal after re-run':>18}"
            f" {'re-run s':>8}",
            flush=True,
        )
        rows = check_every_kill_point(work / str(n), batch or None, large, only, on_row=print_row)
        print(f"{sum(r['equal'] for r in rows)}/{len(rows)} kill points reach the uninterrupted store")
        ok = ok and all(r["equal"] and r["killed"] and r["whole"] for r in rows)
        shutil.rmtree(work / str(n), ignore_errors=True)
    sys.exit(0 if ok else 1)


def print_row(row: dict) -> None:
    print(
        f"{row['step']:<18} {'yes' if row['killed'] else 'NO':>6} {'yes' if row['whole'] else 'NO':>16}"
        f" {'yes' if row['equal'] else 'NO ' + ','.join(row['differs']):>18} {row['seconds']:>8.1f}",
        flush=True,
    )


def check_every_kill_point(
    work: Path,
    batch: int | None,
    large: int,
    only: set[str] | None = None,
    on_row: Callable[[dict], None] | None = None,
) -> list[dict]:
    """The table's rows: for each write step of the edit's ingest (or those in only), kill there, re-run, compare."""
    corpus, template, reference = work / "corpus", work / "template", work / "reference"
    write_corpus(corpus, "a", large)
    run_ingest(template, corpus, batch)
    write_corpus(corpus, "b", large)  # the same folder, edited: its documents keep their ids and root
    shutil.copytree(template, reference)
    steps = run_ingest(reference, corpus, batch)
    expected = snapshot(reference, batch)
    # The control: a second uninterrupted run. What differs here is no crash's doing (approximate kNN
    # over near-identical vectors can order ties differently when rows went in in another order).
    control = work / "control"
    shutil.copytree(template, control)
    run_ingest(control, corpus, batch)
    unstable = [key for key, value in snapshot(control, batch).items() if value != expected[key]]
    print(f"control, a second uninterrupted run: {'equal' if not unstable else 'differs in ' + ','.join(unstable)}")
    shutil.rmtree(control, ignore_errors=True)
    seen: dict[str, int] = {}
    rows = []
    for kill_at, step in enumerate(steps):
        seen[step] = seen.get(step, 0) + 1
        if only is not None and f"{step} #{seen[step]}" not in only:
            continue
        data = work / f"kill-{kill_at}"
        shutil.copytree(template, data)
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(data), str(corpus), str(batch or 0), str(kill_at)],
            capture_output=True,
            text=True,
        )
        whole = whole_after_kill(data, batch)
        began = time.perf_counter()
        run_ingest(data, corpus, batch)
        seconds = time.perf_counter() - began
        got = snapshot(data, batch)
        differs = [key for key in expected if got[key] != expected[key]]
        rows.append(
            {
                "step": f"{step} #{seen[step]}",
                "killed": child.returncode == -signal.SIGKILL,
                "whole": whole,
                "equal": not differs,
                "differs": differs,
                "seconds": seconds,
            }
        )
        shutil.rmtree(data, ignore_errors=True)
        if on_row:
            on_row(rows[-1])
    return rows


if __name__ == "__main__":
    main()
