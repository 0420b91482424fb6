"""llama-index's RetrieverEvaluator, run over our retriever on the seeds' questions, agrees with evals/metrics.py."""

from __future__ import annotations

from conftest import REPO
from llama_index.core.evaluation import RetrieverEvaluator

from assistant.library import Library
from evals.cases import load_cases
from evals.metrics import contains_any, hit_at, mean, reciprocal_rank

K = 5


def test_hit_rate_and_mrr_from_llama_index_equal_ours_on_the_seed_questions(seeded_library: Library) -> None:
    cases = [c for c in load_cases(REPO / "evals" / "questions.jsonl") if c.answerable]
    paragraphs = seeded_library.store.paragraphs()
    evaluator = RetrieverEvaluator.from_metric_names(
        ["hit_rate", "mrr"], retriever=seeded_library.as_llama_retriever(k=K)
    )
    theirs: dict[str, list[float]] = {"hit_rate": [], "mrr": []}
    ours: dict[str, list[float]] = {"hit_rate": [], "mrr": []}
    for case in cases:
        expected = [p.id for p in paragraphs if contains_any(p.text, case.evidence)]
        if not expected:
            continue
        result = evaluator.evaluate(query=case.question, expected_ids=expected)
        theirs["hit_rate"].append(result.metric_vals_dict["hit_rate"])
        theirs["mrr"].append(result.metric_vals_dict["mrr"])
        relevance = [p.paragraph.id in expected for p in seeded_library.retrieve(case.question, K)]
        ours["hit_rate"].append(float(hit_at(relevance, K)))
        ours["mrr"].append(reciprocal_rank(relevance, K))

    assert len(theirs["mrr"]) >= 20
    assert theirs == ours  # case by case, not only on average
    assert 0 < (mean(ours["mrr"]) or 0) <= (mean(ours["hit_rate"]) or 0) <= 1
