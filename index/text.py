"""The shared vocabulary of text: sentence spans (where claims start and end, for chunking and quoting),
stemmed terms and stopwords (BM25, the answerer, briefs), month names (dates in metadata and timelines) and
numbers written as words (figures in briefs).

Every layer that reads words takes them from here, so no list or pattern is written twice.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Why not nltk's punkt (bundled with llama-index): importing nltk pulls in scipy and costs
# about 2.5 s on these 2 cores, which would dominate the cold start of `briefing ask`.
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sen",
    "rep",
    "gov",
    "gen",
    "col",
    "lt",
    "st",
    "jr",
    "sr",
    "inc",
    "corp",
    "co",
    "ltd",
    "vs",
    "etc",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "u.s",
    "u.k",
    "e.g",
    "i.e",
    "a.m",
    "p.m",
    "approx",
    "dept",
    "fig",
    "ed",
}
# A question that opens on a question word (after "and", "but" or "so"): it asks for something, so its
# answer must say more than the question does; group "wh" is the question word ("how much" whole).
WH_QUESTION = re.compile(
    r"^\s*(?:and\s+|but\s+|so\s+)?"
    r"(?P<wh>how (?:much|many|long|old|far|often)|who|whom|whose|what|which|when|where|why|how)\b",
    re.I,
)
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (absolute offsets into text) of the sentences in text[start:end], whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        head = text[cursor : match.start()]
        word = _WORD_BEFORE.search(head)
        if (
            word
            and match.group().startswith(".")
            and _is_abbreviation(word.group(1), _number_follows(text, match.end()))
        ):
            continue
        spans.append((cursor, match.end()))
        cursor = match.end()
    spans.append((cursor, end))
    return [trimmed for span in spans if (trimmed := _trim(text, *span)) is not None]


def has_sentence_punctuation(text: str) -> bool:
    """True when the text marks its sentences; the 000 seed has no punctuation at all."""
    return bool(re.search(r"[.!?]", text))


def word_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of the whitespace-separated words in text[start:end]."""
    end = len(text) if end is None else end
    return [(m.start(), m.end()) for m in re.finditer(r"\S+", text[:end]) if m.start() >= start]


# Abbreviations that number what follows ("Op. 64", "Vol. 2", "pp. 10-12"): no sentence ends on them before a digit.
_NUMBERING = {"op", "vol", "vols", "pp", "nos", "art", "ch", "sec"}


def _is_abbreviation(word: str, before_number: bool = False) -> bool:
    lowered = word.lower().rstrip(".")
    # Single capitals ("J. Smith") and known abbreviations do not end a sentence.
    if before_number and lowered in _NUMBERING:
        return True
    return lowered in _ABBREVIATIONS or (len(lowered) == 1 and word[:1].isupper())


def _number_follows(text: str, at: int) -> bool:
    rest = text[at : at + 8].lstrip()
    return rest[:1].isdigit()


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None


# --- the shared vocabulary: one place for the word lists and patterns every layer uses -------------

_STOPWORD_TEXT = """
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
s t don re ll ve d m o y according said say says
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@lru_cache(maxsize=1)
def _stemmer():  # type: ignore[no-untyped-def]
    import Stemmer

    return Stemmer.Stemmer("english")


def terms(text: str) -> list[str]:
    """Lower-cased, stemmed content words: the vocabulary BM25 and the answerer share."""
    words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS]
    return list(_stemmer().stemWords(words))


MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]  # fmt: skip
# Full names, and abbreviations with or without a full stop ("Sep 3", "Sept. 3"); any case ("MAY 14 2026").
MONTH_PATTERN = "|".join(MONTHS) + "|sept\\.?|" + "|".join(m[:3] + r"\.?" for m in MONTHS)


# Numbers written as words ("nine detainees", "five million Britons", "Forty-four percent"): what a figure
# reader takes for a number besides digits. "one" is left to the reader that uses these: it is far more
# often a pronoun or an article ("one of the", "no one") than a count.
_SMALL_NUMBERS = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"),
    *("thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"),
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
NUMBER_WORDS: dict[str, int] = {
    **{word: n for n, word in enumerate(_SMALL_NUMBERS)},
    **{tens: 20 + 10 * n for n, tens in enumerate(_TENS)},
    **{
        f"{tens}-{unit}": 20 + 10 * n + u
        for n, tens in enumerate(_TENS)
        for u, unit in enumerate(_SMALL_NUMBERS[:10])
        if u
    },
}
# Longest first, so that "seventeen" is not read as "seven" and "forty-four" not as "forty".
NUMBER_WORD_PATTERN = "|".join(sorted(NUMBER_WORDS, key=lambda w: (-len(w), w)))

# Words that negate what a sentence says ("n't" is matched as a suffix by whoever reads these).
NEGATIONS = ("not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot")
