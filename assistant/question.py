"""Question -> what it asks for: content terms, focus terms, the expected answer type, a named speaker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import WH_QUESTION, terms

# Words that frame a question rather than say what it is about ("Besides X, which Y is named as...").
# They are left out of coverage so a paraphrase is not punished for its wording.
FRAMING = frozenset(
    terms(
        "besides named name names expected expect called call kind kinds type sort reportedly cited described"
        " describe mentioned stated exactly specific specifically particular one ones thing things"
        " happen happened mean meant way ways say said according report reports analysis many much exact"
        " among beyond appear appears give gave given characterise characterize handling held take place took must"
    )
)

_EXPECTATIONS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("percent", re.compile(r"\b(percentage|percent|per cent|what share|what proportion)\b", re.I)),
    (
        "money",
        re.compile(
            r"\b(how much\b.*\b(cost|costs|spend|spent|pay|paid|worth|charge|raise|invest)|"
            r"(dollar|monetary)\s+(value|amount|figure)|how much money|what (price|sum|budget))\b",
            re.I,
        ),
    ),
    ("number", re.compile(r"\b(how many|what number of|how much)\b", re.I)),
    (
        "time",
        re.compile(
            r"^\s*when\b|\b(what|which) (date|day|year|month|time|deadline|period|time frame|timeframe)\b|"
            r"\bsince when\b|\bhow long\b|\bhow soon\b|\bby when\b",
            re.I,
        ),
    ),
)
_SPEAKER = re.compile(
    r"^\s*(?:and\s+)?what (?:did|does|do|has|have) (?P<who>.+?) (?:say|said|tell|told|announce|argue|claim|"
    r"reply|respond|state|think|call|write|warn)\b",
    re.I,
)
_FOCUS = re.compile(
    r"\b(?:which|what|how many|how much|whose)\s+(?P<focus>(?:[\w'-]+\s+){0,3}?[\w'-]+?)\s+"
    r"(?:did|does|do|is|are|was|were|has|have|had|will|would|could|can|should|must|might|to|of|for|from|in|on|"
    r"at|by|that|who|which)\b",
    re.I,
)
_COUNTED = re.compile(
    r"\bhow many (?P<focus>(?:[\w'-]+ ){0,2}?[\w'-]+?)(?= (?:did|does|do|is|are|was|were|has|have|had|will|would|"
    r"could|can|\w+ed)\b)",
    re.I,
)
_WHAT_DID = re.compile(r"^\s*(?:and\s+)?what (?:did|does|do|will|would|could) (?P<rest>.+)$", re.I)
_NAME_JOINERS = {"and", "the", "of", "'s", "’s"}
_SAYING = re.compile(
    r"^(say|says|said|tell|told|call|called|announce|argue|claim|reply|respond|state|think|warn)$", re.I
)
_ABOUT_DOCUMENT = re.compile(
    r"\b(author|authors|wrote|written|byline|outlet|publication|published|publisher|headline|headlined|tags?)\b", re.I
)
_TIME_WORDS = frozenset(terms("date day year month time period when"))
_UNKNOWN_QUESTION = re.compile(
    r"\b(unknown|unclear|undisclosed|not (been )?disclosed|open question|unresolved)\b", re.I
)


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[str, ...]  # stemmed content words, framing words removed
    focus: tuple[str, ...]  # the thing asked for ("which CNBC journalist" -> journalist, cnbc)
    expects: str | None  # "number" | "money" | "percent" | "time" | None
    speaker: tuple[str, ...]  # for "what did X say": X's terms
    asks_about_unknowns: bool  # "what remains unclear ...": an "unknown" sentence is then the answer
    action: str | None = None  # for "what did X agree/decide/sign ...": the verb's stem, which the answer must hold
    about_document: bool = False  # asks who wrote or published a report, or its headline: headers may answer
    asks_wh: bool = False  # opens on who/what/when/which...: its answer must say more than it does
    words: frozenset[str] = frozenset()  # every stemmed word of the question, framing words included


def analyse(question: str) -> Question:
    """Read a question the way the answerer needs it."""
    expects = next((name for name, pattern in _EXPECTATIONS if pattern.search(question)), None)
    content = tuple(t for t in terms(question) if t not in FRAMING)
    if expects == "time":  # "on what date" asks for a date; the word itself need not be in the answer
        content = tuple(t for t in content if t not in _TIME_WORDS)
    focus_match = _COUNTED.search(question) or _FOCUS.search(question)
    focus = tuple(t for t in terms(focus_match.group("focus")) if t not in FRAMING) if focus_match else ()
    speaker_match = _SPEAKER.search(question)
    speaker = tuple(terms(speaker_match.group("who"))) if speaker_match else ()
    return Question(
        action=_action(question),
        about_document=bool(_ABOUT_DOCUMENT.search(question)),
        text=question,
        terms=content,
        focus=focus,
        expects=expects,
        speaker=speaker,
        asks_about_unknowns=bool(_UNKNOWN_QUESTION.search(question)),
        asks_wh=bool(WH_QUESTION.match(question)),
        words=frozenset(terms(question)),
    )


def _action(question: str) -> str | None:
    """In "what did Trump and Xi agree about Iran", the verb after the named subject: agree."""
    match = _WHAT_DID.match(question)
    if match is None:
        return None
    words = re.findall(r"[\w'’-]+", match.group("rest"))
    seen_name = False
    for word in words:
        if word[:1].isupper() or word.lower() in _NAME_JOINERS or word.endswith(("'s", "’s")):
            seen_name = seen_name or word[:1].isupper()
            continue
        if not seen_name or _SAYING.match(word):
            return None  # no named subject, or a verb of saying (the speaker rule covers those)
        stems = terms(word)
        return stems[0] if stems else None
    return None
