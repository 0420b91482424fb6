"""Ingest throughput: the encoder alone, `briefing index`, a plain llama-index pipeline and the old NumPy path.

Run: .venv/bin/python benchmarks/ingest.py [--corpus DIR --questions FILE] [--skip-numpy] [--threads 1]
     [--workers 2] [--excerpt-min-tokens 64]
Without --corpus it writes the 656-paragraph eval-scale corpus (benchmarks/eval_scale.py, 41 files x 16).
One process, the same corpus, one after another:
  (a) the encoder alone on the paragraphs `briefing index` embeds (heading-prefixed paragraph texts),
      with --workers batches side by side as every path here; also on one worker, for reference;
  (b) Library.index, what `briefing index` runs, end to end into a fresh store (and, separately, the
      `briefing index` command in a subprocess, start-up and imports included);
  (c) what a llama-index user would write: SimpleDirectoryReader -> SentenceSplitter(256, 32) ->
      VectorStoreIndex over ChromaVectorStore, with a BaseEmbedding over the same ONNX encoder;
  (d) today's path before issue 11: Library.index with the NumPy MiniLM (benchmarks/numpy_minilm.py),
      every excerpt embedded as it was then (today's batched writes, so (d) is if anything flattered);
  (e) with --before REV (default BEFORE_ISSUE_11, the commit the issue measured): that commit's own
      `briefing index` command, cold, from `git archive` into a scratch folder, in this venv; set
      --before none to leave it out.
Prints paragraphs/s for each, the ratios (also per word piece embedded: (b) embeds each paragraph and
then its sentences, (c) its 256-token chunks), recall@5 of (b) and (c) on the questions, and the load
average (the machine is shared: compare runs only at similar load). Not a test.
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI sets it
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

logging.getLogger("llama_index").setLevel(logging.ERROR)  # it warns about optional file readers
REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "benchmarks")]

import numpy as np  # noqa: E402

from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from evals.cases import load_cases  # noqa: E402
from evals.metrics import contains_any  # noqa: E402
from index.chunk import chunk_document, quote_spans  # noqa: E402
from index.embed import Embedder  # noqa: E402
from index.load import load_paths  # noqa: E402

BEFORE_ISSUE_11 = "03b49aa^"  # the parent of "Encoder on ONNX Runtime": the NumPy MiniLM, writes per document


class Clock:
    """Wall and CPU seconds (this process and its finished children) since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), self._cpu()

    @staticmethod
    def _cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, self._cpu() - self.cpu


def settings_for(
    data: Path, corpus: Path, encoder: str, threads: int, cache: Path, workers: int = 1, excerpt_min_tokens: int = 0
) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data,
        corpus_dir=corpus,
        collection="bench",
        encoder=encoder,
        encoder_threads=threads,
        encoder_workers=workers,
        encoder_cache=cache,
        excerpt_min_tokens=excerpt_min_tokens,
    )


def paragraph_texts(corpus: Path, embedder: Embedder, minimum: int) -> tuple[list[str], list[str], list[str]]:
    """The texts `briefing index` embeds: heading-prefixed paragraphs, all their excerpts, and the excerpts of
    paragraphs of at least `minimum` word pieces (the ones given vectors of their own)."""
    paragraphs, excerpts, own = [], [], []
    for document in load_paths([corpus], corpus).documents:
        for p in chunk_document(document, count_tokens=embedder.count_tokens):
            heading = p.heading.split(" > ")[-1]
            paragraphs.append(f"{heading}: {p.text}" if heading else p.text)
            spans = [p.text[start:end] for start, end in quote_spans(p.text)]
            excerpts += spans
            if embedder.count_tokens(p.text) >= minimum:
                own += spans
    return paragraphs, excerpts, own


def command_at(revision: str, scratch: Path) -> Path:
    """The repository's files at a git revision, unpacked into scratch (no worktree left behind)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", revision], check=True, capture_output=True).stdout
    target = scratch / "before"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def recall_at_5(hits: list[list[str]], evidence: list[list[str]]) -> float:
    return float(
        np.mean([any(contains_any(text, ev) for text in top[:5]) for top, ev in zip(hits, evidence, strict=True)])
    )


def llama_pipeline(
    corpus: Path, data: Path, embedder: Embedder, questions: list[str]
) -> tuple[tuple[float, float], int, int, list[list[str]]]:
    """(c): wall and CPU seconds to index, nodes written, word pieces embedded, the top-5 texts per question."""
    import chromadb
    from llama_index.core import SimpleDirectoryReader, StorageContext, VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.core.node_parser import SentenceSplitter
    from llama_index.core.schema import MetadataMode
    from llama_index.vector_stores.chroma import ChromaVectorStore

    class OnnxMiniLM(BaseEmbedding):
        """The same ONNX encoder `briefing index` uses, so only the pipeline differs."""

        def _get_query_embedding(self, query: str) -> list[float]:
            return embedder.embed([query])[0].tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return embedder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed(texts).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    model = OnnxMiniLM(model_name="all-MiniLM-L6-v2", embed_batch_size=64)
    clock = Clock()
    client = chromadb.PersistentClient(path=str(data), settings=chromadb.config.Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection("plain", configuration={"hnsw": {"space": "cosine"}})
    documents = SimpleDirectoryReader(str(corpus), recursive=True).load_data()
    nodes = SentenceSplitter(chunk_size=256, chunk_overlap=32).get_nodes_from_documents(documents)
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    index = VectorStoreIndex(nodes, storage_context=storage, embed_model=model)
    seconds = clock.read()
    pieces = sum(embedder.count_tokens(n.get_content(metadata_mode=MetadataMode.EMBED)) for n in nodes)
    retriever = index.as_retriever(similarity_top_k=5)
    return seconds, len(nodes), pieces, [[n.node.get_content() for n in retriever.retrieve(q)] for q in questions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, help="a folder to index instead of the eval-scale corpus")
    parser.add_argument("--questions", type=Path, help="its question file (JSONL), for recall@5")
    parser.add_argument(
        "--encoder", default=Settings.model_fields["encoder"].default, choices=["onnx-fp32", "onnx-int8"]
    )
    parser.add_argument("--threads", type=int, default=1, help="encoder intra-op threads")
    parser.add_argument(
        "--workers",
        type=int,
        default=Settings.model_fields["encoder_workers"].get_default(call_default_factory=True),
        help="encoder batches side by side (BRIEFING_ENCODER_WORKERS; default: the CPU cores, up to 4)",
    )
    parser.add_argument("--skip-numpy", action="store_true", help="leave out (d), the slow old path")
    parser.add_argument("--skip-llama", action="store_true", help="leave out (c)")
    parser.add_argument("--before", default=BEFORE_ISSUE_11, help="(e): a git revision to time, or none")
    parser.add_argument(
        "--excerpt-min-tokens",
        type=int,
        default=Settings.model_fields["excerpt_min_tokens"].default,
        help="(b): excerpts of shorter paragraphs carry the paragraph's vector (BRIEFING_EXCERPT_MIN_TOKENS)",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch_name:
        scratch = Path(scratch_name)
        if options.corpus:
            corpus, questions_file = options.corpus.resolve(), options.questions
        else:
            from eval_scale import write_corpus

            corpus, questions_file, _ = write_corpus(scratch / "eval-scale", 41, 16, 400, 7)
        cache = scratch / "models"
        # The export is built here, untimed. Every path below gets this encoder, workers included.
        embedder = Embedder(encoder=options.encoder, cache_dir=cache, threads=options.threads, workers=options.workers)
        cases = [c for c in load_cases(questions_file) if c.answerable] if questions_file else []
        questions, evidence = [c.question for c in cases], [list(c.evidence) for c in cases]
        load_before = os.getloadavg()
        rows: list[tuple[str, float, float, int]] = []
        pieces: dict[str, int] = {}  # word pieces each path embedded, [CLS] and [SEP] included

        texts, excerpts, own = paragraph_texts(corpus, embedder, options.excerpt_min_tokens)
        pieces["(a)"] = sum(embedder.count_tokens(t) for t in texts)
        # Each distinct text is embedded once (index/ingest.py, _embed): the synthetic corpus repeats sentences.
        pieces["(b)"] = sum(embedder.count_tokens(t) for t in dict.fromkeys(texts + own))
        embedder.embed(texts[:8])  # warm
        clock = Clock()
        embedder.embed(texts)
        rows.append(("(a) encoder alone, paragraphs", *clock.read(), len(texts)))
        if options.workers > 1:
            single = Embedder(encoder=options.encoder, cache_dir=cache, threads=options.threads)
            single.embed(texts[:8])
            clock = Clock()
            single.embed(texts)
            rows.append(("    encoder alone, paragraphs, one worker", *clock.read(), len(texts)))
        clock = Clock()
        embedder.embed(excerpts)
        rows.append(("    encoder alone, their excerpts", *clock.read(), len(texts)))

        library = Library(
            settings_for(
                scratch / "b",
                corpus,
                options.encoder,
                options.threads,
                cache,
                options.workers,
                options.excerpt_min_tokens,
            )
        )
        library._embedder = embedder  # type: ignore[misc]  # the same loaded model: (b) times indexing, not loading
        clock = Clock()
        report = library.index([corpus], root=corpus)
        rows.append(("(b) Library.index (briefing index)", *clock.read(), report.paragraphs))
        ours = [[p.paragraph.text for p in library.retrieve(q, 5)] for q in questions]

        env = {
            **os.environ,
            "BRIEFING_DATA_DIR": str(scratch / "cli"),
            "BRIEFING_COLLECTION": "bench",
            "BRIEFING_ENCODER": options.encoder,
            "BRIEFING_ENCODER_THREADS": str(options.threads),
            "BRIEFING_ENCODER_WORKERS": str(options.workers),
            "BRIEFING_EXCERPT_MIN_TOKENS": str(options.excerpt_min_tokens),
            "BRIEFING_ENCODER_CACHE": str(cache),
            "PYTHONPATH": str(REPO),
        }
        clock = Clock()
        subprocess.run(
            [sys.executable, "-m", "assistant.cli", "index", str(corpus)], env=env, check=True, capture_output=True
        )
        rows.append(("(b) `briefing index` command, cold", *clock.read(), report.paragraphs))
        if options.before != "none":
            before = command_at(options.before, scratch)
            env_before = {**env, "BRIEFING_DATA_DIR": str(scratch / "e"), "PYTHONPATH": str(before)}
            clock = Clock()
            subprocess.run(
                [sys.executable, "-m", "assistant.cli", "index", str(corpus)],
                env=env_before,
                cwd=before,
                check=True,
                capture_output=True,
            )
            rows.append((f"(e) `briefing index` command at {options.before}", *clock.read(), report.paragraphs))

        plain: list[list[str]] = []
        if not options.skip_llama:
            seconds, nodes, pieces["(c)"], plain = llama_pipeline(corpus, scratch / "c", embedder, questions)
            rows.append((f"(c) llama-index pipeline ({nodes} nodes)", *seconds, report.paragraphs))

        if not options.skip_numpy:
            import numpy_minilm

            # Before issue 11 every excerpt had its own vector; the write path is today's (kinder to (d)).
            old = Library(settings_for(scratch / "d", corpus, options.encoder, options.threads, cache))
            old._embedder = numpy_minilm.Embedder()  # type: ignore[misc,assignment]
            clock = Clock()
            old_report = old.index([corpus], root=corpus)
            rows.append(("(d) before issue 11: NumPy, every excerpt", *clock.read(), old_report.paragraphs))
        load_after = os.getloadavg()

    print(f"corpus: {corpus.name}, {report.paragraphs} paragraphs, {len(excerpts)} excerpts; encoder {options.encoder}")
    print(f"(b) gives {len(own)} of the {len(excerpts)} excerpts vectors of their own", end="")
    print(f" (BRIEFING_EXCERPT_MIN_TOKENS={options.excerpt_min_tokens})")
    print(f"threads: {options.threads}, workers: {options.workers}", end="; ")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min)")
    # On a shared machine wall time mostly measures the neighbours: read the CPU columns and ratios.
    print(f"{'path':44} {'wall s':>7} {'CPU s':>7} {'paragraphs/wall s':>18} {'paragraphs/CPU s':>17}")
    for name, wall, cpu, count in rows:
        print(f"{name:44} {wall:7.1f} {cpu:7.1f} {count / wall:18.1f} {count / cpu:17.1f}")
    wall_rate = {name.split(" ")[0] + (" cli" if "command" in name else ""): n / w for name, w, _, n in rows}
    cpu_rate = {name.split(" ")[0] + (" cli" if "command" in name else ""): n / c for name, _, c, n in rows}
    for ours_, other in (("(b)", "(a)"), ("(b)", "(c)"), ("(b)", "(d)"), ("(b) cli", "(e) cli")):
        if other in cpu_rate:
            by_cpu, by_wall = cpu_rate[ours_] / cpu_rate[other], wall_rate[ours_] / wall_rate[other]
            print(f"{ours_}/{other}: {by_cpu:.2f} by CPU, {by_wall:.2f} by wall")
    # The same runs per word piece embedded: (b) reads each paragraph twice (itself, then its sentences).
    print("word pieces embedded: " + ", ".join(f"{k} {v:,}" for k, v in pieces.items()))
    for ours_, other in (("(b)", "(a)"), ("(b)", "(c)")):
        if other in pieces:
            by_cpu = pieces[ours_] / pieces[other] * cpu_rate[ours_] / cpu_rate[other]
            by_wall = pieces[ours_] / pieces[other] * wall_rate[ours_] / wall_rate[other]
            print(f"{ours_}/{other} in word pieces/s: {by_cpu:.2f} by CPU, {by_wall:.2f} by wall")
    if questions:
        line = f"recall@5 on {len(questions)} answerable questions: (b) {recall_at_5(ours, evidence):.3f}"
        if plain:
            line += f", (c) {recall_at_5(plain, evidence):.3f}"
        print(line)


if __name__ == "__main__":
    main()
