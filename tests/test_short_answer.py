"""The short answer: who, which, when, where and how-much questions lead with the words of the quote that answer."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEEDS, make_settings

from assistant.library import Library
from assistant.render_chat import answer_html, conversation_markdown
from assistant.short_answer import asks_for, pick_span, with_short_answer
from index.embed import Embedder
from index.entities import shared_tagger
from index.records import Entity


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who was the Nvidia boss in Beijing?", "person"),
        ("To whom did Chopin write the letter?", "person"),
        ("When did the talks collapse?", "time"),
        ("In what year did the court rule?", "time"),
        ("Which month was the deal signed in?", "time"),
        ("Where was the summit held?", "place"),
        ("How many people were tested?", "count"),
        ("How much money did China lend?", "money"),
        ("How much did the deal cost?", "money"),
        ("How much rain fell?", "amount"),
        ("What percentage of homes have broadband?", "percent"),
        ("Which judge handled the case?", "thing"),
        ("The single was featured in which movie?", "thing"),
        ("Why did the judge dismiss the filing?", None),
        ("How did the market react?", None),
        ("What is the protocol about?", None),
        ("What did Xi say about Taiwan?", None),
    ],
)
def test_the_question_says_what_kind_of_span_answers_it(question: str, kind: str | None) -> None:
    asks = asks_for(question)

    assert (asks.kind if asks else None) == kind


@pytest.mark.parametrize(
    ("question", "sentence", "span"),
    [
        (
            "Which judge handled the case?",
            "The case was heard by Judge Letitia Clark in Austin on Monday.",
            "Letitia Clark",
        ),
        ("Which network broadcast the interview?", "The interview was broadcast by CNBC on Tuesday evening.", "CNBC"),
        # The person the question names is its subject, not its answer.
        ("Who did Jensen Huang meet in Beijing?", "In Beijing, Jensen Huang met Xi Jinping for an hour.", "Xi Jinping"),
        # The small model leaves the currency sign out of the entity; the answer keeps it.
        ("How much did China lend to Brazil?", "China lent $6bn to Brazil in 2010, officials said.", "$6bn"),
        # The small model runs the date on into "after a row"; the answer stops at the date.
        ("When did the talks collapse?", "The talks collapsed on 19 December after a row over tariffs.", "19 December"),
        (
            "How many people were tested for TB?",
            "Last year 185,000 people were tested for TB at two airports.",
            "185,000 people",
        ),
        # "which X": the phrase of the sentence that names an X, the question's own words left out of it.
        (
            "Which embassy did the court reject?",
            "In 1521 the court rejected the Portuguese embassy outright.",
            "the Portuguese embassy",
        ),
        (
            "Which Nvidia chip was cleared for sale?",
            "Washington cleared sales of Nvidia H200 AI chips to Chinese firms.",
            "H200 AI chips",
        ),
    ],
)
def test_the_span_is_the_entity_or_phrase_that_answers(question: str, sentence: str, span: str) -> None:
    (entities,) = shared_tagger().entities([sentence])

    found = pick_span(question, sentence, entities)

    assert found is not None
    assert found.text == span
    assert sentence[found.start : found.end] == span


def test_a_what_question_whose_noun_names_no_kind_of_entity_is_answered_only_by_a_phrase_headed_by_it() -> None:
    # "what theme": no entity type is a theme, so "Beyoncé" is not the answer; "what company" asks for an ORG.
    sentence = "Her early music with Beyoncé explored the theme of female empowerment."
    (entities,) = shared_tagger().entities([sentence])

    assert pick_span("What theme did her early music explore?", sentence, entities) is None
    company = "The case was brought by Advanced Audio Devices in Texas."
    (entities,) = shared_tagger().entities([company])
    found = pick_span("What company brought the case?", company, entities)
    assert found is not None and found.text == "Advanced Audio Devices"


def test_a_sentence_holding_nothing_of_the_kind_asked_gives_no_span() -> None:
    sentence = "The case was dismissed because the filing came too late."
    (entities,) = shared_tagger().entities([sentence])

    assert pick_span("Which judge handled the case?", sentence, entities) is None
    assert pick_span("Why was the case dismissed?", sentence, entities) is None


def test_an_answer_to_a_who_question_leads_with_the_name_inside_its_quote(seeded_library: Library) -> None:
    answer = seeded_library.ask("Who was the Nvidia boss in Beijing?")

    short = answer.short_answer
    assert short is not None
    assert short.text == "Jensen Huang"
    assert short.label == "PERSON"
    cited = next(c.paragraph for c in answer.citations if c.paragraph.id == short.paragraph_id)
    assert cited.text[short.start : short.end] == "Jensen Huang"  # offsets into the cited paragraph
    claim = answer.claims[short.claim].text
    assert claim[short.in_claim : short.in_claim + len(short.text)] == "Jensen Huang"


def test_the_chat_shows_the_short_answer_first_and_marks_it_in_the_quote(seeded_library: Library) -> None:
    answer = seeded_library.ask("Who was the Nvidia boss in Beijing?")

    html = answer_html(answer, 0)

    assert html.startswith('<div class="short-answer"><strong>Jensen Huang</strong></div>')
    assert '<mark class="short-answer">Jensen Huang</mark> was himself in Beijing' in html


def test_the_exported_conversation_leads_the_answer_with_its_short_answer(seeded_library: Library) -> None:
    answer = seeded_library.ask("Who was the Nvidia boss in Beijing?")

    markdown = conversation_markdown([answer])

    assert f"## 1. {answer.question}\n\n**Jensen Huang**\n\n{answer.text}\n" in markdown


def test_a_why_question_and_an_abstention_have_no_short_answer(seeded_library: Library) -> None:
    why = seeded_library.ask("Why did the talks matter?")
    off_topic = seeded_library.ask("Who won the 1998 football World Cup?")

    assert why.short_answer is None
    assert off_topic.abstained and off_topic.short_answer is None
    assert "<mark" not in answer_html(why, 0)


def test_indexing_stores_each_paragraphs_entities_with_it(seeded_library: Library) -> None:
    answer = seeded_library.ask("Who was the Nvidia boss in Beijing?")
    paragraph = answer.citations[0].paragraph

    stored = seeded_library.store.paragraph_entities([paragraph])[paragraph.id]

    assert stored is not None
    assert ("Jensen Huang", "PERSON") in {(e.text, e.label) for e in stored}
    assert all(paragraph.text[e.start : e.end] == e.text for e in stored)


def test_a_paragraph_stored_without_entities_is_tagged_when_a_question_needs_them(seeded_library: Library) -> None:
    answer = seeded_library.ask("Who was the Nvidia boss in Beijing?")
    tagged: list[str] = []

    def tag(texts: list[str]) -> list[tuple[Entity, ...]]:
        tagged.extend(texts)
        return shared_tagger().entities(texts)

    again = with_short_answer(
        answer, lambda paragraphs: dict.fromkeys(p.id for p in paragraphs), tag
    )  # an older row: nothing stored

    assert tagged == [answer.citations[0].paragraph.text]
    assert again.short_answer == answer.short_answer


def test_a_cold_ask_of_a_who_question_gets_its_short_answer_without_loading_spacy(seeded_library: Library) -> None:
    # Entities come from the store: a one-shot `briefing ask` must not pay spaCy's 0.8 s load for them.
    script = (
        "import sys\n"
        "from assistant.library import Library\n"
        "from assistant.settings import Settings\n"
        f"s = Settings(_env_file=None, data_dir={str(seeded_library.settings.data_dir)!r})\n"
        f"a = Library(s, {seeded_library.collection!r}).ask('Who was the Nvidia boss in Beijing?')\n"
        "assert a.short_answer is not None and a.short_answer.text == 'Jensen Huang', a.short_answer\n"
        "assert 'spacy' not in sys.modules, 'spaCy was imported'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=180, env=env)

    assert done.returncode == 0, done.stderr


def test_with_ingest_entities_off_nothing_is_stored_and_the_quote_is_tagged_when_asked(
    tmp_path: Path, embedder: Embedder
) -> None:
    library = Library(make_settings(tmp_path, ingest_entities=False))
    library._embedder = embedder  # type: ignore[misc]
    library.index([SEEDS])

    answer = library.ask("Who was the Nvidia boss in Beijing?")

    paragraph = answer.citations[0].paragraph
    assert library.store.paragraph_entities([paragraph]) == {paragraph.id: None}
    assert answer.short_answer is not None and answer.short_answer.text == "Jensen Huang"
