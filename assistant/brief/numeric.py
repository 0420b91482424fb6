"""Figures and their conflicts: money, shares and counts a sentence states, and different values of one quantity."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from assistant.brief import vocabulary as vocab
from assistant.brief.candidates import Pool
from assistant.brief.dispute import Conflict, Group
from index.text import NUMBER_WORD_PATTERN, NUMBER_WORDS, STOPWORDS, terms

_WORDS = rf"(?:{NUMBER_WORD_PATTERN})(?![a-z-])"
_NUMBER = rf"(?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?|{_WORDS})"
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
# Words before a figure that make it a bound or an estimate: the range of values it allows, as a share
# (Settings.brief_approximate_tolerance) below and above it; None is no bound on that side.
_BOUNDS: dict[str, tuple[float | None, float | None]] = {
    **dict.fromkeys(("more than", "over", "above", "at least", "upwards of"), (0.0, None)),
    **dict.fromkeys(("just over", "a little over", "just above"), (0.0, 1.0)),
    **dict.fromkeys(("less than", "under", "below", "up to", "fewer than"), (None, 0.0)),
    **dict.fromkeys(("almost", "nearly", "just under", "as many as", "as much as", "close to"), (1.0, 0.0)),
    **dict.fromkeys(("about", "around", "some", "roughly", "approximately", "estimated", "an estimated"), (1.0, 1.0)),
}
_APPROXIMATE = re.compile(rf"\b(?P<bound>{'|'.join(sorted(_BOUNDS, key=len, reverse=True))})\s*$", re.I)
# A count after one of these refers to a set already known ("the two parties", "all 25 states"): it is a
# name for them, not a figure a source states.
_REFERENCE = re.compile(r"\b(?:the|these|those|its|their|his|her|our|all|both|each|every)\s*$", re.I)
# Two figures of one unit joined like this are one source's range ("£10bn or £11bn", "5% to 6%").
_RANGE = re.compile(r"\s*(?:or|to|and|-|–)\s*$")


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
    low: float = -math.inf  # the values the figure allows, once its rounding and its bound are read
    high: float = math.inf


def figures_in(text: str, tolerance: float = 0.1) -> list[Figure]:
    """The money, shares and counts a sentence states (not years, not spans of time), each with the range of
    values it allows: its rounding ("$9.4bn": 9.35 to 9.45) and any bound or estimate ("about 200": within
    tolerance of 200; "more than 5 million": 5 million up)."""
    found: list[Figure] = []
    for m in _FIGURE.finditer(text):
        groups = m.groupdict()
        number = groups["num"] or groups["num2"] or groups["num3"] or groups["num4"]
        scale_word = (groups["scale"] or groups["scale2"] or groups["scale4"] or "").lower()
        word = NUMBER_WORDS.get(number.lower())
        if word is not None and number.lower() == "one" and not scale_word:
            continue  # "one of the", "no one": a pronoun far more often than a count
        if groups["sign"]:
            unit = _CURRENCIES[groups["sign"].lower()]
        elif groups["word"]:
            unit = _CURRENCIES[groups["word"].lower().rstrip("s")]
        elif groups["pct"]:
            unit = "%"
        else:
            # What is counted: the word after the number, or the two ("asylum seekers"); "9 detainees were
            # held" counts detainees, "12 or 13" nothing.
            words = groups["unit"].split()
            if words[0].lower() in STOPWORDS or _REFERENCE.search(text[: m.start()]):
                continue
            stems = terms(" ".join(w for w in words if w.lower() not in STOPWORDS))
            unit = stems[-1] if stems else ""
            if not unit or unit in vocab.TIME_UNITS or (len(number) == 4 and number[:2] in ("18", "19", "20")):
                continue
        digits = number.replace(",", "") if word is None else str(word)
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        scale = _SCALES.get(scale_word, 1.0)
        value = float(digits) * scale
        step = scale * 10.0**-decimals
        bound = _APPROXIMATE.search(text[: m.start()])
        low, high = value - step / 2, value + step / 2
        if bound:
            below, above = _BOUNDS[bound.group("bound").lower()]
            low = 0.0 if below is None else min(low, value * (1 - below * tolerance))
            high = math.inf if above is None else max(high, value * (1 + above * tolerance))
            low, high = (value, high) if below == 0.0 else (low, high)
            low, high = (low, value) if above == 0.0 else (low, high)
        end = m.end()
        while groups["unit"] and text[m.start() : end].split()[-1].lower() in STOPWORDS:
            end = m.start() + text[m.start() : end].rstrip().rfind(" ")  # "9 detainees were" -> "9 detainees"
        figure = Figure(unit, value, step, text[m.start() : end].strip(), m.start(), end, bool(bound), low, high)
        if found and found[-1].unit == unit and _RANGE.fullmatch(text[found[-1].end : m.start()]):
            first = found.pop()  # "£10bn or £11bn": one range, from the first figure to the second
            figure = Figure(unit, first.value, min(first.step, step), text[first.start : end], first.start, end,
                            first.approximate or bool(bound), min(first.low, low), max(first.high, high))  # fmt: skip
        found.append(figure)
    return found


def agree_within_rounding(a: Figure, b: Figure) -> bool:
    """True when some value is allowed by both figures once each is read with its rounding and its bound:
    "$9.37bn" and "$9.4bn" agree, "$9.3bn" and "$9.37bn" do not, "about 200" and "about 100" do not."""
    # Ranges that only touch do not meet: £11bn (10.5 to 11.5) and £12bn (11.5 to 12.5) are two readings.
    return _below(a.low, b.high) and _below(b.low, a.high)


def _below(low: float, high: float) -> bool:
    return low < high if math.isinf(high) else low < high - 1e-9 * abs(high)


def _context_spans(text: str, found: list[Figure], window: int) -> list[tuple[int, int]]:
    """For each figure, the character offsets of the words around it that say what it counts. Two figures
    of one sentence share out the words between them ("cut £35bn in waste | to allow £4bn in tax cuts")."""
    spans = []
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    for k, figure in enumerate(found):
        floor = found[k - 1].end if k else 0
        ceiling = found[k + 1].start if k + 1 < len(found) else len(text)
        before = [w for w in words if floor <= w[0] and w[1] <= figure.start]
        after = [w for w in words if figure.end <= w[0] and w[1] <= ceiling]
        if k:
            before = before[len(before) // 2 :]
        if k + 1 < len(found):
            after = after[: (len(after) + 1) // 2]
        before, after = before[-window:], after[:window]
        spans.append((before[0][0] if before else figure.start, after[-1][1] if after else figure.end))
    return spans


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


Node = tuple[int, int]  # (candidate, figure of it)


def figure_groups(pool: Pool, cross: np.ndarray, names: list[set[str]]) -> list[Group]:
    """Different values of one quantity about one subject; values that allow a common value are an agreement."""
    t = pool.thresholds
    stated = [figures_in(c.text, t.approximate_tolerance) for c in pool.candidates]
    context: dict[Node, set[str]] = {}
    qualifiers: dict[Node, set[tuple[str, str]]] = {}
    for i, fs in enumerate(stated):
        text = pool.candidates[i].text
        for k, (start, end) in enumerate(_context_spans(text, fs, t.figure_context_words)):
            figure = fs[k]
            # What is counted, not who or where: a name near both figures ("the UK", "the Tories") says
            # whose figure it is, which the shared actor and the place qualifiers check.
            named = {w for e in pool.entities[i] if e.start < end and e.end > start for w in terms(e.text)}
            context[(i, k)] = set(terms(text[start : figure.start] + " " + text[figure.end : end])) - named
            qualifiers[(i, k)] = {
                (e.text, e.label)
                for e in pool.entities[i]
                if (e.label in PLACE_TYPES or e.label == "DATE") and e.start >= start and e.end <= end
            }
    with_figures = [i for i, fs in enumerate(stated) if fs]
    links: list[tuple[float, Node, Node]] = []
    for x, i in enumerate(with_figures):
        for j in with_figures[x + 1 :]:
            similarity = float(pool.similarity[i, j])
            if not cross[i, j] or similarity < t.numbers_similarity:
                continue
            if not (names[i] & names[j]) and similarity < t.numbers_similarity_unnamed:
                continue  # same subject: an actor both name, or sentences nearly the same
            text_i, text_j = pool.candidates[i].text, pool.candidates[j].text
            for a, fa in enumerate(stated[i]):
                for b, fb in enumerate(stated[j]):
                    if fa.unit != fb.unit or len(context[(i, a)] & context[(j, b)]) < t.figure_shared_words:
                        continue
                    if _ratio(fa, fb) > t.figure_max_ratio:
                        continue  # "£4bn of tax cuts" and "£35bn of savings": of one order or not one quantity
                    if _same_subject(text_i, qualifiers[(i, a)], text_j, qualifiers[(j, b)]):
                        links.append((similarity, (i, a), (j, b)))
    # Closest sentences first; a link that would make two figures of one sentence readings of one
    # quantity is not made ("grow from 19% to 37%" gives two values of two moments, not two readings).
    parent: dict[Node, Node] = {}
    members: dict[Node, set[int]] = {}

    def root(node: Node) -> Node:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    linked: set[Node] = set()
    for _, one, other in sorted(links, key=lambda link: (-link[0], link[1], link[2])):
        ra, rb = root(one), root(other)
        if ra == rb:
            continue
        in_a, in_b = members.get(ra, {one[0]}), members.get(rb, {other[0]})
        if in_a & in_b:
            continue
        parent[ra] = rb
        members[rb] = in_a | in_b
        linked |= {one, other}
    clusters: dict[Node, list[Node]] = {}
    for node in sorted(linked):
        clusters.setdefault(root(node), []).append(node)
    groups: list[Group] = []
    for nodes in clusters.values():
        group = _figure_group(pool, stated, context, nodes)
        if group is not None:
            groups.append(group)
    return groups


def _figure_group(
    pool: Pool, stated: list[list[Figure]], context: dict[Node, set[str]], nodes: list[Node]
) -> Group | None:
    max_ratio = pool.thresholds.figure_max_ratio
    by_value: dict[tuple[float, float], list[Node]] = {}
    for node in nodes:
        figure = stated[node[0]][node[1]]
        by_value.setdefault((figure.low, figure.high), []).append(node)
    if len(by_value) < 2:
        return None  # every document gives the same figure
    # The reading most documents give asserts; the others agree with it or not.
    values = sorted(by_value, key=lambda v: (-len({pool.candidates[i].paragraph.doc_id for i, _ in by_value[v]}), v))
    head = by_value[values[0]][0]
    head_figure = _figure(stated, head)
    # Figures joined through a third are set against the head only when of its order too.
    values = [v for v in values if _ratio(head_figure, _figure(stated, by_value[v][0])) <= max_ratio]
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
    subject = _subject_word(pool, stated, [head, *(n for v in shown for n in by_value[v][:1])], context)
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


def _ratio(a: Figure, b: Figure) -> float:
    """How many times the larger figure is the smaller, each taken at the middle of its range."""
    middles = sorted(f.value if math.isinf(f.high) else (f.low + f.high) / 2 for f in (a, b))
    return math.inf if middles[0] <= 0 else middles[1] / middles[0]


def _figure(stated: list[list[Figure]], node: Node) -> Figure:
    return stated[node[0]][node[1]]


def _subject_word(pool: Pool, stated: list[list[Figure]], nodes: list[Node], context: dict[Node, set[str]]) -> str:
    """A word of the text, near the figures, that all of them share: what the quantity is."""
    shared = set.intersection(*(context[n] for n in nodes)) if nodes else set()
    i, k = nodes[0]
    text = pool.candidates[i].text
    figure = stated[i][k]
    window = pool.thresholds.figure_context_words
    near = text[: figure.start].split()[-window:] + text[figure.end :].split()[:window]
    for word in re.findall(r"[A-Za-z][A-Za-z-]+", " ".join(near)):
        stems = terms(word)
        if stems and stems[0] in shared:
            return f"“{word}”"
    return "this quantity"
