"""The command line, driven through typer's CliRunner: index, ask, documents, remove, and their help."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import REPO, SEEDS
from typer.main import get_command
from typer.testing import CliRunner

from assistant.cli import app

SEED_IDS = ("000_e084a2483af8de05.txt", "001_d1faf3667c1376a5.txt", "002_a3f7a866cd068518.txt")
H200_QUESTION = "Which Nvidia chip was cleared for sale to Chinese firms?"
SUMMARY = re.compile(
    r"(?P<added>\d+) added, (?P<updated>\d+) updated, (?P<unchanged>\d+) unchanged, (?P<removed>\d+) removed, "
    r"(?P<failed>\d+) failed; (?P<paragraphs>\d+) paragraphs in '(?P<collection>[^']+)'"
)

runner = CliRunner()


def environment(data_dir: Path) -> dict[str, str | None]:
    """The settings a command sees: this test's data folder, and none of the developer's BRIEFING_* or LLM values."""
    cleared: dict[str, str | None] = {
        key: None for key in os.environ if key.startswith("BRIEFING_") or key.startswith("OPENAI_")
    }
    return cleared | {
        "BRIEFING_DATA_DIR": str(data_dir),
        "BRIEFING_CORPUS_DIR": str(SEEDS),
        "BRIEFING_COLLECTION": "seeds",
        "BRIEFING_ANSWER_MODE": "extractive",
        "BRIEFING_TOP_K": "5",
    }


def briefing(data_dir: Path, *args: str) -> Result:
    return runner.invoke(app, list(args), env=environment(data_dir))


def summary(result: Result) -> dict[str, str]:
    match = SUMMARY.search(result.output)
    assert match, result.output
    return match.groupdict()


@pytest.fixture(scope="module")
def indexed_twice(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Result, Result]]:
    """`briefing index seeds/` run twice into one data folder; later tests only read from it."""
    data_dir = tmp_path_factory.mktemp("cli-data")
    first = briefing(data_dir, "index", str(SEEDS))
    second = briefing(data_dir, "index", str(SEEDS))
    yield data_dir, first, second


@pytest.fixture
def data_dir(indexed_twice: tuple[Path, Result, Result]) -> Path:
    return indexed_twice[0]


@pytest.fixture
def writable_copy(data_dir: Path, tmp_path: Path) -> Path:
    """A copy of the indexed data folder, for commands that change it."""
    shutil.copytree(data_dir, tmp_path / "copy")
    return tmp_path / "copy"


# --- index -----------------------------------------------------------------------------------


def test_indexing_the_seeds_adds_all_three(indexed_twice: tuple[Path, Result, Result]) -> None:
    _, first, _ = indexed_twice

    assert first.exit_code == 0, first.output
    counts = summary(first)
    assert (counts["added"], counts["unchanged"], counts["failed"], counts["collection"]) == ("3", "0", "0", "seeds")
    assert int(counts["paragraphs"]) > 0


def test_indexing_the_seeds_again_leaves_all_three_unchanged(indexed_twice: tuple[Path, Result, Result]) -> None:
    _, first, second = indexed_twice

    assert second.exit_code == 0, second.output
    assert "3 unchanged" in second.output
    counts = summary(second)
    assert (counts["added"], counts["updated"], counts["removed"]) == ("0", "0", "0")
    assert counts["paragraphs"] == summary(first)["paragraphs"]


def test_index_without_paths_indexes_the_configured_corpus(data_dir: Path) -> None:
    result = briefing(data_dir, "index")

    assert result.exit_code == 0, result.output
    assert summary(result)["unchanged"] == "3"


def test_indexing_one_file_of_the_corpus_keeps_the_id_the_folder_gave_it(tmp_path: Path) -> None:
    # Regression: the file's own folder was its root, so corpus/sub/x.md came back as a second document "x.md".
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "x.md").write_text("The harbour opens at dawn.\n", encoding="utf-8")
    env = environment(tmp_path / "data") | {"BRIEFING_CORPUS_DIR": str(corpus)}
    runner.invoke(app, ["index"], env=env)

    result = runner.invoke(app, ["index", str(corpus / "sub" / "x.md")], env=env)
    listed = runner.invoke(app, ["documents"], env=env)

    assert summary(result)["unchanged"] == "1"
    assert [line.split("\t")[0] for line in listed.stdout.splitlines()] == ["sub/x.md"]


def test_a_folder_with_an_empty_file_and_a_corrupt_pdf_exits_1_naming_both(tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "broken.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)

    result = briefing(tmp_path / "data", "index", str(bad))

    assert result.exit_code == 1
    assert "empty.txt" in result.output and "broken.pdf" in result.output
    assert "the file is empty" in result.output and "corrupt PDF" in result.output
    assert summary(result)["failed"] == "2"


# --- ask -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def h200_json(indexed_twice: tuple[Path, Result, Result]) -> dict[str, object]:
    result = briefing(indexed_twice[0], "ask", "--json", H200_QUESTION)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_json_has_exactly_the_documented_keys(h200_json: dict[str, object]) -> None:
    assert set(h200_json) == {
        "question",
        "understood",
        "answer",
        "abstained",
        "confidence",
        "mode",
        "notes",
        "claims",
        "citations",
        "short_answer",
        "closest",
        "passages",
        "timings_ms",
    }
    claims, citations, passages = h200_json["claims"], h200_json["citations"], h200_json["passages"]
    assert isinstance(claims, list) and claims
    assert isinstance(citations, list) and citations
    assert isinstance(passages, list) and passages
    for claim in claims:
        assert set(claim) == {"text", "citations", "supported"}
    for citation in citations:
        assert set(citation) == {"n", "doc", "paragraph_id", "title", "date", "start", "end", "text"}
    for passage in passages:
        assert set(passage) == {"rank", "paragraph_id", "doc", "score", "dense", "lexical", "text"}
    assert set(h200_json["timings_ms"]) == {"retrieve", "answer", "total"}  # type: ignore[arg-type]


def test_ask_json_answers_the_h200_question_with_a_citation_holding_h200(h200_json: dict[str, object]) -> None:
    assert h200_json["question"] == H200_QUESTION
    assert h200_json["abstained"] is False
    assert h200_json["mode"] == "extractive"
    assert "H200" in str(h200_json["answer"])
    citations = h200_json["citations"]
    assert isinstance(citations, list)
    assert any("H200" in c["text"] for c in citations)
    for citation in citations:
        assert citation["doc"] in SEED_IDS
        assert citation["paragraph_id"].startswith(citation["doc"] + "#p")
        assert citation["end"] - citation["start"] == len(citation["text"])
        assert citation["date"] == "2026-05-14"
    by_n = {c["n"]: c["text"] for c in citations}
    claims = h200_json["claims"]
    assert isinstance(claims, list)
    for claim in claims:
        assert all(claim["text"] in by_n[n] for n in claim["citations"])


def test_ask_json_gives_the_short_answer_with_its_offsets_in_the_cited_paragraph(h200_json: dict[str, object]) -> None:
    short = h200_json["short_answer"]
    assert isinstance(short, dict)
    assert set(short) == {"text", "paragraph_id", "start", "end", "claim", "label"}
    assert "H200" in short["text"]
    cited = next(c for c in h200_json["citations"] if c["paragraph_id"] == short["paragraph_id"])  # type: ignore[union-attr]
    assert cited["text"][short["start"] : short["end"]] == short["text"]
    assert short["text"] in h200_json["claims"][short["claim"]]["text"]  # type: ignore[index]


def test_ask_json_ranks_its_passages_from_one(h200_json: dict[str, object]) -> None:
    passages = h200_json["passages"]
    assert isinstance(passages, list)

    assert [p["rank"] for p in passages] == [1, 2, 3, 4, 5]
    assert [p["score"] for p in passages] == sorted((p["score"] for p in passages), reverse=True)


def test_asking_with_another_encoder_than_the_store_was_indexed_with_exits_2_saying_what_to_do(
    writable_copy: Path, model_cache: Path
) -> None:
    env = {key: value for key, value in environment(writable_copy).items() if value is not None}
    env |= {"BRIEFING_ENCODER": "onnx-int8", "BRIEFING_ENCODER_CACHE": str(model_cache), "PYTHONPATH": str(REPO)}
    env |= {key: os.environ[key] for key in ("PATH", "HOME", "HF_HUB_OFFLINE") if key in os.environ}

    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", H200_QUESTION], env=env, capture_output=True, text=True
    )

    assert done.returncode == 2, done.stderr
    assert "collection 'seeds' was indexed with encoder onnx-fp32" in done.stderr
    assert "BRIEFING_ENCODER=onnx-fp32" in done.stderr and "Traceback" not in done.stderr


def test_the_console_entry_leaves_after_an_ask_with_all_of_its_output_written_to_a_pipe(
    writable_copy: Path, model_cache: Path
) -> None:
    # An ask ends with os._exit (no interpreter teardown): its buffered output must still reach the pipe whole.
    env = {key: value for key, value in environment(writable_copy).items() if value is not None}
    env |= {"BRIEFING_ENCODER_CACHE": str(model_cache), "PYTHONPATH": str(REPO)}
    env |= {key: os.environ[key] for key in ("PATH", "HOME", "HF_HUB_OFFLINE") if key in os.environ}
    in_process = json.loads(briefing(writable_copy, "ask", "--json", H200_QUESTION).stdout)

    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", "--json", H200_QUESTION], env=env, capture_output=True, text=True
    )

    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)  # the whole object, not a cut-off prefix
    assert {k: v for k, v in answer.items() if k != "timings_ms"} == {
        k: v for k, v in in_process.items() if k != "timings_ms"
    }


def test_ask_json_abstains_on_an_off_topic_question(data_dir: Path) -> None:
    result = briefing(data_dir, "ask", "--json", "What is the capital of Australia?")

    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["abstained"] is True
    assert answer["citations"] == []
    assert answer["closest"]


def test_ask_json_abstains_on_a_question_the_seeds_do_not_answer(data_dir: Path) -> None:
    result = briefing(data_dir, "ask", "--json", "How much does a single Nvidia H200 chip cost?")

    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["abstained"] is True
    assert answer["answer"] == "The sources do not answer this question."
    assert answer["citations"] == [] and answer["closest"]


def test_ask_prints_the_answer_and_its_numbered_sources(data_dir: Path) -> None:
    result = briefing(data_dir, "ask", H200_QUESTION)

    assert result.exit_code == 0, result.output
    assert "H200" in result.stdout
    assert "Sources" in result.stdout
    assert re.search(r"^\[1\] .+ — \S+#p\d+", result.stdout, re.M)


def test_ask_needs_no_mode_and_accepts_extractive(data_dir: Path) -> None:
    result = briefing(
        data_dir, "ask", "--json", "--mode", "extractive", "--k", "3", "Who was the Nvidia boss in Beijing?"
    )

    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["mode"] == "extractive"
    assert len(answer["passages"]) == 3


def test_ask_in_llm_mode_without_a_model_exits_2_saying_what_to_set(data_dir: Path) -> None:
    result = briefing(data_dir, "ask", "--mode", "llm", H200_QUESTION)

    assert result.exit_code == 2
    assert "BRIEFING_LLM_MODEL" in result.output


def test_ask_on_an_empty_collection_exits_2_telling_to_run_index(tmp_path: Path) -> None:
    result = briefing(tmp_path / "empty-data", "ask", H200_QUESTION)

    assert result.exit_code == 2
    assert "empty" in result.output
    assert "briefing index" in result.output


# --- documents, remove -----------------------------------------------------------------------


def test_documents_lists_the_three_seeds_with_title_date_and_paragraphs(data_dir: Path) -> None:
    result = briefing(data_dir, "documents")

    assert result.exit_code == 0, result.output
    rows = [line.split("\t") for line in result.stdout.strip().splitlines()]
    assert [row[0] for row in rows] == list(SEED_IDS)
    assert rows[2][1] == "US-China Sign First Bilateral AI Safety Pact in Beijing"
    assert all(len(row) == 5 and row[2] == "2026-05-14" and re.fullmatch(r"\d+ paragraphs", row[3]) for row in rows)


def test_documents_says_where_each_field_came_from(data_dir: Path) -> None:
    rows = [line.split("\t") for line in briefing(data_dir, "documents").stdout.strip().splitlines()]
    assert [row[4] for row in rows] == [
        "from title: text; date: text",  # 000 has no headline: its opening words and the date they state
        "from title: front matter; date: front matter; outlet: front matter",
        "from title: text; date: text; outlet: outlet line",  # a "# headline" line and an "Originally by" line
    ]


def test_documents_prints_tab_separated_columns(data_dir: Path) -> None:
    # Regression: rich expanded the tabs to spaces, so `briefing documents | cut -f1` did not work.
    result = briefing(data_dir, "documents")

    assert [len(line.split("\t")) for line in result.stdout.strip().splitlines()] == [5, 5, 5]


def test_documents_of_an_empty_collection_prints_nothing(tmp_path: Path) -> None:
    result = briefing(tmp_path / "empty-data", "documents")

    assert result.exit_code == 0
    assert result.stdout == ""


def test_removing_an_unknown_document_exits_1_with_a_clear_message(data_dir: Path) -> None:
    result = briefing(data_dir, "remove", "no-such-report.txt")

    assert result.exit_code == 1
    assert "no document 'no-such-report.txt' in the index" in result.output
    assert "briefing documents" in result.output


def test_removing_a_document_drops_it_from_the_list(writable_copy: Path) -> None:
    result = briefing(writable_copy, "remove", SEED_IDS[2])

    assert result.exit_code == 0, result.output
    assert f"removed {SEED_IDS[2]}" in result.stdout
    listed = briefing(writable_copy, "documents").stdout.strip().splitlines()
    assert [line.split("\t")[0] for line in listed] == list(SEED_IDS[:2])


# --- help ------------------------------------------------------------------------------------

COMMANDS = sorted(get_command(app).commands)  # type: ignore[attr-defined]


def plain(text: str) -> str:
    """Help text without rich's box drawing and line wrapping."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_the_four_commands_of_the_issue_exist() -> None:
    assert {"index", "ask", "documents", "remove"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_commands_help_exits_0_and_says_what_it_does(tmp_path: Path, command: str) -> None:
    callback = get_command(app).commands[command].callback  # type: ignore[attr-defined]
    first_sentence = plain((callback.__doc__ or "").split(".")[0])

    result = briefing(tmp_path, command, "--help")

    assert result.exit_code == 0, result.output
    assert first_sentence and first_sentence in plain(result.output)


def test_the_apps_help_lists_every_command(tmp_path: Path) -> None:
    result = briefing(tmp_path, "--help")

    assert result.exit_code == 0
    assert all(command in result.output for command in COMMANDS)


def test_two_folders_with_one_file_name_indexed_one_after_the_other_keep_both(tmp_path: Path) -> None:
    # Regression (issue 10, case 7): a/report.txt and b/report.txt replaced each other, "1 updated" on every run.
    for name, text in (("a", "Alpha report\n\nThe dam holds.\n"), ("b", "Beta report\n\nThe dam leaks.\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.txt").write_text(text, encoding="utf-8")
    data = tmp_path / "data"

    runs = [briefing(data, "index", str(tmp_path / folder)) for folder in ("a", "b", "a", "b")]
    # Each folder is a notebook of its own (issue 13), so neither report can replace the other.
    listed = {folder: briefing(data, "documents", "--notebook", folder).output for folder in ("a", "b")}

    assert [summary(run)["added"] for run in runs] == ["1", "1", "0", "0"]
    assert [summary(run)["updated"] for run in runs] == ["0", "0", "0", "0"]
    assert [line.split("\t")[1] for line in listed["a"].splitlines()] == ["Alpha report"]
    assert [line.split("\t")[1] for line in listed["b"].splitlines()] == ["Beta report"]


def test_same_named_folders_in_two_places_indexed_into_one_collection_keep_both_and_a_moved_one_keeps_its_ids(
    tmp_path: Path,
) -> None:
    # Regression: ids used only the folder's name, so x/docs and y/docs indexed into one notebook
    # replaced each other ("1 updated" back and forth) wherever one collection held both.
    for place, text in (("x", "Alpha report\n\nThe dam holds.\n"), ("y", "Beta report\n\nThe dam leaks.\n")):
        (tmp_path / place / "docs").mkdir(parents=True)
        (tmp_path / place / "docs" / "report.txt").write_text(text, encoding="utf-8")
    data = tmp_path / "data"
    folders = [str(tmp_path / place / "docs") for place in ("x", "y", "x", "y")]

    runs = [briefing(data, "index", folder, "--collection", "reports") for folder in folders]
    listed = briefing(data, "documents", "--collection", "reports").output
    (tmp_path / "moved").mkdir()
    (tmp_path / "x" / "docs").rename(tmp_path / "moved" / "docs")
    moved = briefing(data, "index", str(tmp_path / "moved" / "docs"), "--collection", "reports")
    after = briefing(data, "documents", "--collection", "reports").output

    assert [summary(run)["added"] for run in runs] == ["1", "1", "0", "0"]
    assert [summary(run)["updated"] for run in runs] == ["0", "0", "0", "0"]
    ids = sorted(line.split("\t")[0] for line in listed.splitlines())
    assert ids == ["docs/report.txt", "y/docs/report.txt"]
    assert summary(moved)["added"] == "0" and sorted(line.split("\t")[0] for line in after.splitlines()) == ids
