"""The prompt files of prompts/: one per LLM call, their {placeholders} checked when they are loaded."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

# The placeholders each prompt must use, exactly: a template that drops one would send the model
# a prompt without the passages; one that adds an unknown one would send a literal "{name}".
EXPECTED: dict[str, frozenset[str]] = {
    "system": frozenset(),
    "answer": frozenset({"question", "passages", "not_in_sources"}),
    "brief_rewrite": frozenset({"claims"}),
}

# Only lower-case snake_case words in single braces are placeholders, so prose may use other braces.
_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class PromptError(ValueError):
    """A prompt file is missing, or its placeholders do not match what its caller fills in."""


@dataclass(frozen=True)
class Prompt:
    """One template from prompts/<name>.md and the placeholders it uses."""

    name: str
    template: str
    placeholders: frozenset[str]

    def render(self, **values: str) -> str:
        """The template with every placeholder filled; values are inserted once, never re-scanned."""
        given = frozenset(values)
        if given != self.placeholders:
            raise PromptError(_mismatch(f"render({self.name})", self.placeholders, given))
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], self.template)


def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> Prompt:
    """Read prompts/<name>.md and check its placeholders against EXPECTED[name]; raise PromptError if they differ."""
    if name not in EXPECTED:
        raise PromptError(f"unknown prompt {name!r}; known: {', '.join(sorted(EXPECTED))}")
    path = folder / f"{name}.md"
    try:
        template = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise PromptError(f"{path}: cannot read the prompt ({error.strerror or error})") from error
    found = frozenset(_PLACEHOLDER.findall(template))
    if found != EXPECTED[name]:
        raise PromptError(_mismatch(str(path), EXPECTED[name], found))
    return Prompt(name, template, found)


@dataclass(frozen=True)
class Prompts:
    """The prompts of one LLM session, one field per name in EXPECTED."""

    system: Prompt
    answer: Prompt
    brief_rewrite: Prompt


@cache
def load_prompts(folder: Path = PROMPTS_DIR) -> Prompts:
    """Every prompt, checked once per process: a broken template fails before the first request."""
    return Prompts(**{name: load_prompt(name, folder) for name in EXPECTED})


def _mismatch(where: str, expected: frozenset[str], found: frozenset[str]) -> str:
    parts = []
    if missing := sorted(expected - found):
        parts.append("missing " + ", ".join("{" + m + "}" for m in missing))
    if extra := sorted(found - expected):
        parts.append("unexpected " + ", ".join("{" + e + "}" for e in extra))
    return f"{where}: placeholders do not match: {'; '.join(parts)}"
