"""The brief as a Word document (python-docx), byte-identical from run to run."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

from assistant.brief.records import (
    DISAGREE_TITLE,
    EMPTY_SECTION,
    SOURCES_TITLE,
    Brief,
    BriefClaim,
)

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph as DocxParagraph

from assistant.brief_words import (
    ACCENT,
    CITED_TITLE,
    GENERATOR,
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
        run = paragraph.add_run(markers(claim))
        run.font.superscript = True
        run.font.bold = True
        run.font.color.rgb = accent

    document.add_heading(f"Brief: {brief.title}", level=0)
    meta = document.add_paragraph()
    run = meta.add_run(f"{subtitle(brief)} {note(brief)}")
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
        for claim in sides(disagreement):
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
        paragraph.add_run(source_line(source))
    document.add_heading(CITED_TITLE, level=1)
    for citation in brief.citations:
        p = citation.paragraph
        paragraph = document.add_paragraph()
        head = paragraph.add_run(f"[{citation.n}] {brief.source_of(p.doc_id).label} {paragraph_label(p.id)} ")
        head.bold = True
        paragraph.add_run(f"({p.id}) ").font.color.rgb = muted
        paragraph.add_run(p.text)
    when = fixed_time(brief).replace(tzinfo=None)
    properties = document.core_properties
    properties.title = f"Brief: {brief.title}"
    properties.subject = subtitle(brief)
    properties.author = GENERATOR
    properties.last_modified_by = GENERATOR
    properties.comments = note(brief)
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
