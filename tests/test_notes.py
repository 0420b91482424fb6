"""Notes: answers kept in SQLite with their citations; renamed, deleted, exported, flagged when a source changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import SEEDS

from assistant.answer import Answer
from assistant.brief_render import render_markdown
from assistant.library import Library
from assistant.notes import NoteError, Notes, brief_from_notes, notes_markdown

QUESTION = "Who announced the AI safety protocol?"


@pytest.fixture(scope="module")
def answer(seeded_library: Library) -> Answer:
    return seeded_library.ask(QUESTION)


def test_a_saved_note_keeps_question_answer_and_each_citations_paragraph_id_offsets_and_text(
    tmp_path: Path, answer: Answer
) -> None:
    notes = Notes(tmp_path / "notes.sqlite3", "seeds")

    note = notes.save(answer)

    assert (note.title, note.question, note.answer) == (QUESTION, QUESTION, answer.text)
    assert [(c.n, c.paragraph) for c in note.citations] == [(c.n, c.paragraph) for c in answer.citations]
    assert all(c.quotes for c in note.citations), "each citation keeps the sentences that quote it"


def test_notes_survive_a_new_connection_as_after_a_restart(tmp_path: Path, answer: Answer) -> None:
    Notes(tmp_path / "notes.sqlite3", "seeds").save(answer)

    reopened = Notes(tmp_path / "notes.sqlite3", "seeds").all()

    assert [n.question for n in reopened] == [QUESTION]


def test_each_notebook_sees_only_its_own_notes(tmp_path: Path, answer: Answer) -> None:
    Notes(tmp_path / "notes.sqlite3", "seeds").save(answer)

    assert Notes(tmp_path / "notes.sqlite3", "nb-other").all() == []


def test_a_note_can_be_renamed_and_deleted(tmp_path: Path, answer: Answer) -> None:
    notes = Notes(tmp_path / "notes.sqlite3", "seeds")
    note = notes.save(answer)

    assert notes.rename(note.id, "  Bessent and the protocol ").title == "Bessent and the protocol"
    notes.delete(note.id)

    assert notes.all() == []
    with pytest.raises(NoteError, match="no note"):
        notes.delete(note.id)


def test_an_abstention_cannot_be_saved(tmp_path: Path, seeded_library: Library) -> None:
    abstained = seeded_library.ask("What is the boiling point of mercury?")
    assert abstained.abstained

    with pytest.raises(NoteError, match="only an answer with citations"):
        Notes(tmp_path / "notes.sqlite3", "seeds").save(abstained)


def test_the_markdown_export_holds_every_cited_paragraph_in_full(tmp_path: Path, answer: Answer) -> None:
    notes = Notes(tmp_path / "notes.sqlite3", "seeds")
    notes.save(answer)

    text = notes_markdown(notes.all(), "seeds")

    assert text.startswith("# Notes: seeds")
    for c in answer.citations:
        assert f"`{c.paragraph.id}` (characters {c.paragraph.start}–{c.paragraph.end})" in text
        assert all(f"> {line}" in text for line in c.paragraph.text.splitlines() if line.strip())


def test_a_brief_can_be_written_from_the_notes_alone(tmp_path: Path, seeded_library: Library) -> None:
    notes = Notes(tmp_path / "notes.sqlite3", "seeds")
    saved = notes.save(seeded_library.ask(QUESTION))
    noted = {p.id for p in saved.paragraphs()}

    brief = brief_from_notes(notes.all(), seeded_library.embedder().embed)

    cited = {p.id for claim in brief.claims for p in (q.paragraph for q in claim.quotes)}
    assert cited and cited <= noted
    assert render_markdown(brief).strip()


def test_a_note_whose_cited_paragraph_changed_on_reindex_is_flagged_and_keeps_its_text(
    tmp_path: Path, library: Library
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    library.index([corpus])
    note = library.notes.save(library.ask(QUESTION))
    cited = note.citations[0].paragraph
    source = corpus / cited.doc_id
    source.write_text(source.read_text(encoding="utf-8").replace("Bessent", "Yellen"), encoding="utf-8")

    assert library.changed_citations(note) == set()
    library.index([corpus])

    again = library.notes.get(note.id)
    assert cited.id in library.changed_citations(again)
    assert again.citations[0].paragraph.text == cited.text, "the note is flagged, not rewritten"
    assert "changed since this note was saved" in notes_markdown([again], "seeds", {again.id: {cited.id}})
