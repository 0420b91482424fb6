"""Cold start: `briefing --help` and a cold `briefing ask` against importing the libraries the ask path needs.

Run: .venv/bin/python benchmarks/cold_start.py [--runs 5]
Indexes the seeds into a temporary data folder, then, alternating so that load on a shared machine
hits all alike, times N fresh processes of each: `python -c "import chromadb, numpy, tokenizers,
onnxruntime"` (the floor), `briefing --help` and `briefing ask "..."`. Prints medians, the ask/floor
ratio, the load average, and which heavy packages `python -X importtime` sees on each path (none of
chromadb or bm25s may load for --help; none of llama_index, torch, transformers or openai for ask).
Not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOOR = "import chromadb, numpy, tokenizers, onnxruntime"
QUESTION = "Which Nvidia chip was cleared for sale to Chinese firms?"
WATCHED = ("chromadb", "bm25s", "llama_index", "torch", "transformers", "openai", "gradio", "spacy", "onnx", "pydantic")


def timed(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, env=env, check=True, capture_output=True)
    return time.perf_counter() - began


def imported(command: list[str], env: dict[str, str]) -> list[str]:
    """Top-level packages among WATCHED that the command imports."""
    result = subprocess.run([sys.executable, "-X", "importtime", *command], env=env, capture_output=True, text=True)
    names = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in result.stderr.splitlines() if "|" in line}
    return sorted(names & set(WATCHED))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cold-start-") as scratch:
        env = {**os.environ, "BRIEFING_DATA_DIR": scratch, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
        cli = [sys.executable, "-m", "assistant.cli"]
        subprocess.run([*cli, "index", str(REPO / "seeds")], env=env, check=True, capture_output=True)
        subprocess.run([*cli, "ask", QUESTION], env=env, check=True, capture_output=True)  # BM25 cache, page cache
        times: dict[str, list[float]] = {"floor": [], "help": [], "ask": []}
        load_before = os.getloadavg()[0]
        for _ in range(options.runs):
            times["floor"].append(timed([sys.executable, "-c", FLOOR], env))
            times["help"].append(timed([*cli, "--help"], env))
            times["ask"].append(timed([*cli, "ask", QUESTION], env))
        load_after = os.getloadavg()[0]
        seen = {"help": imported(["-m", "assistant.cli", "--help"], env)}
        seen["ask"] = imported(["-m", "assistant.cli", "ask", QUESTION], env)
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after; {options.runs} runs each")
    for name, value in median.items():
        print(f"{name:6} median {value:5.2f} s  (runs: {', '.join(f'{v:.2f}' for v in times[name])})")
    print(f"ask / floor = {median['ask'] / median['floor']:.2f}")
    for name, packages in seen.items():
        print(f"{name} imports: {', '.join(packages) or 'none'} (of {', '.join(WATCHED)})")


if __name__ == "__main__":
    main()
