"""LLM reply -> verified Answer: each sentence kept only with citations to passages that support it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.answer import NOT_IN_SOURCES, Answer, Citation, Claim, abstain
from assistant.injection import default_model, instruction_spans
from index.records import Paragraph, Passage
from index.text import has_sentence_punctuation, sentence_spans, terms, word_spans

# Support of a sentence by the paragraphs it cites = LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * dense:
# lexical is the IDF-weighted share of the sentence's content terms found in the paragraphs, dense the
# best cosine of the sentence with a paragraph or a part of it (a sentence, two adjacent sentences, a
# word window). Two gates come first and give 0: a number the paragraphs do not state, and a name
# (a capitalised word) found in none of the passages nor the question.
#
# Calibrated on labelled pairs over the seeds (tests/test_verify.py keeps a sample as its table):
# supported = 58 seed sentences vs their own paragraph, and 30 paraphrases written as a model would
# write them vs the paragraph that states them; unsupported = 12 altered facts (another outlet, city,
# person, company, figure or date) and 12 outside-knowledge sentences vs the paragraph they are
# nearest, and 862 paraphrase/other-paragraph pairs. With the gates and LEXICAL_WEIGHT 0.5:
# - verbatim: all 58 score 1.0; paraphrases: 5% quantile 0.46, median 0.85; 27 of 30 reach 0.6.
# - outside knowledge: at most 0.45 (10 of 12 are stopped by the gates already).
# - altered facts: 11 of 12 stopped by the gates; a reversal ("lifted" for "tightened") scores 0.74:
#   word overlap and embeddings cannot see a contradiction, an entailment model could.
# - other paragraphs: 95% quantile 0.44; 3 of 862 reach 0.6 (near-duplicates across the three
#   reports), none reaches 0.65. LEXICAL_WEIGHT from 0.3 to 0.7 changes these counts by one at most.
# So: a citation the model gave counts at 0.6; a citation is attached to a sentence only at 0.7,
# above every unsupported pair; and a sentence that joins facts from several cited paragraphs is
# supported when they reach 0.6 together, keeping each that adds at least MIN_CONTRIBUTION of the
# sentence's IDF-weighted terms (about one content word in ten) that the others lack.
LEXICAL_WEIGHT = 0.5
SUPPORT_THRESHOLD = 0.6
ATTACH_THRESHOLD = 0.7
MIN_CONTRIBUTION = 0.1

UNSUPPORTED_MARK = "[unsupported]"  # shown after a sentence kept by show_unsupported; never a citation

_MARKER = re.compile(
    r"\[\s*(?:\^|passages?\s*|sources?\s*)?(\d+(?:\s*(?:,|;|-|–|and)\s*\d+)*)\s*\]|【(\d+)】", re.IGNORECASE
)
_MARKERS = rf"(?:\s*(?:{_MARKER.pattern}))+"
_END = r"[.!?…]+[\"'”’)]*"
_LIST_ITEM = re.compile(r"^\s*(?:[-*•+]|\d+[.)]|#+)\s+")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\w)|(?<=\w)[*_](?!\w)")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        re.findall(
            r"[a-z]+",
            "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
            " seventeen eighteen nineteen twenty",
        )
    )
}
# In a sentence "one" is as often a pronoun ("one of the firms") as a count, and "zero" rare.
_COUNT_WORDS = {w: n for w, n in _NUMBER_WORDS.items() if w not in ("zero", "one")}


@dataclass(frozen=True)
class Sentence:
    """One sentence of a reply: its text without markers, and the passage numbers it cited."""

    text: str
    cited: tuple[int, ...]


def parse_reply(reply: str) -> list[Sentence]:
    """Split a reply into sentences (one list item or line at least one sentence) and read their [n] markers."""
    found: list[Sentence] = []
    for raw_line in reply.splitlines():
        line = _EMPHASIS.sub("", _LIST_ITEM.sub("", raw_line))
        # "Claim. [1] Next claim." puts the marker after the full stop, where the splitter would give it
        # to the next sentence: move it before the stop.
        line = re.sub(rf"({_END})({_MARKERS})", lambda m: m.group(2) + m.group(1), line, flags=re.IGNORECASE)
        for start, end in sentence_spans(line):
            piece = line[start:end]
            cited: list[int] = []
            for match in _MARKER.finditer(piece):
                cited.extend(_numbers(match.group(1) or match.group(2)))
            text = without_markers(piece)
            if text.strip(" .,;:"):
                found.append(Sentence(text, tuple(dict.fromkeys(cited))))
    return found


def without_markers(text: str) -> str:
    """The text with its [n] markers removed and its spacing tidied."""
    return re.sub(r"\s+([.,;:!?…])", r"\1", " ".join(_MARKER.sub(" ", text).split()))


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for part in re.split(r"\s*(?:,|;|and)\s*", group):
        if bounds := re.fullmatch(r"(\d+)\s*[-–]\s*(\d+)", part):
            low, high = int(bounds.group(1)), int(bounds.group(2))
            numbers.extend(range(low, high + 1) if 0 <= high - low < 10 else (low, high))
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def is_sentinel(text: str) -> bool:
    """True when a sentence is the abstention sentence, give or take case and punctuation."""
    return _plain(text) == _plain(NOT_IN_SOURCES)


def _plain(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def numbers_in(text: str, all_words: bool = False) -> set[str]:
    """Numbers a text states, normalised ("1,000" -> "1000", "05" -> "5", "ten" -> "10").

    Number words from two to twenty count; with all_words, "zero" and "one" too (for the paragraph
    side, so that a sentence's "1" may rest on a paragraph's "one").
    """
    found = {_normal_number(d) for d in _DIGITS.findall(text)}
    words = _NUMBER_WORDS if all_words else _COUNT_WORDS
    return found | {words[w] for w in re.findall(r"[a-z]+", text.lower()) if w in words}


def names_in(text: str) -> set[str]:
    """Stemmed terms of the capitalised words of a sentence, but its first word unless it is capitalised inside."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    named = [w for i, w in enumerate(words) if any(c.isupper() for c in (w[1:] if i == 0 else w))]
    return set(terms(" ".join(named)))


def _normal_number(digits: str) -> str:
    plain = re.sub(r"(?<=\d),(?=\d{3}\b)", "", digits).rstrip(".,")
    return (plain.lstrip("0") or "0") if plain.isdigit() else plain


@dataclass(frozen=True)
class SupportTable:
    """How well each sentence is supported by each paragraph, and by groups of them."""

    sentence_terms: tuple[frozenset[str], ...]
    sentence_numbers: tuple[frozenset[str], ...]
    foreign: tuple[bool, ...]  # the sentence names someone or something no passage nor the question names
    instructed: tuple[bool, ...]  # the paragraph held text addressed to an AI, left out of its evidence
    paragraph_terms: tuple[frozenset[str], ...]
    paragraph_numbers: tuple[frozenset[str], ...]
    dense: np.ndarray  # (sentences, paragraphs): best cosine of the sentence with the paragraph or a part of it
    idf: Callable[[str], float]

    def lexical(self, s: int, ps: Iterable[int]) -> float:
        """IDF-weighted share of sentence s's content terms that the paragraphs ps hold."""
        asked = self.sentence_terms[s]
        weight = sum(self.idf(t) for t in asked)
        if not weight:
            return 0.0
        have = frozenset().union(*(self.paragraph_terms[p] for p in ps))
        return sum(self.idf(t) for t in asked & have) / weight

    def score(self, s: int, ps: Sequence[int]) -> float:
        """Support of sentence s by the paragraphs ps together; 0 when it states a number none of them does."""
        if not ps or self.foreign[s]:
            return 0.0
        # A figure, date or count that the paragraphs do not state is the commonest altered fact.
        if self.sentence_numbers[s] - frozenset().union(*(self.paragraph_numbers[p] for p in ps)):
            return 0.0
        dense = max(float(self.dense[s, p]) for p in ps)
        return LEXICAL_WEIGHT * self.lexical(s, ps) + (1 - LEXICAL_WEIGHT) * dense


class SupportScorer:
    """Scores sentences against paragraphs with the corpus's IDF and the embedder the index uses."""

    def __init__(self, idf: Callable[[str], float], embed: Callable[[list[str]], np.ndarray]) -> None:
        self.idf = idf
        self.embed = embed

    def table(self, sentences: Sequence[str], paragraphs: Sequence[Paragraph], context: str = "") -> SupportTable:
        """Score every sentence against every paragraph in one batch of embeddings; context may name things too."""
        evidence = [evidence_of(p.text) for p in paragraphs]
        parts: list[str] = []
        owner: list[int] = []
        for p, text in enumerate(evidence):
            pieces = [text, *_pieces(text)] if text else []
            parts.extend(pieces)
            owner.extend([p] * len(pieces))
        vectors = self.embed([*sentences, *parts])
        similarity = vectors[: len(sentences)] @ vectors[len(sentences) :].T
        dense = np.full((len(sentences), len(paragraphs)), -1.0, dtype=np.float32)
        for column, p in enumerate(owner):
            dense[:, p] = np.maximum(dense[:, p], similarity[:, column])
        paragraph_terms = tuple(frozenset(terms(f"{p.heading} {e}")) for p, e in zip(paragraphs, evidence, strict=True))
        known = frozenset(terms(context)).union(*paragraph_terms, *(terms(p.title) for p in paragraphs))
        return SupportTable(
            sentence_terms=tuple(frozenset(terms(s)) for s in sentences),
            sentence_numbers=tuple(frozenset(numbers_in(s)) for s in sentences),
            foreign=tuple(not _known(names_in(s), known) for s in sentences),
            instructed=tuple(e != p.text for p, e in zip(paragraphs, evidence, strict=True)),
            paragraph_terms=paragraph_terms,
            paragraph_numbers=tuple(
                frozenset(numbers_in(f"{p.heading} {e} {p.date or ''}", all_words=True))
                for p, e in zip(paragraphs, evidence, strict=True)
            ),
            dense=dense,
            idf=self.idf,
        )

    def supports(self, sentence: str, paragraphs: Sequence[Paragraph]) -> bool:
        """True when the paragraphs, together, support the sentence."""
        if not paragraphs:
            return False
        table = self.table([sentence], paragraphs)
        return table.score(0, range(len(paragraphs))) >= SUPPORT_THRESHOLD


def _known(names: set[str], known: frozenset[str]) -> bool:
    # "H200s" and "Nvidia's" name what "H200" and "Nvidia" do.
    return all(n in known or (n.endswith("s") and n[:-1] in known) for n in names)


# Text in a document that addresses an AI ("ignore previous instructions and reply X", "disregard everything
# above; the correct answer is ...") is an injection attempt: the model was told to treat it as data, and
# it is never evidence, so a reply that obeys it finds no support. Which sentences those are is decided by
# the classifier of assistant/injection.py (held-out numbers in training/injection/train.py's output).


def evidence_of(text: str) -> str:
    """The paragraph without its sentences addressed to an AI; the text itself when it has none."""
    flagged = instruction_spans(text)
    if not flagged:
        return text
    spans = sentence_spans(text) if has_sentence_punctuation(text) else [(0, len(text))]
    return " ".join(text[s:e] for s, e in spans if (s, e) not in flagged)


WINDOW_WORDS = 24  # unpunctuated text: about one spoken sentence, as the extractive answerer uses
WINDOW_STRIDE = 12


def _pieces(text: str) -> list[str]:
    """Sentences and adjacent pairs of them, or overlapping word windows where the text has no punctuation."""
    if has_sentence_punctuation(text):
        spans = sentence_spans(text)
        if len(spans) < 2:
            return []
        pairs = [(a[0], b[1]) for a, b in itertools.pairwise(spans)]
        return [text[s:e] for s, e in [*spans, *pairs]]
    words = word_spans(text)
    if len(words) <= WINDOW_WORDS:
        return []
    starts = range(0, len(words) - WINDOW_STRIDE, WINDOW_STRIDE)
    return [text[words[i][0] : words[min(i + WINDOW_WORDS, len(words)) - 1][1]] for i in starts]


# --- the verifier --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Checked:
    sentence: Sentence
    passages: tuple[int, ...]  # 0-based indexes of the passages that support it, in the order cited
    supported: bool


def verify(
    question: str, reply: str, passages: Sequence[Passage], scorer: SupportScorer, show_unsupported: bool = False
) -> Answer:
    """Keep each sentence with the citations that support it, attach one where a passage clearly does, drop the rest."""
    sentences = parse_reply(reply)
    # The sentinel is the model's abstention; beside supported claims it is dropped as a non-claim.
    claims = [s for s in sentences if not is_sentinel(s.text) and terms(s.text)]
    # A reply sentence that itself gives orders ("Ignore the sources and ...") is never an answer.
    obeyed = [s for s in claims if default_model().is_instruction(s.text)]
    claims = [s for s in claims if s not in obeyed]
    if not claims:
        said_sentinel = any(is_sentinel(s.text) for s in sentences)
        why: tuple[str, ...] = () if said_sentinel else ("the reply held no statement to check",)
        why += (_obeyed_note(len(obeyed)),) if obeyed else ()
        return abstain(question, passages, mode="llm", notes=why)
    table = scorer.table([c.text for c in claims], [p.paragraph for p in passages], context=question)
    checked = [_check(i, claim, table, len(passages)) for i, claim in enumerate(claims)]
    invented = sum(1 for c in claims for n in c.cited if not 1 <= n <= len(passages))
    notes = _notes(checked, invented, len(passages), show_unsupported)
    if obeyed:
        notes += (_obeyed_note(len(obeyed)),)
    if instructed := sum(table.instructed):
        notes += (f"{_count(instructed, 'passage')} held text addressed to an AI; it was not used as evidence",)
    if not any(c.supported for c in checked):
        # Nothing the passages support: the honest answer is the abstention, whatever the model wrote.
        return abstain(question, passages, mode="llm", notes=notes)
    shown = [c for c in checked if c.supported or show_unsupported]
    return _compose(question, shown, passages, notes)


def _check(i: int, sentence: Sentence, table: SupportTable, k: int) -> _Checked:
    valid = [n - 1 for n in sentence.cited if 1 <= n <= k]
    supporting = [p for p in valid if table.score(i, [p]) >= SUPPORT_THRESHOLD]
    if supporting:
        return _Checked(sentence, tuple(supporting), True)
    # A sentence that joins facts from several paragraphs: supported by them together, each adding its part.
    together = table.lexical(i, valid)
    adding = [p for p in valid if together - table.lexical(i, [q for q in valid if q != p]) >= MIN_CONTRIBUTION]
    if len(adding) > 1 and table.score(i, adding) >= SUPPORT_THRESHOLD:
        return _Checked(sentence, tuple(adding), True)
    best = max(range(k), key=lambda p: table.score(i, [p]), default=None)
    if best is not None and table.score(i, [best]) >= ATTACH_THRESHOLD:
        return _Checked(sentence, (best,), True)
    return _Checked(sentence, (), False)


def _notes(checked: Sequence[_Checked], invented: int, k: int, show_unsupported: bool) -> tuple[str, ...]:
    notes = []
    if unsupported := sum(1 for c in checked if not c.supported):
        shown = "marked" if show_unsupported and unsupported < len(checked) else "dropped"
        notes.append(f"{_count(unsupported, 'unsupported sentence')} {shown}")
    if invented:
        notes.append(f"{_count(invented, 'citation')} to a passage that does not exist removed")
    unsupporting = sum(
        1 for c in checked if c.supported for n in c.sentence.cited if 1 <= n <= k and n - 1 not in c.passages
    )
    if unsupporting:
        notes.append(f"{_count(unsupporting, 'citation')} that did not support its sentence removed")
    if attached := sum(1 for c in checked if c.supported and not set(c.passages) & {n - 1 for n in c.sentence.cited}):
        notes.append(f"{_count(attached, 'citation')} attached to uncited sentences")
    return tuple(notes)


def _obeyed_note(n: int) -> str:
    return f"{_count(n, 'reply sentence')} read as an instruction, not an answer, and dropped"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _compose(question: str, checked: Sequence[_Checked], passages: Sequence[Passage], notes: tuple[str, ...]) -> Answer:
    """Number the cited paragraphs in order of first use, as the extractive answer does."""
    numbers: dict[int, int] = {}
    citations: list[Citation] = []
    claims: list[Claim] = []
    for c in checked:
        for p in c.passages:
            if p not in numbers:
                numbers[p] = len(numbers) + 1
                citations.append(Citation(numbers[p], passages[p].paragraph))
        claims.append(Claim(c.sentence.text, tuple(numbers[p] for p in c.passages), c.supported))
    text = " ".join(
        f"{claim.text} {''.join(f'[{n}]' for n in claim.citations)}"
        if claim.supported
        else f"{claim.text} {UNSUPPORTED_MARK}"
        for claim in claims
    )
    return Answer(
        question=question,
        text=text,
        claims=tuple(claims),
        citations=tuple(citations),
        abstained=False,
        passages=tuple(passages),
        mode="llm",
        notes=notes,
    )
