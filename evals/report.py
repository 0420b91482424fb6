"""Results -> words: the Markdown report, and the plain lines the CLI prints for metrics, gate and baseline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from evals.gate import BaselineDiff, GateCheck
from evals.metrics import METRIC_KEYS, CaseOutcome, failed_checks, is_correct
from evals.stats import RESAMPLES, Interval, PairedTest

if TYPE_CHECKING:
    from evals.run import EvalRun, EvalSession

# What each metric means, for the report's readers (README "Evals" says the same at more length).
MEANINGS = {
    "recall_at_1": "answerable cases with a relevant paragraph ranked 1st (success@1)",
    "recall_at_5": "answerable cases with a relevant paragraph in the top 5 (success@5)",
    "recall_at_10": "answerable cases with a relevant paragraph in the top 10 (success@10)",
    "mrr_at_10": "mean 1/rank of the first relevant paragraph within 10, else 0",
    "ndcg_at_10": "nDCG@10, binary gains, ideal from every relevant paragraph in the collection",
    "answer_containment": "answerable cases whose answer contains a gold alias",
    "answer_f1": "best-alias SQuAD token F1 of the answer, abstention = 0",
    "citation_precision": "relevant share of cited paragraphs, averaged over answered answerable cases",
    "citation_recall": "answerable cases with at least one relevant citation",
    "abstention_accuracy": "unanswerable cases abstained on",
    "false_abstention_rate": "answerable cases abstained on (lower is better)",
    "precision_answered": "correct among the answered cases",
    "accuracy_all": "correct among all cases (alias given, or rightly abstained)",
    "short_answer_given": "answered who/which/when/where/how-much cases that lead with a short answer",
    "short_answer_correct": "short answers that hold a gold alias",
    "latency_p50_ms": "median wall time of one answer, ms",
    "latency_p95_ms": "95th percentile wall time of one answer, ms",
    "questions": "cases in the question file",
}


def format_value(metric: str, value: float | None) -> str:
    if value is None:
        return "n/a"
    if metric == "questions":
        return str(int(value))
    if metric.endswith("_ms"):
        return f"{value:.1f}"
    return f"{value:.4f}"


def format_delta(metric: str, delta: float) -> str:
    if metric == "questions":
        return f"{int(delta):+d}"
    if metric.endswith("_ms"):
        return f"{delta:+.1f}"
    return f"{delta:+.4f}"


def render_markdown(run: EvalRun, checks: Sequence[GateCheck] = (), diff: BaselineDiff | None = None) -> str:
    """The whole report: run facts, metric table (with gate), per-tag accuracy, baseline diff, failed cases."""
    info = run.info
    lines = [
        f"# Eval report: {info.collection}",
        "",
        f"- corpus: `{info.corpus}` ({info.documents} documents, {info.paragraphs} paragraphs), "
        f"collection `{info.collection}`",
        f"- questions: `{info.questions}` ({len(run.outcomes)} cases, "
        f"{sum(o.answerable for o in run.outcomes)} answerable)",
        f"- answerer: {info.answerer}, k = {info.k}; date {info.date}; commit {info.commit or 'unknown'}",
        f"- time: indexing {info.index_seconds:.1f} s, questions {info.run_seconds:.1f} s",
        "",
        "## Metrics",
        "",
        f"Intervals: 95% percentile bootstrap over the cases ({RESAMPLES} resamples, fixed seed).",
        "",
    ]
    lines += _metric_table(run.metrics, run.intervals, checks)
    if checks:
        failing = [c for c in checks if not c.passed]
        verdict = "**FAIL**: " + "; ".join(c.describe() for c in failing) if failing else "**PASS**"
        lines += ["", f"Gate: {verdict}"]
    lines += ["", "## Accuracy by tag", "", "| tag | cases | correct | accuracy |", "|---|---:|---:|---:|"]
    for tag, (cases, correct) in _by_tag(run.outcomes).items():
        lines.append(f"| {tag} | {cases} | {correct} | {correct / cases:.2f} |")
    if diff is not None:
        lines += ["", "## Against the baseline", ""]
        lines += [f"- {line}" for line in diff_lines(diff)]
    if info.unmatched_evidence:
        lines += [
            "",
            "## Evidence found in no paragraph",
            "",
            "No indexed paragraph contains any evidence snippet of these answerable cases, so they cannot "
            "score on retrieval or citations. Check the snippets against the source text, or how it was chunked:",
            "",
            ", ".join(f"`{case_id}`" for case_id in info.unmatched_evidence),
        ]
    failed = [o for o in run.outcomes if failed_checks(o)]
    lines += ["", f"## Failed cases ({len(failed)} of {len(run.outcomes)})", ""]
    if not failed:
        lines.append("None.")
    for outcome in failed:
        detail = run.details.get(outcome.id)
        lines += _failed_case(outcome, run.excerpts, detail.notes if detail else ())
    return "\n".join(lines) + "\n"


def summary_lines(metrics: dict[str, float | None], checks: Sequence[GateCheck] = ()) -> list[str]:
    """One `metric  value  [bar  ok|FAIL]` line per metric, for the terminal."""
    bars = {check.metric: check for check in checks}
    lines = []
    for key in METRIC_KEYS:
        line = f"{key:<22} {format_value(key, metrics.get(key)):>9}"
        check = bars.get(key)
        if check:
            sign = ">=" if check.direction == "min" else "<="
            end = (" (low)" if check.direction == "min" else " (high)") if check.on == "interval" else ""
            line += f"   {sign} {check.bound:<5} {'ok' if check.passed else 'FAIL'}{end}"
        lines.append(line)
    return lines


def diff_lines(diff: BaselineDiff) -> list[str]:
    """Each metric's change, then the cases that flipped between right and wrong."""
    lines = []
    for change in diff.changes:
        before = format_value(change.metric, change.before)
        after = format_value(change.metric, change.after)
        delta = "" if change.delta is None else f" ({format_delta(change.metric, change.delta)})"
        mark = "  worse" if change.worse else ""
        test = diff.test(change.metric)
        lines.append(f"{change.metric}: {before} -> {after}{delta}{mark}{_test_note(test) if test else ''}")
    for flip in diff.broke:
        lines.append(f"right -> wrong: {flip.id} (now fails {', '.join(flip.failed_now)}): {flip.question}")
    for flip in diff.fixed:
        lines.append(f"wrong -> right: {flip.id} (failed {', '.join(flip.failed_before)}): {flip.question}")
    if diff.new_cases:
        lines.append(f"new cases, not in the baseline: {', '.join(diff.new_cases)}")
    if diff.missing_cases:
        lines.append(f"cases in the baseline but not run: {', '.join(diff.missing_cases)}")
    if not diff.broke and not diff.fixed:
        lines.append("no case flipped between right and wrong")
    return lines


def format_interval(metric: str, interval: Interval | None) -> str:
    """`[0.9130, 0.9891]` in the metric's units; empty when there is none (the question count, no cases)."""
    if interval is None:
        return ""
    return f"[{format_value(metric, interval.low)}, {format_value(metric, interval.high)}]"


def bar_text(check: GateCheck) -> str:
    """`≥ 0.9`, or `≥ 0.9 (lower bound)` for a bar checked on the interval."""
    sign = "≥" if check.direction == "min" else "≤"
    end = " (lower bound)" if check.direction == "min" else " (upper bound)"
    return f"{sign} {check.bound}{end if check.on == 'interval' else ''}"


def _test_note(test: PairedTest) -> str:
    verdict = "significant" if test.significant else "not significant"
    if test.test == "mcnemar-exact":
        return f"; McNemar exact p = {test.p_value:.3g}, {verdict} ({test.worse} worse, {test.better} better)"
    return f"; paired bootstrap p = {test.p_value:.3g}, {verdict} ({test.pairs} cases)"


def _metric_table(
    metrics: dict[str, float | None], intervals: dict[str, Interval | None], checks: Sequence[GateCheck]
) -> list[str]:
    bars = {check.metric: check for check in checks}
    if bars:
        lines = ["| metric | value | 95% interval | threshold | result | meaning |", "|---|---:|---:|---:|---|---|"]
    else:
        lines = ["| metric | value | 95% interval | meaning |", "|---|---:|---:|---|"]
    for key in METRIC_KEYS:
        value = format_value(key, metrics.get(key))
        interval = format_interval(key, intervals.get(key))
        if bars:
            check = bars.get(key)
            bar = bar_text(check) if check else ""
            result = ("pass" if check.passed else "**FAIL**") if check else ""
            lines.append(f"| {key} | {value} | {interval} | {bar} | {result} | {MEANINGS[key]} |")
        else:
            lines.append(f"| {key} | {value} | {interval} | {MEANINGS[key]} |")
    return lines


def _by_tag(outcomes: Sequence[CaseOutcome]) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        kind = "(answerable)" if outcome.answerable else "(unanswerable)"
        for tag in (kind, *outcome.tags):
            counts[tag][0] += 1
            counts[tag][1] += int(is_correct(outcome))
    ordered = sorted(counts.items(), key=lambda item: (not item[0].startswith("("), item[0]))
    return {tag: (cases, correct) for tag, (cases, correct) in ordered}


def _failed_case(outcome: CaseOutcome, excerpts: dict[str, str], notes: Sequence[str]) -> list[str]:
    gold = " / ".join(f"`{alias}`" for alias in outcome.gold) if outcome.answerable else "none: should abstain"
    given = "abstained" if outcome.abstained else f"“{_inline(outcome.answer)}”"
    lines = [
        f"### `{outcome.id}`: fails {', '.join(failed_checks(outcome))}",
        "",
        f"- **Question:** {_inline(outcome.question)}",
        f"- **Gold:** {gold}",
        f"- **Answer:** {given}",
    ]
    if notes:
        lines.append(f"- **Notes:** {_inline('; '.join(notes))}")
    if outcome.citations:
        lines.append("- **Citations:**")
        for pid, relevant in zip(outcome.citations, outcome.cited_relevant, strict=True):
            mark = "relevant" if relevant else "not relevant"
            lines.append(f"  - `{pid}` ({mark}): “{_inline(excerpts.get(pid, ''))}”")
    if outcome.answerable:
        ranked = ", ".join(
            f"`{pid}`{' ✓' if hit else ''}"
            for pid, hit in zip(outcome.retrieved[:5], outcome.retrieved_relevant[:5], strict=True)
        )
        known = f"{outcome.relevant_total} relevant in the collection"
        lines.append(f"- **Top 5 retrieved** (✓ relevant; {known}): {ranked or 'none'}")
    lines.append("")
    return lines


def _inline(text: str) -> str:
    # One line, and no stray table or emphasis syntax from the source text.
    return " ".join(text.split()).replace("|", "\\|")


def render_suites(sessions: Sequence[tuple[str, EvalSession]]) -> str:
    """One report for several suites: an overview table, then each suite's report one heading level down."""
    lines = [
        f"# Eval report: {len(sessions)} suites",
        "",
        "| suite | cases | failed cases | gate |",
        "|---|---:|---:|---|",
    ]
    for name, session in sessions:
        failed = sum(1 for o in session.run.outcomes if failed_checks(o))
        gate = "n/a" if not session.checks else ("**FAIL**" if session.gate_failed else "pass")
        lines.append(f"| {name} | {len(session.run.outcomes)} | {failed} | {gate} |")
    for name, session in sessions:
        body = render_markdown(session.run, session.checks, session.diff).splitlines()
        body[0] = f"## Suite `{name}`: {session.run.info.collection}"
        lines += ["", *body[:1], *(f"#{line}" if line.startswith("#") else line for line in body[1:])]
    return "\n".join(lines) + "\n"
