"""Question files: what loads, and what a bad line is told about (file, line, field)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals.cases import CaseFileError, load_cases

REPO = Path(__file__).resolve().parent.parent
GOOD = {
    "id": "reserve-draw",
    "question": "How much was drawn from the reserve?",
    "answers": ["4 million dollars"],
    "evidence": ["drew 4 million dollars from the rainy-day reserve"],
    "answerable": True,
    "tags": ["numeric"],
}
UNANSWERABLE = {
    "id": "chief",
    "question": "Who is the police chief?",
    "answers": [],
    "evidence": [],
    "answerable": False,
}


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "questions.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_valid_file_loads_every_case_in_order(tmp_path: Path) -> None:
    path = write_lines(tmp_path, json.dumps(GOOD), "", json.dumps(UNANSWERABLE))

    cases = load_cases(path)

    assert [c.id for c in cases] == ["reserve-draw", "chief"]
    assert cases[0].answers == ("4 million dollars",)
    assert cases[1].answerable is False and cases[1].tags == ()


def test_the_committed_question_file_loads_with_answerable_and_unanswerable_cases() -> None:
    cases = load_cases(REPO / "evals" / "questions.jsonl")

    assert len(cases) >= 92
    assert sum(c.answerable for c in cases) > 0 and sum(not c.answerable for c in cases) > 0


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ('{"id": "x", "question": ', "", "not valid JSON"),
        ('["a list", "not a case"]', "", "expected a JSON object"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "question"}), "question", "missing"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "answerable"}), "answerable", "missing"),
        (json.dumps({**GOOD, "answers": []}), "answers", "needs at least one answer"),
        (json.dumps({**GOOD, "evidence": []}), "evidence", "needs at least one evidence"),
        (json.dumps({**UNANSWERABLE, "answers": ["Dana Holt"]}), "answers", "unanswerable case must have no"),
        (json.dumps({**GOOD, "answerable": "true"}), "answerable", "boolean"),
        (json.dumps({**GOOD, "answers": ["4 million", " "]}), "answers", "empty"),
        (json.dumps({**GOOD, "answer": ["typo"]}), "answer", "unknown field"),
        (json.dumps({**GOOD, "id": ""}), "id", "at least 1 character"),
    ],
)
def test_a_bad_line_is_reported_with_file_line_and_field(tmp_path: Path, line: str, field: str, message: str) -> None:
    path = write_lines(tmp_path, json.dumps(UNANSWERABLE), line)

    with pytest.raises(CaseFileError) as raised:
        load_cases(path)

    text = str(raised.value)
    assert text.startswith(f"{path}:2: ")
    if field:
        assert text.startswith(f"{path}:2: {field}: ")
    assert message in text


def test_a_repeated_id_names_the_line_that_first_used_it(tmp_path: Path) -> None:
    path = write_lines(tmp_path, json.dumps(GOOD), json.dumps(UNANSWERABLE), json.dumps(GOOD))

    with pytest.raises(CaseFileError, match=r":3: id: 'reserve-draw' is already used on line 1"):
        load_cases(path)


def test_line_numbers_count_blank_lines_so_they_match_an_editor(tmp_path: Path) -> None:
    path = write_lines(tmp_path, json.dumps(GOOD), "", "", "{broken")

    with pytest.raises(CaseFileError, match=r"questions\.jsonl:4: not valid JSON"):
        load_cases(path)


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_a_file_without_cases_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "empty.jsonl"
    path.write_text(content)

    with pytest.raises(CaseFileError, match="no cases"):
        load_cases(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match=r"nope\.jsonl: cannot read"):
        load_cases(tmp_path / "nope.jsonl")
