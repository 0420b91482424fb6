"""Short answers on SQuAD: how often an answered who/which/when/how-much question gets one, and how often it is right.

Run: .venv/bin/python benchmarks/short_answer.py [--split training|heldout|both] [--per-article 80]
training: the SQuAD 2.0 training articles of ../shared/data/squad2 minus the two the CI gate scores
(benchmarks/squad.py HELD_OUT), a sample of each article's answerable questions: what the rules of
assistant/short_answer.py were developed on. heldout: evals/squad-heldout (those two articles, every
question), never looked at while developing. Each question is asked as `briefing ask` would
(Library.ask, extractive); per kind of question (its question word) it prints the questions answered,
those given a short answer, and those whose short answer holds one of SQuAD's gold answers (as
`briefing eval` matches them, evals/metrics.py contains_any: case, punctuation and articles ignored); and,
of those whose quote holds a gold answer, the share the span picked holds it too (what the span rules
decide, apart from the answerer's choice of sentence); with --show N
the wrong spans inside right quotes. Not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks.squad import HELD_OUT, articles, cases  # noqa: E402
from evals.cases import EvalCase, load_cases  # noqa: E402
from evals.metrics import contains_any  # noqa: E402

# The kinds the issue names (who, which, when, how much) and the rest of the span-asking ones.
_KIND = re.compile(r"\b(how much|how many|who|whom|whose|which|when|where|what)\b", re.I)
ISSUE_KINDS = ("who", "which", "when", "how much")


def kind_of(question: str) -> str | None:
    match = _KIND.search(question)
    if match is None:
        return None
    word = match.group(1).lower()
    return "who" if word in ("whom", "whose") else word


def training_cases(per_article: int, seed: int) -> tuple[Path, list[EvalCase]]:
    folder = Path(tempfile.mkdtemp(prefix="short-answer-corpus-"))
    rng = random.Random(seed)
    picked: list[EvalCase] = []
    for article in articles():
        if article.title in HELD_OUT:
            continue
        (folder / article.file_name).write_text(article.text(), encoding="utf-8")
        rows = [row for row in cases(article) if row["answerable"] and kind_of(row["question"])]
        rng.shuffle(rows)
        picked.extend(EvalCase(**row) for row in rows[:per_article])
    return folder, picked


def measure(name: str, corpus: Path, questions: list[EvalCase], show: int) -> None:
    data = Path(tempfile.mkdtemp(prefix=f"short-answer-{name}-"))
    library = Library(Settings(_env_file=None, data_dir=data, corpus_dir=corpus), name)  # type: ignore[call-arg]
    library.index([corpus], root=corpus)
    asked: Counter[str] = Counter()
    answered: Counter[str] = Counter()
    given: Counter[str] = Counter()
    right: Counter[str] = Counter()
    quoted: Counter[str] = Counter()  # given a short answer, and the quote it lies in holds a gold answer
    quoted_right: Counter[str] = Counter()
    wrong: list[tuple[str, str, str]] = []
    for case in questions:
        kind = kind_of(case.question)
        if kind is None or not case.answerable:
            continue
        asked[kind] += 1
        answer = library.ask(case.question, 5, mode="extractive")
        if answer.abstained:
            continue
        answered[kind] += 1
        if answer.short_answer is None:
            continue
        given[kind] += 1
        good = contains_any(answer.short_answer.text, case.answers)
        right[kind] += good
        if contains_any(answer.claims[answer.short_answer.claim].text, case.answers):
            quoted[kind] += 1
            quoted_right[kind] += good
            if not good:
                wrong.append((case.question, answer.short_answer.text, " | ".join(case.answers)))
    print(f"\n## {name}: {sum(asked.values())} answerable questions asking for a span, {len(questions)} sampled")
    print(f"{'kind':<10}{'asked':>7}{'answered':>10}{'short answer':>14}{'holds gold':>12}{'share given':>13}"
          f"{'share right':>13}{'quote right':>13}{'span right':>12}")  # fmt: skip
    for group, kinds in [*((k, (k,)) for k in sorted(asked)), ("issue's 4", ISSUE_KINDS)]:
        a = sum(asked[k] for k in kinds)
        n, g, r, q, qr = (sum(c[k] for k in kinds) for c in (answered, given, right, quoted, quoted_right))
        share_given = f"{g / n:.2f}" if n else "-"
        share_right = f"{r / g:.2f}" if g else "-"
        span_right = f"{qr / q:.2f}" if q else "-"
        print(f"{group:<10}{a:>7}{n:>10}{g:>14}{r:>12}{share_given:>13}{share_right:>13}{q:>13}{span_right:>12}")
    for question, short, gold in wrong[:show]:
        print(f"   - {question!r}: short {short!r}, gold {gold!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=("training", "heldout", "both"), default="both")
    parser.add_argument("--per-article", type=int, default=80, help="training questions sampled per article")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=0, help="wrong short answers printed per split")
    options = parser.parse_args()
    if options.split in ("training", "both"):
        corpus, questions = training_cases(options.per_article, options.seed)
        measure("training", corpus, questions, options.show)
    if options.split in ("heldout", "both"):
        suite = REPO / "evals" / "squad-heldout"
        measure("heldout", suite / "corpus", list(load_cases(suite / "questions.jsonl")), options.show)


if __name__ == "__main__":
    main()
