"""What every tab of the page shares: one Library per notebook, the write lock, download folders."""

from __future__ import annotations

import secrets
import shutil
import threading
import time
from pathlib import Path

from assistant.library import Library
from assistant.notebooks import Notebook, Notebooks

DOWNLOAD_TTL_S = 24 * 3600  # a download folder older than a day has been fetched or forgotten


class Page:
    """One Library per notebook shared by every session; each session's notebook lives in gr.State, by name."""

    def __init__(self, library: Library) -> None:
        self.library = library  # the notebook the app was started on: every session opens on it
        self.notebooks = Notebooks(library.settings)
        self._libraries: dict[str, Library] = {library.collection: library}
        # Index writes (upload, remove, new notebook) from two sessions at once would interleave in the store.
        self.write_lock = threading.Lock()
        # LLM questions wait on a slow endpoint, not on CPU: at most llm_concurrency of them hold a chat
        # slot, so the others (chat_concurrency in all) stay free for extractive answers.
        self.llm_slots = threading.BoundedSemaphore(library.settings.llm_concurrency)
        # Downloads live under the data folder, in a folder named by a token the server draws itself:
        # nothing from a request (Gradio's session_hash is chosen by the client) ever becomes a path.
        self.exports = library.settings.data_dir / "exports"

    @property
    def start_notebook(self) -> str:
        """The notebook a new session opens on: the one whose collection the app was started with."""
        found = next((n for n in self.notebooks.all() if n.collection == self.library.collection), None)
        return found.name if found else self.library.collection

    def notebook(self, name: str | None) -> Notebook | None:
        return next((n for n in self.notebooks.all() if n.name == name), None)

    def library_for(self, name: str | None) -> Library:
        """The Library of a notebook (the start one for an unknown name); one per notebook, one model for all."""
        notebook = self.notebook(name)
        if notebook is None or notebook.collection == self.library.collection:
            return self.library
        with self.write_lock:
            if notebook.collection not in self._libraries:
                settings = notebook.settings(self.library.settings)
                self._libraries[notebook.collection] = Library(settings, embedder=self.library.embedder())
            return self._libraries[notebook.collection]

    def upload_root(self, library: Library) -> Path:
        # Uploads get ids "uploads/<name>" (relative to this root), so they never replace a source
        # indexed from a folder under the same file name.
        return library.settings.data_dir / "uploads" / library.collection

    def notebook_choices(self) -> list[tuple[str, str]]:
        return [(n.name, n.name) for n in self.notebooks.all()]

    def download_folder(self, kind: str) -> Path:
        """A new folder for one download, at <data_dir>/exports/<kind>/<random token>/; old ones are pruned."""
        parent = self.exports / kind
        parent.mkdir(parents=True, exist_ok=True)
        stale = time.time() - DOWNLOAD_TTL_S
        for old in parent.iterdir():
            if old.is_dir() and not old.is_symlink() and old.stat().st_mtime < stale:
                shutil.rmtree(old, ignore_errors=True)
        folder = parent / secrets.token_hex(16)
        folder.mkdir()
        return folder
