"""Sentence spans of a paragraph: where claims start and end, for chunking and for quoting."""

from __future__ import annotations

import re

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
        if word and match.group().startswith(".") and _is_abbreviation(word.group(1)):
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


def _is_abbreviation(word: str) -> bool:
    lowered = word.lower().rstrip(".")
    # Single capitals ("J. Smith") and known abbreviations do not end a sentence.
    return lowered in _ABBREVIATIONS or (len(lowered) == 1 and word[:1].isupper())


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if end > start else None
