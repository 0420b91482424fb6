"""SQuAD 2.0 articles -> corpus files and eval cases; shared by the held-out suite and the answerer's training."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# ../shared beside the checkout (a worktree sits one folder deeper, hence the second candidate).
SHARED = next(
    (p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()), REPO.parent / "shared"
)
SQUAD = SHARED / "data" / "squad2" / "train-subset-v2.0.json"
# Held out of every fit and calibration: the CI gate scores them (evals/squad-heldout/).
HELD_OUT = ("The_Legend_of_Zelda:_Twilight_Princess", "To_Kill_a_Mockingbird")


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: tuple[dict, ...]  # SQuAD's {"context", "qas"} objects

    @property
    def file_name(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.title).strip("_") + ".txt"

    def text(self) -> str:
        """Title line, then the paragraphs separated by blank lines: what the indexer reads."""
        return self.title.replace("_", " ") + "\n\n" + "\n\n".join(p["context"].strip() for p in self.paragraphs) + "\n"


def articles(path: Path = SQUAD) -> list[Article]:
    if not path.exists():
        raise SystemExit(f"{path} not found: the SQuAD 2.0 subset lives in ../shared/data/squad2/ beside the repo")
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    return [Article(a["title"], tuple(a["paragraphs"])) for a in data]


def indexed(chosen: list[Article], scratch: Path, collection: str, **settings: object):  # type: ignore[no-untyped-def]
    """A Library over the articles, written as one text file each into scratch/corpus and indexed there;
    settings are any Settings fields to set besides the folders."""
    from assistant.library import Library
    from assistant.settings import Settings

    corpus = scratch / "corpus"
    corpus.mkdir()
    for article in chosen:
        (corpus / article.file_name).write_text(article.text(), encoding="utf-8")
    values = {"data_dir": scratch / "data", "corpus_dir": corpus, **settings}
    library = Library(Settings(_env_file=None, **values), collection)  # type: ignore[call-arg]
    library.index([corpus], root=corpus)
    return library


def cases(article: Article) -> Iterator[dict]:
    """Eval cases in evals/questions.jsonl's format; evidence is the sentence that holds the answer."""
    from index.text import sentence_spans

    for paragraph in article.paragraphs:
        context = paragraph["context"].strip()
        lead = len(paragraph["context"]) - len(paragraph["context"].lstrip())
        spans = sentence_spans(context)
        for qa in paragraph["qas"]:
            question = " ".join(qa["question"].split())
            if not question:
                continue
            if qa["is_impossible"]:
                yield {"id": qa["id"], "question": question, "answerable": False, "tags": ["unanswerable"]}
                continue
            answer = qa["answers"][0]
            start = answer["answer_start"] - lead
            evidence = next((context[s:e] for s, e in spans if s <= start < e), context)
            if answer["text"] not in evidence:  # the answer runs across a sentence boundary
                first = next(s for s, e in spans if s <= start < e)
                last = next((e for s, e in spans if s < start + len(answer["text"]) <= e), len(context))
                evidence = context[first:last]
            yield {
                "id": qa["id"],
                "question": question,
                "answers": sorted({a["text"] for a in qa["answers"]}),
                "evidence": [evidence],
                "answerable": True,
                "tags": [question.split()[0].lower()],
            }
