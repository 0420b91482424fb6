"""Saved notes: answers kept with their citations (paragraph ids, offsets, text) in SQLite in the data folder."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.answer import Answer
from index.records import Paragraph

if TYPE_CHECKING:
    import numpy as np

    from assistant.brief import Brief

NOTES_FILE = "notes.sqlite3"
TITLE_CHARS = 120

_SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    collection TEXT NOT NULL,
    title TEXT NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS citations (
    note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
    n INTEGER NOT NULL,
    paragraph_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    title TEXT NOT NULL,
    date TEXT,
    outlet TEXT,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    heading TEXT NOT NULL,
    quotes TEXT NOT NULL,
    PRIMARY KEY (note_id, n)
);
CREATE INDEX IF NOT EXISTS notes_by_collection ON notes(collection, id);
"""


@dataclass(frozen=True)
class NotedCitation:
    """A cited paragraph as it read when the note was saved, and the sentences of the answer that quote it."""

    n: int
    paragraph: Paragraph
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    """One saved answer: its title (editable), question, text with [n] markers, and citations."""

    id: int
    title: str
    question: str
    answer: str
    created: str
    citations: tuple[NotedCitation, ...]

    def paragraphs(self) -> list[Paragraph]:
        return [c.paragraph for c in self.citations]


class NoteError(LookupError):
    """A note that is not there, or an answer that cannot be kept; the message says why."""


class Notes:
    """The notes of one notebook (keyed by its collection) in one SQLite file shared by all notebooks."""

    def __init__(self, path: Path, collection: str) -> None:
        self.path = path
        self.collection = collection
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: the chat's handlers run on several threads.
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            db.execute("PRAGMA foreign_keys = ON")
            with db:  # one transaction: committed on success, rolled back on error
                yield db

    def save(self, answer: Answer, title: str | None = None) -> Note:
        """Keep the answer with its citations; an abstention (nothing cited) is refused."""
        if answer.abstained or not answer.citations:
            raise NoteError("only an answer with citations can be saved to notes")
        created = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        name = _title(title or answer.question)
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO notes (collection, title, question, answer, created) VALUES (?, ?, ?, ?, ?)",
                (self.collection, name, answer.question, answer.text, created),
            )
            note_id = int(cursor.lastrowid or 0)
            for c in answer.citations:
                p = c.paragraph
                quoted = json.dumps([claim.text for claim in answer.claims if c.n in claim.citations])
                db.execute(
                    "INSERT INTO citations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        note_id,
                        c.n,
                        p.id,
                        p.doc_id,
                        p.title,
                        p.date,
                        p.outlet,
                        p.start,
                        p.end,
                        p.text,
                        p.heading,
                        quoted,
                    ),
                )
        return self.get(note_id)

    def all(self) -> list[Note]:
        """This notebook's notes, newest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT id FROM notes WHERE collection = ? ORDER BY id DESC", (self.collection,)
            ).fetchall()
        return [self.get(int(row[0])) for row in rows]

    def get(self, note_id: int) -> Note:
        with self._db() as db:
            row = db.execute(
                "SELECT id, title, question, answer, created FROM notes WHERE id = ? AND collection = ?",
                (note_id, self.collection),
            ).fetchone()
            if row is None:
                raise NoteError(f"no note {note_id} in this notebook")
            cited = db.execute(
                "SELECT n, paragraph_id, doc_id, title, date, outlet, start, end, text, heading, quotes FROM citations "
                "WHERE note_id = ? ORDER BY n",
                (note_id,),
            ).fetchall()
        citations = tuple(
            NotedCitation(
                int(n),
                Paragraph(pid, doc, text, int(s), int(e), heading=h, title=t, date=d, outlet=o),
                tuple(json.loads(quotes)),
            )
            for n, pid, doc, t, d, o, s, e, text, h, quotes in cited
        )
        return Note(int(row[0]), row[1], row[2], row[3], row[4], citations)

    def rename(self, note_id: int, title: str) -> Note:
        name = _title(title)
        if not name:
            raise NoteError("a note's title cannot be empty")
        with self._db() as db:
            done = db.execute(
                "UPDATE notes SET title = ? WHERE id = ? AND collection = ?", (name, note_id, self.collection)
            )
            if done.rowcount == 0:
                raise NoteError(f"no note {note_id} in this notebook")
        return self.get(note_id)

    def delete(self, note_id: int) -> None:
        with self._db() as db:
            done = db.execute("DELETE FROM notes WHERE id = ? AND collection = ?", (note_id, self.collection))
            if done.rowcount == 0:
                raise NoteError(f"no note {note_id} in this notebook")


def changed_citations(note: Note, current: Callable[[Sequence[str]], list[Paragraph]]) -> set[str]:
    """The paragraph ids of the note whose indexed text is no longer what was saved (or is gone).

    A re-index can change or drop a cited paragraph; the note keeps the text it was saved with and
    is flagged, never rewritten.
    """
    now = {p.id: p.text for p in current([c.paragraph.id for c in note.citations])}
    return {c.paragraph.id for c in note.citations if now.get(c.paragraph.id) != c.paragraph.text}


def notes_markdown(notes: Sequence[Note], notebook: str, changed: dict[int, set[str]] | None = None) -> str:
    """The notes as Markdown: each title, question and answer, then every cited paragraph in full."""
    changed = changed or {}
    lines = [f"# Notes: {notebook}", ""]
    for note in notes:
        lines += [f"## {note.title}", "", f"*Question:* {note.question}  ", f"*Saved:* {note.created}", ""]
        lines += [note.answer, ""]
        for c in note.citations:
            p = c.paragraph
            dated = f", {p.date}" if p.date else ""
            outlet = f", {p.outlet}" if p.outlet else ""
            flag = " — **changed since this note was saved**" if p.id in changed.get(note.id, set()) else ""
            lines += [
                f"[{c.n}] **{p.title or p.doc_id}**{dated}{outlet} — `{p.id}` (characters {p.start}–{p.end}){flag}"
            ]
            lines += ["", *[f"> {line}" if line.strip() else ">" for line in p.text.splitlines()], ""]
    return "\n".join(lines).rstrip() + "\n"


def _title(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS].rsplit(" ", 1)[0] + "…"


def brief_from_notes(notes: Sequence[Note], embed: Callable[[list[str]], np.ndarray]) -> Brief:
    """A one-page Brief written from the noted paragraphs alone (as saved), by the brief builder."""
    from assistant.brief import brief_from_paragraphs

    paragraphs = list({p.id: p for note in notes for p in note.paragraphs()}.values())
    if not paragraphs:
        raise NoteError("there are no notes to write a brief from")
    return brief_from_paragraphs(paragraphs, embed)
