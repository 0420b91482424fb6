"""The brief's word lists and patterns, each in one place, each used by the module named beside it.

Every pattern here is general English, checked on the seeds and on BBC News clusters
(benchmarks/brief_bbc.py); none exists for one sentence of one corpus.
"""

from __future__ import annotations

import re

from index.text import STOPWORDS

# --- candidates.py: cutting unpunctuated text into clauses (seed 000 has no full stops) -------------

# Words after which a capitalised word continues the clause ("told CNBC", "with Beijing", "joined Trump").
CONTINUES = STOPWORDS | {
    "told",
    "joined",
    "asked",
    "met",
    "called",
    "like",
    "including",
    "via",
    "per",
    "versus",
    "named",
    "led",
    "than",
    "whether",
}
# Capitalised words that open a clause wherever they stand in unpunctuated text.
STARTERS = {
    *("The", "This", "These", "Those", "It", "If", "Any", "Both", "For", "A", "An", "In", "As", "But", "We", "I"),
    *("He", "She", "They", "There", "Is", "What", "Why", "How", "Do"),
}
ENUMERATORS = {"One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten"}
PRONOUNS = {"He", "She", "They", "It"}  # "He said there had been a lot of back and forth" joins its subject

# --- candidates.py: a sentence that cannot stand alone ---------------------------------------------

# A sentence opening with one of these leans on the sentence before it: "It had agreed to loan..." (who?),
# "However, ..." (against what?). Such a sentence is quoted with the one before it, or not at all.
DANGLING_OPENERS = {
    *("he", "she", "it", "they", "him", "her", "them", "his", "its", "their", "this", "that", "these", "those"),
    *("however", "but", "and", "also", "yet", "meanwhile", "instead", "so", "still", "nonetheless", "such"),
    *("nevertheless", "moreover", "furthermore", "besides", "otherwise", "thus", "hence", "then", "there"),
    *("here", "both", "which", "whom", "whose", "likewise", "similarly", "too", "others", "another"),
}
_FIRST_WORD = re.compile(r"[\"“‘'(]*([A-Za-z]+)")


def opens_dangling(text: str) -> bool:
    """True when the sentence's first word points back at something said before it."""
    match = _FIRST_WORD.match(text.strip())
    return bool(match) and match.group(1).lower() in DANGLING_OPENERS  # type: ignore[union-attr]


# Reporting boilerplate around an article: links, calls to comment, bylines. Never a claim.
BOILERPLATE = re.compile(
    r"read the (original|full) article|share your (view|thoughts)|in the comments|originally reported by"
    r"|subscribe|sign up for|newsletter|click here|all rights reserved",
    re.I,
)

# --- sections.py: actors ---------------------------------------------------------------------------

# Role abbreviations and titles written before a name ("MEP Nigel Farage", "Lib Dem MP Lembit Opik").
# Abbreviations only: "Chief" or "Secretary" stand inside the names of bodies ("Association of Chief Police
# Officers"), and are not cut from them.
ROLE_TITLES = {"MP", "MPs", "MEP", "MEPs", "MSP", "AM", "MLA", "PM", "CEO"}

# --- sections.py: open questions -------------------------------------------------------------------

# A sentence whose meaning is "not known / not disclosed / yet to be decided". Predicates only: "an
# unknown buyer bought it" states a settled fact, "the buyer is unknown" does not.
_BE = r"(?:is|are|was|were|remains?|remained|be|been|being|seems?|appears?)"
_NOT_DONE = (
    r"(?:known|clear|decided|disclosed|confirmed|revealed|announced|determined|settled|resolved|agreed|finali[sz]ed"
    r"|specified|detailed|made public|set)"
)
OPEN_QUESTION = re.compile(
    rf"\b{_BE}\s+(?:still\s+|as yet\s+|so far\s+)?(?:unclear|unknown|uncertain|undecided|unresolved|unconfirmed"
    rf"|in doubt|an open question|to be (?:seen|decided|determined|confirmed))\b"
    rf"|\b{_BE}\s+(?:still\s+)?not\s+(?:yet\s+)?(?:been\s+)?{_NOT_DONE}\b"
    rf"|\b(?:has|have|had)\s+(?:still\s+)?(?:yet|still)\s+to\s+(?:be\s+)?[a-z]+"
    rf"|\b(?:has|have|had)\s+not\s+(?:yet\s+)?(?:been\s+)?{_NOT_DONE}\b"
    r"|\b(?:declined|refused|would not|did not|could not|will not)\s+(?:to\s+)?(?:say|disclose|reveal|confirm"
    r"|comment on|specify|give details)\b"
    r"|\bno (?:decision|date|timetable|timeline|details?|indication|specifics|figures?)\s+(?:has|have|had|was|were)"
    r"\s+(?:yet\s+)?(?:been\s+)?(?:made|set|given|announced|disclosed|released|reached)\b"
    r"|\bremains? to be seen\b|\bopen question\b|\bno one knows\b|\bnobody knows\b"
    r"|\b(?:questions?|doubts?|uncertainty)\s+(?:remains?|over|about|surround)\b"
    r"|\b(?:not|never)\s+(?:yet\s+)?(?:been\s+)?(?:explained|answered)\b",
    re.I,
)

# --- sections.py: risks and opportunities ----------------------------------------------------------

# "the risk", "risks", "risk of": a risk named; "AI risk" names a subject instead.
RISK = re.compile(
    r"\brisks\b|\b(?:the|a|at) risk\b|\brisk (?:of|that)\b|\bthreat|\bdanger|\bwarn(?:ed|s|ing)?\b|undermin"
    r"|\bmisuse|vulnerab|\bcollapse|\bjeopardi[sz]|\bdamag(?:e|ing)\b|catastroph|volatil|\bbacklash\b",
    re.I,
)
OPPORTUNITY = re.compile(r"opportunit|upside|\bbenefit|\bboost|\bpositioned to\b|\bcould (?:help|allow)\b", re.I)
RISK_HEADING = re.compile(r"risk|opportunit|implication", re.I)

# --- sections.py: where a quote is the story's own voice -------------------------------------------

QUOTED = re.compile(r"^[\"“'‘]")

# --- disagreements.py ------------------------------------------------------------------------------

# A statement made as done: the side of a disagreement that asserts.
ASSERTIVE = re.compile(
    r"\b(signed|sealed|struck|concluded|formali[sz]ed|ratified|finali[sz]ed|reached|approved|cleared|confirmed"
    r"|completed|adopted|passed)\b",
    re.I,
)
# Words that make a statement conditional, reported or hypothetical: such a statement asserts nothing.
# Matched case-sensitively after lower-casing the first letter, so that "May 14" is not the modal "may".
HEDGED = re.compile(
    r"\b(?:reported(?:ly)?|according to|could|would|may|might|if|whether|any|planned|expected|preparing|likely"
    r"|asked about|report that)\b"
)
NEGATED_NOUN = re.compile(
    r"\b(?:(?:is|was|are|were)\s+not|not|no longer|never|rather than|instead of)\s+(?:a|an|the)\s+"
    r"(?:(?P<adjective>[a-z-]+)\s+)?(?P<noun>[a-z]+)\b",
    re.I,
)
# An act said to be still under way or in doubt, against a statement that it was done.
UNSETTLED = re.compile(
    r"\bback and forth\b|\bunder discussion\b|\bstill being (?:negotiated|discussed)\b|\bremains? fluid\b"
    r"|\bunconfirmed\b|\bnot yet (?:been )?(?:approved|cleared|signed|decided|final)\b|\bno decision\b"
    r"|\b(?:has|have) not been (?:approved|cleared|confirmed|signed)\b",
    re.I,
)
# A subject denying or correcting what is said of it: "Gazprom denied", "dismissed the claims as".
# The verb comes right after its subject ("Gazprom has denied", "Gazprom, however, denied"): disagreements.py
# looks for the denier's name just before it.
DENIAL = re.compile(
    r"\b(?:denied|denies|denying|rejected|rejects|dismissed|dismisses|refuted|refutes|insisted|insists"
    r"|corrected)\b"
    r"|\bsaid (?:it|he|she|they) (?:was|were|had|did|is|are|has|have) not\b|\b(?:untrue|not true|no truth)\b",
    re.I,
)
DENIER_WINDOW = 6  # words before the denial verb where its subject stands (or after "denied by")
# A denial whose subject is a pronoun: "he denied accusing Germany" stands for the actor the stretch names first.
SUBJECT_PRONOUNS = {"he", "she", "they", "it"}
# What a denial denies, when it points back at a statement made before it: "the claim was denied", "rejected
# the allegations", "challenged on the remark, he denied".
CLAIM_NOUN = re.compile(
    r"\b(?:the|this|that|these|those|such)\s+(?:\w+\s+)?(?:claims?|allegations?|accusations?|charges?|suggestions?"
    r"|reports?|remarks?|comments?|stor(?:y|ies)|rumou?rs?)\b",
    re.I,
)
# A sentence opening on one of these answers the one before it ("But the League claimed ...").
CONTRAST = re.compile(r"[\"“]?(?:but|however|yet)\b,?\s*", re.I)
# Reporting verbs: a sentence where an actor is named with one of these is that actor speaking.
REPORTING = r"(?:has said|have said|had said|said|says|told|added|argued|insisted|claimed)\b"
# Before a predicate, words that say it holds from now on ("is now illegal"): a change the sources agree on.
CHANGE_OF_STATE = r"(?:now|no longer|newly)"
# Prefixes that turn a word into its opposite ("clear"/"unclear", "enforceable"/"unenforceable", "legal"/"illegal").
NEGATING_PREFIXES = ("un", "in", "il", "ir", "im", "dis", "non-")
POLARITY_MIN_LETTERS = 4  # "do"/"undo": too short to tell a word from a prefixed one

# What a count counts must be a thing, not a span of time: "3 years", "10 days" are not figures to dispute.
TIME_UNITS = {"year", "month", "week", "day", "hour", "minut", "second", "decad", "centuri"}

# stance.py: an act said not to be done ("would not cut", "did not fast-track", "will never raise"). The verb
# is the word after the negation, an auxiliary "be" skipped ("was not involved").
NEGATED_ACT = re.compile(
    r"\b(?P<aux>(?:would|will|did|does|do|could|can|should|shall|is|are|was|were|has|have|had)(?:\s+not|n't)"
    r"|cannot|never)\s+(?P<passive>be\s+|been\s+)?(?:have\s+)?(?P<verb>[a-z]+)\b",
    re.I,
)
# The subject of a negated act stands right before it ("the Tories would not", "they did not", "Mr Howard
# would never"): further back, "Labour said the party's sums do not add up" is the speaker, not the subject.
SUBJECT_WINDOW = 3
# Verbs of saying, knowing and wanting (as stems): "did not say", "does not know" leave the act open, they
# do not deny it; open_questions reads those.
NOT_AN_ACT = {
    *("say", "tell", "comment", "know", "think", "believ", "expect", "want", "need", "see", "speak", "mention"),
    *("disclos", "reveal", "confirm", "specifi", "elabor", "explain", "respond", "answer", "rule", "like", "wish"),
    *("intend", "plan", "seem", "appear", "realis", "understand", "agre", "rememb", "recal", "yet", "onli", "just"),
}
