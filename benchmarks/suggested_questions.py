"""Prints the suggested questions of each folder given (a notebook each) and checks every one is answered
with a citation; the opening list and the follow-ups under its first answer. A report, not a test.

Usage: python benchmarks/suggested_questions.py seeds ../shared/data/bbc-cluster-folder ...
(a BBC cluster: copy the articles of one story, e.g. `grep -l Kilroy ../shared/data/bbc/politics/*`,
into a temporary folder outside the repository).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    from assistant.library import Library
    from assistant.settings import Settings

    failures = 0
    for folder in (Path(a) for a in sys.argv[1:]):
        data = Path(tempfile.mkdtemp(prefix="briefing-suggest-"))
        library = Library(Settings(_env_file=None, data_dir=data, collection="suggest"))  # type: ignore[call-arg]
        report = library.index([folder])
        print(f"\n## {folder} ({len(report.added)} documents, {report.paragraphs} paragraphs)")
        began = time.perf_counter()
        opening = library.suggestions()
        print(f"opening ({time.perf_counter() - began:.1f} s):")
        for question in opening:
            failures += show(library, question)
        if opening:
            first = library.ask(opening[0])
            follow = library.follow_ups(first, [opening[0]])
            print(f"under the answer to {opening[0]!r}:")
            for question in follow:
                failures += show(library, question)
    print(f"\n{failures} suggested questions not answered with a citation")
    sys.exit(1 if failures else 0)


def show(library, question: str) -> int:  # type: ignore[no-untyped-def]
    answer = library.ask(question)
    ok = not answer.abstained and bool(answer.citations)
    cited = ", ".join(c.paragraph.id for c in answer.citations)
    print(f"- {question} -> {'answered' if ok else 'NOT ANSWERED'} [{cited}]: {answer.text[:110]}")
    return 0 if ok else 1


if __name__ == "__main__":
    main()
