"""Loading files into Documents: every format, the seeds' metadata, and a clear reason for every bad file."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TypeVar

import docx
import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from index.load import LoadError, LoadResult, _find_date, load_file, load_paths, parse_front_matter
from index.records import Document, DocumentSummary
from index.rows import summary_of

T = TypeVar("T")

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_000 = "000_e084a2483af8de05.txt"
SEED_001 = "001_d1faf3667c1376a5.txt"
SEED_002 = "002_a3f7a866cd068518.txt"


# --- files made with the real libraries ------------------------------------------------------


def pdf_bytes(paragraphs: list[str], title: str | None = None, author: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(datetime(2025, 3, 1, 9, 30))
    if title:
        pdf.set_title(title)
    if author:
        pdf.set_author(author)
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 8, paragraph)
        pdf.ln(6)
    return bytes(pdf.output())


def docx_bytes(title: str | None = "Library Plan", author: str | None = "Eastgate Council") -> bytes:
    document = docx.Document()
    if title:
        document.core_properties.title = title
    if author:
        document.core_properties.author = author
    document.core_properties.created = datetime(2025, 6, 2, 10, 0)
    document.add_heading("Library Plan", level=1)
    document.add_paragraph("The library will open on Sundays from next spring.")
    document.add_heading("Budget", level=2)
    document.add_paragraph("New books for the children's room", style="List Bullet")
    document.add_paragraph("Two more librarians", style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def rezipped(data: bytes, member: str, change: Callable[[bytes], bytes]) -> bytes:
    """The same .docx package with one member's bytes changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            target.writestr(name, change(content) if name == member else content)
    return buffer.getvalue()


HTML = """<!doctype html>
<html><head>
<title>Water Rates Rise</title>
<meta name="author" content="City Desk">
<style>body { color: red }</style>
<script>var tracking = "do not index me";</script>
</head><body>
<nav>Home | News | Sport</nav>
<h1>Rates rise</h1>
<p>Water rates rise by 3 percent on 1 July 2025, the utility said.</p>
<h2>Why now</h2>
<p>The pipes under the old town are <b>eighty years</b> old.</p>
<ul><li>Repairs first</li><li>Meters later</li></ul>
<script>console.log("nor me")</script>
</body></html>
"""


def load_one(path: Path) -> Document:
    return load_file(path.resolve(), path.resolve().parent)


# --- each format -----------------------------------------------------------------------------


def test_a_text_file_is_loaded_whole_with_its_first_line_as_title(tmp_path: Path) -> None:
    file = tmp_path / "notes.txt"
    file.write_text("Council notes\nThe council met on 3 March 2024 to discuss the budget.\n", encoding="utf-8")

    document = load_one(file)

    assert document.text == file.read_text(encoding="utf-8")
    assert (document.id, document.title, document.date, document.format) == (
        "notes.txt",
        "Council notes",
        "2024-03-03",
        "txt",
    )


def test_a_markdown_file_takes_its_title_from_the_first_heading(tmp_path: Path) -> None:
    file = tmp_path / "budget.md"
    file.write_text("# Budget 2025\n\nThe budget was passed on 14 May 2026.\n", encoding="utf-8")

    document = load_one(file)

    assert (document.title, document.date, document.format) == ("Budget 2025", "2026-05-14", "md")


def test_a_utf8_byte_order_mark_is_not_part_of_the_text(tmp_path: Path) -> None:
    file = tmp_path / "bom.txt"
    file.write_bytes("\ufeffHeadline here\nBody text.".encode())

    assert load_one(file).text == "Headline here\nBody text."


def test_an_html_page_gives_title_headings_author_and_no_script_or_style(tmp_path: Path) -> None:
    file = tmp_path / "rates.html"
    file.write_text(HTML, encoding="utf-8")

    document = load_one(file)

    assert document.title == "Rates rise"  # the page's <h1> beats its <title>
    assert document.outlet == "City Desk"
    assert document.date == "2025-07-01"
    assert document.format == "html"
    lines = document.text.split("\n\n")
    assert "# Rates rise" in lines
    assert "## Why now" in lines
    assert "The pipes under the old town are eighty years old." in lines
    assert "- Repairs first" in lines and "- Meters later" in lines
    for junk in ("tracking", "nor me", "color: red", "Home | News"):
        assert junk not in document.text


def test_a_pdf_gives_its_text_title_and_author_but_not_its_creation_date(tmp_path: Path) -> None:
    file = tmp_path / "harbour.pdf"
    file.write_bytes(
        pdf_bytes(
            ["Harbour dredging begins in March.", "The council approved four million dollars for the harbour works."],
            title="Harbour Report",
            author="Port Gazette",
        )
    )

    document = load_one(file)

    assert "Harbour dredging begins in March." in document.text
    assert "The council approved four million dollars for the harbour works." in " ".join(document.text.split())
    assert (document.title, document.outlet, document.date, document.format) == (
        "Harbour Report",
        "Port Gazette",
        None,  # /CreationDate (2025-03-01) is when the file was made, not when it was published
        "pdf",
    )
    assert document.provenance == "title: PDF metadata; outlet: PDF metadata"


def test_a_pdf_without_metadata_takes_its_title_from_the_text(tmp_path: Path) -> None:
    file = tmp_path / "untitled.pdf"
    file.write_bytes(pdf_bytes(["Ferry timetable changes.", "From 1 June the ferry leaves every hour."]))

    document = load_one(file)

    assert document.title == "Ferry timetable changes."
    assert document.outlet is None


def test_a_pdf_heading_line_stays_apart_from_the_paragraph_below_it(tmp_path: Path) -> None:
    # Regression: the PDF reflow glued an unpunctuated heading line to the paragraph below it.
    file = tmp_path / "untitled.pdf"
    file.write_bytes(pdf_bytes(["Ferry timetable changes", "From 1 June the ferry leaves every hour."]))

    document = load_one(file)

    assert document.text.split("\n\n")[0] == "Ferry timetable changes"
    assert document.title == "Ferry timetable changes"


def test_a_docx_gives_headings_list_items_and_core_properties(tmp_path: Path) -> None:
    file = tmp_path / "plan.docx"
    file.write_bytes(docx_bytes())

    document = load_one(file)

    assert document.text.split("\n\n") == [
        "# Library Plan",
        "The library will open on Sundays from next spring.",
        "## Budget",
        "- New books for the children's room",
        "- Two more librarians",
    ]
    assert (document.title, document.outlet, document.date, document.format) == (
        "Library Plan",
        "Eastgate Council",
        None,  # the core properties' "created" is the file's, not the publication's
        "docx",
    )


def test_a_docx_without_a_title_property_takes_its_first_heading(tmp_path: Path) -> None:
    file = tmp_path / "plan.docx"
    file.write_bytes(docx_bytes(title=None))

    assert load_one(file).title == "Library Plan"


def test_a_docx_with_no_core_properties_of_its_own_claims_no_author_or_date(tmp_path: Path) -> None:
    # Regression: python-docx's template made every such file "by python-docx", dated 2013-12-23.
    document = docx.Document()
    document.add_paragraph("The library will open on Sundays from next spring.")
    buffer = io.BytesIO()
    document.save(buffer)
    file = tmp_path / "plain.docx"
    file.write_bytes(buffer.getvalue())

    loaded = load_one(file)

    assert (loaded.outlet, loaded.date) == (None, None)


def test_documents_in_a_folder_are_named_by_their_path_relative_to_the_corpus_root(tmp_path: Path) -> None:
    (tmp_path / "local" / "2025").mkdir(parents=True)
    (tmp_path / "top.md").write_text("# Top\n\nText at the top.", encoding="utf-8")
    (tmp_path / "local" / "2025" / "deep.txt").write_text("Deep\nText further down.", encoding="utf-8")
    (tmp_path / "plan.docx").write_bytes(docx_bytes())

    result = load_paths([tmp_path])

    assert sorted(d.id for d in result.documents) == ["local/2025/deep.txt", "plan.docx", "top.md"]
    assert {d.root for d in result.documents} == {str(tmp_path.resolve())}
    assert result.roots == (str(tmp_path.resolve()),)


def test_a_readme_hidden_files_and_hidden_folders_are_not_indexed_or_reported(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# About this corpus\n\nThree reports.", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "notes.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x01binary")
    (tmp_path / "report.txt").write_text("Report\nThe only source.", encoding="utf-8")

    result = load_paths([tmp_path])

    assert [d.id for d in result.documents] == ["report.txt"]
    assert result.failures == () and result.skipped == ()


def test_unsupported_files_in_a_folder_are_skipped_not_failed(tmp_path: Path) -> None:
    (tmp_path / "figures.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "report.txt").write_text("Report\nThe only source.", encoding="utf-8")

    result = load_paths([tmp_path])

    assert [d.id for d in result.documents] == ["report.txt"]
    assert result.failures == ()
    assert [Path(s.path).name for s in result.skipped] == ["figures.csv"]
    assert ".csv" in result.skipped[0].reason


def test_a_file_given_by_itself_is_named_by_its_file_name(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    file = tmp_path / "sub" / "report.md"
    file.write_text("# Report\n\nText.", encoding="utf-8")

    result = load_paths([file])

    assert [d.id for d in result.documents] == ["report.md"]
    assert result.roots == ()


# --- the seeds -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeds() -> dict[str, Document]:
    result = load_paths([SEEDS])
    assert result.failures == () and result.skipped == ()
    return {d.id: d for d in result.documents}


def test_the_three_seeds_load_and_their_readme_does_not(seeds: dict[str, Document]) -> None:
    assert sorted(seeds) == [SEED_000, SEED_001, SEED_002]


def test_seed_000_without_a_headline_is_titled_by_its_opening_words(seeds: dict[str, Document]) -> None:
    document = seeds[SEED_000]

    assert document.title.startswith("US Treasury Secretary Scott Bessent told CNBC")
    assert document.title.endswith("…")
    assert document.date == "2026-05-14"  # from "May 14 2026" in the first paragraph
    assert document.outlet is None


def test_seed_000_header_lines_give_its_tags_and_the_body_starts_after_them(seeds: dict[str, Document]) -> None:
    document = seeds[SEED_000]

    assert " ".join(document.tags) == "AI Geopolitics US China AI Safety Export Controls Nvidia Anthropic"
    assert document.text[: document.body_start].splitlines()[0] == "Read Time 6 minutes"
    assert document.text[: document.body_start].splitlines()[1].startswith("Tags AI Geopolitics")
    assert document.text[document.body_start :].startswith("US Treasury Secretary Scott Bessent")


def test_seed_001_takes_headline_date_author_and_tags_from_its_one_line_front_matter(
    seeds: dict[str, Document],
) -> None:
    document = seeds[SEED_001]

    assert document.title == "US and China Announce AI Safety Protocol Plan After Trump-Xi Beijing Summit"
    assert document.date == "2026-05-14"
    assert document.outlet == "The Vault AI Staff"
    assert "xi-jinping" in document.tags and "bessent" in document.tags
    assert document.text[document.body_start :].startswith("# US and China Announce")


def test_seed_002_takes_its_first_line_as_title_and_its_byline_as_outlet(seeds: dict[str, Document]) -> None:
    document = seeds[SEED_002]

    assert document.title == "US-China Sign First Bilateral AI Safety Pact in Beijing"
    assert document.date == "2026-05-14"
    assert document.outlet == "cnbc.com"
    assert document.body_start == 0


def test_seed_texts_are_kept_byte_for_byte(seeds: dict[str, Document]) -> None:
    for doc_id, document in seeds.items():
        assert document.text == (SEEDS / doc_id).read_text(encoding="utf-8")
        assert document.format == "txt"


# --- bad files: one clear reason each, and the rest still load -------------------------------


def _truncated_pdf() -> bytes:
    data = pdf_bytes(["A real report that was cut off while downloading."])
    return data[: len(data) // 2]


def _pdf_with_a_damaged_stream_filter() -> bytes:
    # One flipped letter in a real PDF: pypdf raises NotImplementedError("Unsupported filter").
    return pdf_bytes(["A real report whose page stream is damaged."]).replace(b"/FlateDecode", b"/FlateDQcode")


def _docx_with_broken_xml() -> bytes:
    return rezipped(docx_bytes(), "word/document.xml", lambda xml: xml[: len(xml) // 2])


BAD_FILES = [
    pytest.param("empty.txt", lambda: b"", "add text or remove it", id="empty"),
    pytest.param("blank.md", lambda: b"  \n\n\t \n", "add text or remove it", id="whitespace-only"),
    pytest.param("binary.txt", lambda: b"text\x00\x01\x02 with NUL bytes", "convert it to", id="binary"),
    pytest.param("latin1.txt", lambda: "Café au lait".encode("latin-1"), "0xe9", id="not-utf8"),
    pytest.param("random.pdf", lambda: bytes(range(256)) * 8, "re-export or re-download", id="random-bytes-pdf"),
    pytest.param("truncated.pdf", _truncated_pdf, "re-export or re-download", id="truncated-pdf"),
    pytest.param("blank-page.pdf", lambda: pdf_bytes([]), "run OCR", id="pdf-without-text"),
    # Regression: pypdf's NotImplementedError ("Unsupported filter") escaped load_paths and aborted the ingest.
    pytest.param("damaged.pdf", _pdf_with_a_damaged_stream_filter, "re-export or re-download", id="pdf-damaged-filter"),
    pytest.param("corrupt.docx", lambda: b"PK\x03\x04 this is not a zip archive", "re-save it", id="not-a-zip-docx"),
    # Regression: lxml's XMLSyntaxError from a damaged word/document.xml escaped load_paths and aborted the ingest.
    pytest.param("broken.docx", _docx_with_broken_xml, "re-save it", id="docx-with-broken-xml"),
    # Regression: "no text could be extracted from the file" named nothing to do.
    pytest.param(
        "script-only.html", lambda: b"<html><body><script>render()</script></body></html>", "; ", id="html-no-text"
    ),
]


@pytest.mark.parametrize(("name", "make", "advice"), BAD_FILES)
def test_a_bad_file_fails_with_one_reason_that_says_what_to_do_and_the_rest_still_load(
    tmp_path: Path, name: str, make: Callable[[], bytes], advice: str
) -> None:
    (tmp_path / "good.txt").write_text("Good report\nThe ferry leaves every hour.", encoding="utf-8")
    (tmp_path / name).write_bytes(make())

    result = load_paths([tmp_path])

    assert [d.id for d in result.documents] == ["good.txt"]
    assert [Path(f.path).name for f in result.failures] == [name]
    reason = result.failures[0].reason
    assert "; " in reason, f"the reason should say what is wrong and then what to do: {reason!r}"
    assert advice in reason


def test_a_path_that_does_not_exist_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("Good report\nThe ferry leaves every hour.", encoding="utf-8")
    missing = tmp_path / "no-such-folder"

    result = load_paths([missing, tmp_path])

    assert [d.id for d in result.documents] == ["good.txt"]
    assert [(f.path, f.reason) for f in result.failures] == [(str(missing), "no such file or folder; check the path")]


def test_an_unsupported_file_given_explicitly_fails_and_lists_the_supported_types(tmp_path: Path) -> None:
    file = tmp_path / "figures.xlsx"
    file.write_bytes(b"PK\x03\x04")

    result = load_paths([file])

    assert result.documents == () and result.skipped == ()
    assert len(result.failures) == 1
    assert "unsupported file type '.xlsx'" in result.failures[0].reason
    assert ".pdf" in result.failures[0].reason and ".docx" in result.failures[0].reason


def test_load_file_raises_load_error_for_a_bad_file(tmp_path: Path) -> None:
    file = tmp_path / "empty.txt"
    file.write_bytes(b"")

    with pytest.raises(LoadError, match="empty"):
        load_one(file)


@settings(max_examples=60, deadline=None)
@given(st.one_of(st.text(), st.builds(lambda rest: "---" + rest, st.text()), st.binary()))
def test_any_text_file_either_loads_verbatim_or_fails_with_a_load_error(content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "any.txt"
        file.write_bytes(data)
        try:
            document = load_one(file)
        except LoadError as error:
            assert str(error)
            return
    assert document.text == data.decode("utf-8-sig")
    assert document.id == "any.txt" and document.title
    assert 0 <= document.body_start <= len(document.text)


# --- metadata read from the text -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fields", "body"),
    [
        (
            "--- title: Hello World date: 2026-05-14 ---\nBody starts here.",
            {"title": "Hello World", "date": "2026-05-14"},
            "Body starts here.",
        ),
        (
            '--- headline: "Rates: a rise" author: City Desk tags: [water, rates] ---\nBody.',
            {"headline": "Rates: a rise", "author": "City Desk", "tags": "[water, rates]"},
            "Body.",
        ),
        (
            "---\ntitle: Hello\nauthor: Jane Doe\ntags: [a, b]\n---\nBody text.",
            {"title": "Hello", "author": "Jane Doe", "tags": "a, b"},
            "Body text.",
        ),
        ('---\ntitle: "Budget: the details"\n---\nBody.', {"title": "Budget: the details"}, "Body."),
        ("No front matter here.\n---\n", {}, "No front matter here.\n---\n"),
        ("---\ntitle: never closed\nBody.", {}, "---\ntitle: never closed\nBody."),
    ],
    ids=["one-line", "one-line-quoted-colon", "multi-line", "multi-line-colon-in-value", "none", "unclosed"],
)
def test_parse_front_matter_reads_fields_and_where_the_body_starts(
    text: str, fields: dict[str, str], body: str
) -> None:
    found, body_start = parse_front_matter(text)

    assert found == fields
    assert text[body_start:] == body


def test_the_seed_001_front_matter_is_read_field_by_field() -> None:
    text = (SEEDS / SEED_001).read_text(encoding="utf-8")

    fields, body_start = parse_front_matter(text)

    assert fields["headline"] == "US and China Announce AI Safety Protocol Plan After Trump-Xi Beijing Summit"
    assert fields["story_number"] == "14" and fields["date"] == "2026-05-14"
    assert fields["author"] == "The Vault AI Staff"
    assert text[body_start:].startswith("# US and China")


def test_a_markdown_thematic_break_at_the_top_is_not_front_matter() -> None:
    # Regression: a --- block with no "key: value" line swallowed the text up to the next --- into the header.
    text = "---\n\nThe council met on Monday.\n\n---\n\nIt approved the budget."

    fields, body_start = parse_front_matter(text)

    assert (fields, body_start) == ({}, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Published May 14, 2026 in Beijing", "2026-05-14"),
        ("told CNBC on May 14 2026 that", "2026-05-14"),
        ("signed 14 May 2026.", "2026-05-14"),
        ("date: 2026-05-14", "2026-05-14"),
        ("on May 14th, 2026", "2026-05-14"),
        ("from Sep. 3 2025", "2025-09-03"),
        ("by 2 Jan. 2020", "2020-01-02"),
        ("on December 25 2025", "2025-12-25"),
        ("from Sept. 3 2025", "2025-09-03"),
        ("dated Sep 3, 2025", "2025-09-03"),
        ("on Dec 25 2025", "2025-12-25"),
        ("MAY 14 2026: SUMMIT", "2026-05-14"),
        ("Mayday 3 2020", None),  # a word that starts like a month is not one
        ("met on 3 March 2024 and again on 2 Jan. 2020", "2024-03-03"),  # the first one mentioned
        ("on February 29 2025", None),  # no such day
        ("due 2026-02-30", None),
        ("31 April 2026", None),
        ("in May 2026", None),  # not a full date
        ("no date at all", None),
    ],
)
def test_find_date_reads_the_first_valid_full_date(text: str, expected: str | None) -> None:
    assert _find_date(text) == expected


# --- where metadata comes from (index/metadata.py) -------------------------------------------------


def test_block_front_matter_is_yaml_and_a_bad_block_names_the_line_and_the_fix(tmp_path: Path) -> None:
    good = tmp_path / "good.md"
    good.write_text("---\ntitle: Tax bill\ndate: 2004-12-19\ntags:\n  - oil\n  - tax\n---\n\nThe body.\n")
    document = load_one(good)
    assert (document.title, document.date, document.tags) == ("Tax bill", "2004-12-19", ("oil", "tax"))
    assert document.provenance == "title: front matter; date: front matter"
    bad = tmp_path / "bad.md"
    bad.write_text("---\ntitle: Budget: the details\n---\n\nThe body.\n")
    with pytest.raises(LoadError, match=r"not valid YAML at line 2.*quote values that contain a colon"):
        load_one(bad)


def test_og_title_beats_the_title_tag_when_the_page_has_no_h1(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        '<html><head><title>Site name | News</title><meta property="og:title" content="Rates rise again">'
        '<meta property="og:url" content="https://example.org/rates"></head><body><p>Rates rose.</p></body></html>'
    )
    document = load_one(page)
    assert (document.title, document.url) == ("Rates rise again", "https://example.org/rates")
    assert document.provenance == "title: og:title; url: og:url"


def test_a_metadata_csv_beside_the_documents_sets_their_fields(tmp_path: Path) -> None:
    (tmp_path / "001.txt").write_text("Yukos sale\n\nThe unit was sold.\n")
    (tmp_path / "002.txt").write_text("Other story\n\nSomething else.\n")
    (tmp_path / "metadata.csv").write_text(
        "file,title,date,outlet,url\n001.txt,Yukos unit sold at auction,19 December 2004,BBC News,https://bbc.co.uk/1\n"
    )
    loaded = load_paths([tmp_path])
    by_id = {d.id: d for d in loaded.documents}
    assert sorted(by_id) == ["001.txt", "002.txt"] and not loaded.skipped  # the csv is no document
    first = by_id["001.txt"]
    assert (first.title, first.date, first.outlet, first.url) == (
        "Yukos unit sold at auction",
        "2004-12-19",
        "BBC News",
        "https://bbc.co.uk/1",
    )
    assert first.provenance == "title: metadata.csv; date: metadata.csv; outlet: metadata.csv; url: metadata.csv"
    assert by_id["002.txt"].provenance == "title: text"


def test_a_meta_json_sidecar_beats_the_pdf_and_a_bad_date_in_it_is_named(tmp_path: Path) -> None:
    file = tmp_path / "report.pdf"
    file.write_bytes(pdf_bytes(["Harbour dredging begins in March."], title="Harbour Report"))
    (tmp_path / "report.pdf.meta.json").write_text('{"date": "2004-03-02", "outlet": "Port Gazette"}')
    document = load_one(file)
    assert (document.title, document.date, document.outlet) == ("Harbour Report", "2004-03-02", "Port Gazette")
    assert document.provenance == "title: PDF metadata; date: report.pdf.meta.json; outlet: report.pdf.meta.json"
    (tmp_path / "report.pdf.meta.json").write_text('{"date": "soon"}')
    with pytest.raises(LoadError, match=r"report.pdf.meta.json: date 'soon' is not a date"):
        load_one(file)


# --- the walk never leaves the corpus, never opens what is not a file (issue 10, item 2) -------


def good_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Good report\nThe ferry leaves every hour.", encoding="utf-8")
    return corpus


def test_a_link_to_a_file_outside_the_corpus_is_refused_with_a_line_naming_its_target(tmp_path: Path) -> None:
    # Regression: a link to /etc/passwd was followed and its lines became quotable paragraphs.
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    corpus = good_corpus(tmp_path)
    (corpus / "passwd.txt").symlink_to(secret)
    (corpus / "etc").symlink_to(tmp_path, target_is_directory=True)

    result = load_paths([corpus])

    assert [d.id for d in result.documents] == ["good.txt"]
    refused = {Path(f.path).name: f.reason for f in result.failures}
    assert set(refused) == {"passwd.txt", "etc"}
    assert str(secret) in refused["passwd.txt"] and "outside the corpus" in refused["passwd.txt"]
    assert all("root:x" not in d.text for d in result.documents)


def test_a_link_to_a_file_inside_the_corpus_is_read_once(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    (corpus / "same.txt").symlink_to(corpus / "good.txt")
    hidden = corpus / ".drafts"
    hidden.mkdir()
    (hidden / "draft.txt").write_text("Draft report\nThe bridge reopens in May.", encoding="utf-8")
    (corpus / "draft.txt").symlink_to(hidden / "draft.txt")

    result = load_paths([corpus])

    assert sorted(d.id for d in result.documents) == ["draft.txt", "good.txt"]
    assert result.failures == () and result.skipped == ()


def test_fifos_devices_sockets_and_link_loops_are_skipped_each_with_a_line(tmp_path: Path) -> None:
    # Regression: these were skipped silently; a FIFO read would have blocked the indexer for ever.
    import socket

    corpus = good_corpus(tmp_path)
    os.mkfifo(corpus / "pipe.txt")
    (corpus / "zero.txt").symlink_to("/dev/zero")
    (corpus / "loop-a.txt").symlink_to(corpus / "loop-b.txt")
    (corpus / "loop-b.txt").symlink_to(corpus / "loop-a.txt")
    (corpus / "gone.txt").symlink_to(corpus / "deleted.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(corpus / "sock.txt"))

    result = finishes_within(10, lambda: load_paths([corpus]))

    server.close()
    assert [d.id for d in result.documents] == ["good.txt"]
    lines = {Path(f.path).name: f.reason for f in (*result.failures, *result.skipped)}
    assert "FIFO" in lines["pipe.txt"]
    assert "outside the corpus" in lines["zero.txt"]  # /dev/zero lies outside it, and is a device besides
    assert "loop" in lines["loop-a.txt"] and "loop" in lines["loop-b.txt"]
    assert "broken link" in lines["gone.txt"]
    assert "socket" in lines["sock.txt"]


def test_a_fifo_named_on_the_command_line_fails_at_once_instead_of_hanging(tmp_path: Path) -> None:
    # Regression: `briefing index pipe.txt` blocked for ever in open().
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)

    result = finishes_within(10, lambda: load_paths([fifo]))

    assert len(result.failures) == 1 and "FIFO" in result.failures[0].reason


def test_a_device_named_on_the_command_line_is_never_read(tmp_path: Path) -> None:
    link = tmp_path / "zero.txt"
    link.symlink_to("/dev/zero")

    result = finishes_within(10, lambda: load_paths([link]))

    assert len(result.failures) == 1 and "device" in result.failures[0].reason


def finishes_within(seconds: float, call: Callable[[], T]) -> T:
    """call() run in a thread; fails the test, instead of hanging it, when it does not return in time."""
    import threading

    box: list[T] = []
    worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert box, f"did not finish within {seconds} s"
    return box[0]


def test_folders_outside_the_corpus_root_are_named_by_their_folder_so_same_names_never_collide(
    tmp_path: Path,
) -> None:
    # Regression: a/report.txt and b/report.txt both got the id report.txt and replaced each other.
    for name, text in (("a", "Alpha report\nThe dam holds."), ("b", "Beta report\nThe dam leaks.")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.txt").write_text(text, encoding="utf-8")
    root = tmp_path / "corpus"
    root.mkdir()
    (root / "sub").mkdir()
    (root / "sub" / "x.txt").write_text("Sub report\nThe road opens.", encoding="utf-8")

    ids = [d.id for p in ("a", "b") for d in load_paths([tmp_path / p], root=root).documents]
    under = [d.id for d in load_paths([root / "sub"], root=root).documents]
    whole = [d.id for d in load_paths([root], root=root).documents]

    assert ids == ["a/report.txt", "b/report.txt"]
    assert under == whole == ["sub/x.txt"]


def test_a_file_with_a_control_character_in_its_name_fails_with_the_name_shown_escaped(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    (corpus / "two\nlines.txt").write_text("Odd name\nThe text is fine.", encoding="utf-8")

    result = load_paths([corpus])

    assert [d.id for d in result.documents] == ["good.txt"]
    assert "two\\nlines.txt" in result.failures[0].reason and "rename" in result.failures[0].reason


def test_utf16_text_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    file = tmp_path / "windows.txt"
    file.write_bytes("Windows notes\nThe plant closes in June.".encode("utf-16"))

    assert load_one(file).text == "Windows notes\nThe plant closes in June."


def test_a_file_over_the_text_bound_fails_with_the_limit_and_the_setting_to_raise(tmp_path: Path) -> None:
    file = tmp_path / "big.txt"
    file.write_text("Big report\n" + "The ferry leaves every hour. " * 40, encoding="utf-8")

    result = load_paths([file], max_text_chars=500)

    assert result.documents == ()
    assert "over the limit" in result.failures[0].reason and "BRIEFING_MAX_FILE_MB" in result.failures[0].reason


def _docs_folder(parent: Path, text: str) -> Path:
    folder = parent / "docs"
    folder.mkdir(parents=True)
    (folder / "report.txt").write_text(f"Report\n{text}", encoding="utf-8")
    return folder


def test_a_same_named_folder_elsewhere_gets_ids_of_its_own_while_the_first_keeps_its_ids(tmp_path: Path) -> None:
    # Regression: x/docs and y/docs both gave docs/report.txt, so one replaced the other on every run.
    first = _docs_folder(tmp_path / "x", "The dam holds.")
    second = _docs_folder(tmp_path / "y", "The dam leaks.")
    root = tmp_path / "corpus"
    root.mkdir()
    held = {d.id: d.root for d in load_paths([first], root=root).documents}

    again = [d.id for d in load_paths([first], root=root, claimed=held).documents]
    other = [d.id for d in load_paths([second], root=root, claimed=held).documents]
    both = [d.id for d in load_paths([first, second], root=root).documents]

    assert list(held) == again == ["docs/report.txt"]
    assert other == ["y/docs/report.txt"]
    assert both == ["docs/report.txt", "y/docs/report.txt"]


def test_a_moved_folder_keeps_its_ids(tmp_path: Path) -> None:
    old = _docs_folder(tmp_path / "old", "The dam holds.")
    root = tmp_path / "corpus"
    root.mkdir()
    held = {d.id: d.root for d in load_paths([old], root=root).documents}
    moved = tmp_path / "new" / "docs"
    moved.parent.mkdir()
    old.rename(moved)

    assert [d.id for d in load_paths([moved], root=root, claimed=held).documents] == ["docs/report.txt"]


def test_a_subfolder_indexed_alone_and_then_with_its_corpus_keeps_one_id(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "x.txt").write_text("Sub report\nThe road opens.", encoding="utf-8")
    held = {d.id: d.root for d in load_paths([root / "sub"], root=root).documents}

    assert [d.id for d in load_paths([root], root=root, claimed=held).documents] == list(held) == ["sub/x.txt"]


def test_two_single_files_with_one_name_from_two_folders_get_two_ids(tmp_path: Path) -> None:
    a = _docs_folder(tmp_path / "a", "The dam holds.") / "report.txt"
    b = _docs_folder(tmp_path / "b", "The dam leaks.") / "report.txt"
    root = tmp_path / "corpus"
    root.mkdir()
    held = {d.id: d.root for d in load_paths([a], root=root).documents}

    assert [d.id for d in load_paths([b], root=root, claimed=held).documents] == ["docs/report.txt"]


# --- re-indexing: a file that matches its record is hashed, not extracted again ---------------


def sha256(file: Path) -> str:
    return hashlib.sha256(file.read_bytes()).hexdigest()


def records_of(result: LoadResult) -> dict[str, DocumentSummary]:
    """The records a store would hold after indexing this result (index/rows.py makes them the same way)."""
    return {d.id: summary_of(d, 1) for d in result.documents}


def four_formats(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text("Ferry\n\nThe ferry leaves every hour.", encoding="utf-8")
    (corpus / "rates.html").write_text(HTML, encoding="utf-8")
    (corpus / "harbour.pdf").write_bytes(pdf_bytes(["Harbour dredging begins in March."]))
    (corpus / "library.docx").write_bytes(docx_bytes())
    return corpus


def test_files_that_match_their_records_are_listed_unchanged_and_none_is_extracted(
    tmp_path: Path, extractions: Counter[str]
) -> None:
    corpus = four_formats(tmp_path)
    records = records_of(load_paths([corpus]))
    extractions.clear()

    again = load_paths([corpus], indexed=records)

    assert again.documents == () and again.failures == ()
    assert [(u.id, u.root) for u in again.unchanged] == [(i, str(corpus)) for i in sorted(records)]
    assert sum(extractions.values()) == 0
    load_paths([corpus])  # without records every file is extracted, as before
    assert extractions == {".txt": 1, ".html": 1, ".pdf": 1, ".docx": 1}


def test_a_pdf_whose_bytes_match_its_record_is_not_parsed_at_all(tmp_path: Path) -> None:
    # The record's hash is what vouches for the file: these bytes would fail pypdf, yet are never given to it.
    damaged = b"%PDF-1.4\n" + bytes(range(256)) * 4
    (tmp_path / "scan.pdf").write_bytes(damaged)
    record = DocumentSummary("scan.pdf", "Scan", None, None, str(tmp_path), hashlib.sha256(damaged).hexdigest(), 1)

    assert [u.id for u in load_paths([tmp_path], indexed={"scan.pdf": record}).unchanged] == ["scan.pdf"]
    assert "corrupt PDF" in load_paths([tmp_path]).failures[0].reason


def _edit_bytes(corpus: Path) -> None:
    (corpus / "report.txt").write_text("Report\n\nThe dam leaks.", encoding="utf-8")


def _edit_csv(corpus: Path) -> None:
    (corpus / "metadata.csv").write_text("file,title\nreport.txt,Dam report (revised)\n", encoding="utf-8")


def _add_meta_json(corpus: Path) -> None:
    (corpus / "report.txt.meta.json").write_text('{"outlet": "Valley News"}', encoding="utf-8")


def _remove_csv(corpus: Path) -> None:
    (corpus / "metadata.csv").unlink()


@pytest.mark.parametrize(
    "change",
    [_edit_bytes, _edit_csv, _add_meta_json, _remove_csv],
    ids=["its-bytes-edited", "its-metadata-csv-row-edited", "a-meta-json-added", "its-metadata-csv-removed"],
)
def test_a_file_whose_bytes_or_sidecar_changed_is_extracted_again(
    tmp_path: Path, extractions: Counter[str], change: Callable[[Path], None]
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "report.txt").write_text("Report\n\nThe dam holds.", encoding="utf-8")
    (corpus / "metadata.csv").write_text("file,title\nreport.txt,Dam report\n", encoding="utf-8")
    records = records_of(load_paths([corpus]))
    change(corpus)
    extractions.clear()

    again = load_paths([corpus], indexed=records)

    assert [d.id for d in again.documents] == ["report.txt"] and again.unchanged == ()
    assert extractions == {".txt": 1}


def test_a_record_made_from_another_folder_does_not_vouch_for_a_file(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    records = {i: replace(r, root=str(tmp_path / "elsewhere")) for i, r in records_of(load_paths([corpus])).items()}

    again = load_paths([corpus], indexed=records)

    assert [d.id for d in again.documents] == ["good.txt"] and again.unchanged == ()


def test_the_walks_refusals_and_bounds_hold_for_files_that_match_their_records(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    (corpus / "long.txt").write_text("Long report\n\n" + "The weir is old. " * 60, encoding="utf-8")
    (corpus / "dated.txt").write_text("Dated\n\nIts sidecar will break.", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret\n\nThe password is swordfish.", encoding="utf-8")
    records = records_of(load_paths([corpus, secret]))
    records["leak.txt"] = replace(records["secret.txt"], id="leak.txt", root=str(corpus))
    (corpus / "leak.txt").symlink_to(secret)
    (corpus / "dated.txt.meta.json").write_text('{"date": "soon"}', encoding="utf-8")
    os.mkfifo(corpus / "pipe.txt")
    records["pipe.txt"] = replace(records["good.txt"], id="pipe.txt")
    odd = corpus / "two\nlines.txt"
    odd.write_text("Odd name\nThe text is fine.", encoding="utf-8")
    records[odd.name] = replace(records["good.txt"], id=odd.name, content_hash=sha256(odd))

    again = finishes_within(10, lambda: load_paths([corpus], max_text_chars=200, indexed=records))

    reasons = {Path(f.path).name: f.reason for f in (*again.failures, *again.skipped)}
    assert reasons["leak.txt"].startswith("refused: a link to")  # a link out of the folder is never read
    assert "FIFO" in reasons["pipe.txt"]  # never opened, so never hashed
    assert "control character" in reasons[odd.name]
    assert "over the limit of 800" in reasons["long.txt"]  # the byte bound applies before any hash
    assert "dated.txt.meta.json: date 'soon' is not a date" in reasons["dated.txt"]
    assert [u.id for u in again.unchanged] == ["good.txt"]


def test_the_first_metadata_csv_row_naming_a_file_wins_and_an_edit_to_the_table_is_read_at_once(
    tmp_path: Path,
) -> None:
    (tmp_path / "001.txt").write_text("Yukos sale\n\nThe unit was sold.\n")
    table = tmp_path / "metadata.csv"
    table.write_text("file,title\n001.txt,First row\n001.txt,Second row\n")
    assert load_one(tmp_path / "001.txt").title == "First row"
    table.write_text("file,title\n001.txt,Edited row\n")  # same process: the parsed table is not reused
    assert load_one(tmp_path / "001.txt").title == "Edited row"
