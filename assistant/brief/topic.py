"""The paragraphs a topic brief reads: retrieved generously, kept above a relevance floor, or none at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.brief.thresholds import DEFAULT, Thresholds
from index.records import Paragraph
from index.text import terms

if TYPE_CHECKING:
    from assistant.library import Library


def topic_paragraphs(library: Library, topic: str, t: Thresholds = DEFAULT) -> list[Paragraph]:
    """The paragraphs about the topic: retrieved generously, then kept only above a relevance floor.

    A paragraph is on topic when it is close to the topic and holds enough of its words, or very close
    alone: one word in common is chance ("transfer" of power is not "football transfer fees").
    """
    asked = set(terms(topic))
    kept: list[Paragraph] = []
    for passage in library.retrieve(topic, t.topic_pool):
        dense = passage.dense if passage.dense is not None else 0.0
        held = asked & set(terms(f"{passage.paragraph.heading} {passage.paragraph.text}"))
        covers = bool(asked) and len(held) / len(asked) >= t.topic_word_cover
        if (covers and dense >= t.topic_dense_floor) or dense >= t.topic_dense_alone:
            kept.append(passage.paragraph)
    return sorted(kept, key=lambda p: (p.doc_id, p.start, p.id))
