"""Which excerpts need vectors of their own: encoder work against recall@5 on both committed eval corpora.

Run: .venv/bin/python benchmarks/excerpt_vectors.py [--thresholds 0 48 64 96 inf no-list] [--suite ...]
Suites: seeds, squad-heldout, eval-scale, bbc (six Kilroy articles, 27 written questions), bbc-drafted
(100 BBC tech articles in no brief cluster, ~500 questions drafted from their sentences by evals/draft.py;
drafted questions echo their sentence's words, so they test sentence-level matching hardest).
For each corpus (evals/suites.toml's seeds and squad-heldout, and the synthetic eval-scale corpus of
benchmarks/eval_scale.py, which no threshold was chosen on) and each option, index into a fresh store
with the real default encoder and run the eval (evals/run.py, extractive answerer):
  T = 0      every excerpt embedded (the layout before this benchmark);
  T = n      excerpts of paragraphs under n word pieces share their paragraph's vector
             (BRIEFING_EXCERPT_MIN_TOKENS), the rest are embedded;
  T = inf    no excerpt embedded: every excerpt carries its paragraph's vector;
  no-list    T = inf, and retrieval leaves out the excerpt kNN list (what embedding excerpts only at
             question time, for the top passages, would leave retrieval with).
Prints texts and word pieces embedded, indexing CPU seconds, recall@5, MRR@10 and answer accuracy,
and the load average. Also times embedding the excerpts of 5 passages, what question-time excerpt
vectors would add to every ask. Not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tomllib
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from evals.run import run_eval  # noqa: E402
from index.chunk import quote_spans  # noqa: E402
from index.embed import Embedder  # noqa: E402
from index.store import ParagraphStore  # noqa: E402

INF = 10**9


def suite_paths(name: str, scratch: Path) -> tuple[Path, Path]:
    if name == "bbc":  # six BBC articles and their questions (benchmarks/bbc_benchmark.py), not developed on
        import shutil

        sys.path.insert(0, str(REPO / "benchmarks"))
        from bbc_benchmark import ARTICLES
        from squad import SHARED

        corpus = scratch / "bbc"
        corpus.mkdir()
        for article in ARTICLES:
            shutil.copy(SHARED / "data" / "bbc" / article, corpus / article.replace("/", "-"))
        return corpus, REPO / "benchmarks" / "bbc_questions.jsonl"
    if name == "bbc-drafted":  # 100 BBC tech articles in no cluster, questions drafted from their sentences
        import shutil

        from evals.draft import corpus_sentences, draft_cases, write_drafts
        from index.entities import Tagger

        sys.path.insert(0, str(REPO / "benchmarks"))
        from brief_bbc import CLUSTERS
        from squad import SHARED

        used = {f for cluster in CLUSTERS for f in cluster.files}
        articles = [f"tech/{p.name}" for p in sorted((SHARED / "data" / "bbc" / "tech").glob("*.txt"))]
        articles = [a for a in articles if a not in used][::4][:100]
        corpus = scratch / "bbc-drafted"
        corpus.mkdir()
        for article in articles:
            shutil.copy(SHARED / "data" / "bbc" / article, corpus / article.replace("/", "-"))
        questions = scratch / "bbc-drafted.jsonl"
        write_drafts(questions, draft_cases(corpus_sentences(corpus, Tagger()), 500))
        return corpus, questions
    if name == "eval-scale":  # synthetic, not developed on: 41 files x 16 short paragraphs (benchmarks/eval_scale.py)
        sys.path.insert(0, str(REPO / "benchmarks"))
        from eval_scale import write_corpus

        corpus, questions, _ = write_corpus(scratch / "eval-scale", 41, 16, 400, 7)
        return corpus, questions
    suites = tomllib.loads((REPO / "evals" / "suites.toml").read_text())["suites"]
    suite = suites[name]
    corpus = (REPO / "evals" / suite["corpus"]).resolve()
    questions = (REPO / "evals" / suite.get("questions", "questions.jsonl")).resolve()
    return corpus, questions


class Counting:
    """Wraps the embedder's embed to count the texts and word pieces it is given."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder, self.texts, self.pieces = embedder, 0, 0
        self.inner = embedder.embed
        embedder.embed = self.embed  # type: ignore[method-assign]

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        self.pieces += sum(self.embedder.count_tokens(t) for t in texts)
        return self.inner(texts)


def run_option(
    corpus: Path, questions: Path, threshold: int, listed: bool, embedder: Embedder, counter: Counting, scratch: Path
) -> tuple[int, int, float, dict[str, float | None]]:
    original = ParagraphStore.nearest_excerpts
    if not listed:
        ParagraphStore.nearest_excerpts = lambda self, *a, **k: []  # type: ignore[method-assign,assignment]
    try:
        data = Path(tempfile.mkdtemp(dir=scratch))
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            data_dir=data,
            corpus_dir=corpus,
            encoder_cache=scratch / "models",
            excerpt_min_tokens=threshold,
        )
        library = Library(settings, "excerpts-bench")
        library._embedder = embedder  # type: ignore[misc]  # one loaded model for every option
        counter.texts = counter.pieces = 0
        began = time.process_time()
        library.index([corpus], root=corpus)
        cpu = time.process_time() - began
        texts, pieces = counter.texts, counter.pieces
        # Drafted questions (bbc-drafted) are scored as drafted: nobody reviewed them, and nothing is tuned on them.
        run = run_eval(settings, questions, corpus, library=library, allow_drafts=True)
        return texts, pieces, cpu, run.metrics
    finally:
        ParagraphStore.nearest_excerpts = original  # type: ignore[method-assign]


def question_time_cost(corpus: Path, embedder: Embedder) -> float:
    """Median ms to embed the excerpts of 5 consecutive paragraphs (what one ask would embed)."""
    from index.chunk import chunk_document
    from index.load import load_paths

    paragraphs = [p for d in load_paths([corpus], corpus).documents for p in chunk_document(d, embedder.count_tokens)]
    times = []
    for begin in range(0, min(len(paragraphs), 100), 5):
        texts = [p.text[a:b] for p in paragraphs[begin : begin + 5] for a, b in quote_spans(p.text)]
        clock = time.perf_counter()
        embedder.embed(texts)
        times.append((time.perf_counter() - clock) * 1000)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--suite", nargs="+", default=["seeds", "squad-heldout"])
    parser.add_argument("--thresholds", nargs="+", default=["0", "48", "64", "96", "inf", "no-list"])
    options = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-excerpts-") as scratch_name:
        scratch = Path(scratch_name)
        embedder = Embedder(cache_dir=scratch / "models")
        counter = Counting(embedder)
        for suite in options.suite:
            corpus, questions = suite_paths(suite, scratch)
            for option in options.thresholds:
                threshold = INF if option in ("inf", "no-list") else int(option)
                texts, pieces, cpu, metrics = run_option(
                    corpus, questions, threshold, option != "no-list", embedder, counter, scratch
                )
                rows.append((suite, option, texts, pieces, cpu, metrics))
                print(
                    f"{suite:14} T={option:8} texts {texts:5} pieces {pieces:6} index CPU {cpu:5.1f} s "
                    f"recall@5 {metrics['recall_at_5']:.3f} mrr@10 {metrics['mrr_at_10']:.3f} "
                    f"accuracy {metrics['accuracy_all']:.3f}  (load {os.getloadavg()[0]:.2f})",
                    flush=True,
                )
            print(
                f"{suite}: embedding 5 passages' excerpts at question time: "
                f"{question_time_cost(corpus, embedder):.0f} ms median per ask",
                flush=True,
            )
    print(f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
