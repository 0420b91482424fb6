"""Noise in the metrics: 95% bootstrap intervals over cases, and paired tests of a change against a baseline.

Every metric but the question count is a mean (or a percentile) of one value per case over the cases it
is measured on, so one resampling of the cases gives every metric at once. The seed is fixed: the same
outcomes always give the same intervals, and committed reports do not churn.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import binomtest

from evals.metrics import (
    METRIC_KEYS,
    CaseOutcome,
    answer_f1,
    citation_precision,
    contains_answer,
    hit_at,
    is_correct,
    ndcg_at,
    reciprocal_rank,
    short_answer_correct,
)

SEED = 20261201
RESAMPLES = 2000
CONFIDENCE = 0.95
ALPHA = 1 - CONFIDENCE
# Metrics whose per-case value is 0 or 1: compared with McNemar's exact test; the rest with a paired bootstrap.
RATES = frozenset(
    {
        "recall_at_1",
        "recall_at_5",
        "recall_at_10",
        "answer_containment",
        "citation_recall",
        "abstention_accuracy",
        "false_abstention_rate",
        "precision_answered",
        "accuracy_all",
    }
)
PERCENTILES = {"latency_p50_ms": 50.0, "latency_p95_ms": 95.0}


@dataclass(frozen=True)
class Interval:
    """A two-sided 95% percentile-bootstrap interval of one metric."""

    low: float
    high: float


@dataclass(frozen=True)
class PairedTest:
    """One metric compared case by case with a baseline run."""

    metric: str
    test: str  # "mcnemar-exact" or "paired-bootstrap"
    pairs: int  # cases measured in both runs
    p_value: float
    worse: int = 0  # McNemar: cases that went from 1 to 0 (for a lower-is-better rate, from 0 to 1)
    better: int = 0

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


def case_values(outcome: CaseOutcome) -> dict[str, float | None]:
    """Each metric's value for one case; None where the metric is not measured on it (as compute_metrics)."""
    answerable = outcome.answerable
    relevance = outcome.retrieved_relevant
    span_asked = answerable and not outcome.abstained and outcome.asks_span

    def when(condition: bool, value: float) -> float | None:
        return value if condition else None

    return {
        "recall_at_1": when(answerable, float(hit_at(relevance, 1))),
        "recall_at_5": when(answerable, float(hit_at(relevance, 5))),
        "recall_at_10": when(answerable, float(hit_at(relevance, 10))),
        "mrr_at_10": when(answerable, reciprocal_rank(relevance, 10)),
        "ndcg_at_10": when(answerable, ndcg_at(relevance, outcome.relevant_total, 10)),
        "answer_containment": when(answerable, float(contains_answer(outcome))),
        "answer_f1": when(answerable, answer_f1(outcome)),
        "citation_precision": when(answerable and not outcome.abstained, citation_precision(outcome)),
        "citation_recall": when(answerable, float(any(outcome.cited_relevant))),
        "abstention_accuracy": when(not answerable, float(outcome.abstained)),
        "false_abstention_rate": when(answerable, float(outcome.abstained)),
        "precision_answered": when(not outcome.abstained, float(is_correct(outcome))),
        "accuracy_all": float(is_correct(outcome)),
        "short_answer_given": when(span_asked, float(bool(outcome.short_answer))),
        "short_answer_correct": when(span_asked and bool(outcome.short_answer), float(short_answer_correct(outcome))),
        "latency_p50_ms": outcome.latency_ms,
        "latency_p95_ms": outcome.latency_ms,
    }


def value_table(outcomes: Sequence[CaseOutcome]) -> dict[str, np.ndarray]:
    """Metric -> one float per case, NaN where the metric is not measured on that case."""
    rows = [case_values(o) for o in outcomes]
    keys = [key for key in METRIC_KEYS if key != "questions"]
    return {key: np.array([np.nan if r[key] is None else r[key] for r in rows], dtype=float) for key in keys}


def statistic(metric: str, values: np.ndarray, axis: int = -1) -> np.ndarray:
    """The metric over (resampled) cases: the mean of measured values, or the percentile for latencies."""
    if metric in PERCENTILES:
        return np.nanpercentile(values, PERCENTILES[metric], axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.nanmean(values, axis=axis)


def bootstrap_intervals(
    table: Mapping[str, np.ndarray], resamples: int = RESAMPLES, seed: int = SEED
) -> dict[str, Interval | None]:
    """Metric -> its 95% percentile interval from resampling the cases; None for a metric measured on no case."""
    cases = len(next(iter(table.values()))) if table else 0
    intervals: dict[str, Interval | None] = {}
    if cases == 0:
        return {key: None for key in table}
    picks = np.random.default_rng(seed).integers(0, cases, size=(resamples, cases))
    for metric, values in table.items():
        if np.all(np.isnan(values)):
            intervals[metric] = None
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a resample may hold no measured case: NaN, dropped
            stats = statistic(metric, values[picks], axis=1)
        stats = stats[~np.isnan(stats)]
        low, high = np.quantile(stats, [ALPHA / 2, 1 - ALPHA / 2])
        intervals[metric] = Interval(float(low), float(high))
    return intervals


def mcnemar_exact(worse: int, better: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pairs (a binomial test of worse vs better at 1/2)."""
    if worse + better == 0:
        return 1.0
    return float(binomtest(worse, worse + better, 0.5).pvalue)


def paired_bootstrap(
    metric: str, before: np.ndarray, after: np.ndarray, resamples: int = RESAMPLES, seed: int = SEED
) -> float:
    """Two-sided p-value that the metric did not change, from resampling the paired cases.

    The share of resamples whose change has the opposite sign to the observed one (ties counted
    half), doubled: the paired bootstrap of Koehn (2004) with a two-sided sign rule.
    """
    observed = float(statistic(metric, after) - statistic(metric, before))
    if observed == 0:
        return 1.0
    picks = np.random.default_rng(seed).integers(0, len(before), size=(resamples, len(before)))
    deltas = statistic(metric, after[picks], axis=1) - statistic(metric, before[picks], axis=1)
    against = np.sum(deltas * np.sign(observed) < 0) + 0.5 * np.sum(deltas == 0)
    # (count + 1) / (resamples + 1): a resampling test never claims p = 0.
    return float(min(1.0, (2 * against + 1) / (resamples + 1)))


def paired_tests(
    before: Mapping[str, Mapping[str, float | None]],
    after: Mapping[str, Mapping[str, float | None]],
    lower_is_better: frozenset[str],
) -> list[PairedTest]:
    """Per metric, the paired test over the cases present and measured in both runs (case id -> metric -> value)."""
    shared = [case for case in after if case in before]
    metrics = [m for m in (next(iter(after.values())) if after else {}) if m != "questions"]
    tests: list[PairedTest] = []
    for metric in metrics:
        pairs = [
            (before[c][metric], after[c][metric])
            for c in shared
            if before[c].get(metric) is not None and after[c].get(metric) is not None
        ]
        if not pairs:
            continue
        old = np.array([p[0] for p in pairs], dtype=float)
        new = np.array([p[1] for p in pairs], dtype=float)
        if metric in RATES:
            down, up = int(np.sum((old == 1) & (new == 0))), int(np.sum((old == 0) & (new == 1)))
            worse, better = (up, down) if metric in lower_is_better else (down, up)
            tests.append(PairedTest(metric, "mcnemar-exact", len(pairs), mcnemar_exact(worse, better), worse, better))
        else:
            tests.append(PairedTest(metric, "paired-bootstrap", len(pairs), paired_bootstrap(metric, old, new)))
    return tests
