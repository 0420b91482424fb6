"""The source filter: documents and a date range an answer may quote, through BM25, Chroma and the answerer."""

from __future__ import annotations

import pytest

from assistant.library import Library
from assistant.sources import FilterError, SourceFilter
from index.records import DocumentSummary

QUESTION = "Who announced the AI safety protocol?"


def summary(doc_id: str, date: str | None) -> DocumentSummary:
    return DocumentSummary(doc_id, f"Title of {doc_id}", date, None, "/r", "h", 3)


DOCS = [summary("a.md", "2026-01-05"), summary("b.md", "2026-03-10"), summary("c.md", None)]


@pytest.mark.parametrize(
    ("doc_ids", "since", "until", "kept"),
    [
        ((), None, None, ["a.md", "b.md", "c.md"]),
        (("b.md",), None, None, ["b.md"]),
        ((), "2026-02-01", None, ["b.md"]),
        ((), None, "2026-02-01", ["a.md"]),
        ((), "2026-01-05", "2026-03-10", ["a.md", "b.md"]),  # both ends inclusive; the undated one left out
        (("a.md", "c.md"), None, None, ["a.md", "c.md"]),
    ],
)
def test_a_filter_keeps_the_chosen_documents_within_the_date_range(
    doc_ids: tuple[str, ...], since: str | None, until: str | None, kept: list[str]
) -> None:
    assert [d.id for d in SourceFilter.of(doc_ids, since, until).select(DOCS)] == kept


@pytest.mark.parametrize(
    ("doc_ids", "since", "until", "message"),
    [
        (("zzz.md",), None, None, "no document 'zzz.md'"),
        ((), "2027-01-01", None, "no document matches"),
        ((), "2026-31-01", None, "since date '2026-31-01' is not a date"),
        ((), "2026-05-01", "2026-04-01", "the date range is empty"),
    ],
)
def test_a_filter_that_keeps_nothing_or_is_malformed_says_what_to_fix(
    doc_ids: tuple[str, ...], since: str | None, until: str | None, message: str
) -> None:
    with pytest.raises(FilterError, match=message):
        SourceFilter.of(doc_ids, since, until).select(DOCS)


def test_blank_form_fields_make_an_empty_filter() -> None:
    assert SourceFilter.of(["", " "], " ", "").empty


def test_retrieval_with_a_document_filter_returns_only_that_documents_paragraphs(seeded_library: Library) -> None:
    everything = seeded_library.retriever.retrieve(QUESTION, 10)
    chosen = everything[-1].paragraph.doc_id  # a document that is not the best match on its own

    filtered = seeded_library.retriever.retrieve(QUESTION, 10, doc_ids=[chosen])

    assert filtered and {p.paragraph.doc_id for p in filtered} == {chosen}
    assert len(filtered) == 10


def test_the_keyword_side_alone_respects_the_filter(seeded_library: Library) -> None:
    keyword = seeded_library.retriever.keyword
    chosen = keyword.search(QUESTION, 30)[-1][0].rpartition("#")[0]  # hits are (paragraph id, score)

    hits = keyword.search(QUESTION, 30, doc_ids={chosen})

    assert hits and all(pid.rpartition("#")[0] == chosen for pid, _ in hits)


@pytest.mark.parametrize("doc_index", [0, 1, 2])
def test_an_answer_with_a_document_filter_cites_only_that_document_and_says_so(
    seeded_library: Library, doc_index: int
) -> None:
    document = seeded_library.documents()[doc_index]

    answer = seeded_library.ask(QUESTION, sources=SourceFilter.of([document.id]))

    assert {p.paragraph.doc_id for p in answer.passages} == {document.id}
    assert all(c.paragraph.doc_id == document.id for c in answer.citations)
    assert answer.notes[0].startswith("Answered only from 1 selected document") and document.title in answer.notes[0]


def test_an_answer_without_a_filter_carries_no_filter_note(seeded_library: Library) -> None:
    assert not any(note.startswith("Answered only from") for note in seeded_library.ask(QUESTION).notes)


def test_the_exact_search_of_a_narrow_filter_ranks_as_chromas_filtered_query_does(seeded_library: Library) -> None:
    store = seeded_library.store
    vector = seeded_library.retriever.embed_question(QUESTION)
    chosen = [seeded_library.documents()[1].id]

    exact = store.nearest(vector, 8, doc_ids=chosen, exact=True)
    queried = store.nearest(vector, 8, doc_ids=chosen)

    assert [p.id for p, _ in exact] == [p.id for p, _ in queried]
    assert [round(s, 4) for _, s in exact] == [round(s, 4) for _, s in queried]
    excerpts = store.nearest_excerpts(vector, 12, doc_ids=chosen, exact=True)
    assert [e.paragraph_id for e, _ in excerpts] == [
        e.paragraph_id for e, _ in store.nearest_excerpts(vector, 12, doc_ids=chosen)
    ]
