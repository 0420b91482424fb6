"""The records every disagreement detector returns: what kind of conflict, and which statements on each side."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Conflict:
    """How one statement contradicts another, and the neutral question a reader would ask about it."""

    kind: str  # "negation" | "unsettled" | "numbers" | "denial" | "rounding"
    key: str  # what is in dispute: the negated noun, the quantity, or the actor
    verb: str  # the assertive verb of the asserting side ("signed", "cleared"), or ""
    question: str


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
