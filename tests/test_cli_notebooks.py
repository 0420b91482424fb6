"""Notebooks on the command line: a second folder becomes its own notebook and never mixes with the seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from conftest import REPO
from test_cli import H200_QUESTION, briefing

OTHER = REPO / "tests" / "fixtures" / "second_corpus" / "docs"


def ask_json(data_dir: Path, *args: str) -> dict[str, object]:
    result = briefing(data_dir, "ask", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def answer_of(reply: dict[str, object]) -> tuple[object, ...]:
    return reply["answer"], [c["paragraph_id"] for c in reply["citations"]]  # type: ignore[union-attr,index]


@pytest.fixture(scope="module")
def two_notebooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object], Result]:
    """The seeds indexed and asked; then another folder indexed beside them."""
    data_dir = tmp_path_factory.mktemp("notebooks")
    folder = tmp_path_factory.mktemp("elsewhere") / "council"
    shutil.copytree(OTHER, folder)
    assert briefing(data_dir, "index").exit_code == 0
    before = ask_json(data_dir, H200_QUESTION)
    indexed = briefing(data_dir, "index", str(folder))
    return data_dir, before, indexed


def test_indexing_another_folder_makes_a_notebook_named_after_it_and_says_so(
    two_notebooks: tuple[Path, dict[str, object], Result],
) -> None:
    _, _, indexed = two_notebooks

    assert indexed.exit_code == 0, indexed.output
    assert "notebook 'council' (new)" in indexed.output
    assert "4 added" in indexed.output


def test_the_seeds_answers_are_unchanged_after_another_folder_is_indexed(
    two_notebooks: tuple[Path, dict[str, object], Result],
) -> None:
    data_dir, before, _ = two_notebooks

    after = ask_json(data_dir, H200_QUESTION)

    assert answer_of(after) == answer_of(before)
    assert all(not p["doc"].endswith(".md") for p in after["passages"])  # type: ignore[attr-defined,index]


def test_notebooks_lists_each_with_its_own_document_and_paragraph_counts(
    two_notebooks: tuple[Path, dict[str, object], Result],
) -> None:
    data_dir, _, _ = two_notebooks

    rows = [line.split("\t") for line in briefing(data_dir, "notebooks").stdout.splitlines()]

    assert [row[0] for row in rows] == ["seeds (default)", "council"]
    assert [row[1] for row in rows] == ["3 documents", "4 documents"]
    assert rows[0][4] != rows[1][4], "each notebook has a collection of its own"


def test_documents_of_each_notebook_are_its_own_only(two_notebooks: tuple[Path, dict[str, object], Result]) -> None:
    data_dir, _, _ = two_notebooks

    seeds = briefing(data_dir, "documents").stdout.splitlines()
    council = briefing(data_dir, "documents", "--notebook", "council").stdout.splitlines()

    assert len(seeds) == 3 and all(line.split("\t")[0].endswith(".txt") for line in seeds)
    assert sorted(line.split("\t")[0] for line in council) == sorted(p.name for p in OTHER.iterdir())


def test_asking_the_other_notebook_cites_only_its_documents(
    two_notebooks: tuple[Path, dict[str, object], Result],
) -> None:
    data_dir, _, _ = two_notebooks
    council = {p.name for p in OTHER.iterdir()}

    reply = ask_json(data_dir, "--notebook", "council", "What did the council decide about the Eastgate library?")

    assert not reply["abstained"]
    assert {c["doc"] for c in reply["citations"]} <= council  # type: ignore[attr-defined,index]


def test_an_unknown_notebook_exits_2_naming_the_known_ones(
    two_notebooks: tuple[Path, dict[str, object], Result],
) -> None:
    result = briefing(two_notebooks[0], "ask", "--notebook", "nope", "Who?")

    assert result.exit_code == 2
    assert "no notebook named 'nope'" in result.output and "council" in result.output


def test_a_second_folder_of_the_same_name_is_refused_rather_than_mixed_in(
    two_notebooks: tuple[Path, dict[str, object], Result], tmp_path: Path
) -> None:
    data_dir, _, _ = two_notebooks
    twin = tmp_path / "council"
    twin.mkdir()
    (twin / "x.md").write_text("# X\n\nThe harbour opens at dawn.\n", encoding="utf-8")

    result = briefing(data_dir, "index", str(twin))

    assert result.exit_code == 2
    assert "--notebook" in result.output
    assert len(briefing(data_dir, "documents", "--notebook", "council").stdout.splitlines()) == 4


def test_ask_with_doc_and_dates_answers_only_from_that_document_and_names_the_filter(
    two_notebooks: tuple[Path, dict[str, object], Result],
) -> None:
    data_dir, before, _ = two_notebooks
    other = next(p["doc"] for p in before["passages"] if p["doc"] != before["citations"][0]["doc"])  # type: ignore[index,union-attr,attr-defined]

    reply = ask_json(data_dir, H200_QUESTION, "--doc", other, "--since", "2026-05-01", "--until", "2026-05-31")

    assert {p["doc"] for p in reply["passages"]} == {other}  # type: ignore[attr-defined,index]
    assert reply["notes"][0].startswith("Answered only from 1 selected document")  # type: ignore[index]
    assert "dated 2026-05-01 to 2026-05-31" in reply["notes"][0]  # type: ignore[index]


def test_ask_with_a_bad_date_exits_2_naming_the_option(two_notebooks: tuple[Path, dict[str, object], Result]) -> None:
    result = briefing(two_notebooks[0], "ask", H200_QUESTION, "--since", "May 2026")

    assert result.exit_code == 2
    assert "since date 'May 2026' is not a date" in result.output
