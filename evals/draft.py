"""Drafted question sets: candidate eval cases proposed from a corpus's own sentences, for a person to review.

A sentence that carries a named entity, a number or a date yields a question whose answer is that span,
with the sentence as evidence. The question comes from a template chosen by the entity's type and its
place in the sentence (the subject, asked with "Who ..."; elsewhere, asked in place: "... in what year?").
Unanswerable candidates swap another entity of the question for one of the same type that no sentence
of the corpus pairs with the question's context. Every draft is `"reviewed": false` until a person
accepts it (`briefing eval review`).
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from evals.metrics import normalize
from index.chunk import chunk_document
from index.entities import Tagger
from index.load import load_paths
from index.records import Entity, Word
from index.text import sentence_spans

SEED = 14
# A sentence this short has too little context to ask about; one this long makes an unreadable question.
MIN_WORDS, MAX_WORDS = 6, 28
UNANSWERABLE_SHARE = 0.2
# Entity types that can be the subject of a "Who/Which ..." question, and the words that ask for them.
SUBJECT_WH = {"PERSON": "Who", "ORG": "Which organisation", "GPE": "Which place"}
# Types a swapped-in entity may have: names, whose absence from a context is checkable.
SWAPPABLE = frozenset({"PERSON", "ORG", "GPE"})
_YEAR = re.compile(r"(?:1[0-9]|20)\d\d")
_YEAR_IN = re.compile(r"\b(?:1[0-9]|20)\d\d\b")
_DAY = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\b")
_NUMBER = re.compile(r"[\d][\d,.]*|[a-z]+")
FINITE = frozenset({"VBD", "VBZ", "VBP", "MD"})
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC"})
# Universal POS tags of the words that carry a question's context (for the unanswerable swap).
CONTEXT_POS = frozenset({"NOUN", "VERB", "PROPN", "ADJ", "NUM"})


class DraftError(Exception):
    """The corpus gave nothing to draft from; the message says why."""


@dataclass(frozen=True)
class Sentence:
    doc_id: str
    text: str  # whitespace folded, as the evidence snippet
    words: tuple[Word, ...]
    entities: tuple[Entity, ...]


@dataclass(frozen=True)
class Draft:
    """One proposed case, before review."""

    id: str
    question: str
    answers: tuple[str, ...]
    evidence: tuple[str, ...]
    answerable: bool
    tags: tuple[str, ...]
    doc_id: str

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "question": self.question,
            "answers": list(self.answers),
            "evidence": list(self.evidence),
            "answerable": self.answerable,
            "tags": list(self.tags),
            "reviewed": False,
        }


def corpus_sentences(corpus: Path, tagger: Tagger) -> list[Sentence]:
    """The corpus's prose sentences of a usable length, tagged, in document order."""
    loaded = load_paths([corpus])
    if not loaded.documents:
        reasons = "; ".join(f"{f.path}: {f.reason}" for f in loaded.failures) or "no supported files"
        raise DraftError(f"nothing to draft from in {corpus} ({reasons})")
    found: list[tuple[str, str]] = []
    for document in loaded.documents:
        for paragraph in chunk_document(document):
            if paragraph.is_header:
                continue
            for start, end in sentence_spans(paragraph.text):
                text = " ".join(paragraph.text[start:end].split())
                if MIN_WORDS <= len(text.split()) <= MAX_WORDS and text[-1] in ".!" and '"' not in text:
                    found.append((document.id, text))
    tagged = tagger.tagged([text for _, text in found])
    return [Sentence(doc, text, words, ents) for (doc, text), (words, ents) in zip(found, tagged, strict=True)]


def question_for(sentence: Sentence, entity: Entity) -> tuple[str, str] | None:
    """(question, template) asking for the entity's span, or None when no template fits it here."""
    text, words, cut = _without_opener(sentence.text, sentence.words)
    if entity.start < cut:
        return None
    entity = replace(entity, start=entity.start - cut, end=entity.end - cut)
    lead = next((w for w in words if w.pos != "CCONJ"), None)
    if lead is None or lead.pos == "PRON" or lead.text.lower() == "there":
        return None  # "It was released ...", "There, he reveals ...": who "it" is lies in another sentence
    if normalize(text).count(normalize(entity.text)) != 1 or len(normalize(entity.text)) < 2:
        return None  # an answer that occurs twice, or is one character, makes an ambiguous question
    before = [w for w in words if w.end <= entity.start]
    after = [w for w in words if w.start >= entity.end]
    if not _asks_well(entity, before, after):
        return None
    start = entity.start
    if before and before[-1].tag == "DT":  # "the European Union": the article goes with the name
        start = before[-1].start
        before = before[:-1]
    if after and after[0].tag == "POS":  # "Beyoncé's": a possessive is asked with "whose" only
        if entity.label != "PERSON" or not before:
            return None
        return _join(text[:start], "whose", text[after[0].end :]), "possessive"
    next_pos = after[0].pos if after else ""
    # A finite verb right after a sentence-initial name makes it the subject ("Apps produced with ..." does not).
    if not before and entity.label in SUBJECT_WH and next_pos in {"VERB", "AUX"} and after[0].tag in FINITE:
        return _join("", SUBJECT_WH[entity.label], text[entity.end :]), "subject"
    phrase = _in_place_phrase(entity, before, after)
    if phrase is None:
        return None
    wh, drop_preposition = phrase
    preposition = before[-1] if before and before[-1].pos == "ADP" else None
    if preposition is not None and drop_preposition:
        start = preposition.start
    fronted = bool(after) and after[0].text == "," and all(w.pos in {"ADP", "DET"} for w in before)
    if fronted:
        # "On 24 August 2006, Apple settled." -> "Apple settled on what date?": the clause, then the asked phrase
        asked = wh if drop_preposition or preposition is None else f"{preposition.text.lower()} {wh}"
        clause = text[after[0].end :].strip().rstrip(".!")
        if not clause or not clause[0].isupper():
            return None
        return _join("", clause, asked), f"fronted-{entity.label.lower()}"
    if not before:
        return None  # a sentence-initial non-subject has no question order short of inverting the verb
    return _join(text[:start], wh, text[entity.end :]), f"in-place-{entity.label.lower()}"


def _without_opener(text: str, words: Sequence[Word]) -> tuple[str, tuple[Word, ...], int]:
    """The sentence without a leading discourse adverb and its comma ("However, ..."), and how much was cut."""
    if len(words) > 2 and words[0].pos == "ADV" and words[1].text == ",":
        cut = words[2].start
        rest = text[cut:]
        rest = rest[:1].upper() + rest[1:]
        return rest, tuple(replace(w, start=w.start - cut, end=w.end - cut) for w in words[2:]), cut
    return text, tuple(words), 0


def _asks_well(entity: Entity, before: Sequence[Word], after: Sequence[Word]) -> bool:
    """Whether asking for this span makes a question with one answer (tagging errors and lists are refused)."""
    nxt = after[0] if after else None
    prev = before[-1] if before else None
    if (prev is not None and prev.end == entity.start) or (
        nxt is not None and nxt.start == entity.end and nxt.text[0] in "-()[]"
    ):
        return False  # glued to its neighbour ("US$59", "(April 2003)"): replacing it would leave a fragment
    if nxt is not None and nxt.text == "," and len(after) > 1 and after[1].tag in {"WP", "WDT"}:
        return False  # "investigate Oberhauser, who was ...": the question would read "who, who"
    if nxt is not None and nxt.text == "(":
        return False  # "Hewlett-Packard (HP)": the parenthesis gives the answer away
    if sum(w.text == "," for w in after[:6]) >= 2:
        return False  # an item heading a list ("JPEG, BMP, GIF, ..."): its siblings are equally good answers
    if entity.label == "CARDINAL" and not _NUMBER.fullmatch(entity.text.split()[-1]):
        return False  # "A8" is a model name, not a count
    if prev is not None and (prev.tag == "POS" or prev.pos == "CCONJ"):
        return False  # "Apple's 2007 revenue", "..., and Grasso assigned it": no clean slot to ask in
    if nxt is not None and nxt.pos == "CCONJ" and entity.label != "DATE":
        return False  # "Napster and MSN Music": the other conjunct answers as well
    if prev is not None and prev.text == "," and nxt is not None and (nxt.text == "," or nxt.pos == "CCONJ"):
        return False  # an item of a list ("MP3, WAV, and AIFF") has its siblings as equally good answers
    if entity.label in NAME_LABELS:
        if prev is not None and prev.pos in {"PROPN", "NOUN"}:
            return False  # "Mayor Ines Barlow", "chat show host Robert Kilroy-Silk": a title or apposition runs on
        if not _written_as_name(entity.text):
            return False  # "iPod", "non-Apple": not a name as written, whatever the tagger says
        if nxt is not None and nxt.pos in {"NOUN", "PROPN"}:
            return False  # a name used as a modifier ("Apple notebook sales") is not the thing asked about
        if nxt is not None and nxt.text.startswith("-"):
            return False
    elif entity.label != "CARDINAL" and nxt is not None and nxt.pos == "NOUN":
        return False  # "15-hour shifts", "Friday night": a modifier again
    return True


def _written_as_name(text: str) -> bool:
    return all(part[:1].isupper() for part in text.replace("-", " ").split() if part[:1].isalpha())


def _in_place_phrase(entity: Entity, before: Sequence[Word], after: Sequence[Word]) -> tuple[str, bool] | None:
    """The wh-phrase that stands in for the entity, and whether it swallows the preposition before it."""
    label, span = entity.label, entity.text
    preposition = before[-1].text.lower() if before and before[-1].pos == "ADP" else ""
    if label == "DATE":
        has_year, has_day = bool(_YEAR_IN.search(span)), bool(_DAY.search(span))
        has_month = any(w.isalpha() and w[:1].isupper() for w in span.split())
        if _YEAR.fullmatch(span):
            return "what year", False
        if has_month and has_day:
            return "what date", False
        if has_month and has_year:
            return "what month", False
        # like "where", a bare "when" reads well only where the clause ends ("under fire when for missing" does not)
        ends = not after or after[0].pos == "PUNCT"
        return ("when", True) if preposition in {"in", "on", "at", "during"} and ends else None
    if label == "PERSON":
        return ("whom" if preposition else "who"), False
    if label == "ORG":
        return "which organisation", False
    if label in {"GPE", "LOC"}:
        # "where" reads well only where the clause ends: "shelves where for exceeding ..." does not
        ends = not after or after[0].pos == "PUNCT"
        return ("where", True) if preposition in {"in", "at"} and ends else ("which place", False)
    if label == "MONEY":
        return "how much money", False
    if label == "PERCENT":
        return "what percentage", False
    if label == "CARDINAL":
        # "three ships" -> "how many ships"; a bare number has no noun to count
        counted = next((w for w in after if w.pos != "ADJ"), None)
        return ("how many", False) if counted is not None and counted.tag == "NNS" else None
    return None


def _join(head: str, wh: str, tail: str) -> str:
    tail = tail.rstrip().rstrip(".!").rstrip(",;: ")
    text = " ".join(f"{head} {wh}{'' if tail[:1] in ',;:' else ' '}{tail}".split())
    return text[:1].upper() + text[1:] + "?"


Candidate = tuple[Sentence, Entity, str, str]  # sentence, answer entity, question, template


def draft_cases(sentences: Sequence[Sentence], n: int, seed: int = SEED) -> list[Draft]:
    """About n drafts, a fifth of them unanswerable, spread over documents and entity types."""
    rng = random.Random(seed)
    answerable: list[Candidate] = []
    for sentence in sentences:
        options = [(e, q) for e in sentence.entities if (q := question_for(sentence, e)) is not None]
        if options:
            entity, (question, template) = rng.choice(options)
            answerable.append((sentence, entity, question, template))
    seen: set[str] = set()
    unique = []
    for candidate in answerable:  # a story told in two articles would give the same question twice
        if normalize(candidate[2]) not in seen:
            seen.add(normalize(candidate[2]))
            unique.append(candidate)
    answerable = unique
    picked = _spread(answerable, n - round(n * UNANSWERABLE_SHARE), rng)
    drafts = [
        Draft("", question, (entity.text,), (sentence.text,), True, ("drafted", entity.label.lower(), template),
              sentence.doc_id)
        for sentence, entity, question, template in picked
    ]  # fmt: skip
    swaps = []
    for sentence, entity, question, _ in rng.sample(answerable, len(answerable)):
        swapped = _swap(sentence, entity, question, sentences, rng)
        if swapped is not None:
            swaps.append(Draft("", swapped, (), (), False, ("drafted", "unanswerable", "swap"), sentence.doc_id))
        if len(swaps) + len(drafts) >= n:
            break
    return [_with_id(draft, number) for number, draft in enumerate(drafts + swaps, start=1)]


def _spread(items: list[Candidate], n: int, rng: random.Random) -> list[Candidate]:
    """n items taken round-robin over documents (each document's order shuffled), so no document dominates."""
    by_doc: dict[str, list[Candidate]] = {}
    for item in items:
        by_doc.setdefault(item[0].doc_id, []).append(item)
    for group in by_doc.values():
        rng.shuffle(group)
    picked: list[Candidate] = []
    while len(picked) < n and any(by_doc.values()):
        for group in by_doc.values():
            if group and len(picked) < n:
                picked.append(group.pop())
    return picked


def _swap(
    sentence: Sentence, answer: Entity, question: str, sentences: Sequence[Sentence], rng: random.Random
) -> str | None:
    """The question with another of its names swapped for a same-type name the corpus never pairs with its context."""
    kept = [
        e
        for e in sentence.entities
        if e != answer
        and e.label in SWAPPABLE
        and e.text in question
        and _written_as_name(e.text)
        and _stands_alone(e, sentence.words)
    ]
    if not kept:
        return None
    target = rng.choice(kept)
    context = {
        w.text.lower()
        for w in sentence.words
        if w.pos in CONTEXT_POS
        and not target.start <= w.start < target.end
        and not answer.start <= w.start < answer.end
    }
    # Names the tagger gave this type at least twice: one-off labels are where its mistakes gather.
    counts = Counter(e.text for s in sentences for e in s.entities if e.label == target.label)
    names = sorted(
        name for name, count in counts.items() if count >= 2 and _written_as_name(name) and name != target.text
    )
    rng.shuffle(names)
    # Surface forms of one name ("Finch", "Atticus", "Atticus Finch"): swapping one for another keeps the answer.
    full_names = [set(normalize(e.text).split()) for st in sentences for e in st.entities if " " in e.text]
    target_words = set(normalize(target.text).split())
    for name in names:
        if normalize(name) in normalize(question) or normalize(target.text) in normalize(name):
            continue
        name_words = set(normalize(name).split())
        if any(name_words <= full and target_words <= full for full in full_names):
            continue
        # "Never paired": no sentence that names it shares more than one context word with the question.
        holding = [s for s in sentences if name in s.text]
        if all(len(context & {w.text.lower() for w in s.words}) <= 1 for s in holding):
            return question.replace(target.text, name, 1)
    return None


def _stands_alone(entity: Entity, words: Sequence[Word]) -> bool:
    """Not part of a longer name or a modifier ("Belgium iPhone", "Apple notebook"), so swapping it keeps sense."""
    prev = next((w for w in reversed(words) if w.end <= entity.start), None)
    nxt = next((w for w in words if w.start >= entity.end), None)
    return (prev is None or prev.pos != "PROPN") and (nxt is None or nxt.pos not in {"PROPN", "NOUN"})


def _with_id(draft: Draft, number: int) -> Draft:
    stem = re.sub(r"[^a-z0-9]+", "-", Path(draft.doc_id).stem.lower()).strip("-")[:30] or "doc"
    kind = "u" if not draft.answerable else "a"
    return replace(draft, id=f"draft-{number:03d}-{kind}-{stem}")


def write_drafts(path: Path, drafts: Sequence[Draft]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(draft.as_json(), ensure_ascii=False) for draft in drafts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
