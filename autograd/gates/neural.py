"""Neural-network gates: softmax and log_softmax (fused for stability), embedding lookup."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor, _from_node
from ._common import _t, dim_arg, normalize_axis, record


def _check_float(x: Tensor, op: str) -> None:
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating-point tensor, got dtype {x.dtype}")


def _softmax_axis(x: Tensor, axis: Any, dim: Any, op: str) -> int:
    _check_float(x, op)
    axis = dim_arg(axis, dim, op)
    (axis,) = normalize_axis(-1 if axis is None else axis, x.ndim, op) or (0,)
    if x.ndim and x.shape[axis] == 0:
        raise ValueError(f"{op}: dimension {axis} of shape {x.shape} is empty")
    return axis


def log_softmax(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """ln softmax(x) along ``axis``/``dim`` (default -1), computed as x - logsumexp(x): finite
    and exact for logits of any size."""
    x = _t(x)
    axis = _softmax_axis(x, axis, dim, "log_softmax")
    d = x.data
    shifted = d - np.maximum.reduce(d, axis=axis, keepdims=True)  # (np.max's own kernel)
    lse = np.add.reduce(np.exp(shifted), axis=axis, keepdims=True)
    out = np.subtract(shifted, np.log(lse, out=lse), out=shifted)  # z = x - lse(x)
    return record(LOG_SOFTMAX, out, (x,), out, axis)


@gate(
    "log_softmax",
    "the input receives g - softmax(x) * sum(g) along the axis",
    reads=(),
    saves_output=True,
)
def LOG_SOFTMAX(node: Node, g: Tensor) -> tuple:
    from .elementwise import exp

    probs = exp(_from_node(node.saved, node))  # e^(ln softmax(x)), still differentiable
    return (g - probs * g.sum(node.attrs, keepdims=True),)


@LOG_SOFTMAX.on_arrays
def _log_softmax_arrays(node: Node, g: np.ndarray) -> tuple:
    probs = np.exp(node.saved) * np.add.reduce(g, axis=node.attrs, keepdims=True)  # (promotes)
    return (np.subtract(g, probs, out=probs),)


def softmax(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """e^x / sum(e^x) along ``axis``/``dim`` (default -1), shifted by the max so it never
    overflows."""
    x = _t(x)
    axis = _softmax_axis(x, axis, dim, "softmax")
    e = np.exp(x.data - np.max(x.data, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)  # z = e^x / sum e^x
    return record(SOFTMAX, out, (x,), out, axis)


@gate(
    "softmax",
    "the input receives s * (g - sum(g * s)) along the axis, s the output",
    reads=(),
    saves_output=True,
)
def SOFTMAX(node: Node, g: Tensor) -> tuple:
    s = _from_node(node.saved, node)  # the output, still differentiable
    return (s * (g - (g * s).sum(node.attrs, keepdims=True)),)


@SOFTMAX.on_arrays
def _softmax_arrays(node: Node, g: np.ndarray) -> tuple:
    s = node.saved
    local = g * s
    local -= s * np.add.reduce(local, axis=node.attrs, keepdims=True)
    return (local,)


def embedding(indices: Any, weight: Tensor) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``indices`` of any shape."""
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    if weight.ndim != 2:
        raise ValueError(
            f"embedding: weight must be 2-D (num_embeddings, dim), got shape {weight.shape}"
        )
    n = weight.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(
            f"embedding: index out of range [{idx.min()}, {idx.max()}] for {n} embeddings "
            f"(weight shape {weight.shape})"
        )
    out = weight.data[idx]  # z[...] = W[i[...]]
    return record(EMBEDDING, out, (weight,), None, idx)


@gate(
    "embedding", "scatter-adds: each used row receives the sum of its lookups' gradients", reads=()
)
def EMBEDDING(node: Node, g: Tensor) -> tuple:
    from .shape import scatter_add

    return (scatter_add(g, node.attrs, node.inputs[0].shape),)


def binary_cross_entropy(p: Any, y: Any) -> Tensor:
    """Elementwise -(y ln p + (1 - y) ln(1 - p)) for probabilities p, each log clamped at -100
    (PyTorch's convention), so p of exactly 0 or 1 gives a finite loss and a finite, correctly
    signed gradient (the composition through clip would give 0 there)."""
    from ._common import pair

    p, y = pair(p, y)
    _check_float(p, "binary_cross_entropy")
    if p.shape != y.shape:
        raise ValueError(
            f"binary_cross_entropy: input shape {p.shape} and target shape {y.shape} differ"
        )
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p.data), -100.0)
        log_q = np.maximum(np.log1p(-p.data), -100.0)
    out = (-(y.data * log_p + (1 - y.data) * log_q)).astype(
        p.dtype, copy=False
    )  # z = -[y ln p + (1-y) ln(1-p)]
    return record(BINARY_CROSS_ENTROPY, out, (p, y), None, None)


@gate(
    "binary_cross_entropy",
    "p receives g (p - y) / max(p (1 - p), 1e-12); y receives g (ln(1 - p) - ln p), logs clamped at -100",
)
def BINARY_CROSS_ENTROPY(node: Node, g: Tensor) -> tuple:
    from .elementwise import clip, log, maximum

    p, y = node.inputs
    gp = gy = None
    if p.requires_grad:
        gp = g * (p - y) / maximum(p * (1.0 - p), 1e-12)
    if y.requires_grad:
        with np.errstate(divide="ignore"):
            gy = g * (clip(log(1.0 - p), -100.0) - clip(log(p), -100.0))
    return gp, gy
