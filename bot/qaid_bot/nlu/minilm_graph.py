"""all-MiniLM-L6-v2 written out as an ONNX graph, from the weights of its safetensors file.

Why a graph and not NumPy: a live message is a handful of tokens, so the six-layer BERT is ~90 small
products, and in NumPy each costs a Python call and an OpenBLAS dispatch that is slow with few rows
(~10 ms a message, issue 15's text-turn latency). ONNX Runtime runs the same float32 network in one
call, with its own fused kernels (a dense layer and its bias in one Gemm, exact GELU in one op). The
operations are those of BERT as sentence-transformers runs it (embeddings, post-LayerNorm encoder
blocks with exact erf GELU, mean pooling over the mask, L2 normalisation), so the vectors agree with
the reference to float32 rounding and the classifiers trained on them need no retraining
(`tests/bot/test_sentence_encoder.py`).

Inputs: ``input_ids`` int64 [batch, length] (0-padded), ``mask`` float32 [batch, length] (1 for a
token, 0 for padding). Output: ``embedding`` float32 [batch, hidden], unit length.

Between the embeddings and the pooling the hidden states are kept flat, [batch * length, hidden]: ORT
fuses a 2-D MatMul and its bias Add into one Gemm and the GELU pattern into Gelu, which it did not do
for the 3-D form (measured interleaved, one thread, 3-40 tokens: p50 ~10% lower, vectors the same to
1e-7). Only attention reshapes to [batch, heads, length, head_dim].
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

__all__ = ["BertShape", "build_model"]

# LayerNormalization is in the default domain from opset 17; ORT 1.23 runs opsets up to 23.
OPSET = 17


@dataclass(frozen=True)
class BertShape:
    """The figures of config.json the graph needs."""

    layers: int
    heads: int
    hidden: int
    eps: float


@dataclass
class _Graph:
    """Nodes and initializers being collected; names are made unique by a counter."""

    w: dict[str, np.ndarray]
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    inits: list[onnx.TensorProto] = field(default_factory=list)
    count: int = 0

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        """Add one node and return the name of its (single) output."""
        self.count += 1
        out = f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def const(self, name: str, value: np.ndarray) -> str:
        """Add an initializer (a weight, or a small constant such as a shape)."""
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def weight(self, name: str, transpose: bool = False) -> str:
        """A tensor of the safetensors file; dense weights are stored (out, in) and MatMul wants (in, out)."""
        value = self.w[name]
        return self.const(name, value.T if transpose else value)

    def linear(self, x: str, prefix: str) -> str:
        """x @ W + b for flat x; ORT fuses the pair into one Gemm."""
        product = self.op("MatMul", x, self.weight(f"{prefix}.weight", transpose=True))
        return self.op("Add", product, self.weight(f"{prefix}.bias"))

    def layer_norm(self, x: str, prefix: str, eps: float) -> str:
        gamma, beta = self.weight(f"{prefix}.weight"), self.weight(f"{prefix}.bias")
        return self.op("LayerNormalization", x, gamma, beta, axis=-1, epsilon=eps)


def _embeddings(g: _Graph, shape: BertShape) -> str:
    """Word + position + token-type (always type 0) embeddings, then LayerNorm."""
    words = g.op("Gather", g.weight("embeddings.word_embeddings.weight"), "input_ids", axis=0)
    length = g.op("Shape", "input_ids", start=1, end=2)
    positions = g.op(
        "Slice",
        g.weight("embeddings.position_embeddings.weight"),
        g.const("zero_1d", np.array([0], dtype=np.int64)),
        length,
        g.const("axis0_1d", np.array([0], dtype=np.int64)),
    )
    token_type = g.const("token_type_0", g.w["embeddings.token_type_embeddings.weight"][0])
    x = g.op("Add", g.op("Add", words, positions), token_type)
    return g.layer_norm(x, "embeddings.LayerNorm", shape.eps)


def _attention(g: _Graph, x: str, additive_mask: str, layer: str, shape: BertShape) -> str:
    """Multi-head self-attention: one QKV product, heads split, softmax(QK^T/sqrt(d) + mask) V."""
    p = f"{layer}.attention.self"
    head_dim = shape.hidden // shape.heads
    qkv = g.op("Add", g.op("MatMul", x, g.const(f"{p}.qkv.weight", g.w[f"{p}.qkv.weight"])), f"{p}.qkv.bias")
    q, k, v = (f"{p}.{n}" for n in ("q", "k", "v"))
    g.nodes.append(helper.make_node("Split", [qkv, "qkv_split"], [q, k, v], axis=-1))
    heads_shape = "heads_shape"  # [batch, length, heads, head_dim], from the ids' shape

    def heads(t: str, perm: list[int]) -> str:
        return g.op("Transpose", g.op("Reshape", t, heads_shape), perm=perm)

    scores = g.op("MatMul", heads(q, [0, 2, 1, 3]), heads(k, [0, 2, 3, 1]))  # K already transposed
    scaled = g.op("Div", scores, g.const(f"{p}.scale", np.array(np.sqrt(head_dim), dtype=np.float32)))
    probs = g.op("Softmax", g.op("Add", scaled, additive_mask), axis=-1)
    context = g.op("MatMul", probs, heads(v, [0, 2, 1, 3]))
    merged = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), "hidden_shape")
    return g.linear(merged, f"{layer}.attention.output.dense")


def _block(g: _Graph, x: str, additive_mask: str, i: int, shape: BertShape) -> str:
    """One post-LayerNorm encoder layer: attention, residual + LN, GELU feed-forward, residual + LN."""
    p = f"encoder.layer.{i}"
    attended = _attention(g, x, additive_mask, p, shape)
    x = g.layer_norm(g.op("Add", x, attended), f"{p}.attention.output.LayerNorm", shape.eps)
    hidden = g.linear(x, f"{p}.intermediate.dense")
    # Exact GELU as BERT's: 0.5 * h * (1 + erf(h / sqrt 2)); ORT fuses the pattern into Gelu, which keeps
    # erf (not the tanh approximation).
    erf = g.op("Erf", g.op("Div", hidden, "sqrt2"))
    gelu = g.op("Mul", g.op("Mul", hidden, g.op("Add", erf, "one")), "half")
    out = g.linear(gelu, f"{p}.output.dense")
    return g.layer_norm(g.op("Add", x, out), f"{p}.output.LayerNorm", shape.eps)


def _pool(g: _Graph, x: str) -> str:
    """Mean over the text's tokens (the mask), then unit length, as sentence-transformers' Pooling +
    Normalize modules do."""
    token_mask = g.op("Unsqueeze", "mask", g.const("axis2_1d", np.array([2], dtype=np.int64)))
    total = g.op("ReduceSum", g.op("Mul", x, token_mask), "axis1_1d", keepdims=0)
    count = g.op("ReduceSum", "mask", "axis1_1d", keepdims=1)
    pooled = g.op("Div", total, count)
    norm = g.op("Sqrt", g.op("ReduceSum", g.op("Mul", pooled, pooled), "axis1_1d", keepdims=1))
    norm = g.op("Max", norm, g.const("min_norm", np.array(1e-12, dtype=np.float32)))
    g.nodes.append(helper.make_node("Div", [pooled, norm], ["embedding"]))
    return "embedding"


def _constants(g: _Graph, shape: BertShape) -> None:
    """Shapes and scalars shared by every layer, and each layer's fused QKV weight and bias."""
    f32 = np.float32
    g.const("sqrt2", np.array(np.sqrt(2.0), dtype=f32))
    g.const("one", np.array(1.0, dtype=f32))
    g.const("half", np.array(0.5, dtype=f32))
    g.const("axis1_1d", np.array([1], dtype=np.int64))
    g.const("qkv_split", np.array([shape.hidden] * 3, dtype=np.int64))
    g.const("hidden_shape", np.array([-1, shape.hidden], dtype=np.int64))
    g.const("heads_dims", np.array([shape.heads, shape.hidden // shape.heads], dtype=np.int64))
    g.const("hidden_dims", np.array([shape.hidden], dtype=np.int64))
    g.nodes.append(helper.make_node("Shape", ["input_ids"], ["batch_length"]))
    g.nodes.append(helper.make_node("Concat", ["batch_length", "heads_dims"], ["heads_shape"], axis=0))
    g.nodes.append(helper.make_node("Concat", ["batch_length", "hidden_dims"], ["sequence_shape"], axis=0))
    for i in range(shape.layers):
        p = f"encoder.layer.{i}.attention.self"
        parts = ("query", "key", "value")
        # Query, key and value as one (in, 3 * out) product per layer.
        g.w[f"{p}.qkv.weight"] = np.concatenate([g.w[f"{p}.{n}.weight"].T for n in parts], axis=1)
        g.const(f"{p}.qkv.bias", np.concatenate([g.w[f"{p}.{n}.bias"] for n in parts]))


def build_model(tensors: dict[str, np.ndarray], shape: BertShape) -> onnx.ModelProto:
    """The whole network as a ModelProto; ``tensors`` are the safetensors file's, unprefixed. Not run through
    onnx.checker here (it serializes the 90 MB again): ORT validates it on load, and the test checks it."""
    g = _Graph(dict(tensors))
    _constants(g, shape)
    x = g.op("Reshape", _embeddings(g, shape), "hidden_shape")
    # Padding gets -1e9 before the softmax, so it takes no attention: [batch, 1, 1, length].
    ignored = g.op("Sub", "one", "mask")
    scaled = g.op("Mul", ignored, g.const("mask_fill", np.array(-1e9, dtype=np.float32)))
    additive_mask = g.op("Unsqueeze", scaled, g.const("axes12_1d", np.array([1, 2], dtype=np.int64)))
    for i in range(shape.layers):
        x = _block(g, x, additive_mask, i, shape)
    _pool(g, g.op("Reshape", x, "sequence_shape"))
    # Filled in place: make_model/make_graph copy the message, ~1 s for 90 MB of weights.
    model = onnx.ModelProto()
    model.ir_version = 8  # what ORT 1.23 and onnx 1.17 both read (IR 8 came with opset 17)
    model.opset_import.append(helper.make_opsetid("", OPSET))
    graph = model.graph
    graph.name = "all-MiniLM-L6-v2"
    graph.node.extend(g.nodes)
    graph.initializer.extend(g.inits)
    graph.input.extend(
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "length"]),
        ]
    )
    graph.output.append(
        helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", shape.hidden])
    )
    return model
