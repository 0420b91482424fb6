"""The app in real Chromium: ask, click a citation, read the paragraph in place; upload; click a brief's footnote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from chromium import serve
from playwright.sync_api import Page

from assistant import render_chat as view
from assistant.library import Library

pytestmark = pytest.mark.browser

QUESTION = "Who announced the AI safety protocol?"


@pytest.fixture(scope="module")
def seeded_app(seeded_library: Library) -> Iterator[str]:
    """The app over the seeds (read only)."""
    yield from serve(seeded_library)


@pytest.fixture
def empty_app(library: Library) -> Iterator[str]:
    """The app over an empty index of its own, for tests that upload."""
    yield from serve(library)


def ask(page: Page, question: str) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.locator("#chat .sources").last.wait_for()  # the whole answer, not its streamed beginning


def test_clicking_a_citation_marker_shows_the_cited_paragraph_highlighted_in_its_document(
    page: Page, seeded_app: str, seeded_library: Library, screenshots: Path
) -> None:
    page.goto(seeded_app)
    ask(page, QUESTION)
    marker = page.locator("#chat a.cite").first
    _, paragraph_id = view.parse_ref(str(marker.get_attribute("href")))
    cited = next(p for p in seeded_library.paragraphs(view.doc_id_of(paragraph_id)) if p.id == paragraph_id)

    marker.click()

    highlighted = page.locator("#viewer .para.cited")
    highlighted.wait_for()
    assert " ".join(highlighted.inner_text().split()) == " ".join(cited.text.split())
    assert page.locator("#viewer .doc-title").inner_text() == cited.title
    assert page.locator("#viewer mark.quote").count() >= 1, "the quoted sentence is marked inside the paragraph"
    page.wait_for_function(
        """() => {
          const box = document.querySelector('#viewer .doc-body').getBoundingClientRect();
          const hit = document.querySelector('#viewer .cited').getBoundingClientRect();
          return hit.top >= box.top && hit.top < box.bottom;
        }""",
        timeout=5_000,
    )
    page.screenshot(path=str(screenshots / "chat-citation.png"))


def test_a_who_question_shows_its_short_answer_in_bold_and_marked_inside_the_quote(
    page: Page, seeded_app: str, screenshots: Path
) -> None:
    page.goto(seeded_app)

    ask(page, "Who was the Nvidia boss in Beijing?")

    assert page.locator("#chat .short-answer strong").last.inner_text() == "Jensen Huang"
    # The chat's sanitizer keeps the mark and its class: the name is highlighted inside the quote.
    assert page.locator("#chat mark.short-answer").last.inner_text() == "Jensen Huang"
    assert "was himself in Beijing" in page.locator("#chat .answer").last.inner_text()
    page.screenshot(path=str(screenshots / "chat-short-answer.png"))


def test_clicking_a_listed_source_opens_the_viewer_too(page: Page, seeded_app: str) -> None:
    page.goto(seeded_app)
    ask(page, QUESTION)
    source = page.locator("#chat a.source").last
    _, paragraph_id = view.parse_ref(str(source.get_attribute("href")))

    source.click()

    page.locator("#viewer .cited-pid", has_text=paragraph_id).wait_for()


def test_an_uploaded_markdown_file_is_answerable_from_the_page(
    page: Page, empty_app: str, tmp_path: Path, screenshots: Path
) -> None:
    note = tmp_path / "harbour-notes.md"
    note.write_text(
        "# Harbour notes\n\nThe Vellmar harbour board appointed Tomasz Brennan as its new pilot master in June.\n",
        encoding="utf-8",
    )
    page.goto(empty_app)
    page.get_by_role("tab", name="Corpus").click()

    page.locator("#upload input[type=file]").set_input_files(str(note))

    page.locator("#corpus-report", has_text="harbour-notes.md: added").wait_for()
    page.locator("#documents", has_text="Harbour notes").wait_for()
    page.screenshot(path=str(screenshots / "corpus-upload.png"))
    page.get_by_role("tab", name="Chat").click()
    ask(page, "Who did the Vellmar harbour board appoint as pilot master?")
    answer = page.locator("#chat .answer").last.inner_text()
    assert "Tomasz Brennan" in answer
    assert page.locator("#chat a.cite").count() >= 1


# --- the Brief tab ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def brief_app(seeded_library: Library) -> Iterator[str]:
    yield from serve(seeded_library)


def test_clicking_a_footnote_of_the_brief_opens_its_paragraph_highlighted_in_the_viewer(
    page: Page,
    brief_app: str,
    seeded_library: Library,
) -> None:
    page.goto(brief_app)
    page.get_by_role("tab", name="Brief").click()
    page.locator("#brief-write").click()
    footnote = page.locator(f'#brief-preview a[href^="{view.REF_PREFIX}"]').first
    footnote.wait_for(timeout=240_000)  # a brief takes tens of seconds on 2 busy cores
    paragraph_id = unquote(footnote.get_attribute("href").removeprefix(view.REF_PREFIX))
    cited = next(p for p in seeded_library.paragraphs(view.doc_id_of(paragraph_id)) if p.id == paragraph_id)

    footnote.click()

    highlighted = page.locator("#brief-viewer .para.cited")
    highlighted.wait_for()
    assert " ".join(cited.text.split()[:8]) in " ".join(highlighted.inner_text().split())
    assert page.locator("#brief-viewer mark.quote").count() >= 1, "the sentence the brief quotes is marked"
    assert page.locator("#viewer .para.cited").count() == 0, "the chat's viewer is left alone"
