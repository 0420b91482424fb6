"""The launched app on 127.0.0.1, driven through its API with gradio_client: ask, cite, upload, remove, export."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chromium import free_port, serve
from gradio_client import Client, handle_file

from assistant import render_chat as view
from assistant.library import Library

QUESTION = "Who announced the AI safety protocol?"


@pytest.fixture(scope="module")
def seeded_url(seeded_library: Library) -> Iterator[str]:
    """The app over the seeds; tests here only read."""
    yield from serve(seeded_library)


@pytest.fixture
def empty_url(library: Library) -> Iterator[str]:
    """The app over an empty index of its own, for tests that write."""
    yield from serve(library)


def client(url: str) -> Client:
    return Client(url, verbose=False, download_files=False)


def ask(app: Client, question: str, k: int = 5) -> list[list[dict[str, Any]]]:
    """Every history the answer streamed, last one whole."""
    job = app.submit(question, k, "extractive", api_name="/ask")
    job.result(timeout=120)
    return [output[0] for output in job.outputs()]


def last_answer(history: list[dict[str, Any]]) -> str:
    assert history[-1]["role"] == "assistant"
    return view.message_text(history[-1]["content"])


def citation_refs(html: str) -> list[str]:
    return re.findall(r'class="cite" href="' + re.escape(view.REF_PREFIX) + r'([^"]+)"', html)


def test_a_question_streams_in_and_ends_as_the_answer_with_clickable_citations(
    seeded_url: str, seeded_library: Library
) -> None:
    expected = seeded_library.ask(QUESTION)

    histories = ask(client(seeded_url), QUESTION)

    final = last_answer(histories[-1])
    assert not expected.abstained
    lead = f"{expected.short_answer.text} " if expected.short_answer else ""  # a who question: the name first
    assert view.plain_text(final.split('<div class="sources">')[0]) == view.plain_text(
        lead + re.sub(r"\[\d+\]", lambda m: m.group(0)[1:-1], expected.text)
    )
    assert [view.parse_ref(r)[1] for r in citation_refs(final)] == [
        c.paragraph.id for claim in expected.claims for c in expected.citations if c.n in claim.citations
    ]
    streamed = [last_answer(h) for h in histories if h and h[-1]["role"] == "assistant"]
    assert len(streamed) >= 3, "the answer should arrive in pieces, not at once"
    assert "Sources" in final and all(c.paragraph.id in final for c in expected.citations)


def test_clicking_a_citation_opens_its_paragraph_highlighted_in_its_document(
    seeded_url: str, seeded_library: Library
) -> None:
    app = client(seeded_url)
    ref = citation_refs(last_answer(ask(app, QUESTION)[-1]))[0]
    _, paragraph_id = view.parse_ref(ref)
    cited = next(p for p in seeded_library.paragraphs(view.doc_id_of(paragraph_id)) if p.id == paragraph_id)

    html = app.predict(ref, api_name="/open_citation")

    highlighted = re.search(r'<p class="para cited"[^>]*>(.*?)</p>', html, re.S)
    assert highlighted is not None and view.plain_text(highlighted.group(1)) == " ".join(cited.text.split())
    assert "<mark" in highlighted.group(1), "the quoted sentence is marked: the session's answer was found"
    assert cited.title in view.plain_text(html)


def test_each_session_keeps_its_own_conversation_even_when_asking_at_once(seeded_url: str) -> None:
    first, second = client(seeded_url), client(seeded_url)
    questions = {first: QUESTION, second: "Which chip was cleared for sale to Chinese firms?"}
    finals: dict[Client, list[dict[str, Any]]] = {}
    threads = [threading.Thread(target=lambda c=c: finals.update({c: ask(c, questions[c])[-1]})) for c in questions]

    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    follow_up = ask(first, "What did Bessent say about the lead?")[-1]

    assert asked(finals[first]) == [QUESTION]
    assert asked(finals[second]) == [questions[second]]
    assert asked(follow_up) == [QUESTION, "What did Bessent say about the lead?"]
    assert all(m["content"] for m in follow_up), "every question kept its answer"


def asked(history: list[dict[str, Any]]) -> list[str]:
    return [view.plain_text(view.message_text(m["content"])) for m in history if m["role"] == "user"]


def test_an_abstention_offers_the_closest_material_as_links(seeded_url: str) -> None:
    final = last_answer(ask(client(seeded_url), "What did the European Union say about the protocol?")[-1])

    assert view.plain_text(final).startswith("The sources do not answer this question.")
    assert "Closest material" in final and 'class="source closest"' in final


def test_the_export_is_a_markdown_file_of_the_conversation_with_quoted_paragraphs(
    seeded_url: str, seeded_library: Library
) -> None:
    app = client(seeded_url)
    ask(app, QUESTION)
    expected = seeded_library.ask(QUESTION)

    exported = app.predict(api_name="/export")["value"]

    markdown = urllib.request.urlopen(exported["url"], timeout=30).read().decode("utf-8")
    assert exported["orig_name"].endswith(".md")
    assert markdown.startswith("# Briefing conversation")
    assert f"## 1. {QUESTION}" in markdown and expected.text in markdown
    assert f"> {expected.citations[0].paragraph.text.splitlines()[0]}" in markdown


@pytest.mark.parametrize("hostile", ["ABSOLUTE", "../../../../../../ESCAPE"])
def test_a_client_chosen_session_hash_never_becomes_a_path_for_exports_or_briefs(
    seeded_url: str, seeded_library: Library, tmp_path: Path, hostile: str
) -> None:
    """Regression: the export and brief downloads were written under a folder named by the client's session_hash."""
    target = tmp_path / "attacker-chose-this"
    session = str(target) if hostile == "ABSOLUTE" else hostile.replace("ESCAPE", str(target).lstrip("/"))
    app = client(seeded_url)
    app.session_hash = session
    ask(app, QUESTION)

    exported = app.predict(api_name="/export")["value"]
    _status, _preview, *downloads = app.predict("chip export controls", api_name="/brief")

    assert not target.exists()
    exports = (seeded_library.settings.data_dir / "exports").resolve()
    written = [Path(exported["path"]), *(Path(str(_download_path(d))) for d in downloads)]
    assert len(written) == 5
    # Gradio hands back its own cached copy; the server's original sits under <data_dir>/exports.
    originals = sorted(p.name for p in exports.rglob("briefing-*") if p.is_file())
    assert {"briefing-conversation.md", "briefing-brief.pdf", "briefing-brief.md"} <= set(originals)
    assert all(session not in str(p) for p in exports.rglob("*"))


def test_an_uploaded_markdown_file_is_answerable_in_the_next_question(
    empty_url: str, library: Library, tmp_path: Path
) -> None:
    note = tmp_path / "zorblatt-memo.md"
    note.write_text(
        "# Zorblatt Commission memo\n\n"
        "The Zorblatt Commission on undersea cables was chaired by Ingrid Halvorsen of Norway.\n\n"
        "It met in Reykjavik and agreed to publish a cable-risk register by September.\n",
        encoding="utf-8",
    )
    app = client(empty_url)

    report, _ = app.predict([handle_file(str(note))], api_name="/upload")
    final = last_answer(ask(app, "Who chaired the Zorblatt Commission?")[-1])

    assert "uploads/zorblatt-memo.md: added" in view.plain_text(report)
    assert "Ingrid Halvorsen" in final
    assert [view.parse_ref(r)[1] for r in citation_refs(final)] == ["uploads/zorblatt-memo.md#p1"]
    assert (library.settings.data_dir / "uploads" / library.collection / "uploads" / note.name).exists()


def test_a_bad_upload_is_named_and_explained_and_the_good_files_are_kept(
    empty_url: str, library: Library, tmp_path: Path
) -> None:
    good = tmp_path / "good.txt"
    good.write_text("The harbour authority approved the new breakwater on Tuesday.\n", encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is not a PDF at all")
    app = client(empty_url)

    report, _ = app.predict([handle_file(str(broken)), handle_file(str(good))], api_name="/upload")

    text = view.plain_text(report)
    assert "1 of 2 files indexed" in text
    assert re.search(r"broken\.pdf was not indexed: \S+", text)
    assert [d.id for d in library.documents()] == ["uploads/good.txt"]


def test_removing_a_document_takes_it_out_of_the_index_and_the_list(
    empty_url: str, library: Library, tmp_path: Path
) -> None:
    for name in ("keep.txt", "drop.txt"):
        (tmp_path / name).write_text(f"The {name[:-4]} paragraph says something citable.\n", encoding="utf-8")
    app = client(empty_url)
    app.predict([handle_file(str(tmp_path / n)) for n in ("keep.txt", "drop.txt")], api_name="/upload")

    message = app.predict("uploads/drop.txt", api_name="/remove")
    summary, table, _ = app.predict(api_name="/documents")

    assert "Removed uploads/drop.txt" in view.plain_text(message)
    assert [row[-1] for row in table["data"]] == ["uploads/keep.txt"]
    assert summary.startswith("**1 document**")
    assert "was not in the index" in app.predict("uploads/drop.txt", api_name="/remove")
    assert not (library.settings.data_dir / "uploads" / library.collection / "uploads" / "drop.txt").exists()


def test_an_upload_named_like_an_indexed_source_does_not_replace_it(
    empty_url: str, library: Library, tmp_path: Path
) -> None:
    # Regression: uploads once took ids relative to their own folder, so "report.txt" replaced a source
    # indexed from a folder as "report.txt".
    source = tmp_path / "corpus"
    source.mkdir()
    (source / "report.txt").write_text("The port authority approved the breakwater.\n", encoding="utf-8")
    library.index([source])
    upload = tmp_path / "report.txt"
    upload.write_text("The ferry company cancelled the winter timetable.\n", encoding="utf-8")

    client(empty_url).predict([handle_file(str(upload))], api_name="/upload")

    assert sorted(d.id for d in library.documents()) == ["report.txt", "uploads/report.txt"]


@pytest.mark.slow
def test_briefing_serve_starts_the_app_on_the_port_it_is_given(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "BRIEFING_DATA_DIR": str(tmp_path / "data"), "GRADIO_ANALYTICS_ENABLED": "False"}
    briefing = Path(sys.executable).parent / "briefing"
    server = subprocess.Popen(
        [str(briefing), "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        page = ""
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "Briefing assistant" in page, server.stdout.read().decode() if server.poll() is not None else ""
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_brief_tab_writes_a_topic_brief_in_every_format_for_download(seeded_url: str) -> None:
    status, preview, *downloads = client(seeded_url).predict("chip export controls", api_name="/brief")

    assert "H200" in preview and "Taiwan" not in preview
    assert "## Where the sources disagree" in preview or "## Key facts" in preview
    names = sorted(Path(_download_path(d)).suffix for d in downloads)
    assert names == [".docx", ".html", ".md", ".pdf"]
    assert 'class="ok"' in status


def test_the_brief_tab_says_so_when_the_sources_have_nothing_on_the_topic(seeded_url: str) -> None:
    status, preview, *downloads = client(seeded_url).predict("football transfer fees", api_name="/brief")

    assert "nothing on" in status and "football transfer fees" in status
    assert preview == ""
    assert all(_download_path(d) in (None, "") for d in downloads)


def _download_path(update: Any) -> str | None:
    """The file a DownloadButton update offers, however gradio_client shapes it."""
    value = update.get("value") if isinstance(update, dict) and "__type__" in update else update
    if isinstance(value, dict):
        return value.get("path") or value.get("url")
    return value


def test_a_follow_up_is_read_with_the_previous_turn_and_the_chat_says_how(seeded_url: str) -> None:
    app = client(seeded_url)
    ask(app, "Who was the Nvidia boss in Beijing?")

    history = ask(app, "Why was he there?")[-1]

    assert history[-2]["role"] == "user"
    asked = view.plain_text(view.message_text(history[-2]["content"]))
    assert "Why was he there?" in asked
    read_as = asked.split("Read as:", 1)[1].strip()
    assert read_as == "Why was Jensen Huang there?"
    assert "Jensen Huang" in last_answer(history)


def test_a_question_that_stands_alone_after_another_is_not_rewritten(seeded_url: str) -> None:
    app = client(seeded_url)
    ask(app, "Who was the Nvidia boss in Beijing?")

    history = ask(app, "Which Nvidia chip was cleared for sale to Chinese firms?")[-1]

    assert "Read as:" not in view.plain_text(view.message_text(history[-2]["content"]))
