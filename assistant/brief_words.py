"""The words a brief shows in every format: its subtitle, notes, source lines, footnote markers and fixed dates."""

from __future__ import annotations

from datetime import UTC, datetime

from assistant.brief.records import (
    NO_DISAGREEMENT,
    Brief,
    BriefClaim,
    Disagreement,
    SourceEntry,
)

CITED_TITLE = "Cited paragraphs"
GENERATOR = "briefing-assistant"
INK = (29, 36, 48)  # the colours of the PDF and DOCX
ACCENT = (31, 58, 95)
MUTED = (90, 100, 114)
VERBATIM_NOTE = "Every claim is quoted verbatim from its source; [n] numbers the cited paragraphs."
REWRITTEN_NOTE = "Claims were rewritten by a language model and checked against the cited paragraphs [n]."


def subtitle(brief: Brief) -> str:
    """The line under the title: how many sources, their dates, and how to read the numbers."""
    count = len(brief.sources)
    return f"{count} source{'s' if count != 1 else ''}, {brief.as_of}."


def note(brief: Brief) -> str:
    return VERBATIM_NOTE if brief.mode == "extractive" else REWRITTEN_NOTE


def paragraph_label(paragraph_id: str) -> str:
    """'001_x.txt#p3' -> '¶3': the paragraph's number within its document."""
    return "¶" + paragraph_id.rsplit("#p", 1)[-1]


def source_line(source: SourceEntry, with_id: bool = True) -> str:
    date = readable_date(source.date) if source.date else "undated"
    outlet = source.outlet or "outlet not stated"
    return f"{source.title} — {outlet}, {date}" + (f" ({source.doc_id})" if with_id else "")


def readable_date(iso: str) -> str:
    try:
        day = datetime.strptime(iso, "%Y-%m-%d")
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%B')} {day.year}"


def markers(claim: BriefClaim) -> str:
    return "".join(f"[{n}]" for n in claim.citations)


def no_disagreement(brief: Brief) -> str:
    """What the disagreements section says when it found none: how much was checked, never "no contradiction"."""
    pairs = brief.pairs_checked
    return f"{NO_DISAGREEMENT[:-1]} ({pairs} pair{'s' if pairs != 1 else ''} of statements checked)."


def also_named(brief: Brief, section_key: str = "who") -> str:
    """The actors the sources name most that have no line of their own, or ''."""
    if section_key != "who":
        return ""
    shown = {c.label for c in brief.section("who").claims} if any(s.key == "who" for s in brief.sections) else set()
    rest = [a for a in brief.actors if a not in shown]
    return f"Also named: {', '.join(rest)}." if rest else ""


def sides(disagreement: Disagreement) -> tuple[BriefClaim, ...]:
    return (disagreement.asserted, *disagreement.contrary)


def fixed_time(brief: Brief) -> datetime:
    dates = sorted(s.date for s in brief.sources if s.date)
    try:
        return datetime.strptime(dates[-1], "%Y-%m-%d").replace(tzinfo=UTC) if dates else EPOCH
    except ValueError:
        return EPOCH


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
