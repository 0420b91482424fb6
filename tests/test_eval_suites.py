"""Suites: the suites file, one collection per suite, one command for all of them, and a gate no suite can dodge."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from lxml import etree
from typer.testing import CliRunner

from assistant.cli import app
from evals.suites import DEFAULT_SUITES, SuiteFileError, load_suites, select

REPO = Path(__file__).resolve().parent.parent
SECOND = REPO / "tests" / "fixtures" / "second_corpus"
# Written from the constraints of Jenkins xunit's junit-10.xsd (the schema pytest's own junitxml is tested
# against, read by GitHub/GitLab/Jenkins reporters): element nesting, required attributes, time format.
JUNIT_XSD = """<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:simpleType name="seconds"><xs:restriction base="xs:string">
    <xs:pattern value="(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\\.[0-9]{0,3})?"/></xs:restriction></xs:simpleType>
  <xs:complexType name="outcome" mixed="true">
    <xs:attribute name="type" type="xs:string"/><xs:attribute name="message" type="xs:string"/></xs:complexType>
  <xs:element name="testsuites"><xs:complexType><xs:sequence>
    <xs:element ref="testsuite" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
    <xs:attribute name="name" type="xs:string"/><xs:attribute name="time" type="seconds"/>
    <xs:attribute name="tests" type="xs:string"/><xs:attribute name="failures" type="xs:string"/>
    <xs:attribute name="errors" type="xs:string"/></xs:complexType></xs:element>
  <xs:element name="testsuite"><xs:complexType><xs:choice minOccurs="0" maxOccurs="unbounded">
    <xs:element name="properties"><xs:complexType><xs:sequence>
      <xs:element name="property" minOccurs="0" maxOccurs="unbounded"><xs:complexType>
        <xs:attribute name="name" type="xs:string" use="required"/>
        <xs:attribute name="value" type="xs:string" use="required"/></xs:complexType></xs:element>
    </xs:sequence></xs:complexType></xs:element>
    <xs:element name="testcase"><xs:complexType><xs:choice minOccurs="0" maxOccurs="unbounded">
      <xs:element name="failure" type="outcome"/><xs:element name="skipped" type="outcome"/>
      <xs:element name="system-out" type="xs:string"/><xs:element name="system-err" type="xs:string"/>
      </xs:choice>
      <xs:attribute name="name" type="xs:string" use="required"/><xs:attribute name="time" type="xs:string"/>
      <xs:attribute name="classname" type="xs:string"/></xs:complexType></xs:element>
    </xs:choice>
    <xs:attribute name="name" type="xs:string" use="required"/>
    <xs:attribute name="tests" type="xs:string" use="required"/>
    <xs:attribute name="failures" type="xs:string" use="required"/>
    <xs:attribute name="errors" type="xs:string" use="required"/>
    <xs:attribute name="skipped" type="xs:string"/><xs:attribute name="time" type="seconds"/>
    <xs:attribute name="timestamp" type="xs:string"/></xs:complexType></xs:element>
</xs:schema>
"""


def validate_junit(path: Path) -> etree._Element:
    """The parsed JUnit file, after validating it against the schema; raises on the first violation."""
    schema = etree.XMLSchema(etree.fromstring(JUNIT_XSD.encode()))
    document = etree.parse(str(path))
    schema.assertValid(document)
    return document.getroot()


def test_the_committed_suites_file_names_the_seeds_and_the_held_out_squad_suite() -> None:
    suites = load_suites(DEFAULT_SUITES)

    seeds, squad = suites["seeds"], suites["squad-heldout"]
    assert seeds.corpus == REPO / "seeds" and seeds.questions == REPO / "evals" / "questions.jsonl"
    assert seeds.thresholds == REPO / "evals" / "thresholds.json" and seeds.baseline == REPO / "evals" / "baseline.json"
    assert squad.corpus == REPO / "evals" / "squad-heldout" / "corpus"
    assert squad.questions == REPO / "evals" / "squad-heldout" / "questions.jsonl"
    assert squad.thresholds == REPO / "evals" / "squad-heldout" / "thresholds.json"
    assert {seeds.collection, squad.collection} == {"eval-suite-seeds", "eval-suite-squad-heldout"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[suites.a]\ncorpus = 'c'\n", "suites.a.questions: Field required"),
        ("[suites.a]\ncorpus = 'c'\nquestions = 'q'\nanswer = 'llm'\n", "suites.a.answer: unknown field"),
        ("[suites.a]\ncorpus = 'c'\nquestions = 'q'\nk = 0\n", "suites.a.k:"),
        ("[suites.'a b']\ncorpus = 'c'\nquestions = 'q'\n", "suites.a b: a name is"),
        ("[suite.a]\ncorpus = 'c'\n", "expected only [suites.NAME] tables"),
        ("[suites.a\n", "not valid TOML"),
        ("[suites.report]\ncorpus = 'c'\nquestions = 'q'\n", "taken by the combined report"),
    ],
)
def test_a_bad_suites_file_names_the_suite_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "suites.toml"
    path.write_text(text)

    with pytest.raises(SuiteFileError, match=r"suites\.toml") as error:
        load_suites(path)
    assert message in str(error.value)


def test_paths_are_relative_to_the_suites_file_and_an_unknown_suite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "suites.toml"
    path.parent.mkdir()
    path.write_text("[suites.b]\ncorpus = 'docs'\nquestions = 'q.jsonl'\n[suites.a]\ncorpus = 'x'\nquestions = 'y'\n")
    suites = load_suites(path)

    assert suites["b"].corpus == tmp_path / "conf" / "docs" and suites["b"].thresholds is None
    assert [s.name for s in select(suites, ["a", "b"], every=False)] == ["b", "a"]  # file order
    assert [s.name for s in select(suites, [], every=True)] == ["b", "a"]
    with pytest.raises(SuiteFileError, match="unknown suite nope; the suites file names b, a"):
        select(suites, ["nope"], every=False)


@pytest.mark.parametrize(
    ("extra", "named"),
    [(["--questions", "q.jsonl"], "--questions"), (["--baseline", "b.json"], "--baseline"), (["-k", "5"], "--k"),
     (["--answerer", "llm"], "--answerer")],
)  # fmt: skip
def test_suite_options_refuse_the_options_a_suites_file_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: list[str], named: str
) -> None:
    monkeypatch.chdir(tmp_path)

    result = CliRunner().invoke(app, ["eval", "--all", *extra])

    assert result.exit_code == 2 and f"{named}: not with --suite/--all" in " ".join(result.output.split())


def test_a_broken_suite_stops_the_run_before_any_suite_is_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(SECOND / "docs", tmp_path / "docs")
    shutil.copy(SECOND / "questions.jsonl", tmp_path / "questions.jsonl")
    good = "[suites.good]\ncorpus = 'docs'\nquestions = 'questions.jsonl'\n"
    (tmp_path / "suites.toml").write_text(good + "[suites.broken]\ncorpus = 'docs'\nquestions = 'missing.jsonl'\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(tmp_path / "data"))

    result = CliRunner().invoke(app, ["eval", "--all", "--suites", "suites.toml"])

    assert result.exit_code == 2 and "missing.jsonl: cannot read the question file" in result.output
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
def test_the_gate_fails_when_one_suite_alone_regresses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Two suites on identical copies of a corpus; in one copy the budget report went missing (the regression).
    for name in ("intact", "regressed"):
        shutil.copytree(SECOND / "docs", tmp_path / name)
    (tmp_path / "regressed" / "budget-2025.md").unlink()
    (tmp_path / "bars.json").write_text('{"recall_at_5": {"min": 0.9}}')
    shutil.copy(SECOND / "questions.jsonl", tmp_path / "questions.jsonl")
    suites = "".join(
        f"[suites.{name}]\ncorpus = '{name}'\nquestions = 'questions.jsonl'\nthresholds = 'bars.json'\n"
        for name in ("intact", "regressed")
    )
    (tmp_path / "suites.toml").write_text(suites)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BRIEFING_DATA_DIR", str(tmp_path / "data"))
    args = ["eval", "--all", "--suites", "suites.toml", "--gate", "--junit", "ci/junit.xml", "--summary", "ci/sum.md"]

    result = CliRunner().invoke(app, args)

    output = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "gate failed: regressed: recall_at_5" in output and "gate failed: intact" not in output
    intact = json.loads((tmp_path / "artifacts" / "eval" / "intact.json").read_text())
    regressed = json.loads((tmp_path / "artifacts" / "eval" / "regressed.json").read_text())
    assert intact["run"]["collection"] == "eval-suite-intact" and intact["metrics"]["recall_at_5"] >= 0.9
    assert regressed["run"]["collection"] == "eval-suite-regressed" and regressed["metrics"]["recall_at_5"] < 0.9
    report = (tmp_path / "artifacts" / "eval" / "report.md").read_text()
    assert "| intact | 13 |" in report and "## Suite `regressed`" in report and "### Metrics" in report

    # The JUnit file: valid, one test case per question plus one per threshold, failures as the rows say.
    root = validate_junit(tmp_path / "ci" / "junit.xml")
    for data, suite in zip((intact, regressed), root.findall("testsuite"), strict=True):
        cases = suite.findall("testcase")
        failing_rows = sum(1 for row in data["rows"] if row["failed"])
        failing_bars = 0 if data["metrics"]["recall_at_5"] >= 0.9 else 1
        assert len(cases) == 13 + 1 == int(suite.get("tests"))
        assert len(suite.findall("testcase/failure")) == failing_rows + failing_bars == int(suite.get("failures"))
    assert int(root.get("tests")) == 28
    bar = root.find("testsuite[@name='regressed']/testcase[@classname='regressed.thresholds']/failure")
    assert bar is not None and "recall_at_5" in bar.get("message") and "below the minimum 0.9" in bar.get("message")

    # The summary: a Markdown table with a row per suite and metric shown, and the verdict.
    summary = (tmp_path / "ci" / "sum.md").read_text().splitlines()
    table = [line for line in summary if line.startswith("|")]
    assert table[1] == "|---|---|---:|---:|---:|---|"
    assert all(line.count("|") == 7 for line in table)
    assert any(line.startswith("| regressed | recall_at_5 |") and line.endswith("| **FAIL** |") for line in table)
    assert summary[-1].startswith("2 suites, 26 cases. Gate: **FAIL**: regressed: recall_at_5")
