"""Figures and their conflicts: money, shares and counts a sentence states, and different values of one quantity."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from assistant.brief import vocabulary as vocab
from assistant.brief.candidates import Pool
from assistant.brief.dispute import Conflict, Group
from index.text import STOPWORDS, terms

_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s?(?P<scale>bn|billion|tn|trillion|m|mn|million|k|thousand)\b)?"
_CURRENCY_WORD = r"(?P<word>dollars?|pounds?|euros?|roubles?|rubles?|yuan|yen|rupees?)"
_FIGURE = re.compile(
    rf"(?P<sign>US\$|\$|£|€|¥){_NUMBER}{_SCALE}"
    rf"|\b{_NUMBER.replace('num', 'num2')}(?:\s?(?P<scale2>bn|billion|tn|trillion|m|mn|million)\b)?\s+(?:of\s+)?"
    rf"{_CURRENCY_WORD}"
    rf"|\b{_NUMBER.replace('num', 'num3')}\s?(?P<pct>%|per\s?cent\b|percent\b)"
    rf"|\b{_NUMBER.replace('num', 'num4')}(?:\s(?P<scale4>million|billion))?"
    r"\s+(?P<unit>(?:[A-Za-z][a-z-]+\s+)?[a-z][a-z-]+)",
    re.I,
)
_SCALES = {"bn": 1e9, "billion": 1e9, "tn": 1e12, "trillion": 1e12, "m": 1e6, "mn": 1e6, "million": 1e6,
           "k": 1e3, "thousand": 1e3}  # fmt: skip
_CURRENCIES = {"us$": "$", "$": "$", "£": "£", "€": "€", "¥": "¥", "dollar": "$", "pound": "£", "euro": "€",
               "rouble": "rouble", "ruble": "rouble", "yuan": "yuan", "yen": "¥", "rupee": "rupee"}  # fmt: skip
# "more than $9bn", "nearly 10%": a bound or an estimate, not a figure to set against another.
_APPROXIMATE = re.compile(
    r"(?:more than|over|up to|at least|almost|nearly|about|around|some|roughly|less than|under|above|below"
    r"|approximately|estimated|an estimated|as much as|as many as|close to|just over|just under)\s*$",
    re.I,
)


@dataclass(frozen=True)
class Figure:
    """A figure as a sentence gives it: what it measures, its value, and the step it was rounded to."""

    unit: str  # "$", "£", "%", or the stem of what is counted
    value: float
    step: float  # the place the figure is written to: $9.4bn -> 0.1bn
    written: str
    start: int
    end: int
    approximate: bool


def figures_in(text: str) -> list[Figure]:
    """The money, shares and counts a sentence states (not years, not spans of time)."""
    found: list[Figure] = []
    for m in _FIGURE.finditer(text):
        groups = m.groupdict()
        number = groups["num"] or groups["num2"] or groups["num3"] or groups["num4"]
        scale_word = (groups["scale"] or groups["scale2"] or groups["scale4"] or "").lower()
        if groups["sign"]:
            unit = _CURRENCIES[groups["sign"].lower()]
        elif groups["word"]:
            unit = _CURRENCIES[groups["word"].lower().rstrip("s")]
        elif groups["pct"]:
            unit = "%"
        else:
            stems = terms(groups["unit"] or "")
            unit = stems[-1] if stems else ""
            if not unit or unit in vocab.TIME_UNITS or (len(number) == 4 and number[:2] in ("18", "19", "20")):
                continue
            if groups["unit"].split()[-1].lower() in STOPWORDS:
                continue
        digits = number.replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        scale = _SCALES.get(scale_word, 1.0)
        value = float(digits) * scale
        step = scale * 10.0**-decimals
        approximate = bool(_APPROXIMATE.search(text[: m.start()]))
        found.append(Figure(unit, value, step, m.group().strip(), m.start(), m.end(), approximate))
    return found


def agree_within_rounding(a: Figure, b: Figure) -> bool:
    """True when the more precise figure, rounded to the coarser one's place, is the coarser one."""
    coarse, fine = (a, b) if a.step >= b.step else (b, a)
    rounded = math.floor(fine.value / coarse.step + 0.5) * coarse.step
    return math.isclose(rounded, coarse.value, rel_tol=1e-9, abs_tol=coarse.step * 1e-6)


def _context_span(text: str, figure: Figure, window: int) -> tuple[int, int]:
    """Character offsets of the words around a figure that say what it counts."""
    before = [m.start() for m in re.finditer(r"\S+", text[: figure.start])][-window:]
    after = [m.end() for m in re.finditer(r"\S+", text[figure.end :])][:window]
    return (before[0] if before else figure.start, figure.end + (after[-1] if after else 0))


# A figure said of a place or a date counts that place or time: "31% of the vote in Erewash" is not the
# party's national share, "profits of $5bn in 2003" not those of 2004.
PLACE_TYPES = frozenset({"GPE", "LOC", "FAC"})


def _same_subject(
    text_a: str, qualifiers_a: set[tuple[str, str]], text_b: str, qualifiers_b: set[tuple[str, str]]
) -> bool:
    """False when a place qualifies one figure and the other sentence never names it, or both are dated differently."""
    for (name, label), other in ((q, text_b) for q in qualifiers_a):
        if label in PLACE_TYPES and name.lower() not in other.lower():
            return False
    for (name, label), other in ((q, text_a) for q in qualifiers_b):
        if label in PLACE_TYPES and name.lower() not in other.lower():
            return False
    dates_a = {n for n, label in qualifiers_a if label == "DATE"}
    dates_b = {n for n, label in qualifiers_b if label == "DATE"}
    return not (dates_a and dates_b and not dates_a & dates_b)


def _context(text: str, figure: Figure, window: int) -> set[str]:
    before = text[: figure.start].split()[-window:]
    after = text[figure.end :].split()[:window]
    return set(terms(" ".join(before + after)))


def figure_groups(pool: Pool, cross: np.ndarray, names: list[set[str]]) -> list[Group]:
    """Different values of one quantity about one subject; values equal once rounded are an agreement."""
    stated = [[f for f in figures_in(c.text) if not f.approximate] for c in pool.candidates]
    # Union of the pairs that speak of one quantity: (candidate, figure index) nodes.
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def root(node: tuple[int, int]) -> tuple[int, int]:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    t = pool.thresholds
    context = {
        (i, k): _context(pool.candidates[i].text, f, t.figure_context_words)
        for i, fs in enumerate(stated)
        for k, f in enumerate(fs)
    }
    qualifiers: dict[tuple[int, int], set[tuple[str, str]]] = {}
    for i, fs in enumerate(stated):
        for k, f in enumerate(fs):
            start, end = _context_span(pool.candidates[i].text, f, t.figure_context_words)
            qualifiers[(i, k)] = {
                (e.text, e.label)
                for e in pool.entities[i]
                if (e.label in PLACE_TYPES or e.label == "DATE") and e.start >= start and e.end <= end
            }
    with_figures = [i for i, fs in enumerate(stated) if fs]
    linked: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    for x, i in enumerate(with_figures):
        for j in with_figures[x + 1 :]:
            similarity = float(pool.similarity[i, j])
            if not cross[i, j] or similarity < t.numbers_similarity:
                continue
            if not (names[i] & names[j]) and similarity < t.numbers_similarity_unnamed:
                continue  # same subject: an actor both name, or sentences nearly the same
            for a, fa in enumerate(stated[i]):
                for b, fb in enumerate(stated[j]):
                    same = _same_subject(
                        pool.candidates[i].text, qualifiers[(i, a)], pool.candidates[j].text, qualifiers[(j, b)]
                    )
                    if fa.unit == fb.unit and context[(i, a)] & context[(j, b)] and same:
                        parent[root((i, a))] = root((j, b))
                        linked.add(((i, a), (j, b)))
    clusters: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for node in sorted({n for pair in linked for n in pair}):
        clusters.setdefault(root(node), []).append(node)
    groups: list[Group] = []
    for nodes in clusters.values():
        group = _figure_group(pool, stated, context, nodes)
        if group is not None:
            groups.append(group)
    return groups


def _figure_group(
    pool: Pool, stated: list[list[Figure]], context: dict[tuple[int, int], set[str]], nodes: list[tuple[int, int]]
) -> Group | None:
    by_value: dict[float, list[tuple[int, int]]] = {}
    for node in nodes:
        by_value.setdefault(stated[node[0]][node[1]].value, []).append(node)
    if len(by_value) < 2:
        return None  # every document gives the same figure
    # Values that agree once rounded are one reading; the reading most documents give asserts.
    values = sorted(by_value, key=lambda v: (-len({pool.candidates[i].paragraph.doc_id for i, _ in by_value[v]}), v))
    first = values[0]
    head = by_value[first][0]
    head_figure = stated[head[0]][head[1]]
    disagreeing = [v for v in values[1:] if not agree_within_rounding(head_figure, _figure(stated, by_value[v][0]))]
    rounding = [v for v in values[1:] if v not in disagreeing]
    shown = disagreeing or rounding
    doc = pool.candidates[head[0]].paragraph.doc_id
    contrary: list[int] = []
    for v in shown:
        for i, _ in by_value[v]:
            if pool.candidates[i].paragraph.doc_id != doc and i not in contrary:
                contrary.append(i)
                break
    if not contrary:
        return None
    subject = _subject_word(pool, [head, *(n for v in shown for n in by_value[v][:1])], context)
    written = [head_figure.written, *(_figure(stated, by_value[v][0]).written for v in shown)]
    if disagreeing:
        question = f"Which figure for {subject}: {' or '.join(written)}?"
        kind = "numbers"
    else:
        question = f"The figures for {subject} agree within rounding: {' and '.join(written)}."
        kind = "rounding"
    involved = frozenset(i for i, _ in nodes)
    strength = sum(pool.score[i] for i in involved) / len(involved) + len(involved)
    return Group(Conflict(kind, subject, "", question), head[0], tuple(contrary), strength, involved)


def _figure(stated: list[list[Figure]], node: tuple[int, int]) -> Figure:
    return stated[node[0]][node[1]]


def _subject_word(pool: Pool, nodes: list[tuple[int, int]], context: dict[tuple[int, int], set[str]]) -> str:
    """A word of the text, near the figures, that all of them share: what the quantity is."""
    shared = set.intersection(*(context[n] for n in nodes)) if nodes else set()
    i, k = nodes[0]
    text = pool.candidates[i].text
    figure = figures_in(text)[k] if k < len(figures_in(text)) else None
    words = re.findall(r"[A-Za-z][A-Za-z-]+", text)
    if figure is not None:
        window = pool.thresholds.figure_context_words
        near = text[: figure.start].split()[-window:] + text[figure.end :].split()[:window]
        words = re.findall(r"[A-Za-z][A-Za-z-]+", " ".join(near))
    for word in words:
        stems = terms(word)
        if stems and stems[0] in shared:
            return f"“{word}”"
    return "this quantity"
