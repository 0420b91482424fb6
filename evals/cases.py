"""Question files (JSONL, one case a line) -> validated EvalCases, with errors that name file, line and field."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError, model_validator


class CaseFileError(Exception):
    """A question file that cannot be used; the message names the file, the line and the field."""


class EvalCase(BaseModel):
    """One question, the aliases that count as its answer and the verbatim snippets that prove it."""

    # A misspelt field ("answer" for "answers") would silently make a case unscorable: refuse it.
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, description="Unique within the file; rows and baselines are keyed on it.")
    question: str = Field(min_length=1)
    answers: tuple[str, ...] = Field(default=(), description="Aliases; any one of them in the answer counts.")
    evidence: tuple[str, ...] = Field(default=(), description="Verbatim snippets of the source paragraphs.")
    answerable: StrictBool  # "false" as a string is a slip, not a value
    tags: tuple[str, ...] = ()
    # Drafted cases (`briefing eval draft`) start false; the runner refuses them until a person reviews them.
    reviewed: StrictBool = True

    @model_validator(mode="after")
    def _consistent(self) -> EvalCase:
        if any(not alias.strip() for alias in self.answers):
            raise ValueError("answers: an alias is empty")
        if any(not snippet.strip() for snippet in self.evidence):
            raise ValueError("evidence: a snippet is empty")
        if self.answerable and not self.answers:
            raise ValueError("answers: an answerable case needs at least one answer alias")
        if self.answerable and not self.evidence:
            raise ValueError("evidence: an answerable case needs at least one evidence snippet")
        if not self.answerable and (self.answers or self.evidence):
            raise ValueError("answers: an unanswerable case must have no answers and no evidence")
        return self


def load_cases(path: Path) -> list[EvalCase]:
    """Every case in the JSONL file, in order; raises CaseFileError at the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise CaseFileError(f"{path}: cannot read the question file ({error.strerror or error})") from error
    cases: list[EvalCase] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as error:
            raise CaseFileError(f"{path}:{number}: not valid JSON ({error.msg} at column {error.colno})") from error
        if not isinstance(raw, dict):
            raise CaseFileError(f"{path}:{number}: expected a JSON object, got {type(raw).__name__}")
        try:
            case = EvalCase.model_validate(raw)
        except ValidationError as error:
            raise CaseFileError(f"{path}:{number}: {_describe(error)}") from error
        if case.id in seen:
            raise CaseFileError(f"{path}:{number}: id: {case.id!r} is already used on line {seen[case.id]}")
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise CaseFileError(f"{path}: no cases in the question file")
    return cases


def _describe(error: ValidationError) -> str:
    """The first problem as `field: message`; model-level checks already start with their field."""
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"])
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "missing":
        message = "missing (required)"
    elif first["type"] == "extra_forbidden":
        message = "unknown field (expected id, question, answers, evidence, answerable, tags, reviewed)"
    return f"{field}: {message}" if field else message
