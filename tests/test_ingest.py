"""Ingest and the store: re-indexing replaces and never appends, bad files are named, nothing indexed is lost."""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

import chromadb
import numpy as np
import pytest
from chromadb.config import Settings as ChromaSettings
from conftest import SEEDS, TextCounting, make_settings
from fpdf import FPDF
from hypothesis import given
from hypothesis import strategies as st

from assistant.library import Library
from index.chunk import chunk_document, quote_spans
from index.embed import Embedder
from index.entities import Tagger, shared_tagger
from index.ingest import ingest
from index.load import load_paths
from index.records import Entity, IngestReport
from index.rows import LISTING_FILE
from index.store import _NAME, SCHEMA, ParagraphStore, StoreError, collection_name
from index.store_writes import DOCUMENTS_SUFFIX

SEED_IDS = ("000_e084a2483af8de05.txt", "001_d1faf3667c1376a5.txt", "002_a3f7a866cd068518.txt")

FERRY = (
    "# Ferry\n\n"
    "The ferry leaves every hour from the north pier.\n\n"
    "Tickets cost four pounds for adults.\n\n"
    "The last boat sails at ten at night.\n"
)
LIBRARY = "# Library\n\nThe library opens on Sundays from next spring.\n\nTwo more librarians will be hired.\n"


class RecordingEmbedder:
    """An embedder factory that counts how often the model is asked for (a plain callable, not a mock)."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self.calls = 0

    def __call__(self) -> Embedder:
        self.calls += 1
        return self.embedder


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "small"
    folder.mkdir()
    (folder / "ferry.md").write_text(FERRY, encoding="utf-8")
    (folder / "library.md").write_text(LIBRARY, encoding="utf-8")
    return folder


@pytest.fixture
def indexed(library: Library, small_corpus: Path) -> Library:
    """The small corpus indexed once into a fresh library."""
    report = library.index([small_corpus])
    assert report.added == ("ferry.md", "library.md")
    return library


@pytest.fixture
def seeded_copy(tmp_path: Path, seeded_library: Library, embedder: Embedder) -> Library:
    """A writable copy of the session's seeded store: the seeds already indexed once, at no embedding cost."""
    shutil.copytree(seeded_library.settings.data_dir, tmp_path / "copy")
    copy = Library(make_settings(tmp_path / "copy"))
    copy._embedder = embedder  # type: ignore[misc]
    return copy


def texts(library: Library, doc_id: str | None = None) -> list[str]:
    return [p.text for p in library.store.paragraphs(doc_id)]


def corrupt_pdf() -> bytes:
    return b"%PDF-1.4\n" + bytes(range(256)) * 4


# --- re-indexing is idempotent ---------------------------------------------------------------


def test_reindexing_the_seeds_adds_nothing(seeded_copy: Library, embedder: Embedder) -> None:
    before = [(p.id, p.text) for p in seeded_copy.store.paragraphs()]
    revision = seeded_copy.store.revision()

    report = ingest([SEEDS], seeded_copy.store, RecordingEmbedder(embedder))

    assert report.unchanged == SEED_IDS
    assert (report.added, report.updated, report.removed, report.failed) == ((), (), (), ())
    assert report.paragraphs == len(before) == seeded_copy.store.count()
    assert [(p.id, p.text) for p in seeded_copy.store.paragraphs()] == before
    assert seeded_copy.store.revision() == revision


def test_an_unchanged_corpus_does_not_load_the_embedder(
    indexed: Library, small_corpus: Path, embedder: Embedder
) -> None:
    factory = RecordingEmbedder(embedder)

    report = ingest([small_corpus], indexed.store, factory)

    assert report.unchanged == ("ferry.md", "library.md")
    assert factory.calls == 0


def test_reindexing_an_unchanged_folder_extracts_no_file(
    indexed: Library, small_corpus: Path, extractions: Counter[str]
) -> None:
    revision = indexed.store.revision()

    report = indexed.index([small_corpus])

    assert report.unchanged == ("ferry.md", "library.md") and (report.added, report.updated) == ((), ())
    assert sum(extractions.values()) == 0
    assert indexed.store.revision() == revision


def test_reindexing_with_one_file_edited_extracts_that_file_only(
    indexed: Library, small_corpus: Path, extractions: Counter[str]
) -> None:
    (small_corpus / "ferry.md").write_text(FERRY.replace("every hour", "every two hours"), encoding="utf-8")

    report = indexed.index([small_corpus])

    assert (report.updated, report.unchanged) == (("ferry.md",), ("library.md",))
    assert extractions == {".md": 1}


def test_a_run_that_embeds_loads_the_model_once(library: Library, small_corpus: Path, embedder: Embedder) -> None:
    factory = RecordingEmbedder(embedder)

    report = ingest([small_corpus], library.store, factory)

    assert report.added == ("ferry.md", "library.md")
    assert factory.calls == 1


def test_progress_is_reported_per_document_and_once_at_the_end(indexed: Library, small_corpus: Path) -> None:
    seen: list[tuple[int, int, str]] = []

    indexed.index([small_corpus], progress=lambda done, total, doc: seen.append((done, total, doc)))

    assert seen == [(0, 2, "ferry.md"), (1, 2, "library.md"), (2, 2, "")]


def test_the_report_counts_paragraphs_per_document(indexed: Library, small_corpus: Path) -> None:
    report = indexed.index([small_corpus])

    assert report.paragraphs_per_doc == {"ferry.md": 3, "library.md": 2}
    assert report.paragraphs == 5 == indexed.store.count()


# --- edits, removals -------------------------------------------------------------------------


def test_reindexing_an_edited_file_replaces_its_paragraphs(indexed: Library, small_corpus: Path) -> None:
    old_excerpts = indexed.store.excerpts([p.id for p in indexed.store.paragraphs("ferry.md")])
    (small_corpus / "ferry.md").write_text(
        "# Ferry\n\nThe ferry now leaves every half hour from the south pier.\n\n"
        "The last boat sails at ten at night.\n",
        encoding="utf-8",
    )

    report = indexed.index([small_corpus])

    assert (report.updated, report.unchanged, report.added, report.removed) == (
        ("ferry.md",),
        ("library.md",),
        (),
        (),
    )
    assert texts(indexed, "ferry.md") == [
        "The ferry now leaves every half hour from the south pier.",
        "The last boat sails at ten at night.",
    ]
    assert report.paragraphs == 4 == indexed.store.count()
    excerpt_texts = {e.text for e, _ in indexed.store.excerpts([p.id for p in indexed.store.paragraphs("ferry.md")])}
    assert "The ferry leaves every hour from the north pier." not in excerpt_texts
    assert "Tickets cost four pounds for adults." in {e.text for e, _ in old_excerpts} - excerpt_texts
    assert "The ferry now leaves every half hour from the south pier." in excerpt_texts


def test_an_edited_file_that_grows_gets_its_new_paragraphs(indexed: Library, small_corpus: Path) -> None:
    (small_corpus / "library.md").write_text(
        LIBRARY + "\nThe café on the ground floor reopens in May.\n", encoding="utf-8"
    )

    report = indexed.index([small_corpus])

    assert report.updated == ("library.md",)
    assert texts(indexed, "library.md")[-1] == "The café on the ground floor reopens in May."
    assert [p.id for p in indexed.store.paragraphs("library.md")] == ["library.md#p1", "library.md#p2", "library.md#p3"]


def test_a_removed_file_disappears_with_its_paragraphs_and_excerpts(indexed: Library, small_corpus: Path) -> None:
    library_ids = [p.id for p in indexed.store.paragraphs("library.md")]
    (small_corpus / "library.md").unlink()

    report = indexed.index([small_corpus])

    assert (report.removed, report.unchanged) == (("library.md",), ("ferry.md",))
    assert indexed.store.paragraphs("library.md") == []
    assert indexed.store.paragraphs_by_id(library_ids) == []
    assert indexed.store.excerpts(library_ids) == []
    assert [d.id for d in indexed.documents()] == ["ferry.md"]
    assert indexed.document_text("library.md") is None


def test_removing_a_document_by_id_drops_it_and_an_unknown_id_is_refused(indexed: Library) -> None:
    ferry_ids = [p.id for p in indexed.store.paragraphs("ferry.md")]

    assert indexed.remove("ferry.md") is True
    assert indexed.remove("ferry.md") is False
    assert [d.id for d in indexed.documents()] == ["library.md"]
    assert indexed.store.excerpts(ferry_ids) == []


def test_indexing_one_file_does_not_remove_the_rest_of_its_folder(indexed: Library, small_corpus: Path) -> None:
    report = indexed.index([small_corpus / "ferry.md"])

    assert report.removed == ()
    assert {d.id for d in indexed.documents()} == {"ferry.md", "library.md"}


# --- bad files -------------------------------------------------------------------------------


def test_bad_files_in_a_folder_are_named_and_the_good_ones_still_indexed(library: Library, small_corpus: Path) -> None:
    (small_corpus / "empty.txt").write_bytes(b"")
    (small_corpus / "broken.pdf").write_bytes(corrupt_pdf())
    (small_corpus / "figures.csv").write_text("a,b\n", encoding="utf-8")

    report = library.index([small_corpus])

    assert report.added == ("ferry.md", "library.md")
    assert sorted(Path(f.path).name for f in report.failed) == ["broken.pdf", "empty.txt"]
    assert [Path(s.path).name for s in report.skipped] == ["figures.csv"]
    assert report.ok is False
    assert {d.id for d in library.documents()} == {"ferry.md", "library.md"}


def test_bad_files_beside_the_seeds_do_not_cost_the_seeds(seeded_copy: Library, tmp_path: Path) -> None:
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "empty.txt").write_bytes(b"")
    (tmp_path / "bad" / "broken.pdf").write_bytes(corrupt_pdf())
    count = seeded_copy.store.count()

    report = seeded_copy.index([SEEDS, tmp_path / "bad"])

    assert report.unchanged == SEED_IDS
    assert sorted(Path(f.path).name for f in report.failed) == ["broken.pdf", "empty.txt"]
    assert not report.ok
    assert report.paragraphs == count
    assert [d.id for d in seeded_copy.documents()] == list(SEED_IDS)


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00\x01 binary now", "Caf\xe9".encode("latin-1")],
    ids=["emptied", "binary", "not-utf8"],
)
def test_a_file_that_becomes_unreadable_keeps_its_indexed_version(
    indexed: Library, small_corpus: Path, damage: bytes
) -> None:
    before = texts(indexed, "library.md")
    (small_corpus / "library.md").write_bytes(damage)

    report = indexed.index([small_corpus])

    assert [Path(f.path).name for f in report.failed] == ["library.md"]
    assert report.removed == () and report.updated == ()
    assert texts(indexed, "library.md") == before


def test_a_pdf_that_becomes_corrupt_keeps_its_indexed_version(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.multi_cell(0, 8, "Harbour dredging begins in March.")
    (folder / "harbour.pdf").write_bytes(bytes(pdf.output()))
    assert library.index([folder]).added == ("harbour.pdf",)
    (folder / "harbour.pdf").write_bytes(bytes(pdf.output())[:200])

    report = library.index([folder])

    assert [Path(f.path).name for f in report.failed] == ["harbour.pdf"]
    assert texts(library, "harbour.pdf") == ["Harbour dredging begins in March."]


def test_two_folders_holding_one_file_name_in_one_run_are_both_indexed_under_ids_of_their_own(
    library: Library, tmp_path: Path
) -> None:
    # Regression: two folders holding report.txt indexed the first and dropped the second (later: named
    # it in failed); the second folder's file now takes an id with the folder's name in it.
    for name, text in (("a", "Report A\nThe ferry leaves at noon."), ("b", "Report B\nThe bus leaves at one.")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.txt").write_text(text, encoding="utf-8")

    report = library.index([tmp_path / "a", tmp_path / "b"])

    assert report.added == ("report.txt", "b/report.txt") and report.failed == ()
    assert sorted(texts(library)) == ["The bus leaves at one.", "The ferry leaves at noon."]


# --- sidecars: an edit to metadata.csv alone reaches the index -------------------------------


def titles(library: Library) -> dict[str, str]:
    return {d.id: d.title for d in library.store.documents()}


def test_editing_only_metadata_csv_retitles_the_document_and_its_paragraphs(
    library: Library, small_corpus: Path
) -> None:
    table = small_corpus / "metadata.csv"
    table.write_text("file,title\nferry.md,North pier ferry\n", encoding="utf-8")
    assert library.index([small_corpus]).added == ("ferry.md", "library.md")
    table.write_text("file,title\nferry.md,North pier ferry timetable\n", encoding="utf-8")

    report = library.index([small_corpus])
    again = library.index([small_corpus])

    assert (report.updated, report.unchanged) == (("ferry.md",), ("library.md",))
    assert titles(library) == {"ferry.md": "North pier ferry timetable", "library.md": "Library"}
    assert {p.title for p in library.store.paragraphs("ferry.md")} == {"North pier ferry timetable"}
    assert again.unchanged == ("ferry.md", "library.md") and again.updated == ()


def test_a_sidecar_only_edit_rewrites_the_document_with_its_stored_vectors_embedding_nothing(
    tmp_path: Path, small_corpus: Path, embedder: Embedder
) -> None:
    counting = TextCounting(embedder)
    library = Library(make_settings(tmp_path / "data"))
    library._embedder = counting  # type: ignore[misc]
    table = small_corpus / "metadata.csv"
    table.write_text("file,title,outlet\nferry.md,North pier ferry,Harbour News\n", encoding="utf-8")
    library.index([small_corpus])
    paragraphs, excerpts = library.store.stored_vectors("ferry.md")
    before = counting.embedded
    table.write_text("file,title,outlet\nferry.md,North pier ferry,Harbour Gazette\n", encoding="utf-8")

    report = library.index([small_corpus])

    assert report.updated == ("ferry.md",) and counting.embedded == before
    assert {d.id: d.outlet for d in library.store.documents()}["ferry.md"] == "Harbour Gazette"
    assert {p.outlet for p in library.store.paragraphs("ferry.md")} == {"Harbour Gazette"}
    after, after_excerpts = library.store.stored_vectors("ferry.md")
    old_vectors = {p.id: v for p, v in paragraphs}
    assert sorted(old_vectors) == sorted(p.id for p, _ in after) and len(after_excerpts) == len(excerpts)
    assert all(np.array_equal(vector, old_vectors[p.id]) for p, vector in after)
    (small_corpus / "ferry.md").write_text(FERRY + "\nThe café opens at nine.\n", encoding="utf-8")
    assert library.index([small_corpus]).updated == ("ferry.md",) and counting.embedded > before  # new text


def test_a_sidecar_only_edit_keeps_the_stored_entities_tagging_nothing(
    library: Library, small_corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tagger = shared_tagger()
    tagged: list[str] = []

    def counting(texts: list[str]) -> list[tuple[Entity, ...]]:
        tagged.extend(texts)
        return Tagger.entities(tagger, texts)

    monkeypatch.setattr(tagger, "entities", counting)
    table = small_corpus / "metadata.csv"
    table.write_text("file,title\nferry.md,North pier ferry\n", encoding="utf-8")
    library.index([small_corpus])
    first = library.store.paragraphs("ferry.md")
    stored = library.store.paragraph_entities(first)
    assert tagged and all(found is not None for found in stored.values())
    tagged.clear()
    table.write_text("file,title\nferry.md,North pier ferry timetable\n", encoding="utf-8")

    report = library.index([small_corpus])

    assert report.updated == ("ferry.md",) and tagged == []
    assert library.store.paragraph_entities(library.store.paragraphs("ferry.md")) == stored


def test_removing_a_meta_json_gives_the_document_back_its_own_title(library: Library, small_corpus: Path) -> None:
    sidecar = small_corpus / "library.md.meta.json"
    sidecar.write_text('{"title": "Sunday opening"}', encoding="utf-8")
    library.index([small_corpus])
    sidecar.unlink()

    report = library.index([small_corpus])

    assert report.updated == ("library.md",)
    assert titles(library)["library.md"] == "Library"


def test_records_from_before_sidecar_hashes_are_reindexed_once_only_where_a_sidecar_describes_the_file(
    library: Library, small_corpus: Path, embedder: Embedder
) -> None:
    (small_corpus / "metadata.csv").write_text("file,title\nferry.md,North pier ferry\n", encoding="utf-8")
    library.index([small_corpus])
    # Make the records as an older version wrote them: no sidecar_hash key, and no listing file.
    client = chromadb.PersistentClient(
        path=str(library.settings.chroma_path), settings=ChromaSettings(anonymized_telemetry=False)
    )
    records = client.get_collection(f"seeds{DOCUMENTS_SUFFIX}", embedding_function=None)
    page = records.get(include=["metadatas"])
    old = [{k: v for k, v in meta.items() if k != "sidecar_hash"} for meta in page["metadatas"]]
    records.delete(ids=page["ids"])
    records.add(ids=page["ids"], embeddings=[[0.0]] * len(old), metadatas=old)  # type: ignore[arg-type]
    (library.settings.data_dir / "texts" / "seeds" / LISTING_FILE).unlink()
    reopened = Library(make_settings(library.settings.data_dir))
    reopened._embedder = embedder  # type: ignore[misc]
    assert {d.sidecar_hash for d in reopened.store.documents()} == {""}

    first = reopened.index([small_corpus])
    second = reopened.index([small_corpus])

    assert (first.updated, first.unchanged) == (("ferry.md",), ("library.md",))
    assert second.unchanged == ("ferry.md", "library.md")


# --- schema ----------------------------------------------------------------------------------


def test_a_store_of_an_older_schema_is_reindexed_whole(tmp_path: Path, small_corpus: Path, embedder: Embedder) -> None:
    # A schema-2 store: paragraph rows with their own ids and no documents collection.
    settings = make_settings(tmp_path / "old")
    client = chromadb.PersistentClient(
        path=str(settings.chroma_path), settings=ChromaSettings(anonymized_telemetry=False)
    )
    old = client.get_or_create_collection("seeds", embedding_function=None, metadata={"schema": "2"})
    old.add(
        ids=["ferry.md#p1"],
        embeddings=[[0.1] * 384],
        documents=["The ferry was withdrawn."],
        metadatas=[{"doc_id": "ferry.md", "start": 0, "end": 24, "content_hash": "old"}],
    )
    reopened = Library(settings)
    reopened._embedder = embedder  # type: ignore[misc]
    assert reopened.store.schema_current() is False

    report = reopened.index([small_corpus])

    assert report.added == ("ferry.md", "library.md") and report.unchanged == ()
    assert Library(settings).store.schema_current() is True
    assert report.paragraphs == 5
    assert "The ferry was withdrawn." not in texts(reopened)
    assert reopened.index([small_corpus]).unchanged == ("ferry.md", "library.md")


def test_an_empty_store_counts_as_current(library: Library) -> None:
    assert library.store.schema_current() is True
    assert library.store.revision() == "empty"
    assert SCHEMA == "4"


# --- the document list, one file per revision -------------------------------------------------


def test_the_document_list_is_read_from_the_listing_of_the_current_revision_only(
    indexed: Library, small_corpus: Path
) -> None:
    path, texts_dir = indexed.settings.chroma_path, indexed.settings.data_dir / "texts"
    listing = texts_dir / "seeds" / LISTING_FILE
    saved = json.loads(listing.read_text(encoding="utf-8"))
    assert saved["revision"] == indexed.store.revision() and saved["ids"] == ["ferry.md", "library.md"]
    saved["columns"]["title"] = ["Planted", "Planted"]
    listing.write_text(json.dumps(saved), encoding="utf-8")

    planted = [d.title for d in ParagraphStore("seeds", path=path, texts_dir=texts_dir).documents()]
    (small_corpus / "ferry.md").write_text(FERRY.replace("every hour", "every two hours"), encoding="utf-8")
    indexed.index([small_corpus])  # a write: a new revision, whose listing the writer saves
    after = [d.title for d in ParagraphStore("seeds", path=path, texts_dir=texts_dir).documents()]

    assert planted == ["Planted", "Planted"]
    assert after == ["Ferry", "Library"]


def test_a_damaged_listing_costs_a_read_of_the_records_not_the_list(indexed: Library) -> None:
    texts_dir = indexed.settings.data_dir / "texts"
    (texts_dir / "seeds" / LISTING_FILE).write_text("{not json", encoding="utf-8")

    store = ParagraphStore("seeds", path=indexed.settings.chroma_path, texts_dir=texts_dir)

    assert [d.id for d in store.documents()] == ["ferry.md", "library.md"]


# --- the encoder a store was written with ----------------------------------------------------


@pytest.fixture(scope="module")
def int8(model_cache: Path) -> Embedder:
    return Embedder(encoder="onnx-int8", cache_dir=model_cache)


def test_indexing_with_another_encoder_is_refused_and_the_store_kept(
    indexed: Library, small_corpus: Path, int8: Embedder
) -> None:
    before = texts(indexed)
    (small_corpus / "ferry.md").write_text(FERRY.replace("every hour", "every two hours"), encoding="utf-8")

    with pytest.raises(StoreError) as refused:
        ingest([small_corpus], indexed.store, lambda: int8)

    message = str(refused.value)
    assert "collection 'seeds'" in message and "onnx-fp32" in message
    assert "BRIEFING_ENCODER=onnx-fp32" in message and "--collection" in message
    assert texts(indexed) == before


def test_asking_with_another_encoder_is_refused(indexed: Library, int8: Embedder) -> None:
    reader = Library(indexed.settings)
    reader._embedder = int8  # type: ignore[misc]

    with pytest.raises(StoreError, match="indexed with encoder onnx-fp32, but BRIEFING_ENCODER is onnx-int8"):
        reader.retrieve("When does the ferry leave?")


def test_the_encoder_is_recorded_across_processes_and_other_writes(indexed: Library, small_corpus: Path) -> None:
    (small_corpus / "library.md").unlink()
    indexed.index([small_corpus])  # a removal rewrites the store's metadata

    reopened = ParagraphStore("seeds", path=indexed.settings.chroma_path)

    with pytest.raises(StoreError, match="onnx-fp32"):
        reopened.check_encoder("onnx-int8")
    reopened.check_encoder("onnx-fp32")


def test_an_emptied_store_takes_the_next_encoder(indexed: Library, small_corpus: Path, int8: Embedder) -> None:
    indexed.store.reset()

    ingest([small_corpus], indexed.store, lambda: int8)

    with pytest.raises(StoreError, match="indexed with encoder onnx-int8"):
        indexed.store.check_encoder("onnx-fp32")


# --- what the store keeps --------------------------------------------------------------------


LONG = (
    "The council approved the new harbour wall after three years of argument about its cost and its height. "
    "Work starts in March and the contractor expects to finish before the winter storms of the following year. "
    "Fishermen asked for a wider channel so that the larger trawlers can reach the inner basin at low tide. "
    "The mayor said the wall would protect two hundred homes that flooded twice in the last decade."
)


def test_with_a_minimum_a_short_paragraphs_excerpt_rows_carry_its_vector_yet_the_answerer_gets_their_own(
    tmp_path: Path, embedder: Embedder
) -> None:
    library = Library(make_settings(tmp_path / "data", excerpt_min_tokens=64))
    library._embedder = embedder  # type: ignore[misc]
    folder = tmp_path / "mixed"
    folder.mkdir()
    short = "The ferry leaves every hour. Tickets cost four pounds."
    (folder / "harbour.md").write_text(f"# Harbour\n\n{LONG}\n\n{short}\n", encoding="utf-8")
    assert embedder.count_tokens(LONG) >= 64 > embedder.count_tokens(short)

    library.index([folder])

    long_id, short_id = (p.id for p in library.store.paragraphs("harbour.md"))
    rows = library.store._excerpts.get(include=["metadatas", "embeddings"])
    by_paragraph: dict[str, list[tuple[int, np.ndarray]]] = {}
    for meta, vector in zip(rows["metadatas"], rows["embeddings"], strict=True):
        by_paragraph.setdefault(meta["paragraph_id"], []).append((int(meta.get("shared", 0)), np.asarray(vector)))
    paragraph_vector = embedder.embed([f"Harbour: {short}"])[0]
    assert [flag for flag, _ in by_paragraph[short_id]] == [1, 1]
    assert all(np.allclose(vector, paragraph_vector, atol=1e-5) for _, vector in by_paragraph[short_id])
    assert [flag for flag, _ in by_paragraph[long_id]] == [0, 0, 0, 0]
    for excerpt, vector in library.store.excerpts([long_id, short_id]):
        assert np.allclose(vector, embedder.embed([excerpt.text])[0], atol=1e-5), excerpt.text


def test_by_default_every_excerpt_row_holds_its_own_vector(seeded_library: Library, embedder: Embedder) -> None:
    rows = seeded_library.store._excerpts.get(include=["metadatas", "embeddings"], limit=20)
    texts = {p.id: p.text for p in seeded_library.store.paragraphs()}

    assert rows["ids"] and not any(meta.get("shared") for meta in rows["metadatas"])
    own = embedder.embed([texts[m["paragraph_id"]][m["start"] : m["end"]] for m in rows["metadatas"]])
    assert np.allclose(np.asarray(rows["embeddings"]), own, atol=1e-5)


def test_an_excerpt_row_holds_no_text_and_reads_back_cut_from_its_paragraph(seeded_library: Library) -> None:
    store = seeded_library.store
    paragraphs = store.paragraphs()[10:13]
    rows = store._excerpts.get(where={"doc_id": paragraphs[0].doc_id}, include=["documents"])

    assert rows["ids"] and all(text is None for text in rows["documents"])
    read = store.excerpts([p.id for p in paragraphs])
    assert read and {e.paragraph_id for e, _ in read} == {p.id for p in paragraphs}
    for excerpt, _ in read:
        paragraph = next(p for p in paragraphs if p.id == excerpt.paragraph_id)
        assert excerpt.text and excerpt.text == paragraph.text[excerpt.start : excerpt.end]
    vector = next(v for e, v in read)
    nearest = store.nearest_excerpts(vector, 3)
    assert nearest[0][0] == read[0][0] and nearest[0][0].text  # with text: cut from the paragraph row
    assert store.nearest_excerpts(vector, 3, with_text=False)[0][0].text == ""


def test_excerpts_are_stored_for_every_paragraph_as_its_quotable_spans(seeded_library: Library) -> None:
    paragraphs = seeded_library.store.paragraphs()

    stored = seeded_library.store.excerpts([p.id for p in paragraphs])

    by_paragraph: dict[str, list[tuple[int, int, str]]] = {}
    for excerpt, vector in stored:
        by_paragraph.setdefault(excerpt.paragraph_id, []).append((excerpt.start, excerpt.end, excerpt.text))
        assert vector.shape == (384,)
    for paragraph in paragraphs:
        spans = quote_spans(paragraph.text)
        assert by_paragraph[paragraph.id] == [(s, e, paragraph.text[s:e]) for s, e in spans], paragraph.id


def test_document_text_is_the_indexed_text_and_paragraph_offsets_point_into_it(seeded_library: Library) -> None:
    for doc_id in SEED_IDS:
        text = seeded_library.document_text(doc_id)
        assert text == (SEEDS / doc_id).read_text(encoding="utf-8")
        for paragraph in seeded_library.paragraphs(doc_id):
            assert text[paragraph.start : paragraph.end] == paragraph.text


def test_document_text_of_an_unknown_document_is_none(seeded_library: Library) -> None:
    assert seeded_library.document_text("no-such-document.txt") is None


def test_the_store_holds_the_same_paragraphs_as_the_chunker_makes(seeded_library: Library, embedder: Embedder) -> None:
    expected = [
        (p.id, p.text, p.start, p.end, p.heading)
        for d in load_paths([SEEDS]).documents
        for p in chunk_document(d, count_tokens=embedder.count_tokens)
    ]

    stored = [(p.id, p.text, p.start, p.end, p.heading) for p in seeded_library.store.paragraphs()]

    assert sorted(stored) == sorted(expected)


def test_the_seeded_store_lists_three_documents_with_their_metadata(seeded_library: Library) -> None:
    summaries = {d.id: d for d in seeded_library.documents()}

    assert sorted(summaries) == list(SEED_IDS)
    assert summaries[SEED_IDS[1]].outlet == "The Vault AI Staff"
    assert summaries[SEED_IDS[2]].title == "US-China Sign First Bilateral AI Safety Pact in Beijing"
    assert {d.date for d in summaries.values()} == {"2026-05-14"}
    assert sum(d.paragraphs for d in summaries.values()) == seeded_library.store.count()


def test_paragraphs_by_id_keeps_the_order_asked_and_leaves_out_unknown_ids(seeded_library: Library) -> None:
    wanted = [f"{SEED_IDS[2]}#p3", "nope#p1", f"{SEED_IDS[0]}#p1"]

    found = seeded_library.store.paragraphs_by_id(wanted)

    assert [p.id for p in found] == [f"{SEED_IDS[2]}#p3", f"{SEED_IDS[0]}#p1"]


def test_replacing_a_document_with_a_vector_count_that_does_not_match_is_refused(
    library: Library, small_corpus: Path
) -> None:
    document = load_paths([small_corpus / "ferry.md"]).documents[0]
    paragraphs = chunk_document(document)

    with pytest.raises(StoreError, match="paragraphs but"):
        library.store.replace_document(document, paragraphs, library.embedder().embed(["only one"]))
    assert library.store.count() == 0


# --- collection names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("seeds", "seeds"),
        ("second_corpus", "second_corpus"),
        ("my corpus", "my-corpus"),
        ("news/2026 (May)", "news-2026-May"),
        ("Ünïcode docs!", "n-code-docs"),
        ("a", "a-corpus"),
        ("__x__", "x-corpus"),
        ("..", "corpus"),
        ("", "corpus"),
    ],
)
def test_collection_name_makes_any_name_chroma_safe(raw: str, name: str) -> None:
    assert collection_name(raw) == name


@given(st.text(max_size=80))
def test_collection_name_always_gives_a_name_chroma_accepts(raw: str) -> None:
    name = collection_name(raw)

    assert _NAME.match(name), name


@pytest.mark.parametrize("raw", ["x" * 600, "a" + "." * 600 + "b"], ids=["600-letters", "dots-inside"])
def test_a_store_opens_under_any_name_collection_name_gives(tmp_path: Path, raw: str) -> None:
    # Regression: 'x'*600 gave 512 characters, too long once '.excerpts' is added; 'a'+'.'*600+'b' gave 'a'.
    store = ParagraphStore(collection_name(raw), path=tmp_path / "chroma")

    assert store.count() == 0


def test_an_invalid_collection_name_is_refused_with_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not valid"):
        ParagraphStore("no spaces allowed", path=tmp_path / "chroma")


def test_an_ingest_report_is_ok_only_without_failures() -> None:
    assert IngestReport().ok is True


class SeededVectors:
    """Seeded unit vectors per text (no model), counting its embed calls."""

    def __init__(self) -> None:
        self.calls = 0

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rng = np.random.default_rng(len(texts))
        vectors = rng.normal(size=(len(texts), 384)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_a_write_runs_while_the_next_texts_are_embedded_and_all_have_landed_when_ingest_returns(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(30):  # 30 x 8 paragraphs x (1 + 3 sentences) = 960 rows: two embed groups and writes
        paragraph = "The council met on Monday. It voted on the budget. The vote was close."
        (corpus / f"minutes-{n:02d}.txt").write_text("\n\n".join([paragraph] * 8), encoding="utf-8")
    store = ParagraphStore("writes", path=tmp_path / "chroma", texts_dir=tmp_path / "texts")
    model = SeededVectors()
    overlapped: list[bool] = []

    def at_step(step: str) -> None:
        # The first write is queued after the first embed call and waits, on its own thread, for the
        # second; a write made on the ingesting thread would wait in vain (and the test fail after the
        # timeout). Counting from the first call, not from when the write got here: a write thread that
        # starts late finds the second call made already, which is the overlap all the same.
        if step == "text" and not overlapped:
            deadline = time.monotonic() + 20
            while model.calls < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            overlapped.append(model.calls >= 2)

    store.checkpoint = at_step
    report = ingest([corpus], store, lambda: model)  # type: ignore[arg-type,return-value]

    assert overlapped == [True]
    assert report.paragraphs == 30 * 8
    assert {d.id: d.paragraphs for d in store.documents()} == {f"minutes-{n:02d}.txt": 8 for n in range(30)}
