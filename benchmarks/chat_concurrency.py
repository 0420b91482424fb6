"""20 chat sessions at once through gradio_client, 5 questions each, 4 of them asking an LLM endpoint that
trickles a byte at a time: prints errors and the extractive latency percentiles. A benchmark, not a test.

    python benchmarks/chat_concurrency.py [--sessions 20] [--llm-sessions 4] [--questions 5] [--llm-timeout 8]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = [json.loads(line)["question"] for line in (REPO / "evals" / "questions.jsonl").open()]


class Trickle(BaseHTTPRequestHandler):
    """An OpenAI-compatible endpoint that answers 200 and then one byte every 2 s, for ever."""

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        try:
            while True:
                self.wfile.write(b":")
                self.wfile.flush()
                time.sleep(2.0)
        except OSError:
            pass


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--llm-sessions", type=int, default=4)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--llm-timeout", type=float, default=8.0)
    args = parser.parse_args()

    from gradio_client import Client

    endpoint = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    endpoint.daemon_threads = True
    threading.Thread(target=endpoint.serve_forever, daemon=True).start()
    # The app runs in its own process, as `briefing serve` does: the 20 clients here do not share its GIL.
    data = Path(tempfile.mkdtemp(prefix="briefing-concurrency-"))
    env = {
        **os.environ,
        "BRIEFING_DATA_DIR": str(data),
        "BRIEFING_LLM_BASE_URL": f"http://127.0.0.1:{endpoint.server_address[1]}/v1",
        "BRIEFING_LLM_MODEL": "trickle",
        "BRIEFING_LLM_TIMEOUT": str(args.llm_timeout),
        "BRIEFING_LLM_MAX_RETRIES": "0",
    }
    briefing = str(Path(sys.executable).parent / "briefing")
    subprocess.run([briefing, "index", str(REPO / "seeds")], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [briefing, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            assert server.poll() is None, "briefing serve exited"
            time.sleep(0.5)
    cpu_before = _cpu_seconds(server.pid)
    load_before = os.getloadavg()[0]

    extractive: list[float] = []
    warm: list[float] = []  # extractive answers after each session's first (the first ones all start at once)
    llm: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def session(n: int) -> None:
        mode = "llm" if n < args.llm_sessions else "extractive"
        try:
            app = Client(url, verbose=False, download_files=False)
        except Exception as error:  # counted, never raised: the benchmark reports every failure
            with lock:
                errors.append(f"session {n}: connect: {error}")
            return
        for i in range(args.questions):
            question = QUESTIONS[(n * args.questions + i) % len(QUESTIONS)]
            began = time.perf_counter()
            try:
                history = app.predict(question, 5, mode, api_name="/ask")[0]
                assert history and history[-1]["role"] == "assistant", "no answer in the history"
            except Exception as error:
                with lock:
                    errors.append(f"session {n} ({mode}) question {i}: {type(error).__name__}: {error}")
                continue
            with lock:
                (llm if mode == "llm" else extractive).append(time.perf_counter() - began)
                if mode != "llm" and i > 0:
                    warm.append(time.perf_counter() - began)
                if os.environ.get("TRACE"):
                    print(f"{mode} s{n} q{i} start {began - t0:.1f} took {time.perf_counter() - began:.2f}")

    began = t0 = time.perf_counter()
    threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    cpu = _cpu_seconds(server.pid) - cpu_before
    server.terminate()
    server.wait(timeout=30)
    endpoint.shutdown()

    def pct(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    print(f"{args.sessions} sessions x {args.questions} questions, {args.llm_sessions} asking a trickling LLM")
    print(
        f"  wall {wall:.1f} s on {os.cpu_count()} cores (load average {load_before:.1f} before,"
        f" {os.getloadavg()[0]:.1f} after); the app used {cpu:.1f} CPU-s; errors: {len(errors)}"
    )
    for line in errors[:10]:
        print(f"    {line}")
    print(
        f"  extractive: {len(extractive)} answers, p50 {pct(extractive, 0.5):.2f} s, p95 {pct(extractive, 0.95):.2f} s,"
        f" max {max(extractive, default=float('nan')):.2f} s"
    )
    print(f"  extractive after each session's first question: p50 {pct(warm, 0.5):.2f} s, p95 {pct(warm, 0.95):.2f} s")
    if llm:
        median = statistics.median(llm)
        print(f"  llm (trickling, deadline {args.llm_timeout:g} s): {len(llm)} answers, median {median:.1f} s")


if __name__ == "__main__":
    main()
