"""A document's title, date, outlet and url, each taken from the most trustworthy place that gives it, and named.

Order of trust: a sidecar the analyst wrote (`<file>.meta.json`, or a row of `metadata.csv` beside the
documents), then the document's own front matter, then the format's fields (an HTML page's <h1>, og:title,
published time), then header lines and the text itself, then the file name. A file's creation date
(PDF /CreationDate, DOCX core properties) is when the file was made, not when the piece was published:
it is never taken as the date.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import yaml

from index.text import MONTH_PATTERN, MONTHS

FIELDS = ("title", "date", "outlet", "url")
SIDECAR_CSV = "metadata.csv"  # columns: file (name or path relative to the csv), title, date, outlet, url
SIDECAR_SUFFIX = ".meta.json"  # beside report.pdf: report.pdf.meta.json with the same keys


class MetadataError(ValueError):
    """Metadata that cannot be read: the message names the file, the field and what to do."""


@dataclass(frozen=True)
class Found:
    """Fields one place gives, and how a reader would name that place ("metadata.csv", "<h1>")."""

    source: str
    fields: dict[str, str | None]


@dataclass(frozen=True)
class Metadata:
    """The chosen value of each field and where it came from."""

    title: str | None
    date: str | None
    outlet: str | None
    url: str | None
    provenance: str  # "title: <h1>; date: metadata.csv; outlet: front matter" (fields found only)


def choose(found: Sequence[Found]) -> Metadata:
    """The first non-empty value of each field, in order of trust, with where each came from."""
    values: dict[str, str | None] = dict.fromkeys(FIELDS)
    sources: dict[str, str] = {}
    for place in found:
        for key in FIELDS:
            value = place.fields.get(key)
            if values[key] is None and value:
                values[key] = value
                sources[key] = place.source
    provenance = "; ".join(f"{key}: {sources[key]}" for key in FIELDS if key in sources)
    return Metadata(values["title"], values["date"], values["outlet"], values["url"], provenance)


def provenance_of(provenance: str) -> dict[str, str]:
    """'title: <h1>; date: metadata.csv' -> {'title': '<h1>', 'date': 'metadata.csv'}."""
    pairs = (part.partition(": ") for part in provenance.split("; ") if part)
    return {key: value for key, _, value in pairs}


# --- sidecars ------------------------------------------------------------------------------------


def is_sidecar(file: Path) -> bool:
    """True for the files that describe documents rather than being one."""
    return file.name.lower() == SIDECAR_CSV or file.name.lower().endswith(SIDECAR_SUFFIX)


def sidecar(file: Path) -> Found | None:
    """What a sidecar says of this document: its `.meta.json`, else its row of the `metadata.csv` beside it."""
    own = file.with_name(file.name + SIDECAR_SUFFIX)
    if own.is_file():
        try:
            data = json.loads(own.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise MetadataError(f"{own.name}: not readable JSON ({error}); fix it or remove it") from error
        if not isinstance(data, dict):
            raise MetadataError(f"{own.name}: expected an object with title, date, outlet, url")
        return Found(own.name, _checked(data, own.name))
    # Only the file's own folder: a metadata.csv above the corpus is not the corpus's to read.
    table = file.parent / SIDECAR_CSV
    if table.is_file():
        row = _csv_row(table, file)
        if row is not None:
            return Found(SIDECAR_CSV, _checked(row, f"{SIDECAR_CSV} row '{row.get('file')}'"))
    return None


def sidecar_hash(described: Found | None) -> str:
    """A fingerprint of what a sidecar says of one document, stored beside its content hash; "" when none does.

    The content hash covers the file's bytes only, so an edit to metadata.csv alone would leave the
    document "unchanged" and its old title indexed: a changed fingerprint re-indexes it.
    """
    if described is None:
        return ""
    return hashlib.sha256(json.dumps([described.source, described.fields], sort_keys=True).encode()).hexdigest()


def _csv_row(table: Path, file: Path) -> dict[str, str] | None:
    try:
        rows, first = _parsed_table(table.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise MetadataError(f"{table}: cannot read it as CSV ({error})") from error
    if rows and "file" not in rows[0]:
        raise MetadataError(f"{table}: no 'file' column; the header should be file,title,date,outlet,url")
    relative = file.relative_to(table.parent).as_posix() if file.is_relative_to(table.parent) else file.name
    hits = [first[name] for name in (relative, file.name) if name in first]
    if not hits:
        return None
    return {k.strip().lower(): (v or "").strip() for k, v in rows[min(hits)].items() if k}


@functools.lru_cache(maxsize=8)
def _parsed_table(text: str) -> tuple[tuple[dict[str, str], ...], dict[str, int]]:
    """A metadata.csv's rows, and the first row naming each file; keyed by the text, so never stale.

    Every file of a folder looks up its row: parsing an 800-row table once per file cost 0.65 s of
    an 0.7 s unchanged re-index of 800 small files; the file is still read each time (~40 kB).
    """
    rows = tuple(csv.DictReader(text.splitlines()))
    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        first.setdefault((row.get("file") or "").strip(), i)
    return rows, first


def _checked(data: Mapping[str, object], where: str) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}
    for key in FIELDS:
        value = data.get(key)
        text = str(value).strip() if value not in (None, "") else None
        if key == "date" and text:
            parsed = find_date(text)
            if parsed is None:
                raise MetadataError(f"{where}: date '{text}' is not a date; write it as yyyy-mm-dd")
            text = parsed
        fields[key] = text
    return fields


# --- front matter --------------------------------------------------------------------------------

_INLINE = re.compile(r"\A---[ \t]*(?P<inline>[^\n]*?)[ \t]*---[ \t]*(?:\n|\Z)")
_BLOCK = re.compile(r"\A---[ \t]*\n(?P<block>.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_INLINE_KEY = re.compile(r"(?:^|\s)([A-Za-z_][\w-]*):\s")


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """Front matter -> fields and where the body starts; raises MetadataError on a block that is not YAML.

    A block (`---` lines around YAML) is read with PyYAML; the one-line form some exporters write
    (`--- title: X date: Y ---`) is not YAML and is read key by key.
    """
    inline = _INLINE.match(text)
    if inline is not None and inline.group("inline"):
        fields = _inline_fields(inline.group("inline"))
        return (fields, inline.end()) if fields else ({}, 0)
    block = _BLOCK.match(text)
    if block is None:
        return {}, 0
    try:
        data = yaml.safe_load(block.group("block"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" at line {mark.line + 2}" if mark is not None else ""
        raise MetadataError(
            f"front matter is not valid YAML{line} ({getattr(error, 'problem', error)}); "
            'quote values that contain a colon, e.g. title: "Budget: the details"'
        ) from error
    if not isinstance(data, dict):  # a Markdown thematic break (---) at the top, not front matter
        return {}, 0
    return {str(k).lower(): _plain(v) for k, v in data.items() if v is not None}, block.end()


def _plain(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


def _inline_fields(raw: str) -> dict[str, str]:
    flat = " " + raw
    keys = list(_INLINE_KEY.finditer(flat))
    fields: dict[str, str] = {}
    for i, key in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(flat)
        fields[key.group(1).lower()] = flat[key.end() : end].strip().strip("\"'")
    return fields


# --- dates written in text -----------------------------------------------------------------------

_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b(?P<month>{MONTH_PATTERN})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<month>{MONTH_PATTERN})\s+(?P<y>\d{{4}})\b", re.I),
)


def find_date(text: str) -> str | None:
    """The earliest-mentioned full calendar date in the text, as yyyy-mm-dd."""
    found: list[tuple[int, str]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = int(groups["m"]) if groups.get("m") else MONTHS.index(_month_name(groups["month"])) + 1
            try:
                value = date(int(groups["y"]), month, int(groups["d"]))
            except ValueError:
                continue
            found.append((match.start(), value.isoformat()))
    return min(found)[1] if found else None


def _month_name(token: str) -> str:
    token = token.lower().rstrip(".")
    return next(m for m in MONTHS if m.startswith(token))
