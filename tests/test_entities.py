"""The spaCy boundary: entity types and word tags from the pinned en_core_web_sm pipeline."""

from __future__ import annotations

import subprocess
import sys

import pytest

from index.entities import EXPECTED_META, Tagger


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger()


def test_the_pipeline_is_the_pinned_one(tagger: Tagger) -> None:
    assert tagger.nlp.meta["name"] == EXPECTED_META["name"] and tagger.nlp.meta["version"] == "3.8.0"
    assert "parser" not in tagger.nlp.pipe_names and "ner" in tagger.nlp.pipe_names


@pytest.mark.parametrize(
    ("text", "span", "label"),
    [
        ("The case was heard by Judge Letitia Clark in Houston.", "Letitia Clark", "PERSON"),
        ("Yukos was sold for $9.35bn on Sunday.", "9.35bn", "MONEY"),
        ("The auction took place on 19 December.", "19 December", "DATE"),
    ],
)
def test_entities_carry_their_type_and_offsets(tagger: Tagger, text: str, span: str, label: str) -> None:
    (found,) = tagger.entities([text])
    match = [e for e in found if span in e.text]
    assert match and match[0].label == label
    assert text[match[0].start : match[0].end] == match[0].text


def test_a_question_comes_back_as_tagged_words(tagger: Tagger) -> None:
    words, _ = tagger.words("Which judge handled the case?")
    assert [w.text for w in words][:2] == ["Which", "judge"]
    assert words[0].tag == "WDT" and words[1].pos == "NOUN"


def test_loading_the_pipeline_leaves_torch_unimported_and_still_importable() -> None:
    # thinc imports torch when it is installed; spaCy's small English pipeline never runs on it (1.2 s).
    script = (
        "import sys\n"
        "from index.entities import Tagger\n"
        "assert Tagger().entities(['Jensen Huang flew to Beijing.'])[0][0].label == 'PERSON'\n"
        "assert 'torch' not in sys.modules, 'spaCy imported torch'\n"
        "import importlib.util\n"
        "if importlib.util.find_spec('torch') is not None:\n"
        "    import torch\n"
        "    assert torch.zeros(1).shape == (1,)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
