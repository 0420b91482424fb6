"""Re-indexing a folder of real PDFs and HTML pages: the first index, an unchanged re-index, one file edited.

Run: .venv/bin/python benchmarks/reindex.py [--articles 200] [--per-file 1] [--repeats 3]
Builds, in a temporary folder (never the repo), BBC articles from ../shared/data/bbc as PDFs
(fpdf2) and HTML pages, alternately, --per-file articles to a file (10: reports of several pages),
with a metadata.csv naming their outlet. One process, one store:
  (a) the first `briefing index` (Library.index) into a fresh store;
  (b) re-index of the unchanged folder, the old path: ingest with every file extracted before its
      hash is compared (load_paths given no records, as before);
  (c) re-index of the unchanged folder, the new path: files matching their records hashed, not extracted;
  (d) re-index after one PDF is edited, the new path (that file extracted, chunked and embedded again);
  (e) re-index after metadata.csv gives every file a new outlet (each rewritten, its vectors reused).
(b) and (c) are run --repeats times in turn, each figure the median. Prints wall seconds and the
load average (the machine is shared: compare runs only at similar load). Not a test.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from html import escape
from pathlib import Path
from typing import Any

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI sets it
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from fpdf import FPDF  # noqa: E402

import index.ingest as ingest_module  # noqa: E402
from assistant.library import Library  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from index.load import LoadResult, load_paths  # noqa: E402
from index.records import IngestReport  # noqa: E402

BBC = REPO.parent / "shared" / "data" / "bbc"
if not BBC.is_dir():
    BBC = Path("/work/shared/data/bbc")


def articles(count: int) -> list[tuple[str, str, list[str]]]:
    """(name, headline, paragraphs) of the first count articles, politics and tech taken in turn."""
    files = [sorted((BBC / topic).glob("*.txt")) for topic in ("politics", "tech")]
    chosen = [f for pair in zip(*files, strict=False) for f in pair][:count]
    found = []
    for file in chosen:
        lines = [line.strip() for line in file.read_text(encoding="utf-8", errors="replace").splitlines()]
        paragraphs = [line for line in lines[1:] if line]
        found.append((f"{file.parent.name}-{file.stem}", lines[0], paragraphs))
    return found


def pdf_of(headline: str, paragraphs: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_title(_latin1(headline))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", size=14)
    pdf.multi_cell(0, 8, _latin1(headline))
    pdf.set_font("Helvetica", size=11)
    for paragraph in paragraphs:
        pdf.ln(4)
        pdf.multi_cell(0, 6, _latin1(paragraph))
    return bytes(pdf.output())


def html_of(headline: str, paragraphs: list[str]) -> str:
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    head = f"<head><title>{escape(headline)} | BBC</title></head>"
    return f"<!doctype html><html>{head}<body><h1>{escape(headline)}</h1>\n{body}</body></html>"


def _latin1(text: str) -> str:
    # The PDF core fonts hold Latin-1 only; the few curly quotes and dashes become their plain forms.
    plain = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))
    return plain.encode("latin-1", errors="replace").decode("latin-1")


def build(folder: Path, count: int, per_file: int) -> dict[Path, tuple[str, list[str]]]:
    """The corpus folder's files, each with the headline and paragraphs it was made from."""
    folder.mkdir(parents=True)
    found = articles(count)
    made: dict[Path, tuple[str, list[str]]] = {}
    for n, start in enumerate(range(0, len(found), per_file)):
        group = found[start : start + per_file]
        name, headline = group[0][0], group[0][1]
        # Each later article's headline stands as a paragraph of its own before its text.
        paragraphs = group[0][2] + [line for _, title, body in group[1:] for line in (title, *body)]
        if n % 2 == 0:
            file = folder / f"{name}.pdf"
            file.write_bytes(pdf_of(headline, paragraphs))
        else:
            file = folder / f"{name}.html"
            file.write_text(html_of(headline, paragraphs), encoding="utf-8")
        made[file] = (headline, paragraphs)
    with (folder / "metadata.csv").open("w", newline="", encoding="utf-8") as table:
        writer = csv.DictWriter(table, fieldnames=["file", "outlet"])
        writer.writeheader()
        writer.writerows({"file": file.name, "outlet": "BBC News"} for file in made)
    return made


def old_load_paths(
    paths: Iterable[str | Path],
    root: str | Path | None = None,
    max_text_chars: int | None = None,
    claimed: Mapping[str, str] | None = None,
    indexed: Any = None,
) -> LoadResult:
    """load_paths as ingest called it before: no records given, so every file is extracted."""
    return load_paths(paths, root, max_text_chars, claimed)


def timed(call: Callable[[], IngestReport]) -> tuple[float, IngestReport]:
    began = time.perf_counter()
    report = call()
    return time.perf_counter() - began, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--per-file", type=int, default=1, help="articles to a file")
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-reindex-") as scratch:
        corpus = Path(scratch) / "corpus"
        made = build(corpus, options.articles, options.per_file)
        files = len(made)
        sizes = [f.stat().st_size for f in corpus.iterdir()]
        pdfs, pages = len(list(corpus.glob("*.pdf"))), len(list(corpus.glob("*.html")))
        print(
            f"corpus: {pdfs} PDFs + {pages} HTML pages holding {options.articles} BBC articles,"
            f" {sum(sizes) / 1e6:.1f} MB, with a metadata.csv"
        )
        cache = Path(tempfile.gettempdir()) / f"briefing-bench-models-{os.getuid()}"
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, data_dir=Path(scratch) / "data", corpus_dir=corpus, collection="bench", encoder_cache=cache
        )
        library = Library(settings)
        library.embedder()  # the model load and its one-off export, untimed
        first, report = timed(lambda: library.index([corpus]))
        assert report.ok and len(report.added) == files, report.failed
        print(f"(a) first index:                 {first:7.3f} s  ({report.paragraphs} paragraphs)")

        old_runs, new_runs = [], []
        real = ingest_module.load_paths
        for _ in range(options.repeats):
            ingest_module.load_paths = old_load_paths  # type: ignore[assignment]
            try:
                seconds, report = timed(lambda: library.index([corpus]))
            finally:
                ingest_module.load_paths = real
            assert len(report.unchanged) == files, report
            old_runs.append(seconds)
            seconds, report = timed(lambda: library.index([corpus]))
            assert len(report.unchanged) == files, report
            new_runs.append(seconds)
        old, new = statistics.median(old_runs), statistics.median(new_runs)
        print(f"(b) unchanged, old path:         {old:7.3f} s  (every file extracted, then compared)")
        print(f"(c) unchanged, new path:         {new:7.3f} s  ({old / new:.1f}x faster than (b))")

        edited = sorted(corpus.glob("*.pdf"))[0]
        headline, paragraphs = made[edited]
        edited.write_bytes(pdf_of(headline, [*paragraphs, "A paragraph added after the first index."]))
        seconds, report = timed(lambda: library.index([corpus]))
        assert report.updated == (edited.name,) and len(report.unchanged) == files - 1, report
        print(f"(d) one PDF edited, new path:    {seconds:7.3f} s  (1 updated, {len(report.unchanged)} unchanged)")
        with (corpus / "metadata.csv").open("w", newline="", encoding="utf-8") as table:
            writer = csv.DictWriter(table, fieldnames=["file", "outlet"])
            writer.writeheader()
            writer.writerows({"file": file.name, "outlet": "BBC News Online"} for file in made)
        seconds, report = timed(lambda: library.index([corpus]))
        assert len(report.updated) == files, report
        print(f"(e) metadata.csv edited, all:    {seconds:7.3f} s  ({files} updated, their stored vectors reused)")
        print(f"runs of (b): {', '.join(f'{s:.3f}' for s in old_runs)}")
        print(f"runs of (c): {', '.join(f'{s:.3f}' for s in new_runs)}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
