"""The brief as one A4 page with fpdf2: 10 pt or more, measured before it is cut to fit."""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.brief.records import (
    DISAGREE_TITLE,
    EMPTY_SECTION,
    SOURCES_TITLE,
    Brief,
)

if TYPE_CHECKING:
    from fpdf import FPDF

from assistant.brief_words import (
    ACCENT,
    GENERATOR,
    INK,
    MUTED,
    also_named,
    fixed_time,
    markers,
    no_disagreement,
    note,
    paragraph_label,
    sides,
    source_line,
    subtitle,
)

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
BODY_PT = 10.0  # the smallest size on the page: content is cut to fit, never the type
HEADING_PT = 11.0
TITLE_PT = 15.0
LINE_MM = 4.3
MARGIN_MM = 13.0  # left and right
PAGE_MM = 297.0  # A4
TOP_MM = 12.0
BOTTOM_MM = 10.0
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
    pdf.set_creation_date(fixed_time(brief))
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
        self._flow([(f"{subtitle(brief)} {note(brief)}", "I", MUTED)], space=0.0)
        for section in brief.sections:
            self._heading(section.title)
            if not section.claims:
                self._flow([(EMPTY_SECTION, "I", MUTED)])
            elif section.key == "bottom_line":
                parts: list[Part] = []
                for claim in section.claims:
                    parts += [(claim.text + " ", "", INK), (markers(claim) + " ", "B", ACCENT)]
                self._flow(parts)
            else:
                for claim in section.claims:
                    label: list[Part] = [(f"{claim.label}: ", "B", INK)] if claim.label else []
                    self._bullet([*label, (claim.text + " ", "", INK), (markers(claim), "B", ACCENT)])
            if also_named(brief, section.key):
                self._flow([(also_named(brief, section.key), "I", MUTED)])
        self._heading(DISAGREE_TITLE)
        if not brief.disagreements:
            self._flow([(no_disagreement(brief), "I", MUTED)])
        for disagreement in brief.disagreements:
            self._flow([(disagreement.question, "B", INK)], space=0.8)
            for claim in sides(disagreement):
                byline = brief.source_of(claim.quotes[0].paragraph.doc_id).byline
                self._bullet(
                    [(f"{byline}: ", "B", MUTED), (f"“{claim.text}” ", "", INK), (markers(claim), "B", ACCENT)]
                )
        self._heading(SOURCES_TITLE)
        for source in brief.sources:
            # The page has no room for file names; the footnote labels (S1¶3) lead to them in the other formats.
            self._flow([(f"{source.label} ", "B", ACCENT), (source_line(source, with_id=False), "", INK)], space=0.3)
        footnotes = " · ".join(
            f"[{c.n}] {brief.source_of(c.paragraph.doc_id).label}{paragraph_label(c.paragraph.id)}"
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
