"""Fits assistant/answer_model.json: which quoted sentence answers a question, and whether any does.

    .venv/bin/python training/answerer/train.py [--rows /tmp/answerer-rows.npz] [--refresh]

Data: the SQuAD 2.0 training subset (../shared/data/squad2, CC BY-SA 4.0) minus the two articles the CI gate
scores (benchmarks/squad.py HELD_OUT): 8 articles, every question, answerable and unanswerable. The articles are
indexed as a user would index them; each question is retrieved and judged by the product's own code
(assistant/answer.py) and every candidate sentence becomes a row of assistant/answer_model.py's FEATURES,
labelled 1 when it holds a gold answer. The rows are cached (--rows) so a refit costs seconds.

Fitting: a logistic regression on standardised rows. Its C, the Platt map from a question's best logit to
the probability that the best quote holds the answer, and the abstention threshold printed for Settings
are all chosen by leave-one-article-out cross-validation on these 8 articles; nothing here reads the
held-out articles, the seeds or the BBC question file. Prints the abstention curve of the out-of-fold
predictions: answer containment, false abstention and unanswerable abstained at each threshold.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

import numpy as np
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path[:0] = [str(REPO)]

from assistant.answer_model import FEATURES, MODEL_FILE  # noqa: E402
from benchmarks.squad import HELD_OUT, articles, cases, indexed  # noqa: E402
from evals.metrics import contains_any  # noqa: E402

C_GRID = (0.01, 0.1, 1.0, 10.0)
MAX_FALSE_ABSTENTION = 0.05  # an answer withheld is a visible failure: the bar of the seeds' gate
SECOND_SHARES = (1.01, 0.8, 0.6, 0.4, 0.2)  # a second sentence of the best one's paragraph; 1.01: never
K = 5
FOREIGN_PER_ARTICLE = 100


def dump(path: Path) -> None:
    """Index the training articles, judge every question's candidates, save the rows.

    Besides each article's own questions, FOREIGN_PER_ARTICLE of its answerable ones are asked of a corpus
    that lacks it (the other half of the articles): a question about something the documents do not cover,
    which users ask and SQuAD's unanswerable questions (written against their own paragraph) never are."""
    chosen = [a for a in articles() if a.title not in HELD_OUT]
    halves = [list(range(0, len(chosen), 2)), list(range(1, len(chosen), 2))]
    X, y, question_of, article_of, answerable, foreign = [], [], [], [], [], []
    began = time.perf_counter()
    n = 0
    for store in ("all", "even", "odd"):
        held = {"all": [], "even": halves[1], "odd": halves[0]}[store]  # the articles this store lacks
        kept = [a for i, a in enumerate(chosen) if i not in held]
        with tempfile.TemporaryDirectory(prefix="answerer-") as scratch:
            library = indexed(kept, Path(scratch), "answerer-training", answerer="learned")
            print(f"{store}: indexed {len(kept)} articles, {time.perf_counter() - began:.0f} s", flush=True)
            for a, article in enumerate(chosen):
                if store != "all" and a not in held:
                    continue
                asked_here = list(cases(article))
                if store != "all":
                    asked_here = [c for c in asked_here if c["answerable"]]
                    random.Random(a).shuffle(asked_here)
                    asked_here = [{**c, "answers": [], "answerable": False} for c in asked_here[:FOREIGN_PER_ARTICLE]]
                for case in asked_here:
                    asked = library._retrieve_for(case["question"], K)
                    judged, rows = asked.answerer.rows(asked.question, asked.pool, asked.vector)
                    if not judged:
                        continue
                    gold = case.get("answers", [])
                    X.append(rows)
                    y.extend(bool(gold) and contains_any(j.candidate.text, gold) for j in judged)
                    question_of.extend([n] * len(judged))
                    article_of.append(a)
                    answerable.append(case["answerable"])
                    foreign.append(store != "all")
                    n += 1
                    if n % 500 == 0:
                        print(f"{n} questions, {time.perf_counter() - began:.0f} s", flush=True)
    np.savez_compressed(
        path,
        X=np.concatenate(X),
        y=np.asarray(y, dtype=bool),
        question=np.asarray(question_of),
        article=np.asarray(article_of),
        answerable=np.asarray(answerable, dtype=bool),
        foreign=np.asarray(foreign, dtype=bool),
        features=np.asarray(FEATURES),
    )
    print(f"{n} questions -> {path}")


def fit(X: np.ndarray, y: np.ndarray, C: float) -> tuple[np.ndarray, np.ndarray, LogisticRegression]:
    mean, scale = X.mean(axis=0), X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=C, max_iter=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit((X - mean) / scale, y)
    return mean, scale, model


def per_question(
    logits: np.ndarray, y: np.ndarray, question: np.ndarray, passage: np.ndarray
) -> list[tuple[float, bool, float, bool]]:
    """For each question: best logit, whether the best holds the answer, the logit of the best other sentence of
    the same paragraph (-inf if none) and whether it does (rows of one question are contiguous)."""
    out = []
    bounds = np.flatnonzero(np.diff(question)) + 1
    for rows in np.split(np.arange(len(question)), bounds):
        order = rows[np.argsort(-logits[rows], kind="stable")]
        same = [r for r in order[1:] if passage[r] == passage[order[0]]]
        second_logit, second_holds = (float(logits[same[0]]), bool(y[same[0]])) if same else (-np.inf, False)
        out.append((float(logits[order[0]]), bool(y[order[0]]), second_logit, second_holds))
    return out


def sigmoid(x: np.ndarray | float) -> np.ndarray | float:
    return 1 / (1 + np.exp(-x))


def curve(best, answerable, foreign, probability, share):  # type: ignore[no-untyped-def]
    """Per threshold: (threshold, containment, false abstention, SQuAD's unanswerable abstained, off-corpus
    questions abstained, share of answers with two quotes)."""
    rows = []
    squad_unanswerable = ~answerable & ~foreign
    for t in np.round(np.arange(0.0, 0.951, 0.025), 3):
        answered = probability >= t
        second = sigmoid(best[:, 2]) >= share * sigmoid(best[:, 0])
        holds = (best[:, 1] > 0) | (second & (best[:, 3] > 0))
        contain = float(np.mean(answered[answerable] & holds[answerable]))
        false_abstention = float(np.mean(~answered[answerable]))
        unanswerable = float(np.mean(~answered[squad_unanswerable])) if squad_unanswerable.any() else 0.0
        off_corpus = float(np.mean(~answered[foreign])) if foreign.any() else 0.0
        two = float(np.mean(second[answered])) if answered.any() else 0.0
        rows.append((float(t), contain, false_abstention, unanswerable, off_corpus, two))
    return rows


def operating_point(rows):  # type: ignore[no-untyped-def]
    """The highest threshold whose false abstention stays within MAX_FALSE_ABSTENTION."""
    return max((r for r in rows if r[2] <= MAX_FALSE_ABSTENTION), key=lambda r: r[0])


def out_of_fold(X, y, row_article, article, C):  # type: ignore[no-untyped-def]
    oof = np.zeros(len(y))
    for held in sorted(set(article)):
        train, test = row_article != held, row_article == held
        mean, scale, model = fit(X[train], y[train], C)
        oof[test] = model.decision_function((X[test] - mean) / scale)
    return oof


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=Path, default=Path(tempfile.gettempdir()) / "answerer-rows.npz")
    parser.add_argument("--refresh", action="store_true", help="judge the questions again even if --rows exists")
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.relative_to(REPO)}")
    options = parser.parse_args()
    if options.refresh or not options.rows.exists():
        dump(options.rows)
    data = np.load(options.rows)
    if tuple(data["features"]) != FEATURES or "foreign" not in data:
        raise SystemExit(f"{options.rows} was written for other features: run with --refresh")
    X, y, question, article, answerable, foreign = (
        data[k] for k in ("X", "y", "question", "article", "answerable", "foreign")
    )
    row_article = article[question]
    passage = X[:, FEATURES.index("passage_rank")]  # one value per passage of a question
    print(f"{len(answerable)} questions ({(~answerable & ~foreign).sum()} SQuAD unanswerable, {foreign.sum()} asked "
          f"of a corpus without their article), {len(y)} candidate rows, {y.mean():.3f} positive; "
          f"{len(set(article))} articles")  # fmt: skip
    results = {}
    platts = {}  # C -> the Platt map fitted on its out-of-fold best logits (the final model's map too)
    for C in C_GRID:
        oof = out_of_fold(X, y, row_article, article, C)
        best = np.asarray(per_question(oof, y, question, passage))
        platt = platts[C] = LogisticRegression(C=1e4).fit(best[:, :1], best[:, 1] > 0)
        probability = platt.predict_proba(best[:, :1])[:, 1]
        for share in SECOND_SHARES:
            rows = curve(best, answerable, foreign, probability, share)
            results[(C, share)] = (operating_point(rows), rows)
        top1 = float(np.mean(best[answerable, 1] > 0))
        print(f"C={C}: out-of-fold best candidate holds the answer for {top1:.3f} of answerable questions")
    (C, share), (top, rows) = max(results.items(), key=lambda item: (item[1][0][1], item[1][0][3] + item[1][0][4]))
    print(
        f"\nchosen C={C}, a second quote of the same paragraph when its sigmoid >= {share} x the best's; "
        f"threshold: the highest with out-of-fold false abstention <= {MAX_FALSE_ABSTENTION}. Out-of-fold curve:"
    )
    print(" threshold  containment  false-abst  unans-abst  off-corpus  two-quotes")
    for row in rows:
        mark = "  <- chosen" if row == top else ""
        print(f"{row[0]:10.3f}  {row[1]:11.3f}  {row[2]:10.3f}  {row[3]:10.3f}  {row[4]:10.3f}  {row[5]:10.3f}{mark}")
    # The final fit: every training row, the chosen C; the Platt map fitted on its out-of-fold logits.
    mean, scale, model = fit(X, y, C)
    platt = platts[C]
    print("\nweights (standardised):")
    for name, w in sorted(zip(FEATURES, model.coef_[0], strict=True), key=lambda p: -abs(p[1])):
        print(f"  {name:22s} {w:+.3f}")
    document = {
        "about": "which quote answers; fitted by training/answerer/train.py (see its docstring)",
        "features": list(FEATURES),
        "C": C,
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in model.coef_[0]],
        "bias": round(float(model.intercept_[0]), 6),
        "platt": [round(float(platt.coef_[0][0]), 6), round(float(platt.intercept_[0]), 6)],
        "chosen": {"min_probability": top[0], "second_share": share},
        "out_of_fold": {
            "containment": round(top[1], 3),
            "false_abstention": round(top[2], 3),
            "unanswerable_abstained": round(top[3], 3),
            "off_corpus_abstained": round(top[4], 3),
        },
        "trained_on": {
            "articles": len(set(article)),
            "questions": len(answerable),
            "unanswerable": int((~answerable & ~foreign).sum()),
            "off_corpus": int(foreign.sum()),
            "rows": len(y),
        },
    }
    print(f"\nSettings: answer_min_probability={top[0]}, answer_second_share={share}")
    if options.write:
        MODEL_FILE.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {MODEL_FILE.relative_to(REPO)}")


if __name__ == "__main__":
    main()
