"""Extractive answers: verbatim cited sentences from retrieved paragraphs, or an abstention with the closest text."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from assistant.answer import NOT_IN_SOURCES, Answer, ExtractiveAnswerer, abstain, compose
from assistant.library import ANSWER_POOL_EXTRA, Library
from assistant.question import analyse
from index.keyword import KeywordIndex
from index.records import Paragraph, Passage

ANSWERABLE = [
    ("Which Nvidia chip was cleared for sale to Chinese firms?", "H200"),
    ("Who was the Nvidia boss in Beijing?", "Jensen Huang"),
    ("What year did US restrictions on chip sales to China begin?", "2022"),
    ("How many Chinese companies were reportedly cleared to buy the H200?", "roughly 10"),
    ("What did Xi say about Taiwan?", "Taiwan is the most important issue"),
    ("When did Biden and Xi agree to discuss AI risks?", "November 2023"),
    ("Which Chinese startup rattled Silicon Valley?", "DeepSeek"),
    ("Which consultancies could gain from the framework?", "Credo AI"),
    ("Why does Bessent say the US can hold AI talks with China?", "in the lead"),
    ("Who wrote the Vault AI report?", "The Vault AI Staff"),
    ("Which recent Anthropic AI model has alarmed Washington?", "Mythos"),
    ("What role did Jensen Huang play in the trip to China?", "late addition"),
]
UNANSWERABLE = [
    "How much does a single Nvidia H200 chip cost?",
    "When did Anthropic release its Mythos model?",
    "What is the population of Beijing?",
    "Who won the 2022 World Cup?",
]


@pytest.fixture(scope="module")
def answers(seeded_library: Library) -> dict[str, Answer]:
    """One ask per question for the whole module: asking is read-only."""
    questions = [q for q, _ in ANSWERABLE] + UNANSWERABLE
    questions += [
        "What is the capital of Australia?",
        "Which specific Chinese companies received clearance to buy H200 chips?",
    ]
    return {q: seeded_library.ask(q) for q in questions}


# --- answering -------------------------------------------------------------------------------


def test_the_h200_question_is_answered_with_h200_and_cites_a_paragraph_holding_it(answers: dict[str, Answer]) -> None:
    answer = answers["Which Nvidia chip was cleared for sale to Chinese firms?"]

    assert not answer.abstained
    assert "H200" in answer.text
    assert any("H200" in c.paragraph.text for c in answer.citations)
    assert answer.mode == "extractive"


@pytest.mark.parametrize(("question", "expected"), ANSWERABLE)
def test_a_seed_question_is_answered_with_the_fact(answers: dict[str, Answer], question: str, expected: str) -> None:
    answer = answers[question]

    assert not answer.abstained, answer.closest
    assert expected in answer.text


@pytest.mark.parametrize("question", [q for q, _ in ANSWERABLE])
def test_every_claim_is_verbatim_in_the_paragraph_its_citation_points_at(
    answers: dict[str, Answer], question: str
) -> None:
    answer = answers[question]
    cited = {c.n: c.paragraph for c in answer.citations}

    assert answer.claims
    for claim in answer.claims:
        assert claim.citations
        for n in claim.citations:
            assert claim.text in cited[n].text, (n, claim.text)


@pytest.mark.parametrize("question", [q for q, _ in ANSWERABLE])
def test_every_citation_points_at_a_retrieved_paragraph(
    seeded_library: Library, answers: dict[str, Answer], question: str
) -> None:
    answer = answers[question]
    retrieved = {
        p.paragraph.id for p in seeded_library.retrieve(question, seeded_library.settings.top_k + ANSWER_POOL_EXTRA)
    }

    assert {c.paragraph.id for c in answer.citations} <= retrieved
    # and the answer lists each cited paragraph among its passages, even one from beyond the top k
    assert {c.paragraph.id for c in answer.citations} <= {p.paragraph.id for p in answer.passages}


@pytest.mark.parametrize("question", [q for q, _ in ANSWERABLE])
def test_citation_markers_are_numbered_in_order_of_first_use(answers: dict[str, Answer], question: str) -> None:
    answer = answers[question]

    markers = [int(n) for n in re.findall(r"\[(\d+)\]", answer.text)]
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    assert list(dict.fromkeys(markers)) == [c.n for c in answer.citations]
    assert len({c.paragraph.id for c in answer.citations}) == len(answer.citations)


def test_an_answer_carries_the_top_k_passages_and_its_timings(
    answers: dict[str, Answer], seeded_library: Library
) -> None:
    answer = answers["Who was the Nvidia boss in Beijing?"]

    k = seeded_library.settings.top_k
    assert [p.rank for p in answer.passages][:k] == list(range(1, k + 1))
    beyond = answer.passages[k:]  # only paragraphs the answer cites may follow the top k
    assert {p.paragraph.id for p in beyond} <= {c.paragraph.id for c in answer.citations}
    assert set(answer.timings_ms) == {"retrieve", "answer", "total"}
    assert answer.timings_ms["total"] >= answer.timings_ms["retrieve"] >= 0


# --- abstaining ------------------------------------------------------------------------------


def assert_abstained(answer: Answer) -> None:
    assert answer.abstained
    assert answer.text == NOT_IN_SOURCES
    assert answer.citations == () and answer.claims == ()
    assert answer.closest, "an abstention offers the closest material there is"


def test_an_off_topic_question_abstains_and_offers_the_closest_material(answers: dict[str, Answer]) -> None:
    # Regression: it quoted "...from the Chinese capital..." ('Australia' matched 'China' as a synonym).
    assert_abstained(answers["What is the capital of Australia?"])


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_a_plausible_question_the_seeds_do_not_answer_abstains(answers: dict[str, Answer], question: str) -> None:
    assert_abstained(answers[question])


def test_a_question_whose_best_match_says_it_is_not_disclosed_abstains(answers: dict[str, Answer]) -> None:
    answer = answers["Which specific Chinese companies received clearance to buy H200 chips?"]

    assert_abstained(answer)
    assert "Which Chinese tech firms received H200 chip sale clearances" in answer.closest[0].paragraph.text


def test_the_closest_material_is_drawn_from_the_retrieved_passages(answers: dict[str, Answer]) -> None:
    answer = answers["How much does a single Nvidia H200 chip cost?"]

    assert 1 <= len(answer.closest) <= 3
    assert any("H200" in p.paragraph.text for p in answer.closest)


def test_no_passages_means_an_abstention_with_nothing_to_offer(seeded_library: Library) -> None:
    answerer = ExtractiveAnswerer(KeywordIndex.build([]), seeded_library.store.excerpts)

    answer = answerer.answer("Who was the Nvidia boss in Beijing?", [], np.zeros(384, dtype=np.float32))

    assert answer.abstained and answer.text == NOT_IN_SOURCES and answer.closest == ()


# --- composing ------------------------------------------------------------------------------


def paragraph(pid: str, text: str) -> Paragraph:
    return Paragraph(id=pid, doc_id=pid.split("#")[0], text=text, start=0, end=len(text))


def test_compose_numbers_paragraphs_by_first_use_and_reuses_a_number_for_the_same_paragraph() -> None:
    a, b = paragraph("a.txt#p1", "Alpha one. Alpha two."), paragraph("b.txt#p4", "Beta.")
    passages = [Passage(a, 0.03, rank=1), Passage(b, 0.02, rank=2)]

    answer = compose("q?", [("Alpha one.", a), ("Beta.", b), ("Alpha two.", a)], passages)

    assert answer.text == "Alpha one. [1] Beta. [2] Alpha two. [1]"
    assert [(c.n, c.paragraph.id) for c in answer.citations] == [(1, "a.txt#p1"), (2, "b.txt#p4")]
    assert [c.citations for c in answer.claims] == [(1,), (2,), (1,)]
    assert answer.citations[1].doc == "b.txt"
    assert not answer.abstained


def test_abstain_offers_at_most_three_closest_passages() -> None:
    passages = [Passage(paragraph(f"d.txt#p{i}", f"Text {i}."), 0.01, rank=i) for i in range(1, 6)]

    answer = abstain("q?", passages)

    assert answer.text == NOT_IN_SOURCES and answer.abstained
    assert [p.rank for p in answer.closest] == [1, 2, 3]
    assert answer.passages == tuple(passages)


# --- reading the question -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expects"),
    [
        ("How many Chinese companies were cleared to buy the H200?", "number"),
        ("How much does a single Nvidia H200 chip cost?", "money"),
        ("How much money will Nvidia make?", "money"),
        ("What percentage of chips went to China?", "percent"),
        ("When did Anthropic release its Mythos model?", "time"),
        ("What year did US restrictions begin?", "time"),
        ("Since when has the US restricted chip sales?", "time"),
        ("Which Nvidia chip was cleared for sale?", None),
        ("Who was the Nvidia boss in Beijing?", None),
    ],
)
def test_analyse_knows_what_kind_of_answer_is_expected(question: str, expects: str | None) -> None:
    assert analyse(question).expects == expects


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("What did Bessent say about the lead?", ("bessent",)),
        ("What did Xi Jinping tell Trump?", ("xi", "jinp")),
        ("What did the protocol cover?", ()),
        ("Which Nvidia chip was cleared for sale?", ()),
    ],
)
def test_analyse_finds_who_is_asked_to_have_spoken(question: str, speaker: tuple[str, ...]) -> None:
    assert analyse(question).speaker == speaker


@pytest.mark.parametrize(
    ("question", "action"),
    [
        ("What did Trump and Xi agree about Iran?", "agre"),
        ("What did Bessent say about the lead?", None),  # a verb of saying is the speaker rule's business
        ("What did the protocol cover?", None),  # no named subject
        ("Who was the Nvidia boss in Beijing?", None),
    ],
)
def test_analyse_finds_the_action_a_named_subject_is_asked_about(question: str, action: str | None) -> None:
    assert analyse(question).action == action


@pytest.mark.parametrize(
    ("question", "about_document", "asks_about_unknowns"),
    [
        ("Who wrote the Vault AI report?", True, False),
        ("What remains unclear about the protocol?", False, True),
        ("Which Nvidia chip was cleared for sale?", False, False),
    ],
)
def test_analyse_tells_questions_about_the_document_and_about_unknowns(
    question: str, about_document: bool, asks_about_unknowns: bool
) -> None:
    asked = analyse(question)

    assert (asked.about_document, asked.asks_about_unknowns) == (about_document, asks_about_unknowns)


def test_analyse_keeps_content_terms_and_drops_framing_words() -> None:
    asked = analyse("Which specific Chinese companies received clearance to buy H200 chips?")

    assert "specif" not in asked.terms
    assert {"chines", "compani", "h200", "chip"} <= set(asked.terms)


@pytest.mark.parametrize(
    ("question", "focus"),
    [
        ("How many Chinese companies were cleared to buy the H200?", ("chines", "compani")),
        ("Which Nvidia chip was cleared for sale?", ("nvidia", "chip")),
        ("What year did US restrictions begin?", ("year",)),
    ],
)
def test_analyse_finds_the_thing_asked_for(question: str, focus: tuple[str, ...]) -> None:
    assert analyse(question).focus == focus


def test_a_wh_question_is_not_answered_by_a_quote_that_only_repeats_its_words(library: Library, tmp_path: Path) -> None:
    # Seen on BBC readers' comments among 818 articles: "What does the name Veritas mean?" -> "Veritas? [1]".
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "party.txt").write_text(
        "A new party\n\nRobert Kilroy-Silk launched his new party on Wednesday. He called it Veritas.\n\n"
        "What does the name mean? Veritas? Supporters cheered the name at the launch.\n\n"
        "Veritas is Latin for truth, Mr Kilroy-Silk told the crowd.\n",
        encoding="utf-8",
    )
    library.index([corpus])

    answer = library.ask("What does the name Veritas mean?")

    assert "Latin for truth" in answer.text
    assert not re.search(r"(^|\] )Veritas\? \[", answer.text), answer.text
