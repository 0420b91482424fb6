"""Writing a brief: Markdown and HTML with footnotes and cited paragraphs, a one-page PDF, a DOCX; all reproducible."""

from __future__ import annotations

import html
import io
import re
import zlib
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from assistant.brief import (
    DISAGREE_TITLE,
    EMPTY_SECTION,
    NO_DISAGREEMENT,
    SECTION_TITLES,
    Brief,
    BriefClaim,
    BriefSection,
    Quote,
    fit_to_page,
    make_brief,
    numbered,
)
from assistant.brief_render import (
    BRIEF_FORMATS,
    UnsupportedFormat,
    fits_one_page,
    pdf_fonts,
    pdf_pages,
    render_docx,
    render_html,
    render_markdown,
    render_pdf,
    write_brief,
)
from assistant.library import Library
from index.records import Paragraph


@pytest.fixture(scope="module")
def seeds_brief(seeded_library: Library) -> Brief:
    return make_brief(seeded_library, fits=fits_one_page)


@pytest.fixture(scope="module")
def seeds_pdf(seeds_brief: Brief) -> bytes:
    return render_pdf(seeds_brief)


def _brief(claims_per_section: int, words: int, disagreements: bool = False) -> Brief:
    """A brief built by hand: claims_per_section claims of the given length in every section."""
    sections = []
    for number, (key, title) in enumerate(SECTION_TITLES.items()):
        claims = []
        for i in range(claims_per_section):
            text = " ".join(f"word{number}{i}{w}" for w in range(words)) + "."
            paragraph = Paragraph(
                id=f"doc.txt#p{number * 10 + i + 1}",
                doc_id="doc.txt",
                text=f"Before. {text} After.",
                start=0,
                end=len(text) + 15,
                title="A report",
                date="2026-05-14",
                outlet="The Outlet",
            )
            claims.append(BriefClaim(text, (Quote(paragraph, 8, 8 + len(text)),)))
        sections.append(BriefSection(key, title, tuple(claims)))
    return numbered(Brief("Made by hand", None, "", tuple(sections), (), (), ()))


# --- the PDF -----------------------------------------------------------------------------------


def test_the_pdf_of_the_seeds_brief_is_exactly_one_page(seeds_pdf: bytes) -> None:
    assert pdf_pages(seeds_pdf) == 1


def test_no_text_in_the_pdf_is_smaller_than_10_pt(seeds_pdf: bytes) -> None:
    sizes = [float(size) for size in re.findall(rb"/F\d+ ([\d.]+) Tf", _page_content(seeds_pdf))]
    assert sizes and min(sizes) >= 10.0


def test_the_pdf_carries_the_claims_with_their_footnote_numbers(seeds_brief: Brief, seeds_pdf: bytes) -> None:
    text = " ".join(PdfReader(io.BytesIO(seeds_pdf)).pages[0].extract_text().split())
    for section in seeds_brief.sections:
        assert section.title.upper() in text
        first = section.claims[0]
        assert " ".join(first.text.split()[:6]) in text
    assert DISAGREE_TITLE.upper() in text
    assert all(f"[{c.n}]" in text for c in seeds_brief.citations)
    assert "S3¶1" in text or "S1¶1" in text  # the compact key from footnote to source and paragraph


def test_the_pdf_has_a_fixed_creation_date_from_its_sources(seeds_pdf: bytes) -> None:
    metadata = PdfReader(io.BytesIO(seeds_pdf)).metadata
    assert metadata is not None and metadata.creation_date == datetime(2026, 5, 14, tzinfo=UTC)


def test_a_brief_too_long_for_a_page_is_cut_to_one_page_not_shrunk() -> None:
    long = _brief(claims_per_section=6, words=45)
    assert pdf_pages(render_pdf(long)) > 1
    fitted = fit_to_page(long, fits_one_page)
    assert pdf_pages(render_pdf(fitted)) == 1
    assert all(section.claims for section in fitted.sections)  # every section keeps at least one claim
    assert len(fitted.claims) < len(long.claims)


def test_without_dejavu_the_pdf_uses_core_fonts_and_plain_quotes(seeds_brief: Brief) -> None:
    core = fit_to_page(seeds_brief, lambda b: fits_one_page(b, fonts={}))
    data = render_pdf(core, fonts={})
    assert pdf_pages(data) == 1
    assert b"/Helvetica" in data and b"DejaVu" not in data
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "“" not in text and '"' in text


def test_debian_dejavu_is_used_when_installed() -> None:
    if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed.ttf").exists():
        pytest.skip("fonts-dejavu-core is not installed here")
    assert pdf_fonts() is not None


def _page_content(data: bytes) -> bytes:
    contents = PdfReader(io.BytesIO(data)).pages[0].get_contents()
    assert contents is not None
    raw = contents.get_data()
    return raw if b"Tf" in raw else zlib.decompress(raw)


# --- Markdown and HTML ----------------------------------------------------------------------------


def test_markdown_sections_come_in_order_ending_with_sources_and_cited_paragraphs(seeds_brief: Brief) -> None:
    markdown = render_markdown(seeds_brief)
    headings = re.findall(r"^## (.+)$", markdown, re.M)
    assert headings == [*SECTION_TITLES.values(), DISAGREE_TITLE, "Sources", "Cited paragraphs"]
    assert markdown.startswith(f"# Brief: {seeds_brief.title}\n")
    assert "as of 14 May 2026" in markdown.splitlines()[2]


def test_markdown_footnotes_lead_to_the_full_text_of_each_cited_paragraph(seeds_brief: Brief) -> None:
    body, appendix = render_markdown(seeds_brief).split("## Cited paragraphs")
    for citation in seeds_brief.citations:
        assert f"[{citation.n}]" in body
        assert f"**[{citation.n}]**" in appendix
        assert f"`{citation.paragraph.id}`" in appendix
        assert citation.paragraph.text.replace("*", "\\*") in appendix


def test_markdown_quotes_both_sides_of_each_disagreement_with_their_source(seeds_brief: Brief) -> None:
    markdown = render_markdown(seeds_brief)
    for disagreement in seeds_brief.disagreements:
        assert f"**{disagreement.question}**" in markdown
        for side in (disagreement.asserted, *disagreement.contrary):
            source = seeds_brief.source_of(side.quotes[0].paragraph.doc_id)
            assert f"{source.byline}: “{side.text}” [{side.citations[0]}]" in markdown


def test_html_links_each_footnote_to_its_cited_paragraph(seeds_brief: Brief) -> None:
    page = render_html(seeds_brief)
    assert page.startswith("<!DOCTYPE html>")
    for citation in seeds_brief.citations:
        assert f'href="#cite-{citation.n}"' in page
        assert f'id="cite-{citation.n}"' in page
        assert html.escape(citation.paragraph.text) in page
    assert all(html.escape(c.text) in page for c in seeds_brief.claims)


def test_empty_sections_and_no_disagreement_are_said_not_left_blank() -> None:
    empty = _brief(claims_per_section=0, words=0)
    markdown = render_markdown(empty)
    assert markdown.count(EMPTY_SECTION) == len(SECTION_TITLES)
    assert NO_DISAGREEMENT.rstrip(".") in markdown and "contradict" not in markdown
    assert EMPTY_SECTION in render_html(empty)


# --- DOCX --------------------------------------------------------------------------------------


def test_the_docx_opens_with_the_same_content(seeds_brief: Brief, tmp_path: Path) -> None:
    path = write_brief(seeds_brief, tmp_path / "brief.docx")
    document = docx.Document(str(path))
    text = "\n".join(p.text for p in document.paragraphs)
    headings = [p.text for p in document.paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == [*SECTION_TITLES.values(), DISAGREE_TITLE, "Sources", "Cited paragraphs"]
    assert all(claim.text in text for claim in seeds_brief.claims)
    assert all(c.paragraph.text in text for c in seeds_brief.citations)
    assert document.core_properties.title == f"Brief: {seeds_brief.title}"
    assert document.core_properties.created == datetime(2026, 5, 14, tzinfo=UTC)


# --- files and reproducibility ---------------------------------------------------------------------


@pytest.mark.parametrize("suffix", BRIEF_FORMATS)
def test_two_runs_over_the_same_corpus_write_byte_identical_files(
    seeds_brief: Brief, second_build: Brief, tmp_path: Path, suffix: str
) -> None:
    first = write_brief(seeds_brief, tmp_path / f"first{suffix}").read_bytes()
    second = write_brief(second_build, tmp_path / f"second{suffix}").read_bytes()
    assert first == second and len(first) > 1000


@pytest.fixture(scope="module")
def second_build(seeded_library: Library) -> Brief:
    """A second, independent build of the seeds brief: what determinism is measured against."""
    return make_brief(seeded_library, fits=fits_one_page)


def test_the_docx_does_not_change_with_the_time_of_writing(seeds_brief: Brief) -> None:
    assert render_docx(seeds_brief) == render_docx(seeds_brief)


@pytest.mark.parametrize(("name", "named"), [("brief.txt", "'.txt'"), ("brief.PDFX", "'.PDFX'"), ("brief", "'(none)'")])
def test_an_unknown_extension_names_it_and_the_choices(tmp_path: Path, name: str, named: str) -> None:
    with pytest.raises(UnsupportedFormat) as refused:
        write_brief(_brief(1, 10), tmp_path / name)
    assert named in str(refused.value) and ".md, .html, .pdf, .docx" in str(refused.value)
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize("suffix", [".MD", ".Pdf"])
def test_extensions_are_read_without_regard_to_case(tmp_path: Path, suffix: str) -> None:
    assert write_brief(_brief(1, 10), tmp_path / f"brief{suffix}").stat().st_size > 0
