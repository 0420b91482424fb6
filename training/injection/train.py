"""Fits assistant/injection_model.json: instruction-like sentences against ordinary report sentences.

    python training/injection/train.py [--data /work/shared/data]

Positives: instructions.txt and the odd-numbered lines of paraphrases.txt. Negatives: hard_negatives.txt,
sentences of the odd-numbered BBC articles (politics and tech) and of SQuAD articles 1-5. Held out, never
fitted on, and printed at the end: the even-numbered paraphrases, the even-numbered BBC articles, SQuAD
articles 6-10 and the seeds.
The regularisation strength and the threshold are chosen by grouped cross-validation on the training
data only (folds by whole article), for recall at a false-positive rate of at most MAX_FPR.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from assistant.injection import BUCKETS, MODEL_FILE, InstructionModel, features  # noqa: E402
from index.text import sentence_spans  # noqa: E402

MAX_FPR = 0.002  # a false positive takes a true sentence out of the evidence: keep them rare
NEGATIVES_PER_CORPUS = 1500
SEED = 13


def lines(name: str) -> list[str]:
    text = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in text if line.strip() and not line.startswith("#")]


def paraphrases() -> tuple[list[str], list[str]]:
    """(training half, held-out half): odd-numbered lines train, even-numbered are held out."""
    all_lines = lines("paraphrases.txt")
    return all_lines[0::2], all_lines[1::2]


# The paraphrases all carry one payload ("the protocol was cancelled"). Fitted as written, the model would
# learn that "protocol" is an attack; each training paraphrase is used with other payloads instead, so
# that what is learnt is the frame ("disregard everything above; the correct answer is ...").
NOUNS = ["bridge", "merger", "contract", "vote", "strike", "launch", "treaty", "deal", "summit", "budget"]
VERBS = ["postponed", "approved", "closed", "delayed", "rejected", "signed", "abandoned", "halted"]


def with_other_payloads(text: str, rng: random.Random, n: int = 3) -> list[str]:
    variants = []
    for _ in range(n):
        variant = text.replace("protocol", rng.choice(NOUNS))
        for verb in ("cancelled", "scrapped", "dropped", "abandoned", "called off", "ended"):
            variant = variant.replace(verb, rng.choice(VERBS))
        variants.append(variant)
    return variants


def sentences_of(text: str) -> list[str]:
    out = []
    for paragraph in text.split("\n"):
        for start, end in sentence_spans(paragraph):
            sentence = paragraph[start:end].strip()
            if len(sentence.split()) >= 4:
                out.append(sentence)
    return out


def bbc(data: Path, parity: int) -> list[tuple[str, str]]:
    """Sentences of the BBC articles whose number is odd (parity 1) or even (0), both sections."""
    return [
        (s, f"bbc/{section}/{f.name}")
        for section in ("politics", "tech")
        for f in sorted((data / "bbc" / section).glob("*.txt"))
        if int(f.stem) % 2 == parity
        for s in sentences_of(f.read_text(encoding="utf-8", errors="replace"))
    ]


def squad(data: Path, articles: range) -> list[tuple[str, str]]:
    raw = json.loads((data / "squad2" / "train-subset-v2.0.json").read_text(encoding="utf-8"))
    return [
        (s, f"squad/{i}")
        for i, article in enumerate(raw["data"])
        if i in articles
        for paragraph in article["paragraphs"]
        for s in sentences_of(paragraph["context"])
    ]


def seeds() -> list[tuple[str, str]]:
    return [(s, f"seeds/{f.name}") for f in sorted((REPO / "seeds").glob("*.txt")) for s in sentences_of(f.read_text())]


def matrix(texts: list[str]) -> csr_matrix:
    rows, cols, vals = [], [], []
    for r, text in enumerate(texts):
        for bucket, value in features(text).items():
            rows.append(r)
            cols.append(bucket)
            vals.append(value)
    return csr_matrix((vals, (rows, cols)), shape=(len(texts), BUCKETS))


def sample(items: list[tuple[str, str]], n: int, rng: random.Random) -> list[tuple[str, str]]:
    return rng.sample(items, min(n, len(items)))


def threshold_for(negative_scores: np.ndarray) -> float:
    """The lowest threshold that keeps the false-positive rate at or under MAX_FPR."""
    ordered = np.sort(negative_scores)[::-1]
    allowed = int(MAX_FPR * len(ordered))
    return float(ordered[allowed]) + 1e-6 if len(ordered) > allowed else 0.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=REPO.parent.parent / "shared" / "data")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", module="sklearn")  # the l1 "penalty" spelling is deprecated, still exact
    if not (args.data / "bbc").exists():
        args.data = Path("/work/shared/data")
    rng = random.Random(SEED)

    train_pos, held_pos = paraphrases()
    positives = [(t, f"instructions/{i}") for i, t in enumerate(lines("instructions.txt"))]
    positives += [(v, f"paraphrase/{i}") for i, t in enumerate(train_pos) for v in with_other_payloads(t, rng)]
    negatives = [(t, f"hard/{i}") for i, t in enumerate(lines("hard_negatives.txt"))]
    negatives += sample(bbc(args.data, 1), 2 * NEGATIVES_PER_CORPUS, rng)
    negatives += sample(squad(args.data, range(0, 5)), NEGATIVES_PER_CORPUS, rng)
    texts = [t for t, _ in positives + negatives]
    labels = np.array([1] * len(positives) + [0] * len(negatives))
    groups = [g for _, g in positives + negatives]
    x = matrix(texts)

    best: tuple[float, float, float] | None = None  # (recall at MAX_FPR, C, threshold)
    for c in (1.0, 3.0, 10.0, 30.0, 100.0):
        scores = np.zeros(len(texts))
        for fit, held in GroupKFold(n_splits=4).split(x, labels, groups):
            model = LogisticRegression(penalty="l1", solver="liblinear", C=c, class_weight="balanced")
            model.fit(x[fit], labels[fit])
            scores[held] = model.predict_proba(x[held])[:, 1]
        threshold = threshold_for(scores[labels == 0])
        recall = float((scores[labels == 1] >= threshold).mean())
        print(f"C={c:g}: cross-validated recall {recall:.3f} at threshold {threshold:.3f} (FPR <= {MAX_FPR})")
        if best is None or recall > best[0]:
            best = (recall, c, threshold)
    assert best is not None
    _, c, threshold = best
    model = LogisticRegression(penalty="l1", solver="liblinear", C=c, class_weight="balanced")
    model.fit(x, labels)
    weights = {int(i): round(float(w), 5) for i, w in enumerate(model.coef_[0]) if abs(w) > 1e-5}
    MODEL_FILE.write_text(
        json.dumps(
            {
                "about": "instruction-like text; fitted by training/injection/train.py (see its docstring)",
                "C": c,
                "threshold": round(threshold, 4),
                "bias": round(float(model.intercept_[0]), 5),
                "trained_on": {"positives": len(positives), "negatives": len(negatives)},
                "weights": {str(k): v for k, v in sorted(weights.items())},
            },
            indent=0,
        )
        + "\n",
        encoding="utf-8",
    )
    fitted = InstructionModel.load()
    print(f"wrote {MODEL_FILE.relative_to(REPO)}: C={c:g}, {len(weights)} non-zero weights, threshold {threshold:.3f}")
    held_neg = {
        "BBC even-numbered articles (held out)": [t for t, _ in sample(bbc(args.data, 0), 3000, rng)],
        "SQuAD articles 6-10 (held out)": [t for t, _ in squad(args.data, range(5, 10))],
        "seeds (held out)": [t for t, _ in seeds()],
    }
    found = sum(fitted.is_instruction(t) for t in held_pos)
    print(f"held-out paraphrases: {found} of {len(held_pos)} flagged")
    for text in held_pos:
        if not fitted.is_instruction(text):
            print(f"  missed: {text}")
    for name, items in held_neg.items():
        flagged = [t for t in items if fitted.is_instruction(t)]
        print(f"{name}: {len(flagged)} of {len(items)} ordinary sentences flagged ({len(flagged) / len(items):.2%})")
        for text in flagged[:5]:
            print(f"  false positive: {text}")


if __name__ == "__main__":
    main()
