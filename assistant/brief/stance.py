"""Claims against denials: a statement and its denial or correction by the actor it is about; answers after "but"."""

from __future__ import annotations

import re
from collections.abc import Iterator

from assistant.brief import vocabulary as vocab
from assistant.brief.candidates import Pool
from assistant.brief.dispute import Conflict, Group
from assistant.brief.numeric import figures_in
from assistant.brief.sections import short_name, speaks
from index.text import sentence_spans, terms


def _named(text: str, names: set[str]) -> set[str]:
    return {n for n in names if re.search(rf"\b{re.escape(short_name(n))}\b", text)}


def _deniers(text: str, names: set[str], people: frozenset[str] = frozenset()) -> set[str]:
    """The named actors that deny or correct something in this sentence.

    The denier is the subject nearest before the verb in its sentence ("Gazprom has denied"), named after it
    in the passive ("was denied by UKIP"), or a pronoun standing for the first actor the stretch names ("Mike
    Nattrass ... made the comments. But ..., he denied ..."); "he" and "she" stand for people only, when the
    people among the names are known.
    """
    found: set[str] = set()
    for verb in vocab.DENIAL.finditer(text):
        named = _subject_before(text, verb.start(), names, people)
        passive = re.match(r"\s+by\s+", text[verb.end() :])
        if passive:
            after = text[verb.end() + passive.end() :].split()[: vocab.DENIER_WINDOW]
            named = _named(" ".join(after), names)
        found |= named
    return found


def _subject_before(
    text: str, at: int, names: set[str], people: frozenset[str], words: int = vocab.DENIER_WINDOW
) -> set[str]:
    """The actor nearest before offset at in its sentence, within a few words: named, or a pronoun standing
    for the first actor the stretch names ("he" and "she" for people only, when the people are known)."""
    opening = max([start for start, _ in sentence_spans(text) if start <= at], default=0)
    window = " ".join(text[opening:at].split()[-words:])
    # "Labour's figures do not": a name in the possessive is not the subject, what it owns is.
    subjects = [
        (m.end(), n) for n in names for m in _mentions(window, n) if not re.match(r"['’]s\b", window[m.end() :])
    ]
    pronouns = [
        (m.end(), m.group().lower()) for m in re.finditer(r"\b[A-Za-z]+\b", window)
        if m.group().lower() in vocab.SUBJECT_PRONOUNS
    ]  # fmt: skip
    if pronouns and (not subjects or max(pronouns)[0] > max(subjects)[0]):
        pronoun = max(pronouns)[1]
        referents = names & people if people and pronoun in ("he", "she") else names
        firsts = sorted((m.start(), n) for n in referents for m in _mentions(text[:at], n))
        return {firsts[0][1]} if firsts else set()
    if subjects:
        nearest = max(subjects)[0]
        return {n for end, n in subjects if end == nearest}
    return set()


def _mentions(text: str, name: str) -> list[re.Match[str]]:
    return list(re.finditer(rf"\b{re.escape(short_name(name))}\b", text))


def denials(
    pool: Pool, names: list[set[str]], can_deny: frozenset[str], people: frozenset[str] = frozenset()
) -> list[Group]:
    """A statement and its denial or correction by the actor it is about: in another document, or the same one
    (reports often carry both sides: "He accused the party of a deal ... But the claim was denied by UKIP")."""
    texts = [c.text for c in pool.candidates]
    deniers = [_deniers(t, names[j] & can_deny if can_deny else names[j], people) for j, t in enumerate(texts)]
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
            if not shared_actor or not all(_stem_named(texts[i], n) for n in _attributed(texts[j], names[j])):
                continue  # "dismissed fears from some Conservatives that ...": a denial of what they said
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


def _attributed(text: str, names: set[str]) -> set[str]:
    """The actors a denial says the denied words are from: "dismissed fears from some Conservatives that ...",
    "rejected claims by Labour"."""
    found: set[str] = set()
    for verb in vocab.DENIAL.finditer(text):
        after = " ".join(text[verb.end() :].split()[: vocab.DENIER_WINDOW])
        source = re.search(r"\b(?:from|by)\s+((?:[a-z]+\s+){0,2}[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*)", after)
        if source:
            found |= _named(source.group(1), names)
    return found


def _stem_named(text: str, name: str) -> bool:
    """The text names the actor, in any form of the word ("Tory" for "Tories")."""
    stem = terms(short_name(name))[-1:]
    return bool(stem) and stem[0] in terms(text)


def counterclaims(pool: Pool, names: list[set[str]], can_deny: frozenset[str]) -> list[Group]:
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
            if figures_in(head[: verb.start()]):
                continue  # "only 25% of Britons said": a survey's share, not an actor answering
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


def _restates(claim: str, denial: str, overlap: float) -> bool:
    """True when a sentence of the denying stretch, other than the denial itself, says what the claim says."""
    said = set(terms(claim))
    for start, end in sentence_spans(denial):
        part = denial[start:end]
        words = set(terms(part))
        if not vocab.DENIAL.search(part) and len(said & words) / max(len(said | words), 1) >= overlap:
            return True
    return False


def negated_acts(
    pool: Pool, names: list[set[str]], can_deny: frozenset[str], people: frozenset[str] = frozenset()
) -> list[Group]:
    """An actor said to do a thing in one document, and to not do it in another: "Tory plans to cut £35bn"
    against "The Tories said they would not cut spending". The actor is the subject of the negated verb in
    one, and named just before the same verb in the other."""
    t = pool.thresholds
    texts = [c.text for c in pool.candidates]
    best: dict[tuple[str, str], tuple[float, int, int, str]] = {}
    for j, text in enumerate(texts):
        actors = names[j] & can_deny if can_deny else names[j]
        for negation in vocab.NEGATED_ACT.finditer(text):
            verb = negation.group("verb")
            stems = terms(verb)
            if not stems or stems[0] in vocab.NOT_AN_ACT or negation.group("passive"):
                continue  # "cannot be trusted": what is not done to the actor, not what the actor does
            for actor in _subject_before(text, negation.start(), actors, people, vocab.SUBJECT_WINDOW):
                for i in _doing(pool, texts, j, actor, stems[0], names, t.act_subject_words):
                    if j in pool.duplicates[i] or _restates(texts[i], text, t.restated_overlap):
                        continue  # the negating stretch also quotes the statement itself
                    similarity = float(pool.similarity[i, j])
                    shared = (pool.words[i] & pool.words[j]) - {stems[0]} - {w for n in names[j] for w in terms(n)}
                    if similarity < t.negated_act_similarity or len(shared) < t.denial_shared_words:
                        continue
                    key = (actor, stems[0])
                    if key not in best or similarity > best[key][0]:
                        aux = negation.group("aux").split()[0].lower().removesuffix("n't")
                        best[key] = (similarity, i, j, f"{_AFFIRMED.get(aux, aux).capitalize()} {actor} {verb}")
    return [
        Group(Conflict("negated", actor, "", f"{said}, or not?"), i, (j,), similarity, frozenset({i, j}))
        for (actor, _), (similarity, i, j, said) in sorted(best.items())
    ]


_AFFIRMED = {"cannot": "can", "never": "does"}  # the question asks the negated act without its negation


def _doing(
    pool: Pool, texts: list[str], j: int, actor: str, stem: str, names: list[set[str]], window: int
) -> Iterator[int]:
    """Candidates of other documents that name the actor a few words before the verb, unnegated. The actor
    is matched by the stem of its name, so that "Tory plans" names the Tories."""
    doc = pool.candidates[j].paragraph.doc_id
    (actor_stem,) = terms(short_name(actor))[-1:] or [actor.lower()]
    for i, text in enumerate(texts):
        if pool.candidates[i].paragraph.doc_id == doc:
            continue
        if not any(terms(short_name(n))[-1:] == [actor_stem] for n in names[i]):
            continue
        if any(terms(m.group("verb"))[:1] == [stem] for m in vocab.NEGATED_ACT.finditer(text)):
            continue
        words = list(re.finditer(r"[A-Za-z][A-Za-z'-]*", text))
        stems = [(terms(w.group()) or [""])[0] for w in words]
        for at, word_stem in enumerate(stems):
            if word_stem == stem and actor_stem in stems[max(0, at - window) : at]:
                yield i
                break
