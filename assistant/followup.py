"""A follow-up question + the previous turn -> the question as it is meant, without an LLM.

"How much did it pay?" after "Who bought Yugansk at the auction?" (answered with a sentence naming
Baikal Finance Group) reads "How much did Baikal Finance Group pay?"; "And when?" asks the previous
question again with "when"; "What about Rosneft?" asks it about Rosneft. A question that stands alone
is left as it is. The entities come from the caller (spaCy lives in index/entities.py): the previous
answer's, and the previous question's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.records import Entity, Word
from index.text import WH_QUESTION

# A pronoun standing for a person, or for anything else; the possessives become "<name>'s".
_PERSON = {"he": "", "him": "", "she": "", "her": "'s", "his": "'s"}
_THING = {"it": "", "its": "'s", "they": "", "them": "", "their": "'s"}
_PRONOUN = re.compile(r"\b(" + "|".join(sorted({**_PERSON, **_THING}, key=len, reverse=True)) + r")\b", re.I)
# "What about Rosneft?", "How about the court?", "And Rosneft?": the previous question, about something else.
_ABOUT = re.compile(
    r"^\s*(?:and\s+)?(?:what|how)\s+about\s+(?P<other>.+?)\s*\??\s*$|^\s*and\s+(?P<bare>.+?)\s*\?\s*$", re.I
)
# A capitalised word after the first: a name the question gives itself ("When did Yukos sell its unit?").
_NAME_BEFORE = re.compile(r"\s[A-Z][\w'’-]*")
_POSSESSIVE = re.compile(r"['’]s$")  # "Baikal's" -> "Baikal": the suffix is put back from the pronoun
# Entity labels a thing-pronoun ("it", "they") can stand for; a person pronoun stands for a PERSON.
_THING_LABELS = frozenset({"ORG", "PRODUCT", "GPE", "NORP", "FAC", "LOC", "EVENT", "LAW", "WORK_OF_ART"})
_FILLERS = frozenset({"then", "exactly", "else", "so", "precisely"})  # "And when, then?" is still bare
# Question words that ask for an entity: their answer is what the next question's pronoun most often means.
_ASKS_FOR_ENTITY = frozenset({"who", "whom", "whose", "which", "what"})


@dataclass(frozen=True)
class PreviousTurn:
    """What a follow-up may point back to: the last question as understood, and what answered it."""

    question: str
    answer: str = ""  # the quoted sentence that answered it; "" when the sources did not answer
    answer_entities: tuple[Entity, ...] = ()  # named entities of `answer`, offsets into it
    question_entities: tuple[Entity, ...] = ()  # named entities of `question`
    question_words: tuple[Word, ...] = ()  # `question` tagged (parts of speech), for "which <thing> ..."
    asked_as: str = ""  # when `question` was itself a follow-up: how it was asked ("When was it launched?")


def needs_previous(question: str) -> bool:
    """True when the question may lean on the previous turn: a pronoun, "what about ...", or a bare question word."""
    return bool(_PRONOUN.search(question) or _ABOUT.match(question) or _bare_wh(question))


def resolve(question: str, previous: PreviousTurn | None) -> str:
    """The question with its pronoun or ellipsis filled in from the previous turn; as it is when it stands alone."""
    if previous is None or not previous.question.strip():
        return question
    if (wh := _bare_wh(question)) is not None:
        return f"{wh[:1].upper()}{wh[1:].lower()} {_after_wh(previous.question)}?"
    about = _ABOUT.match(question)
    # "And when did it happen?" is a question of its own that opens with "and", not "and <something>?".
    if about and not (about.group("bare") and WH_QUESTION.match(about.group("bare"))):
        return _about(previous, (about.group("other") or about.group("bare")).strip())
    match = _PRONOUN.search(question)
    if match is None or _NAME_BEFORE.search(question[: match.start()]):
        return question  # no pronoun, or one that points back to a name in the question itself
    referent = _referent(match.group(1).lower(), previous)
    if referent is None:
        return question
    return question[: match.start()] + referent + question[match.end() :]


def _bare_wh(question: str) -> str | None:
    """The question word of a question that is nothing else ("When?", "And why?", "How much exactly?"), or None."""
    match = WH_QUESTION.match(question)
    if match is None:
        return None
    rest = question[match.end() :].strip(" ?!.,").lower().split()
    return " ".join(match.group("wh").split()) if set(rest) <= _FILLERS else None


def _referent(pronoun: str, previous: PreviousTurn) -> str | None:
    person = pronoun in _PERSON
    suffix = (_PERSON if person else _THING)[pronoun]
    if (carried := _carried(previous, person)) is not None:
        return carried + suffix  # "When was it launched?" read as "... the party ...": "its name" is the party's
    if not person and (thing := _asked_thing(previous.question, previous.question_words)):
        return thing + suffix  # "Which Nvidia chip was cleared?" - "Who makes it?": the Nvidia chip
    fits = (lambda e: e.label == "PERSON") if person else (lambda e: e.label in _THING_LABELS)
    asked = {e.text.lower() for e in previous.question_entities}
    new_in_answer = [e for e in previous.answer_entities if fits(e) and e.text.lower() not in asked]
    in_question = [e for e in previous.question_entities if fits(e)]
    wh = WH_QUESTION.match(previous.question)
    asked_for_entity = wh is not None and wh.group("wh").lower() in _ASKS_FOR_ENTITY
    # A question that asked for a name was answered by one: the pronoun most often points back to it;
    # after a why/how/when question it points to what that question was about.
    order = [new_in_answer, in_question] if asked_for_entity else [in_question, new_in_answer]
    for candidates in order:
        if candidates:
            return _bare_name(candidates[0].text) + suffix
    return None


def _carried(previous: PreviousTurn, person: bool) -> str | None:
    """What the previous question's own pronoun of the same kind was read as, when it was a follow-up too."""
    if not previous.asked_as or previous.asked_as == previous.question:
        return None
    match = _PRONOUN.search(previous.asked_as)
    if match is None or (match.group(1).lower() in _PERSON) != person:
        return None
    before, after = previous.asked_as[: match.start()], previous.asked_as[match.end() :]
    understood = previous.question
    if not (understood.startswith(before) and understood.endswith(after)):
        return None
    filled = understood[len(before) : len(understood) - len(after)]
    return _POSSESSIVE.sub("", filled).strip() or None


def _asked_thing(question: str, words: tuple[Word, ...]) -> str | None:
    """ "the Nvidia chip" of "Which Nvidia chip was cleared ...?": the noun phrase a which/what question asks about."""
    if len(words) < 2 or words[0].text.lower() not in ("which", "what"):
        return None
    phrase = []
    for word in words[1:]:
        if word.pos not in ("ADJ", "NOUN", "PROPN", "NUM", "COMPOUND") and word.tag != "POS":
            break
        phrase.append(word)
    if not phrase or phrase[-1].pos not in ("NOUN", "PROPN"):
        return None
    return "the " + question[phrase[0].start : phrase[-1].end]


def _bare_name(text: str) -> str:
    name = re.sub(r"^the\s+", "", text.strip(), flags=re.I)
    return _POSSESSIVE.sub("", name)


def _after_wh(question: str) -> str:
    """The previous question without its question word and closing mark: "bought Yugansk at the auction"."""
    match = WH_QUESTION.match(question)
    rest = question[match.end() :] if match else question
    return rest.strip().rstrip("?!. ")


def _about(previous: PreviousTurn, other: str) -> str:
    """The previous question about `other` instead of what it named first (or with `other` added)."""
    other = other.rstrip("?").strip()
    named = [e for e in previous.question_entities if e.label in _THING_LABELS | {"PERSON"}]
    question = previous.question.strip()
    if named:
        first = named[0]
        return question[: first.start] + other + question[first.end :]
    return f"{question.rstrip('?')} {other}?"
