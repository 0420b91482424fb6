"""Where the sources disagree: every detector run over every pair of statements, done against not done, and a
word against its negated form. Figures are numeric.py's, claims against denials stance.py's."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.brief import vocabulary as vocab
from assistant.brief.candidates import Pool
from assistant.brief.dispute import Conflict, Group
from assistant.brief.numeric import figure_groups
from assistant.brief.stance import counterclaims, denials, negated_acts
from assistant.brief.thresholds import DEFAULT, Thresholds
from index.text import terms

# Every threshold is a Settings field (brief_*), passed in as pool.thresholds: two figures are of one
# quantity when their sentences are close and the words around the figures share a content word ("paid
# $9.3bn for Yugansk" / "Yugansk ... sold for $9.37bn"); a denial and what it denies speak of the same thing;
# one source's "clear" against another's "unclear" must be about the same thing.


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


@dataclass(frozen=True)
class Found:
    groups: tuple[Group, ...]
    pairs_checked: int


def find_disagreements(
    pool: Pool, names: list[set[str]], deniers: frozenset[str] = frozenset(), people: frozenset[str] = frozenset()
) -> Found:
    """Every pair of statements from different documents, checked for each kind of conflict.

    names[i] is the set of actors candidate i names (sections.mentions): the subject two statements share;
    deniers, the actors that can deny (people, organisations, states: "European" denies nothing); people,
    the actors that are persons ("he denied" stands for one of them).
    """
    n = len(pool.candidates)
    docs = [c.paragraph.doc_id for c in pool.candidates]
    cross = np.array(docs)[:, None] != np.array(docs)[None, :] if n else np.zeros((0, 0), dtype=bool)
    pairs_checked = int(np.triu(cross, 1).sum()) if n else 0
    groups = [
        *_acts(pool, cross),
        *figure_groups(pool, cross, names),
        *denials(pool, names, deniers, people),
        *counterclaims(pool, names, deniers),
        *negated_acts(pool, names, deniers, people),
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
