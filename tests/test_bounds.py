"""Bounds on work (issue 10, item 5): large files report progress, uploads embed unlocked, long questions stop."""

from __future__ import annotations

from pathlib import Path

from conftest import TextCounting, make_settings
from typer.testing import CliRunner

from assistant.cli import app
from assistant.library import Library
from index.embed import Embedder


def report(folder: Path, paragraphs: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    file = folder / "long.txt"
    body = "\n\n".join(
        f"Section {n} of the survey found {n} cracked pillars on the north bridge." for n in range(paragraphs)
    )
    file.write_text("Bridge survey\n\n" + body + "\n", encoding="utf-8")
    return file


def test_a_file_over_the_progress_size_reports_its_embedding_as_it_goes(tmp_path: Path, embedder: Embedder) -> None:
    library = Library(make_settings(tmp_path / "data", progress_above_mb=0.001))
    library._embedder = embedder  # type: ignore[misc]
    lines: list[str] = []

    library.index([report(tmp_path / "corpus", 40)], notice=lines.append)

    assert lines and all(line.startswith("embedding long.txt: ") for line in lines)
    assert lines[-1].split(": ")[1].split(" of ")[0] == lines[-1].split(" of ")[1].split(" ")[0]  # n of n at the end


def test_a_small_file_prints_no_progress_lines(tmp_path: Path, embedder: Embedder) -> None:
    library = Library(make_settings(tmp_path / "data"))
    library._embedder = embedder  # type: ignore[misc]
    lines: list[str] = []

    library.index([report(tmp_path / "corpus", 3)], notice=lines.append)

    assert lines == []


def test_vectors_embedded_ahead_leave_nothing_to_embed_under_the_write_lock(tmp_path: Path, embedder: Embedder) -> None:
    counting = TextCounting(embedder)
    library = Library(make_settings(tmp_path / "data"))
    library._embedder = counting  # type: ignore[misc]
    file = report(tmp_path / "corpus", 12)

    ahead = library.embed_ahead([file])
    before = counting.embedded
    result = library.index([file], ahead=ahead)

    assert result.added == ("long.txt",) and before > 0
    assert counting.embedded == before, "index() embedded again what embed_ahead had done"
    direct = Library(make_settings(tmp_path / "direct"))
    direct._embedder = embedder  # type: ignore[misc]
    direct.index([file])
    assert [p.text for p in direct.paragraphs("long.txt")] == [p.text for p in library.paragraphs("long.txt")]


def test_embedding_ahead_a_file_already_indexed_as_it_is_embeds_nothing(tmp_path: Path, embedder: Embedder) -> None:
    # A re-upload of the same bytes: index() would skip it, so its vectors ahead are wasted work.
    counting = TextCounting(embedder)
    library = Library(make_settings(tmp_path / "data"))
    library._embedder = counting  # type: ignore[misc]
    file = report(tmp_path / "corpus", 12)
    library.index([file])
    before = counting.embedded

    ahead = library.embed_ahead([file])

    assert ahead == {} and counting.embedded == before
    file.write_text(file.read_text(encoding="utf-8") + "\nOne pillar was repaired.\n", encoding="utf-8")
    assert library.embed_ahead([file]) and counting.embedded > before  # an edited file is embedded ahead


def test_briefing_ask_refuses_a_question_over_the_limit_naming_the_setting(
    tmp_path: Path, seeded_library: Library
) -> None:
    env = {"BRIEFING_DATA_DIR": str(seeded_library.settings.data_dir), "BRIEFING_MAX_QUESTION_CHARS": "50"}

    result = CliRunner().invoke(app, ["ask", "why " * 40], env=env)

    assert result.exit_code == 2
    assert "the limit is 50" in result.output and "BRIEFING_MAX_QUESTION_CHARS" in result.output
