"""The source filter of a question: which documents, and which date range, an answer may quote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from index.records import DocumentSummary


class FilterError(ValueError):
    """A filter that names no document, an unknown one, or a malformed date; the message says what to fix."""


@dataclass(frozen=True)
class SourceFilter:
    """Documents chosen by id and/or a date range (inclusive, ISO yyyy-mm-dd); empty means every source."""

    doc_ids: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None

    @classmethod
    def of(
        cls, doc_ids: Sequence[str] | None = None, since: str | None = None, until: str | None = None
    ) -> SourceFilter:
        """A filter from loose input (a form, the command line): blank parts dropped, dates checked."""
        ids = tuple(dict.fromkeys(d.strip() for d in doc_ids or () if d and d.strip()))
        made = cls(ids, _iso(since, "since"), _iso(until, "until"))
        if made.since and made.until and made.since > made.until:
            raise FilterError(f"the date range is empty: since {made.since} is after until {made.until}")
        return made

    @property
    def empty(self) -> bool:
        return not (self.doc_ids or self.since or self.until)

    def select(self, documents: Sequence[DocumentSummary]) -> list[DocumentSummary]:
        """The documents the filter keeps; FilterError when it names an unknown document or keeps none."""
        known = {d.id for d in documents}
        unknown = [d for d in self.doc_ids if d not in known]
        if unknown:
            raise FilterError(f"no document {unknown[0]!r} in this notebook; see `briefing documents`")
        kept = [d for d in documents if self._keeps(d)]
        if not kept:
            raise FilterError(f"no document matches the filter ({self.describe()}); widen the date range")
        return kept

    def _keeps(self, document: DocumentSummary) -> bool:
        if self.doc_ids and document.id not in self.doc_ids:
            return False
        if self.since or self.until:
            # An undated document cannot be placed in a range: a date filter leaves it out.
            if not document.date:
                return False
            if (self.since and document.date < self.since) or (self.until and document.date > self.until):
                return False
        return True

    def describe(self, kept: Sequence[DocumentSummary] = ()) -> str:
        """The filter in words, as the answer's note states it."""
        parts: list[str] = []
        if kept and self.doc_ids:
            names = "; ".join(f"“{d.title}”" + (f" ({d.date})" if d.date else "") for d in kept[:3])
            more = f" and {len(kept) - 3} more" if len(kept) > 3 else ""
            parts.append(f"{_count(len(kept), 'selected document')}: {names}{more}")
        elif self.doc_ids:
            parts.append(", ".join(self.doc_ids))
        if self.since and self.until:
            parts.append(f"dated {self.since} to {self.until}")
        elif self.since:
            parts.append(f"dated {self.since} or later")
        elif self.until:
            parts.append(f"dated {self.until} or earlier")
        if kept and not self.doc_ids:
            parts.append(_count(len(kept), "document"))
        return ", ".join(parts)

    def note(self, kept: Sequence[DocumentSummary]) -> str:
        return f"Answered only from {self.describe(kept)}."


def _iso(text: str | None, field: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as error:
        raise FilterError(f"{field} date {text!r} is not a date: write it as YYYY-MM-DD, e.g. 2026-05-14") from error


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
