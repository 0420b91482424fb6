"""Sentence spans: where claims start and end, for chunking long paragraphs and for quoting."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.text import NUMBER_WORD_PATTERN, NUMBER_WORDS, has_sentence_punctuation, sentence_spans, word_spans


def sentences(text: str) -> list[str]:
    return [text[start:end] for start, end in sentence_spans(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Mr. Smith went to Washington. He met Dr. Jones there.",
            ["Mr. Smith went to Washington.", "He met Dr. Jones there."],
        ),
        ("The U.S. Treasury said so. Markets rose.", ["The U.S. Treasury said so.", "Markets rose."]),
        ("Dr. Smith arrived late. Nobody minded.", ["Dr. Smith arrived late.", "Nobody minded."]),
        ("He met J. Smith. Then he left.", ["He met J. Smith.", "Then he left."]),
        (
            "The plan, e.g. the budget, passed. Then it stalled.",
            ["The plan, e.g. the budget, passed.", "Then it stalled."],
        ),
        ("Growth was 2.5 percent. Inflation fell.", ["Growth was 2.5 percent.", "Inflation fell."]),
        ("It costs $4.5 million. That is a lot.", ["It costs $4.5 million.", "That is a lot."]),
        ("It ranked No. 5 in the list. Few noticed.", ["It ranked No. 5 in the list.", "Few noticed."]),
        (
            "The Minute Waltz (Op. 64, No. 1) is short. See Vol. 2 of the set.",
            ["The Minute Waltz (Op. 64, No. 1) is short.", "See Vol. 2 of the set."],
        ),
        ("It was a photo op. Then it rained.", ["It was a photo op.", "Then it rained."]),  # no number after it
        ('He said "we are in the lead." Then he left.', ['He said "we are in the lead."', "Then he left."]),
        ("“We are in the lead.” Bessent said so.", ["“We are in the lead.”", "Bessent said so."]),
        ("Is it late? Yes! (It is.) Done.", ["Is it late?", "Yes!", "(It is.)", "Done."]),
        ("Doors open at 9 a.m. Monday. Bring a pass.", ["Doors open at 9 a.m. Monday.", "Bring a pass."]),
        ("no punctuation at all in this line", ["no punctuation at all in this line"]),
        ("The last sentence has no full stop", ["The last sentence has no full stop"]),
        ("  Leading space. Trailing space.  ", ["Leading space.", "Trailing space."]),
        ("", []),
        ("   ", []),
    ],
)
def test_sentence_spans_split_at_sentence_ends_and_not_at_abbreviations_or_decimals(
    text: str, expected: list[str]
) -> None:
    assert sentences(text) == expected


def test_sentence_spans_of_a_slice_are_absolute_offsets_into_the_whole_text() -> None:
    text = "Skip this. Keep this one. And this one. Skip that."

    spans = sentence_spans(text, text.index("Keep"), text.index(" Skip that"))

    assert [text[s:e] for s, e in spans] == ["Keep this one.", "And this one."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ends with a full stop.", True),
        ("Is this a question?", True),
        ("One AI safety protocol framework Bessent said the two AI superpowers are gonna start talking", False),
        ("", False),
    ],
)
def test_has_sentence_punctuation_tells_punctuated_text_from_unpunctuated(text: str, expected: bool) -> None:
    assert has_sentence_punctuation(text) is expected


def test_word_spans_are_the_whitespace_separated_words_within_the_slice() -> None:
    text = "alpha  beta\tgamma\ndelta"

    spans = word_spans(text, text.index("beta"), text.index("delta") - 1)

    assert [text[s:e] for s, e in spans] == ["beta", "gamma"]


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)
_SENTENCE = st.builds(
    lambda first, rest, end: " ".join([first.capitalize(), *rest]) + end,
    _WORD,
    st.lists(_WORD, max_size=10),
    st.sampled_from([".", "!", "?", '."', ".”", ""]),
)


@given(st.lists(_SENTENCE, min_size=1, max_size=8), st.sampled_from([" ", "  ", "\n", " \n "]))
def test_spans_are_trimmed_in_order_disjoint_and_cover_every_word(parts: list[str], gap: str) -> None:
    text = gap.join(parts)

    spans = sentence_spans(text)

    for start, end in spans:
        assert start < end
        assert not text[start].isspace() and not text[end - 1].isspace()
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(spans))
    assert [word for start, end in spans for word in text[start:end].split()] == text.split()


def test_number_words_run_from_zero_to_ninety_nine_and_match_longest_first() -> None:
    assert NUMBER_WORDS["zero"] == 0 and NUMBER_WORDS["ninety-nine"] == 99 and NUMBER_WORDS["twenty"] == 20
    assert "hundred" not in NUMBER_WORDS and len(NUMBER_WORDS) == 100
    assert re.match(NUMBER_WORD_PATTERN, "seventeen").group() == "seventeen"  # type: ignore[union-attr]
    assert re.match(NUMBER_WORD_PATTERN, "forty-four").group() == "forty-four"  # type: ignore[union-attr]
