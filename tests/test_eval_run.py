"""The runner end to end: a second, non-seed corpus indexed into its own collection and scored through the Library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import make_settings
from typer.testing import CliRunner

from assistant.cli import app
from assistant.library import Library
from evals.gate import load_result
from evals.metrics import METRIC_KEYS
from evals.report import render_markdown
from evals.run import EvalRun, corpus_collection, result_json, run_eval
from index.embed import Embedder

SECOND = Path(__file__).resolve().parent / "fixtures" / "second_corpus"
DOCS = SECOND / "docs"
QUESTIONS = SECOND / "questions.jsonl"
ROW_KEYS = {
    "id",
    "question",
    "tags",
    "answerable",
    "gold_answers",
    "answer",
    "abstained",
    "correct",
    "citations",
    "retrieved",
    "latency_ms",
    "failed",
}
RATES = [key for key in METRIC_KEYS if not key.endswith("_ms") and key != "questions"]


@pytest.fixture(scope="module")
def second_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data folder for the module: the CLI tests find the second corpus already indexed there."""
    return tmp_path_factory.mktemp("second")


@pytest.fixture(scope="module")
def second_run(second_data: Path, embedder: Embedder) -> EvalRun:
    """The second corpus scored once for the module, in a temporary data folder."""
    settings = make_settings(second_data)
    library = Library(settings, corpus_collection(DOCS))
    library._embedder = embedder  # share the session's model  # type: ignore[misc]
    return run_eval(settings, QUESTIONS, DOCS, k=5, library=library)


@pytest.mark.parametrize(
    ("folder", "prefix"),
    [(Path("/data/city council"), "eval-city-council-"), (Path("/x/docs"), "eval-docs-"), (Path("/x/ü"), "eval-")],
)
def test_a_corpus_gets_its_own_valid_collection_named_for_its_folder(folder: Path, prefix: str) -> None:
    name = corpus_collection(folder)

    assert name.startswith(prefix) and name != "seeds"
    assert re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]", name)  # Chroma's naming rule
    assert re.fullmatch(r"[0-9a-f]{8}", name.rsplit("-", 1)[1])


def test_two_folders_with_the_same_name_get_different_collections() -> None:
    assert corpus_collection(Path("/a/docs")) != corpus_collection(Path("/b/docs"))
    assert corpus_collection(Path("/a/docs")) == corpus_collection(Path("/a/docs/../docs"))


def test_the_second_corpus_is_scored_in_its_own_collection(second_run: EvalRun) -> None:
    assert second_run.info.collection == corpus_collection(DOCS)
    assert second_run.info.documents == 4 and second_run.info.paragraphs > 10
    assert [o.id for o in second_run.outcomes] == [
        json.loads(line)["id"] for line in QUESTIONS.read_text().splitlines()
    ]


def test_every_evidence_snippet_of_the_second_corpus_is_found_in_a_paragraph(second_run: EvalRun) -> None:
    assert second_run.info.unmatched_evidence == ()
    assert all(o.relevant_total >= 1 for o in second_run.outcomes if o.answerable)


def test_the_metrics_have_exactly_the_reported_keys_and_plausible_values(second_run: EvalRun) -> None:
    metrics = second_run.metrics

    assert tuple(metrics) == METRIC_KEYS
    assert metrics["questions"] == 13
    assert all(metrics[key] is not None and 0.0 <= metrics[key] <= 1.0 for key in RATES)  # type: ignore[operator]
    assert metrics["recall_at_5"] > 0.5  # type: ignore[operator]
    assert metrics["recall_at_1"] <= metrics["recall_at_5"] <= metrics["recall_at_10"]  # type: ignore[operator]
    assert 0 < metrics["latency_p50_ms"] <= metrics["latency_p95_ms"]  # type: ignore[operator]


def test_a_row_records_what_was_asked_answered_cited_and_retrieved(second_run: EvalRun) -> None:
    data = result_json(second_run)
    rows = {row["id"]: row for row in data["rows"]}  # type: ignore[attr-defined]

    assert all(set(row) >= ROW_KEYS for row in rows.values())
    opened = rows["eastgate-opened"]
    assert opened["gold_answers"] == ["1961"] and opened["tags"] == ["when", "date"]
    assert opened["mode"] == "extractive" and "total" in opened["timings_ms"]
    assert len(opened["retrieved"]) == 10
    assert all(pid.startswith(("budget-2025.md#", "eastgate-library.txt#", "transit-levy.md#", "water-rates"))
               for row in rows.values() for pid in row["retrieved"])  # fmt: skip
    assert json.loads(json.dumps(data))["run"]["k"] == 5


def test_the_markdown_report_shows_the_metric_table_and_every_failed_case(second_run: EvalRun) -> None:
    markdown = render_markdown(second_run)
    failed = [row["id"] for row in result_json(second_run)["rows"] if row["failed"]]  # type: ignore[attr-defined]

    assert "| recall_at_5 |" in markdown and "## Accuracy by tag" in markdown
    assert f"## Failed cases ({len(failed)} of 13)" in markdown
    assert all(f"### `{case_id}`" in markdown for case_id in failed)


@pytest.mark.slow
def test_briefing_eval_scores_another_corpus_writes_reports_diffs_the_baseline_and_gates(
    second_run: EvalRun, second_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A baseline in which one case that passes now was failing: the diff must show it flipping.
    baseline = result_json(second_run)
    passing = next(row for row in baseline["rows"] if not row["failed"])  # type: ignore[attr-defined]
    passing["failed"] = ["answer_containment"]
    (tmp_path / "baseline.json").write_text(json.dumps(baseline))
    # A bar no run can clear, so the gate must fail.
    (tmp_path / "impossible.json").write_text('{"recall_at_5": {"max": 0.0}}')
    monkeypatch.chdir(tmp_path)  # no developer .env; reports land here
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(second_data))
    args = ["eval", "--corpus", str(DOCS), "--questions", str(QUESTIONS), "--json", "out/r.json"]
    args += ["--markdown", "out/r.md", "--baseline", "baseline.json", "--gate", "--thresholds", "impossible.json"]

    result = CliRunner().invoke(app, args)

    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "gate failed: recall_at_5" in output and "above the maximum 0.0" in output
    assert f"wrong -> right: {passing['id']} (failed answer_containment)" in output
    written = load_result(tmp_path / "out" / "r.json")
    assert written.metrics["questions"] == 13 and len(written.rows) == 13
    assert "| recall_at_5 |" in (tmp_path / "out" / "r.md").read_text()


@pytest.mark.slow
def test_briefing_eval_with_the_llm_answerer_unconfigured_exits_2_with_the_reason(
    second_run: EvalRun, second_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(second_data))
    for name in ("BRIEFING_LLM_MODEL", "BRIEFING_LLM_BASE_URL", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)

    result = CliRunner().invoke(
        app, ["eval", "--corpus", str(DOCS), "--questions", str(QUESTIONS), "--answerer", "llm"]
    )

    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "LLM" in result.output


def test_a_bad_question_file_stops_the_cli_before_indexing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(tmp_path / "data"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "question": "q?", "answers": [], "evidence": [], "answerable": true}\n')

    result = CliRunner().invoke(app, ["eval", "--corpus", str(DOCS), "--questions", str(bad)])

    assert result.exit_code == 2
    assert "bad.jsonl:1: answers:" in " ".join(result.output.split())
    assert not (tmp_path / "data").exists()
