"""File bytes -> Document: text extracted per format (PDF, DOCX, HTML, plain text), then title, date and outlet."""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.metadata import Found, MetadataError, choose, find_date, parse_front_matter, sidecar, sidecar_hash
from index.records import Document


class LoadError(Exception):
    """A file that cannot become a Document; the message says why and what to do."""


def to_document(
    file: Path, root: Path, data: bytes, max_text_chars: int | None = None, id_prefix: str = ""
) -> Document:
    """A file's bytes -> Document; raises LoadError naming the reason. The suffix must be one of READERS."""
    suffix = file.suffix.lower()
    extracted = READERS[suffix](data)
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
class Extracted:
    """A file's text as its format gives it, and what the format's own fields say of it."""

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


def _read_html(markup: str) -> Extracted:
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
    return Extracted("\n\n".join(blocks), found=_html_metadata(soup))


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


def _read_pdf(data: bytes) -> Extracted:
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
    return Extracted(text, found=(Found("PDF metadata", {"title": title, "outlet": author}),))


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


def _read_docx(data: bytes) -> Extracted:
    try:
        return _docx_blocks(data)
    except Exception as error:
        # python-docx and lxml raise many kinds (BadZipFile, KeyError, XMLSyntaxError...) for a damaged
        # file: each is a reason to name it, none a reason to abort the ingest.
        raise LoadError(
            f"corrupt or unreadable DOCX ({type(error).__name__}: {error}); re-save it from a word processor"
        ) from error


def _docx_blocks(data: bytes) -> Extracted:
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
    return Extracted(
        "\n\n".join(blocks), found=(Found("DOCX properties", {"title": props.title or None, "outlet": author}),)
    )


def _read_text(data: bytes) -> Extracted:
    return Extracted(_decode_text(data))


def _read_html_bytes(data: bytes) -> Extracted:
    return _read_html(_decode_text(data))


# Suffix -> reader: a new format is one entry here (index/load.py takes its supported types from it).
READERS: dict[str, Callable[[bytes], Extracted]] = {
    ".txt": _read_text,
    ".md": _read_text,
    ".markdown": _read_text,
    ".html": _read_html_bytes,
    ".htm": _read_html_bytes,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


# --- metadata read from the text itself -------------------------------------------------

_HEADER_LINE = re.compile(r"^(read time|tags|by|author|published|updated|date|source)\b[:\s]", re.I)
_OUTLET_LINE = re.compile(
    r"^(?:originally (?:reported|published) by|source:|by)\s+(?P<outlet>[\w .&'-]+?)\s*$", re.I | re.M
)
OPENING_CHARS = 300  # a date in the text counts as the dateline only this near the start of the body


def _to_document(file: Path, root: Path, data: bytes, extracted: Extracted, fmt: str, id_prefix: str = "") -> Document:
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
    described = sidecar(file)
    chosen = choose(
        [
            *([described] if described is not None else []),
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
        sidecar_hash=sidecar_hash(described),
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
