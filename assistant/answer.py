"""Passages -> Answer: verbatim sentences chosen from the passages, each cited; abstains when evidence is weak."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.records import Paragraph, Passage
from index.retrieve import KeywordIndex, terms
from index.sentences import has_sentence_punctuation, sentence_spans, word_spans

# The answer given when the passages do not hold an answer. The eval runner, the UI and the
# LLM verifier recognise an abstention by Answer.abstained, never by comparing this text.
NOT_IN_SOURCES = "The sources do not answer this question."


@dataclass(frozen=True)
class Citation:
    """Answer marker [n] -> the paragraph it points at."""

    n: int
    paragraph: Paragraph

    @property
    def doc(self) -> str:
        return self.paragraph.doc_id


@dataclass(frozen=True)
class Claim:
    """One sentence of an answer and the markers that back it."""

    text: str
    citations: tuple[int, ...]
    supported: bool = True  # False only for an LLM sentence shown marked (show_unsupported)


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    claims: tuple[Claim, ...]
    citations: tuple[Citation, ...]
    abstained: bool
    passages: tuple[Passage, ...]
    closest: tuple[Passage, ...] = ()  # offered when abstaining: the nearest material there is
    mode: str = "extractive"
    notes: tuple[str, ...] = ()  # e.g. "2 unsupported sentences dropped", "LLM unreachable: answered extractively"
    timings_ms: dict[str, float] = field(default_factory=dict)


def compose(
    question: str, claims: Sequence[tuple[str, Paragraph]], passages: Sequence[Passage], **extra: object
) -> Answer:
    """Number the cited paragraphs in order of first use and render `sentence [n]` text."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []
    rendered: list[Claim] = []
    for text, paragraph in claims:
        if paragraph.id not in numbers:
            numbers[paragraph.id] = len(numbers) + 1
            citations.append(Citation(numbers[paragraph.id], paragraph))
        rendered.append(Claim(text, (numbers[paragraph.id],)))
    body = " ".join(f"{claim.text} [{claim.citations[0]}]" for claim in rendered)
    return Answer(
        question=question,
        text=body,
        claims=tuple(rendered),
        citations=tuple(citations),
        abstained=False,
        passages=tuple(passages),
        **extra,  # type: ignore[arg-type]
    )


def abstain(question: str, passages: Sequence[Passage], **extra: object) -> Answer:
    return Answer(
        question=question,
        text=NOT_IN_SOURCES,
        claims=(),
        citations=(),
        abstained=True,
        passages=tuple(passages),
        closest=tuple(passages[:3]),
        **extra,  # type: ignore[arg-type]
    )


# --- the extractive answerer -------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A quotable stretch of a passage: a sentence, or a word window where the text has no punctuation."""

    text: str
    passage: Passage
    start: int  # offsets within the paragraph text
    end: int


WINDOW_WORDS = 28  # for unpunctuated text: about one spoken sentence
WINDOW_STRIDE = 7


def candidates(passages: Sequence[Passage]) -> list[Candidate]:
    found: list[Candidate] = []
    for passage in passages:
        text = passage.paragraph.text
        if has_sentence_punctuation(text):
            spans = sentence_spans(text)
        else:
            words = word_spans(text)
            if len(words) <= WINDOW_WORDS + WINDOW_STRIDE:
                spans = [(0, len(text))]
            else:
                spans = [
                    (words[i][0], words[min(i + WINDOW_WORDS, len(words)) - 1][1])
                    for i in range(0, len(words) - WINDOW_WORDS + WINDOW_STRIDE, WINDOW_STRIDE)
                ]
        found.extend(Candidate(text[s:e], passage, s, e) for s, e in spans)
    return found


def answer_extractively(
    question: str,
    passages: Sequence[Passage],
    keyword: KeywordIndex,
    embed: Callable[[list[str]], np.ndarray],
    question_vector: np.ndarray,
) -> Answer:
    """Quote the one to three sentences that best answer the question, or abstain."""
    pool = candidates(passages)
    if not pool:
        return abstain(question, passages)
    vectors = embed([c.text for c in pool])
    dense = vectors @ question_vector
    scored = sorted(
        ((float(score_candidate(question, c, keyword, float(d))), c) for c, d in zip(pool, dense, strict=True)),
        key=lambda pair: -pair[0],
    )
    best_score, best = scored[0]
    if best_score < ABSTAIN_BELOW:
        return abstain(question, passages)
    chosen = [best]
    for score, candidate in scored[1:]:
        if len(chosen) == 3 or score < best_score * 0.9:
            break
        if not any(_near_duplicate(candidate.text, c.text) for c in chosen):
            chosen.append(candidate)
    chosen.sort(key=lambda c: (c.passage.rank, c.start))
    return compose(question, [(c.text, c.passage.paragraph) for c in chosen], passages)


ABSTAIN_BELOW = 0.35  # placeholder until calibrated on evals/questions.jsonl


def score_candidate(question: str, candidate: Candidate, keyword: KeywordIndex, dense: float) -> float:
    asked = set(terms(question))
    if not asked:
        return dense
    have = set(terms(candidate.text)) | set(terms(candidate.passage.paragraph.heading))
    weight = sum(keyword.idf(t) for t in asked)
    coverage = sum(keyword.idf(t) for t in asked & have) / weight if weight else 0.0
    return 0.5 * dense + 0.5 * coverage


def _near_duplicate(a: str, b: str) -> bool:
    ta, tb = set(terms(a)), set(terms(b))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


_ = re  # kept for the answer-type rules that follow
