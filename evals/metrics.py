"""Metric functions over scored cases: pure, offline, each unit-tested on hand-computed values."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# The keys of `metrics` in the result JSON, in report order. The thresholds file, the baseline
# diff and the Markdown table all refer to metrics by these names.
METRIC_KEYS = (
    "recall_at_1",
    "recall_at_5",
    "recall_at_10",
    "mrr_at_10",
    "ndcg_at_10",
    "answer_containment",
    "answer_f1",
    "citation_precision",
    "citation_recall",
    "abstention_accuracy",
    "false_abstention_rate",
    "precision_answered",
    "accuracy_all",
    "short_answer_given",
    "short_answer_correct",
    "latency_p50_ms",
    "latency_p95_ms",
    "questions",
)
LOWER_IS_BETTER = frozenset({"false_abstention_rate", "latency_p50_ms", "latency_p95_ms"})
RETRIEVAL_DEPTH = 10  # the runner retrieves this many paragraphs per question for the ranking metrics

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_MARKERS = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")


# --- text matching ---------------------------------------------------------------------------


def normalize(text: str) -> str:
    """SQuAD answer normalisation: lower case, punctuation and articles dropped, whitespace folded.

    One deliberate difference from SQuAD's script: punctuation becomes a space instead of
    vanishing, so "two-day" matches the unpunctuated seed's "two day" and "don't" its "don t".
    """
    text = _PUNCTUATION.sub(" ", text.lower())
    return " ".join(_ARTICLES.sub(" ", text).split())


def contains(text: str, snippet: str) -> bool:
    """Whether the normalised snippet occurs as whole tokens of the normalised text ("nist" not in "administration")."""
    needle = normalize(snippet)
    return bool(needle) and f" {needle} " in f" {normalize(text)} "


def contains_any(text: str, snippets: Iterable[str]) -> bool:
    return any(contains(text, snippet) for snippet in snippets)


def strip_markers(answer: str) -> str:
    """The answer without its citation markers: "[2]" is not part of what was said (nor the number 2)."""
    return _MARKERS.sub(" ", answer)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 of the normalised texts (bag of tokens); two empty texts score 1."""
    predicted, expected = normalize(prediction).split(), normalize(gold).split()
    if not predicted or not expected:
        return float(predicted == expected)
    same = sum((Counter(predicted) & Counter(expected)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(expected)
    return 2 * precision * recall / (precision + recall)


# --- ranking -----------------------------------------------------------------------------------


def hit_at(relevance: Sequence[bool], k: int) -> bool:
    """Whether any of the first k ranked paragraphs is relevant (one case's success@k)."""
    return any(relevance[:k])


def reciprocal_rank(relevance: Sequence[bool], k: int = RETRIEVAL_DEPTH) -> float:
    """1/rank of the first relevant paragraph within the first k, else 0."""
    for rank, relevant in enumerate(relevance[:k], start=1):
        if relevant:
            return 1.0 / rank
    return 0.0


def ndcg_at(relevance: Sequence[bool], relevant_total: int, k: int = RETRIEVAL_DEPTH) -> float:
    """nDCG@k with binary gains (trec_eval's ndcg_cut): the ideal ranks all known relevant paragraphs first.

    relevant_total is how many paragraphs of the whole collection are relevant; it is raised to the
    relevant ones retrieved, so a collection scan that missed one cannot push nDCG above 1.
    """
    gains = relevance[:k]
    dcg = sum(1.0 / math.log2(rank + 1) for rank, relevant in enumerate(gains, start=1) if relevant)
    ideal_count = min(max(relevant_total, sum(gains)), k)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, ideal_count + 1))
    return dcg / ideal if ideal else 0.0


# --- aggregation ---------------------------------------------------------------------------------


def mean(values: Iterable[float]) -> float | None:
    """The arithmetic mean; None for no values (a metric measured on no case is not 0 or 1)."""
    items = list(values)
    return sum(items) / len(items) if items else None


def percentile(values: Iterable[float], q: float) -> float | None:
    """The q-th percentile (0-100) with linear interpolation between ranks, as numpy's default."""
    items = sorted(values)
    if not items:
        return None
    position = (len(items) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return items[low] + (items[high] - items[low]) * (position - low)


# --- one scored case ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseOutcome:
    """What the assistant did with one eval case, with relevance already judged against the evidence."""

    id: str
    question: str
    answerable: bool
    gold: tuple[str, ...]  # the case's answer aliases
    answer: str  # the answer text as given, citation markers included
    abstained: bool
    citations: tuple[str, ...]  # cited paragraph ids, in marker order
    cited_relevant: tuple[bool, ...]  # one flag per citation
    retrieved: tuple[str, ...]  # the top RETRIEVAL_DEPTH paragraph ids, best first
    retrieved_relevant: tuple[bool, ...]  # one flag per retrieved paragraph
    relevant_total: int  # paragraphs in the whole collection that contain an evidence snippet
    latency_ms: float  # wall time of answering (retrieval included)
    tags: tuple[str, ...] = ()
    asks_span: bool = False  # a who/which/when/where/how-much question (assistant/short_answer.py)
    short_answer: str | None = None  # the span the answer led with, if any


def contains_answer(outcome: CaseOutcome) -> bool:
    """An answer (not an abstention) whose prose contains one of the gold aliases."""
    return not outcome.abstained and contains_any(strip_markers(outcome.answer), outcome.gold)


def answer_f1(outcome: CaseOutcome) -> float:
    """Best token F1 of the answer prose against any alias; an abstention scores 0."""
    if outcome.abstained or not outcome.gold:
        return 0.0
    prose = strip_markers(outcome.answer)
    return max(token_f1(prose, alias) for alias in outcome.gold)


def citation_precision(outcome: CaseOutcome) -> float:
    """Share of the cited paragraphs that are relevant; an answer citing nothing is unsupported and scores 0."""
    if not outcome.cited_relevant:
        return 0.0
    return sum(outcome.cited_relevant) / len(outcome.cited_relevant)


def is_correct(outcome: CaseOutcome) -> bool:
    """Right behaviour: an answerable case answered with an alias, or an unanswerable one abstained on."""
    return contains_answer(outcome) if outcome.answerable else outcome.abstained


def failed_checks(outcome: CaseOutcome) -> tuple[str, ...]:
    """The metrics this case pulls below perfect, by metric key; empty when it passes every check."""
    if not outcome.answerable:
        return () if outcome.abstained else ("abstention_accuracy",)
    failed = []
    if not hit_at(outcome.retrieved_relevant, 5):
        failed.append("recall_at_5")
    if not contains_answer(outcome):
        failed.append("answer_containment")
    if not outcome.abstained and citation_precision(outcome) < 1.0:
        failed.append("citation_precision")
    if not any(outcome.cited_relevant):
        failed.append("citation_recall")
    if outcome.abstained:
        failed.append("false_abstention_rate")
    return tuple(failed)


def short_answer_correct(outcome: CaseOutcome) -> bool:
    """The short answer holds one of the gold aliases (both normalised): "Judge Letitia Clark" holds "Letitia Clark"."""
    return contains_any(outcome.short_answer or "", outcome.gold)


def compute_metrics(outcomes: Sequence[CaseOutcome]) -> dict[str, float | None]:
    """Every metric of METRIC_KEYS over the cases; None where a metric has no case to be measured on.

    Retrieval metrics are computed over answerable cases with trec_eval's conventions. Because a
    paragraph is relevant when it contains an evidence snippet, the relevant set is defined by
    containment rather than judged exhaustively, so recall_at_k is reported hit-rate style: the
    share of answerable cases with at least one relevant paragraph in the top k (success@k).
    """
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    answered_answerable = [o for o in answerable if not o.abstained]
    answered = [o for o in outcomes if not o.abstained]
    span_asked = [o for o in answered_answerable if o.asks_span]
    given = [o for o in span_asked if o.short_answer]
    latencies = [o.latency_ms for o in outcomes]
    metrics: dict[str, float | None] = {
        "recall_at_1": mean(float(hit_at(o.retrieved_relevant, 1)) for o in answerable),
        "recall_at_5": mean(float(hit_at(o.retrieved_relevant, 5)) for o in answerable),
        "recall_at_10": mean(float(hit_at(o.retrieved_relevant, 10)) for o in answerable),
        "mrr_at_10": mean(reciprocal_rank(o.retrieved_relevant, 10) for o in answerable),
        "ndcg_at_10": mean(ndcg_at(o.retrieved_relevant, o.relevant_total, 10) for o in answerable),
        "answer_containment": mean(float(contains_answer(o)) for o in answerable),
        "answer_f1": mean(answer_f1(o) for o in answerable),
        "citation_precision": mean(citation_precision(o) for o in answered_answerable),
        "citation_recall": mean(float(any(o.cited_relevant)) for o in answerable),
        "abstention_accuracy": mean(float(o.abstained) for o in unanswerable),
        "false_abstention_rate": mean(float(o.abstained) for o in answerable),
        "precision_answered": mean(float(is_correct(o)) for o in answered),
        "accuracy_all": mean(float(is_correct(o)) for o in outcomes),
        # Of the answered span-asking questions, the share given a short answer; of those, the share right.
        "short_answer_given": mean(float(bool(o.short_answer)) for o in span_asked),
        "short_answer_correct": mean(float(short_answer_correct(o)) for o in given),
        "latency_p50_ms": percentile(latencies, 50),
        "latency_p95_ms": percentile(latencies, 95),
        "questions": len(outcomes),
    }
    return {key: metrics[key] for key in METRIC_KEYS}
