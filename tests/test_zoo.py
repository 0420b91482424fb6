"""`briefing index` over the bad-file zoo (tests/fixtures/make_zoo.py): every file named, nothing lost, exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import make_settings
from fixtures.make_zoo import ZOO, make_zoo

from assistant.library import Library

BRIEFING = Path(sys.executable).parent / "briefing"


def index(corpus: Path, data: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BRIEFING_DATA_DIR": str(data), "BRIEFING_CORPUS_DIR": str(corpus), "COLUMNS": "400"}
    env["BRIEFING_MAX_FILE_MB"] = "0.05"
    # A FIFO opened for reading blocks for ever: the timeout turns that hang into a failure.
    return subprocess.run([str(BRIEFING), "index"], env=env, capture_output=True, text=True, timeout=300)


def test_every_file_of_the_zoo_is_indexed_or_named_with_its_reason_and_the_run_exits_1(tmp_path: Path) -> None:
    sockets = make_zoo(tmp_path / "corpus", tmp_path / "outside")
    try:
        first = index(tmp_path / "corpus", tmp_path / "data")
        second = index(tmp_path / "corpus", tmp_path / "data")
    finally:
        for s in sockets:
            s.close()

    assert len({kind for kind in ZOO.values()}) >= 15
    assert first.returncode == 1, first.stderr
    lines = first.stderr.splitlines()
    indexed = {d.id for d in Library(make_settings(tmp_path / "data")).documents()}
    for name, expected in ZOO.items():
        if expected == "indexed":
            assert name in indexed, f"{name!r} was lost"
            continue
        shown = name.replace("\n", "\\n")
        named = [line for line in lines if f"/corpus/{shown}:" in line]
        assert len(named) == 1, f"{name!r} should get exactly one line, got {named}"
        assert expected in named[0], named[0]
    assert indexed == {n for n, e in ZOO.items() if e == "indexed"}
    assert all("root:x" not in line for line in first.stdout.splitlines())
    # Nothing lost on a second run either: the good files are unchanged, the bad ones named again.
    assert second.returncode == 1
    assert f"0 added, 0 updated, {len(indexed)} unchanged, 0 removed" in second.stdout


def test_briefing_index_of_a_fifo_named_on_the_command_line_fails_at_once(tmp_path: Path) -> None:
    # Regression: `briefing index pipe.txt` hung for ever in open().
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    env = {**os.environ, "BRIEFING_DATA_DIR": str(tmp_path / "data")}

    result = subprocess.run([str(BRIEFING), "index", str(fifo)], env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 1
    assert f"{fifo}: a FIFO (named pipe), not a regular file" in result.stderr
