"""Figures in briefs (assistant/brief/numeric.py): numbers as words, bounds and ranges, and one quantity."""

from __future__ import annotations

import pytest
from conftest import fixture_paragraphs

from assistant.brief import brief_from_paragraphs, figures_in
from assistant.brief.numeric import agree_within_rounding
from index.embed import Embedder


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [("Police held nine detainees at the prison.", "detaine", 9.0),
     ("Some five million Britons have broadband.", "briton", 5e6),
     ("Forty-four percent said they would buy one.", "%", 44.0),
     ("Seventeen foxes were killed on Saturday.", "fox", 17.0)],
)  # fmt: skip
def test_a_number_written_as_a_word_is_a_figure(text: str, unit: str, value: float) -> None:
    (figure,) = figures_in(text)
    assert (figure.unit, figure.value) == (unit, value)


def test_one_is_a_figure_only_with_a_scale_and_a_known_set_is_not_a_count() -> None:
    assert figures_in("No one of the leaders spoke; the two parties and all three rivals met.") == []
    (figure,) = figures_in("They paid one million pounds.")
    assert figure.value == 1e6


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [("about 200 cases", "about 100 cases", False), ("more than 5 million users", "5.3 million users", True),
     ("almost six million users", "5.3 million users", False),
     ("more than six million users", "5.3 million users", False),
     ("£10bn or £11bn", "£11bn", True), ("£10bn or £11bn", "£12bn", False), ("up to 40 cases", "12 cases", True),
     ("12 detainees", "11 detainees", False), ("£9.35bn", "£9.4bn", True)],
)  # fmt: skip
def test_an_estimate_or_a_bound_allows_a_range_and_figures_agree_when_their_ranges_meet(
    a: str, b: str, agree: bool
) -> None:
    (fa,), (fb,) = figures_in(f"They counted {a} there."), figures_in(f"They counted {b} there.")
    assert agree_within_rounding(fa, fb) is agree


def test_two_figures_of_one_unit_joined_by_or_are_one_range() -> None:
    (figure,) = figures_in("He would have to raise taxes by £10bn or £11bn next year.")
    assert figure.written == "£10bn or £11bn" and (figure.low, figure.high) == (9.5e9, 11.5e9)


def _brief(embedder: Embedder, docs: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    return brief_from_paragraphs(fixture_paragraphs(docs), embedder.embed)


def test_figures_of_different_orders_near_the_same_words_are_not_one_quantity(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["The Greens would cut £40bn of waste to pay for £4bn of tax cuts, Green leader Ann Cole said."],
        "b.txt": ["The Greens promised £6bn of tax cuts paid for from waste, Green leader Ann Cole said."],
    }
    numbers = [d for d in _brief(embedder, docs).disagreements if d.kind == "numbers"]
    assert [d.question for d in numbers] == ["Which figure for “tax”: £4bn or £6bn?"]


def test_two_values_in_one_sentence_are_a_change_not_two_readings(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["Broadband will grow from 19% to 37% of homes in Spain by 2009, analysts at Jupiter said."],
        "b.txt": ["Broadband reaches 19% of homes in Spain today, analysts at Jupiter said on Monday."],
    }
    assert [d.kind for d in _brief(embedder, docs).disagreements if d.is_conflict] == []


def test_estimates_that_cannot_both_hold_disagree(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["Of 185,000 travellers tested for TB at the airports, about 200 cases were found, Dr Lee said."],
        "b.txt": ["Of the 185,000 travellers tested for TB at the airports, about 100 cases were found, Dr Lee said."],
    }
    numbers = [d for d in _brief(embedder, docs).disagreements if d.kind == "numbers"]
    assert len(numbers) == 1 and "about 200" not in numbers[0].question
    assert "200 cases" in numbers[0].question and "100 cases" in numbers[0].question
