"""Shared fixtures: real Chroma in temporary folders, the real embedder, the real seeds."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the CLI sets it: see assistant/cli.py
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from assistant.library import Library
from assistant.settings import Settings
from index.embed import Embedder
from index.extract import READERS
from index.records import Paragraph

pytest_plugins = ["chromium"]  # the browser tests' fixtures: tests/chromium.py

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


# One ONNX export for the whole run, CLI and subprocess tests included (each fresh data folder would
# otherwise build its own, ~4 s). Exports are named by the weights and the exporter version, so a
# stale one is never reused.
os.environ.setdefault(
    "BRIEFING_ENCODER_CACHE", str(Path(tempfile.gettempdir()) / f"briefing-test-models-{os.getuid()}")
)
MODEL_CACHE = Path(os.environ["BRIEFING_ENCODER_CACHE"])


@pytest.fixture(scope="session")
def model_cache() -> Path:
    return MODEL_CACHE


@pytest.fixture(scope="session")
def embedder(model_cache: Path) -> Embedder:
    """One model load for the whole run (it is read-only)."""
    return Embedder(cache_dir=model_cache)


class TextCounting(Embedder):
    """The real model, counting the texts it is asked to embed."""

    def __init__(self, model: Embedder) -> None:
        self.__dict__.update(model.__dict__)
        self.embedded = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        self.embedded += len(texts)
        return super().embed(texts)


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings that ignore the developer's environment and .env: tests state what they need."""
    values: dict[str, object] = {"data_dir": data_dir, "corpus_dir": SEEDS, "collection": "seeds", **overrides}
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def seeded_library(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Library:
    """The seeds indexed once into a temporary store; tests must not write to it."""
    library = Library(make_settings(tmp_path_factory.mktemp("seeded")))
    library._embedder = embedder  # share the session's model  # type: ignore[misc]
    report = library.index([SEEDS])
    assert report.ok and report.paragraphs > 0
    return library


@pytest.fixture
def library(tmp_path: Path, embedder: Embedder) -> Library:
    """An empty library in a fresh temporary folder, for tests that write."""
    fresh = Library(make_settings(tmp_path / "data"))
    fresh._embedder = embedder  # type: ignore[misc]
    return fresh


@pytest.fixture
def corpus(tmp_path: Path) -> Iterator[Path]:
    """A writable copy of the seeds."""
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    yield folder


@pytest.fixture
def extractions(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Calls to each format's reader: the real readers, each wrapped in a counter."""
    calls: Counter[str] = Counter()
    for suffix, reader in list(READERS.items()):

        def counted(data: bytes, reader: Callable[[bytes], object] = reader, suffix: str = suffix) -> object:
            calls[suffix] += 1
            return reader(data)

        monkeypatch.setitem(READERS, suffix, counted)
    return calls


def fixture_paragraphs(docs: dict[str, list[str]]) -> list[Paragraph]:
    """Paragraphs of small fixture documents: doc id -> its paragraphs' texts, blank-line separated offsets."""
    found = []
    for doc_id, texts in docs.items():
        at = 0
        for n, text in enumerate(texts, start=1):
            found.append(Paragraph(f"{doc_id}#p{n}", doc_id, text, at, at + len(text), title=doc_id))
            at += len(text) + 2
    return found
