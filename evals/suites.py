"""The suites file (evals/suites.toml): named corpora with their question file, thresholds, baseline, answerer and k."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.store import collection_name

EVALS_DIR = Path(__file__).resolve().parent
DEFAULT_SUITES = EVALS_DIR / "suites.toml"
RESERVED = "report"  # artifacts/eval/report.md is the combined report, so no suite may write its own there


class SuiteFileError(Exception):
    """A suites file that cannot be used; the message names the file, the suite and the field."""


class _SuiteEntry(BaseModel):
    """One `[suites.NAME]` table as written; paths are relative to the suites file's folder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    corpus: str = Field(min_length=1, description="Folder of documents, indexed into the suite's own collection.")
    questions: str = Field(min_length=1, description="Question file, JSONL.")
    thresholds: str | None = Field(None, description="Thresholds file applied by --gate.")
    baseline: str | None = Field(None, description="Result JSON compared with when --baseline is given.")
    answerer: Literal["extractive", "llm"] = "extractive"
    k: int = Field(5, ge=1, le=50)


@dataclass(frozen=True)
class Suite:
    """One named corpus to score, with absolute paths."""

    name: str
    corpus: Path
    questions: Path
    thresholds: Path | None
    baseline: Path | None
    answerer: str
    k: int

    @property
    def collection(self) -> str:
        """`eval-suite-<name>`: the suite's own collection, never the default seeds collection nor a notebook's."""
        return collection_name(f"eval-suite-{self.name}")


def load_suites(path: Path = DEFAULT_SUITES) -> dict[str, Suite]:
    """Suite name -> Suite, in file order; raises SuiteFileError naming the suite and field at fault."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SuiteFileError(f"{path}: cannot read the suites file ({error.strerror or error})") from error
    except tomllib.TOMLDecodeError as error:
        raise SuiteFileError(f"{path}: not valid TOML ({error})") from error
    tables = raw.get("suites")
    if set(raw) - {"suites"} or not isinstance(tables, dict) or not tables:
        raise SuiteFileError(f"{path}: expected only [suites.NAME] tables, at least one")
    root = path.resolve().parent
    suites: dict[str, Suite] = {}
    for name, table in tables.items():
        if not _valid_name(name):
            raise SuiteFileError(f"{path}: suites.{name}: a name is letters, digits, '-' or '_' (at most 40)")
        if name == RESERVED:
            raise SuiteFileError(f"{path}: suites.{name}: the name is taken by the combined report ({RESERVED}.md)")
        try:
            entry = _SuiteEntry.model_validate(table)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            message = "unknown field" if first["type"] == "extra_forbidden" else first["msg"]
            raise SuiteFileError(f"{path}: suites.{name}.{field}: {message}") from error
        suites[name] = Suite(
            name=name,
            corpus=(root / entry.corpus).resolve(),
            questions=(root / entry.questions).resolve(),
            thresholds=(root / entry.thresholds).resolve() if entry.thresholds else None,
            baseline=(root / entry.baseline).resolve() if entry.baseline else None,
            answerer=entry.answerer,
            k=entry.k,
        )
    return suites


def select(suites: dict[str, Suite], names: Sequence[str], every: bool) -> list[Suite]:
    """The suites asked for by name (or all of them), in file order; an unknown name is an error."""
    unknown = [name for name in names if name not in suites]
    if unknown:
        raise SuiteFileError(f"unknown suite {', '.join(unknown)}; the suites file names {', '.join(suites)}")
    if every:
        return list(suites.values())
    return [suites[name] for name in suites if name in names]


def _valid_name(name: str) -> bool:
    return 0 < len(name) <= 40 and all(c.isascii() and (c.isalnum() or c in "-_") for c in name) and name[0].isalnum()
