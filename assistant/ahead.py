"""The library's encoder behind a table of vectors made ahead of time (uploads embed before the write lock)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from index.embed import Embedder

PROGRESS_EVERY = 2000  # texts embedded between two progress lines of a large file (~40 s on 2 cores)


class AheadEmbedder(Embedder):
    """The library's model behind a text -> vector table filled ahead of time, with progress for large files.

    A subclass that shares the model instead of loading one: ingest() sees an Embedder like any other.
    """

    def __init__(
        self,
        model: Embedder,
        ahead: dict[str, np.ndarray],
        progress_chars: int,
        notice: Callable[[str], None] | None,
        current: Callable[[], str],
    ) -> None:
        self._model, self._ahead, self._progress_chars = model, ahead, progress_chars
        self._notice, self._current = notice, current
        self.encoder = model.encoder  # the store records which encoder wrote its vectors

    def count_tokens(self, text: str) -> int:
        return self._model.count_tokens(text)

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._ahead]
        found: dict[str, np.ndarray] = {}
        large = sum(len(t) for t in missing) > self._progress_chars
        for begin in range(0, len(missing), PROGRESS_EVERY if large else max(len(missing), 1)):
            part = missing[begin : begin + PROGRESS_EVERY] if large else missing
            found.update(zip(part, self._model.embed(part), strict=True))
            if large and self._notice:
                self._notice(f"embedding {self._current()}: {len(found):,} of {len(missing):,} texts")
        if not texts:
            return self._model.embed(texts)
        return np.stack([self._ahead[t] if t in self._ahead else found[t] for t in texts])
