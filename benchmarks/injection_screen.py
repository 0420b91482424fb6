"""How many ordinary excerpts the extractive answer's injection screen holds back (false positives).

Every quotable excerpt (index/chunk.py's quote_spans) of the seeds, of the held-out SQuAD eval
corpus and of BBC articles the classifier was not fitted on (even-numbered files;
training/injection/train.py fits on odd ones) goes through the screen the extractive answerer
uses (assistant/injection.py); prints the counts and each excerpt held back.

    python benchmarks/injection_screen.py [--articles 200]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from assistant.injection import ScreenedExcerpts
from index.chunk import chunk_document, quote_spans
from index.load import load_paths
from index.records import Excerpt

REPO = Path(__file__).resolve().parent.parent
SHARED = next(p for p in (REPO.parent.parent / "shared" / "data", Path("/work/shared/data")) if p.exists())


def screened(paths: list[Path]) -> tuple[int, list[Excerpt]]:
    """(excerpts in all, those held back) over every quotable span of the files, screened as the answerer does."""
    paragraphs = [p for document in load_paths(paths).documents for p in chunk_document(document)]
    stored = {
        p.id: [(Excerpt(p.id, p.doc_id, p.text[s:e], s, e), np.zeros(1)) for s, e in quote_spans(p.text)]
        for p in paragraphs
    }
    screen = ScreenedExcerpts(lambda ids: [item for i in ids for item in stored[i]], {p.id: p.text for p in paragraphs})
    screen(list(stored))
    return sum(map(len, stored.values())), screen.held_back


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200, help="held-out BBC articles, half from each section")
    args = parser.parse_args()
    even = {
        section: [f for f in sorted((SHARED / "bbc" / section).glob("*.txt")) if int(f.stem) % 2 == 0]
        for section in ("politics", "tech")
    }
    runs = [("seeds", [REPO / "seeds"]), ("SQuAD held-out eval corpus", [REPO / "evals" / "squad-heldout" / "corpus"])]
    # one run per section: the two sections reuse file names (001.txt ...), so their ids would collide
    runs += [(f"BBC {section}", files[: args.articles // 2]) for section, files in even.items()]
    for name, paths in runs:
        began = time.perf_counter()
        total, held = screened(paths)
        spent = time.perf_counter() - began
        print(f"{name}: {len(held)} of {total} excerpts held back ({spent:.1f} s)")
        for excerpt in held:
            print(f"  {excerpt.paragraph_id}: {excerpt.text}")


if __name__ == "__main__":
    main()
