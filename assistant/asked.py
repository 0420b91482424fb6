"""A question with what was retrieved for it; the extractive and LLM answerers take it from here."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from assistant.answer import Answer, ExtractiveAnswerer
from assistant.injection import ScreenedExcerpts
from index.records import Passage


@dataclass(frozen=True)
class Asked:
    """A question with what was retrieved for it; the answerers take it from here."""

    question: str
    vector: np.ndarray
    pool: tuple[Passage, ...]  # what the answer may quote from
    passages: tuple[Passage, ...]  # the k shown
    answerer: ExtractiveAnswerer
    began: float
    retrieved: float
    filter_note: str | None = None  # "Answered only from …": the answer states the filter it used
    screened: ScreenedExcerpts | None = None  # what the answerer may quote, instruction-like sentences held back
    asked_as: str = ""  # the question as the user wrote it, when it was read as a follow-up
    understood: str = ""  # how it was read, when that differs

    def extractive(self) -> Answer:
        answer = self.answerer.answer(self.question, self.pool, self.vector)
        held = self.screened.note() if self.screened is not None else None
        return answer if held is None else replace(answer, notes=(*answer.notes, held))

    def finish(self, answer: Answer) -> Answer:
        """The answer with the k passages shown (and any cited paragraph from beyond them) and the time taken."""
        done = time.perf_counter()
        shown = {p.paragraph.id for p in self.passages}
        cited = {c.paragraph.id for c in answer.citations}
        beyond = tuple(p for p in self.pool if p.paragraph.id in cited - shown)
        spent = {"retrieve": self.retrieved - self.began, "answer": done - self.retrieved, "total": done - self.began}
        notes = answer.notes if self.filter_note is None else (self.filter_note, *answer.notes)
        return replace(
            answer,
            question=self.asked_as or answer.question,
            understood=self.understood,
            passages=self.passages + beyond,
            notes=notes,
            timings_ms={name: round(s * 1000, 1) for name, s in spent.items()},
        )
