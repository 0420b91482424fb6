"""The learned answerer: a logistic model over (question, sentence) features picks the quote and decides abstention."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answer import Answer
from assistant.answer_model import FEATURES, MODEL_FILE, AnswerModel, LearnedAnswerer, candidate_rows
from assistant.asked import Asked
from assistant.library import Library
from assistant.settings import Settings

THRESHOLD = Settings(_env_file=None).answer_min_probability  # type: ignore[call-arg]


@pytest.fixture(scope="module")
def learned_library(seeded_library: Library) -> Library:
    """The seeds' store and model, answered by the learned answerer at the default settings."""
    settings = seeded_library.settings.model_copy(update={"answerer": "learned"})
    return Library(settings, embedder=seeded_library.embedder())


def learned(library: Library, question: str) -> tuple[LearnedAnswerer, Asked]:
    """The question retrieved as Library.ask retrieves it, and the answerer the library built for it."""
    asked = library._retrieve_for(question, 5)
    assert isinstance(asked.answerer, LearnedAnswerer)
    return asked.answerer, asked


def ask(library: Library, question: str) -> Answer:
    answerer, asked = learned(library, question)
    return answerer.answer(asked.question, asked.pool, asked.vector)


def test_the_model_file_is_plain_numbers_for_the_features_this_code_computes() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    model = AnswerModel.load()

    assert tuple(data["features"]) == FEATURES
    assert model.weights.shape == model.mean.shape == model.scale.shape == (len(FEATURES),)
    assert data["trained_on"]["articles"] == 8  # the SQuAD training articles, the two the gate scores held out


def test_a_model_file_for_other_features_is_refused_with_what_to_do(tmp_path: Path) -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    path = tmp_path / "answer_model.json"
    path.write_text(json.dumps(data), encoding="utf-8")

    with pytest.raises(ValueError, match=r"answer_model\.json.*training/answerer/train\.py"):
        AnswerModel.load(path)


def test_the_model_scores_the_sentence_that_answers_above_one_that_does_not(learned_library: Library) -> None:
    answerer, asked = learned(learned_library, "Which Nvidia chip was cleared for sale to Chinese firms?")
    judged, rows, logits = answerer.scored(asked.question, asked.pool, asked.vector)

    assert rows.shape == (len(judged), len(FEATURES))
    holding = [i for i, j in enumerate(judged) if "H200" in j.candidate.text and "clear" in j.candidate.text]
    lacking = [i for i, j in enumerate(judged) if "H200" not in j.candidate.text]
    assert holding and lacking
    assert max(logits[holding]) > max(logits[lacking])


def test_rows_follow_the_question_a_sentence_lacking_its_rarest_word_scores_that_lack() -> None:
    from assistant.answer import Candidate, Judgement
    from index.records import Paragraph, Passage

    text = "The ministry approved the export of H200 chips. The weather was mild."
    paragraph = Paragraph(id="a.txt#p1", doc_id="a.txt", text=text, start=0, end=len(text))
    passage = Passage(paragraph, 0.03, dense=0.5, lexical=2.0, rank=0)
    first, second = text.split(". ")
    judged = [
        Judgement(Candidate(first + ".", passage, 0, len(first) + 1), 0.8, 0.9, 0.6, True, True, False),
        Judgement(Candidate(second, passage, len(first) + 2, len(text)), 0.2, 0.1, 0.1, True, True, False),
    ]

    rows = candidate_rows("Which chips did the ministry approve?", judged, lambda t: 1.0, lambda t: True, {})

    missing = FEATURES.index("missing_share")
    assert rows[0, missing] == 0.0 and rows[1, missing] == 1.0
    assert rows[0, FEATURES.index("candidate_rank")] > rows[1, FEATURES.index("candidate_rank")]


@pytest.mark.parametrize("question", ["What is the capital of Australia?", "Who won the 2022 World Cup?"])
def test_a_question_about_something_the_corpus_does_not_cover_abstains(learned_library: Library, question: str) -> None:
    answer = ask(learned_library, question)

    assert answer.abstained and answer.claims == ()
    assert answer.confidence is not None and answer.confidence < THRESHOLD


def test_an_answer_carries_its_probability_and_quotes_one_paragraph(learned_library: Library) -> None:
    answer = ask(learned_library, "Who was the Nvidia boss in Beijing?")

    assert not answer.abstained and "Jensen Huang" in answer.text
    assert answer.confidence is not None and THRESHOLD <= answer.confidence <= 1.0
    assert len(answer.citations) == 1  # a second quote comes only from the best one's paragraph


def test_the_library_uses_the_learned_answerer_when_settings_say_so(
    seeded_library: Library, learned_library: Library
) -> None:
    answer = learned_library.ask("What is the capital of Australia?")

    assert answer.abstained and answer.confidence is not None
    assert seeded_library.ask("What is the capital of Australia?").confidence is None  # the rules decide there


def test_no_passages_is_an_abstention_with_nothing_to_offer(learned_library: Library) -> None:
    answerer, _ = learned(learned_library, "Who was the Nvidia boss in Beijing?")

    answer = answerer.answer("Who was the Nvidia boss in Beijing?", [], np.zeros(384, dtype=np.float32))

    assert answer.abstained and answer.closest == ()
