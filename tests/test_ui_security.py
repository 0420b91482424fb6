"""The chat app under hostile or unlucky use: login, bounds, upload names, and LLM questions that never end."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_settings
from gradio_client import Client, handle_file
from test_llm import Reply, ScriptedEndpoint
from test_ui_app import QUESTION, free_port, last_answer

from assistant import render_chat as view
from assistant.cli import exposure_warning
from assistant.library import Library
from assistant.ui import launch
from index.embed import Embedder


def library_with(tmp_path: Path, embedder: Embedder, seeded: Library | None = None, **settings: object) -> Library:
    data = seeded.settings.data_dir if seeded is not None else tmp_path / "data"
    library = Library(make_settings(data, **settings))
    library._embedder = embedder  # type: ignore[misc]
    return library


def serving(library: Library) -> Iterator[str]:
    demo = launch(library, port=free_port(), block=False)
    try:
        yield str(demo.local_url)
    finally:
        demo.close()


def client(url: str, **options: object) -> Client:
    return Client(url, verbose=False, download_files=False, **options)  # type: ignore[arg-type]


# --- login (issue 10, item 6) ----------------------------------------------------------------


@pytest.fixture
def guarded_url(tmp_path: Path, embedder: Embedder) -> Iterator[str]:
    logins = tmp_path / "logins"
    logins.write_text("# analysts\nbo:other-pass\n", encoding="utf-8")
    yield from serving(library_with(tmp_path, embedder, auth="ana:s3cret", auth_file=logins))


def test_with_briefing_auth_set_the_api_refuses_a_client_without_the_password(guarded_url: str) -> None:
    # Regression: anyone who could reach the port could remove documents.
    with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a bare ValueError or an httpx error
        client(guarded_url).predict(api_name="/documents")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(guarded_url + "gradio_api/info", timeout=10)
    assert refused.value.code in (401, 403)
    with pytest.raises(Exception):  # noqa: B017
        client(guarded_url, auth=("ana", "wrong")).predict(api_name="/documents")


def test_with_briefing_auth_set_each_login_from_the_setting_or_the_file_gets_in(guarded_url: str) -> None:
    for login in (("ana", "s3cret"), ("bo", "other-pass")):
        summary, _table, _choices = client(guarded_url, auth=login).predict(api_name="/documents")
        assert summary.startswith("**Nothing is indexed yet.**")


@pytest.mark.parametrize("bad", ["ana", "ana:", ":pw"])
def test_a_malformed_login_setting_is_refused_naming_the_setting(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="BRIEFING_AUTH: expected user:password"):
        make_settings(tmp_path, auth=bad).credentials()


@pytest.mark.parametrize(
    ("host", "login", "warned"),
    [
        ("127.0.0.1", False, False),
        ("localhost", False, False),
        ("::1", False, False),
        ("0.0.0.0", False, True),
        ("192.168.1.20", False, True),
        ("example.org", False, True),
        ("0.0.0.0", True, False),
    ],
)
def test_serving_beyond_loopback_without_a_login_prints_a_warning(host: str, login: bool, warned: bool) -> None:
    warning = exposure_warning(host, login)
    assert (warning is not None) == warned
    if warning:
        assert host in warning and "BRIEFING_AUTH" in warning


# --- bounds and upload names (issue 10, items 5 and 6) ----------------------------------------


@pytest.fixture
def small_app(tmp_path: Path, embedder: Embedder) -> Iterator[tuple[str, Library]]:
    library = library_with(tmp_path, embedder, max_uploads=3, max_question_chars=200, max_file_mb=0.001)
    for url in serving(library):
        yield url, library


def test_two_uploads_with_one_name_are_both_kept_and_the_second_is_renamed_and_says_so(
    small_app: tuple[str, Library], tmp_path: Path
) -> None:
    # Regression: the report said the first dup.txt was added and the second failed, but the second's text was kept.
    url, library = small_app
    first, second = tmp_path / "one" / "dup.txt", tmp_path / "two" / "dup.txt"
    for file, text in ((first, "The first memo approves the dam."), (second, "The second memo rejects the dam.")):
        file.parent.mkdir()
        file.write_text(text + "\n", encoding="utf-8")

    report, _ = client(url).predict([handle_file(str(first)), handle_file(str(second))], api_name="/upload")

    text = view.plain_text(report)
    assert "dup.txt was saved as dup-2.txt" in text and "2 files indexed" in text
    kept = {d.id: library.document_text(d.id) for d in library.documents()}
    assert kept == {
        "uploads/dup.txt": "The first memo approves the dam.\n",
        "uploads/dup-2.txt": ("The second memo rejects the dam.\n"),
    }


def test_uploading_the_same_file_again_keeps_its_name_and_indexes_nothing_new(
    small_app: tuple[str, Library], tmp_path: Path
) -> None:
    url, library = small_app
    memo = tmp_path / "memo.txt"
    memo.write_text("The memo approves the dam.\n", encoding="utf-8")
    app = client(url)
    app.predict([handle_file(str(memo))], api_name="/upload")

    report, _ = app.predict([handle_file(str(memo))], api_name="/upload")

    assert "uploads/memo.txt: already indexed" in view.plain_text(report)
    assert [d.id for d in library.documents()] == ["uploads/memo.txt"]


def test_more_files_than_the_upload_bound_are_refused_whole_with_the_setting_named(
    small_app: tuple[str, Library], tmp_path: Path
) -> None:
    url, library = small_app
    files = []
    for n in range(4):
        (tmp_path / f"m{n}.txt").write_text(f"Memo {n} approves dam number {n}.\n", encoding="utf-8")
        files.append(handle_file(str(tmp_path / f"m{n}.txt")))

    report, _ = client(url).predict(files, api_name="/upload")

    assert "4 files is more than 3 in one upload" in view.plain_text(report) and "BRIEFING_MAX_UPLOADS" in report
    assert library.documents() == []


def test_an_upload_over_the_size_bound_is_named_with_the_limit_and_not_kept(
    small_app: tuple[str, Library], tmp_path: Path
) -> None:
    url, library = small_app
    big = tmp_path / "big.txt"
    big.write_text("Big memo\n" + "The dam holds for now. " * 100, encoding="utf-8")

    report, _ = client(url).predict([handle_file(str(big))], api_name="/upload")

    assert "big.txt was not indexed" in view.plain_text(report) and "BRIEFING_MAX_FILE_MB" in report
    assert library.documents() == []
    assert not (library.settings.data_dir / "uploads" / library.collection / "uploads" / "big.txt").exists()


def test_a_question_over_the_length_bound_is_refused_with_the_limit_and_never_echoed(
    small_app: tuple[str, Library],
) -> None:
    # Regression: a 5 MB question took 32 s and was echoed in every streamed update.
    url, _library = small_app
    job = client(url).submit("why " * 500, 5, "extractive", api_name="/ask")
    with pytest.raises(Exception, match="the limit is 200") as refused:  # gradio_client's AppError
        job.result(timeout=60)
    assert "why why" not in str(refused.value)
    assert all("why why" not in str(o) for o in job.outputs())


# --- LLM questions never starve extractive ones (issue 10, item 4) ----------------------------


@pytest.fixture
def trickling() -> Iterator[ScriptedEndpoint]:
    server = ScriptedEndpoint()
    server._thread.start()
    yield server
    server._server.shutdown()
    server._server.server_close()


def test_questions_to_a_trickling_llm_leave_extractive_questions_answered_at_once(
    seeded_library: Library, embedder: Embedder, tmp_path: Path, trickling: ScriptedEndpoint
) -> None:
    # Regression: four such questions held all four chat slots and every extractive question waited behind them.
    trickling.script(*[Reply("Never finished.", trickle=0.5)] * 6)
    library = library_with(
        tmp_path,
        embedder,
        seeded_library,
        llm_base_url=trickling.base_url,
        llm_model="slow",
        llm_timeout=20.0,
        llm_max_retries=0,
        llm_concurrency=4,
    )
    for url in serving(library):
        llm_jobs = [client(url).submit(QUESTION, 5, "llm", api_name="/ask") for _ in range(5)]
        time.sleep(2.0)  # the LLM questions are all waiting on the endpoint now
        began = time.monotonic()
        history = client(url).submit(QUESTION, 5, "extractive", api_name="/ask").result(timeout=60)[0]
        waited = time.monotonic() - began
        finals = [last_answer(job.result(timeout=60)[0]) for job in llm_jobs]

    assert waited < 8.0, f"the extractive question waited {waited:.1f} s behind LLM questions"
    assert view.plain_text(seeded_library.ask(QUESTION).text)[:40] in view.plain_text(last_answer(history))
    busy = [f for f in finals if "the LLM is busy" in f]
    assert len(busy) == 1, "the fifth LLM question should be answered extractively at once, with a note"
    assert sum("timeout after 20 s" in f for f in finals) == 4


def test_an_llm_slot_is_given_back_when_its_question_ends(
    seeded_library: Library, embedder: Embedder, tmp_path: Path, trickling: ScriptedEndpoint
) -> None:
    trickling.script(Reply("too late", delay=3.0), Reply("too late", delay=3.0))
    library = library_with(
        tmp_path,
        embedder,
        seeded_library,
        llm_base_url=trickling.base_url,
        llm_model="slow",
        llm_timeout=1.0,
        llm_max_retries=0,
        llm_concurrency=1,
    )
    for url in serving(library):
        finals = [last_answer(client(url).predict(QUESTION, 5, "llm", api_name="/ask")[0]) for _ in range(2)]
    assert all("timeout after 1 s" in f and "busy" not in f for f in finals)
