"""The short answer inside a quote: for who, which, when, where and how-much questions, the span that answers.

The question's wording says what kind of thing it asks for; the named entities of the quoted sentence (tagged
at ingest by the NER model, index/entities.py, and stored with its paragraph) say which of its words are such
a thing. Of those, the one the question does not already name and that stands nearest the question's own
words is the answer ("Which judge dismissed the filing?" -> "Letitia Clark" in "Judge Letitia Clark dismissed
it"). A why or how question, or one whose sentence holds no entity of the kind, has none: the quote answers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from assistant.answer import Answer, ShortAnswer
from index.records import Entity, Paragraph
from index.text import STOPWORDS, terms

# What each kind of question is answered by, best first (spaCy's OntoNotes labels).
PERSON = ("PERSON", "ORG", "NORP", "GPE")
TIME = ("DATE", "TIME")
PLACE = ("GPE", "LOC", "FAC")
AMOUNT = ("MONEY", "QUANTITY", "PERCENT", "CARDINAL")
COUNT = ("CARDINAL", "QUANTITY", "MONEY", "PERCENT")
MONEY = ("MONEY", "CARDINAL")
PERCENT = ("PERCENT", "CARDINAL")
THING = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE")
NUMERIC = frozenset({"DATE", "TIME", "MONEY", "QUANTITY", "PERCENT", "CARDINAL", "ORDINAL"})

# The question word and what follows it, wherever it stands ("In what year did ...", "Who ...").
_WH = re.compile(r"\b(?P<wh>how (?:much|many)|who|whom|whose|when|where|which|what|why|how)\b(?P<rest>.*)", re.I | re.S)
# "what year", "which month", "what date": a time; "what percentage": a share; "what price": money.
_TIME_NOUN = re.compile(r"^\s*(?:\w+\s+)?(?:year|years|date|day|month|decade|century|time|era|period)\b", re.I)
_PERCENT_NOUN = re.compile(r"^\s*(?:percentage|percent|per cent|proportion|share|fraction)\b", re.I)
_MONEY_NOUN = re.compile(r"^\s*(?:price|cost|sum|amount of money|budget|fee|salary|revenue)\b", re.I)
_MONEY_VERB = re.compile(r"\b(?:cost|costs|spend|spent|pay|paid|worth|earn|earned|raise|raised|sell|sold)\b", re.I)
# "what is", "what did": the question asks for a statement, not a named thing.
_WHAT_VERB = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could|should|happened)\b", re.I
)


@dataclass(frozen=True)
class Asks:
    """What kind of span answers a question: the entity labels it accepts, best first."""

    kind: str  # person | time | place | amount | count | money | percent | thing
    labels: tuple[str, ...]
    # "what X" whose X names no kind of entity ("what theme", "what role"): only a phrase headed by X answers.
    phrase_only: bool = False


def asks_for(question: str) -> Asks | None:
    """The kind of span that answers the question, or None when a sentence is the answer (why, how, what is)."""
    match = _WH.search(question)
    if match is None:
        return None
    wh, rest = match.group("wh").lower(), match.group("rest")
    if wh in ("who", "whom", "whose"):
        return Asks("person", PERSON)
    if wh == "when":
        return Asks("time", TIME)
    if wh == "where":
        return Asks("place", PLACE)
    if wh == "how many":
        return Asks("count", COUNT)
    if wh == "how much":
        return Asks("money", MONEY) if _MONEY_VERB.search(rest) or "money" in rest.lower() else Asks("amount", AMOUNT)
    if wh in ("which", "what"):
        if _TIME_NOUN.match(rest):
            return Asks("time", TIME)
        if _PERCENT_NOUN.match(rest):
            return Asks("percent", PERCENT)
        if _MONEY_NOUN.match(rest):
            return Asks("money", MONEY)
        if wh == "what" and (_WHAT_VERB.match(rest) or not rest.strip()):
            return None
        return Asks("thing", THING, phrase_only=wh == "what" and not _expected_labels(question))
    return None  # why, how


Stored = Callable[[list[Paragraph]], dict[str, tuple[Entity, ...] | None]]  # paragraph id -> entities from ingest
Tag = Callable[[list[str]], list[tuple[Entity, ...]]]  # texts -> their entities, for paragraphs stored without


@dataclass(frozen=True)
class Span:
    text: str
    start: int  # offsets into the sentence
    end: int
    label: str  # the entity type, or "NOUN" for a phrase headed by the thing asked for


def with_short_answer(answer: Answer, stored: Stored, tag: Tag) -> Answer:
    """The answer with the span that answers it, from the first of its quotes that holds one; as it was if none."""
    question = answer.understood or answer.question
    if answer.abstained or not answer.claims or asks_for(question) is None:
        return answer
    paragraphs = {c.n: c.paragraph for c in answer.citations}
    quoted: list[tuple[int, Paragraph, int]] = []  # (claim, its paragraph, where the quote starts in it)
    for n, claim in enumerate(answer.claims):
        paragraph = paragraphs.get(claim.citations[0]) if claim.citations else None
        at = paragraph.text.find(claim.text) if paragraph is not None and claim.text else -1
        if paragraph is not None and at >= 0:  # a verbatim quote (an LLM's sentence may not be one)
            quoted.append((n, paragraph, at))
    if not quoted:
        return answer
    known = stored(list({p.id: p for _, p, _ in quoted}.values()))
    untagged = list(dict.fromkeys(p.text for _, p, _ in quoted if known.get(p.id) is None))
    tagged = dict(zip(untagged, tag(untagged), strict=True)) if untagged else {}
    for n, paragraph, at in quoted:
        found = known.get(paragraph.id)
        entities = found if found is not None else tagged[paragraph.text]
        sentence = answer.claims[n].text
        span = pick_span(question, sentence, entities_within(entities, at, at + len(sentence)))
        if span is not None:
            start, end = at + span.start, at + span.end
            short = ShortAnswer(paragraph.text[start:end], paragraph.id, start, end, n, span.start, span.label)
            return replace(answer, short_answer=short)
    return answer


def entities_within(entities: Sequence[Entity], start: int, end: int) -> list[Entity]:
    """The paragraph's entities that lie inside its text[start:end], with offsets into that stretch."""
    return [
        Entity(e.text, e.label, e.start - start, e.end - start) for e in entities if start <= e.start and e.end <= end
    ]


def pick_span(question: str, sentence: str, entities: Sequence[Entity]) -> Span | None:
    """The words of the sentence that answer the question, or None; entities are the sentence's own.

    For "which X" / "what X", a phrase of the sentence headed by X that names one ("which embassy" -> "the
    Portuguese embassy"). Otherwise an entity of an accepted label that the question does not name already
    (it is the question's subject, not its answer); a list of such entities ("Oujda, Tangier and Erfoud") is
    one answer. The best label wins, then the entity with the most of the question's words around it, then
    the nearest to one.
    """
    asks = asks_for(question)
    if asks is None:
        return None
    asked = set(terms(question))
    if asks.kind == "thing" and (phrase := _headed_by_focus(question, sentence, entities, asked)) is not None:
        return phrase
    if asks.phrase_only:
        # SQuAD training articles, 510 "what" questions answered (benchmarks/short_answer.py --per-article 150
        # --seed 3): with any entity allowed, 261 short answers held the gold answer 0.41 of the time; with
        # the phrase alone for these, 150 held it 0.55 of the time. A wrong name in bold misleads more than none.
        return None
    plural = bool(_PLURAL.search(question))
    # What the question names is its subject, not its answer, nor part of a list that answers it.
    accepted = [e for e in entities if e.label in asks.labels and not _named_in_question(_as_span(e), asked, question)]
    candidates = [
        span
        for span in (_trimmed(e, sentence) for e in _lists(accepted, sentence, plural))
        if span.text.strip() and not _named_in_question(span, asked, question)
    ]
    if not candidates:
        return None
    anchors = [(m.start(), m.end()) for m in re.finditer(r"[A-Za-z0-9]+", sentence) if set(terms(m.group())) & asked]
    if asks.kind == "thing":  # "which company": an ORG first; with no telling noun, every label alike
        expected = _expected_labels(question)
        rank = {label: (0 if not expected or label in expected else 1) for label in asks.labels}
    else:
        rank = {label: i for i, label in enumerate(asks.labels)}

    def around(e: Span) -> int:  # the question's words within a few words of it
        return len({sentence[a:b].lower() for a, b in anchors if e.start - NEAR_CHARS <= a and b <= e.end + NEAR_CHARS})

    def distance(e: Span) -> int:
        if not anchors:
            return 0
        return min((e.start - b if b <= e.start else a - e.end if a >= e.end else 0) for a, b in anchors)

    best = min(candidates, key=lambda e: (rank[e.label], -around(e), distance(e), e.start))
    return _with_counted(best, sentence, question) if asks.kind == "count" else best


_COUNTED = re.compile(r"\bhow many\s+(?P<noun>[\w-]+)", re.I)


def _with_counted(span: Span, sentence: str, question: str) -> Span:
    """A count with the noun the question counts, when it follows ("How many people ..." -> "185,000 people")."""
    match = _COUNTED.search(question)
    after = re.match(r"\s+([\w-]+)", sentence[span.end :])
    if match is None or after is None or terms(after.group(1)) != terms(match.group("noun")):
        return span
    end = span.end + after.end()
    return Span(sentence[span.start : end], span.start, end, span.label)


def _nouns(text: str) -> frozenset[str]:
    return frozenset(terms(text))


# The entity types a "which X" question's noun asks for: everyday English nouns for kinds of things, not
# words of any one corpus (measured on SQuAD training articles and BBC news: benchmarks/short_answer.py).
_KIND_NOUNS: tuple[tuple[frozenset[str], tuple[str, ...]], ...] = (
    (
        _nouns(
            "company companies firm firms corporation business network broadcaster channel band group team club"
            " party parties agency organisation organization university college school newspaper magazine"
            " publisher label bank court"
        ),
        ("ORG",),
    ),
    (
        _nouns("country countries nation nations city cities state states town towns province region capital county"),
        ("GPE", "LOC"),
    ),
    (
        _nouns("film films movie movies song songs album albums single book books novel novels show series game games"),
        ("WORK_OF_ART", "PRODUCT"),
    ),
    (
        _nouns(
            "person man woman actor actress singer judge president minister leader player designer composer artist"
            " author writer director king queen emperor chairman executive boss official spokesman journalist editor"
        ),
        ("PERSON",),
    ),
    (_nouns("product device car phone computer console model chip"), ("PRODUCT", "ORG")),
    (_nouns("holiday war battle festival event tournament championship election"), ("EVENT",)),
    (_nouns("language languages"), ("LANGUAGE", "NORP")),
    (_nouns("nationality religion ethnicity"), ("NORP",)),
)


_AFTER_WH = re.compile(r"\b(?:which|what)\s+(?P<words>(?:[\w'-]+\s*){1,3})", re.I)


def _expected_labels(question: str) -> frozenset[str]:
    """The entity types the noun after "which"/"what" names ("what company brought ..." -> ORG), if any: the
    head of "which X did/was/of ...", else the first of the three words after the question word that names one."""
    match = _AFTER_WH.search(question)
    if match is None:
        return frozenset()
    head = _focus_head(question)
    for word in [head] if head is not None else match.group("words").split():
        stem = terms(word)
        found = frozenset(label for nouns, labels in _KIND_NOUNS if stem and stem[0] in nouns for label in labels)
        if found:
            return found
    return frozenset()


NEAR_CHARS = 60  # about ten words either side of a candidate: where the question's words say it is the one asked for
_FOCUS_HEAD = re.compile(
    r"\b(?:which|what)\s+(?P<focus>(?:[\w'-]+\s+){0,2}?[\w'-]+?)\s+(?:did|does|do|is|are|was|were|has|have|had|"
    r"will|would|could|can|of|in|on|for|from|to|by|that|who|which|with)\b|\b(?:which|what)\s+(?P<last>[\w'-]+)\s*\??\s*$",
    re.I,
)
_WORD = re.compile(r"[A-Za-z0-9][\w'’&.-]*[\w]|[A-Za-z0-9]")
_ARTICLES = frozenset({"the", "a", "an"})


def _focus_head(question: str) -> str | None:
    """The noun a "which X did/was/of ..." question asks for: the last word of X."""
    match = _FOCUS_HEAD.search(question)
    return (match.group("focus") or match.group("last")).split()[-1] if match else None


def _headed_by_focus(question: str, sentence: str, entities: Sequence[Entity], asked: set[str]) -> Span | None:
    """For "which embassy did ... reject": a phrase of the sentence ending in "embassy" that names one.

    The words before the head that name it are capitalised, hold a digit, or lie in an entity ("the
    Portuguese embassy", "the Kokonor region", "H200 AI chips"); a phrase that only describes ("the fifth
    album") is not a name, and the words the question says already lead nothing ("which Nvidia chip")."""
    focus = _focus_head(question)
    head = terms(focus) if focus is not None else []
    if not head:
        return None
    words = list(_WORD.finditer(sentence))

    def names(w: re.Match[str]) -> bool:
        text = w.group()
        if text.lower() in STOPWORDS:
            return False
        in_entity = any(e.start <= w.start() and w.end() <= e.end for e in entities)
        return text[0].isupper() or any(c.isdigit() for c in text) or in_entity

    for i, word in enumerate(words):
        if terms(word.group()) != head:
            continue
        first = i
        while (
            first > 0
            and names(words[first - 1])
            and not sentence[words[first - 1].end() : words[first].start()].strip(" -")
        ):
            first -= 1
        while first < i and set(terms(words[first].group())) <= asked:
            first += 1  # "which Nvidia chip" -> "H200 AI chips"
        if first == i:
            continue
        if first > 0 and words[first - 1].group().lower() in _ARTICLES and set(terms(words[first].group())) - asked:
            first -= 1
        start, end = words[first].start(), word.end()
        return Span(sentence[start:end], start, end, "NOUN")
    return None


_LIST_JOIN = re.compile(r"^(?:,\s*|,?\s+and\s+|,?\s+or\s+)$")
# The question asks for more than one: "which three locations", "which companies", "who were ...".
_PLURAL = re.compile(
    r"\b(?:which|what|who|whom)\b.*?\b(?:two|three|four|five|six|several|\d+)\b"
    r"|\b(?:which|what)\s+(?:[\w-]+\s+)?[\w-]+[^\Wsiu]s\b|\bwho\s+(?:were|are)\b",
    re.I,
)


def _as_span(e: Entity) -> Span:
    return Span(e.text, e.start, e.end, e.label)


def _lists(entities: Sequence[Entity], sentence: str, plural: bool) -> list[Span]:
    """The entities as spans; those joined only by commas, "and" or "or" taken as one list, when of one label
    or when the question asks for several ("Which three locations ...": "Oujda, Tangier and Erfoud")."""
    spans: list[Span] = []
    for e in entities:
        last = spans[-1] if spans else None
        joins = last is not None and (plural or last.label == e.label)
        if last is not None and joins and _LIST_JOIN.match(sentence[last.end : e.start]):
            spans[-1] = Span(sentence[last.start : e.end], last.start, e.end, e.label)
        else:
            spans.append(Span(e.text, e.start, e.end, e.label))
    return spans


_CURRENCY_SIGN = re.compile(r"(?:US\$|[$£€¥])\s?$")
_SCALE_AFTER = re.compile(r"^\s?(?:bn|m|mn|tn|k|billion|million|trillion)\b", re.I)
# Words a date does not run on into: "19 December after a row" ends at "December".
_DATE_ENDS = frozenset({"after", "before", "when", "while", "as", "because", "that", "until", "during", "since"})


def _trimmed(span: Span, sentence: str) -> Span:
    """The entity as a reader would cut it: money with its currency sign and scale (the small model leaves
    "$" out of "$6bn" and "m" out of "£500m"), a date without the words the model ran on into, a possessive's
    "'s" left off."""
    start, end = span.start, span.end
    if span.label == "MONEY":
        if sign := _CURRENCY_SIGN.search(sentence[:start]):
            start = sign.start()
        if scale := _SCALE_AFTER.match(sentence[end:]):
            end += scale.end()
    if span.label in TIME:
        words = list(re.finditer(r"\S+", sentence[start:end]))
        cut = next((w for w in words[1:] if w.group().lower() in _DATE_ENDS), None)
        if cut is not None:
            end = start + len(sentence[start : start + cut.start()].rstrip())
    if sentence[start:end].endswith(("'s", "’s")):
        end -= 2
    return Span(sentence[start:end], start, end, span.label)


def _named_in_question(entity: Span, asked: set[str], question: str) -> bool:
    if entity.label in NUMERIC:
        # A figure is in the question when it is written there ("the 2008 earthquake" asked about 2008).
        return entity.text.lower() in question.lower()
    words = set(terms(entity.text))
    return bool(words) and words <= asked
