"""The notebook registry: named corpora in the data folder, each with a collection of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEEDS, make_settings

from assistant.notebooks import NotebookError, Notebooks


@pytest.fixture
def registry(tmp_path: Path) -> Notebooks:
    return Notebooks(make_settings(tmp_path / "data"))


def test_the_seeds_are_the_default_notebook_before_anything_is_made(registry: Notebooks) -> None:
    (only,) = registry.all()

    assert (only.name, only.collection, only.default) == ("seeds", "seeds", True)
    assert only.folder == str(SEEDS.resolve())


def test_a_folder_outside_the_corpus_gets_a_notebook_named_after_it_once(registry: Notebooks, tmp_path: Path) -> None:
    folder = tmp_path / "oil-news"
    folder.mkdir()

    made, new = registry.for_folder(folder)
    again, new_again = registry.for_folder(folder)

    assert (made.name, new, new_again) == ("oil-news", True, False)
    assert again == made and made.collection not in {"seeds"}


def test_the_registry_survives_a_restart(registry: Notebooks, tmp_path: Path) -> None:
    registry.create("Harbour reports")

    reopened = Notebooks(registry.settings)

    assert [n.name for n in reopened.all()] == ["seeds", "Harbour reports"]


def test_names_whose_collections_would_clash_get_distinct_collections(registry: Notebooks) -> None:
    first = registry.create("a b")
    second = registry.create("a-b")

    assert first.collection != second.collection


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "not valid"), ("x" * 61, "not valid"), ("../etc", "not valid"), ("seeds", "exists already")],
)
def test_a_bad_or_taken_name_is_refused_saying_why(registry: Notebooks, name: str, message: str) -> None:
    with pytest.raises(NotebookError, match=message):
        registry.create(name)


def test_an_unreadable_registry_is_reported_naming_the_file(registry: Notebooks) -> None:
    registry.path.parent.mkdir(parents=True, exist_ok=True)
    registry.path.write_text("{not json", encoding="utf-8")

    with pytest.raises(NotebookError, match=r"notebooks\.json is unreadable"):
        registry.all()


def test_a_notebooks_settings_carry_its_collection_and_folder(registry: Notebooks, tmp_path: Path) -> None:
    made = registry.create("Harbour", tmp_path)

    settings = made.settings(registry.settings)

    assert (settings.collection, settings.corpus_dir) == (made.collection, tmp_path.resolve())


def test_a_folder_named_like_another_notebooks_is_refused_unless_the_notebook_is_named(
    registry: Notebooks, tmp_path: Path
) -> None:
    (tmp_path / "a" / "docs").mkdir(parents=True)
    (tmp_path / "b" / "docs").mkdir(parents=True)
    first, _ = registry.for_folder(tmp_path / "a" / "docs")

    with pytest.raises(NotebookError, match="--notebook"):
        registry.for_folder(tmp_path / "b" / "docs")
    chosen, made = registry.for_folder(tmp_path / "b" / "docs", name="docs")

    assert (chosen, made) == (first, False)
