"""The store's kNN: as wide as retrieval asks, so the nearest rows are the nearest, build after build."""

from __future__ import annotations

from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings

from index.records import Document, EmbeddedDocument, Excerpt, Paragraph
from index.store import EXCERPTS_SUFFIX, ParagraphStore
from index.store_search import HNSW_EF_SEARCH

DOCUMENTS, PARAGRAPHS, SENTENCES = 40, 16, 3  # 1,920 excerpts: the size where a default HNSW search misses


def clustered_vectors(rng: np.random.Generator, n: int, topics: int = 24) -> np.ndarray:
    """Unit vectors around a few topic directions, as sentence vectors of a corpus are (not uniform noise)."""
    centres = rng.normal(size=(topics, 384))
    vectors = centres[rng.integers(0, topics, n)] + 0.9 * rng.normal(size=(n, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def synthetic_documents(rng: np.random.Generator) -> list[EmbeddedDocument]:
    documents = []
    for d in range(DOCUMENTS):
        doc_id = f"doc{d:02d}.txt"
        sentence = "A sentence of the corpus. "
        text = (sentence * SENTENCES + "\n\n") * PARAGRAPHS
        paragraphs, excerpts = [], []
        for p in range(PARAGRAPHS):
            start = p * (len(sentence) * SENTENCES + 2)
            paragraph = Paragraph(f"{doc_id}#p{p}", doc_id, sentence * SENTENCES, start, start + len(sentence) * 3)
            paragraphs.append(paragraph)
            excerpts += [
                Excerpt(paragraph.id, doc_id, sentence.strip(), s * len(sentence), (s + 1) * len(sentence) - 1)
                for s in range(SENTENCES)
            ]
        document = Document(doc_id, f"/corpus/{doc_id}", "/corpus", text, f"hash{d}", f"Document {d}")
        documents.append(
            EmbeddedDocument(
                document,
                tuple(paragraphs),
                clustered_vectors(rng, PARAGRAPHS),
                tuple(excerpts),
                clustered_vectors(rng, len(excerpts)),
                (False,) * len(excerpts),
            )
        )
    return documents


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[EmbeddedDocument]]:
    path = tmp_path_factory.mktemp("knn")
    documents = synthetic_documents(np.random.default_rng(7))
    ParagraphStore("wide", path=path / "chroma", texts_dir=path / "texts").replace_documents(documents)
    return path, documents


def test_the_90_nearest_excerpts_are_the_exact_90_nearest(built: tuple[Path, list[EmbeddedDocument]]) -> None:
    # Retrieval asks for 90 excerpts; with Chroma's default width (100) about a quarter of them were wrong.
    path, documents = built
    store = ParagraphStore("wide", path=path / "chroma", texts_dir=path / "texts")  # a fresh open, as a new process
    excerpts = [(e.paragraph_id, e.start) for d in documents for e in d.excerpts]
    vectors = np.vstack([d.excerpt_vectors for d in documents])
    questions = clustered_vectors(np.random.default_rng(11), 40)

    found = 0
    for question in questions:
        exact = {excerpts[i] for i in np.argsort(-(vectors @ question))[:90]}
        knn = {(e.paragraph_id, e.start) for e, _ in store.nearest_excerpts(question, 90, with_text=False)}
        found += len(exact & knn)

    assert found / (90 * len(questions)) >= 0.98


def test_a_store_made_with_chromas_default_width_is_widened_when_opened(tmp_path: Path) -> None:
    client = chromadb.PersistentClient(
        path=str(tmp_path / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
    )
    for name in ("older", f"older{EXCERPTS_SUFFIX}"):
        client.create_collection(name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}})
    assert client.get_collection("older").configuration_json["hnsw"]["ef_search"] < HNSW_EF_SEARCH

    ParagraphStore("older", path=tmp_path / "chroma", texts_dir=tmp_path / "texts")

    for name in ("older", f"older{EXCERPTS_SUFFIX}"):
        hnsw = client.get_collection(name).configuration_json["hnsw"]
        assert (hnsw["ef_search"], hnsw["space"]) == (HNSW_EF_SEARCH, "cosine")
