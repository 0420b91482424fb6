"""The brief's records: quotes, claims, sections, disagreements, sources and the Brief itself; and its sentinels."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.answer import Citation
from index.records import Paragraph

# Said when a topic finds nothing in the corpus; the CLI prints it and exits 1, the UI shows it.
NOTHING_ON_TOPIC = "The sources have nothing on '{topic}'."

SECTION_TITLES = {
    "bottom_line": "Bottom line",
    "key_facts": "Key facts",
    "who": "Who is involved",
    "timeline": "Timeline",
    "risks": "Risks and opportunities",
    "open_questions": "Open questions",
}
DISAGREE_TITLE = "Where the sources disagree"
SOURCES_TITLE = "Sources"
# What a section says when the sources hold nothing for it: an empty heading would leave the reader guessing.
EMPTY_SECTION = "Nothing in the sources on this."
# Said when every pair of statements was checked and none conflicts. It never claims the sources
# "do not contradict each other": the checks find some kinds of conflict, not every kind.
NO_DISAGREEMENT = "No disagreement found."
# Disagreement kinds; "rounding" is two figures that agree once rounded, shown so the reader need not wonder.
CONFLICT_KINDS = ("negation", "unsettled", "numbers", "denial", "counterclaim", "polarity")
ROUNDING = "rounding"


class NothingOnTopic(LookupError):
    """The topic matches nothing in the corpus; str() is the sentence to show the reader."""

    def __init__(self, topic: str) -> None:
        super().__init__(NOTHING_ON_TOPIC.format(topic=topic))
        self.topic = topic


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
    label: str = ""  # what the claim is about, shown before it: the actor's name, or the timeline's date


@dataclass(frozen=True)
class BriefSection:
    """A titled section of claims, strongest first (the bottom line and the timeline read in their own order)."""

    key: str
    title: str
    claims: tuple[BriefClaim, ...]


@dataclass(frozen=True)
class Disagreement:
    """Statements from different documents that cannot all be true: one asserted, the others contrary to it."""

    question: str  # a neutral framing for the reader, e.g. "Was an agreement signed?"
    kind: str  # one of CONFLICT_KINDS, or ROUNDING
    asserted: BriefClaim
    contrary: tuple[BriefClaim, ...]

    @property
    def is_conflict(self) -> bool:
        return self.kind != ROUNDING


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
    """A one-page brief: sections of cited claims, the disagreements, the sources and the cited paragraphs."""

    title: str
    topic: str | None
    as_of: str  # "as of 14 May 2026", "sources dated 2 May 2026 to 14 May 2026" or "undated sources"
    sections: tuple[BriefSection, ...]
    disagreements: tuple[Disagreement, ...]
    sources: tuple[SourceEntry, ...]
    citations: tuple[Citation, ...]  # citations[n - 1] is footnote n, numbered in reading order
    mode: str = "extractive"
    actors: tuple[str, ...] = ()  # the actors the sources name most, most documents first
    pairs_checked: int = 0  # statement pairs from different documents tested for a conflict

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
