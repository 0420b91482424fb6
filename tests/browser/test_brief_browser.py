"""The Brief tab in real Chromium: write a brief, click a footnote, read the cited paragraph in the viewer."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page

from assistant import render_chat as view
from assistant.library import Library
from tests.browser.test_chat_browser import _serve, browser, page  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def brief_app(seeded_library: Library) -> Iterator[str]:
    yield from _serve(seeded_library)


def test_clicking_a_footnote_of_the_brief_opens_its_paragraph_highlighted_in_the_viewer(
    page: Page,  # noqa: F811 - the shared fixture
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
