"""Corpus or topic -> one-page Brief: sections of short verbatim claims, each cited, and where the sources disagree.

records.py holds the records, candidates.py the candidate sentences, sections.py and timeline.py the
sections, disagreements.py the conflicts (with numeric.py for figures, stance.py for claims against denials and
dispute.py for the records they share), topic.py the topic floor, fit.py the numbering and page fitting,
build.py the pipeline that runs them in order.
"""

from assistant.brief.build import brief_from_paragraphs, make_brief, rewritten
from assistant.brief.candidates import quotable_spans, standalone_spans
from assistant.brief.disagreements import conflict
from assistant.brief.fit import date_range, fit_to_page, numbered
from assistant.brief.numeric import agree_within_rounding, figures_in
from assistant.brief.records import (
    DISAGREE_TITLE,
    EMPTY_SECTION,
    NO_DISAGREEMENT,
    NOTHING_ON_TOPIC,
    ROUNDING,
    SECTION_TITLES,
    SOURCES_TITLE,
    Brief,
    BriefClaim,
    BriefSection,
    Disagreement,
    Fits,
    NothingOnTopic,
    Quote,
    Rewrite,
    SourceEntry,
)

__all__ = [
    "DISAGREE_TITLE",
    "EMPTY_SECTION",
    "NOTHING_ON_TOPIC",
    "NO_DISAGREEMENT",
    "ROUNDING",
    "SECTION_TITLES",
    "SOURCES_TITLE",
    "Brief",
    "BriefClaim",
    "BriefSection",
    "Disagreement",
    "Fits",
    "NothingOnTopic",
    "Quote",
    "Rewrite",
    "SourceEntry",
    "agree_within_rounding",
    "brief_from_paragraphs",
    "conflict",
    "date_range",
    "figures_in",
    "fit_to_page",
    "make_brief",
    "numbered",
    "quotable_spans",
    "rewritten",
    "standalone_spans",
]
