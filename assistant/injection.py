"""Instruction-like text (prompt injection) found by a small logistic model, not by a list of phrases.

Features are hashed word 1-2-grams and character 3-5-grams of each word, binary and L2-normalised;
the weights are fitted by training/injection/train.py and read from assistant/injection_model.json.
A sentence is instruction-like when its probability reaches the model's threshold.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODEL_FILE = Path(__file__).with_name("injection_model.json")
BUCKETS = 1 << 20  # hash space; the fitted model keeps only the few hundred buckets L1 leaves non-zero
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[<>/:\[\]]+")


def features(text: str) -> dict[int, float]:
    """Hashed, binary, L2-normalised n-gram features of one sentence (bucket -> value)."""
    words = _WORD.findall(text.lower())
    grams = {f"w:{w}" for w in words}
    grams |= {f"b:{a} {b}" for a, b in itertools.pairwise(words)}
    for word in words:
        padded = f" {word} "
        grams |= {f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)}
    if not grams:
        return {}
    value = 1 / math.sqrt(len(grams))
    out: dict[int, float] = {}
    for gram in grams:
        bucket = zlib.crc32(gram.encode()) % BUCKETS
        out[bucket] = out.get(bucket, 0.0) + value
    return out


@dataclass(frozen=True)
class InstructionModel:
    """The fitted weights: probability = sigmoid(bias + sum of weight[bucket] * feature)."""

    weights: dict[int, float]
    bias: float
    threshold: float

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> InstructionModel:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return cls({int(k): float(v) for k, v in raw["weights"].items()}, float(raw["bias"]), float(raw["threshold"]))

    def probability(self, text: str) -> float:
        z = self.bias + sum(self.weights.get(b, 0.0) * v for b, v in features(text).items())
        return 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))

    def is_instruction(self, text: str) -> bool:
        return self.probability(text) >= self.threshold

    def flags(self, sentences: Sequence[str]) -> list[bool]:
        return [self.is_instruction(s) for s in sentences]


@cache
def default_model() -> InstructionModel:
    """The committed model, read once per process."""
    return InstructionModel.load()
