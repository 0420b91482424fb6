"""Files under a corpus -> Documents, with title, date and outlet read from the text where it gives them."""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
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


def load_paths(
    paths: Iterable[str | Path], root: str | Path | None = None, max_text_chars: int | None = None
) -> LoadResult:
    """Load every supported file under the given files and folders; never raises for a bad file.

    A file's id is its path relative to the folder it was found in, or to root when given and the
    file lies under it (uploads: root/uploads/report.md -> "uploads/report.md"). With root given, a
    folder outside it is named by its folder name (a/report.txt, b/report.txt), so two folders holding
    the same file name never replace each other. The walk never leaves a folder: links to files or
    folders outside it are refused, and FIFOs, devices, sockets and link loops are skipped unopened.
    max_text_chars bounds a file's extracted text (None: no bound).
    """
    base = Path(root).expanduser().resolve() if root is not None else None
    documents: list[Document] = []
    failures: list[LoadFailure] = []
    skipped: list[LoadFailure] = []
    roots: list[str] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_symlink() and not os.path.exists(path):
            failures.append(LoadFailure(str(raw), "a broken link or a link loop; point it at a real file or remove it"))
            continue
        if not path.exists():
            failures.append(LoadFailure(str(raw), "no such file or folder; check the path"))
            continue
        if path.is_dir():
            folder = path.resolve()
            roots.append(str(folder))
            prefix = _id_prefix(folder, base)
            for found in corpus_files(folder):
                if isinstance(found, LoadFailure):
                    (failures if found.reason.startswith(REFUSED) else skipped).append(found)
                    continue
                file, target = found
                if file.suffix.lower() not in SUPPORTED_SUFFIXES:
                    skipped.append(LoadFailure(str(file), f"unsupported file type '{file.suffix or file.name}'"))
                    continue
                _load_into(file, folder, documents, failures, max_text_chars, prefix, target)
        else:
            # Named as given (a link keeps its own name), read from what it resolves to.
            file = path.absolute().parent.resolve() / path.name
            under = base is not None and file.is_relative_to(base)
            parent = base if under and base is not None else file.parent
            _load_into(file, parent, documents, failures, max_text_chars, target=path.resolve())
    return LoadResult(tuple(documents), tuple(failures), tuple(skipped), tuple(roots))


def _id_prefix(folder: Path, base: Path | None) -> str:
    """What goes before a file's path in its id: the folder's place under the corpus root, or its name."""
    if base is None or folder == base:
        return ""
    if folder.is_relative_to(base):
        return folder.relative_to(base).as_posix() + "/"
    return folder.name + "/"


# Reasons that mean "this was refused for safety", reported as failures (exit 1), not as skipped files.
REFUSED = "refused:"


def corpus_files(root: Path) -> Iterator[tuple[Path, Path] | LoadFailure]:
    """(file as named in the corpus, the regular file to read) for each candidate under root, sorted.

    Links are resolved: one to a file inside root is read from its target (unless the target is walked
    under its own name), one leading outside root is refused with a line naming the target. Anything that
    is not a regular file or folder (a FIFO, a device, a socket, a broken link or a link loop) is skipped
    with a line; none of them is ever opened.
    """
    entries: list[Path] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        entries.extend(here / d for d in dirs if (here / d).is_symlink())  # os.walk lists, never enters, these
        entries.extend(here / f for f in files if not f.startswith("."))
    walked = {entry for entry in entries if not entry.is_symlink()}
    for entry in sorted(entries):
        if entry.name.lower() in IGNORED_NAMES:
            continue
        found = _classify(entry, root, walked)
        if found is not None:
            yield found


def _classify(entry: Path, root: Path, walked: set[Path]) -> tuple[Path, Path] | LoadFailure | None:
    target = entry
    if entry.is_symlink():
        try:
            target = Path(os.path.realpath(entry, strict=True))
        except OSError as error:
            why = "a link loop" if error.errno == errno.ELOOP else "a broken link"
            return LoadFailure(str(entry), f"{why}, not followed; remove it or point it at a file in the corpus")
        if not target.is_relative_to(root):
            return LoadFailure(
                str(entry),
                f"{REFUSED} a link to {target}, outside the corpus folder {root}; copy the file into the corpus"
                " to index it",
            )
        if target in walked:
            return None  # indexed under its own name already; the link adds nothing
    try:
        mode = os.stat(target).st_mode
    except OSError as error:
        return LoadFailure(str(entry), f"cannot inspect it ({error.strerror}); check its permissions")
    if stat.S_ISDIR(mode):
        # A link to a folder inside the corpus: that folder is walked already under its own name.
        return None
    if not stat.S_ISREG(mode):
        return LoadFailure(str(entry), f"{_kind(mode)}, not a regular file; not opened")
    return entry, target


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def _load_into(
    file: Path,
    root: Path,
    documents: list[Document],
    failures: list[LoadFailure],
    max_text_chars: int | None = None,
    prefix: str = "",
    target: Path | None = None,
) -> None:
    try:
        documents.append(load_file(file, root, max_text_chars=max_text_chars, id_prefix=prefix, target=target))
    except LoadError as error:
        failures.append(LoadFailure(str(file), str(error)))


def read_regular_file(file: Path, max_bytes: int | None = None, resolved: bool = False) -> bytes:
    """The bytes of a regular file; a FIFO or device is refused without blocking or reading it.

    Opened non-blocking and checked on the open descriptor, so a file swapped for a FIFO between
    the walk and the read cannot hang the indexer; a resolved path is opened without following a
    link, so one swapped in since the walk cannot lead outside the corpus either.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | (os.O_NOFOLLOW if resolved else 0)
    try:
        fd = os.open(file, flags)
    except OSError as error:
        raise LoadError(f"cannot read the file ({error.strerror}); check that it exists and is readable") from error
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(f"{_kind(info.st_mode)}, not a regular file; only files can be indexed")
        if max_bytes is not None and info.st_size > max_bytes:
            raise LoadError(
                f"the file is {info.st_size:,} bytes, over the limit of {max_bytes:,} for its type;"
                " split it into smaller files or raise BRIEFING_MAX_FILE_MB"
            )
        return handle.read()


# A PDF or DOCX holds more bytes than text (fonts, images, zip): its raw size may exceed the text bound by this.
RAW_BYTES_PER_TEXT_CHAR = 10


def load_file(
    file: Path,
    root: Path,
    max_text_chars: int | None = None,
    id_prefix: str = "",
    target: Path | None = None,
) -> Document:
    """One file -> Document; raises LoadError naming the reason. target: the file to read, when file is a link."""
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = " ".join(SUPPORTED_SUFFIXES)
        raise LoadError(f"unsupported file type '{suffix or file.name}'; supported: {supported}")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in file.name):
        shown = file.name.encode("unicode_escape").decode("ascii")
        raise LoadError(f"the file name '{shown}' holds a control character (a newline?); rename the file")
    text_format = suffix not in (".pdf", ".docx")
    max_bytes = None if max_text_chars is None else max_text_chars * (4 if text_format else RAW_BYTES_PER_TEXT_CHAR)
    data = read_regular_file(target or file, max_bytes, resolved=target is not None)
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
    if max_text_chars is not None and len(extracted.text) > max_text_chars:
        raise LoadError(
            f"{len(extracted.text):,} characters of text, over the limit of {max_text_chars:,};"
            " split it into smaller files or raise BRIEFING_MAX_FILE_MB"
        )
    return _to_document(file, root, data, extracted, suffix.lstrip("."), id_prefix)


@dataclass(frozen=True)
class _Extracted:
    text: str
    title: str | None = None
    date: str | None = None
    outlet: str | None = None


def _decode_text(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # Windows "Unicode" text, which has a BOM
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise LoadError(f"damaged UTF-16 text (at offset {error.start}); re-save it as UTF-8") from error
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


def _to_document(file: Path, root: Path, data: bytes, extracted: _Extracted, fmt: str, id_prefix: str = "") -> Document:
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
        id=id_prefix + file.relative_to(root).as_posix(),
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
