"""The paragraphs a topic brief reads: retrieved generously, kept above a relevance floor, or none at all."""

from __future__ import annotations

from typing import TYPE_CHECKING

from index.records import Paragraph
from index.retrieve import terms

if TYPE_CHECKING:
    from assistant.library import Library

TOPIC_POOL = 40  # paragraphs retrieved for a topic before the relevance floor
TOPIC_DENSE_FLOOR = 0.25  # cosine to the topic, with at least one topic word in the paragraph
TOPIC_DENSE_ALONE = 0.50  # cosine to the topic that admits a paragraph without a shared word


def topic_paragraphs(library: Library, topic: str) -> list[Paragraph]:
    """The paragraphs about the topic: retrieved generously, then kept only above a relevance floor."""
    asked = set(terms(topic))
    kept: list[Paragraph] = []
    for passage in library.retrieve(topic, TOPIC_POOL):
        dense = passage.dense if passage.dense is not None else 0.0
        shares_word = bool(asked & set(terms(f"{passage.paragraph.heading} {passage.paragraph.text}")))
        if (shares_word and dense >= TOPIC_DENSE_FLOOR) or dense >= TOPIC_DENSE_ALONE:
            kept.append(passage.paragraph)
    return sorted(kept, key=lambda p: (p.doc_id, p.start, p.id))
