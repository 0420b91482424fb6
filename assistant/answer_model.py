"""Which quote answers, and whether any does: one logistic model over (question, candidate sentence) features.

The extractive answerer (assistant/answer.py) judges every sentence of the retrieved passages: how much of
the question it covers, its cosine to the question, whether it holds the kind of thing asked for. Here those
judgements, the passage's retrieval scores, the question words the sentence lacks and the named entities
stored with its paragraph at ingest become one feature row per candidate. A logistic model scores the rows;
the best row's score, Platt-calibrated, is the probability that the quote holds the answer, and the answer
abstains below Settings.answer_min_probability. No hand-set cut-off decides on its own.

The weights are fitted by training/answerer/train.py on SQuAD 2.0 training articles (the two the CI gate
scores are held out of it) and read from assistant/answer_model.json: plain numbers, no pickle.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from assistant.answer import (
    Answer,
    ExtractiveAnswerer,
    Judgement,
    abstain,
    closest_passages,
    compose,
    overlapping,
    quote_of,
)
from assistant.question import analyse
from assistant.short_answer import asks_for, entities_within, pick_span
from index.records import Entity, Paragraph, Passage
from index.text import NEGATIONS, terms

MODEL_FILE = Path(__file__).with_name("answer_model.json")

# One row per candidate sentence, in this order; the model file names them and must match.
FEATURES = (
    "score",  # the rules answerer's blend: 0.6 coverage + 0.4 cosine (+0.1 when the asked-for type is there)
    "coverage",  # IDF-weighted share of the question's terms the sentence holds (half for the rest of its paragraph)
    "dense",  # cosine of question and sentence
    "dense_gap",  # how far below the best candidate's cosine
    "coverage_gap",  # how far below the best candidate's coverage
    "candidate_rank",  # 1 / (1 + place among the candidates by score)
    "passage_rank",  # 1 / (1 + the passage's place in the fused retrieval)
    "passage_dense",  # the passage's cosine to the question (0 when only BM25 found it)
    "passage_lexical",  # its BM25 score over the best in the pool
    "missing_share",  # share of the question's IDF weight the sentence lacks
    "missing_strongest",  # the rarest question word the sentence lacks, as a share of the rarest there is
    "missing_in_paragraph",  # share of the question's IDF weight the whole paragraph (and heading) lacks
    "names_missing",  # question words spelt with a capital (names) the paragraph lacks
    "bigrams",  # share of the question's adjacent word pairs the sentence holds adjacent too
    "negation_differs",  # one of question and sentence negates and the other does not
    "unmatched",  # share of the question's weight in words the corpus never uses and the paragraph does not mean
    "type_expected",  # the question asks for a number, money, a share or a time
    "type_ok",  # ... and the sentence holds one
    "span_asked",  # the question asks for a named thing (who, which, when, how much...)
    "span_found",  # ... and the sentence holds an entity that answers it (assistant/short_answer.py)
    "adds",  # the sentence holds a word the question does not
    "speaker_ok",  # for "what did X say": X is the one speaking (1 when not asked)
    "action_ok",  # for "what did X agree": the sentence holds the verb (1 when not asked)
    "header",  # the sentence is a document header
    "opens_paragraph",
    "length",  # log(1 + content words of the sentence)
    "previous_coverage",  # the coverage of the sentence before it in its paragraph (0 for the first):
    "previous_dense",  # "It was released in 2006" answers when the sentence before names the thing
    "next_coverage",  # and the sentence after it
)

EntitySource = Callable[[list[Paragraph]], Mapping[str, tuple[Entity, ...] | None]]


@dataclass(frozen=True)
class AnswerModel:
    """Standardised logistic weights over FEATURES, and the Platt map from the best logit to a probability."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    platt: tuple[float, float]  # P(the best quote holds the answer) = sigmoid(a * best logit + b)

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AnswerModel:
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["features"]) != FEATURES:
            raise ValueError(f"{path}: its features differ from assistant/answer_model.py's; refit it with "
                             "training/answerer/train.py")  # fmt: skip
        return cls(
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["weights"], dtype=np.float64),
            float(data["bias"]),
            (float(data["platt"][0]), float(data["platt"][1])),
        )

    def logits(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.weights + self.bias

    def probability(self, best_logit: float) -> float:
        a, b = self.platt
        return _sigmoid(a * best_logit + b)


@cache
def shared_model() -> AnswerModel:
    return AnswerModel.load()


_NEGATION = re.compile(r"\b(?:" + "|".join(NEGATIONS) + r")\b|n't\b", re.I)
_WORD = re.compile(r"[A-Za-z0-9][\w'’-]*")


def candidate_rows(
    question: str,
    judged: Sequence[Judgement],
    idf: Callable[[str], float],
    seen: Callable[[str], bool],
    entities: Mapping[str, tuple[Entity, ...] | None],
) -> np.ndarray:
    """One row of FEATURES per judged candidate (in the order given: best by the rules' score first)."""
    asked = analyse(question)
    known = [t for t in asked.terms if seen(t)]
    weights = {t: idf(t) for t in known}
    total = sum(weights.values()) or 1.0
    strongest = max(weights.values(), default=1.0) or 1.0
    names = _names(question)
    pairs = set(itertools.pairwise(asked.terms))
    negates = bool(_NEGATION.search(question))
    asks = asks_for(question)
    best_dense = max((j.dense for j in judged), default=0.0)
    best_coverage = max((j.coverage for j in judged), default=0.0)
    best_lexical = max((j.candidate.passage.lexical or 0.0 for j in judged), default=0.0) or 1.0
    context: dict[str, set[str]] = {}
    # Each candidate's neighbours in its paragraph, by position: (paragraph id, start) -> judgement.
    by_place = sorted(
        range(len(judged)), key=lambda i: (judged[i].candidate.passage.paragraph.id, judged[i].candidate.start)
    )
    before: dict[int, Judgement] = {}
    after: dict[int, Judgement] = {}
    for a, b in itertools.pairwise(by_place):
        if judged[a].candidate.passage.paragraph.id == judged[b].candidate.passage.paragraph.id:
            before[b], after[a] = judged[a], judged[b]
    rows = np.zeros((len(judged), len(FEATURES)), dtype=np.float64)
    for i, judgement in enumerate(judged):
        candidate = judgement.candidate
        paragraph = candidate.passage.paragraph
        have_list = terms(candidate.text)
        have = set(have_list)
        if paragraph.id not in context:
            context[paragraph.id] = set(terms(paragraph.text)) | set(terms(paragraph.heading))
        around = context[paragraph.id]
        lacking = [w for t, w in weights.items() if t not in have]
        found = 0.0
        stored = entities.get(paragraph.id)
        if asks is not None and stored is not None:
            inside = entities_within(stored, candidate.start, candidate.end)
            found = float(pick_span(question, candidate.text, inside) is not None)
        rows[i] = (
            judgement.score,
            judgement.coverage,
            judgement.dense,
            best_dense - judgement.dense,
            best_coverage - judgement.coverage,
            1.0 / (1 + i),
            1.0 / (1 + candidate.passage.rank),
            candidate.passage.dense or 0.0,
            (candidate.passage.lexical or 0.0) / best_lexical,
            sum(lacking) / total,
            max(lacking, default=0.0) / strongest,
            sum(w for t, w in weights.items() if t not in around) / total,
            sum(1 for n in names if n not in around),
            _pair_share(pairs, have_list),
            float(negates != bool(_NEGATION.search(candidate.text))),
            judgement.unmatched,
            float(asked.expects is not None),
            float(asked.expects is not None and judgement.type_ok),
            float(asks is not None),
            found,
            float(judgement.adds_ok),
            float(judgement.speaker_ok),
            float(judgement.action_ok),
            float(paragraph.is_header),
            float(candidate.start == 0),
            math.log1p(len(have_list)),
            before[i].coverage if i in before else 0.0,
            before[i].dense if i in before else 0.0,
            after[i].coverage if i in after else 0.0,
        )
    return rows


def _names(question: str) -> set[str]:
    """Stems of the question's capitalised words after its first: the names it asks about."""
    words = _WORD.findall(question)[1:]
    return {t for w in words if w[:1].isupper() for t in terms(w)}


def _pair_share(pairs: set[tuple[str, str]], have: list[str]) -> float:
    if not pairs:
        return 0.0
    return len(pairs & set(itertools.pairwise(have))) / len(pairs)


class LearnedAnswerer(ExtractiveAnswerer):
    """Quotes the candidate the model scores best (and a close second), or abstains when its probability is low."""

    def __init__(
        self,
        *args: object,
        entities: EntitySource,
        min_probability: float,
        second_share: float,
        model: AnswerModel | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.entities = entities
        self.min_probability = min_probability
        self.second_share = second_share
        self._model = model

    @property
    def model(self) -> AnswerModel:
        """The fitted model, loaded on first use: training/answerer/train.py takes rows() before one exists."""
        return self._model or shared_model()

    def rows(
        self, question: str, passages: Sequence[Passage], question_vector: np.ndarray
    ) -> tuple[list[Judgement], np.ndarray]:
        """The judged candidates and their feature rows: what the model scores and training/answerer/train.py fits."""
        judged = self.judge(question, passages, question_vector)
        if not judged:
            return [], np.zeros((0, len(FEATURES)))
        paragraphs = list({j.candidate.passage.paragraph.id: j.candidate.passage.paragraph for j in judged}.values())
        entities = self.entities(paragraphs) if asks_for(question) is not None else {}
        return judged, candidate_rows(question, judged, self.keyword.idf, self._seen, entities)

    def scored(
        self, question: str, passages: Sequence[Passage], question_vector: np.ndarray
    ) -> tuple[list[Judgement], np.ndarray, np.ndarray]:
        """The judged candidates, their feature rows and the model's logits for them."""
        judged, rows = self.rows(question, passages, question_vector)
        return judged, rows, self.model.logits(rows) if judged else np.zeros(0)

    def _seen(self, term: str) -> bool:
        return bool(self.keyword.document_frequency.get(term))

    def answer(self, question: str, passages: Sequence[Passage], question_vector: np.ndarray) -> Answer:
        judged, _, logits = self.scored(question, passages, question_vector)
        if not judged:
            return abstain(question, passages)
        order = [int(i) for i in np.argsort(-logits, kind="stable")]
        ranked = [judged[i] for i in order]
        best = ranked[0]
        probability = self.model.probability(float(logits[order[0]]))
        closest = closest_passages(ranked, passages)
        # A best match that says the thing is not known is the finding: no lesser match answers instead.
        if probability < self.min_probability or best.unknown:
            return abstain(question, closest, confidence=probability)
        chosen = [best]
        # A second sentence only from the same paragraph: another paragraph's would cost citation precision.
        paragraph = best.candidate.passage.paragraph.id
        second = next(
            (
                i
                for i in order[1:]
                if judged[i].candidate.passage.paragraph.id == paragraph
                and not overlapping(judged[i].candidate, best.candidate)
            ),
            None,
        )
        if second is not None and _sigmoid(logits[second]) >= self.second_share * _sigmoid(logits[order[0]]):
            chosen.append(judged[second])
        chosen.sort(key=lambda j: (j.candidate.passage.rank, j.candidate.start))
        claims = [(quote_of(j.candidate), j.candidate.passage.paragraph) for j in chosen]
        return compose(question, claims, passages, confidence=probability)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-float(x)))
