"""Brief -> Markdown, HTML, one-page PDF (fpdf2) and DOCX (python-docx), byte-identical for the same Brief."""

from __future__ import annotations

import html
import io
import re
import threading
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.brief.records import (
    DISAGREE_TITLE,
    EMPTY_SECTION,
    NO_DISAGREEMENT,
    SOURCES_TITLE,
    Brief,
    BriefClaim,
    Disagreement,
    SourceEntry,
)

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph as DocxParagraph
    from fpdf import FPDF

BRIEF_FORMATS = (".md", ".html", ".pdf", ".docx")
CITED_TITLE = "Cited paragraphs"
GENERATOR = "briefing-assistant"
VERBATIM_NOTE = "Every claim is quoted verbatim from its source; [n] numbers the cited paragraphs."
REWRITTEN_NOTE = "Claims were rewritten by a language model and checked against the cited paragraphs [n]."


class UnsupportedFormat(ValueError):
    """An --out file whose extension names no format the brief can be written in."""

    def __init__(self, path: str | Path) -> None:
        suffix = Path(path).suffix or "(none)"
        super().__init__(f"cannot write a brief as '{suffix}': use one of {', '.join(BRIEF_FORMATS)}")


def brief_format(path: str | Path) -> str:
    """The format a path asks for ('.md', '.html', '.pdf', '.docx'); raises UnsupportedFormat otherwise."""
    suffix = Path(path).suffix.lower()
    if suffix not in BRIEF_FORMATS:
        raise UnsupportedFormat(path)
    return suffix


def write_brief(brief: Brief, path: str | Path) -> Path:
    """Write the brief in the format its extension names; returns the path written."""
    target = Path(path)
    writers: dict[str, Callable[[Brief], bytes]] = {
        ".md": lambda b: render_markdown(b).encode("utf-8"),
        ".html": lambda b: render_html(b).encode("utf-8"),
        ".pdf": render_pdf,
        ".docx": render_docx,
    }
    data = writers[brief_format(target)](brief)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return target


# --- shared wording ---------------------------------------------------------------------------


def subtitle(brief: Brief) -> str:
    """The line under the title: how many sources, their dates, and how to read the numbers."""
    count = len(brief.sources)
    return f"{count} source{'s' if count != 1 else ''}, {brief.as_of}."


def _note(brief: Brief) -> str:
    return VERBATIM_NOTE if brief.mode == "extractive" else REWRITTEN_NOTE


def _paragraph_label(paragraph_id: str) -> str:
    """'001_x.txt#p3' -> '¶3': the paragraph's number within its document."""
    return "¶" + paragraph_id.rsplit("#p", 1)[-1]


def _source_line(source: SourceEntry, with_id: bool = True) -> str:
    date = _readable_date(source.date) if source.date else "undated"
    outlet = source.outlet or "outlet not stated"
    return f"{source.title} — {outlet}, {date}" + (f" ({source.doc_id})" if with_id else "")


def _readable_date(iso: str) -> str:
    try:
        day = datetime.strptime(iso, "%Y-%m-%d")
    except ValueError:
        return iso
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _markers(claim: BriefClaim) -> str:
    return "".join(f"[{n}]" for n in claim.citations)


def no_disagreement(brief: Brief) -> str:
    """What the disagreements section says when it found none: how much was checked, never "no contradiction"."""
    pairs = brief.pairs_checked
    return f"{NO_DISAGREEMENT[:-1]} ({pairs} pair{'s' if pairs != 1 else ''} of statements checked)."


def also_named(brief: Brief, section_key: str = "who") -> str:
    """The actors the sources name most that have no line of their own, or ''."""
    if section_key != "who":
        return ""
    shown = {c.label for c in brief.section("who").claims} if any(s.key == "who" for s in brief.sections) else set()
    rest = [a for a in brief.actors if a not in shown]
    return f"Also named: {', '.join(rest)}." if rest else ""


# --- Markdown ---------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*<])")  # what would start emphasis, code or HTML in running text


def _md(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


Link = Callable[[int, str], str]  # (footnote number, paragraph id) -> the href its marker links to


def render_markdown(brief: Brief, link: Link | None = None) -> str:
    """The brief as Markdown: sections, disagreements, sources, then the cited paragraphs in full.

    With link, each footnote marker is a link to link(n, paragraph id) (the Brief tab opens the viewer).
    """
    by_number = {c.n: c.paragraph.id for c in brief.citations}

    def marks(claim: BriefClaim) -> str:
        if link is None:
            return _markers(claim)
        return "".join(f"[\\[{n}\\]]({link(n, by_number[n])})" for n in claim.citations)

    lines = [f"# Brief: {_md(brief.title)}", "", f"*{_md(subtitle(brief))} {_md(_note(brief))}*", ""]
    for section in brief.sections:
        lines += [f"## {section.title}", ""]
        if not section.claims:
            lines += [f"*{EMPTY_SECTION}*", ""]
        elif section.key == "bottom_line":
            lines += [" ".join(f"{_md(c.text)} {marks(c)}" for c in section.claims), ""]
        else:
            lines += [f"- {_md_label(c)}{_md(c.text)} {marks(c)}" for c in section.claims] + [""]
        if also_named(brief, section.key):
            lines += [f"*{_md(also_named(brief, section.key))}*", ""]
    lines += [f"## {DISAGREE_TITLE}", ""]
    if not brief.disagreements:
        lines += [f"*{_md(no_disagreement(brief))}*", ""]
    for disagreement in brief.disagreements:
        lines.append(f"- **{_md(disagreement.question)}**")
        for claim in _sides(disagreement):
            source = brief.source_of(claim.quotes[0].paragraph.doc_id)
            lines.append(f"  - {_md(source.byline)}: “{_md(claim.text)}” {marks(claim)}")
    lines += ["", f"## {SOURCES_TITLE}", ""]
    lines += [f"- **{s.label}** {_md(_source_line(s))}" for s in brief.sources]
    lines += ["", f"## {CITED_TITLE}", ""]
    for citation in brief.citations:
        p = citation.paragraph
        label = brief.source_of(p.doc_id).label
        lines += [f"**[{citation.n}]** {label} {_paragraph_label(p.id)} `{p.id}`: {_md(p.text)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_label(claim: BriefClaim) -> str:
    return f"**{_md(claim.label)}**: " if claim.label else ""


def _sides(disagreement: Disagreement) -> tuple[BriefClaim, ...]:
    return (disagreement.asserted, *disagreement.contrary)


# --- HTML -------------------------------------------------------------------------------------

_CSS = """
body{font:11pt/1.45 "DejaVu Sans",Helvetica,Arial,sans-serif;color:#1d2430;max-width:48em;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.05em;text-transform:uppercase;letter-spacing:.05em;color:#1f3a5f;
border-bottom:1px solid #c9d3df;padding-bottom:.15em;margin:1.2em 0 .4em}
.meta{color:#5a6472;font-style:italic;margin:0 0 1em}ul{padding-left:1.2em;margin:.2em 0}li{margin:.2em 0}
sup a{color:#1f3a5f;text-decoration:none;font-weight:bold}.question{font-weight:bold}.source{color:#5a6472}
.empty{color:#5a6472;font-style:italic}ol.cited{font-size:.92em;color:#333;padding-left:1.6em}
ol.cited li{margin:.45em 0}code{font-size:.9em;color:#5a6472}
@media print{body{margin:0;max-width:none}@page{size:A4;margin:15mm}}
"""


def _sup(claim: BriefClaim) -> str:
    return "".join(f'<sup><a href="#cite-{n}">[{n}]</a></sup>' for n in claim.citations)


def _html_label(claim: BriefClaim) -> str:
    return f"<b>{html.escape(claim.label)}</b>: " if claim.label else ""


def render_html(brief: Brief) -> str:
    """The brief as one standalone HTML page; footnote numbers link to the cited paragraphs at the end."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta name="generator" content="{GENERATOR}"><title>Brief: {e(brief.title)}</title>',
        f"<style>{_CSS.strip()}</style></head><body>",
        f"<h1>Brief: {e(brief.title)}</h1>",
        f'<p class="meta">{e(subtitle(brief))} {e(_note(brief))}</p>',
    ]
    for section in brief.sections:
        out.append(f"<h2>{e(section.title)}</h2>")
        if not section.claims:
            out.append(f'<p class="empty">{e(EMPTY_SECTION)}</p>')
        elif section.key == "bottom_line":
            out.append("<p>" + " ".join(f"{e(c.text)}{_sup(c)}" for c in section.claims) + "</p>")
        else:
            items = "".join(f"<li>{_html_label(c)}{e(c.text)}{_sup(c)}</li>" for c in section.claims)
            out.append(f"<ul>{items}</ul>")
        if also_named(brief, section.key):
            out.append(f'<p class="empty">{e(also_named(brief, section.key))}</p>')
    out.append(f"<h2>{e(DISAGREE_TITLE)}</h2>")
    if not brief.disagreements:
        out.append(f'<p class="empty">{e(no_disagreement(brief))}</p>')
    else:
        out.append("<ul>")
        for disagreement in brief.disagreements:
            sides = "".join(
                f'<li><span class="source">{e(brief.source_of(c.quotes[0].paragraph.doc_id).byline)}:</span> '
                f"“{e(c.text)}”{_sup(c)}</li>"
                for c in _sides(disagreement)
            )
            out.append(f'<li><span class="question">{e(disagreement.question)}</span><ul>{sides}</ul></li>')
        out.append("</ul>")
    out.append(f"<h2>{e(SOURCES_TITLE)}</h2><ul>")
    out += [f"<li><b>{s.label}</b> {e(_source_line(s))}</li>" for s in brief.sources]
    out.append(f'</ul><h2>{e(CITED_TITLE)}</h2><ol class="cited">')
    for citation in brief.citations:
        p = citation.paragraph
        label = brief.source_of(p.doc_id).label
        out.append(
            f'<li id="cite-{citation.n}" value="{citation.n}"><b>{label} {e(_paragraph_label(p.id))}</b> '
            f"<code>{e(p.id)}</code><br>{e(p.text)}</li>"
        )
    out.append("</ol></body></html>")
    return "\n".join(out) + "\n"


# --- PDF --------------------------------------------------------------------------------------

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
BODY_PT = 10.0  # the smallest size on the page: content is cut to fit, never the type
HEADING_PT = 11.0
TITLE_PT = 15.0
LINE_MM = 4.3
MARGIN_MM = 13.0  # left and right
PAGE_MM = 297.0  # A4
TOP_MM = 12.0
BOTTOM_MM = 10.0
INK = (29, 36, 48)
ACCENT = (31, 58, 95)
MUTED = (90, 100, 114)
# The core PDF fonts hold Latin-1 only: typographic marks are spelled out when DejaVu is missing.
_LATIN1 = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "—": "-", "–": "-", "…": "...", "→": "->",
                         "•": "-", "\u00a0": " "})  # fmt: skip


def pdf_fonts() -> dict[str, Path] | None:
    """DejaVu Sans (condensed for the body) from Debian's fonts-dejavu-core, or None to use core fonts."""
    files = {
        "": DEJAVU / "DejaVuSansCondensed.ttf",
        "B": DEJAVU / "DejaVuSansCondensed-Bold.ttf",
        "I": DEJAVU / "DejaVuSansCondensed-Oblique.ttf",
    }
    return files if all(f.exists() for f in files.values()) else None


def render_pdf(brief: Brief, fonts: dict[str, Path] | None = None) -> bytes:
    """The brief on A4 at 10 pt or more, with a compact sources and footnotes block instead of the appendix."""
    return _render_pdf(brief, _font_key(fonts))


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF has, read back with pypdf."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def fits_one_page(brief: Brief, fonts: dict[str, Path] | None = None) -> bool:
    """True when the brief's PDF is one page: measured first (fast), then confirmed by rendering it."""
    key = _font_key(fonts)
    with _MEASURING:  # the measuring FPDF keeps the current font as state: one brief at a time
        writer = _PdfWriter(_measuring_pdf(key), key, measuring=True)
        writer.document(brief)
    return writer.height <= PAGE_MM - TOP_MM - BOTTOM_MM - 1.0 and pdf_pages(_render_pdf(brief, key)) == 1


FontKey = tuple[tuple[str, str], ...]  # (style, file) pairs, hashable so renders can be cached


def _font_key(fonts: dict[str, Path] | None) -> FontKey:
    fonts = fonts if fonts is not None else pdf_fonts()
    return tuple(sorted((style, str(file)) for style, file in (fonts or {}).items()))


def _new_pdf(fonts: FontKey) -> FPDF:
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_margins(MARGIN_MM, TOP_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=BOTTOM_MM)
    for style, file in fonts:
        pdf.add_font("Body", style, file)
    pdf.add_page()
    return pdf


_MEASURING = threading.Lock()


@lru_cache(maxsize=2)
def _measuring_pdf(fonts: FontKey) -> FPDF:
    # Parsing the TrueType files costs about a second; measuring needs only their widths, so one serves all.
    return _new_pdf(fonts)


@lru_cache(maxsize=4)
def _render_pdf(brief: Brief, fonts: FontKey) -> bytes:
    # Cached: fitting the page renders the brief once to confirm it, and writing it out reuses that render.
    pdf = _new_pdf(fonts)
    # A fixed creation date (the newest source's) makes two runs byte-identical.
    pdf.set_creation_date(_fixed_time(brief))
    pdf.set_title(f"Brief: {brief.title}")
    pdf.set_author(GENERATOR)
    pdf.set_creator(GENERATOR)
    pdf.set_subject(subtitle(brief))
    _PdfWriter(pdf, fonts).document(brief)
    return bytes(pdf.output())


def _identity(text: str) -> str:
    return text


def _latin1(text: str) -> str:
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


Part = tuple[str, str, tuple[int, int, int]]  # text, font style, colour
_WRAPPED: dict[tuple[str, str, float, float], int] = {}  # (family, marked text, indent, size) -> lines
_DIGIT = re.compile(r"\d")


class _PdfWriter:
    """Lays a brief out on the page, or (measuring) adds up the height it would take without drawing."""

    def __init__(self, pdf: FPDF, fonts: FontKey, measuring: bool = False) -> None:
        self.pdf = pdf
        self.family, self.clean = ("Body", _identity) if fonts else ("helvetica", _latin1)
        self.measuring = measuring
        self.height = 0.0

    def document(self, brief: Brief) -> None:
        width = self.pdf.epw
        self._font("B", BODY_PT, ACCENT)
        if not self.measuring:
            self.pdf.cell(width / 2, LINE_MM, self.clean("BRIEF"))
            self._font("", BODY_PT, MUTED)
            self.pdf.cell(width / 2, LINE_MM, self.clean(brief.as_of), align="R", new_x="LMARGIN", new_y="NEXT")
        self.height += LINE_MM
        self._flow([(brief.title, "B", INK)], size=TITLE_PT, line=6.4, space=0.4)
        self._flow([(f"{subtitle(brief)} {_note(brief)}", "I", MUTED)], space=0.0)
        for section in brief.sections:
            self._heading(section.title)
            if not section.claims:
                self._flow([(EMPTY_SECTION, "I", MUTED)])
            elif section.key == "bottom_line":
                parts: list[Part] = []
                for claim in section.claims:
                    parts += [(claim.text + " ", "", INK), (_markers(claim) + " ", "B", ACCENT)]
                self._flow(parts)
            else:
                for claim in section.claims:
                    label: list[Part] = [(f"{claim.label}: ", "B", INK)] if claim.label else []
                    self._bullet([*label, (claim.text + " ", "", INK), (_markers(claim), "B", ACCENT)])
            if also_named(brief, section.key):
                self._flow([(also_named(brief, section.key), "I", MUTED)])
        self._heading(DISAGREE_TITLE)
        if not brief.disagreements:
            self._flow([(no_disagreement(brief), "I", MUTED)])
        for disagreement in brief.disagreements:
            self._flow([(disagreement.question, "B", INK)], space=0.8)
            for claim in _sides(disagreement):
                byline = brief.source_of(claim.quotes[0].paragraph.doc_id).byline
                self._bullet(
                    [(f"{byline}: ", "B", MUTED), (f"“{claim.text}” ", "", INK), (_markers(claim), "B", ACCENT)]
                )
        self._heading(SOURCES_TITLE)
        for source in brief.sources:
            # The page has no room for file names; the footnote labels (S1¶3) lead to them in the other formats.
            self._flow([(f"{source.label} ", "B", ACCENT), (_source_line(source, with_id=False), "", INK)], space=0.3)
        footnotes = " · ".join(
            f"[{c.n}] {brief.source_of(c.paragraph.doc_id).label}{_paragraph_label(c.paragraph.id)}"
            for c in brief.citations
        )
        self._flow([("Cited paragraphs: ", "B", MUTED), (footnotes, "", MUTED)], space=0.0)

    def _font(self, style: str, size: float, color: tuple[int, int, int]) -> None:
        self.pdf.set_font(self.family, style, size)
        self.pdf.set_text_color(*color)

    def _heading(self, title: str) -> None:
        self.height += 1.4 + 5.0 + 0.8
        if self.measuring:
            return
        pdf = self.pdf
        pdf.ln(1.4)
        self._font("B", HEADING_PT, ACCENT)
        pdf.cell(0, 5.0, self.clean(title.upper()), new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y()
        pdf.set_draw_color(201, 211, 223)
        pdf.set_line_width(0.3)
        pdf.line(pdf.l_margin, y, pdf.l_margin + pdf.epw, y)
        pdf.ln(0.8)

    def _flow(
        self, parts: list[Part], indent: float = 0.0, space: float = 0.6, size: float = BODY_PT, line: float = LINE_MM
    ) -> None:
        self.height += self._lines(parts, indent, size) * line + space
        if self.measuring:
            return
        pdf = self.pdf
        margin = pdf.l_margin
        # write() wraps to the left margin, so the margin moves in for a hanging indent.
        pdf.set_left_margin(margin + indent)
        pdf.set_x(margin + indent)
        for text, style, color in parts:
            self._font(style, size, color)
            pdf.write(line, self.clean(text))
        pdf.set_left_margin(margin)
        pdf.ln(line + space)

    def _lines(self, parts: list[Part], indent: float, size: float) -> int:
        """Lines the parts wrap to, as fpdf2's own line breaking wraps them (a dry run, nothing drawn)."""
        # Every digit of DejaVu and Helvetica has the same width: with digits zeroed, a claim renumbered
        # as the page is fitted ("[12]" -> "[9]" is not the same width, "[12]" -> "[10]" is) measures once.
        marked = _DIGIT.sub("0", "".join(_styled(self.clean(text), style) for text, style, _ in parts))
        key = (self.family, marked, indent, size)
        if key not in _WRAPPED:  # fitting a page measures the same claims many times over
            self.pdf.set_font(self.family, "", size)
            lines = self.pdf.multi_cell(
                self.pdf.epw - indent, LINE_MM, marked, markdown=True, dry_run=True, output="LINES", padding=0
            )
            if len(_WRAPPED) > 4096:
                _WRAPPED.clear()
            _WRAPPED[key] = max(1, len(lines) if isinstance(lines, list) else 1)
        return _WRAPPED[key]

    def _bullet(self, parts: list[Part]) -> None:
        if not self.measuring:
            self._font("B", BODY_PT, ACCENT)
            self.pdf.set_x(self.pdf.l_margin)
            self.pdf.cell(4, LINE_MM, self.clean("•"))
        self._flow(parts, indent=4, space=0.4)


_MARKDOWN_MARKERS = re.compile(r"(\\|\*\*|__|~~|--)")


def _styled(text: str, style: str) -> str:
    """Text in fpdf2's markdown, its own markers escaped: bold as **, italics as __."""
    escaped = _MARKDOWN_MARKERS.sub(r"\\\1", text)
    if not escaped.strip():
        return escaped
    marker = {"B": "**", "I": "__"}.get(style, "")
    return f"{marker}{escaped}{marker}"


def _fixed_time(brief: Brief) -> datetime:
    dates = sorted(s.date for s in brief.sources if s.date)
    try:
        return datetime.strptime(dates[-1], "%Y-%m-%d").replace(tzinfo=UTC) if dates else _EPOCH
    except ValueError:
        return _EPOCH


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


# --- DOCX -------------------------------------------------------------------------------------


def render_docx(brief: Brief) -> bytes:
    """The brief as a Word document with the same content as the Markdown, footnote numbers in superscript."""
    import docx
    from docx.shared import Pt, RGBColor

    document = docx.Document()
    styles = document.styles
    styles["Normal"].font.name = "DejaVu Sans"  # type: ignore[union-attr]
    styles["Normal"].font.size = Pt(10.5)  # type: ignore[union-attr]
    accent = RGBColor(*ACCENT)
    muted = RGBColor(*MUTED)

    def cite(paragraph: DocxParagraph, claim: BriefClaim) -> None:
        run = paragraph.add_run(_markers(claim))
        run.font.superscript = True
        run.font.bold = True
        run.font.color.rgb = accent

    document.add_heading(f"Brief: {brief.title}", level=0)
    meta = document.add_paragraph()
    run = meta.add_run(f"{subtitle(brief)} {_note(brief)}")
    run.italic = True
    run.font.color.rgb = muted
    for section in brief.sections:
        document.add_heading(section.title, level=1)
        if not section.claims:
            document.add_paragraph().add_run(EMPTY_SECTION).italic = True
        elif section.key == "bottom_line":
            paragraph = document.add_paragraph()
            for claim in section.claims:
                paragraph.add_run(claim.text)
                cite(paragraph, claim)
                paragraph.add_run(" ")
        else:
            for claim in section.claims:
                paragraph = document.add_paragraph(style="List Bullet")
                if claim.label:
                    paragraph.add_run(f"{claim.label}: ").bold = True
                paragraph.add_run(claim.text)
                cite(paragraph, claim)
        if also_named(brief, section.key):
            document.add_paragraph().add_run(also_named(brief, section.key)).italic = True
    document.add_heading(DISAGREE_TITLE, level=1)
    if not brief.disagreements:
        document.add_paragraph().add_run(no_disagreement(brief)).italic = True
    for disagreement in brief.disagreements:
        document.add_paragraph().add_run(disagreement.question).bold = True
        for claim in _sides(disagreement):
            paragraph = document.add_paragraph(style="List Bullet")
            byline = paragraph.add_run(brief.source_of(claim.quotes[0].paragraph.doc_id).byline + ": ")
            byline.bold = True
            byline.font.color.rgb = muted
            paragraph.add_run(f"“{claim.text}”")
            cite(paragraph, claim)
    document.add_heading(SOURCES_TITLE, level=1)
    for source in brief.sources:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(source.label + " ").bold = True
        paragraph.add_run(_source_line(source))
    document.add_heading(CITED_TITLE, level=1)
    for citation in brief.citations:
        p = citation.paragraph
        paragraph = document.add_paragraph()
        head = paragraph.add_run(f"[{citation.n}] {brief.source_of(p.doc_id).label} {_paragraph_label(p.id)} ")
        head.bold = True
        paragraph.add_run(f"({p.id}) ").font.color.rgb = muted
        paragraph.add_run(p.text)
    when = _fixed_time(brief).replace(tzinfo=None)
    properties = document.core_properties
    properties.title = f"Brief: {brief.title}"
    properties.subject = subtitle(brief)
    properties.author = GENERATOR
    properties.last_modified_by = GENERATOR
    properties.comments = _note(brief)
    properties.created = when
    properties.modified = when
    properties.last_printed = when
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    # python-docx stamps every zip entry with the time of saving; a fixed stamp makes two runs identical.
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
