"""`briefing index` beside a running app: the embedded store is claimed by one process; a Chroma server takes many."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEEDS, make_settings

from assistant.library import Library, StoreInUse
from index.embed import Embedder

BRIEFING = Path(sys.executable).parent / "briefing"
CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def briefing(*args: str, env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BRIEFING), *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout
    )


def memo(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "harbour.txt").write_text(
        "Harbour memo\n\nThe Quillon harbour board approved a second breakwater on 4 May 2025.\n", encoding="utf-8"
    )
    return folder


# --- the embedded store: one process at a time (issue 10, item 7) ------------------------------


def test_briefing_index_fails_at_once_naming_the_app_that_holds_the_embedded_store(tmp_path: Path) -> None:
    # Regression: index beside serve on one embedded store left the app listing a document it could not retrieve.
    serving = Library(make_settings(tmp_path / "data"))
    serving.claim_store("serve")

    began = time.monotonic()
    result = briefing("index", str(memo(tmp_path / "corpus")), env={"BRIEFING_DATA_DIR": str(tmp_path / "data")})
    took = time.monotonic() - began

    assert result.returncode == 2, result.stderr
    assert f"briefing serve (pid {os.getpid()})" in result.stderr and "BRIEFING_CHROMA_HOST" in result.stderr
    assert took < 30
    assert serving.documents() == []


def test_the_claim_goes_with_the_process_that_held_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    held = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from conftest import make_settings; from assistant.library import Library\n"
            f"Library(make_settings(__import__('pathlib').Path({str(data)!r}))).claim_store('serve')\n"
            "import time; print('held', flush=True); time.sleep(60)",
        ],
        cwd=Path(__file__).parent,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert held.stdout is not None and held.stdout.readline().strip() == "held"
    with pytest.raises(StoreInUse, match="briefing serve"):
        Library(make_settings(data)).claim_store("index")
    held.kill()
    held.wait()

    Library(make_settings(data)).claim_store("index")  # no stale lock after kill -9


# --- a Chroma server: index from one process while another serves (issue 10, item 7) ----------


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[int]:
    """A real `chroma run` on 127.0.0.1, as the README tells a user to start it."""
    assert CHROMA.exists() and shutil.which(str(CHROMA))
    port = free_port()
    server = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "chroma-server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2)
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "chroma run did not start"
                time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_with_a_chroma_server_a_document_indexed_by_another_process_is_answerable_at_once(
    tmp_path: Path, embedder: Embedder, chroma_server: int
) -> None:
    settings = {"chroma_host": "127.0.0.1", "chroma_port": chroma_server}
    serving = Library(make_settings(tmp_path / "app", **settings))
    serving._embedder = embedder  # type: ignore[misc]
    serving.claim_store("serve")  # nothing to claim with a server: another process may write
    assert serving.index([SEEDS]).ok
    before = serving.ask("Who approved a second breakwater?")

    env = {"BRIEFING_DATA_DIR": str(tmp_path / "indexer"), "BRIEFING_CHROMA_HOST": "127.0.0.1"}
    result = briefing("index", str(memo(tmp_path / "corpus")), env={**env, "BRIEFING_CHROMA_PORT": str(chroma_server)})
    after = serving.ask("Who approved a second breakwater?")

    assert result.returncode == 0, result.stderr
    assert "Quillon" not in before.text
    assert "corpus/harbour.txt" in {d.id for d in serving.documents()}
    assert "Quillon harbour board approved a second breakwater" in after.text
    assert after.citations[0].paragraph.doc_id == "corpus/harbour.txt"
