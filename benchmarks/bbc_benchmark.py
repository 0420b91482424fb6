"""Scores the answerer on benchmarks/bbc_questions.jsonl over a cluster of BBC articles (Kilroy-Silk and Veritas).

    python benchmarks/bbc_benchmark.py [--distractors N]

With --distractors N the first N other BBC articles (politics and tech, in name order) are indexed beside
the cluster: the same questions over a store of a user's size, where retrieval has more to get wrong.

The articles stay in ../shared/data/bbc (copyright: the BBC); they are copied to a temporary folder,
indexed into a store of its own, and every case is printed with what failed. A benchmark, not a CI gate:
the questions were written from the articles before the answerer was run on them, and nothing is tuned on them.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.settings import Settings
from benchmarks.squad import REPO, SHARED
from evals.run import run_and_report

# One story told across six articles: Kilroy-Silk leaves UKIP, launches Veritas, picks a seat, sets out policy.
ARTICLES = (
    "politics/111.txt",
    "politics/237.txt",
    "politics/281.txt",
    "politics/288.txt",
    "politics/325.txt",
    "politics/333.txt",
)
QUESTIONS = REPO / "benchmarks" / "bbc_questions.jsonl"


def copy_articles(names: list[str], corpus: Path) -> None:
    """Copy BBC articles ("politics/111.txt") from ../shared into the corpus folder, one flat file each."""
    for name in names:
        shutil.copy(SHARED / "data" / "bbc" / name, corpus / name.replace("/", "-"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--distractors", type=int, default=0, help="other BBC articles indexed beside the cluster")
    options = parser.parse_args()
    source = SHARED / "data" / "bbc"
    work = Path(tempfile.mkdtemp(prefix="briefing-bbc-"))
    corpus = work / "bbc-kilroy"
    corpus.mkdir()
    others = sorted(
        str(path.relative_to(source))
        for path in source.glob("*/*.txt")
        if str(path.relative_to(source)) not in ARTICLES
    )
    copy_articles([*ARTICLES, *others[: options.distractors]], corpus)
    settings = Settings(_env_file=None, data_dir=work / "store")  # type: ignore[call-arg]
    session = run_and_report(settings, QUESTIONS, corpus, json_path=work / "bbc.json", markdown_path=work / "bbc.md")
    m = session.run.metrics
    outcomes = session.run.outcomes
    unanswerable = [o for o in outcomes if not o.answerable]
    print(
        f"{len(outcomes)} questions: containment {m['answer_containment']:.2f}, false abstention"
        f" {m['false_abstention_rate']:.2f}, citation precision {m['citation_precision']:.2f},"
        f" unanswerable abstained {sum(o.abstained for o in unanswerable)} of {len(unanswerable)},"
        f" recall@5 {m['recall_at_5']:.3f}; {len(ARTICLES)} articles + {min(options.distractors, len(others))} others"
    )
    from evals.metrics import failed_checks

    for outcome in outcomes:
        failed = failed_checks(outcome)
        if failed:
            print(f"- {outcome.id} ({', '.join(failed)}): {outcome.question}\n    -> {outcome.answer[:240]}")
    print(f"report: {session.markdown_path}")
    shutil.rmtree(work / "store", ignore_errors=True)


if __name__ == "__main__":
    main()
