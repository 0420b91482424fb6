"""The rules answerer against the learned one, side by side, on corpora nothing was fitted on.

    .venv/bin/python benchmarks/answerers.py [--suites seeds,squad-heldout,bbc] [--curve]

Each corpus is indexed once into a temporary store; the same questions are asked of it by the rules answerer
(BRIEFING_ANSWERER=rules, cut-offs calibrated on the seeds) and the learned one (assistant/answer_model.json,
fitted by training/answerer/train.py on SQuAD training articles). Corpora: the seeds with
evals/questions.jsonl, the held-out SQuAD articles of evals/squad-heldout, and the BBC cluster of
benchmarks/bbc_benchmark.py with benchmarks/bbc_questions.jsonl (read from ../shared, never copied into the repo).
With --curve, the learned answerer's whole abstention curve on each corpus: every question answered once at
threshold 0 with its probability recorded, then containment, false abstention and unanswerable abstained
at each threshold. A benchmark: nothing is tuned on what it prints.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from benchmarks.bbc_benchmark import ARTICLES, QUESTIONS, copy_articles  # noqa: E402
from evals.cases import load_cases  # noqa: E402
from evals.metrics import compute_metrics, contains_any, strip_markers  # noqa: E402
from evals.run import evaluate  # noqa: E402

SHOWN = ("answer_containment", "false_abstention_rate", "abstention_accuracy", "citation_precision", "latency_p50_ms")


def corpora(names: list[str], scratch: Path) -> list[tuple[str, Path, Path]]:
    """(name, corpus folder, question file) for each asked-for corpus."""
    out = []
    for name in names:
        if name == "seeds":
            out.append((name, REPO / "seeds", REPO / "evals" / "questions.jsonl"))
        elif name == "squad-heldout":
            folder = REPO / "evals" / "squad-heldout"
            out.append((name, folder / "corpus", folder / "questions.jsonl"))
        elif name == "bbc":
            folder = scratch / "bbc-corpus"
            folder.mkdir(exist_ok=True)
            copy_articles(list(ARTICLES), folder)
            out.append((name, folder, QUESTIONS))
        else:
            raise SystemExit(f"unknown corpus {name!r}: use seeds, squad-heldout or bbc")
    return out


def curve(library: Library, cases: list) -> None:  # type: ignore[type-arg]
    answered = []
    for case in cases:
        answer = library.ask(case.question, 5, mode="extractive")
        holds = contains_any(strip_markers(answer.text), case.answers) if case.answerable else False
        answered.append((case.answerable, answer.confidence or 0.0, holds))
    answerable = [a for a in answered if a[0]]
    unanswerable = [a for a in answered if not a[0]]
    print("    threshold  containment  false-abst  unans-abst")
    for step in range(0, 19):
        t = step * 0.05
        contain = sum(p >= t and holds for _, p, holds in answerable) / max(1, len(answerable))
        false = sum(p < t for _, p, _ in answerable) / max(1, len(answerable))
        unans = sum(p < t for _, p, _ in unanswerable) / len(unanswerable) if unanswerable else float("nan")
        print(f"    {t:9.2f}  {contain:11.3f}  {false:10.3f}  {unans:10.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--suites", default="seeds,squad-heldout,bbc")
    parser.add_argument("--curve", action="store_true", help="the learned answerer's abstention curve too")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="answerers-") as scratch_name:
        scratch = Path(scratch_name)
        print(f"{'corpus':14s} {'answerer':8s} " + " ".join(f"{k[:18]:>18s}" for k in SHOWN))
        for name, folder, questions in corpora(options.suites.split(","), scratch):
            cases = load_cases(questions)
            base = Settings(_env_file=None, data_dir=scratch / name, corpus_dir=folder)  # type: ignore[call-arg]
            rules = Library(base.model_copy(update={"answerer": "rules"}), "bench")
            rules.index([folder], root=folder)
            for answerer, library in (("rules", rules), ("learned", _sharing(rules, answerer="learned"))):
                outcomes, *_ = evaluate(library, cases, 5, "extractive")
                m = compute_metrics(outcomes)
                cells = " ".join(f"{m[k]:18.3f}" if m[k] is not None else f"{'-':>18s}" for k in SHOWN)
                print(f"{name:14s} {answerer:8s} {cells}", flush=True)
            if options.curve:
                print(f"  {name}: the learned answerer's curve ({len(cases)} questions)")
                curve(_sharing(rules, answerer="learned", answer_min_probability=0.0), cases)


def _sharing(library: Library, **update: object) -> Library:
    """Another Library on the same store and model, with other settings."""
    return Library(library.settings.model_copy(update=update), "bench", embedder=library.embedder())


if __name__ == "__main__":
    main()
