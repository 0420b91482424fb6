"""The brief's sections from structure: actors from named entities, facts from figures, a standalone lead by MMR."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.brief import vocabulary as vocab
from assistant.brief.candidates import Pool
from index.records import Entity

# Named-entity types that are actors (spaCy's OntoNotes labels): people, organisations, places, groups.
ACTOR_TYPES = frozenset({"PERSON", "ORG", "GPE", "NORP"})
AGENT_TYPES = frozenset({"PERSON", "ORG", "GPE"})  # actors that can claim and deny ("Russia denied"); not "European"
# Types that make a sentence a fact: a figure, an amount, a share, a count or a date.
FIGURE_TYPES = frozenset({"MONEY", "PERCENT", "QUANTITY", "CARDINAL"})
# Honorifics dropped from a name, so that "Mr Khodorkovsky" is "Khodorkovsky".
_HONORIFICS = re.compile(r"^(?:the|mr|mrs|ms|miss|dr|sir|lord|lady|prof|professor)\.?\s+", re.I)
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")
# "Mr Kilroy-Silk", "Lord Goldsmith": a name after a personal title is a person's, whatever the tagger says
# (the small model tags some people ORG or GPE).
_TITLED = re.compile(r"(?:^|\b)(?:mr|mrs|ms|miss|dr|sir|lord|lady|baroness|prof|professor)\.?\s+$", re.I)

SECTION_LIMITS = {"bottom_line": 3, "key_facts": 4, "who": 4, "timeline": 4, "risks": 2, "open_questions": 3}


@dataclass
class Selection:
    """The claims chosen so far, and the candidates they use up (themselves, their duplicates, the disputed)."""

    pool: Pool
    used: set[int]
    picked: list[int] = field(default_factory=list)

    def admits(self, i: int, section: list[int]) -> bool:
        similarity = self.pool.similarity
        t = self.pool.thresholds
        candidate = self.pool.candidates[i]
        return (
            i not in self.used
            and not any(similarity[i, j] >= t.redundant_in_section for j in section)
            and not any(similarity[i, j] >= t.redundant_in_brief for j in self.picked)
            # nor a sentence already quoted, or restated by a quoted one, in a longer or shorter stretch
            and not any(candidate.overlaps(self.pool.candidates[j]) for j in self.used)
        )

    def take(self, i: int, section: list[int]) -> None:
        section.append(i)
        self.picked.append(i)
        self.used.update([i, *self.pool.duplicates[i]])


# --- actors -----------------------------------------------------------------------------------------


def actor_name(text: str) -> str:
    """An entity's text as a name: honorific, article and possessive dropped ("Mr Putin's" -> "Putin")."""
    name = re.split(r"\s[-–—]\s", " ".join(text.split()))[0]  # "Alan Milburn - the" is "Alan Milburn"
    words = name.split()
    # "Lib Dem MP Lembit Opik", "MEP Nigel Farage": the role before a name is not part of it.
    roles = [k for k, w in enumerate(words[:-1]) if w in vocab.ROLE_TITLES]
    if roles and words[roles[-1] + 1][:1].isupper():
        name = " ".join(words[roles[-1] + 1 :])
    name = _POSSESSIVE.sub("", _HONORIFICS.sub("", name)).strip(" .,\"“”'‘’()")
    return name if name[:1].isupper() and any(ch.isalpha() for ch in name) else ""


@dataclass(frozen=True)
class Actor:
    """A named actor of the corpus: the name it is given most fully, and where it is named."""

    name: str
    label: str
    documents: int
    paragraphs: int
    mentions: tuple[int, ...]  # candidates that name it
    voiced: int = 0  # candidates where it is the one speaking ("..., John Jackson said")


def actors(pool: Pool) -> list[Actor]:
    """The people, organisations, places and groups the candidates name, most documents first.

    A surname alone is the person of the same surname named in full ("Khodorkovsky" is "Mikhail
    Khodorkovsky"); the entity type is a feature, not truth (the model tags some firms PERSON).
    """
    mentions: dict[str, list[tuple[int, str]]] = {}
    # A one-word "name" the sources also write in lower case is a common noun the tagger caught at the
    # start of a phrase ("Party", "Defence"), not an actor.
    lowered = {w for c in pool.candidates for w in re.findall(r"\b[a-z][a-z-]+\b", c.text)}
    for i, found in enumerate(pool.entities):
        text = pool.candidates[i].text
        for entity in found:
            name = actor_name(entity.text) if entity.label in ACTOR_TYPES else ""
            if name in vocab.ROLE_TITLES:
                continue  # "MEP" alone is a role, not an actor
            if name and not (" " not in name and name.lower() in lowered):
                titled = _TITLED.search(text[max(0, entity.start - 12) : entity.start]) or _HONORIFICS.match(
                    entity.text
                )
                label = "PERSON" if titled and not entity.text.lower().startswith("the ") else entity.label
                mentions.setdefault(name, []).append((i, label))

    # Fold a name into the longest name that holds its words in a row ("Kilroy", "Robert Kilroy Silk" ->
    # "Robert Kilroy-Silk"): people are named in full once, then by part of the name.
    def words(name: str) -> tuple[str, ...]:
        return tuple(re.split(r"[\s-]+", name.lower()))

    def holds(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
        n = len(shorter)
        return len(longer) > n and any(longer[k : k + n] == shorter for k in range(len(longer) - n + 1))

    spelled: dict[tuple[str, ...], Counter[str]] = {}
    labels: dict[tuple[str, ...], Counter[str]] = {}
    for name, found_at in mentions.items():
        spelled.setdefault(words(name), Counter())[name] += len(found_at)
        labels.setdefault(words(name), Counter()).update(lab for _, lab in found_at)
    keys = sorted(spelled, key=lambda k: (-len(k), k))
    home: dict[tuple[str, ...], tuple[str, ...]] = {}
    for key in keys:
        # Only people: "UKIP" is not "London UKIP", but "Knapman" is "Roger Knapman".
        full = [other for other in keys if holds(other, key) and labels[other].most_common(1)[0][0] == "PERSON"]
        # "Blair" alone is the Blair the sources name most ("Tony Blair", not "Ian Blair").
        full.sort(key=lambda other: (-sum(spelled[other].values()), -len(other), other))
        home[key] = home.get(full[0], full[0]) if full else key
    merged: dict[tuple[str, ...], list[tuple[int, str]]] = {}
    forms: dict[tuple[str, ...], Counter[str]] = {}
    for name, found_at in mentions.items():
        merged.setdefault(home[words(name)], []).extend(found_at)
    for key, counts in spelled.items():
        forms.setdefault(home[key], Counter()).update(counts if home[key] == key else Counter())
    ranked: list[Actor] = []
    for key, found_at in merged.items():
        rows = sorted({i for i, _ in found_at})
        label = Counter(lab for _, lab in found_at).most_common(1)[0][0]
        documents = len({pool.candidates[i].paragraph.doc_id for i in rows})
        paragraphs = len({pool.candidates[i].paragraph.id for i in rows})
        name = sorted(forms[key].items(), key=lambda f: (-("-" in f[0]), -f[1], f[0]))[0][0]
        ranked.append(Actor(name, label, documents, paragraphs, tuple(rows)))
    return sorted(ranked, key=_rank)


# Places and nationalities are named in nearly every report ("UK", "British"): they count half as much
# as the people and organisations that act in the story; one that speaks in it (is quoted) counts as named
# in one more document: a spokesman quoted once is an actor, a county named twice is a setting.
_SETTING_WEIGHT = {"GPE": 0.5, "NORP": 0.5}
_SPEAKER_WEIGHT = 1.0


def _rank(actor: Actor) -> tuple[float, int, str]:
    weight = actor.documents * _SETTING_WEIGHT.get(actor.label, 1.0) + _SPEAKER_WEIGHT * (actor.voiced > 0)
    return (-weight, -actor.paragraphs, actor.name)


def short_name(name: str) -> str:
    """The last word of a name, by which a text names it again ("Blair"); the whole name when that word is
    a number ("Xbox 2" is not named by every "2")."""
    last = name.split()[-1] if name.split() else name
    return last if re.search(r"[^\W\d_]", last) else name


def speaks(text: str, actor: str) -> bool:
    """The actor is the one speaking in this sentence ("..., Alun Michael has said", "said Mr Dodd")."""
    surname = re.escape(short_name(actor))
    return bool(
        re.search(rf"\b{surname}\b(?:\s+\S+){{0,2}}?\s+{vocab.REPORTING}", text)
        or re.search(rf"\b{surname}\b,[^,.;:]{{1,80}},\s+{vocab.REPORTING}", text)  # "Dodd, the hunt's spokesman, said"
        or re.search(rf"\b(?:said|says|added)\s+(?:\S+\s+){{0,2}}?{surname}\b", text)
    )


def mentions(pool: Pool, found: list[Actor]) -> list[set[str]]:
    """For each candidate, the actors it names: where the tagger saw them, and wherever else the name is written.

    The small NER model misses names it tagged elsewhere ("Gazprom has denied..."); an actor once found
    is found by its name everywhere.
    """
    named: list[set[str]] = [set() for _ in pool.candidates]
    # A surname two people share ("Tony Blair", "Ian Blair") names neither: only the full name counts.
    surnames = Counter(short_name(a.name) for a in found if a.label == "PERSON" and " " in a.name)
    for actor in found:
        rows = set(actor.mentions)
        variants = _variants(actor.name, actor.label)
        if surnames[short_name(actor.name)] > 1:
            variants = (actor.name,)
        pattern = re.compile("|".join(rf"\b{re.escape(v)}\b" for v in variants))
        for i, c in enumerate(pool.candidates):
            if i in rows or pattern.search(c.text):
                named[i].add(actor.name)
    return named


def with_mentions(found: list[Actor], named: list[set[str]], pool: Pool) -> list[Actor]:
    """The actors re-ranked with every mention counted, most documents first."""
    rows: dict[str, list[int]] = {}
    for i, names in enumerate(named):
        for name in names:
            rows.setdefault(name, []).append(i)
    ranked = []
    for actor in found:
        at = rows.get(actor.name, list(actor.mentions))
        documents = len({pool.candidates[i].paragraph.doc_id for i in at})
        paragraphs = len({pool.candidates[i].paragraph.id for i in at})
        voiced = sum(speaks(pool.candidates[i].text, actor.name) for i in at)
        ranked.append(Actor(actor.name, actor.label, documents, paragraphs, tuple(at), voiced))
    return sorted(ranked, key=_rank)


def who(pool: Pool, selection: Selection, found: list[Actor]) -> list[tuple[int, str]]:
    """For each top actor, the sentence that best states their role: one naming them early, most central."""
    chosen: list[int] = []
    rows: list[tuple[int, str]] = []
    for actor in found:
        if len(rows) >= SECTION_LIMITS["who"]:
            break
        variants = _variants(actor.name, actor.label)

        def role(i: int, variants: tuple[str, ...] = variants) -> float:
            at = _first_mention(pool.candidates[i].text, variants)
            early = at is not None and len(pool.candidates[i].text[:at].split()) <= pool.thresholds.actor_opening_words
            return pool.score[i] + (0.1 if early else 0.0)

        # A sentence that names them as the reader will see them named ("Jinping" for Xi Jinping, not "Xi's").
        named = [i for i in actor.mentions if _first_mention(pool.candidates[i].text, variants) is not None]
        for i in sorted(named, key=lambda i: (-role(i), i)):
            if selection.admits(i, chosen):
                selection.take(i, chosen)
                rows.append((i, actor.name))
                break
    return rows


def _variants(name: str, label: str) -> tuple[str, ...]:
    """How a text may name the actor: in full, or a person by surname ("Khodorkovsky")."""
    short = short_name(name)
    return (name, short) if short != name and label == "PERSON" else (name,)


def _first_mention(text: str, variants: tuple[str, ...]) -> int | None:
    found = [m.start() for v in variants for m in re.finditer(rf"\b{re.escape(v)}\b", text)]
    return min(found) if found else None


def names_actor(text: str, found: list[Actor]) -> bool:
    return any(_first_mention(text, _variants(a.name, a.label)) is not None for a in found)


# --- key facts, open questions, risks ---------------------------------------------------------------


def figures(entities: tuple[Entity, ...]) -> set[str]:
    """The figures and dates a sentence states: amounts, shares, counts, and dates with a number in them."""
    return {
        e.text
        for e in entities
        if e.label in FIGURE_TYPES or (e.label == "DATE" and any(ch.isdigit() for ch in e.text))
    }


def key_facts(pool: Pool, selection: Selection, top: list[Actor]) -> list[int]:
    """Sentences that give figures or dates about the top actors, strongest first."""
    ranked = []
    for i, c in enumerate(pool.candidates):
        stated = figures(pool.entities[i])
        if stated and names_actor(c.text, top) and not vocab.OPEN_QUESTION.search(c.text):
            ranked.append((pool.score[i] + 0.05 * min(len(stated), 2), i))
    return _fill(pool, selection, ranked, SECTION_LIMITS["key_facts"])


def is_open_question(text: str) -> bool:
    """The sentence says something is not known, not disclosed, or yet to be decided."""
    return bool(vocab.OPEN_QUESTION.search(text))


def open_questions(pool: Pool, selection: Selection) -> list[int]:
    ranked = [(pool.score[i], i) for i, c in enumerate(pool.candidates) if is_open_question(c.text)]
    return _fill(pool, selection, ranked, SECTION_LIMITS["open_questions"])


def risks(pool: Pool, selection: Selection) -> list[int]:
    ranked = []
    for i, c in enumerate(pool.candidates):
        named = len(vocab.RISK.findall(c.text)) + len(vocab.OPPORTUNITY.findall(c.text))
        heading = bool(vocab.RISK_HEADING.search(c.paragraph.heading.split(" > ")[-1]))
        if (named or heading) and not is_open_question(c.text):
            ranked.append((pool.score[i] + 0.05 * min(named, 2) + (0.05 if heading else 0.0), i))
    return _fill(pool, selection, ranked, SECTION_LIMITS["risks"])


def _fill(pool: Pool, selection: Selection, ranked: list[tuple[float, int]], limit: int) -> list[int]:
    chosen: list[int] = []
    paragraphs: set[str] = set()
    for _, i in sorted(ranked, key=lambda r: (-r[0], r[1])):
        if len(chosen) >= limit:
            break
        paragraph = pool.candidates[i].paragraph.id
        if paragraph not in paragraphs and selection.admits(i, chosen):
            selection.take(i, chosen)
            paragraphs.add(paragraph)
    return chosen


# --- the bottom line --------------------------------------------------------------------------------


def bottom_line(pool: Pool, selection: Selection) -> list[int]:
    """Two or three central sentences that each stand alone, chosen by MMR so that each adds something.

    Candidates already stand alone (a sentence opening on a pronoun carries the one before it); the lead
    is the reporting's own voice: no quotation, no open question.
    """
    eligible = [
        i
        for i, c in enumerate(pool.candidates)
        if not vocab.QUOTED.match(c.text) and not is_open_question(c.text) and not vocab.opens_dangling(c.text)
    ]
    t = pool.thresholds
    relevance = {i: pool.score[i] + t.lede_bonus * _is_lede(pool, i) for i in eligible}
    chosen: list[int] = []
    length = 0
    while len(chosen) < SECTION_LIMITS["bottom_line"] and (len(chosen) < 2 or length < t.bottom_line_chars / 2):
        best: tuple[float, int] | None = None
        for i in eligible:
            if not selection.admits(i, chosen):
                continue
            novelty = max((float(pool.similarity[i, j]) for j in chosen), default=0.0)
            value = t.mmr_lambda * relevance[i] - (1 - t.mmr_lambda) * novelty
            if best is None or value > best[0] or (value == best[0] and i < best[1]):
                best = (value, i)
        if best is None or (length + len(pool.candidates[best[1]].text) > t.bottom_line_chars and len(chosen) >= 2):
            break
        selection.take(best[1], chosen)
        length += len(pool.candidates[best[1]].text)
    return chosen


def _is_lede(pool: Pool, i: int) -> bool:
    """True for a sentence of its document's opening paragraph."""
    number = pool.candidates[i].paragraph.id.rsplit("#p", 1)[-1].split(".")[0]
    return number.isdigit() and int(number) == 1
