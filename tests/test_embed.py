"""The ONNX MiniLM encoder: sentence-transformers' vectors (fp32) or near them (int8), unit length, offline."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from index.chunk import chunk_document
from index.embed import (
    BATCH_TOKENS,
    DIMENSION,
    MAX_SEQ_LENGTH,
    Embedder,
    default_model_dir,
    load_in_background,
    open_embedder,
)
from index.load import load_paths
from index.onnx_export import export_path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
QUESTIONS = [
    "Which Nvidia chip was cleared for sale to Chinese firms?",
    "Who was the Nvidia boss in Beijing?",
    "What year did US restrictions on chip sales to China begin?",
    "What is the capital of Australia?",
    "H200",
    "AI safety protocol",
    "Why does Bessent think the US can negotiate from strength?",
    "what we don't know yet",
]


def cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def seed_texts(embedder: Embedder) -> list[str]:
    documents = load_paths([SEEDS]).documents
    paragraphs = [p.text for d in documents for p in chunk_document(d, count_tokens=embedder.count_tokens)]
    longest = max((d.text for d in documents), key=len)  # well past the window: both sides must truncate alike
    return [*paragraphs, longest]


@pytest.fixture(scope="module")
def fp32(embedder: Embedder, model_cache: Path) -> Embedder:
    return embedder if embedder.encoder == "onnx-fp32" else Embedder(encoder="onnx-fp32", cache_dir=model_cache)


@pytest.fixture(scope="module")
def int8(embedder: Embedder, model_cache: Path) -> Embedder:
    return embedder if embedder.encoder == "onnx-int8" else Embedder(encoder="onnx-int8", cache_dir=model_cache)


@pytest.mark.slow  # importing torch and sentence-transformers takes 10-25 s on two cores
def test_fp32_vectors_match_sentence_transformers_on_the_seeds_and_on_questions(
    fp32: Embedder, seed_texts: list[str]
) -> None:
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(default_model_dir()), device="cpu")
    texts = seed_texts + QUESTIONS

    expected = reference.encode(texts, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
    actual = fp32.embed(texts)

    similarity = cosine(actual, expected)
    worst = int(np.argmin(similarity))
    assert similarity[worst] >= 0.9999, f"{similarity[worst]:.6f} for {texts[worst][:80]!r}"


def test_int8_vectors_stay_within_a_cosine_of_0_98_of_fp32(
    fp32: Embedder, int8: Embedder, seed_texts: list[str]
) -> None:
    # Default dynamic quantization (per tensor, every op) fell to 0.83-0.95 here (GOTCHAS.md).
    texts = seed_texts + QUESTIONS

    similarity = cosine(int8.embed(texts), fp32.embed(texts))

    worst = int(np.argmin(similarity))
    assert similarity[worst] >= 0.98, f"{similarity[worst]:.6f} for {texts[worst][:80]!r}"


def test_int8_keeps_fp32s_nearest_seed_paragraph_in_its_top_three_for_each_question(
    fp32: Embedder, int8: Embedder, seed_texts: list[str]
) -> None:
    # Top-3, not top-1: two seed paragraphs sit 0.008 apart for the restrictions question, a tie int8 may flip.
    def ranked(encoder: Embedder) -> np.ndarray:
        return np.argsort(-(encoder.embed(QUESTIONS) @ encoder.embed(seed_texts).T), axis=1)

    exact, quantized = ranked(fp32), ranked(int8)

    assert all(exact[q, 0] in quantized[q, :3] for q in range(len(QUESTIONS)))


def test_the_export_is_built_once_and_reused(model_cache: Path, int8: Embedder) -> None:
    built = export_path(default_model_dir(), model_cache, "onnx-int8")
    before = built.stat().st_mtime_ns

    again = Embedder(encoder="onnx-int8", cache_dir=model_cache)

    assert again.path == built
    assert built.stat().st_mtime_ns == before


def test_a_fresh_cache_folder_gets_a_working_export_from_the_packaged_weights(tmp_path: Path) -> None:
    fresh = Embedder(encoder="onnx-fp32", cache_dir=tmp_path / "models")

    assert fresh.path.parent == tmp_path / "models"
    assert [p.name for p in (tmp_path / "models").iterdir()] == [fresh.path.name]  # no half-written files left
    assert fresh.embed(["hello"]).shape == (1, 384)


def test_an_unknown_encoder_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="BRIEFING_ENCODER"):
        Embedder(encoder="numpy", cache_dir=tmp_path)


@pytest.fixture(scope="module")
def question_vectors(embedder: Embedder) -> np.ndarray:
    return embedder.embed(QUESTIONS)


def test_each_text_gets_one_unit_length_float32_row_of_384(question_vectors: np.ndarray) -> None:
    assert question_vectors.shape == (len(QUESTIONS), DIMENSION) == (len(QUESTIONS), 384)
    assert question_vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(question_vectors, axis=1), 1.0, atol=1e-5)


def test_rows_come_back_in_the_order_the_texts_were_given(embedder: Embedder, question_vectors: np.ndarray) -> None:
    # The encoder sorts by length inside; the caller must not see it.
    reversed_vectors = embedder.embed(QUESTIONS[::-1])

    np.testing.assert_allclose(reversed_vectors[::-1], question_vectors, atol=1e-5)


@pytest.mark.parametrize("encoder", ["onnx-int8", "onnx-fp32"])
def test_a_texts_vector_does_not_depend_on_the_batch_it_is_in(encoder: str, model_cache: Path) -> None:
    # Regression: int8 batched texts shared one activation scale, moving a vector to cosine 0.992 of itself.
    embedder = Embedder(encoder=encoder, cache_dir=model_cache)
    short = "Who was the Nvidia boss in Beijing?"
    long = " ".join(["The protocol is framed around best practices for AI safety."] * 12)

    alone = embedder.embed([short])
    padded = embedder.embed([long, short, "Hi"])[1:2]

    assert cosine(alone, padded)[0] >= 0.99999


def test_fp32_batches_hold_at_most_the_token_budget_and_every_text_once(fp32: Embedder) -> None:
    # Sorted lengths: many short texts share a batch, a long one is alone, one past the budget still runs.
    lengths = [8] * 100 + [200, 300, 2 * BATCH_TOKENS]
    order = list(range(len(lengths)))

    batches = fp32._batches(lengths, order)

    assert [i for batch in batches for i in batch] == order
    assert all(len(batch) == 1 or len(batch) * lengths[batch[-1]] <= BATCH_TOKENS for batch in batches)
    assert len(batches[0]) == BATCH_TOKENS // 8  # the short ones are not cut into batches of a fixed count
    assert batches[-1] == [len(lengths) - 1]


@pytest.mark.parametrize("encoder", ["onnx-int8", "onnx-fp32"])
def test_batches_run_side_by_side_on_the_workers_threads_give_the_vectors_one_thread_gives(
    encoder: str, model_cache: Path, seed_texts: list[str]
) -> None:
    one = Embedder(encoder=encoder, cache_dir=model_cache)
    two = Embedder(encoder=encoder, cache_dir=model_cache, workers=2)
    ran_on: list[str] = []
    session_run = two._session.run

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        ran_on.append(threading.current_thread().name)
        return session_run(*args, **kwargs)

    two._session.run = recording  # type: ignore[method-assign]

    side_by_side = two.embed(seed_texts)

    assert np.array_equal(side_by_side, one.embed(seed_texts))
    assert len(ran_on) > 1 and all(name.startswith("briefing-encode") for name in ran_on)


def test_a_question_is_one_batch_and_starts_no_worker_threads(model_cache: Path) -> None:
    two = Embedder(cache_dir=model_cache, workers=2)

    two.embed(["Who was the Nvidia boss in Beijing?"])

    assert "_pool" not in two.__dict__  # the pool is made on the first call with more than one batch


def test_workers_below_one_are_refused_naming_the_setting(model_cache: Path) -> None:
    with pytest.raises(ValueError, match="BRIEFING_ENCODER_WORKERS"):
        Embedder(cache_dir=model_cache, workers=0)


def test_a_paraphrase_is_nearer_than_an_unrelated_sentence(embedder: Embedder) -> None:
    question, paraphrase, unrelated = embedder.embed(
        [
            "Which Nvidia chip was cleared for sale to Chinese firms?",
            "Washington cleared sales of Nvidia H200 AI chips to several major Chinese technology firms.",
            "Canberra is a planned city with many parks and lakes.",
        ]
    )

    assert question @ paraphrase > question @ unrelated + 0.2


def test_text_beyond_the_models_window_does_not_change_the_vector(embedder: Embedder) -> None:
    words = " ".join(f"harbour{i}" for i in range(400))
    assert embedder.count_tokens(words) > MAX_SEQ_LENGTH

    first, second = embedder.embed([words, words + " and an entirely different ending about bananas"])

    assert float(first @ second) >= 0.99999


def test_embedding_no_texts_gives_an_empty_matrix_of_384_columns(embedder: Embedder) -> None:
    vectors = embedder.embed([])

    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


@pytest.mark.parametrize(
    ("text", "pieces"),
    [
        ("", 2),  # [CLS] [SEP]
        ("hello", 3),
        ("hello world", 4),
        ("H200", 4),  # h ##200: word pieces, not words
    ],
)
def test_count_tokens_counts_word_pieces_with_cls_and_sep(embedder: Embedder, text: str, pieces: int) -> None:
    assert embedder.count_tokens(text) == pieces


def test_count_tokens_is_not_truncated_at_the_models_window(embedder: Embedder) -> None:
    assert embedder.count_tokens(" ".join(["word"] * 600)) == 602


def test_a_missing_model_folder_raises_file_not_found_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no-model-here"

    with pytest.raises(FileNotFoundError, match=str(missing)):
        Embedder(missing)


def test_the_default_model_folder_ships_in_the_installed_package() -> None:
    folder = default_model_dir()

    assert (folder / "model.safetensors").is_file()
    assert (folder / "tokenizer.json").is_file()


def test_an_encoder_loaded_in_the_background_is_the_one_open_embedder_hands_back(
    model_cache: Path, embedder: Embedder
) -> None:
    load_in_background(None, cache_dir=model_cache)

    loaded = open_embedder(None, cache_dir=model_cache)

    assert isinstance(loaded, Embedder) and loaded is not embedder
    assert np.allclose(loaded.embed(QUESTIONS[:2]), embedder.embed(QUESTIONS[:2]), atol=1e-6)
    assert open_embedder(None, cache_dir=model_cache) is not loaded  # taken once; the next call builds its own


def test_a_background_load_that_fails_raises_when_the_encoder_is_opened(tmp_path: Path) -> None:
    load_in_background(tmp_path / "no-model-here", cache_dir=tmp_path / "cache")

    with pytest.raises(FileNotFoundError, match="no-model-here"):
        open_embedder(tmp_path / "no-model-here", cache_dir=tmp_path / "cache")
