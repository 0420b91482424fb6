"""What counts as a regression: thresholds on metrics, result files read back, and the diff against a baseline."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from evals.metrics import LOWER_IS_BETTER, METRIC_KEYS, CaseOutcome
from evals.stats import PairedTest, case_values, paired_tests

# Room for float noise in a mean of fractions: 0.9 must pass a minimum of 0.90.
TOLERANCE = 1e-9


class GateError(Exception):
    """A thresholds or result file that cannot be used; the message names the file and what is wrong."""


class Threshold(BaseModel):
    """One bar: a minimum (higher is better) or a maximum (lower is better), never both."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float | None = None
    max: float | None = None
    # "point" checks the metric itself; "interval" checks the pessimistic end of its 95% interval (the
    # lower bound against a minimum, the upper bound against a maximum), so chance alone cannot pass it.
    on: Literal["point", "interval"] = "point"

    @model_validator(mode="after")
    def _one_direction(self) -> Threshold:
        if (self.min is None) == (self.max is None):
            raise ValueError('give exactly one of "min" or "max"')
        return self


@dataclass(frozen=True)
class GateCheck:
    """One metric held against its threshold."""

    metric: str
    value: float | None  # None: the metric had no case to be measured on
    bound: float
    direction: Literal["min", "max"]
    on: Literal["point", "interval"] = "point"
    interval: tuple[float, float] | None = None  # the metric's 95% interval, when known

    @property
    def tested(self) -> float | None:
        """The number held against the bound: the value, or the interval's end on the failing side."""
        if self.on == "point" or self.value is None:
            return self.value
        if self.interval is None:
            return None  # an interval bar without an interval is not cleared
        return self.interval[0] if self.direction == "min" else self.interval[1]

    @property
    def passed(self) -> bool:
        tested = self.tested
        if tested is None:
            return False  # a bar nothing was measured against is not cleared
        if self.direction == "min":
            return tested >= self.bound - TOLERANCE
        return tested <= self.bound + TOLERANCE

    def describe(self) -> str:
        """One line a person can act on, e.g. `recall_at_5 = 0.9180, below the minimum 0.95`."""
        if self.value is None:
            return f"{self.metric}: not measured (no case of its kind), so {self.direction} {self.bound} is not met"
        name = self.metric
        if self.on == "interval":
            end = "lower" if self.direction == "min" else "upper"
            if self.tested is None:
                return f"{name}: no interval in the result, so its {end} bound cannot meet {self.bound}"
            name = f"{self.metric}'s 95% {end} bound"
        if self.passed:
            return f"{name} = {self.tested:.4f}, meets {self.direction} {self.bound}"
        side = "below the minimum" if self.direction == "min" else "above the maximum"
        return f"{name} = {self.tested:.4f}, {side} {self.bound}"


def load_thresholds(path: Path) -> dict[str, Threshold]:
    """Metric name -> Threshold from a JSON object such as {"recall_at_5": {"min": 0.95}}."""
    raw = _read_json(path, "thresholds")
    if not isinstance(raw, dict) or not raw:
        raise GateError(f'{path}: expected a JSON object of metric -> {{"min": x}} or {{"max": x}}')
    thresholds: dict[str, Threshold] = {}
    for metric, bar in raw.items():
        if metric not in METRIC_KEYS:
            raise GateError(f"{path}: {metric}: unknown metric; known: {', '.join(METRIC_KEYS)}")
        try:
            thresholds[metric] = Threshold.model_validate(bar)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            message = first["msg"].removeprefix("Value error, ")
            raise GateError(f"{path}: {metric}{'.' + where if where else ''}: {message}") from error
    return thresholds


def check_gate(
    metrics: Mapping[str, float | None],
    thresholds: Mapping[str, Threshold],
    intervals: Mapping[str, tuple[float, float] | None] | None = None,
) -> list[GateCheck]:
    """Each thresholded metric against its bar, in the order of the thresholds file."""
    checks = []
    for metric, bar in thresholds.items():
        direction: Literal["min", "max"] = "min" if bar.min is not None else "max"
        bound = bar.min if bar.min is not None else bar.max
        assert bound is not None  # Threshold guarantees exactly one side
        interval = (intervals or {}).get(metric)
        checks.append(GateCheck(metric, metrics.get(metric), bound, direction, bar.on, interval))
    return checks


# --- result files ------------------------------------------------------------------------------


class ResultRow(BaseModel):
    """The part of a result row that gates and baselines read (the scoring fields feed the paired tests)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    question: str = ""
    failed: tuple[str, ...] = ()
    answerable: bool | None = None
    gold_answers: tuple[str, ...] = ()
    answer: str = ""
    abstained: bool | None = None
    citations_relevant: tuple[bool, ...] = ()
    retrieved_relevant: tuple[bool, ...] = ()
    relevant_in_collection: int = 0
    latency_ms: float | None = None
    asks_span: bool = False
    short_answer: str | None = None

    def outcome(self) -> CaseOutcome | None:
        """The case's outcome as the runner scored it, or None for a row without the scoring fields."""
        if self.answerable is None or self.abstained is None or self.latency_ms is None:
            return None
        return CaseOutcome(
            id=self.id,
            question=self.question,
            answerable=self.answerable,
            gold=self.gold_answers,
            answer=self.answer,
            abstained=self.abstained,
            citations=tuple(str(n) for n in range(len(self.citations_relevant))),
            cited_relevant=self.citations_relevant,
            retrieved=tuple(str(n) for n in range(len(self.retrieved_relevant))),
            retrieved_relevant=self.retrieved_relevant,
            relevant_total=self.relevant_in_collection,
            latency_ms=self.latency_ms,
            asks_span=self.asks_span,
            short_answer=self.short_answer,
        )


class ResultFile(BaseModel):
    """A result JSON written by the runner, as read back for --check and --baseline."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    metrics: dict[str, float | None]
    intervals: dict[str, tuple[float, float] | None] = {}
    rows: tuple[ResultRow, ...] = ()


def load_result(path: Path) -> ResultFile:
    raw = _read_json(path, "result")
    try:
        return ResultFile.model_validate(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise GateError(f"{path}: {where}: {first['msg']}; is this a `briefing eval --json` result?") from error


def check_result_file(result: Path, thresholds: Path) -> list[GateCheck]:
    """The gate applied to a result file already written, without running anything."""
    loaded = load_result(result)
    return check_gate(loaded.metrics, load_thresholds(thresholds), loaded.intervals)


# --- baseline ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricChange:
    metric: str
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before

    @property
    def worse(self) -> bool:
        """Moved the wrong way (latency counts; the question count does not)."""
        if self.delta is None or self.metric == "questions":
            return False
        return self.delta > TOLERANCE if self.metric in LOWER_IS_BETTER else self.delta < -TOLERANCE


@dataclass(frozen=True)
class Flip:
    """A case that passed every check in one run and failed one in the other."""

    id: str
    question: str
    failed_before: tuple[str, ...]
    failed_now: tuple[str, ...]


@dataclass(frozen=True)
class BaselineDiff:
    changes: tuple[MetricChange, ...]
    broke: tuple[Flip, ...]  # right in the baseline, wrong now
    fixed: tuple[Flip, ...]  # wrong in the baseline, right now
    new_cases: tuple[str, ...]  # ids only in this run
    missing_cases: tuple[str, ...]  # ids only in the baseline
    tests: tuple[PairedTest, ...] = ()  # one per metric measured on cases of both runs

    def test(self, metric: str) -> PairedTest | None:
        return next((t for t in self.tests if t.metric == metric), None)


def compare(current: ResultFile, baseline: ResultFile) -> BaselineDiff:
    """Each metric's change and the cases that flipped between passing and failing."""
    keys = [key for key in METRIC_KEYS if key in current.metrics or key in baseline.metrics]
    changes = tuple(MetricChange(key, baseline.metrics.get(key), current.metrics.get(key)) for key in keys)
    before = {row.id: row for row in baseline.rows}
    broke: list[Flip] = []
    fixed: list[Flip] = []
    for row in current.rows:
        old = before.get(row.id)
        if old is None or bool(old.failed) == bool(row.failed):
            continue
        flip = Flip(row.id, row.question or old.question, old.failed, row.failed)
        (broke if row.failed else fixed).append(flip)
    now = {row.id for row in current.rows}
    return BaselineDiff(
        tests=tuple(paired_tests(_values(baseline), _values(current), LOWER_IS_BETTER)),
        changes=changes,
        broke=tuple(broke),
        fixed=tuple(fixed),
        new_cases=tuple(row.id for row in current.rows if row.id not in before),
        missing_cases=tuple(row.id for row in baseline.rows if row.id not in now),
    )


def _values(result: ResultFile) -> dict[str, dict[str, float | None]]:
    """Case id -> metric -> that case's value, for the rows that carry their scoring fields."""
    outcomes = ((row.id, row.outcome()) for row in result.rows)
    return {case: case_values(outcome) for case, outcome in outcomes if outcome is not None}


def _read_json(path: Path, kind: str) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise GateError(f"{path}: cannot read the {kind} file ({error.strerror or error})") from error
    except json.JSONDecodeError as error:
        raise GateError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from error
