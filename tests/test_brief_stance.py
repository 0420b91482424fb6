"""Claims against denials in briefs (assistant/brief/stance.py): negated acts, deniers, and whose words are denied."""

from __future__ import annotations

import pytest
from conftest import fixture_paragraphs

from assistant.brief import Brief, brief_from_paragraphs
from assistant.brief.stance import _attributed, _deniers
from index.embed import Embedder


def _brief(embedder: Embedder, docs: dict[str, list[str]]) -> Brief:
    return brief_from_paragraphs(fixture_paragraphs(docs), embedder.embed)


CUTS = {
    "a.txt": ["Labour leader Sam Reed said the Greens would cut £40bn from schools and hospitals if elected in May."],
    "b.txt": [
        "The Greens said they would not cut spending on schools and hospitals, and accused Labour of scaremongering."
    ],
}


def test_an_actor_said_to_do_a_thing_and_saying_it_will_not_disagree(embedder: Embedder) -> None:
    negated = [d for d in _brief(embedder, CUTS).disagreements if d.kind == "negated"]
    assert [d.question for d in negated] == ["Would Greens cut, or not?"]
    assert "would not cut" in negated[0].contrary[0].text and "would cut £40bn" in negated[0].asserted.text


def test_a_negation_said_by_a_speaker_of_someone_elses_words_is_not_the_speakers_act(embedder: Embedder) -> None:
    docs = {**CUTS, "b.txt": ["The Greens said Labour's figures do not cut spending on schools and hospitals in May."]}
    assert [d.kind for d in _brief(embedder, docs).disagreements if d.kind == "negated"] == []


def test_what_is_not_done_to_an_actor_is_not_an_act_of_theirs(embedder: Embedder) -> None:
    docs = {
        "a.txt": ["Labour has lost trust over schools and hospitals, the Green leader Ann Cole said on Friday."],
        "b.txt": ["Labour cannot be trusted with the money for schools and hospitals, Ann Cole told delegates."],
    }  # the two agree: "cannot be trusted" is what voters do not do, not what Labour does not
    assert [d.kind for d in _brief(embedder, docs).disagreements if d.kind == "negated"] == []


@pytest.mark.parametrize(
    ("text", "people", "deniers"),
    [("The UK envoy met Ann Cole. She rejected the plan.", frozenset({"Ann Cole"}), {"Ann Cole"}),
     ("The UK envoy met Ann Cole. She rejected the plan.", frozenset(), {"UK"}),
     ("Only workers the UK needs will get permits. But he rejected a quota.", frozenset({"Ann Cole"}), set()),
     ("Ann Cole said the UK rejected the plan.", frozenset({"Ann Cole"}), {"UK"})],
)  # fmt: skip
def test_the_denier_is_the_nearest_subject_in_the_verbs_own_sentence(
    text: str, people: frozenset[str], deniers: set[str]
) -> None:
    assert _deniers(text, {"UK", "Ann Cole"}, people) == deniers


def test_a_denial_that_names_whose_words_it_denies_is_not_a_denial_of_anyone_elses(embedder: Embedder) -> None:
    text = "Ann Cole dismissed fears from some Greens that her plans for £4bn of tax cuts are too modest."
    assert _attributed(text, {"Ann Cole", "Greens"}) == {"Greens"}
    docs = {
        "a.txt": ["Ann Cole has set out her plans for £4bn of tax cuts at a rally in Leeds on Monday."],
        "b.txt": [text],
    }
    assert [d.kind for d in _brief(embedder, docs).disagreements if d.kind == "denial"] == []
    docs["a.txt"] = ["The Greens say the plans of Ann Cole for £4bn of tax cuts were drawn up in secret by aides."]
    docs["b.txt"] = ["Ann Cole dismissed claims that her tax plans were drawn up in secret."]
    assert [d.kind for d in _brief(embedder, docs).disagreements if d.kind == "denial"] == ["denial"]


def test_a_surveys_share_after_however_is_not_an_actor_answering(embedder: Embedder) -> None:
    docs = {
        "a.txt": [
            "Digital cameras were the top gadget of the year for most people in the Jupiter poll, Jupiter said. "
            "However, only 25% of Britons said a digital camera would be their top gadget of the year."
        ],
        "b.txt": ["The Jupiter poll asked 20,000 people in 20 countries which gadget they wanted this year."],
    }
    assert [d.kind for d in _brief(embedder, docs).disagreements if d.kind == "counterclaim"] == []
