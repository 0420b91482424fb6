"""The analyst's workbench in Chromium: notebooks, the source filter, suggested questions, notes, the hover card."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium import SCREENSHOTS, serve
from conftest import make_settings
from playwright.sync_api import Browser, Page

from assistant import render_chat as view
from assistant.library import Library

pytestmark = pytest.mark.browser

QUESTION = "Who announced the AI safety protocol?"
HARBOUR = "# Harbour notes\n\nThe Vellmar harbour board appointed Tomasz Brennan as its new pilot master in June.\n"
SIZES = {"wide": {"width": 1400, "height": 1000}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def workbench(seeded_library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Library]]:
    """The app over a writable copy of the seeded store: these tests make notebooks and notes."""
    data = tmp_path_factory.mktemp("workbench") / "data"
    shutil.copytree(seeded_library.settings.data_dir, data)
    library = Library(make_settings(data), embedder=seeded_library.embedder())
    for url in serve(library):
        yield url, library


@pytest.fixture
def wide(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=SIZES["wide"], accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(90_000)  # answers and suggestion checks take seconds on 2 busy cores
    yield tab
    context.close()


def ask(page: Page, question: str) -> None:
    before = page.locator("#chat .sources, #chat .answer.abstained").count()
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .sources, #chat .answer.abstained').length > n", arg=before
    )


def choose(page: Page, dropdown: str, option: str) -> None:
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def cited_documents(page: Page) -> set[str]:
    last = page.locator("#chat .answer").last.locator("xpath=..")
    return {view.doc_id_of(view.parse_ref(str(a.get_attribute("href")))[1]) for a in last.locator("a.cite").all()}


def test_a_notebook_made_from_an_upload_opens_and_the_switcher_goes_back_to_the_seeds(
    wide: Page, workbench: tuple[str, Library], tmp_path: Path, screenshots: Path
) -> None:
    url, library = workbench
    upload = tmp_path / "harbour-notes.md"
    upload.write_text(HARBOUR, encoding="utf-8")
    wide.goto(url)
    wide.get_by_role("tab", name="Corpus").click()
    wide.locator("#new-notebook").get_by_text("New notebook").click()
    wide.locator("#new-notebook-name textarea").fill("Harbour")
    wide.locator("#new-notebook-files input[type=file]").set_input_files(str(upload))
    wide.locator("#new-notebook-create").click()

    wide.locator("#corpus-report", has_text="created and opened").wait_for()
    wide.locator("#documents", has_text="Harbour notes").wait_for()
    assert wide.locator("#notebook input").input_value() == "Harbour"
    wide.get_by_role("tab", name="Chat").click()
    ask(wide, "Who did the Vellmar harbour board appoint as pilot master?")
    assert "Tomasz Brennan" in wide.locator("#chat .answer").last.inner_text()

    wide.locator("#notebook input").click()
    wide.screenshot(path=str(screenshots / "notebook-switcher-wide.png"))
    wide.get_by_role("option", name="seeds", exact=True).click()
    wide.locator("#app-header", has_text="seeds").wait_for()
    assert wide.locator("#chat .answer").count() == 0, "another notebook opens on a fresh conversation"
    ask(wide, QUESTION)
    seeds = {d.id for d in library.documents()}
    assert cited_documents(wide) and cited_documents(wide) <= seeds


def test_asking_with_a_document_filter_cites_only_that_document_and_says_so(
    wide: Page, workbench: tuple[str, Library], screenshots: Path
) -> None:
    url, library = workbench
    unfiltered = library.ask(QUESTION)
    chosen = next(d for d in library.documents() if d.id not in {c.paragraph.doc_id for c in unfiltered.citations})
    label = " · ".join(part for part in (chosen.title, chosen.outlet, chosen.date) if part)
    wide.goto(url)
    wide.locator("#filters").get_by_text("Sources and dates").click()

    choose(wide, "#filter-docs", label)
    wide.locator("#filter-docs input").press("Tab")  # leaves the list: it closes
    wide.get_by_role("listbox").wait_for(state="hidden")
    wide.locator("#filters").screenshot(path=str(screenshots / "filter-wide.png"))
    ask(wide, QUESTION)

    assert cited_documents(wide) == {chosen.id}
    assert "Answered only from 1 selected document" in wide.locator("#chat .note").first.inner_text()


def test_clicking_a_suggested_question_asks_it_and_its_answer_cites_a_source(
    wide: Page, workbench: tuple[str, Library]
) -> None:
    url, _ = workbench
    wide.goto(url)
    suggestion = wide.locator("#suggested a.suggest").first
    question = suggestion.inner_text()

    suggestion.click()

    wide.locator("#chat .question", has_text=question).wait_for()
    wide.locator("#chat .sources").last.wait_for()
    assert wide.locator("#chat a.cite").count() >= 1
    wide.locator("#chat .follow-ups a.suggest").first.wait_for()  # and questions to ask next, under it


def test_a_saved_note_is_there_after_a_reload_and_exports_with_its_paragraphs(
    wide: Page, workbench: tuple[str, Library], screenshots: Path
) -> None:
    url, library = workbench
    wide.goto(url)
    ask(wide, QUESTION)

    wide.locator("#chat a.save-note").last.click()
    wide.get_by_text("Saved to notes").first.wait_for()
    wide.reload()
    wide.get_by_role("tab", name="Notes").click()

    wide.locator("#notes-list .note-card", has_text=QUESTION).first.wait_for()
    wide.screenshot(path=str(screenshots / "notes-wide.png"))
    with wide.expect_download() as download:
        wide.locator("#notes-export").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    answer = library.ask(QUESTION)
    assert exported.startswith("# Notes: seeds")
    assert all(c.paragraph.id in exported for c in answer.citations)


def test_hovering_a_marker_shows_a_card_with_the_cited_sentence_in_full_and_esc_closes_the_viewer(
    wide: Page, workbench: tuple[str, Library], screenshots: Path
) -> None:
    url, _ = workbench
    wide.goto(url)
    ask(wide, QUESTION)
    wide.locator("#chat .follow-ups").last.wait_for()  # the chat re-renders once they arrive
    marker = wide.locator("#chat a.cite").first

    marker.hover()

    card = wide.locator("#hover-card")
    card.wait_for(state="visible")
    claim = wide.locator("#chat .answer").first.inner_text().split("[")[0]  # the text before the marker
    assert " ".join(claim.split())[:60] in " ".join(card.inner_text().split())
    assert marker.get_attribute("title") is None, "the browser's own tooltip no longer shows"
    wide.screenshot(path=str(screenshots / "hover-card-wide.png"))
    marker.click()
    wide.locator("#viewer .para.cited").wait_for()
    wide.keyboard.press("Escape")
    wide.locator("#viewer .viewer-empty").wait_for()


def test_each_answer_message_has_a_plain_text_accessible_label(wide: Page, workbench: tuple[str, Library]) -> None:
    url, _ = workbench
    wide.goto(url)
    ask(wide, QUESTION)

    labels = wide.eval_on_selector_all(
        "#chat [aria-label]",
        "els => els.map(e => e.getAttribute('aria-label')).filter(l => /^(Answer|Question):/.test(l))",
    )

    assert any(label.startswith("Answer: ") for label in labels)
    assert not any("<" in label for label in labels)


def test_the_corpus_table_fits_a_1280_px_window(browser: Browser, workbench: tuple[str, Library]) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(workbench[0])
    page.get_by_role("tab", name="Corpus").click()
    page.locator("#documents", has_text=workbench[1].documents()[0].id).wait_for()
    page.screenshot(path=str(SCREENSHOTS / "corpus-1280.png"))

    # Every column header ends inside the window and the table needs no sideways scrolling.
    right, window, scroll, client = page.evaluate(
        """() => {
          const heads = [...document.querySelectorAll('#documents th')].filter(h => h.offsetWidth > 0);
          const wrap = document.querySelector('#documents .table-wrap') || document.querySelector('#documents');
          return [Math.max(...heads.map(h => h.getBoundingClientRect().right)),
                  document.documentElement.clientWidth, wrap.scrollWidth, wrap.clientWidth];
        }"""
    )
    context.close()

    assert right <= window
    assert scroll <= client + 1


def test_on_a_phone_the_switcher_filter_hover_card_and_notes_fit_the_screen(
    browser: Browser,
    workbench: tuple[str, Library],
    screenshots: Path,
) -> None:
    context = browser.new_context(viewport=SIZES["phone"], is_mobile=True, has_touch=False)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(workbench[0])
    page.locator("#notebook input").click()
    page.screenshot(path=str(screenshots / "notebook-switcher-phone.png"))
    page.keyboard.press("Escape")
    page.locator("#filters").get_by_text("Sources and dates").click()
    page.locator("#filter-docs input").click()
    page.get_by_role("option").first.click()
    page.locator("#filter-docs input").press("Tab")
    page.get_by_role("listbox").wait_for(state="hidden")
    page.screenshot(path=str(screenshots / "filter-phone.png"))
    ask(page, QUESTION)
    page.locator("#chat .follow-ups").last.wait_for()  # the chat re-renders once they arrive
    page.locator("#chat a.cite").first.hover()
    card = page.locator("#hover-card")
    card.wait_for(state="visible")
    box = card.bounding_box()
    page.screenshot(path=str(screenshots / "hover-card-phone.png"))
    page.get_by_role("tab", name="Notes").click()
    page.locator("#notes-list").wait_for()
    page.screenshot(path=str(screenshots / "notes-phone.png"), full_page=True)
    context.close()

    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= SIZES["phone"]["width"]
