"""Follow-up questions read with the previous turn: a pronoun or an ellipsis filled in, nothing else touched."""

from __future__ import annotations

import pytest

from assistant.followup import PreviousTurn, needs_previous, resolve
from index.records import Entity, Word


def turn(
    question: str, answer: str = "", asked: tuple[str, ...] = (), said: tuple[tuple[str, str], ...] = ()
) -> PreviousTurn:
    """A previous turn with the entities a tagger would find: `asked` (ORG) in the question, `said` in the answer."""
    question_entities = tuple(
        Entity(name, "ORG", question.index(name), question.index(name) + len(name)) for name in asked
    )
    answer_entities = tuple(
        Entity(name, label, answer.index(name), answer.index(name) + len(name)) for name, label in said
    )
    return PreviousTurn(question, answer, answer_entities, question_entities)


AUCTION = turn(
    "Who bought Yugansk at the auction?",
    "Yugansk was bought by the little-known Baikal Finance Group for $9.35bn.",
    asked=("Yugansk",),
    said=(("Yugansk", "ORG"), ("Baikal Finance Group", "ORG"), ("$9.35bn", "MONEY")),
)
CEO = turn(
    "Who ran Yukos in 2004?",
    "Steven Theede, the chief executive of Yukos, left the country.",
    asked=("Yukos",),
    said=(("Steven Theede", "PERSON"), ("Yukos", "ORG")),
)
WHY = turn(
    "Why did Yukos sell its Siberian unit?",
    "The tax ministry demanded $27bn from Rosneft and Yukos.",
    asked=("Yukos",),
    said=(("Rosneft", "ORG"), ("Yukos", "ORG")),
)


@pytest.mark.parametrize(
    ("previous", "question", "understood"),
    [
        (AUCTION, "How much did it pay?", "How much did Baikal Finance Group pay?"),
        (AUCTION, "What was its bid?", "What was Baikal Finance Group's bid?"),
        (CEO, "Why did he resign?", "Why did Steven Theede resign?"),
        (CEO, "Where did his company sell oil?", "Where did Steven Theede's company sell oil?"),
        (WHY, "When did it go bankrupt?", "When did Yukos go bankrupt?"),
        (AUCTION, "And when?", "When bought Yugansk at the auction?"),
        (AUCTION, "How much?", "How much bought Yugansk at the auction?"),
        (AUCTION, "What about Sibneft?", "Who bought Sibneft at the auction?"),
        (AUCTION, "And Sibneft?", "Who bought Sibneft at the auction?"),
    ],
)
def test_a_follow_up_is_read_with_the_previous_question_and_answer(
    previous: PreviousTurn, question: str, understood: str
) -> None:
    assert needs_previous(question)
    assert resolve(question, previous) == understood


@pytest.mark.parametrize(
    "question", ["Which judge handled the case?", "How much did China lend Russia?", "Who founded Yukos?"]
)
def test_a_question_that_stands_alone_is_left_as_it_is(question: str) -> None:
    assert not needs_previous(question)
    assert resolve(question, AUCTION) == question


def test_a_pronoun_after_a_name_in_the_same_question_points_to_that_name_and_is_left() -> None:
    # Not taken for "and <something>?" either: it is a question of its own that opens with "and".
    assert resolve("And when did Yukos sell its unit?", AUCTION) == "And when did Yukos sell its unit?"


def tagged(question: str, parts_of_speech: str) -> tuple[Word, ...]:
    """The question's words with the given universal POS tags, as the tagger would give them."""
    words, at = [], 0
    for text, pos in zip(question.rstrip("?").split(), parts_of_speech.split(), strict=True):
        start = question.index(text, at)
        words.append(Word(text, pos, "", start, start + len(text)))
        at = start + len(text)
    return tuple(words)


def test_after_which_thing_a_question_asked_about_it_stands_for_that_thing() -> None:
    question = "Which Nvidia chip was cleared for sale to Chinese firms?"
    previous = PreviousTurn(
        question,
        "Washington cleared sales of Nvidia H200 chips.",
        question_words=tagged(question, "DET PROPN NOUN AUX VERB ADP NOUN ADP ADJ NOUN"),
    )

    assert resolve("Who makes it?", previous) == "Who makes the Nvidia chip?"
    assert resolve("What is its price?", previous) == "What is the Nvidia chip's price?"


def test_a_pronoun_in_a_chain_of_follow_ups_keeps_pointing_to_what_the_last_one_was_read_as() -> None:
    previous = PreviousTurn(
        "When was the party launched?",
        "Mr Kilroy-Silk launched Veritas, his new party, at a London hotel.",
        answer_entities=(Entity("Kilroy-Silk", "PERSON", 3, 14), Entity("London", "GPE", 50, 56)),
        asked_as="When was it launched?",
    )

    assert resolve("What does its name mean?", previous) == "What does the party's name mean?"
    assert resolve("Who chairs it?", previous) == "Who chairs the party?"
    assert resolve("Why did he launch it?", previous) == "Why did Kilroy-Silk launch it?"  # a person: not carried


def test_a_pronoun_with_nothing_of_its_kind_to_point_to_is_left_as_it_is() -> None:
    assert resolve("Why did she resign?", AUCTION) == "Why did she resign?"


def test_without_a_previous_turn_nothing_is_resolved() -> None:
    assert resolve("How much did it pay?", None) == "How much did it pay?"
    assert not needs_previous("Which judge handled the case?")
