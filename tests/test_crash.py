"""Crash-safe ingest: `briefing index` killed with SIGKILL at any write step, then run again, reaches the same store."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from kill_points import HashingEmbedder, check_every_kill_point, open_store, run_ingest, write_corpus

from index.ingest import ingest


@pytest.mark.slow
def test_a_kill_at_any_write_step_then_a_rerun_reaches_the_uninterrupted_store(tmp_path: Path) -> None:
    rows = check_every_kill_point(tmp_path, batch=3, large=9)

    steps = {row["step"].split(" #")[0] for row in rows}
    assert steps == {"text", "begin", "excerpts", "paragraphs", "switch", "revision", "sweep", "settle", "unlist"}
    assert {"excerpts #2", "paragraphs #2"} <= {row["step"] for row in rows}  # a kill between two write batches
    assert [row["step"] for row in rows if not row["killed"]] == []
    assert [row["step"] for row in rows if not row["whole"]] == []  # between kill and re-run, no half document
    assert [(row["step"], row["differs"]) for row in rows if not row["equal"]] == []


def test_a_document_killed_before_its_switch_keeps_its_old_version_listed(tmp_path: Path) -> None:
    corpus, data = tmp_path / "corpus", tmp_path / "data"
    write_corpus(corpus, "a", large=4)
    run_ingest(data, corpus, batch=2)
    old = [p.text for p in open_store(data, 2).paragraphs("change.md")]
    write_corpus(corpus, "b", large=4)
    store = open_store(data, 2)

    def die_at_switch(step: str) -> None:
        if step == "switch":
            raise KeyboardInterrupt  # stands in for the kill: nothing after this step runs

    store.checkpoint = die_at_switch
    with pytest.raises(KeyboardInterrupt):
        ingest([corpus], store, HashingEmbedder)

    reader = open_store(data, 2)
    assert [p.text for p in reader.paragraphs("change.md")] == old
    assert {d.id: d.paragraphs for d in reader.documents()}["change.md"] == len(old)
    assert reader.paragraph_collection.count() > reader.count()  # the new rows are there, not yet live
    assert reader.recover() == ["change.md", "large.md", "new.md"]  # the three written in one batch
    assert reader.paragraph_collection.count() == reader.count()
