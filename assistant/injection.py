"""Instruction-like text (prompt injection) found by a small logistic model, not by a list of phrases.

Features are hashed word 1-2-grams and character 3-5-grams of each word, binary and L2-normalised;
the weights are fitted by training/injection/train.py and read from assistant/injection_model.json.
A sentence is instruction-like when its probability reaches the model's threshold.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Generic, TypeVar

from index.records import Excerpt
from index.text import has_sentence_punctuation, sentence_spans

if TYPE_CHECKING:
    import numpy as np

MODEL_FILE = Path(__file__).with_name("injection_model.json")
BUCKETS = 1 << 20  # hash space; the fitted model keeps only the few hundred buckets L1 leaves non-zero
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[<>/:\[\]]+")
T = TypeVar("T")


def features(text: str) -> dict[int, float]:
    """Hashed, binary, L2-normalised n-gram features of one sentence (bucket -> value)."""
    words = _WORD.findall(text.lower())
    grams = {f"w:{w}" for w in words}
    grams |= {f"b:{a} {b}" for a, b in itertools.pairwise(words)}
    for word in words:
        padded = f" {word} "
        grams |= {f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)}
    if not grams:
        return {}
    value = 1 / math.sqrt(len(grams))
    out: dict[int, float] = {}
    for gram in grams:
        bucket = zlib.crc32(gram.encode()) % BUCKETS
        out[bucket] = out.get(bucket, 0.0) + value
    return out


@dataclass(frozen=True)
class InstructionModel:
    """The fitted weights: probability = sigmoid(bias + sum of weight[bucket] * feature)."""

    weights: dict[int, float]
    bias: float
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> InstructionModel:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls({int(k): float(v) for k, v in raw["weights"].items()}, float(raw["bias"]), float(raw["threshold"]))

    def probability(self, text: str) -> float:
        z = self.bias + sum(self.weights.get(b, 0.0) * v for b, v in features(text).items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def is_instruction(self, text: str) -> bool:
        return self.probability(text) >= self.threshold

    def flags(self, sentences: Sequence[str]) -> list[bool]:
        return [self.is_instruction(s) for s in sentences]


@cache
def default_model() -> InstructionModel:
    """The committed model, read once per process."""
    return InstructionModel.load()


def instruction_spans(text: str, model: InstructionModel | None = None) -> list[tuple[int, int]]:
    """Spans of the text's sentences the classifier flags (the whole text when it marks no sentences)."""
    model = model or default_model()
    spans = sentence_spans(text) if has_sentence_punctuation(text) else [(0, len(text))]
    return [(s, e) for s, e in spans if model.is_instruction(text[s:e])]


@dataclass(frozen=True)
class Screening(Generic[T]):
    """Items split by the classifier: those that may be quoted, and those held back as instructions."""

    kept: tuple[T, ...]
    held_back: tuple[T, ...]


def screen(items: Sequence[T], flagged: Callable[[T], bool]) -> Screening[T]:
    """Hold back every item flagged as an instruction to an AI; keep the rest in order."""
    flags = [flagged(item) for item in items]
    return Screening(
        tuple(item for item, held in zip(items, flags, strict=True) if not held),
        tuple(item for item, held in zip(items, flags, strict=True) if held),
    )


# Shown with an answer whose sources held such a sentence; the chat and `ask` print notes as they are.
HELD_BACK_NOTE = "{count} held back as a possible instruction to an AI, not quoted as an answer: {where}"


class ScreenedExcerpts:
    """An excerpt source for the extractive answerer that never hands it an instruction-like excerpt.

    An excerpt is held back when it overlaps a flagged sentence of its paragraph: the paragraph is split
    and judged as the LLM path judges passages (a word window of unpunctuated text is not judged alone).
    One per question: it remembers what it held back, for the answer's note.
    """

    def __init__(
        self,
        source: Callable[[Sequence[str]], list[tuple[Excerpt, np.ndarray]]],
        paragraphs: Mapping[str, str],
        model: InstructionModel | None = None,
    ) -> None:
        self.source = source
        self.paragraphs = paragraphs  # paragraph id -> text, for the passages the answer may quote
        self.model = model or default_model()
        self.held_back: list[Excerpt] = []
        self._flagged: dict[str, list[tuple[int, int]]] = {}

    def __call__(self, paragraph_ids: Sequence[str]) -> list[tuple[Excerpt, np.ndarray]]:
        screening = screen(self.source(paragraph_ids), lambda stored: self.flagged(stored[0]))
        self.held_back.extend(excerpt for excerpt, _ in screening.held_back)
        return list(screening.kept)

    def flagged(self, excerpt: Excerpt) -> bool:
        text = self.paragraphs.get(excerpt.paragraph_id)
        if text is None:  # a paragraph the caller did not pass: judge the excerpt by itself
            return bool(instruction_spans(excerpt.text, self.model))
        if excerpt.paragraph_id not in self._flagged:
            self._flagged[excerpt.paragraph_id] = instruction_spans(text, self.model)
        return any(s < excerpt.end and excerpt.start < e for s, e in self._flagged[excerpt.paragraph_id])

    def note(self) -> str | None:
        """The answer's note naming the paragraphs whose sentences were held back; None when none were."""
        if not self.held_back:
            return None
        where = ", ".join(dict.fromkeys(e.paragraph_id for e in self.held_back))
        n = len({(e.paragraph_id, e.start) for e in self.held_back})
        count = "1 sentence of the sources" if n == 1 else f"{n} sentences of the sources"
        return HELD_BACK_NOTE.format(count=count, where=where)
