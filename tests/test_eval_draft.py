"""Drafted question sets: templates by entity type and position, unanswerable swaps, review, the runner's refusal."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.cli import app
from evals.cases import load_cases
from evals.draft import Sentence, _swap, corpus_sentences, draft_cases, question_for
from evals.run import EvalError, run_eval
from index.entities import Tagger
from index.records import Entity, Word

SECOND = Path(__file__).resolve().parent / "fixtures" / "second_corpus"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def sentence(tagger: Tagger, text: str) -> Sentence:
    words, entities = tagger.tagged([text])[0]
    return Sentence("doc.txt", text, words, entities)


@pytest.mark.parametrize(
    ("text", "answer", "question"),
    [
        ("Thomas Newman returned as the film's composer.", "Thomas Newman", "Who returned as the film's composer?"),
        (
            "On 24 August 2006, Apple and Creative announced a broad settlement.",
            "24 August 2006",
            "Apple and Creative announced a broad settlement on what date?",
        ),
        ("The library opened in 1961 after a campaign.", "1961", "The library opened in what year after a campaign?"),
        (
            "The council drew 4 million dollars from the reserve.",
            "4 million dollars",
            "The council drew how much money from the reserve?",
        ),
    ],
)  # fmt: skip
def test_a_question_asks_for_the_span_by_its_type_and_place(
    tagger: Tagger, text: str, answer: str, question: str
) -> None:
    parsed = sentence(tagger, text)
    entity = next(e for e in parsed.entities if e.text == answer)

    asked = question_for(parsed, entity)

    assert asked is not None and asked[0] == question


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("The player reads MP3, WAV, AIFF and AAC files.", "WAV"),  # a list item: its siblings answer as well
        ("Apple notebook sales rose sharply in the third quarter.", "Apple"),  # a modifier, not the thing asked
        ("Hewlett-Packard (HP) announced a licence agreement with the firm.", "Hewlett-Packard"),  # given away
    ],
)
def test_spans_that_make_ambiguous_or_broken_questions_are_not_asked(tagger: Tagger, text: str, span: str) -> None:
    parsed = sentence(tagger, text)
    entities = [e for e in parsed.entities if e.text == span]

    assert all(question_for(parsed, e) is None for e in entities)


def test_drafts_from_a_corpus_are_valid_unreviewed_cases_whose_evidence_is_in_it(
    tagger: Tagger, tmp_path: Path
) -> None:
    sentences = corpus_sentences(SECOND / "docs", tagger)

    drafts = draft_cases(sentences, 12)

    path = tmp_path / "draft.jsonl"
    path.write_text("".join(json.dumps(d.as_json()) + "\n" for d in drafts))
    cases = load_cases(path)
    assert 6 <= len(cases) <= 12 and all(not case.reviewed for case in cases)
    assert len({case.id for case in cases}) == len(cases)
    corpus = " ".join(" ".join(p.read_text().split()) for p in (SECOND / "docs").iterdir())
    for case in cases:
        assert "drafted" in case.tags and case.question.endswith("?")
        if case.answerable:
            assert all(snippet in corpus for snippet in case.evidence)
            assert all(alias in case.evidence[0] for alias in case.answers)
            assert case.answers[0] not in case.question


def test_an_unanswerable_draft_swaps_in_a_name_the_corpus_never_pairs_with_the_context(tagger: Tagger) -> None:
    texts = [
        "Ines Barlow appointed Tomas Reyes to the water board.",
        "Dan Price chairs the water board.",
        "Carla Mendes walked her dog along the river.",
        "Carla Mendes sang at the river festival.",
        "Dan Price spoke at the festival.",
    ]
    sentences = [sentence(tagger, t) for t in texts]

    drafts = draft_cases(sentences, 4)

    swaps = [d for d in drafts if not d.answerable]
    assert len(swaps) == 1, [d.question for d in drafts]
    # Dan Price is named beside the water board, so only Carla Mendes (tagged twice) may stand in there
    assert "Carla Mendes" in swaps[0].question and "water board" in swaps[0].question
    assert swaps[0].answers == () and swaps[0].evidence == ()


def hand_tagged(text: str, tags: str, names: dict[str, str]) -> Sentence:
    """A sentence tagged by hand (word/POS/Penn tag), so the test does not depend on the NER model's labels."""
    words, cursor = [], 0
    for token, tag in zip(text.replace(".", " .").split(), tags.split(), strict=True):
        start = text.index(token, cursor)
        cursor = start + len(token)
        pos, penn = tag.split("/")
        words.append(Word(token, pos, penn, start, cursor))
    entities = tuple(
        Entity(name, label, text.index(name), text.index(name) + len(name)) for name, label in names.items()
    )
    return Sentence("doc.txt", text, tuple(words), entities)


def test_an_unanswerable_draft_never_swaps_in_another_form_of_the_same_name() -> None:
    appointed = hand_tagged(
        "Dan Price appointed Atticus as chairman.",
        "PROPN/NNP PROPN/NNP VERB/VBD PROPN/NNP ADP/IN NOUN/NN PUNCT/.",
        {"Dan Price": "PERSON", "Atticus": "PERSON"},
    )
    others = [
        hand_tagged(
            f"{name} {verb} home.", "PROPN/NNP " * len(name.split()) + "VERB/VBD ADV/RB PUNCT/.", {name: "PERSON"}
        )
        for name in ("Finch", "Carla Mendes", "Atticus Finch")
        for verb in ("walked", "drove")
    ]
    corpus = [appointed, *others]
    answer = appointed.entities[0]

    swaps = {
        _swap(appointed, answer, "Who appointed Atticus as chairman?", corpus, random.Random(seed))
        for seed in range(20)
    }

    # "Finch" is Atticus again (the corpus names "Atticus Finch"), so the question would still be answerable
    assert swaps == {"Who appointed Carla Mendes as chairman?"}


def test_the_runner_refuses_unreviewed_cases_unless_drafts_are_allowed(tmp_path: Path) -> None:
    from conftest import make_settings

    path = tmp_path / "draft.jsonl"
    path.write_text(
        '{"id": "d1", "question": "In what year did the Eastgate branch open?", "answers": ["1961"], '
        '"evidence": ["The branch, which opened in 1961"], "answerable": true, "reviewed": false}\n'
    )

    with pytest.raises(EvalError, match=r"1 drafted cases are not reviewed \(d1\).*--allow-drafts"):
        run_eval(make_settings(tmp_path / "data"), path, SECOND / "docs")
    assert not (tmp_path / "data").exists()  # refused before indexing anything


def test_review_accepts_edits_drops_and_skips_with_one_key_each_from_piped_input(tmp_path: Path) -> None:
    rows = [
        {"id": f"d{n}", "question": f"Question {n}?", "answers": [f"answer {n}"], "evidence": [f"evidence {n}"],
         "answerable": True, "reviewed": False}
        for n in range(1, 6)
    ]  # fmt: skip
    rows.insert(0, {"id": "human", "question": "Q?", "answers": ["x"], "evidence": ["x"], "answerable": True})
    path = tmp_path / "draft.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # d1 accept; d2 edit (new question, answers kept); d3 drop; an unknown key, then d4 skip; quit before d5
    keys = "a\ne\nIn what year did it open?\n\nd\nz\ns\nq\n"

    result = CliRunner().invoke(app, ["eval", "review", str(path)], input=keys)

    assert result.exit_code == 0, result.output
    assert "accepted 1, edited 1, dropped 1, left unreviewed 2" in result.output
    assert "keys: [a]ccept" in result.output  # the unknown key was answered with the keys
    after = {row["id"]: row for row in map(json.loads, path.read_text().splitlines())}
    assert list(after) == ["human", "d1", "d2", "d4", "d5"]
    assert after["d1"]["reviewed"] is True and after["d1"]["question"] == "Question 1?"
    assert after["d2"] == {**rows[2], "question": "In what year did it open?", "reviewed": True}
    assert after["d4"]["reviewed"] is False and after["d5"]["reviewed"] is False
    assert "reviewed" not in after["human"]


def test_briefing_eval_draft_writes_a_question_file_the_runner_accepts_with_allow_drafts(tmp_path: Path) -> None:
    out = tmp_path / "draft.jsonl"

    result = CliRunner().invoke(app, ["eval", "draft", "--corpus", str(SECOND / "docs"), "--out", str(out), "--n", "8"])

    assert result.exit_code == 0, result.output
    assert "all unreviewed" in result.output
    assert all(not case.reviewed for case in load_cases(out))


def test_briefing_eval_draft_never_overwrites_an_existing_file_without_force(tmp_path: Path) -> None:
    out = tmp_path / "reviewed.jsonl"
    out.write_text('{"id": "mine"}\n')
    args = ["eval", "draft", "--corpus", str(SECOND / "docs"), "--out", str(out), "--n", "4"]

    refused = CliRunner().invoke(app, args)

    assert refused.exit_code == 2 and "exists; choose another --out, or pass --force" in " ".join(
        refused.output.split()
    )
    assert out.read_text() == '{"id": "mine"}\n'
    assert CliRunner().invoke(app, [*args, "--force"]).exit_code == 0
    assert "mine" not in out.read_text()
