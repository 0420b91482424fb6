"""Suggested questions: drawn offline from a notebook's headings, key sentences and named entities, each checked
answerable (answered, not abstained, with a citation that names its subject) before it is shown."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.answer import Answer
from index.entities import Tagger
from index.records import Entity, Paragraph
from index.text import sentence_spans

# Entity types that name a subject a reader can ask about; dates and numbers are answers, not subjects.
# NORP ("Chinese") is left out: an adjective makes no subject ("What is reported about Chinese?").
SUBJECT_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "WORK_OF_ART"})
KEY_PARAGRAPHS = 4  # the first paragraphs of a document carry its lede: key sentences are read from them
# An answer must add this many words to the question: "Veritas?" and "Originally reported by cnbc.com"
# cite a paragraph naming the subject yet tell nothing (seen on a BBC cluster and on the seeds).
MIN_NEW_WORDS = 6
MAX_DOCUMENTS = 40  # documents read per notebook, spread evenly over it: tagging is ~5 ms a sentence


@dataclass(frozen=True)
class Suggestion:
    """A question the notebook can answer, and the document it was drawn from."""

    question: str
    subject: str  # the entity or heading the question is about; a cited paragraph must name it
    doc_ids: tuple[str, ...]  # the documents that name the subject


class Suggester:
    """Suggestions for one notebook; candidates are built once per store revision, verdicts cached."""

    def __init__(self, tagger: Tagger, cache_file: Path | None = None) -> None:
        self._tagger = tagger
        self._lock = threading.Lock()
        self._candidates: dict[str, list[Suggestion]] = {}  # by revision
        self._verdicts: dict[tuple[str, str], bool] = {}  # (revision, question) -> answerable
        # Verdicts outlive the process: re-checking five questions costs seconds on a busy machine.
        self._cache_file = cache_file
        if cache_file is not None and cache_file.exists():
            try:
                saved = json.loads(cache_file.read_text(encoding="utf-8"))
                self._verdicts = {(saved["revision"], q): bool(v) for q, v in saved["verdicts"].items()}
            except (ValueError, KeyError, TypeError, AttributeError):
                self._verdicts = {}  # unreadable: checked again

    def opening(
        self,
        revision: str,
        paragraphs: Callable[[], list[Paragraph]],
        ask: Callable[[str], Answer],
        count: int,
        budget: int,
    ) -> list[Suggestion]:
        """Up to count questions over the whole notebook, subjects most documents share first."""
        return self._checked(revision, self.candidates(revision, paragraphs), ask, count, budget, set())

    def after(
        self,
        revision: str,
        paragraphs: Callable[[], list[Paragraph]],
        ask: Callable[[str], Answer],
        answer: Answer,
        count: int,
        budget: int,
        asked: Sequence[str] = (),
    ) -> list[Suggestion]:
        """Up to count follow-up questions drawn from the documents this answer cites."""
        cited = {c.paragraph.doc_id for c in answer.citations} or {p.paragraph.doc_id for p in answer.closest}
        near = [s for s in self.candidates(revision, paragraphs) if cited & set(s.doc_ids)]
        skip = {_key(q) for q in (*asked, answer.question)}
        return self._checked(revision, near, ask, count, budget, skip)

    def candidates(self, revision: str, paragraphs: Callable[[], list[Paragraph]]) -> list[Suggestion]:
        with self._lock:
            if revision not in self._candidates:
                self._candidates = {revision: draft(paragraphs(), self._tagger)}
            return self._candidates[revision]

    def _checked(
        self,
        revision: str,
        candidates: Sequence[Suggestion],
        ask: Callable[[str], Answer],
        count: int,
        budget: int,
        skip: set[str],
    ) -> list[Suggestion]:
        shown: list[Suggestion] = []
        tried = 0
        for suggestion in candidates:
            if len(shown) >= count or tried >= budget:
                break
            if _key(suggestion.question) in skip:
                continue
            verdict = self._verdicts.get((revision, suggestion.question))
            if verdict is None:
                tried += 1
                verdict = answerable(ask(suggestion.question), suggestion.subject)
                self._verdicts[(revision, suggestion.question)] = verdict
            if verdict:
                shown.append(suggestion)
                skip.add(_key(suggestion.question))
        if tried:
            self._save(revision)
        return shown

    def _save(self, revision: str) -> None:
        if self._cache_file is None:
            return
        verdicts = {q: v for (r, q), v in self._verdicts.items() if r == revision}
        self._cache_file.parent.mkdir(parents=True, exist_ok=True)
        self._cache_file.write_text(json.dumps({"revision": revision, "verdicts": verdicts}), encoding="utf-8")


def answerable(answer: Answer, subject: str, min_new_words: int = MIN_NEW_WORDS) -> bool:
    """Answered (not abstained), with a citation; a cited paragraph names the subject; the answer says more
    than the question does."""
    if answer.abstained or not answer.citations:
        return False
    wanted = subject.lower()
    if not any(wanted in f"{c.paragraph.heading} {c.paragraph.text}".lower() for c in answer.citations):
        return False
    said = set(re.findall(r"[a-z]+", " ".join(claim.text for claim in answer.claims).lower()))
    return len(said - set(re.findall(r"[a-z]+", answer.question.lower()))) >= min_new_words


def draft(paragraphs: Sequence[Paragraph], tagger: Tagger) -> list[Suggestion]:
    """Candidate questions, best first: entities named across documents, then per-document subjects."""
    by_doc: dict[str, list[Paragraph]] = defaultdict(list)
    for p in paragraphs:
        if not p.is_header:
            by_doc[p.doc_id].append(p)
    docs = sorted(by_doc)
    if len(docs) > MAX_DOCUMENTS:
        step = len(docs) / MAX_DOCUMENTS
        docs = [docs[int(i * step)] for i in range(MAX_DOCUMENTS)]
    keys: list[tuple[str, str]] = []  # (doc id, key sentence)
    for doc in docs:
        for p in sorted(by_doc[doc], key=lambda p: p.start)[:KEY_PARAGRAPHS]:
            keys += [(doc, p.text[s:e]) for s, e in sentence_spans(p.text)[:2]]
    tagged = tagger.entities([text for _, text in keys]) if keys else []
    # How many documents name each subject: a subject several documents share is what the corpus is about.
    spread: dict[str, set[str]] = defaultdict(set)
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[str, tuple[str, Entity]] = {}
    for (doc, text), entities in zip(keys, tagged, strict=True):
        for e in entities:
            name = _clean(e.text)
            if e.label not in SUBJECT_LABELS or len(name) < 3 or not name[0].isupper():
                continue
            spread[name].add(doc)
            labels[name][e.label] += 1
            first.setdefault(name, (text, e))
    # "Bessent" and "Scott Bessent" are one subject: names inside one another form a group, asked about
    # by its most frequent form.
    group = {name: name for name in spread}

    def root(name: str) -> str:
        while group[name] != name:
            name = group[name]
        return name

    for name in spread:
        for other in spread:
            if other != name and re.search(rf"\b{re.escape(name)}\b", other):
                group[root(other)] = root(name)
    members: dict[str, list[str]] = defaultdict(list)
    for name in spread:
        members[root(name)].append(name)
    subjects: dict[str, tuple[set[str], int]] = {}
    for names in members.values():
        # The fullest form among the frequent ones: "Damian Hockney" over "Hockney", "East Kilbride" over "East".
        most = max(sum(labels[n].values()) for n in names)
        shown = max((n for n in names if 2 * sum(labels[n].values()) >= most), key=len)
        subjects[shown] = (set().union(*(spread[n] for n in names)), sum(sum(labels[n].values()) for n in names))
        labels[shown] = sum((labels[n] for n in names), Counter())
    ranked = sorted(subjects, key=lambda name: (-len(subjects[name][0]), -subjects[name][1], name))
    out: list[Suggestion] = []
    for name in ranked:
        text, entity = first[name]
        label = labels[name].most_common(1)[0][0]
        out.append(Suggestion(_entity_question(name, label, text, entity), name, tuple(sorted(subjects[name][0]))))
    for doc in docs:  # headings: the sections a report chose to have
        for heading in dict.fromkeys(h for p in by_doc[doc] if (h := p.heading.split(" > ")[-1].strip())):
            if 3 <= len(heading.split()) <= 12 and heading != by_doc[doc][0].title:
                # A heading that is a question is asked as written; the subject checked is its words.
                asked = heading if heading.endswith("?") else f"What do the sources say about “{heading.rstrip(':.')}”?"
                out.append(Suggestion(asked, heading.rstrip("?:."), (doc,)))
    return out


def _entity_question(name: str, label: str, sentence: str, entity: Entity) -> str:
    # The verb right after the entity in its key sentence ("Nvidia confirmed …") makes the sharpest question.
    after = sentence[entity.end :].split()
    verb = re.sub(r"[^A-Za-z]", "", after[0]) if after else ""
    if label in ("PERSON", "ORG") and verb.endswith("ed") and verb.islower() and len(verb) > 4:
        return f"What has {name} {verb}?"
    if label == "PERSON":
        return f"Who is {name}?"
    if label in ("GPE", "LOC", "NORP", "FAC"):
        return f"What is reported about {name}?"
    return f"What is {name}?" if label in ("EVENT", "LAW", "PRODUCT", "WORK_OF_ART") else f"What did {name} do?"


def _clean(text: str) -> str:
    text = re.sub(r"['’]s$", "", " ".join(text.split()).strip(" .,;:'\"“”‘’()"))
    return re.sub(r"^(?:the|The)\s+", "", text) if len(text.split()) > 1 else text


def _key(question: str) -> str:
    return " ".join(re.findall(r"\w+", question.lower()))
