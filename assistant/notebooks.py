"""The notebook registry: named corpora, each with its folder (or uploads) and its own Chroma collection."""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.settings import Settings
from index.store import collection_name

REGISTRY_FILE = "notebooks.json"  # in the data folder, beside the Chroma store
_NAME = re.compile(r"^[\w][\w .-]{0,59}$")


class NotebookError(ValueError):
    """A notebook name that is unknown, malformed or already taken; the message says what to do."""


@dataclass(frozen=True)
class Notebook:
    """A named corpus: the folder it indexes (None: uploads only), its collection, its own settings."""

    name: str
    collection: str
    folder: str | None = None
    created: str = ""
    top_k: int | None = None  # passages per question in this notebook; None: BRIEFING_TOP_K
    default: bool = False

    def settings(self, base: Settings) -> Settings:
        """The Settings of this notebook: the base ones with its collection, folder and own values."""
        update: dict[str, object] = {"collection": self.collection}
        if self.folder:
            update["corpus_dir"] = Path(self.folder)
        if self.top_k:
            update["top_k"] = self.top_k
        return base.model_copy(update=update)


class Notebooks:
    """The notebooks of one data folder: the default (BRIEFING_COLLECTION, BRIEFING_CORPUS_DIR) and those made."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.path = settings.data_dir / REGISTRY_FILE
        self._lock = threading.Lock()

    @property
    def default(self) -> Notebook:
        s = self.settings
        return Notebook(s.collection, s.collection, str(s.corpus_dir.resolve()), default=True)

    def all(self) -> list[Notebook]:
        """The default notebook first, then the others by name."""
        made = sorted(self._read().values(), key=lambda n: n.name.lower())
        return [self.default, *(n for n in made if n.name != self.default.name)]

    def get(self, name: str) -> Notebook:
        found = next((n for n in self.all() if n.name == name), None)
        if found is None:
            known = ", ".join(n.name for n in self.all())
            raise NotebookError(f"no notebook named {name!r}; known: {known} (see `briefing notebooks`)")
        return found

    def for_folder(self, folder: Path, name: str | None = None) -> tuple[Notebook, bool]:
        """The notebook that indexes this folder (named after it unless name is given), made if new; (it, made)."""
        folder = folder.resolve()
        if folder == self.settings.corpus_dir.resolve() and name in (None, self.default.name):
            return self.default, False
        explicit = name is not None
        name = name or folder.name
        existing = next((n for n in self.all() if n.name == name), None)
        if existing is not None:
            # A notebook named only after the folder must be that folder's: two "docs" folders never mix
            # silently. Naming the notebook (--notebook) is asking to add this folder to it.
            if not explicit and existing.folder and Path(existing.folder) != folder:
                raise NotebookError(
                    f"notebook {name!r} indexes {existing.folder}, not {folder}; "
                    "pass --notebook with another name to give this folder its own notebook"
                )
            return existing, False
        return self.create(name, folder), True

    def create(self, name: str, folder: Path | None = None) -> Notebook:
        """A new notebook with a collection of its own; NotebookError when the name is bad or taken."""
        name = " ".join(name.split())
        if not _NAME.match(name):
            raise NotebookError(
                f"notebook name {name!r} is not valid: use 1-60 letters, digits, spaces, '.', '_' or '-'"
            )
        with self._lock:
            made = self._read()
            if name in made or name == self.default.name:
                raise NotebookError(f"a notebook named {name!r} exists already; choose another name")
            # Collections never mix: a name whose collection is taken gets a numbered one.
            taken = {n.collection for n in made.values()} | {self.default.collection}
            base = collection_name(f"nb-{name}")
            collection, n = base, 2
            while collection in taken:
                collection, n = f"{base}-{n}", n + 1
            created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            notebook = Notebook(name, collection, str(folder.resolve()) if folder else None, created)
            made[name] = notebook
            self._write(made)
        return notebook

    def _read(self) -> dict[str, Notebook]:
        if not self.path.exists():
            return {}
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return {row["name"]: Notebook(**row) for row in rows}
        except (ValueError, TypeError, KeyError) as error:
            raise NotebookError(f"{self.path} is unreadable ({error}); fix or remove it") from error

    def _write(self, notebooks: dict[str, Notebook]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rows = [asdict(n) for n in notebooks.values()]
        partial = self.path.with_suffix(".json.tmp")
        partial.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)  # a crash mid-write leaves the old registry, never half of one
