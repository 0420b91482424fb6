"""Hybrid retrieval: paraphrased questions find the paragraph that holds the fact; the keyword index is cached."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.library import Library
from index.embed import Embedder
from index.keyword import KeywordIndex
from index.retrieve import RRF_K, Retriever
from index.text import terms

# A paraphrase of a seed fact, and a snippet only the paragraphs holding that fact contain.
PARAPHRASES = [
    ("Which graphics processor did Washington approve for sale to Chinese companies?", "H200"),
    ("Who was the Nvidia boss in Beijing?", "Jensen Huang"),
    ("What year did US restrictions on chip sales to China begin?", "since 2022"),
    ("How many Chinese companies were reportedly allowed to buy Nvidia's chip?", "roughly 10"),
    ("Which island did Xi call the most important issue in relations with America?", "Taiwan"),
    ("When did Biden and Xi agree to discuss AI risks?", "November 2023"),
    ("Which Chinese startup surprised Silicon Valley with a cheap model?", "DeepSeek"),
    ("Which model from Anthropic worried Washington?", "Mythos"),
    ("Which consultancies could build compliance products on the framework?", "Credo AI"),
]


@pytest.mark.parametrize(("question", "evidence"), PARAPHRASES)
def test_the_paragraph_holding_the_fact_ranks_in_the_top_three(
    seeded_library: Library, question: str, evidence: str
) -> None:
    passages = seeded_library.retrieve(question, k=5)

    ranks = [p.rank for p in passages if evidence in p.paragraph.text]
    assert ranks and ranks[0] <= 3, [(p.rank, p.paragraph.text[:70]) for p in passages]


def test_passages_are_ranked_one_to_k_by_falling_fused_score(seeded_library: Library) -> None:
    passages = seeded_library.retrieve("Who was the Nvidia boss in Beijing?", k=5)

    assert [p.rank for p in passages] == [1, 2, 3, 4, 5]
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert len({p.paragraph.id for p in passages}) == 5
    # Each of the three ranked lists adds at most 1/(RRF_K + 1).
    assert all(0 < p.score <= 3 / (RRF_K + 1) for p in passages)


def test_a_passage_found_by_both_sides_carries_both_scores(seeded_library: Library) -> None:
    top = seeded_library.retrieve("Nvidia CEO Jensen Huang in Beijing", k=1)[0]

    assert "Jensen Huang" in top.paragraph.text
    assert top.dense is not None and 0 < top.dense <= 1
    assert top.lexical is not None and top.lexical > 0


def test_a_question_of_only_stopwords_still_gets_dense_passages(seeded_library: Library) -> None:
    passages = seeded_library.retrieve("what is it about?", k=3)

    assert len(passages) == 3
    assert all(p.lexical is None for p in passages)


def test_an_empty_store_retrieves_nothing(library: Library) -> None:
    assert library.retrieve("Who was the Nvidia boss in Beijing?") == []


# --- the keyword index cache -----------------------------------------------------------------


def mtimes(folder: Path) -> dict[str, int]:
    return {str(f.relative_to(folder)): f.stat().st_mtime_ns for f in folder.rglob("*") if f.is_file()}


def test_the_keyword_index_is_saved_in_one_file_with_the_store_content_it_holds(
    seeded_library: Library, tmp_path: Path
) -> None:
    store = seeded_library.store

    index = KeywordIndex.for_store(store, tmp_path)

    saved = KeywordIndex.load(tmp_path / store.name / "keyword.npz")
    assert saved is not None
    assert saved.manifest == store.manifest() == index.manifest
    assert len(saved) == len(index) == store.count()


def test_an_unchanged_store_loads_the_saved_keyword_index_instead_of_rebuilding(
    seeded_library: Library, tmp_path: Path
) -> None:
    store = seeded_library.store
    built = KeywordIndex.for_store(store, tmp_path)
    saved = mtimes(tmp_path)

    loaded = KeywordIndex.for_store(store, tmp_path)

    assert mtimes(tmp_path) == saved
    assert sorted(loaded.ids) == sorted(built.ids)
    assert {t: loaded.document_frequency.get(t) for t in ("nvidia", "protocol", "zzz")} == {
        t: built.document_frequency.get(t) for t in ("nvidia", "protocol", "zzz")
    }
    question = "Nvidia CEO Jensen Huang"
    assert [(pid, round(s, 5)) for pid, s in loaded.search(question, 5)] == [
        (pid, round(s, 5)) for pid, s in built.search(question, 5)
    ]


@pytest.mark.parametrize("question", ["Nvidia CEO Jensen Huang", "chips sold to China since 2022", "safety protocol"])
def test_the_keyword_index_scores_as_bm25s_does_over_the_whole_collection(
    seeded_library: Library, question: str
) -> None:
    import bm25s

    paragraphs = seeded_library.store.paragraphs()
    reference = bm25s.BM25()
    reference.index([terms(f"{p.heading} {p.text}") for p in paragraphs], show_progress=False)
    docs, scores = reference.retrieve([list(dict.fromkeys(terms(question)))], k=8, show_progress=False)

    ours = KeywordIndex.build(paragraphs).search(question, 8)

    expected = [(paragraphs[int(i)].id, round(float(s), 4)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0]
    assert sorted((round(s, 4), pid) for pid, s in ours) == sorted((s, pid) for pid, s in expected)


def test_replacing_and_removing_documents_in_place_equals_building_afresh(seeded_library: Library) -> None:
    paragraphs = seeded_library.store.paragraphs()
    first, second = sorted({p.doc_id for p in paragraphs})[:2]
    index = KeywordIndex.build(paragraphs)
    edited = [p for p in paragraphs if p.doc_id == first][:3]

    index.add_document(first, "g2", edited)  # the first document now has 3 paragraphs
    index.remove_document(second)

    fresh = KeywordIndex.build([p for p in paragraphs if p.doc_id not in (first, second)] + edited)
    for question in ("Nvidia CEO Jensen Huang", "AI safety protocol signed in Beijing", "Taiwan"):
        got = sorted((round(s, 4), pid) for pid, s in index.search(question, 10))
        assert got == sorted((round(s, 4), pid) for pid, s in fresh.search(question, 10))
    assert len(index) == len(fresh)


def test_keyword_search_can_be_held_to_some_documents(seeded_library: Library) -> None:
    index = KeywordIndex.build(seeded_library.store.paragraphs())
    one = seeded_library.documents()[0].id

    hits = index.search("Nvidia chips China", 10, doc_ids={one})

    assert hits and {pid.rsplit("#p", 1)[0] for pid, _ in hits} == {one}


def test_a_retriever_reuses_its_keyword_index_while_the_store_is_unchanged(
    seeded_library: Library, embedder: Embedder, tmp_path: Path
) -> None:
    retriever = Retriever(seeded_library.store, lambda: embedder, tmp_path)

    first = retriever.keyword

    assert retriever.keyword is first


@pytest.fixture
def harbour_library(library: Library, tmp_path: Path) -> tuple[Library, Path]:
    corpus = tmp_path / "harbour"
    corpus.mkdir()
    (corpus / "harbour.md").write_text(
        "# Harbour\n\nDredging of the harbour begins in March.\n\nThe channel closes to large ships for six weeks.\n",
        encoding="utf-8",
    )
    assert library.index([corpus]).ok
    return library, corpus


def test_the_keyword_index_is_updated_after_an_ingest_that_changed_something(
    harbour_library: tuple[Library, Path],
) -> None:
    library, corpus = harbour_library
    cache = library.settings.data_dir / "bm25" / library.collection
    assert library.retriever.keyword.search("zephyr", 3) == []
    old_revision = library.store.revision()
    (corpus / "wind.md").write_text("# Wind\n\nA zephyr blew across the harbour all morning.\n", encoding="utf-8")

    library.index([corpus])

    hits = library.retriever.keyword.search("zephyr", 3)
    assert [pid for pid, _ in hits] == ["wind.md#p1"]
    assert library.store.revision() != old_revision
    assert [f.name for f in cache.iterdir()] == ["keyword.npz"]  # one file, updated in place


def test_an_ingest_that_changed_nothing_keeps_the_keyword_index(harbour_library: tuple[Library, Path]) -> None:
    library, corpus = harbour_library
    index = library.retriever.keyword
    revision = library.store.revision()

    library.index([corpus])

    assert library.store.revision() == revision
    assert library.retriever.keyword is index


def test_the_keyword_index_follows_changes_made_through_another_store_instance(
    harbour_library: tuple[Library, Path], embedder: Embedder
) -> None:
    # Regression: revision() read metadata cached at open, so another writer's changes left BM25 stale.
    writer, corpus = harbour_library
    reader = Library(writer.settings)
    reader._embedder = embedder  # type: ignore[misc]
    assert reader.retriever.keyword.search("zephyr", 3) == []
    (corpus / "wind.md").write_text("# Wind\n\nA zephyr blew across the harbour all morning.\n", encoding="utf-8")

    writer.index([corpus])

    assert [pid for pid, _ in reader.retriever.keyword.search("zephyr", 3)] == ["wind.md#p1"]


# --- terms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The chips were cleared for sale", ["chip", "clear", "sale"]),
        ("Nvidia's H200 processors", ["nvidia", "h200", "processor"]),
        ("What is the capital of Australia?", ["capit", "australia"]),
        ("Negotiating negotiations negotiated", ["negoti", "negoti", "negoti"]),
        ("US-China AI safety protocol", ["us", "china", "ai", "safeti", "protocol"]),  # "US" is not "us"
        ("since 2022, roughly 10 companies", ["sinc", "2022", "rough", "10", "compani"]),
        ("according to what he said", []),
        ("The THE the", []),
        ("", []),
    ],
)
def test_terms_are_lowercased_stems_without_stopwords(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_idf_is_highest_for_unseen_terms_and_lower_for_common_ones(seeded_library: Library, tmp_path: Path) -> None:
    index = KeywordIndex.for_store(seeded_library.store, tmp_path)

    unseen, rare, common = index.idf("zzzunseen"), index.idf("mytho"), index.idf("protocol")

    assert unseen > rare > common > 0
    assert index.document_frequency.get("zzzunseen") is None
