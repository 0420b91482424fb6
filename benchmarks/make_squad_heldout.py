"""Regenerates evals/squad-heldout/ (corpus files and questions.jsonl) from ../shared/data/squad2."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.squad import HELD_OUT, REPO, articles, cases

SUITE = REPO / "evals" / "squad-heldout"


def main() -> None:
    chosen = [a for a in articles() if a.title in HELD_OUT]
    corpus = SUITE / "corpus"
    shutil.rmtree(corpus, ignore_errors=True)
    corpus.mkdir(parents=True)
    rows = []
    for article in chosen:
        (corpus / article.file_name).write_text(article.text(), encoding="utf-8")
        rows.extend(cases(article))
    with (SUITE / "questions.jsonl").open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    unanswerable = sum(not r["answerable"] for r in rows)
    print(f"{len(chosen)} articles, {len(rows)} questions ({unanswerable} unanswerable) -> {SUITE}")


if __name__ == "__main__":
    main()
