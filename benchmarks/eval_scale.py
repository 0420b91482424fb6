"""Times the eval runner on a synthetic corpus of ~650 paragraphs in ~40 files with 400 fact questions.

Run: .venv/bin/python benchmarks/eval_scale.py [--files 41] [--paragraphs 16] [--questions 400] [--keep DIR]
It writes the corpus and question file to a temporary folder (or --keep), indexes it into its own
collection in a temporary data folder, asks every question through the real Library, and prints
indexing seconds, questions per second and answer latency p50/p95. Not a test: numbers depend on
the machine and on what else is running. On a shared 2-core machine, compare with
OPENBLAS_NUM_THREADS=1: a multi-threaded BLAS contending for busy cores made one question's
embedding about 9x slower here (0.6 s against 0.07 s).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from assistant.settings import Settings
from evals.report import summary_lines
from evals.run import progress_bar, run_eval

SYLLABLES = ("bar", "wen", "dal", "mor", "fen", "ast", "ril", "cob", "har", "lin", "tor", "vel", "sum", "pen")
FIRST = ("Ada", "Bruno", "Celia", "Dmitri", "Elena", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kaia", "Luca")
LAST = ("Abara", "Brandt", "Castell", "Dunmore", "Eklund", "Falk", "Grieve", "Holm", "Ivers", "Jansen", "Kovac")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")
FACILITIES = ("library", "swimming pool", "bus depot", "sports hall", "museum", "fire station", "health centre")
FILLER = [
    "Residents had asked for the change for several years.",
    "The decision followed a public consultation that drew written comments from local groups.",
    "Officials said the plan would be reviewed again after the first full year.",
    "Opposition members questioned whether the estimates were realistic.",
    "A report on the outcome is due before the next budget cycle.",
    "Local newspapers covered the debate in detail.",
    "The council's finance committee endorsed the proposal without amendment.",
    "Several speakers raised concerns about maintenance costs in later years.",
]


@dataclass(frozen=True)
class Fact:
    """One generated paragraph's key sentence and the question it answers."""

    sentence: str
    question: str
    answer: str
    kind: str  # year, amount or person: the per-tag breakdown of the report


def town_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.sample(SYLLABLES, 2)).capitalize() + rng.choice(["ton", "by", "ford", "wick", "stead"])
        if name not in used:
            used.add(name)
            return name


def person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def facts_for(town: str, rng: random.Random, count: int) -> list[Fact]:
    """Distinct facts about one town: each template fills in a different subject, so no two answers collide."""
    facts: list[Fact] = []
    facilities = rng.sample(FACILITIES, k=6)
    for facility in facilities:
        year = rng.randint(1890, 2015)
        facts.append(
            Fact(
                f"The {town} {facility} opened in {year} after a campaign by local residents.",
                f"In what year did the {town} {facility} open?",
                str(year),
                "year",
            )
        )
    for service in ("road repair", "street lighting", "school meals", "flood defence", "public transport"):
        amount = f"{rng.randint(2, 90)}.{rng.randint(1, 9)} million euros"
        month = rng.choice(MONTHS)
        facts.append(
            Fact(
                f"In {month}, the {town} council set aside {amount} for {service} over the coming year.",
                f"How much did the {town} council set aside for {service}?",
                amount,
                "amount",
            )
        )
    for role in ("harbour master", "chief librarian", "head of planning", "town archivist", "parks director"):
        name = person(rng)
        facts.append(
            Fact(
                f"{name} was appointed {role} of {town} in {rng.choice(MONTHS)} {rng.randint(2001, 2024)}.",
                f"Who was appointed {role} of {town}?",
                name,
                "person",
            )
        )
    rng.shuffle(facts)
    return facts[:count]


def paragraph(fact: Fact, rng: random.Random) -> str:
    before, after = rng.sample(FILLER, 2)
    return f"{before} {fact.sentence} {after}" if rng.random() < 0.5 else f"{fact.sentence} {before} {after}"


def write_corpus(folder: Path, files: int, per_file: int, questions: int, seed: int) -> tuple[Path, Path, int]:
    """The corpus folder and question file; unanswerable questions ask what no file says."""
    rng = random.Random(seed)
    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    cases: list[dict[str, object]] = []
    towns: list[str] = []
    paragraphs = 0
    for number in range(files):
        town = town_name(rng, used)
        towns.append(town)
        facts = facts_for(town, rng, per_file)
        body = [f"# Council notes: {town}", ""] + [paragraph(fact, rng) + "\n" for fact in facts]
        (corpus / f"{number:02d}-{town.lower()}.md").write_text("\n".join(body), encoding="utf-8")
        paragraphs += len(facts)
        cases += [
            {
                "id": f"{town.lower()}-{index}",
                "question": fact.question,
                "answers": [fact.answer],
                "evidence": [fact.sentence],
                "answerable": True,
                "tags": ["synthetic", fact.kind],
            }
            for index, fact in enumerate(facts)
        ]
    unanswerable_count = max(questions // 10, 1)
    answerable = rng.sample(cases, k=min(questions - unanswerable_count, len(cases)))
    missing = [
        "What is the population of {town}?",
        "Who is the mayor of {town}?",
        "How many hospital beds does {town} have?",
        "When was the {town} railway station closed?",
    ]
    unanswerable = [
        {
            "id": f"missing-{index}",
            "question": missing[index % len(missing)].format(town=towns[index % len(towns)]),
            "answers": [],
            "evidence": [],
            "answerable": False,
            "tags": ["synthetic", "unanswerable"],
        }
        for index in range(unanswerable_count)
    ]
    question_file = folder / "questions.jsonl"
    question_file.write_text("".join(json.dumps(case) + "\n" for case in answerable + unanswerable))
    return corpus, question_file, paragraphs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--files", type=int, default=41)
    parser.add_argument("--paragraphs", type=int, default=16, help="paragraphs per file")
    parser.add_argument("--questions", type=int, default=400)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write corpus, questions and data here instead of a temp folder")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="eval-scale-") as scratch:
        folder = options.keep or Path(scratch)
        corpus, questions, paragraphs = write_corpus(
            folder, options.files, options.paragraphs, options.questions, options.seed
        )
        settings = Settings(_env_file=None, data_dir=folder / "data", corpus_dir=corpus)  # type: ignore[call-arg]
        began, cpu = time.perf_counter(), time.process_time()
        with progress_bar(Console(stderr=True)) as progress:
            run = run_eval(settings, questions, corpus, k=options.k, progress=progress)
        total, cpu = time.perf_counter() - began, time.process_time() - cpu
    info, metrics = run.info, run.metrics
    print(f"corpus: {info.documents} files, {info.paragraphs} paragraphs (generated {paragraphs})")
    print(f"questions: {len(run.outcomes)} ({sum(o.answerable for o in run.outcomes)} answerable), k={options.k}")
    print(f"indexing: {info.index_seconds:.1f} s ({info.paragraphs / max(info.index_seconds, 1e-9):.1f} paragraphs/s)")
    print(f"questions: {info.run_seconds:.1f} s ({len(run.outcomes) / max(info.run_seconds, 1e-9):.2f} questions/s)")
    print(f"answer latency: p50 {metrics['latency_p50_ms']:.0f} ms, p95 {metrics['latency_p95_ms']:.0f} ms")
    # CPU seconds next to wall seconds show how much of the wall time went to waiting for a shared machine.
    print(f"total: {total:.1f} s wall, {cpu:.1f} s CPU of this process")
    print()
    print("\n".join(summary_lines(metrics)))


if __name__ == "__main__":
    main()
