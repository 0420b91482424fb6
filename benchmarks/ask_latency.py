"""Prints the cold start of `briefing ask` and warm per-question timings over the seeds; a benchmark, not a test."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line)["question"] for line in (REPO / "evals" / "questions.jsonl").open()]


def main() -> None:
    from assistant.library import Library
    from assistant.settings import Settings

    data = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    env = {**os.environ, "BRIEFING_DATA_DIR": str(data)}
    briefing = Path(sys.executable).parent / "briefing"

    began = time.perf_counter()
    subprocess.run([str(briefing), "index", str(REPO / "seeds")], env=env, check=True, capture_output=True)
    print(f"index seeds (cold, new store): {time.perf_counter() - began:.1f} s")

    library = Library(Settings(_env_file=None, data_dir=data))  # type: ignore[call-arg]
    for doc in library.documents():
        print(f"  {doc.id}: {doc.paragraphs} paragraphs")

    cold = []
    for _ in range(3):
        began = time.perf_counter()
        subprocess.run(
            [str(briefing), "ask", "--json", "Which Nvidia chip was cleared for sale to Chinese firms?"],
            env=env,
            check=True,
            capture_output=True,
        )
        cold.append(time.perf_counter() - began)
    print(f"cold `briefing ask` (new process, wall): median {statistics.median(cold):.2f} s over {len(cold)}")

    library.ask("warm up")
    totals, retrieves, answers = [], [], []
    for question in QUESTIONS:
        answer = library.ask(question)
        totals.append(answer.timings_ms["total"])
        retrieves.append(answer.timings_ms["retrieve"])
        answers.append(answer.timings_ms["answer"])

    def pct(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))]

    print(
        f"warm ask over {len(QUESTIONS)} eval questions (ms): "
        f"total p50 {pct(totals, 0.5):.0f} p95 {pct(totals, 0.95):.0f}; "
        f"retrieve p50 {pct(retrieves, 0.5):.0f}; answer p50 {pct(answers, 0.5):.0f}"
    )
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (timings are only comparable near 0)")


if __name__ == "__main__":
    main()
