"""The brief's thresholds as one record of plain values, read from Settings at the edge (make_brief)."""

from __future__ import annotations

from dataclasses import dataclass, fields

from assistant.settings import Settings

PREFIX = "brief_"  # each field is the Settings field of this name with the prefix


@dataclass(frozen=True)
class Thresholds:
    """Every number a brief is decided by; the Settings fields say what each means and what set it."""

    topic_pool: int
    topic_dense_floor: float
    topic_word_cover: float
    topic_dense_alone: float
    topic_sentence_floor: float
    min_words: int
    max_words: int
    max_paragraphs: int
    duplicate_overlap: float
    duplicate_similarity: float
    duplicate_alone: float
    support_bonus: float
    max_actors: int
    actor_opening_words: int
    redundant_in_section: float
    redundant_in_brief: float
    mmr_lambda: float
    lede_bonus: float
    bottom_line_chars: int
    max_disagreements: int
    assertion_window: int
    negation_similarity: float
    unsettled_similarity: float
    unsettled_shared_words: int
    numbers_similarity: float
    numbers_similarity_unnamed: float
    figure_context_words: int
    figure_shared_words: int
    approximate_tolerance: float
    figure_max_ratio: float
    denial_similarity: float
    denial_shared_words: int
    polarity_similarity: float
    polarity_shared_words: int
    restated_overlap: float
    negated_act_similarity: float
    act_subject_words: int

    @classmethod
    def of(cls, settings: Settings) -> Thresholds:
        return cls(**{f.name: getattr(settings, PREFIX + f.name) for f in fields(cls)})


# The Settings defaults, for callers that build a brief without a Settings (notes, tests).
DEFAULT = Thresholds(**{f.name: Settings.model_fields[PREFIX + f.name].default for f in fields(Thresholds)})
