"""Candidate sentences: quotable stretches of the paragraphs, with their vectors, entities, scores and restatements."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.brief import vocabulary as vocab
from assistant.brief.records import BriefClaim, Quote
from assistant.brief.thresholds import DEFAULT, Thresholds
from index.records import Entity, Paragraph
from index.text import has_sentence_punctuation, sentence_spans, terms, word_spans

Embed = Callable[[list[str]], np.ndarray]
Tag = Callable[[Sequence[str]], list[tuple[Entity, ...]]]

CLAUSE_MIN_WORDS = 10  # an unpunctuated clause shorter than this joins the one before it
CLAUSE_MAX_WORDS = 45
CLAUSE_STUB_WORDS = 5  # ... unless it is a stub this short ahead of a name: then it opens the next one


@dataclass(frozen=True)
class Candidate(Quote):
    """A quotable stretch of one paragraph: a sentence, a clause, or a sentence with the one it leans on."""

    @property
    def words(self) -> int:
        return len(self.text.split())

    def overlaps(self, other: Candidate) -> bool:
        return self.paragraph.id == other.paragraph.id and self.start < other.end and other.start < self.end


def quotable_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of a paragraph; for unpunctuated text (seed 000), clauses cut where a capitalised word opens one."""
    if has_sentence_punctuation(text):
        return sentence_spans(text)
    words = word_spans(text)
    if not words:
        return []
    tokens = [text[s:e] for s, e in words]
    starts = [0]
    for i in range(1, len(tokens)):
        word, before = tokens[i], tokens[i - 1]
        continues = before.lower() in vocab.CONTINUES
        # "has alarmed Washington": a name after a past-tense verb is its object, not a new clause.
        opens = word[:1].isupper() and before[:1].islower() and not continues and not before.endswith("ed")
        if opens or (word in vocab.STARTERS and not continues):
            starts.append(i)
    segments = [[a, b] for a, b in zip(starts, [*starts[1:], len(tokens)], strict=True)]
    if tokens[0] in vocab.ENUMERATORS and len(segments) > 1:
        segments = segments[1:]  # "Three Key risks ..." opening an unpunctuated list: a label, not a claim
    # A stub ("This framing positions", "Anthropic recent") is the subject of the clause after it, unless
    # that clause opens on its own ("...major | Chinese technology firms | He said...").
    forward: list[list[int]] = []
    for a, b in segments:
        stub = forward and forward[-1][1] - forward[-1][0] < CLAUSE_STUB_WORDS
        if stub and (tokens[forward[-1][0]] in vocab.STARTERS or tokens[a] not in vocab.STARTERS):
            forward[-1][1] = b
        else:
            forward.append([a, b])
    merged: list[list[int]] = []
    for a, b in forward:
        leans = bool(merged) and tokens[a] in vocab.PRONOUNS and b - merged[-1][0] <= CLAUSE_MAX_WORDS
        if merged and (b - a < CLAUSE_MIN_WORDS or leans or merged[-1][1] - merged[-1][0] < CLAUSE_MIN_WORDS):
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(words[a][0], words[b - 1][1]) for a, b in merged]


def standalone_spans(text: str, max_words: int = DEFAULT.max_words) -> list[tuple[int, int]]:
    """The quotable spans, each able to stand alone: one that opens on a pronoun or connective ("It had
    agreed...", "However, ...") carries the sentence before it, or is left out when it opens its paragraph."""
    spans = quotable_spans(text)
    kept: list[tuple[int, int]] = []
    for n, (start, end) in enumerate(spans):
        if not vocab.opens_dangling(text[start:end]):
            kept.append((start, end))
            continue
        back = n - 1
        while back >= 0 and vocab.opens_dangling(text[spans[back][0] : spans[back][1]]):
            back -= 1
        if back >= 0 and len(text[spans[back][0] : end].split()) <= max_words:
            kept.append((spans[back][0], end))
    return kept


def candidates(paragraphs: Sequence[Paragraph], t: Thresholds = DEFAULT) -> list[Candidate]:
    """The claims the paragraphs could give: standalone sentences of reporting, not headers or boilerplate."""
    found: list[Candidate] = []
    for paragraph in paragraphs:
        if vocab.BOILERPLATE.search(paragraph.text) or paragraph.is_header:
            continue
        for start, end in standalone_spans(paragraph.text, t.max_words):
            candidate = Candidate(paragraph, start, end)
            if not t.min_words <= candidate.words <= t.max_words or candidate.text.rstrip("”\"'").endswith("?"):
                continue  # fragments, run-ons and questions to the reader make poor claims
            found.append(candidate)
    return found


def paragraphs_to_read(paragraphs: Sequence[Paragraph], limit: int = DEFAULT.max_paragraphs) -> list[Paragraph]:
    """All paragraphs, or for a big corpus the limit most corpus-typical, taken in turn from each document."""
    ordered = sorted(paragraphs, key=lambda p: (p.doc_id, p.start, p.id))
    if len(ordered) <= limit:
        return ordered
    # Embedding every sentence of a big corpus would take minutes; a paragraph whose words many
    # documents share is about what the corpus is about, and costs nothing to find.
    spread: dict[str, set[str]] = {}
    for p in ordered:
        for term in set(terms(p.text)):
            spread.setdefault(term, set()).add(p.doc_id)
    by_doc: dict[str, list[tuple[float, Paragraph]]] = {}
    for p in ordered:
        words = set(terms(p.text))
        typical = sum(len(spread[t]) for t in words) / (len(words) ** 0.5 or 1.0)
        by_doc.setdefault(p.doc_id, []).append((typical, p))
    queues = [sorted(rows, key=lambda r: (-r[0], r[1].id)) for _, rows in sorted(by_doc.items())]
    kept: list[Paragraph] = []
    while len(kept) < limit:
        for queue in queues:
            if queue and len(kept) < limit:
                kept.append(queue.pop(0)[1])
    return sorted(kept, key=lambda p: (p.doc_id, p.start, p.id))


# Two documents state the same thing when their sentences share most content words and mean the same;
# cosine alone is not enough (Settings.brief_duplicate_*).
LONG_WORDS = 30  # past this many words a claim costs page space: a small penalty per word


@dataclass
class Pool:
    """The candidates of a brief with what every section needs of them, index-aligned."""

    candidates: list[Candidate]
    vectors: np.ndarray
    similarity: np.ndarray
    words: list[set[str]]
    entities: list[tuple[Entity, ...]]
    score: list[float]  # centrality (and topic relevance) plus support from other documents
    duplicates: list[list[int]]  # for each candidate, its closest restatement in each other document
    thresholds: Thresholds

    @classmethod
    def build(
        cls, paragraphs: Sequence[Paragraph], embed: Embed, tag: Tag, topic: str | None, t: Thresholds = DEFAULT
    ) -> Pool:
        found = candidates(paragraphs, t)
        # One batch: the topic rides along with the sentences and comes back as the last row.
        texts = [c.text for c in found] + ([topic] if topic else [])
        embedded = embed(texts) if texts else np.zeros((0, 384), dtype=np.float32)
        vectors = embedded[: len(found)]
        words = [set(terms(c.text)) for c in found]
        keep = _without_repeats(found, vectors @ vectors.T, words, t)
        relevance = np.zeros(len(found), dtype=np.float32)
        if topic:
            asked = set(terms(topic))
            relevance = vectors @ embedded[-1]
            keep = [i for i in keep if relevance[i] >= t.topic_sentence_floor or asked & words[i]]
        found, vectors = [found[i] for i in keep], vectors[keep]
        words, relevance = [words[i] for i in keep], relevance[keep]
        similarity = vectors @ vectors.T
        centrality = vectors @ centroid(found, vectors) if found else np.zeros(0)
        base = 0.4 * centrality + 0.6 * relevance if topic else centrality
        duplicates = _duplicates(found, similarity, words, t)
        score = [
            float(base[i]) + t.support_bonus * len(duplicates[i]) - 0.004 * max(0, c.words - LONG_WORDS)
            for i, c in enumerate(found)
        ]
        entities = tag([c.text for c in found]) if found else []
        return cls(found, vectors, similarity, words, entities, score, duplicates, t)

    def claim(self, i: int, alone: bool = False, label: str = "", until: int = 0, after: int = 0) -> BriefClaim:
        """Candidate i as a claim quoting itself and, unless alone, its restatements in other documents.

        until or after (offsets into the candidate's text) quote only the part before or from there: one
        side of a stretch that holds a statement and its denial.
        """
        if until or after:
            c = self.candidates[i]
            start, end = (c.start, c.start + until) if until else (c.start + after, c.end)
            text = c.paragraph.text[start:end]
            start, end = start + len(text) - len(text.lstrip()), end - len(text) + len(text.rstrip())
            quote = Quote(c.paragraph, start, end)
            return BriefClaim(quote.text, (quote,), label=label)
        backing = [i] if alone else [i, *self.duplicates[i]]
        quotes = tuple(
            Quote(self.candidates[j].paragraph, self.candidates[j].start, self.candidates[j].end) for j in backing
        )
        return BriefClaim(self.candidates[i].text, quotes, label=label)


def _without_repeats(
    found: Sequence[Candidate], similarity: np.ndarray, words: list[set[str]], t: Thresholds
) -> list[int]:
    """Indices of the candidates that do not repeat an earlier one of the same document (pull quotes)."""
    kept: list[int] = []
    for i, c in enumerate(found):
        if not any(
            found[j].paragraph.doc_id == c.paragraph.doc_id
            and not found[j].overlaps(c)  # a sentence quoted with the one before it repeats nothing
            and similarity[i, j] >= t.duplicate_alone
            and len(words[i] & words[j]) / max(len(words[i] | words[j]), 1) >= t.duplicate_overlap
            for j in kept
        ):
            kept.append(i)
    return kept


def centroid(found: Sequence[Candidate], vectors: np.ndarray) -> np.ndarray:
    """The mean direction of the candidates, each document weighing the same."""
    # A long report should not define what the corpus is about.
    means = []
    for doc_id in sorted({c.paragraph.doc_id for c in found}):
        rows = [i for i, c in enumerate(found) if c.paragraph.doc_id == doc_id]
        means.append(vectors[rows].mean(axis=0))
    centre = np.mean(means, axis=0)
    return np.asarray(centre / max(float(np.linalg.norm(centre)), 1e-12), dtype=np.float32)


def _duplicates(
    found: Sequence[Candidate], similarity: np.ndarray, words: list[set[str]], t: Thresholds
) -> list[list[int]]:
    rows: list[list[int]] = []
    docs = [c.paragraph.doc_id for c in found]
    for i in range(len(found)):
        best: dict[str, tuple[float, int]] = {}
        for j in (int(k) for k in np.flatnonzero(similarity[i] >= t.duplicate_similarity)):
            if docs[j] == docs[i]:
                continue
            overlap = len(words[i] & words[j]) / max(len(words[i] | words[j]), 1)
            closeness = float(similarity[i, j])
            same = closeness >= t.duplicate_alone or overlap >= t.duplicate_overlap
            if same and (docs[j] not in best or closeness > best[docs[j]][0]):
                best[docs[j]] = (closeness, j)
        rows.append([j for _, (_, j) in sorted(best.items())])
    return rows
