"""A Brief -> Markdown or HTML here, PDF (brief_pdf.py) or DOCX (brief_docx.py); write_brief picks by extension."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

from assistant.brief.records import (
    DISAGREE_TITLE,
    EMPTY_SECTION,
    SOURCES_TITLE,
    Brief,
    BriefClaim,
)
from assistant.brief_docx import render_docx
from assistant.brief_pdf import fits_one_page, pdf_fonts, pdf_pages, render_pdf
from assistant.brief_words import (
    CITED_TITLE,
    GENERATOR,
    also_named,
    markers,
    no_disagreement,
    note,
    paragraph_label,
    sides,
    source_line,
    subtitle,
)

__all__ = [
    "BRIEF_FORMATS",
    "UnsupportedFormat",
    "brief_format",
    "fits_one_page",
    "pdf_fonts",
    "pdf_pages",
    "render_docx",
    "render_html",
    "render_markdown",
    "render_pdf",
    "write_brief",
]

BRIEF_FORMATS = (".md", ".html", ".pdf", ".docx")


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
            return markers(claim)
        return "".join(f"[\\[{n}\\]]({link(n, by_number[n])})" for n in claim.citations)

    lines = [f"# Brief: {_md(brief.title)}", "", f"*{_md(subtitle(brief))} {_md(note(brief))}*", ""]
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
        for claim in sides(disagreement):
            source = brief.source_of(claim.quotes[0].paragraph.doc_id)
            lines.append(f"  - {_md(source.byline)}: “{_md(claim.text)}” {marks(claim)}")
    lines += ["", f"## {SOURCES_TITLE}", ""]
    lines += [f"- **{s.label}** {_md(source_line(s))}" for s in brief.sources]
    lines += ["", f"## {CITED_TITLE}", ""]
    for citation in brief.citations:
        p = citation.paragraph
        label = brief.source_of(p.doc_id).label
        lines += [f"**[{citation.n}]** {label} {paragraph_label(p.id)} `{p.id}`: {_md(p.text)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def _md_label(claim: BriefClaim) -> str:
    return f"**{_md(claim.label)}**: " if claim.label else ""


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
        f'<p class="meta">{e(subtitle(brief))} {e(note(brief))}</p>',
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
            said = "".join(
                f'<li><span class="source">{e(brief.source_of(c.quotes[0].paragraph.doc_id).byline)}:</span> '
                f"“{e(c.text)}”{_sup(c)}</li>"
                for c in sides(disagreement)
            )
            out.append(f'<li><span class="question">{e(disagreement.question)}</span><ul>{said}</ul></li>')
        out.append("</ul>")
    out.append(f"<h2>{e(SOURCES_TITLE)}</h2><ul>")
    out += [f"<li><b>{s.label}</b> {e(source_line(s))}</li>" for s in brief.sources]
    out.append(f'</ul><h2>{e(CITED_TITLE)}</h2><ol class="cited">')
    for citation in brief.citations:
        p = citation.paragraph
        label = brief.source_of(p.doc_id).label
        out.append(
            f'<li id="cite-{citation.n}" value="{citation.n}"><b>{label} {e(paragraph_label(p.id))}</b> '
            f"<code>{e(p.id)}</code><br>{e(p.text)}</li>"
        )
    out.append("</ol></body></html>")
    return "\n".join(out) + "\n"
