"""Suggested questions: drawn from a notebook's own entities and headings, each shown only once answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO

from assistant.answer import compose
from assistant.library import Library
from assistant.suggest import answerable, draft
from index.entities import shared_tagger
from index.records import Paragraph, Passage

SECOND = REPO / "tests" / "fixtures" / "second_corpus" / "docs"


@pytest.fixture(scope="module")
def second_library(tmp_path_factory: pytest.TempPathFactory, seeded_library: Library) -> Library:
    from conftest import make_settings

    library = Library(
        make_settings(tmp_path_factory.mktemp("second"), collection="second"), embedder=seeded_library.embedder()
    )
    assert library.index([SECOND]).ok
    return library


@pytest.fixture(params=["seeds", "second"])
def notebook(request: pytest.FixtureRequest, seeded_library: Library, second_library: Library) -> Library:
    return seeded_library if request.param == "seeds" else second_library


def test_a_notebook_opens_with_three_to_five_questions_each_answered_with_a_citation(notebook: Library) -> None:
    questions = notebook.suggestions()

    assert 3 <= len(questions) <= 5, questions
    for question in questions:
        answer = notebook.ask(question)
        assert not answer.abstained and answer.citations, question


def test_follow_ups_come_from_the_cited_documents_and_repeat_no_question_asked(notebook: Library) -> None:
    first = notebook.suggestions()[0]
    answer = notebook.ask(first)

    follow_ups = notebook.follow_ups(answer, asked=[first])

    assert first not in follow_ups
    for question in follow_ups:
        again = notebook.ask(question)
        assert not again.abstained and again.citations, question


def test_the_same_questions_come_back_from_the_cache_after_a_restart(seeded_library: Library) -> None:
    reopened = Library(seeded_library.settings, embedder=seeded_library.embedder())

    assert reopened.suggestions() == seeded_library.suggestions()


def test_subjects_named_in_more_documents_come_first_and_a_short_name_joins_the_full_one() -> None:
    def p(doc: str, text: str) -> Paragraph:
        return Paragraph(f"{doc}#p1", doc, text, 0, len(text), title=doc)

    paragraphs = [
        p("a.txt", "Mayor Alma Reyes opened the Corvin bridge on Monday."),
        p("b.txt", "Reyes said the Corvin bridge cost less than planned."),
        p("c.txt", "Alma Reyes thanked the engineers of Dunmore Works."),
    ]

    drafted = draft(paragraphs, shared_tagger())

    first = drafted[0]
    assert first.subject == "Alma Reyes" and first.doc_ids == ("a.txt", "b.txt", "c.txt")
    assert not any(s.subject == "Reyes" for s in drafted)


def paragraph(text: str) -> Paragraph:
    return Paragraph("r.txt#p1", "r.txt", text, 0, len(text), title="R")


@pytest.mark.parametrize(
    ("quoted", "subject", "ok"),
    [
        ("The Corvin bridge opened on Monday after four years of building work.", "Corvin", True),
        ("Corvin?", "Corvin", False),  # cites the subject, says nothing
        ("The harbour opened on Monday after four years of building work.", "Corvin", False),  # not about it
    ],
)
def test_a_question_counts_as_answerable_only_when_the_answer_says_something_about_its_subject(
    quoted: str, subject: str, ok: bool
) -> None:
    cited = paragraph(quoted)
    answer = compose("What is reported about Corvin?", [(quoted, cited)], [Passage(cited, 1.0, rank=1)])

    assert answerable(answer, subject) is ok


def test_an_empty_notebook_suggests_nothing(tmp_path: Path, library: Library) -> None:
    assert library.suggestions() == []
