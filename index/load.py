"""Files under a corpus -> Documents, with title, date and outlet read from the text where it gives them."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from index.records import Document, LoadFailure

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
# Corpus folders carry their own README (seeds/README.md describes the seeds); it is
# documentation about the corpus, not a source, so it is never indexed.
IGNORED_NAMES = {"readme.md", "readme.txt", "readme"}


class LoadError(Exception):
    """A file that cannot become a Document; the message says why and what to do."""


@dataclass(frozen=True)
class LoadResult:
    documents: tuple[Document, ...]
    failures: tuple[LoadFailure, ...]
    skipped: tuple[LoadFailure, ...]  # files in a folder that are not of a supported type
    roots: tuple[str, ...]  # folders that were walked whole: documents gone from them may be removed


def load_paths(paths: Iterable[str | Path], root: str | Path | None = None) -> LoadResult:
    """Load every supported file under the given files and folders; never raises for a bad file.

    A file's id is its path relative to the folder it was found in, or to root when given and the
    file lies under it (uploads: root/uploads/report.md -> "uploads/report.md").
    """
    base = Path(root).expanduser().resolve() if root is not None else None
    documents: list[Document] = []
    failures: list[LoadFailure] = []
    skipped: list[LoadFailure] = []
    roots: list[str] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            failures.append(LoadFailure(str(raw), "no such file or folder; check the path"))
            continue
        if path.is_dir():
            root = path.resolve()
            roots.append(str(root))
            for file in _corpus_files(root):
                if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                    skipped.append(LoadFailure(str(file), f"unsupported file type '{file.suffix or file.name}'"))
                    continue
                _load_into(file, root, documents, failures)
        else:
            file = path.resolve()
            under = base is not None and file.is_relative_to(base)
            _load_into(file, base if under and base is not None else file.parent, documents, failures)
    return LoadResult(tuple(documents), tuple(failures), tuple(skipped), tuple(roots))


def _corpus_files(root: Path) -> Iterator[Path]:
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not file.is_file():
            continue
        if file.name.lower() in IGNORED_NAMES:
            continue
        yield file


def _load_into(file: Path, root: Path, documents: list[Document], failures: list[LoadFailure]) -> None:
    try:
        documents.append(load_file(file, root))
    except LoadError as error:
        failures.append(LoadFailure(str(file), str(error)))


def load_file(file: Path, root: Path) -> Document:
    """One file -> Document; raises LoadError naming the reason."""
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = " ".join(SUPPORTED_SUFFIXES)
        raise LoadError(f"unsupported file type '{suffix or file.name}'; supported: {supported}")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise LoadError(f"cannot read the file ({error.strerror})") from error
    if not data.strip():
        raise LoadError("the file is empty; add text or remove it from the corpus")
    if suffix == ".pdf":
        extracted = _read_pdf(data)
    elif suffix == ".docx":
        extracted = _read_docx(data)
    else:
        text = _decode_text(data)
        extracted = _read_html(text) if suffix in (".html", ".htm") else _Extracted(text)
    if not extracted.text.strip():
        raise LoadError("no text could be extracted from the file; if it is a scan, run OCR on it, else re-save it")
    return _to_document(file, root, data, extracted, suffix.lstrip("."))


@dataclass(frozen=True)
class _Extracted:
    text: str
    title: str | None = None
    date: str | None = None
    outlet: str | None = None


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise LoadError("binary file, not text; convert it to .txt, .md, .html, .pdf or .docx")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise LoadError(
            f"not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); re-save it as UTF-8"
        ) from error


_BLOCK_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "pre", "blockquote", "dd", "dt", "td", "th", "figcaption"]


def _read_html(markup: str) -> _Extracted:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for junk in soup(["script", "style", "noscript", "nav", "header", "footer", "aside", "form"]):
        junk.decompose()
    blocks: list[str] = []
    for tag in soup.find_all(_BLOCK_TAGS):
        if tag.find_parent(_BLOCK_TAGS) is not None:
            continue
        text = " ".join(tag.get_text(" ", strip=True).split())
        if not text:
            continue
        if tag.name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = "#" * int(tag.name[1]) + " " + text
        elif tag.name == "li":
            text = "- " + text
        blocks.append(text)
    if not blocks:
        blocks = [line.strip() for line in soup.get_text("\n").splitlines() if line.strip()]
    title_tag = soup.find("title")
    author = soup.find("meta", attrs={"name": "author"}) or soup.find("meta", attrs={"property": "og:site_name"})
    published = soup.find("meta", attrs={"property": "article:published_time"}) or soup.find("time")
    published_value = None
    if published is not None:
        published_value = published.get("content") or published.get("datetime") or published.get_text()
    return _Extracted(
        "\n\n".join(blocks),
        title=title_tag.get_text(strip=True) if title_tag else None,
        date=_find_date(str(published_value)) if published_value else None,
        outlet=str(author.get("content")) if author is not None and author.get("content") else None,
    )


def _read_pdf(data: bytes) -> _Extracted:
    import io
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    if not data.lstrip().startswith(b"%PDF"):
        raise LoadError("corrupt PDF: no PDF header; re-export or re-download the file")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError("encrypted PDF; save an unencrypted copy and index that")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta = reader.metadata
    except LoadError:
        raise
    except Exception as error:
        # Any failure inside pypdf on these bytes means a damaged file (it raises NotImplementedError for
        # unknown filters, LimitReachedError for bombs, KeyError and more): name it, never abort the ingest.
        raise LoadError(f"corrupt PDF ({type(error).__name__}: {error}); re-export or re-download the file") from error
    text = "\n\n".join(_reflow_pdf_page(page) for page in pages if page.strip())
    if not text.strip():
        raise LoadError("the PDF has no extractable text (a scan?); run OCR on it first")
    title = str(meta.title) if meta is not None and meta.title else None
    author = str(meta.author) if meta is not None and meta.author else None
    return _Extracted(text, title=title, date=_creation_date(meta), outlet=author)


def _creation_date(meta: object) -> str | None:
    try:  # pypdf raises on malformed date strings
        created = getattr(meta, "creation_date", None)
    except (ValueError, TypeError):
        return None
    return created.date().isoformat() if created is not None else None


def _reflow_pdf_page(page: str) -> str:
    """PDF text comes hard-wrapped: join lines into paragraphs, ending one at a blank line or a short line.

    A line much shorter than the page's usual line ends its paragraph (a heading, or a paragraph's last
    line), with or without punctuation; so does a sentence ending on a line shorter than usual.
    """
    lines = [line.strip() for line in page.splitlines()]
    widths = sorted(len(line) for line in lines if line)
    usual = widths[len(widths) // 2] if widths else 0
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if line:
            current.append(line)
        ends_sentence = line.endswith((".", "?", "!", ":", '"', "”")) and len(line) < 0.9 * usual
        if current and (not line or len(line) < 0.6 * usual or ends_sentence):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


def _read_docx(data: bytes) -> _Extracted:
    try:
        return _docx_blocks(data)
    except Exception as error:
        # python-docx and lxml raise many kinds (BadZipFile, KeyError, XMLSyntaxError...) for a damaged
        # file: each is a reason to name it, none a reason to abort the ingest.
        raise LoadError(
            f"corrupt or unreadable DOCX ({type(error).__name__}: {error}); re-save it from a word processor"
        ) from error


def _docx_blocks(data: bytes) -> _Extracted:
    import io

    import docx

    document = docx.Document(io.BytesIO(data))
    blocks: list[str] = []
    for paragraph in document.paragraphs:
        text = " ".join(paragraph.text.split())
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith("heading") or style.lower() == "title":
            level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
            text = "#" * level + " " + text
        elif "list" in style.lower():
            text = "- " + text
        blocks.append(text)
    props = document.core_properties
    return _Extracted(
        "\n\n".join(blocks),
        title=props.title or None,
        date=_real_docx_date(props.created),
        # python-docx writes its own name as the author of files it creates from its template.
        outlet=props.author if props.author and props.author != "python-docx" else None,
    )


def _real_docx_date(created: object) -> str | None:
    # 2013-12-23 is the creation date baked into python-docx's template, not the document's own.
    value = created.date().isoformat() if hasattr(created, "date") and created is not None else None
    return None if value == "2013-12-23" else value


# --- metadata read from the text itself -------------------------------------------------

_FRONT_MATTER = re.compile(
    r"\A---[ \t]*(?P<inline>[^\n]*?)[ \t]*---[ \t]*(?:\n|\Z)|\A---[ \t]*\n(?P<block>.*?)\n---[ \t]*(?:\n|\Z)", re.S
)
_FRONT_KEY = re.compile(r"(?:^|\s)([A-Za-z_][\w-]*):\s")
_HEADER_LINE = re.compile(r"^(read time|tags|by|author|published|updated|date|source)\b[:\s]", re.I)
_OUTLET_LINE = re.compile(
    r"^(?:originally (?:reported|published) by|source:|by)\s+(?P<outlet>[\w .&'-]+?)\s*$", re.I | re.M
)
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
# Full names, and abbreviations with or without a full stop ("Sep 3", "Sept. 3"); any case ("MAY 14 2026").
_MONTH_RE = "|".join(_MONTHS) + "|sept\\.?|" + "|".join(m[:3] + r"\.?" for m in _MONTHS)
_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b"),
    re.compile(rf"\b(?P<month>{_MONTH_RE})\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I),
    re.compile(rf"\b(?P<d>\d{{1,2}})\s+(?P<month>{_MONTH_RE})\s+(?P<y>\d{{4}})\b", re.I),
)


def _find_date(text: str) -> str | None:
    """The earliest-mentioned full calendar date in the text, as yyyy-mm-dd."""
    found: list[tuple[int, str]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = int(groups["m"]) if groups.get("m") else _MONTHS.index(_month_name(groups["month"])) + 1
            try:
                value = date(int(groups["y"]), month, int(groups["d"]))
            except ValueError:
                continue
            found.append((match.start(), value.isoformat()))
    return min(found)[1] if found else None


def _month_name(token: str) -> str:
    token = token.lower().rstrip(".")
    return next(m for m in _MONTHS if m.startswith(token))


def parse_front_matter(text: str) -> tuple[dict[str, str], int]:
    """Front matter (`--- key: value ... ---`, on one line or several) -> fields and where the body starts."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return {}, 0
    raw = match.group("inline") if match.group("inline") is not None else match.group("block")
    keys = list(_FRONT_KEY.finditer(" " + raw.replace("\n", " ")))
    if not keys:  # a Markdown thematic break (---) at the top, not front matter
        return {}, 0
    flat = " " + raw.replace("\n", " ")
    fields: dict[str, str] = {}
    for i, key in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(flat)
        value = flat[key.end() : end].strip().strip("\"'")
        fields[key.group(1).lower()] = value
    return fields, match.end()


def _to_document(file: Path, root: Path, data: bytes, extracted: _Extracted, fmt: str) -> Document:
    text = extracted.text
    fields, body_start = parse_front_matter(text)
    tags: tuple[str, ...] = ()
    if fields.get("tags"):
        tags = tuple(t.strip() for t in fields["tags"].strip("[]").split(",") if t.strip())
    # Plain-text headers such as "Read Time 6 minutes" / "Tags ..." precede the body.
    while True:
        line_end = text.find("\n", body_start)
        line = text[body_start : line_end if line_end != -1 else len(text)]
        if line_end == -1 or not _HEADER_LINE.match(line.strip()):
            break
        label, _, value = line.strip().partition(" ")
        if label.lower() == "tags" and not tags:
            tags = tuple(value.split())
        if label.lower() in ("by", "author") and not fields.get("author"):
            fields["author"] = value.strip()
        body_start = line_end + 1
    body = text[body_start:]
    title = fields.get("headline") or fields.get("title") or extracted.title or _title_from_body(body) or file.stem
    outlet_match = _OUTLET_LINE.search(body)
    outlet = (
        fields.get("outlet")
        or fields.get("source")
        or fields.get("author")
        or extracted.outlet
        or (outlet_match.group("outlet").strip() if outlet_match else None)
    )
    found_date = _find_date(fields["date"]) if fields.get("date") else None
    return Document(
        id=file.relative_to(root).as_posix(),
        path=str(file),
        root=str(root),
        text=text,
        content_hash=hashlib.sha256(data).hexdigest(),
        title=title,
        date=found_date or extracted.date or _find_date(body),
        outlet=outlet,
        format=fmt,
        tags=tags,
        body_start=body_start,
    )


def _title_from_body(body: str) -> str | None:
    for line in body.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("#"):
            return line.lstrip("#").strip()
        words = line.split()
        if len(words) <= 16 and not line.endswith((".", "?", "!")):
            return line
        # No headline: the opening words stand in for one.
        return " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    return None
