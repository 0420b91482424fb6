"""The store side at scale: ask latency, `briefing documents`, re-indexing one changed file, embedded and server.

The corpus is the BBC articles under ../shared/data/bbc copied over and over (each copy a distinct
document, its paragraphs tagged with the copy number) until it holds --paragraphs paragraphs. The
store is built with SYNTHETIC vectors (a seeded random unit vector per text: the store's cost does
not depend on what the vectors mean, and real ones would take hours on 2 cores); the measured
phases use the real encoder for questions and for the re-indexed document. Each phase runs in a
fresh process; the server phase serves the same folder with `chroma run` on 127.0.0.1.

    python benchmarks/scale.py --paragraphs 100000
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
BBC = next((p for p in (REPO.parent / "shared/data/bbc", Path("/work/shared/data/bbc")) if p.is_dir()), None)
QUESTIONS = 40


class RandomEmbedder:
    """A seeded random unit vector per text (synthetic: for building a large store fast)."""

    encoder = "onnx-fp32"  # stands in for the default encoder, which the measured phases ask with

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), 384), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int(hashlib.md5(text.encode()).hexdigest()[:8], 16)
            out[row] = np.random.default_rng(seed).standard_normal(384)
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    def count_tokens(self, text: str) -> int:
        return len(text.split()) * 4 // 3 + 2


def make_corpus(folder: Path, paragraphs: int) -> int:
    """BBC articles, copied until the corpus holds about this many paragraphs; returns the documents written."""
    assert BBC is not None, "the BBC articles are not at ../shared/data/bbc"
    articles = sorted(BBC.glob("*/*.txt"))
    written = total = 0
    folder.mkdir(parents=True)
    while total < paragraphs:
        source = articles[written % len(articles)]
        copy = written // len(articles)
        title, _, body = source.read_text(encoding="utf-8", errors="replace").partition("\n")
        parts = [p.strip() for p in body.split("\n\n") if p.strip()]
        text = f"{title} ({copy})\n\n" + "\n\n".join(f"{p} [{copy}]" for p in parts)
        (folder / f"{written:05d}-{source.parent.name}-{source.stem}.txt").write_text(text, encoding="utf-8")
        written += 1
        total += len(parts)
    return written


def build(work: Path, paragraphs: int) -> dict[str, float]:
    from assistant.library import Library
    from assistant.settings import Settings

    began = time.perf_counter()
    documents = make_corpus(work / "corpus", paragraphs)
    library = Library(Settings(_env_file=None, data_dir=work / "data"))  # type: ignore[call-arg]
    fake = RandomEmbedder()
    library._embedder = fake  # type: ignore[misc,assignment]
    began = time.perf_counter()
    report = library.index([work / "corpus"])
    return {"documents": documents, "paragraphs": report.paragraphs, "build_s": time.perf_counter() - began}


def measure(work: Path, host: str | None, port: int) -> dict[str, float]:
    """One fresh process: documents, asks, one changed file re-indexed, the first ask after it."""
    from assistant.library import Library
    from assistant.settings import Settings

    settings = Settings(_env_file=None, data_dir=work / "data", chroma_host=host, chroma_port=port)  # type: ignore[call-arg]
    out: dict[str, float] = {}
    began = time.perf_counter()
    library = Library(settings)
    documents = library.documents()
    out["documents_cold_s"] = time.perf_counter() - began
    began = time.perf_counter()
    library.documents()
    out["documents_warm_s"] = time.perf_counter() - began
    titles = [d.title for d in documents[:: max(1, len(documents) // QUESTIONS)]][:QUESTIONS]
    began = time.perf_counter()
    library.ask(f"What happened: {titles[0]}?")  # model load, keyword index load
    out["first_ask_s"] = time.perf_counter() - began
    asks, retrieves = [], []
    for title in titles:
        answer = library.ask(f"What happened: {title}?")
        asks.append(answer.timings_ms["total"])
        retrieves.append(answer.timings_ms["retrieve"])
    out["ask_p50_ms"] = statistics.median(asks)
    out["ask_p95_ms"] = float(np.percentile(asks, 95))
    out["retrieve_p50_ms"] = statistics.median(retrieves)
    changed = sorted((work / "corpus").glob("*.txt"))[len(documents) // 2]
    changed.write_text(changed.read_text(encoding="utf-8") + f"\n\nA late paragraph added at {time.time()}.\n")
    began = time.perf_counter()
    report = library.index([changed], root=work / "corpus")
    out["reindex_one_file_s"] = time.perf_counter() - began
    assert report.updated == (changed.name,), report
    began = time.perf_counter()
    library.ask("What was added late?")
    out["first_ask_after_s"] = time.perf_counter() - began
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nAnother late paragraph.\n")
    began = time.perf_counter()
    report = library.index([work / "corpus"])
    out["reindex_folder_one_changed_s"] = time.perf_counter() - began
    assert report.updated == (changed.name,), report
    return out


def cli_documents(work: Path, host: str | None, port: int) -> float:
    env = {**os.environ, "BRIEFING_DATA_DIR": str(work / "data"), "PYTHONPATH": str(REPO)}
    if host:
        env |= {"BRIEFING_CHROMA_HOST": host, "BRIEFING_CHROMA_PORT": str(port)}
    began = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "briefing"), "documents"], env=env, check=True, capture_output=True
    )
    return time.perf_counter() - began


def phase(name: str, work: Path, *extra: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--work", str(work), *extra], capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build into (or reuse) this folder and keep it")
    parser.add_argument("--phase", choices=["build", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--host", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase == "build":
        print(json.dumps(build(args.work, args.paragraphs)))
        return
    if args.phase == "measure":
        print(json.dumps(measure(args.work, args.host, args.port)))
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="briefing-scale-"))
    load_before = os.getloadavg()[0]
    try:
        if (work / "built.json").exists():
            built = json.loads((work / "built.json").read_text())
        else:
            built = phase("build", work, "--paragraphs", str(args.paragraphs))
            (work / "built.json").write_text(json.dumps(built))
        print(f"built {built['paragraphs']} paragraphs in {built['documents']} documents in {built['build_s']:.0f} s")
        # A store built (or last written) by an older version has no document listing yet: the first
        # listing reads every record and saves it, as the first command after an upgrade would.
        print(f"first `briefing documents` on this store: {cli_documents(work, None, 0):.2f} s", flush=True)
        embedded = phase("measure", work) | {"cli_documents_s": cli_documents(work, None, 0)}
        port = free_port()
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "chroma"),
                "run",
                "--path",
                str(work / "data" / "chroma"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(port)
            served = phase("measure", work, "--host", "127.0.0.1", "--port", str(port))
            served["cli_documents_s"] = cli_documents(work, "127.0.0.1", port)
        finally:
            server.terminate()
            server.wait(timeout=30)
        print_table(built, embedded, served)
        print(f"load average (1 min) before {load_before:.2f}, after {os.getloadavg()[0]:.2f}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


TARGETS = {
    "ask_p50_ms": 50,
    "ask_p95_ms": 100,
    "retrieve_p50_ms": None,
    "documents_cold_s": 0.5,
    "documents_warm_s": 0.5,
    "cli_documents_s": None,
    "first_ask_s": None,
    "reindex_one_file_s": 5,
    "first_ask_after_s": 1,
    "reindex_folder_one_changed_s": 5,
}


def print_table(built: dict[str, float], embedded: dict[str, float], served: dict[str, float]) -> None:
    print(f"\n{built['paragraphs']} paragraphs, {built['documents']} documents (synthetic vectors)")
    print(f"{'measure':<30} {'embedded':>10} {'server':>10} {'server/emb':>10} {'target':>8}")
    for key, target in TARGETS.items():
        ratio = served[key] / embedded[key] if embedded[key] else float("nan")
        print(f"{key:<30} {embedded[key]:>10.3f} {served[key]:>10.3f} {ratio:>10.2f} {target if target else '':>8}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, seconds: float = 60) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise SystemExit(f"chroma run did not listen on port {port}")


if __name__ == "__main__":
    main()
