"""Reviewing drafted cases in the terminal: accept, edit or drop each with one key, saved after every key."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from evals.cases import EvalCase, load_cases

KEYS = "[a]ccept  [e]dit  [d]rop  [s]kip  [q]uit"


@dataclass
class ReviewTally:
    """What the reviewer did, by case id."""

    accepted: list[str] = field(default_factory=list)  # accepted as drafted
    edited: list[str] = field(default_factory=list)  # accepted after an edit
    dropped: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # still unreviewed (skipped, or the review was quit)


def review_file(
    path: Path,
    read_key: Callable[[], str],
    read_line: Callable[[str], str],
    show: Callable[[str], None],
    out: Path | None = None,
) -> ReviewTally:
    """Walk the unreviewed cases of a question file; write the result (to out, else in place) after each decision."""
    load_cases(path)  # a broken file is refused before any change, with file:line: field
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    target = out or path
    tally = ReviewTally()
    pending = [row for row in rows if row.get("reviewed") is False]
    for number, row in enumerate(pending, start=1):
        show(_card(row, number, len(pending)))
        while True:
            key = read_key().lower()
            if key in {"a", "e", "d", "s", "q"}:
                break
            show(f"  keys: {KEYS}")
        if key == "q":
            tally.left += [r["id"] for r in pending[number - 1 :]]
            break
        if key == "s":
            tally.left.append(row["id"])
            continue
        if key == "d":
            rows.remove(row)
            tally.dropped.append(row["id"])
        elif key == "a":
            row["reviewed"] = True
            tally.accepted.append(row["id"])
        elif _edit(row, read_line, show):
            tally.edited.append(row["id"])
        else:
            tally.left.append(row["id"])
        _write(target, rows)
    _write(target, rows)
    return tally


def _edit(row: dict[str, object], read_line: Callable[[str], str], show: Callable[[str], None]) -> bool:
    """Ask for a new question and answers (Enter keeps each); True when the edited case is valid and reviewed."""
    question = read_line(f"  question [{row['question']}]: ").strip() or row["question"]
    edited = {**row, "question": question, "reviewed": True}
    if row.get("answerable"):
        answers = " | ".join(str(a) for a in row.get("answers", []))  # type: ignore[attr-defined]
        given = read_line(f"  answers, | between aliases [{answers}]: ").strip()
        if given:
            edited["answers"] = [alias.strip() for alias in given.split("|") if alias.strip()]
    try:
        EvalCase.model_validate(edited)
    except ValidationError as error:
        show(f"  not saved: {error.errors()[0]['msg']}; the case stays unreviewed")
        return False
    row.clear()
    row.update(edited)
    return True


def _card(row: dict[str, object], number: int, total: int) -> str:
    kind = "answerable" if row.get("answerable") else "unanswerable (the right behaviour is to abstain)"
    lines = [f"\n[{number}/{total}] {row['id']}: {kind}", f"  Q: {row['question']}"]
    if row.get("answerable"):
        lines.append(f"  A: {' | '.join(str(a) for a in row.get('answers', []))}")  # type: ignore[attr-defined]
        lines += [f"  evidence: {snippet}" for snippet in row.get("evidence", [])]  # type: ignore[attr-defined]
    lines.append(f"  {KEYS}")
    return "\n".join(lines)


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    """Replace the file in one step, so an interrupted review never leaves half a file."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    os.replace(temporary, path)
