"""What the command line's commands share: the two consoles, settings and the library, each exiting 2 with one line."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # `briefing --help` imports neither the store (chromadb) nor pydantic: commands import them
    from assistant.settings import Settings

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def settings_or_exit() -> Settings:
    from assistant.settings import Settings

    try:
        return Settings()
    except Exception as error:  # pydantic's ValidationError names the field and the value
        err.print(f"[red]error:[/red] bad setting: {escape(str(error))}")
        raise typer.Exit(2) from error


def wants_llm(library, mode: str | None) -> bool:  # type: ignore[no-untyped-def]
    """True when the command is to use the LLM; exits 2 with a clear line when none is configured."""
    if (mode or library.settings.answer_mode) != "llm":
        return False
    if not library.settings.llm_enabled:
        err.print("[red]error:[/red] --mode llm needs BRIEFING_LLM_MODEL (and, for a local server, a base URL)")
        raise typer.Exit(2)
    return True


def one_line(path: str) -> str:
    """A path with control characters (a newline in a file name) escaped, so that one file is one line."""
    return "".join(ch.encode("unicode_escape").decode("ascii") if ord(ch) < 32 or ord(ch) == 127 else ch for ch in path)


def claim_or_exit(library, command: str) -> None:  # type: ignore[no-untyped-def]
    """Hold the embedded store for this command, or exit 2 at once naming who holds it."""
    from assistant.library import StoreInUse

    try:
        library.claim_store(command)
    except StoreInUse as busy:
        err.print(f"[red]error:[/red] {escape(str(busy))}")
        raise typer.Exit(2) from busy


def load_encoder_meanwhile() -> Settings:
    """Build the encoder on the other core while the store's libraries import (index/embed.py); the settings read."""
    from index.embed import load_in_background

    s = settings_or_exit()
    load_in_background(s.model_dir, s.encoder, s.encoder_dir, threads=s.encoder_threads, workers=s.encoder_workers)
    return s


def library_for(  # type: ignore[no-untyped-def]
    collection: str | None = None, notebook: str | None = None, settings: Settings | None = None
):
    from assistant.library import Library

    settings = settings or settings_or_exit()
    if collection:
        return Library(settings, collection)
    return Library(notebook_or_exit(settings, notebook).settings(settings))


def notebook_or_exit(settings: Settings, name: str | None):  # type: ignore[no-untyped-def]
    """The named notebook (default: the seeds' one); exits 2 naming the known ones when there is none."""
    from assistant.notebooks import NotebookError, Notebooks

    registry = Notebooks(settings)
    try:
        return registry.get(name) if name else registry.default
    except NotebookError as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from error


NotebookOption = Annotated[
    str | None, typer.Option(help="Notebook to use, as `briefing notebooks` lists it (default: the seeds' notebook).")
]
