"""Files under a corpus -> Documents, with title, date and outlet read from the text where it gives them."""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from index.metadata import Found, MetadataError, choose, find_date, is_sidecar, parse_front_matter, sidecar
from index.records import Document, LoadFailure

__all__ = ["LoadError", "LoadResult", "find_date", "load_file", "load_paths", "parse_front_matter"]
_find_date = find_date  # the name tests and older callers use

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
    paths: Iterable[str | Path],
    root: str | Path | None = None,
    max_text_chars: int | None = None,
    claimed: Mapping[str, str] | None = None,
) -> LoadResult:
    """Load every supported file under the given files and folders; never raises for a bad file.

    A file's id is its path relative to the folder it was found in, or to root when given and the
    file lies under it (uploads: root/uploads/report.md -> "uploads/report.md"). With root given, a
    folder outside it is named by its folder name (a/report.txt, b/report.txt), so two folders holding
    the same file name never replace each other. claimed maps the ids already indexed to the folder
    each was read from: a folder whose file would take an id held by another file that still exists
    is named by more of its path (x/docs/report.txt, y/docs/report.txt), while a moved folder, whose
    old files are gone, keeps its ids. The walk never leaves a folder: links to files or folders
    outside it are refused, and FIFOs, devices, sockets and link loops are skipped unopened.
    max_text_chars bounds a file's extracted text (None: no bound).
    """
    base = Path(root).expanduser().resolve() if root is not None else None
    held = dict(claimed or {})  # grows with this run's ids, so two same-named folders in one run differ too
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
        first = len(documents)
        if path.is_dir():
            folder = path.resolve()
            roots.append(str(folder))
            entries = list(corpus_files(folder))
            files = [entry[0] for entry in entries if not isinstance(entry, LoadFailure)]
            prefix = _free_prefix(folder, _id_prefix(folder, base), files, held)
            for found in entries:
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
            prefix = _free_prefix(parent, "", [file], held)
            _load_into(file, parent, documents, failures, max_text_chars, prefix, target=path.resolve())
        held.update((document.id, document.root) for document in documents[first:])
    return LoadResult(tuple(documents), tuple(failures), tuple(skipped), tuple(roots))


def _id_prefix(folder: Path, base: Path | None) -> str:
    """What goes before a file's path in its id: the folder's place under the corpus root, or its name."""
    if base is None or folder == base:
        return ""
    if folder.is_relative_to(base):
        return folder.relative_to(base).as_posix() + "/"
    return folder.name + "/"


def _free_prefix(folder: Path, natural: str, files: list[Path], held: Mapping[str, str]) -> str:
    """The natural prefix, unless it gives a file an id held by another file; then more of the folder's path."""

    def taken(prefix: str) -> bool:
        return any(_held_elsewhere(prefix + file.relative_to(folder).as_posix(), file, held) for file in files)

    if not held or not taken(natural):
        return natural
    depth = len(PurePosixPath(natural).parts)
    for n in range(depth + 1, len(folder.parts)):  # parts[0] is the filesystem root
        longer = "/".join(folder.parts[-n:]) + "/"
        if not taken(longer):
            return longer
    return folder.as_posix().lstrip("/") + "/"


def _held_elsewhere(doc_id: str, file: Path, held: Mapping[str, str]) -> bool:
    """True when doc_id is indexed from a file other than this one, and that file is still there."""
    root = held.get(doc_id)
    if root is None:
        return False
    # The holder's file is its root folder joined with some tail of the id (the id's head is its prefix).
    parts = PurePosixPath(doc_id).parts
    sources = [Path(root).joinpath(*parts[i:]) for i in range(len(parts))]
    if any(source == file or source.resolve() == file.resolve() for source in sources):
        return False  # the same file, indexed before from this folder or from one above it
    return any(source.is_file() for source in sources)


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
        if entry.name.lower() in IGNORED_NAMES or is_sidecar(entry):
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
    try:
        return _to_document(file, root, data, extracted, suffix.lstrip("."), id_prefix)
    except MetadataError as error:
        raise LoadError(str(error)) from error


@dataclass(frozen=True)
class _Extracted:
    text: str
    found: tuple[Found, ...] = ()  # what the format's own fields say, most trusted first


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
    return _Extracted("\n\n".join(blocks), found=_html_metadata(soup))


def _html_metadata(soup: Any) -> tuple[Found, ...]:
    """The page's own fields: its <h1> or og:title over <title> (a site's <title> carries its name)."""

    def meta(**attrs: str) -> str | None:
        tag = soup.find("meta", attrs=attrs)
        return str(tag.get("content")).strip() or None if tag is not None and tag.get("content") else None

    h1 = soup.find("h1")
    title_tag = soup.find("title")
    time_tag = soup.find("time")
    published = meta(property="article:published_time") or meta(name="date") or meta(name="pubdate")
    canonical = soup.find("link", attrs={"rel": "canonical"})
    link = str(canonical.get("href")) if canonical is not None and canonical.get("href") else None
    when = find_date(str(time_tag.get("datetime") or time_tag.get_text())) if time_tag else None
    return (
        Found("<h1>", {"title": " ".join(h1.get_text(" ", strip=True).split()) or None if h1 else None}),
        Found("og:title", {"title": meta(property="og:title")}),
        Found("<title>", {"title": title_tag.get_text(strip=True) or None if title_tag else None}),
        Found("published time", {"date": find_date(published) if published else None}),
        Found("<time>", {"date": when}),
        Found("meta author", {"outlet": meta(name="author")}),
        Found("og:site_name", {"outlet": meta(property="og:site_name")}),
        Found("og:url", {"url": meta(property="og:url")}),
        Found("canonical link", {"url": link}),
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
    # No date: /CreationDate is when the file was made (a 2004 article printed to PDF in 2026), not published.
    return _Extracted(text, found=(Found("PDF metadata", {"title": title, "outlet": author}),))


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
    # No date: the core properties' "created" is when the file was made, not when the piece was published.
    # python-docx writes its own name as the author of files it creates from its template.
    author = props.author if props.author and props.author != "python-docx" else None
    return _Extracted(
        "\n\n".join(blocks), found=(Found("DOCX properties", {"title": props.title or None, "outlet": author}),)
    )


# --- metadata read from the text itself -------------------------------------------------

_HEADER_LINE = re.compile(r"^(read time|tags|by|author|published|updated|date|source)\b[:\s]", re.I)
_OUTLET_LINE = re.compile(
    r"^(?:originally (?:reported|published) by|source:|by)\s+(?P<outlet>[\w .&'-]+?)\s*$", re.I | re.M
)
OPENING_CHARS = 300  # a date in the text counts as the dateline only this near the start of the body


def _to_document(file: Path, root: Path, data: bytes, extracted: _Extracted, fmt: str, id_prefix: str = "") -> Document:
    text = extracted.text
    fields, body_start = parse_front_matter(text)
    tags: tuple[str, ...] = ()
    if fields.get("tags"):
        tags = tuple(t.strip() for t in fields["tags"].strip("[]").split(",") if t.strip())
    # Plain-text headers such as "Read Time 6 minutes" / "Tags ..." precede the body.
    byline: str | None = None
    while True:
        line_end = text.find("\n", body_start)
        line = text[body_start : line_end if line_end != -1 else len(text)]
        if line_end == -1 or not _HEADER_LINE.match(line.strip()):
            break
        label, _, value = line.strip().partition(" ")
        if label.lower() == "tags" and not tags:
            tags = tuple(value.split())
        if label.lower() in ("by", "author") and not byline:
            byline = value.strip()
        body_start = line_end + 1
    body = text[body_start:]
    outlet_match = _OUTLET_LINE.search(body)
    chosen = choose(
        [
            *([found] if (found := sidecar(file)) is not None else []),
            Found(
                "front matter",
                {
                    "title": fields.get("headline") or fields.get("title"),
                    "date": find_date(fields["date"]) if fields.get("date") else None,
                    "outlet": fields.get("outlet") or fields.get("source") or fields.get("author"),
                    "url": fields.get("url") or fields.get("link"),
                },
            ),
            *extracted.found,
            Found("byline", {"outlet": byline}),
            Found("text", {"title": _title_from_body(body), "date": find_date(body[:OPENING_CHARS])}),
            Found("outlet line", {"outlet": outlet_match.group("outlet").strip() if outlet_match else None}),
            Found("file name", {"title": file.stem}),
        ]
    )
    return Document(
        id=id_prefix + file.relative_to(root).as_posix(),
        path=str(file),
        root=str(root),
        text=text,
        content_hash=hashlib.sha256(data).hexdigest(),
        title=chosen.title or file.stem,
        date=chosen.date,
        outlet=chosen.outlet,
        format=fmt,
        tags=tags,
        body_start=body_start,
        url=chosen.url,
        provenance=chosen.provenance,
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
