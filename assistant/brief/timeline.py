"""The timeline: dated events in date order, each with its date as written and as resolved."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from assistant.brief.candidates import Pool
from assistant.brief.sections import SECTION_LIMITS, Selection
from index.text import MONTH_PATTERN, MONTHS

_MONTH = rf"(?P<month>{MONTH_PATTERN})"  # the vocabulary's: full names, "Sept." and three-letter abbreviations
_YEAR = r"(?P<year>(?:1[89]|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_FORMS = (
    re.compile(rf"\b{_DAY}\s+{_MONTH}(?:,?\s+{_YEAR})?\b", re.I),
    re.compile(rf"\b{_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?\b", re.I),
    re.compile(rf"\b{_MONTH}\s+{_YEAR}\b", re.I),
    re.compile(rf"^(?:(?:in|by|since|from|until)\s+)?{_YEAR}$", re.I),
)
MIN_EVENTS = 2  # fewer dated events than this make no timeline


@dataclass(frozen=True, order=True)
class When:
    """A date resolved as far as the text allows: year, then month and day when given (0 when not)."""

    year: int
    month: int = 0
    day: int = 0
    year_inferred: bool = False  # the year came from the document's other dates, not from this one

    def readable(self) -> str:
        month = MONTHS[self.month - 1].capitalize() if self.month else ""
        text = " ".join(str(p) for p in (self.day or "", month, self.year) if p)
        return text


def parse_date(written: str) -> tuple[int | None, int, int] | None:
    """(year or None, month or 0, day or 0) from a date as written; None when it names no calendar date."""
    text = written.strip()
    for form in _FORMS:
        match = form.search(text)
        if match is None:
            continue
        parts = match.groupdict()
        year = int(parts["year"]) if parts.get("year") else None
        month = _month(parts["month"]) if parts.get("month") else 0
        day = int(parts["day"]) if parts.get("day") else 0
        if day > 31 or (year is None and not month):
            continue
        if year is None and not day:
            continue  # "in May": a month without a year or day places nothing
        return year, month, day
    return None


def _month(token: str) -> int:
    token = token.lower().rstrip(".")
    return next(n for n, m in enumerate(MONTHS, start=1) if m.startswith(token[:3]))


def timeline(pool: Pool, selection: Selection) -> list[tuple[int, str]]:
    """The best-stated event for each of the most central dates, in date order, labelled with the date."""
    years_by_doc: dict[str, Counter[int]] = {}
    dated: list[tuple[int, str, tuple[int | None, int, int]]] = []
    for i, found in enumerate(pool.entities):
        readings = []
        for entity in found:
            parsed = parse_date(entity.text) if entity.label == "DATE" else None
            if parsed is None:
                continue
            readings.append((entity.text, parsed))
            # A year stands for the document's undated "18 February" only when the document dates an event
            # with it ("on 3 March 2005"); a bare year is often history ("the 1949 Parliament Act").
            if parsed[0] is not None and parsed[1]:
                doc = pool.candidates[i].paragraph.doc_id
                years_by_doc.setdefault(doc, Counter())[parsed[0]] += 1
        # A sentence is placed by its most precise date ("charged in July 2004 with taxes for 2000").
        if readings:
            written, parsed = max(readings, key=lambda r: (bool(r[1][2]), bool(r[1][1]), r[1][0] is not None))
            dated.append((i, written, parsed))
    best: dict[When, tuple[float, int, str]] = {}
    for i, written, (year, month, day) in dated:
        candidate = pool.candidates[i]
        inferred = year is None
        if year is None:
            year = _year_of(candidate.paragraph.date, years_by_doc.get(candidate.paragraph.doc_id))
            if year is None:
                continue  # "19 December" in a document with no year anywhere: it cannot be placed
        when = When(year, month, day, inferred)
        key = When(year, month, day)
        if key not in best or pool.score[i] > best[key][0]:
            best[key] = (pool.score[i], i, _label(when, written))
    rows: list[tuple[When, int, str]] = []
    for key, (_, i, label) in sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0])):
        if len(rows) >= SECTION_LIMITS["timeline"]:
            break
        taken = [j for _, j, _ in rows]
        if selection.admits(i, taken) and not any(pool.candidates[i].overlaps(pool.candidates[j]) for j in taken):
            rows.append((key, i, label))
    if len(rows) < MIN_EVENTS:
        return []
    chosen: list[int] = []
    for _, i, _ in rows:
        selection.take(i, chosen)
    return [(i, label) for _, i, label in sorted(rows)]


def _year_of(document_date: str | None, years: Counter[int] | None) -> int | None:
    if document_date and document_date[:4].isdigit():
        return int(document_date[:4])
    if years:
        return years.most_common(1)[0][0]
    return None


def _label(when: When, written: str) -> str:
    readable = when.readable() + (" (year inferred)" if when.year_inferred else "")
    return readable if " ".join(written.split()).lower() == when.readable().lower() else f"{readable}: “{written}”"
