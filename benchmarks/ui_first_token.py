"""Warm time from pressing Enter to the first answer text in the chat, measured in real Chromium.

Usage:
    .venv/bin/python benchmarks/ui_first_token.py                 # indexes seeds/ into a temp dir, serves, measures
    .venv/bin/python benchmarks/ui_first_token.py --url http://127.0.0.1:7861/   # an app already running

Prints, per question, the milliseconds from the Enter key to the first answer text on screen
("first"), and to the whole answer with clickable citations ("done"), both timed inside the page
with performance.now(); then the same question's server-side Library.ask time for comparison.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from chromium import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402  the browser tests' launch and port helpers

QUESTIONS = [
    "Who announced the AI safety protocol?",
    "Which chip was cleared for sale to Chinese firms?",
    "What are non-state actors kept from?",
    "When did Bessent speak to CNBC?",
    "Why does Bessent say the US can hold these talks?",
    "What remains unknown about enforcement?",
]

# Installed before each question: stamps the keydown of Enter, then the first mutation that puts
# answer text on screen, then the moment the answer is whole (its streaming class is gone).
TIMER_JS = """
() => {
  const before = document.querySelectorAll('#chat .answer').length;
  const bench = (window.__bench = { start: null, first: null, done: null });
  const box = document.querySelector('#question textarea');
  box.addEventListener('keydown', (e) => { if (e.key === 'Enter') bench.start = performance.now(); },
                       { once: true, capture: true });
  const watch = new MutationObserver(() => {
    const answers = document.querySelectorAll('#chat .answer');
    if (bench.start === null || answers.length <= before) return;
    const last = answers[answers.length - 1];
    if (bench.first === null && last.textContent.trim()) bench.first = performance.now() - bench.start;
    if (!last.classList.contains('streaming')) { bench.done = performance.now() - bench.start; watch.disconnect(); }
  });
  watch.observe(document.querySelector('#chat'), { childList: true, subtree: true, characterData: true });
}
"""


def measure(page: Page, question: str) -> tuple[float, float]:
    page.evaluate(TIMER_JS)
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function("window.__bench.done !== null", timeout=120_000)
    bench = page.evaluate("window.__bench")
    return float(bench["first"]), float(bench["done"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="an app already running; default: serve seeds/ from a temp dir")
    parser.add_argument("--rounds", type=int, default=2, help="times through the question list")
    args = parser.parse_args()

    library = None
    demo = None
    url = args.url
    if url is None:
        from assistant.library import Library
        from assistant.settings import Settings
        from assistant.ui import launch

        data = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
        library = Library(Settings(_env_file=None, data_dir=data, corpus_dir=REPO / "seeds"))  # type: ignore[call-arg]
        began = time.perf_counter()
        library.index([REPO / "seeds"])
        print(f"indexed seeds in {time.perf_counter() - began:.1f} s")
        demo = launch(library, port=free_port(), block=False)
        url = str(demo.local_url)

    firsts: list[float] = []
    dones: list[float] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.goto(url)
            page.locator("#question textarea").wait_for()
            measure(page, "What is this about?")  # warm: the first question pays for page and queue set-up
            print(f"{'question':<55} {'first ms':>9} {'done ms':>8} {'ask ms':>7}")
            for _ in range(args.rounds):
                for question in QUESTIONS:
                    first, done = measure(page, question)
                    firsts.append(first)
                    dones.append(done)
                    server = f"{library.ask(question).timings_ms['total']:>7.0f}" if library else "      -"
                    print(f"{question:<55} {first:>9.0f} {done:>8.0f} {server}")
            browser.close()
    finally:
        if demo is not None:
            demo.close()
    print(
        f"\nEnter -> first answer text: median {statistics.median(firsts):.0f} ms, "
        f"min {min(firsts):.0f}, max {max(firsts):.0f} (n={len(firsts)})"
    )
    print(f"Enter -> whole answer with citations: median {statistics.median(dones):.0f} ms")
    print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
