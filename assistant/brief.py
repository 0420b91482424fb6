"""Corpus or topic -> one-page Brief: sections of short verbatim claims, each cited, and where the sources disagree."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer import Citation
from index.records import Paragraph
from index.retrieve import STOPWORDS, terms
from index.sentences import has_sentence_punctuation, sentence_spans, word_spans

if TYPE_CHECKING:
    from assistant.library import Library

# Said when a topic finds nothing in the corpus; the CLI prints it and exits 1, the UI shows it.
NOTHING_ON_TOPIC = "The sources have nothing on '{topic}'."

SECTION_TITLES = {
    "bottom_line": "Bottom line",
    "key_facts": "Key facts",
    "who": "Who is involved",
    "risks": "Risks and opportunities",
    "open_questions": "Open questions",
}
DISAGREE_TITLE = "Where the sources disagree"
SOURCES_TITLE = "Sources"
# What a section says when the sources hold nothing for it: an empty heading would leave the reader guessing.
EMPTY_SECTION = "Nothing in the sources on this."
NO_DISAGREEMENT = "The sources do not contradict each other on this."


class NothingOnTopic(LookupError):
    """The topic matches nothing in the corpus; str() is the sentence to show the reader."""

    def __init__(self, topic: str) -> None:
        super().__init__(NOTHING_ON_TOPIC.format(topic=topic))
        self.topic = topic


# --- records ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """One source's own wording: a stretch of a paragraph's text, by offsets into it."""

    paragraph: Paragraph
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.paragraph.text[self.start : self.end]


@dataclass(frozen=True)
class BriefClaim:
    """One short statement of the brief; citations[i] is the footnote of quotes[i], a source's own wording of it."""

    text: str
    quotes: tuple[Quote, ...]
    citations: tuple[int, ...] = ()
    verbatim: bool = True  # False once an LLM has rewritten the text; the quotes stay, to verify it against


@dataclass(frozen=True)
class BriefSection:
    """A titled section of claims, strongest first (the bottom line reads in its own order)."""

    key: str
    title: str
    claims: tuple[BriefClaim, ...]


@dataclass(frozen=True)
class Disagreement:
    """Statements from different documents that cannot all be true: one asserted, the others contrary to it."""

    question: str  # a neutral framing for the reader, e.g. "Was an agreement signed?"
    kind: str  # "negation" | "unsettled" | "numbers"
    asserted: BriefClaim
    contrary: tuple[BriefClaim, ...]


@dataclass(frozen=True)
class SourceEntry:
    """One document the brief cites, as the Sources section lists it."""

    label: str  # "S1", "S2", ... in document id order
    doc_id: str
    title: str
    date: str | None
    outlet: str | None

    @property
    def byline(self) -> str:
        """The label and, when stated, the outlet: how a quote's source is named beside it."""
        return f"{self.label} ({self.outlet})" if self.outlet else self.label


@dataclass(frozen=True)
class Brief:
    """A one-page brief: five sections of cited claims, the disagreements, the sources and the cited paragraphs."""

    title: str
    topic: str | None
    as_of: str  # "as of 14 May 2026" or "sources dated 2 May 2026 to 14 May 2026"
    sections: tuple[BriefSection, ...]
    disagreements: tuple[Disagreement, ...]
    sources: tuple[SourceEntry, ...]
    citations: tuple[Citation, ...]  # citations[n - 1] is footnote n, numbered in reading order
    mode: str = "extractive"

    def section(self, key: str) -> BriefSection:
        return next(s for s in self.sections if s.key == key)

    def source_of(self, doc_id: str) -> SourceEntry:
        return next(s for s in self.sources if s.doc_id == doc_id)

    @property
    def claims(self) -> tuple[BriefClaim, ...]:
        """Every claim in reading order: the sections', then the sides of each disagreement."""
        found = [c for s in self.sections for c in s.claims]
        for d in self.disagreements:
            found += [d.asserted, *d.contrary]
        return tuple(found)


Rewrite = Callable[[BriefSection], BriefSection]
Fits = Callable[[Brief], bool]


# --- the pipeline -------------------------------------------------------------------------

TOPIC_POOL = 40  # paragraphs retrieved for a topic before the relevance floor
TOPIC_DENSE_FLOOR = 0.25  # cosine to the topic, with at least one topic word in the paragraph
TOPIC_DENSE_ALONE = 0.50  # cosine to the topic that admits a paragraph without a shared word


def make_brief(
    library: Library, topic: str | None = None, rewrite: Rewrite | None = None, fits: Fits | None = None
) -> Brief:
    """The brief of the library's corpus, or of its paragraphs on topic; raises NothingOnTopic.

    rewrite, when given (the LLM mode), rewrites each claim section: see rewritten(). fits says
    whether a brief fits its page (default: its PDF is one A4 page at 10 pt).
    """
    topic = " ".join(topic.split()) if topic else None
    if topic:
        paragraphs = topic_paragraphs(library, topic)
        if not paragraphs:
            raise NothingOnTopic(topic)
    else:
        paragraphs = library.store.paragraphs()
        if not paragraphs:
            raise ValueError(f"the collection '{library.collection}' is empty; run `briefing index` first")
    brief = brief_from_paragraphs(paragraphs, library.embedder().embed, topic=topic, fits=fits)
    return brief if rewrite is None else rewritten(brief, rewrite, fits)


def rewritten(brief: Brief, rewrite: Rewrite, fits: Fits | None = None) -> Brief:
    """The brief with each claim section passed through rewrite, renumbered and fitted to the page again.

    The seam for the LLM mode: rewrite returns the section with claims reworded (verbatim=False) or
    dropped; each claim keeps its quotes, so a verifier can check the new text against the cited
    paragraphs. Disagreements stay verbatim: each side is the source's own words.
    """
    return fit_to_page(
        replace(brief, sections=tuple(rewrite(s) for s in brief.sections), mode="llm"), fits or _one_pdf_page
    )


def topic_paragraphs(library: Library, topic: str) -> list[Paragraph]:
    """The paragraphs about the topic: retrieved generously, then kept only above a relevance floor."""
    asked = set(terms(topic))
    kept: list[Paragraph] = []
    for passage in library.retrieve(topic, TOPIC_POOL):
        dense = passage.dense if passage.dense is not None else 0.0
        shares_word = bool(asked & set(terms(f"{passage.paragraph.heading} {passage.paragraph.text}")))
        if (shares_word and dense >= TOPIC_DENSE_FLOOR) or dense >= TOPIC_DENSE_ALONE:
            kept.append(passage.paragraph)
    return sorted(kept, key=lambda p: (p.doc_id, p.start, p.id))


def brief_from_paragraphs(
    paragraphs: Sequence[Paragraph],
    embed: Callable[[list[str]], np.ndarray],
    topic: str | None = None,
    fits: Fits | None = None,
) -> Brief:
    """Choose, section and cite the claims of a brief from these paragraphs; the same input gives the same brief."""
    pool = _Pool.build(_paragraphs_to_read(paragraphs), embed, topic)
    if topic and not pool.candidates:
        raise NothingOnTopic(topic)
    found = find_disagreements(pool)
    disputed = {i for group in found for i in group.involved}
    selection = _Selection(pool, disputed | {j for i in disputed for j in pool.duplicates[i]})
    chosen = {"bottom_line": _bottom_line(pool, selection)}
    for key in _CUE_ORDER:
        chosen[key] = _fill(pool, key, selection)
    sections = tuple(
        BriefSection(key, title, tuple(pool.claim(i) for i in chosen[key])) for key, title in SECTION_TITLES.items()
    )
    disagreements = tuple(
        Disagreement(
            group.conflict.question,
            group.conflict.kind,
            pool.claim(group.asserted, alone=True),
            tuple(pool.claim(j, alone=True) for j in group.contrary),
        )
        for group in found[:MAX_DISAGREEMENTS]
    )
    brief = Brief(
        title=topic[:1].upper() + topic[1:] if topic else _title(pool, found),
        topic=topic,
        as_of="",
        sections=sections,
        disagreements=disagreements,
        sources=(),
        citations=(),
    )
    return fit_to_page(numbered(brief), fits or _one_pdf_page)


# --- candidates: quotable stretches of the paragraphs ---------------------------------------

MIN_WORDS = 7
MAX_WORDS = 55
CLAUSE_MIN_WORDS = 10  # an unpunctuated clause shorter than this joins the one before it
CLAUSE_MAX_WORDS = 45
CLAUSE_STUB_WORDS = 5  # ... unless it is a stub this short ahead of a name: then it opens the next one
# Boilerplate around the reporting: links, calls to comment, bylines. Never a claim.
_BOILERPLATE = re.compile(
    r"read the (original|full) article|share your (view|thoughts)|in the comments|originally reported by"
    r"|subscribe|sign up for|newsletter|click here|all rights reserved",
    re.I,
)
# index/chunk.py gives a document's header (front matter, "Read Time/Tags" lines) the id `<doc>#p0`:
# metadata to answer "who wrote it", not a claim to brief.
# Words after which a capitalised word continues the clause ("told CNBC", "with Beijing", "joined Trump").
_CONTINUES = STOPWORDS | set(
    [
        "told",
        "joined",
        "asked",
        "met",
        "called",
        "like",
        "including",
        "via",
        "per",
        "versus",
        "named",
        "led",
        "than",
        "whether",
    ]
)
# Capitalised words that open a clause wherever they stand in unpunctuated text.
_STARTERS = set(
    [
        "The",
        "This",
        "These",
        "Those",
        "It",
        "If",
        "Any",
        "Both",
        "For",
        "A",
        "An",
        "In",
        "As",
        "But",
        "We",
        "I",
        "He",
        "She",
        "They",
        "There",
        "Is",
        "What",
        "Why",
        "How",
        "Do",
    ]
)
_ENUMERATORS = set(["One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"])
# A clause opening with these leans on the one before it ("That framing reveals...").
_ANAPHORA = set(["He", "She", "They", "It", "This", "That", "These", "Those", "His", "Her", "Their", "Its"])
_TITLES = {"Treasury", "Secretary", "President", "CEO", "Minister", "Senator", "Governor", "Chairman", "Spokesperson"}
_PRONOUNS = set(["He", "She", "They", "It"])  # "He said there had been a lot of back and forth" joins its subject


@dataclass(frozen=True)
class _Candidate:
    paragraph: Paragraph
    start: int
    end: int

    @property
    def text(self) -> str:
        return self.paragraph.text[self.start : self.end]

    @property
    def words(self) -> int:
        return len(self.text.split())


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
        continues = before.lower() in _CONTINUES
        # "has alarmed Washington": a name after a past-tense verb is its object, not a new clause.
        opens = word[:1].isupper() and before[:1].islower() and not continues and not before.endswith("ed")
        if opens or (word in _STARTERS and not continues):
            starts.append(i)
    segments = [[a, b] for a, b in zip(starts, [*starts[1:], len(tokens)], strict=True)]
    if tokens[0] in _ENUMERATORS and len(segments) > 1:
        segments = segments[1:]  # "Two Chip export policy remains fluid": a list label, not a claim
    # A stub ("This framing positions", "Anthropic recent") is the subject of the clause after it, unless
    # that clause opens on its own ("...major | Chinese technology firms | He said...").
    forward: list[list[int]] = []
    for a, b in segments:
        stub = forward and forward[-1][1] - forward[-1][0] < CLAUSE_STUB_WORDS
        if stub and (tokens[forward[-1][0]] in _STARTERS or tokens[a] not in _STARTERS):
            forward[-1][1] = b
        else:
            forward.append([a, b])
    merged: list[list[int]] = []
    for a, b in forward:
        leans = bool(merged) and tokens[a] in _PRONOUNS and b - merged[-1][0] <= CLAUSE_MAX_WORDS
        if merged and (b - a < CLAUSE_MIN_WORDS or leans or merged[-1][1] - merged[-1][0] < CLAUSE_MIN_WORDS):
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(words[a][0], words[b - 1][1]) for a, b in merged]


def _candidates(paragraphs: Sequence[Paragraph]) -> list[_Candidate]:
    found: list[_Candidate] = []
    for paragraph in paragraphs:
        if _BOILERPLATE.search(paragraph.text) or paragraph.is_header:
            continue
        for start, end in quotable_spans(paragraph.text):
            candidate = _Candidate(paragraph, start, end)
            if not MIN_WORDS <= candidate.words <= MAX_WORDS or candidate.text.rstrip("”\"'").endswith("?"):
                continue  # fragments, run-ons and questions to the reader make poor claims
            found.append(candidate)
    return found


MAX_PARAGRAPHS = 160  # a whole-corpus brief of a big corpus reads its most corpus-typical paragraphs only


def _paragraphs_to_read(paragraphs: Sequence[Paragraph]) -> list[Paragraph]:
    """All paragraphs, or for a big corpus the MAX_PARAGRAPHS most corpus-typical, taken in turn from each document."""
    ordered = sorted(paragraphs, key=lambda p: (p.doc_id, p.start, p.id))
    if len(ordered) <= MAX_PARAGRAPHS:
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
    while len(kept) < MAX_PARAGRAPHS:
        for queue in queues:
            if queue and len(kept) < MAX_PARAGRAPHS:
                kept.append(queue.pop(0)[1])
    return sorted(kept, key=lambda p: (p.doc_id, p.start, p.id))


# --- the pool: candidates with vectors, scores and duplicates ------------------------------

# Two documents state the same thing when their sentences share most content words and mean the same;
# cosine alone is not enough ("would represent the first framework" vs "is the first ... signed": 0.82).
DUPLICATE_OVERLAP = 0.50  # share of content words in common (Jaccard)
DUPLICATE_SIMILARITY = 0.65  # ... together with at least this cosine
DUPLICATE_ALONE = 0.90  # or a cosine this high on its own
REDUNDANT_IN_SECTION = 0.70  # a claim this close to one already in its section adds nothing
REDUNDANT_IN_BRIEF = 0.78  # ... or this close to one anywhere in the brief
SUPPORT_BONUS = 0.06  # per further document that states the same thing
ANAPHORA_PENALTY = 0.06  # "That framing reveals..." needs the sentence before it
LONG_WORDS = 30  # past this many words a claim costs page space: a small penalty per word
TOPIC_SENTENCE_FLOOR = 0.15  # in a topic brief, a sentence this far from the topic needs a topic word


@dataclass
class _Pool:
    candidates: list[_Candidate]
    vectors: np.ndarray
    similarity: np.ndarray
    words: list[set[str]]
    score: list[float]
    duplicates: list[list[int]]  # for each candidate, its closest restatement in each other document

    @classmethod
    def build(
        cls,
        paragraphs: Sequence[Paragraph],
        embed: Callable[[list[str]], np.ndarray],
        topic: str | None,
    ) -> _Pool:
        candidates = _candidates(paragraphs)
        # One batch: the topic rides along with the sentences and comes back as the last row.
        texts = [c.text for c in candidates] + ([topic] if topic else [])
        embedded = embed(texts) if texts else np.zeros((0, 384), dtype=np.float32)
        vectors = embedded[: len(candidates)]
        words = [set(terms(c.text)) for c in candidates]
        keep = _without_repeats(candidates, vectors @ vectors.T, words)
        relevance = np.zeros(len(candidates), dtype=np.float32)
        if topic:
            asked = set(terms(topic))
            relevance = vectors @ embedded[-1]
            keep = [i for i in keep if relevance[i] >= TOPIC_SENTENCE_FLOOR or asked & words[i]]
        candidates, vectors = [candidates[i] for i in keep], vectors[keep]
        words, relevance = [words[i] for i in keep], relevance[keep]
        similarity = vectors @ vectors.T
        centrality = vectors @ _centroid(candidates, vectors) if candidates else np.zeros(0)
        base = 0.4 * centrality + 0.6 * relevance if topic else centrality
        duplicates = _duplicates(candidates, similarity, words)
        score = [
            float(base[i])
            + SUPPORT_BONUS * len(duplicates[i])
            - (ANAPHORA_PENALTY if c.text.split()[0] in _ANAPHORA else 0.0)
            - 0.004 * max(0, c.words - LONG_WORDS)
            for i, c in enumerate(candidates)
        ]
        return cls(candidates, vectors, similarity, words, score, duplicates)

    def claim(self, i: int, alone: bool = False) -> BriefClaim:
        """Candidate i as a claim quoting itself and, unless alone, its restatements in other documents."""
        backing = [i] if alone else [i, *self.duplicates[i]]
        quotes = tuple(
            Quote(self.candidates[j].paragraph, self.candidates[j].start, self.candidates[j].end) for j in backing
        )
        return BriefClaim(self.candidates[i].text, quotes)


def _without_repeats(candidates: Sequence[_Candidate], similarity: np.ndarray, words: list[set[str]]) -> list[int]:
    """Indices of the candidates that do not repeat an earlier one of the same document (pull quotes)."""
    kept: list[int] = []
    for i, c in enumerate(candidates):
        if not any(
            candidates[j].paragraph.doc_id == c.paragraph.doc_id
            and similarity[i, j] >= DUPLICATE_ALONE
            and len(words[i] & words[j]) / max(len(words[i] | words[j]), 1) >= DUPLICATE_OVERLAP
            for j in kept
        ):
            kept.append(i)
    return kept


def _centroid(candidates: Sequence[_Candidate], vectors: np.ndarray) -> np.ndarray:
    # Each document weighs the same: a long report should not define what the corpus is about.
    means = []
    for doc_id in sorted({c.paragraph.doc_id for c in candidates}):
        rows = [i for i, c in enumerate(candidates) if c.paragraph.doc_id == doc_id]
        means.append(vectors[rows].mean(axis=0))
    centre = np.mean(means, axis=0)
    return np.asarray(centre / max(float(np.linalg.norm(centre)), 1e-12), dtype=np.float32)


def _duplicates(candidates: Sequence[_Candidate], similarity: np.ndarray, words: list[set[str]]) -> list[list[int]]:
    found: list[list[int]] = []
    for i, c in enumerate(candidates):
        best: dict[str, tuple[float, int]] = {}
        for j, other in enumerate(candidates):
            if other.paragraph.doc_id == c.paragraph.doc_id:
                continue
            overlap = len(words[i] & words[j]) / max(len(words[i] | words[j]), 1)
            closeness = float(similarity[i, j])
            if closeness >= DUPLICATE_ALONE or (overlap >= DUPLICATE_OVERLAP and closeness >= DUPLICATE_SIMILARITY):
                doc = other.paragraph.doc_id
                if doc not in best or closeness > best[doc][0]:
                    best[doc] = (closeness, j)
        found.append([j for _, (_, j) in sorted(best.items())])
    return found


# --- sections: cue words decide where a claim belongs, centrality decides which claims ------

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATED = re.compile(
    rf"\b{_MONTH}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH}\b|\b{_MONTH}\s+(?:19|20)\d\d\b|\b(?:19|20)\d\d\b"
)
_DIGITS = re.compile(r"\b\d+(?:[.,]\d+)?(?:\s?%|\s?percent)?\b|\b[A-Z]{1,3}\d{2,4}\b")  # 10, 12-18, 40%, H200
_OPEN = re.compile(
    r"\bnot (?:been |yet )?(?:disclosed|detailed|specified|decided|known|clear)\b|\bundisclosed\b|\bunclear\b"
    r"|\bunknown\b|\bopen question\b|\bno timeline\b|\bno indication\b|\bno specifics\b|\bremain(?:s)? scarce\b"
    r"|\b(?:has|have) yet to\b|\byet disclosed\b|\bremains to be seen\b|\bneeds to specify\b",
    re.I,
)
_WHETHER = re.compile(r"^(?:whether|which|what|how|who)\b|\bwhether\b|\bunresolved\b", re.I)
_OPEN_HEADING = re.compile(r"don.?t know|unknown|open question|what to watch|to watch", re.I)
# "the risk", "risks", "risk of": a risk named; "AI risk", "proliferation risk" name a subject instead.
_RISK = re.compile(
    r"\brisks\b|\b(?:the|a|at) risk\b|\brisk (?:of|that)\b|\bthreat|\bdanger|undermin|\bmisuse|\bleak|vulnerab"
    r"|\bexposed\b|\bcollapse|sticking point|skeptic|weaponi[sz]|cyberattack|bioweapon|biological weapon"
    r"|catastroph|volatil|politically sensitive|\btension",
    re.I,
)
_OPPORTUNITY = re.compile(r"opportunit|upside|\bgain\b|\bbenefit|\bboost|could set a floor|\bpositioned to\b", re.I)
_RISK_HEADING = re.compile(r"risk|opportunit|implication", re.I)
_STANCE = re.compile(
    r"\b(?:said|says|argued|argues|framed|frames|told|described|describes|called|warned|emphasi[sz]ed|stressed"
    r"|insisted|pressing|pressed|urged|cited|anticipates|believes|wants|proposing|rejected|denied|claimed"
    r"|added|pointing to|grounded)\b",
    re.I,
)
_NAME = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-zA-Z]+)*|\b[A-Z]{2,}\b")
_EVENT = re.compile(r"\bannounc|\bagreed\b|\bestablish|\bunveil|\blaunch|\bformali[sz]", re.I)
_SIGNIFICANCE = re.compile(
    r"\bmatters?\b|\bsignificant\b|\bfirst\b|\bprecedent\b|\bshift\b|\bmarks\b|\bstep toward|\brepresent|\bstakes\b",
    re.I,
)
_SIGNIFICANCE_HEADING = re.compile(r"why (this|it) matters|significance|implication", re.I)
_QUOTED = re.compile(r"^[\"“'‘]")

SECTION_LIMITS = {"bottom_line": 3, "key_facts": 4, "who": 3, "risks": 3, "open_questions": 3}
LEDE_BONUS = 0.05  # for the "what happened" sentence, the opening paragraph of a report counts for this much
BOTTOM_LINE_SHORT = 380  # characters: below this, two sentences leave room for a third
_CUE_ORDER = ["open_questions", "risks", "key_facts", "who"]
CUE_WEIGHT = 0.15  # how much a stronger cue outweighs centrality within a section


def section_cues(text: str, heading: str = "") -> dict[str, float]:
    """How strongly a sentence's own words (and its heading) place it in each section; 0 means not at all."""
    last_heading = heading.split(" > ")[-1]
    cues = dict.fromkeys(SECTION_TITLES, 0.0)
    if _OPEN.search(text):
        cues["open_questions"] = 2.0
    elif _WHETHER.search(text):
        cues["open_questions"] = 1.0
    if cues["open_questions"] and _OPEN_HEADING.search(last_heading):
        cues["open_questions"] += 1.0
    named = len(_RISK.findall(text)) + len(_OPPORTUNITY.findall(text))
    if named:
        cues["risks"] = 1.0 + 0.5 * min(named, 2) + (1.0 if _RISK_HEADING.search(last_heading) else 0.0)
    elif _RISK_HEADING.search(last_heading) and re.search(r"\b(?:could|may|might)\b", text):
        cues["risks"] = 1.0
    facts = len({m.group() for m in _DATED.finditer(text)} | {m.group() for m in _DIGITS.finditer(text)})
    if facts:
        cues["key_facts"] = 1.0 + 0.5 * min(facts, 2)
    if speaker(text):
        cues["who"] = 1.5
    return cues


@dataclass
class _Selection:
    """The claims chosen so far, and the candidates they use up (themselves, their duplicates, the disputed)."""

    pool: _Pool
    used: set[int]
    picked: list[int] = field(default_factory=list)

    def admits(self, i: int, section: list[int]) -> bool:
        similarity = self.pool.similarity
        return (
            i not in self.used
            and not any(similarity[i, j] >= REDUNDANT_IN_SECTION for j in section)
            and not any(similarity[i, j] >= REDUNDANT_IN_BRIEF for j in self.picked)
        )

    def take(self, i: int, section: list[int]) -> None:
        section.append(i)
        self.picked.append(i)
        self.used.update([i, *self.pool.duplicates[i]])


def _eligible(pool: _Pool, key: str, selection: _Selection) -> list[int]:
    """Candidates whose words point at this section at least as strongly as at any other, best first."""
    ranked = []
    for i, c in enumerate(pool.candidates):
        if i in selection.used:
            continue
        cues = section_cues(c.text, c.paragraph.heading)
        strongest = max(cues[k] for k in _CUE_ORDER)
        if cues[key] > 0 and cues[key] >= strongest:
            ranked.append((pool.score[i] + CUE_WEIGHT * cues[key], i))
    return [i for _, i in sorted(ranked, key=lambda r: (-r[0], r[1]))]


def _fill(pool: _Pool, key: str, selection: _Selection) -> list[int]:
    chosen: list[int] = []
    subjects: set[str] = set()
    paragraphs: set[str] = set()
    eligible = _eligible(pool, key, selection)
    opportunity_waiting = any(_OPPORTUNITY.search(pool.candidates[i].text) for i in eligible)
    for i in eligible:
        if len(chosen) >= SECTION_LIMITS[key]:
            break
        c = pool.candidates[i]
        if c.paragraph.id in paragraphs or not selection.admits(i, chosen):
            continue
        if key == "who":
            subject = speaker(c.text)
            if subject in subjects:
                continue  # one claim per actor: the section is about who, not about one person three times
            subjects.add(subject)
        last_place = key == "risks" and opportunity_waiting and len(chosen) == SECTION_LIMITS[key] - 1
        if last_place and not any(_OPPORTUNITY.search(pool.candidates[j].text) for j in [*chosen, i]):
            continue  # keep the last place for an opportunity when the sources name one
        selection.take(i, chosen)
        paragraphs.add(c.paragraph.id)
    return chosen


def speaker(text: str) -> str:
    """The named actor whose position a sentence reports: the name just before its stance verb ("...,"
    Bessent told CNBC; Beijing, meanwhile, has been pressing), or '' when it names none ("he argued")."""
    for stance in _STANCE.finditer(text):
        before = re.findall(r"[A-Za-z][\w'-]*", text[: stance.start()])
        if not before or before[-1].lower() in ("he", "she", "they", "it", "we", "i"):
            return ""  # the speaker is in another sentence
        if before[-1].lower() == "and":  # "Bessent spoke ... and said": the sentence's own subject speaks
            before = _opening_name(text)
        names = [w for w in before[-4:] if w[0].isupper() and w not in _STARTERS | _ANAPHORA | _TITLES]
        if names:
            return names[-1]
    return ""


def _opening_name(text: str) -> list[str]:
    """The run of capitalised words a sentence opens with, quotes and starters skipped."""
    run: list[str] = []
    for word in re.findall(r"[A-Za-z][\w'-]*", re.sub(r"^[\"“][^\"”]*[\"”]", "", text)):
        if not word[0].isupper() or (word in _STARTERS and not run):
            break
        run.append(word)
    return run


def _bottom_line(pool: _Pool, selection: _Selection) -> list[int]:
    """What happened, then why it matters, then one more central sentence when the first two are short."""
    chosen: list[int] = []

    def take(test: Callable[[_Candidate], bool], lede: float = 0.0) -> None:
        ranked = sorted(range(len(pool.candidates)), key=lambda i: (-pool.score[i] - lede * _is_lede(pool, i), i))
        for i in ranked:
            c = pool.candidates[i]
            # The reporting's own voice, not a quote, and no open question: the bottom line states.
            plain = not _QUOTED.match(c.text) and not section_cues(c.text)["open_questions"]
            if plain and test(c) and selection.admits(i, chosen):
                selection.take(i, chosen)
                return

    take(lambda c: bool(_EVENT.search(c.text)), lede=LEDE_BONUS)
    take(lambda c: bool(_SIGNIFICANCE.search(c.text) or _SIGNIFICANCE_HEADING.search(c.paragraph.heading)))
    if sum(len(pool.candidates[i].text) for i in chosen) < BOTTOM_LINE_SHORT:
        take(lambda c: len(c.text) < 220)
    return chosen


def _is_lede(pool: _Pool, i: int) -> bool:
    """True for a sentence of its document's opening paragraph: news writing says what happened first."""
    number = pool.candidates[i].paragraph.id.rsplit("#p", 1)[-1].split(".")[0]
    return number.isdigit() and int(number) == 1


def _title(pool: _Pool, disagreements: Sequence[_Group]) -> str:
    """The whole-corpus title: the headline of the most central document, of those that take no side in a dispute."""
    disputed: set[str] = set()
    for group in disagreements:
        disputed.update(terms(f"{group.conflict.key} {group.conflict.verb}"))
    rows: dict[str, list[int]] = {}
    for i, c in enumerate(pool.candidates):
        rows.setdefault(c.paragraph.title, []).append(i)
    # A headline cut from the opening words ("...told CNBC on May 14 2026 that…") is no headline.
    plain = sorted(t for t in rows if t and not t.endswith("…") and not disputed & set(terms(t)))
    if not plain:
        return "What the sources say"
    centre = _centroid(pool.candidates, pool.vectors)
    return max(plain, key=lambda t: float(pool.vectors[rows[t]].mean(axis=0) @ centre))


# --- disagreements ------------------------------------------------------------------------

# A statement made as done: the side of a disagreement that asserts.
_ASSERTIVE = re.compile(
    r"\b(signed|sealed|struck|concluded|formali[sz]ed|ratified|finali[sz]ed|reached|approved|cleared|confirmed"
    r"|completed|adopted|passed)\b",
    re.I,
)
# Words that make a statement conditional, reported or hypothetical: such a statement asserts nothing.
# Matched case-sensitively after lower-casing the first letter, so that "May 14" is not the modal "may".
_HEDGED = re.compile(
    r"\b(?:reported(?:ly)?|according to|could|would|may|might|if|whether|any|planned|expected|preparing|likely"
    r"|asked about|report that)\b"
)
_NEGATED_NOUN = re.compile(
    r"\b(?:(?:is|was|are|were)\s+not|not|no longer|never|rather than|instead of)\s+(?:a|an|the)\s+"
    r"(?:(?P<adjective>[a-z-]+)\s+)?(?P<noun>[a-z]+)\b",
    re.I,
)
_UNSETTLED = re.compile(
    r"\bback and forth\b|\bunder discussion\b|\bstill being negotiated\b|\bremains? fluid\b|\bunconfirmed\b"
    r"|\bnot yet (?:been )?(?:approved|cleared|signed|decided|final)\b|\bno decision\b"
    r"|\b(?:has|have) not been (?:approved|cleared|confirmed|signed)\b",
    re.I,
)
_COUNT = re.compile(r"\b(?P<number>\d+(?:[.,]\d+)?)\s+(?P<unit>(?:[A-Za-z][a-z-]+\s+){0,2}[a-z][a-z-]+)")
ASSERTION_WINDOW = 15  # words between the verb and the noun it makes a fact of ("agreement is ..., signed May 14")
NEGATION_SIMILARITY = 0.20  # "not an agreement" vs "signed ... agreement": the pattern carries the weight
UNSETTLED_SIMILARITY = 0.35
UNSETTLED_SHARED_WORDS = 3
NUMBERS_SIMILARITY = 0.60
MAX_DISAGREEMENTS = 3


@dataclass(frozen=True)
class Conflict:
    """How one statement contradicts another, and the neutral question a reader would ask about it."""

    kind: str  # "negation" | "unsettled" | "numbers"
    key: str  # what is in dispute: the negated noun, or the counted unit
    verb: str  # the assertive verb of the asserting side ("signed", "cleared"), or ""
    question: str


def conflict(asserted: str, contrary: str, similarity: float, shared_words: int) -> Conflict | None:
    """How contrary contradicts asserted, if it does: it denies what asserted says was done, calls it
    unsettled, or gives a different number for the same thing. similarity is the sentences' cosine."""
    claim = _ASSERTIVE.search(asserted)
    if claim and not _HEDGED.search(asserted[:1].lower() + asserted[1:]):
        for match in _NEGATED_NOUN.finditer(contrary):
            noun = match.group("noun").lower()
            verb = _verb_making_fact_of(asserted, noun)
            if verb and similarity >= NEGATION_SIMILARITY:
                article = "an" if noun[0] in "aeiou" else "a"
                return Conflict("negation", noun, verb, f"Was {article} {noun} {verb}?")
        verb = claim.group(1).lower()
        # The contrary side must speak of the same act ("had cleared sales ... a lot of back and forth").
        same_act = re.search(rf"\b{verb}\b", contrary, re.I) is not None
        unsettled = _UNSETTLED.search(contrary) and not _UNSETTLED.search(asserted) and same_act
        if unsettled and similarity >= UNSETTLED_SIMILARITY and shared_words >= UNSETTLED_SHARED_WORDS:
            return Conflict("unsettled", verb, verb, f"{verb.capitalize()}, or still under discussion?")
    if similarity >= NUMBERS_SIMILARITY:
        counts = {_unit(m): m.group("number") for m in _COUNT.finditer(asserted) if not _is_year(m.group("number"))}
        for m in _COUNT.finditer(contrary):
            unit = _unit(m)
            if unit and unit in counts and counts[unit] != m.group("number") and not _is_year(m.group("number")):
                noun = [w for w in m.group("unit").split() if w.lower() not in STOPWORDS][-1]
                return Conflict("numbers", unit, "", f"Which figure for {noun}?")
    return None


def _verb_making_fact_of(text: str, noun: str) -> str | None:
    """The assertive verb within a few words of the noun, where the text does not negate the noun itself."""
    if any(m.group("noun").lower() == noun for m in _NEGATED_NOUN.finditer(text)):
        return None
    words = re.findall(r"[A-Za-z][A-Za-z-]*", text)
    lowered = [w.lower() for w in words]
    for at, word in enumerate(lowered):
        if word != noun:
            continue
        for near in range(max(0, at - ASSERTION_WINDOW), min(len(words), at + ASSERTION_WINDOW + 1)):
            if _ASSERTIVE.fullmatch(words[near]):
                return lowered[near]
    return None


def _unit(match: re.Match[str]) -> str:
    """What a number counts: the last content word after it ("10 Chinese companies to" -> "compani")."""
    stems = terms(match.group("unit"))
    return stems[-1] if stems else ""


def _is_year(number: str) -> bool:
    return len(number) == 4 and number[:2] in ("19", "20")


@dataclass(frozen=True)
class _Group:
    conflict: Conflict
    asserted: int
    contrary: tuple[int, ...]
    strength: float
    involved: frozenset[int]  # every statement on either side, kept out of the other sections


def find_disagreements(pool: _Pool) -> list[_Group]:
    """Statements from different documents that conflict, one group per disputed thing and asserting document."""
    # (kind, disputed thing, asserting document) -> asserting statement -> other document -> (cosine, statement)
    found: dict[tuple[str, str, str], dict[int, dict[str, tuple[float, int]]]] = {}
    conflicts: dict[tuple[tuple[str, str, str], int], Conflict] = {}
    # Cheap tests first: a big corpus has a quarter of a million pairs, and few can conflict at all.
    texts = [c.text for c in pool.candidates]
    asserts = [bool(_ASSERTIVE.search(t)) and not _HEDGED.search(t[:1].lower() + t[1:]) for t in texts]
    denies = [bool(_NEGATED_NOUN.search(t) or _UNSETTLED.search(t)) for t in texts]
    counts = [bool(_COUNT.search(t)) for t in texts]
    for i, a in enumerate(pool.candidates):
        for j, b in enumerate(pool.candidates):
            similarity = float(pool.similarity[i, j])
            possible = (asserts[i] and denies[j]) or (counts[i] and counts[j] and similarity >= NUMBERS_SIMILARITY)
            if not possible or a.paragraph.doc_id == b.paragraph.doc_id:
                continue
            found_conflict = conflict(a.text, b.text, similarity, len(pool.words[i] & pool.words[j]))
            if found_conflict is None or (found_conflict.kind == "numbers" and a.paragraph.doc_id > b.paragraph.doc_id):
                continue  # two figures have no asserting side: count each pair of documents once
            key = (found_conflict.kind, found_conflict.key, a.paragraph.doc_id)
            conflicts.setdefault((key, i), found_conflict)
            per_doc = found.setdefault(key, {}).setdefault(i, {})
            if b.paragraph.doc_id not in per_doc or similarity > per_doc[b.paragraph.doc_id][0]:
                per_doc[b.paragraph.doc_id] = (similarity, j)
    groups: list[_Group] = []
    for key, by_assertion in sorted(found.items()):
        involved = frozenset(by_assertion) | {j for per_doc in by_assertion.values() for _, j in per_doc.values()}
        options = []
        for i, per_doc in sorted(by_assertion.items()):
            contrary = tuple(j for _, (_, j) in sorted(per_doc.items()))
            strength = sum(w for w, _ in per_doc.values()) + pool.score[i]
            options.append(_Group(conflicts[(key, i)], i, contrary, strength, involved))
        # The assertion contradicted by the most documents, and most closely, stands for the others.
        groups.append(max(options, key=lambda g: (len(g.contrary), g.strength, -g.asserted)))
    return sorted(groups, key=lambda g: (-len(g.contrary), -g.strength, g.asserted))


# --- numbering and fitting the page ---------------------------------------------------------


def numbered(brief: Brief) -> Brief:
    """The brief with footnotes numbered by first use in reading order, and its sources and dates to match."""
    numbers: dict[str, int] = {}
    citations: list[Citation] = []

    def number(claim: BriefClaim) -> BriefClaim:
        for quote in claim.quotes:
            if quote.paragraph.id not in numbers:
                numbers[quote.paragraph.id] = len(numbers) + 1
                citations.append(Citation(numbers[quote.paragraph.id], quote.paragraph))
        return replace(claim, citations=tuple(numbers[q.paragraph.id] for q in claim.quotes))

    sections = tuple(replace(s, claims=tuple(number(c) for c in s.claims)) for s in brief.sections)
    disagreements = tuple(
        replace(d, asserted=number(d.asserted), contrary=tuple(number(c) for c in d.contrary))
        for d in brief.disagreements
    )
    first: dict[str, Paragraph] = {}
    for citation in sorted(citations, key=lambda c: c.paragraph.id):
        first.setdefault(citation.paragraph.doc_id, citation.paragraph)
    sources = tuple(
        SourceEntry(f"S{n}", doc_id, first[doc_id].title or doc_id, first[doc_id].date, first[doc_id].outlet)
        for n, doc_id in enumerate(sorted(first), start=1)
    )
    return replace(
        brief,
        sections=sections,
        disagreements=disagreements,
        sources=sources,
        citations=tuple(citations),
        as_of=date_range([s.date for s in sources]),
    )


# When the page is full, claims go from the fullest section first; ties lose in this order.
_TRIM_ORDER = ["who", "risks", "open_questions", "key_facts", "bottom_line"]
_KEEP = {"bottom_line": 2}  # the fewest claims a section keeps (1 unless named)


def fit_to_page(brief: Brief, fits: Fits) -> Brief:
    """Drop the weakest claims (the last of the fullest section), then disagreements, until the brief fits;
    then put back, strongest first, any dropped claim that still fits in the room a longer one left."""
    brief = numbered(brief)
    dropped: list[tuple[str, BriefClaim | Disagreement]] = []
    while not fits(brief):
        trimmable = [s for s in brief.sections if len(s.claims) > _KEEP.get(s.key, 1)]
        if trimmable:
            section = max(trimmable, key=lambda s: (len(s.claims), -_TRIM_ORDER.index(s.key)))
            dropped.append((section.key, section.claims[-1]))
            brief = _with_sections(brief, section.key, section.claims[:-1])
        elif len(brief.disagreements) > 1:
            dropped.append(("", brief.disagreements[-1]))
            brief = replace(brief, disagreements=brief.disagreements[:-1])
        else:
            break  # nothing left to drop: claims this long cannot be quoted on one page
        brief = numbered(brief)
    for key, item in reversed(dropped):
        if isinstance(item, Disagreement):
            trial = replace(brief, disagreements=(*brief.disagreements, item))
        elif isinstance(item, BriefClaim):
            trial = _with_sections(brief, key, (*brief.section(key).claims, item))
        trial = numbered(trial)
        if fits(trial):
            brief = trial
    return brief


def _with_sections(brief: Brief, key: str, claims: tuple[BriefClaim, ...]) -> Brief:
    return replace(brief, sections=tuple(replace(s, claims=claims) if s.key == key else s for s in brief.sections))


def _one_pdf_page(brief: Brief) -> bool:
    from assistant.brief_render import fits_one_page

    return fits_one_page(brief)


def date_range(dates: Sequence[str | None]) -> str:
    """'as of 14 May 2026' for one date, 'sources dated 2 May 2026 to 14 May 2026' for several, or 'undated'."""
    known = sorted({d for d in dates if d})
    if not known:
        return "sources undated"
    first, last = _readable(known[0]), _readable(known[-1])
    undated = " (some undated)" if any(not d for d in dates) else ""
    return f"as of {last}{undated}" if first == last else f"sources dated {first} to {last}{undated}"


def _readable(iso: str) -> str:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%B')} {day.year}"
