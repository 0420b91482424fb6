"""Passages -> Answer: verbatim sentences chosen from the passages, each cited; abstains when evidence is weak."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.question import Question, analyse
from index.keyword import KeywordIndex
from index.records import Excerpt, Paragraph, Passage
from index.text import MONTH_PATTERN, NUMBER_WORD_PATTERN, has_sentence_punctuation, terms, word_spans

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
class ShortAnswer:
    """The words of a quote that answer a who/which/when/where/how-much question (assistant/short_answer.py)."""

    text: str
    paragraph_id: str
    start: int  # character offsets into that paragraph's text
    end: int
    claim: int  # the claim (0-based) whose quote holds it
    in_claim: int  # where it starts in that claim's text
    label: str  # what the NER model took it for: PERSON, ORG, DATE, MONEY...


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
    understood: str = ""  # a follow-up as it was read with the previous turn (assistant/followup.py); "" if as asked
    short_answer: ShortAnswer | None = None  # the span that answers, inside claims[short_answer.claim]
    # The answer model's probability that the best quote holds the answer (assistant/answer_model.py);
    # None where no model decided (an LLM answer, a refusal before retrieval).
    confidence: float | None = None


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


@dataclass(frozen=True)
class Judgement:
    """How well one candidate answers the question, and whether it may be given as the answer."""

    candidate: Candidate
    score: float
    coverage: float  # IDF-weighted share of the question's terms the candidate (or its heading) holds
    dense: float  # cosine of question and candidate
    type_ok: bool  # holds the kind of thing asked for (a number of the asked-for noun, a date, money...)
    speaker_ok: bool  # for "what did X say": X is the one speaking
    unknown: bool  # the candidate says the thing is not known or not disclosed
    unmatched: float = (
        0.0  # share of the question's weight in words the corpus never uses and the paragraph does not mean
    )
    action_ok: bool = True  # for "what did X agree ...": the quote holds that verb
    header_ok: bool = True  # a document header answers only questions about the document itself
    adds_ok: bool = True  # for a wh-question: the quote holds a word the question does not ("Veritas?" does not)


# Calibrated on evals/questions.jsonl (64 answerable, 28 unanswerable cases): see the comment on
# ExtractiveAnswerer.acceptable for how.
MIN_COVERAGE = 0.5
MIN_SCORE = 0.45
# Cosine of question and quote below which no quote answers, however many words it shares: "What is the
# capital of Australia?" against "...from the Chinese capital..." is 0.04; answerable seed questions are >= 0.41.
MIN_DENSE = 0.25
# Share of the question's weight held by words the corpus never uses and nothing in the paragraph
# means: above this, the question is about something the sources do not cover ("population of Beijing").
MAX_UNMATCHED_SHARE = 0.5
SYNONYM_SIMILARITY = 0.5  # word-vector cosine at which two words count as the same ("CEO" ~ "chief executive": 0.81)

ExcerptSource = Callable[[Sequence[str]], list[tuple[Excerpt, np.ndarray]]]


_NUMBER = rf"(?:\d[\d,.]*(?:-\d[\d,.]*)?|{NUMBER_WORD_PATTERN}|dozen|hundreds?|thousands?|millions?|billions?)"
_TYPE_PATTERNS = {
    "money": re.compile(
        r"[$€£¥]\s?\d|\b\d[\d,.]*\s?(?:million|billion|trillion|bn|m)?\s?(?:dollars?|usd|euros?|yuan)\b", re.I
    ),
    "percent": re.compile(r"\b\d+(?:\.\d+)?\s?(?:%|percent|per cent)", re.I),
    "time": re.compile(
        rf"\b(?:{MONTH_PATTERN}|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|\b(?:19|20)\d\d\b|"
        r"\b(?:coming|next|last|past|this|earlier|later|within)\s+(?:\w+\s+)?(?:days?|weeks?|months?|years?|quarters?)\b|"
        + _NUMBER
        + r"\s*(?:-|to)?\s*(?:days?|weeks?|months?|years?|quarters?)\b|\b(?:today|tomorrow|yesterday)\b",
        re.I,
    ),
}
_SAY = (
    r"(?:said|says|told|describe|tells|added|argued|warned|emphasi[sz]ed|described|called|announced|stated|noted"
    r"|claimed|insisted|framed|cited|pointed)"
)
_UNKNOWN = re.compile(
    r"\bnot (?:been |yet )?(?:disclosed|specified|detailed|known|clear|announced|made public)\b|\bundisclosed\b|"
    r"\bunclear\b|\bremains? (?:an |the )?open question\b|\bno (?:timeline|indication|specifics|details|word)\b|"
    r"\boffered no\b|\bdid not (?:say|specify|disclose|detail)\b|\bdon'?t know\b|\bwas not detailed\b|\bnot detailed\b",
    re.I,
)


class ExtractiveAnswerer:
    """Quotes the one to three sentences that best answer a question, or abstains; needs no LLM."""

    def __init__(
        self,
        keyword: KeywordIndex,
        excerpts: ExcerptSource,
        embed: Callable[[list[str]], np.ndarray] | None = None,
        word_vectors: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.keyword = keyword
        self.excerpts = excerpts  # stored excerpt vectors: no sentence is embedded at question time
        self.embed = embed  # for single words, only when a question uses words the corpus never does
        # Word vectors outlive one question when the caller keeps the dict (the Library does).
        self._word_vectors = word_vectors if word_vectors is not None else {}

    def judge(self, question: str, passages: Sequence[Passage], question_vector: np.ndarray) -> list[Judgement]:
        """Every excerpt of the passages, judged and sorted best first."""
        asked = analyse(question)
        by_id = {p.paragraph.id: p for p in passages}
        stored = self.excerpts([p.paragraph.id for p in passages])
        if not stored:
            return []
        pool = [Candidate(e.text, by_id[e.paragraph_id], e.start, e.end) for e, _ in stored]
        dense = np.stack([vector for _, vector in stored]) @ question_vector
        judged = [self._judge(asked, c, float(d)) for c, d in zip(pool, dense, strict=True)]
        judged.sort(key=lambda j: (-j.score, j.candidate.passage.rank, j.candidate.start))
        return self._count_unmatched(asked, question, judged)

    def answer(self, question: str, passages: Sequence[Passage], question_vector: np.ndarray) -> Answer:
        judged = self.judge(question, passages, question_vector)
        usable = [j for j in judged if self.acceptable(j)]
        # When the best match says the thing is not known, that is the finding: no lesser match answers instead.
        if not usable or judged[0].unknown:
            return abstain(question, closest_passages(judged, passages))
        best = usable[0]
        chosen = [best]
        for other in usable[1:]:
            if len(chosen) == 3 or other.score < best.score * 0.92:
                break
            if not any(overlapping(other.candidate, c.candidate) for c in chosen):
                chosen.append(other)
        chosen.sort(key=lambda j: (j.candidate.passage.rank, j.candidate.start))
        return compose(question, [(quote_of(j.candidate), j.candidate.passage.paragraph) for j in chosen], passages)

    @staticmethod
    def acceptable(judgement: Judgement) -> bool:
        return (
            judgement.type_ok
            and judgement.speaker_ok
            and not judgement.unknown
            and judgement.action_ok
            and judgement.header_ok
            and judgement.adds_ok
            and judgement.unmatched <= MAX_UNMATCHED_SHARE
            and judgement.coverage >= MIN_COVERAGE
            and judgement.dense >= MIN_DENSE
            and judgement.score >= MIN_SCORE
        )

    def _judge(self, asked: Question, candidate: Candidate, dense: float) -> Judgement:
        paragraph = candidate.passage.paragraph
        have = set(terms(candidate.text))
        context = set(terms(paragraph.heading)) | set(terms(paragraph.text))
        # Words the corpus never uses cannot be matched by any quote; they are judged apart (unmatched).
        weights = {t: self.keyword.idf(t) for t in asked.terms if self.keyword.document_frequency.get(t)}
        total = sum(weights.values())
        if total:
            # Terms only in the rest of the paragraph count half: the quote must carry the answer.
            got = sum(w * (1.0 if t in have else 0.5 if t in context else 0.0) for t, w in weights.items())
            coverage = got / total
        else:
            coverage = 0.0
        type_ok = self._type_ok(asked, candidate.text, opens_paragraph=candidate.start == 0)
        speaker_ok = not asked.speaker or _speaks(asked.speaker, candidate.text, paragraph.text)
        action_ok = asked.action is None or asked.action in have
        header_ok = asked.about_document or not paragraph.is_header
        # A question asking who, what, when... is not answered by a quote that only repeats its words.
        adds_ok = not asked.asks_wh or bool(have - asked.words)
        unknown = not asked.asks_about_unknowns and bool(
            _UNKNOWN.search(candidate.text) or _UNKNOWN.search(paragraph.heading)
        )
        score = 0.6 * coverage + 0.4 * dense + (0.1 if asked.expects and type_ok else 0.0)
        return Judgement(
            candidate,
            score,
            coverage,
            dense,
            type_ok,
            speaker_ok,
            unknown,
            action_ok=action_ok,
            header_ok=header_ok,
            adds_ok=adds_ok,
        )

    def _count_unmatched(self, asked: Question, question: str, judged: list[Judgement]) -> list[Judgement]:
        """Fill in, for the leading candidates, how many unseen question words have no synonym in the paragraph."""
        unseen = [t for t in asked.terms if not self.keyword.document_frequency.get(t)]
        if not unseen:
            return judged
        total = sum(self.keyword.idf(t) for t in asked.terms)
        weight = self.keyword.idf(unseen[0]) / total  # every unseen word has the same (highest) idf
        if self.embed is None:
            return [replace(j, unmatched=len(unseen) * weight) for j in judged]
        spelled = {t: w for w in re.findall(r"[A-Za-z0-9'-]+", question) for t in terms(w)}
        # A name has no synonyms: "Australia" is not matched by "China" (cosine 0.69) or anything else.
        names = [t for t in unseen if spelled.get(t, t)[:1].isupper() and not _opens(question, spelled.get(t, t))]
        unseen = [t for t in unseen if t not in names]
        if not unseen:
            return [replace(j, unmatched=len(names) * weight) for j in judged]
        asked_vectors = self._words([spelled.get(t, t) for t in unseen])
        counts: dict[str, int] = {}
        result: list[Judgement] = []
        for rank, judgement in enumerate(judged):
            paragraph = judgement.candidate.passage.paragraph
            if rank >= 12:  # only leading candidates can be chosen; the rest keep the strict count
                result.append(replace(judgement, unmatched=(len(unseen) + len(names)) * weight))
                continue
            if paragraph.id not in counts:
                words = sorted(set(re.findall(r"[A-Za-z0-9.'-]+", f"{paragraph.text} {paragraph.heading}")))
                similarity = self._words(words) @ asked_vectors.T
                counts[paragraph.id] = len(names) + int((similarity.max(axis=0) < SYNONYM_SIMILARITY).sum())
            result.append(replace(judgement, unmatched=counts[paragraph.id] * weight))
        return result

    def _words(self, words: list[str]) -> np.ndarray:
        assert self.embed is not None
        missing = [w for w in dict.fromkeys(words) if w not in self._word_vectors]
        if missing:
            self._word_vectors.update(zip(missing, self.embed(missing), strict=True))
        return np.stack([self._word_vectors[w] for w in words])

    @staticmethod
    def _type_ok(asked: Question, text: str, opens_paragraph: bool = False) -> bool:
        if asked.expects is None:
            return True
        if asked.expects == "number":
            # The number must count the thing asked about: "10 Chinese companies" does not say how many chips.
            head = asked.focus[-1] if asked.focus else None
            for match in re.finditer(r"(?<![\w-])" + _NUMBER + r"\b", text, re.I):
                if opens_paragraph and match.start() == 0 and not match.group()[0].isdigit():
                    continue  # a spelt-out number opening a paragraph ("Three Key risks ...") numbers a list item
                following = terms(text[match.end() : match.end() + 60])[:3]
                if head is None or head in following:
                    return True
            return False
        return bool(_TYPE_PATTERNS[asked.expects].search(text))


def _opens(question: str, word: str) -> bool:
    """The word is the question's first, where any word is capitalised."""
    return question.lstrip().startswith(word)


def _speaks(speaker: tuple[str, ...], text: str, paragraph: str) -> bool:
    """The speaker's name stands right next to a verb of saying ("Bessent said", "said Xi"), or "he said"
    does in a paragraph that names the speaker speaking."""
    if _names_speaking(speaker, text):
        return True
    pronoun = re.search(r"\b(?:he|she|they)\s+(?:\w+\s+)?" + _SAY + r"\b", text, re.I)
    if pronoun is None:
        return False
    at = paragraph.find(pronoun.group())
    return at > 0 and _antecedent(paragraph[:at]) in speaker


_SUBJECT = re.compile(r"\b([A-Z][\w'’-]+)\s+(?:was|is|has|had|did|would|will|\w+ed)\b")


def _antecedent(before: str) -> str | None:
    """The stem of the last capitalised word that acted as a subject ("Bessent offered ...") before a pronoun."""
    subjects = [m.group(1) for m in _SUBJECT.finditer(before)]
    stems = terms(subjects[-1]) if subjects else []
    return stems[0] if stems else None


def _names_speaking(speaker: tuple[str, ...], text: str) -> bool:
    words = re.findall(r"[\w'’-]+", text)
    stems = [terms(w)[0] if terms(w) else "" for w in words]
    for i, stem in enumerate(stems):
        if stem and stem in speaker:
            # Only the words right beside the name: "Xi Jinping and said" is someone else speaking.
            neighbours = words[i + 1 : i + 2] + words[max(0, i - 1) : i]
            if any(re.fullmatch(_SAY, w, re.I) for w in neighbours):
                return True
    return False


WIDEN_BEFORE, WIDEN_AFTER = 4, 10


def quote_of(candidate: Candidate) -> str:
    """The text to quote: a sentence as it is; a word window widened, since the words that match a
    question tend to come just before its answer ("Huang joined Trump delegation to China as a [late addition]")."""
    text = candidate.passage.paragraph.text
    if has_sentence_punctuation(text):
        return candidate.text
    words = word_spans(text)
    first = next(i for i, (start, _) in enumerate(words) if start >= candidate.start)
    last = max(i for i, (_, end) in enumerate(words) if end <= candidate.end)
    return text[words[max(0, first - WIDEN_BEFORE)][0] : words[min(len(words) - 1, last + WIDEN_AFTER)][1]]


def overlapping(a: Candidate, b: Candidate) -> bool:
    if a.passage.paragraph.id == b.passage.paragraph.id and a.start < b.end and b.start < a.end:
        return True
    ta, tb = set(terms(a.text)), set(terms(b.text))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) > 0.6


def closest_passages(judged: Sequence[Judgement], passages: Sequence[Passage]) -> list[Passage]:
    """The passages of the best-judged candidates first: what a reader should look at instead."""
    order: list[Passage] = []
    for judgement in judged:
        if judgement.candidate.passage not in order:
            order.append(judgement.candidate.passage)
    return order + [p for p in passages if p not in order]
