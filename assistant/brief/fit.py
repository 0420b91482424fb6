"""Numbering the footnotes and fitting the brief to its page, with the page test injected by the caller."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from assistant.answer import Citation
from assistant.brief.records import Brief, BriefClaim, Disagreement, Fits, SourceEntry
from index.records import Paragraph

UNDATED = "undated sources"


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
_TRIM_ORDER = ["risks", "timeline", "open_questions", "key_facts", "who", "bottom_line"]
_KEEP = {"bottom_line": 2}  # the fewest claims a section keeps (1 unless named)


def fit_to_page(brief: Brief, fits: Fits | None) -> Brief:
    """Drop the weakest claims (the last of the fullest section), then disagreements, until the brief fits;
    then put back, strongest first, any dropped claim that still fits in the room a longer one left.
    Without a page test (fits None) the brief is only numbered."""
    brief = numbered(brief)
    if fits is None:
        return brief
    dropped: list[tuple[str, BriefClaim | Disagreement]] = []
    while not fits(brief):
        trimmable = [s for s in brief.sections if len(s.claims) > _KEEP.get(s.key, 1)]
        if trimmable:
            section = max(trimmable, key=lambda s: (len(s.claims), -_TRIM_ORDER.index(s.key)))
            dropped.append((section.key, section.claims[-1]))
            brief = _with_claims(brief, section.key, section.claims[:-1])
        elif len(brief.disagreements) > 1:
            dropped.append(("", brief.disagreements[-1]))
            brief = replace(brief, disagreements=brief.disagreements[:-1])
        else:
            break  # nothing left to drop: claims this long cannot be quoted on one page
        brief = numbered(brief)
    for key, item in reversed(dropped):
        if isinstance(item, Disagreement):
            trial = replace(brief, disagreements=(*brief.disagreements, item))
        else:
            trial = _with_claims(brief, key, (*brief.section(key).claims, item))
        trial = numbered(trial)
        if fits(trial):
            brief = trial
    return brief


def _with_claims(brief: Brief, key: str, claims: tuple[BriefClaim, ...]) -> Brief:
    return replace(brief, sections=tuple(replace(s, claims=claims) if s.key == key else s for s in brief.sections))


def date_range(dates: Sequence[str | None]) -> str:
    """'as of 14 May 2026' (the newest source), '... (sources from 2 May 2026)', or 'undated sources'."""
    known = sorted({d for d in dates if d})
    if not known:
        return UNDATED
    first, last = _readable(known[0]), _readable(known[-1])
    undated = "; some undated" if any(not d for d in dates) else ""
    since = f" (sources from {first}{undated})" if first != last else (f" ({undated[2:]})" if undated else "")
    return f"as of {last}{since}"


def _readable(iso: str) -> str:
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%B')} {day.year}"
