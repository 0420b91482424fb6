"""Where the sources disagree: different figures for one quantity, a claim and its denial, done against not done."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from assistant.brief import vocabulary as vocab
from assistant.brief.candidates import Pool
from assistant.brief.sections import speaks
from assistant.brief.thresholds import DEFAULT, Thresholds
from index.text import STOPWORDS, sentence_spans, terms

# Every threshold is a Settings field (brief_*), passed in as pool.thresholds: two figures are of one
# quantity when their sentences are close and the words around the figures share a content word ("paid
# $9.3bn for Yugansk" / "Yugansk ... sold for $9.37bn"); a denial and what it denies speak of the same thing;
# one source's "clear" against another's "unclear" must be about the same thing.


@dataclass(frozen=True)
class Conflict:
    """How one statement contradicts another, and the neutral question a reader would ask about it."""

    kind: str  # "negation" | "unsettled" | "numbers" | "denial" | "rounding"
    key: str  # what is in dispute: the negated noun, the quantity, or the actor
    verb: str  # the assertive verb of the asserting side ("signed", "cleared"), or ""
    question: str


def conflict(
    asserted: str, contrary: str, similarity: float, shared_words: int, t: Thresholds = DEFAULT
) -> Conflict | None:
    """How contrary contradicts asserted, if it does: it denies what asserted says was done, or calls it
    unsettled. similarity is the sentences' cosine; shared_words the content words they have in common."""
    claim = vocab.ASSERTIVE.search(asserted)
    if not claim or vocab.HEDGED.search(asserted[:1].lower() + asserted[1:]):
        return None
    for match in vocab.NEGATED_NOUN.finditer(contrary):
        noun = match.group("noun").lower()
        verb = _verb_making_fact_of(asserted, noun, t.assertion_window)
        if verb and similarity >= t.negation_similarity:
            article = "an" if noun[0] in "aeiou" else "a"
            return Conflict("negation", noun, verb, f"Was {article} {noun} {verb}?")
    verb = claim.group(1).lower()
    # The contrary side must speak of the same act ("had cleared sales ... a lot of back and forth").
    same_act = re.search(rf"\b{verb}\b", contrary, re.I) is not None
    unsettled = vocab.UNSETTLED.search(contrary) and not vocab.UNSETTLED.search(asserted) and same_act
    if unsettled and similarity >= t.unsettled_similarity and shared_words >= t.unsettled_shared_words:
        return Conflict("unsettled", verb, verb, f"{verb.capitalize()}, or still under discussion?")
    return None


def _verb_making_fact_of(text: str, noun: str, window: int) -> str | None:
    """The assertive verb within a few words of the noun, where the text does not negate the noun itself."""
    if any(m.group("noun").lower() == noun for m in vocab.NEGATED_NOUN.finditer(text)):
        return None
    words = re.findall(r"[A-Za-z][A-Za-z-]*", text)
    lowered = [w.lower() for w in words]
    for at, word in enumerate(lowered):
        if word != noun:
            continue
        for near in range(max(0, at - window), min(len(words), at + window + 1)):
            if vocab.ASSERTIVE.fullmatch(words[near]):
                return lowered[near]
    return None


# --- figures ------------------------------------------------------------------------------------

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


# --- finding them -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One disagreement found: the asserting statement, the contrary ones, and how strong it is."""

    conflict: Conflict
    asserted: int
    contrary: tuple[int, ...]
    strength: float
    involved: frozenset[int]  # every statement on either side, kept out of the other sections
    # When one stretch holds both sides (a statement, then its denial), the offset in the stretch where
    # the contrary side begins; asserted and contrary are then that one candidate. 0: two candidates.
    split: int = 0


@dataclass(frozen=True)
class Found:
    groups: tuple[Group, ...]
    pairs_checked: int


def find_disagreements(pool: Pool, names: list[set[str]], deniers: frozenset[str] = frozenset()) -> Found:
    """Every pair of statements from different documents, checked for each kind of conflict.

    names[i] is the set of actors candidate i names (sections.mentions): the subject two statements share;
    deniers, the actors that can deny (people, organisations, states: "European" denies nothing).
    """
    n = len(pool.candidates)
    docs = [c.paragraph.doc_id for c in pool.candidates]
    cross = np.array(docs)[:, None] != np.array(docs)[None, :] if n else np.zeros((0, 0), dtype=bool)
    pairs_checked = int(np.triu(cross, 1).sum()) if n else 0
    groups = [
        *_acts(pool, cross),
        *_figures(pool, cross, names),
        *_denials(pool, names, deniers),
        *_counterclaims(pool, names, deniers),
        *_polarities(pool, cross),
    ]
    ordered = sorted(groups, key=lambda g: (g.conflict.kind == "rounding", -len(g.contrary), -g.strength, g.asserted))
    return Found(tuple(ordered), pairs_checked)


def _acts(pool: Pool, cross: np.ndarray) -> list[Group]:
    """Done against denied or unsettled: one group per disputed thing and asserting document."""
    texts = [c.text for c in pool.candidates]
    asserts = [bool(vocab.ASSERTIVE.search(t)) and not vocab.HEDGED.search(t[:1].lower() + t[1:]) for t in texts]
    denies = [bool(vocab.NEGATED_NOUN.search(t) or vocab.UNSETTLED.search(t)) for t in texts]
    found: dict[tuple[str, str, str], dict[int, dict[str, tuple[float, int]]]] = {}
    conflicts: dict[tuple[tuple[str, str, str], int], Conflict] = {}
    for i in (i for i, a in enumerate(asserts) if a):
        for j in (j for j, d in enumerate(denies) if d and cross[i, j]):
            similarity = float(pool.similarity[i, j])
            shared_words = len(pool.words[i] & pool.words[j])
            found_conflict = conflict(texts[i], texts[j], similarity, shared_words, pool.thresholds)
            if found_conflict is None:
                continue
            key = (found_conflict.kind, found_conflict.key, pool.candidates[i].paragraph.doc_id)
            conflicts.setdefault((key, i), found_conflict)
            per_doc = found.setdefault(key, {}).setdefault(i, {})
            other = pool.candidates[j].paragraph.doc_id
            if other not in per_doc or similarity > per_doc[other][0]:
                per_doc[other] = (similarity, j)
    groups: list[Group] = []
    for key, by_assertion in sorted(found.items()):
        involved = frozenset(by_assertion) | {j for per_doc in by_assertion.values() for _, j in per_doc.values()}
        options = []
        for i, per_doc in sorted(by_assertion.items()):
            contrary = tuple(j for _, (_, j) in sorted(per_doc.items()))
            strength = sum(w for w, _ in per_doc.values()) + pool.score[i]
            options.append(Group(conflicts[(key, i)], i, contrary, strength, involved))
        # The assertion contradicted by the most documents, and most closely, stands for the others.
        groups.append(max(options, key=lambda g: (len(g.contrary), g.strength, -g.asserted)))
    return _one_per_thing(groups)


def _one_per_thing(groups: list[Group]) -> list[Group]:
    """Several asserting documents on one disputed thing: the strongest group stands for them."""
    best: dict[tuple[str, str], Group] = {}
    for g in groups:
        key = (g.conflict.kind, g.conflict.key)
        if key not in best or (len(g.contrary), g.strength) > (len(best[key].contrary), best[key].strength):
            best[key] = g
    return list(best.values())


def _figures(pool: Pool, cross: np.ndarray, names: list[set[str]]) -> list[Group]:
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


def _named(text: str, names: set[str]) -> set[str]:
    return {n for n in names if re.search(rf"\b{re.escape(n.split()[-1])}\b", text)}


def _deniers(text: str, names: set[str]) -> set[str]:
    """The named actors that deny or correct something in this sentence.

    The denier is named just before the verb ("Gazprom has denied"), after it in the passive ("was denied
    by UKIP"), or is a pronoun standing for the first actor the stretch names ("Mike Nattrass ... made the
    comments. But ..., he denied ...").
    """
    found: set[str] = set()
    for verb in vocab.DENIAL.finditer(text):
        before_words = text[: verb.start()].split()
        named = _named(" ".join(before_words[-vocab.DENIER_WINDOW :]), names)
        passive = re.match(r"\s+by\s+", text[verb.end() :])
        if passive:
            after = text[verb.end() + passive.end() :].split()[: vocab.DENIER_WINDOW]
            named |= _named(" ".join(after), names)
        pronoun = [w.lower().strip(",") for w in before_words[-3:]]
        if not named and any(w in vocab.SUBJECT_PRONOUNS for w in pronoun):
            firsts = sorted((m.start(), n) for n in names for m in _mentions(text[: verb.start()], n))
            named = {firsts[0][1]} if firsts else set()
        found |= named
    return found


def _mentions(text: str, name: str) -> list[re.Match[str]]:
    return list(re.finditer(rf"\b{re.escape(name.split()[-1])}\b", text))


def _denials(pool: Pool, names: list[set[str]], can_deny: frozenset[str]) -> list[Group]:
    """A statement and its denial or correction by the actor it is about: in another document, or the same one
    (reports often carry both sides: "He accused the party of a deal ... But the claim was denied by UKIP")."""
    texts = [c.text for c in pool.candidates]
    deniers = [_deniers(t, names[j] & can_deny if can_deny else names[j]) for j, t in enumerate(texts)]
    # What each denial denies: the words after its verb, in its sentence ("rejected the idea X posed a threat").
    denied = [_denied_words(t) for t in texts]
    best: dict[str, tuple[float, int, int, int]] = {}
    for j in (j for j, d in enumerate(deniers) if d):
        split = _denial_of_the_sentence_before(texts[j])
        if split:
            # "challenged on the remark, he denied ...": the remark is what the report said of it earlier,
            # the earlier sentence of the same document that holds the words denied, else the one before.
            actor = sorted(deniers[j], key=lambda n: (-len(n), n))[0]
            said = _said_earlier(pool, j, denied[j] - {w for n in deniers[j] for w in terms(n)})
            strength = pool.score[j]
            if actor not in best or strength > best[actor][0]:
                best[actor] = (strength, j, j, split) if said is None else (strength, said, j, 0)
            continue
        for i in range(len(texts)):
            if deniers[i] or vocab.DENIAL.search(texts[i]) or pool.candidates[i].overlaps(pool.candidates[j]):
                continue
            if j in pool.duplicates[i] or _restates(texts[i], texts[j], pool.thresholds.restated_overlap):
                continue  # the denying sentence quoted with its neighbour restates the claim: no conflict
            shared_actor = {a for a in names[i] & deniers[j] if not speaks(texts[i], a)}
            if not shared_actor:
                continue
            similarity = float(pool.similarity[i, j])
            # What is denied must be what the statement says: words of the denied clause in common, other
            # than the denier's name, and one of them not a name at all ("a front", not only "Kilroy-Silk").
            shared = (pool.words[i] & denied[j]) - {s for n in deniers[j] for s in terms(n)}
            content = shared - {s for n in names[j] for s in terms(n)}
            if similarity < pool.thresholds.denial_similarity or len(shared) < pool.thresholds.denial_shared_words:
                continue
            if not content:
                continue
            actor = sorted(shared_actor, key=lambda n: (-len(n), n))[0]
            if actor not in best or similarity > best[actor][0]:
                best[actor] = (similarity, i, j, 0)
    groups = []
    for actor, (similarity, i, j, split) in sorted(best.items()):
        question = f"Does {actor} deny what another source states?"
        if pool.candidates[i].paragraph.doc_id == pool.candidates[j].paragraph.doc_id:
            question = f"Does {actor} deny what is said of them?"
        conflict = Conflict("denial", actor, "", question)
        groups.append(Group(conflict, i, (j,), similarity, frozenset({i, j}), split))
    return groups


def _counterclaims(pool: Pool, names: list[set[str]], can_deny: frozenset[str]) -> list[Group]:
    """A statement, then another actor's answer to it in the next sentence: "Some 270 hunts met legally ...
    But the League Against Cruel Sports claimed the new act had been broken"."""
    best: dict[str, tuple[float, int, int]] = {}
    for j, c in enumerate(pool.candidates):
        text = c.text
        actors = names[j] & can_deny if can_deny else names[j]
        for start, end in sentence_spans(text)[1:]:
            sentence = text[start:end]
            opening = vocab.CONTRAST.match(sentence)
            if opening is None:
                continue
            head = sentence[opening.end() :]
            verb = re.search(rf"\b{vocab.REPORTING}", head)
            if verb is None or len(head[: verb.start()].split()) > vocab.DENIER_WINDOW:
                continue
            speakers = _named(head[: verb.start()], actors)
            before = text[:start]
            if not speakers or any(speaks(before, a) for a in speakers) or vocab.DENIAL.search(sentence):
                continue  # the same actor speaking on, or a denial (found as such)
            name_stems = {w for n in names[j] for w in terms(n)}
            shared = (set(terms(before)) & set(terms(head[verb.end() :]))) - name_stems
            if len({w for w in shared if len(w) > 2}) < pool.thresholds.denial_shared_words:
                continue
            actor = sorted(speakers, key=lambda n: (-len(n), n))[0]
            if actor not in best or pool.score[j] > best[actor][0]:
                best[actor] = (pool.score[j], j, start)
    return [
        Group(Conflict("counterclaim", actor, "", f"Does {actor} dispute this?"), j, (j,), score, frozenset({j}), split)
        for actor, (score, j, split) in sorted(best.items())
    ]


def _denied_words(text: str) -> set[str]:
    """The content words of what a sentence denies: from each denial verb to the end of its clause.

    "rejected the idea Mr X posed a threat, and queried why ...": the idea, not what he queried. Titles
    ("Mr") are not content.
    """
    found: set[str] = set()
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        for verb in vocab.DENIAL.finditer(sentence):
            clause = re.split(r"[,;:]|\s(?:and|but|while|whereas)\s", sentence[verb.end() :], maxsplit=1)[0]
            found |= {w for w in terms(clause) if len(w) > 2}
    return found


def _said_earlier(pool: Pool, j: int, denied: set[str]) -> int | None:
    """The earlier candidate of j's document that says most of what j denies, if one says enough of it.

    This only chooses what the denial is quoted against; that it is a denial of the sentence before it
    was settled already (_denial_of_the_sentence_before).
    """
    here = pool.candidates[j]
    best: tuple[int, float, int] | None = None
    for i, c in enumerate(pool.candidates):
        if c.paragraph.doc_id != here.paragraph.doc_id or (c.paragraph.start, c.start) >= (
            here.paragraph.start,
            here.start,
        ):
            continue
        if c.overlaps(here) or vocab.DENIAL.search(c.text):
            continue
        shared = len({w for w in pool.words[i] & denied if len(w) > 2})
        similarity = float(pool.similarity[i, j])
        if shared < pool.thresholds.denial_shared_words:
            continue  # the words denied are the evidence: a sentence and the denial of it need not read alike
        if best is None or (shared, similarity, -i) > best:
            best = (shared, similarity, -i)
    return None if best is None else -best[2]


def _denial_of_the_sentence_before(text: str) -> int:
    """Where a stretch's later sentence denies what its earlier one states ("He accused the party of a deal.
    But the claim was denied by UKIP"): the offset of the denying sentence, or 0."""
    spans = sentence_spans(text)
    for start, end in spans[1:]:
        sentence = text[start:end]
        verb = vocab.DENIAL.search(sentence)
        if verb is None:
            continue
        near = sentence[max(0, verb.start() - 40) : verb.end() + 40]
        if vocab.CLAIM_NOUN.search(near) and not vocab.DENIAL.search(text[:start]):
            return start
    return 0


def _polarities(pool: Pool, cross: np.ndarray) -> list[Group]:
    """One source's word against another's negated form of it, in sentences about the same thing."""
    texts = [c.text for c in pool.candidates]
    # An adverb says the same of an act as its adjective of a state: "met legally" / "is illegal".
    words = [{w[:-2] if w.endswith("lly") else w for w in re.findall(r"[a-z][a-z-]+", t.lower())} for t in texts]
    best: dict[tuple[str, str], tuple[float, int, int]] = {}
    for j, negated in enumerate(words):
        opposites = {
            w[len(p) :]: w
            for w in negated
            for p in vocab.NEGATING_PREFIXES
            if w.startswith(p) and len(w) - len(p) >= vocab.POLARITY_MIN_LETTERS
        }
        if not opposites:
            continue
        for i, plain in enumerate(words):
            if not cross[i, j]:
                continue
            for word in plain & opposites.keys():
                antonym = opposites[word]
                if antonym in plain or word in negated:
                    continue  # each side must hold one reading only
                if re.search(
                    rf"\b{re.escape(antonym[: -len(word)].rstrip('-'))}\s+{re.escape(word)}\b", texts[i], re.I
                ):
                    continue  # "non state": the same word, written apart
                similarity = float(pool.similarity[i, j])
                shared = (pool.words[i] & pool.words[j]) - set(terms(f"{word} {antonym}"))
                t = pool.thresholds
                if similarity < t.polarity_similarity or len(shared) < t.polarity_shared_words:
                    continue
                if not (_predicate(texts[i], word) and _predicate(texts[j], antonym)):
                    continue  # "legal options" and "illegal hunting" name kinds; "the law is (un)clear" states
                if _changed(texts[i], word) or _changed(texts[j], antonym):
                    continue  # "is now illegal": a change over time, which the sources agree on
                if any(vocab.HEDGED.search(x[:1].lower() + x[1:]) for x in (texts[i], texts[j])):
                    continue  # "would meet legally", "expected to hunt illegally": forecasts, not statements
                key = (word, antonym)
                if key not in best or similarity > best[key][0]:
                    best[key] = (similarity, i, j)
    return [
        Group(Conflict("polarity", w, "", f"{w.capitalize()} or {a}?"), i, (j,), sim, frozenset({i, j}))
        for (w, a), (sim, i, j) in sorted(best.items())
    ]


_COPULA = r"(?:is|was|are|were|be|been|being|remains?|remained|seems?|appears?)"


def _predicate(text: str, word: str) -> bool:
    """The word is said of something ("the law is very clear", "was itself invalid", "met legally"), not a label."""
    said = re.search(rf"\b{_COPULA}\s+(?:[a-z]+\s+){{0,2}}{re.escape(word)}\b", text, re.I)
    return said is not None or re.search(rf"\b{re.escape(word)}ly\b", text, re.I) is not None


def _changed(text: str, word: str) -> bool:
    """The word is said to hold from now on ("is now illegal", "no longer legal"): a change, not a dispute."""
    return re.search(rf"\b{vocab.CHANGE_OF_STATE}\s+(?:[a-z]+\s+)?{re.escape(word)}", text, re.I) is not None


def _restates(claim: str, denial: str, overlap: float) -> bool:
    """True when a sentence of the denying stretch, other than the denial itself, says what the claim says."""
    said = set(terms(claim))
    for start, end in sentence_spans(denial):
        part = denial[start:end]
        words = set(terms(part))
        if not vocab.DENIAL.search(part) and len(said & words) / max(len(said | words), 1) >= overlap:
            return True
    return False
