"""Embedded store with a lock vs a `chroma run` server: start-up, per-question time, and how fast a second
writer is told; prints numbers for the README's choice. A benchmark, not a test."""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
QUESTIONS = [json.loads(line)["question"] for line in (REPO / "evals" / "questions.jsonl").open()][:20]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed_questions(library: object) -> list[float]:
    times = []
    for question in QUESTIONS:
        began = time.perf_counter()
        library.ask(question)  # type: ignore[attr-defined]
        times.append((time.perf_counter() - began) * 1000)
    return times


def main() -> None:
    from assistant.library import Library
    from assistant.settings import Settings

    root = Path(tempfile.mkdtemp(prefix="briefing-store-modes-"))
    embedded = Library(Settings(_env_file=None, data_dir=root / "embedded"))  # type: ignore[call-arg]
    embedded.claim_store("serve")
    embedded.index([REPO / "seeds"])
    embedded.ask("warm up")
    times = timed_questions(embedded)
    print(f"embedded: ask p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms ({len(times)} questions)")

    env = {**os.environ, "BRIEFING_DATA_DIR": str(root / "embedded")}
    began = time.perf_counter()
    refused = subprocess.run([str(BIN / "briefing"), "index", str(REPO / "seeds")], env=env, capture_output=True)
    print(f"embedded: a second `briefing index` exits {refused.returncode} after {time.perf_counter() - began:.1f} s")
    print(f"  {refused.stderr.decode().strip()[:200]}")

    port = free_port()
    began = time.perf_counter()
    server = subprocess.Popen(
        [str(BIN / "chroma"), "run", "--path", str(root / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        print(f"server: `chroma run` ready after {time.perf_counter() - began:.1f} s")
        settings = Settings(_env_file=None, data_dir=root / "app", chroma_host="127.0.0.1", chroma_port=port)  # type: ignore[call-arg]
        remote = Library(settings)
        remote._embedder = embedded._embedder  # type: ignore[misc]
        began = time.perf_counter()
        remote.index([REPO / "seeds"])
        print(f"server: index seeds {time.perf_counter() - began:.1f} s")
        remote.ask("warm up")
        times = timed_questions(remote)
        print(f"server: ask p50 {statistics.median(times):.0f} ms, max {max(times):.0f} ms ({len(times)} questions)")
        rss = int(subprocess.run(["ps", "-o", "rss=", "-p", str(server.pid)], capture_output=True).stdout or 0)
        print(f"server: `chroma run` resident memory {rss / 1024:.0f} MB")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
