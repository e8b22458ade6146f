"""Linear-algebra gates: matmul (1-D, 2-D and batched with broadcasting) and dot."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor, _recorded, _wrap
from ._common import pair


def matmul(a: Any, b: Any) -> Tensor:
    """NumPy's ``@``: 1-D operands are promoted to a row (left) or a column (right) and the
    promoted axis is dropped from the result; leading (batch) axes broadcast."""
    a, b = pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}"
        )
    try:
        out = a.data @ b.data  # z_ij = sum_k a_ik b_kj
    except ValueError:
        k_a, k_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        why = f"{k_a} != {k_b}" if k_a != k_b else "batch dimensions do not broadcast"
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned ({why})"
        ) from None
    if a.requires_grad or b.requires_grad:
        return _recorded(MATMUL, out, (a, b))
    return _wrap(out)


@gate("matmul", "swaps and transposes: a receives g @ b^T, b receives a^T @ g")
def MATMUL(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    if a.ndim > 1 and b.ndim > 1:
        ga = g @ b.mT if a.requires_grad else None
        gb = a.mT @ g if b.requires_grad else None
        return ga, gb  # batch axes that were broadcast are summed by the engine
    # 1-D operands: promote exactly as the forward did; the engine sums the promoted axis away
    a2 = a.reshape((1,) + a.shape) if a.ndim == 1 else a
    b2 = b.reshape(b.shape + (1,)) if b.ndim == 1 else b
    g2 = g
    if a.ndim == 1:
        g2 = g2.unsqueeze(-2 if b.ndim > 1 else 0)
    if b.ndim == 1:
        g2 = g2.unsqueeze(-1)
    ga = g2 @ b2.mT if a.requires_grad else None
    gb = None
    if b.requires_grad:
        gb = a2.mT @ g2
        if b.ndim == 1:
            gb = gb.squeeze(-1)
    return ga, gb


MATMUL.fresh_views = True  # its array rule's views are transposes of products it just made


@MATMUL.on_arrays
def _matmul_arrays(node: Node, g: np.ndarray) -> tuple:
    a, b = node.inputs
    if a.ndim < 2 or b.ndim < 2:  # 1-D operands: the Tensor form's promotions
        return tuple(None if t is None else t.data for t in MATMUL.backward(node, _wrap(g)))
    ga = g @ np.swapaxes(b.data, -1, -2) if a.requires_grad else None
    gb = None
    if b.requires_grad:
        bd = b.data
        if bd.ndim == 2 and g.ndim == 2 and not bd.flags.c_contiguous and bd.flags.f_contiguous:
            # b is a transposed view (x @ W.T): give its gradient the same layout, so W's
            # gradient comes back contiguous after the transpose's rule (as PyTorch does)
            gb = (g.T @ a.data).T
        else:
            gb = np.swapaxes(a.data, -1, -2) @ g
    return ga, gb


def dot(a: Any, b: Any) -> Tensor:
    """Inner product of two 1-D tensors (a matmul)."""
    a, b = pair(a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot: expects two 1-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} differ in length")
    return matmul(a, b)


def linear(x: Any, weight: Any, bias: Any = None) -> Tensor:
    """``x @ weight^T + bias`` as one gate (PyTorch's layout: weight (out, in), bias (out,)).

    x is (..., in) and the result (..., out). The composition matmul + permute + add gives the
    same values and gradients; fusing saves two nodes per layer and hands the weight its gradient
    in its own layout (no transposed copy).
    """
    x, weight = pair(x, weight)
    if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not match weight of shape {weight.shape} "
            "(expects input (..., in_features) and weight (out_features, in_features))"
        )
    out = x.data @ weight.data.T  # z = x W^T (+ b)
    inputs: tuple = (x, weight)
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else _wrap(np.asarray(bias, dtype=out.dtype))
        if bias.shape != (weight.shape[0],):
            raise ValueError(
                f"linear: bias of shape {bias.shape} does not match weight of shape {weight.shape}"
            )
        if bias.dtype == out.dtype:
            out += bias.data  # out is a fresh matmul result: add in place
        else:
            out = out + bias.data  # mixed dtypes promote, as the composition would
        inputs = (x, weight, bias)
    if x.requires_grad or weight.requires_grad or (bias is not None and bias.requires_grad):
        return _recorded(LINEAR, out, inputs)
    return _wrap(out)


@gate("linear", "x receives g @ W; W receives g^T @ x summed over the batch; b receives sum(g)")
def LINEAR(node: Node, g: Tensor) -> tuple:
    x, w = node.inputs[0], node.inputs[1]
    wants_bias = len(node.inputs) == 3 and node.inputs[2].requires_grad
    n_out, n_in = w.shape
    g2 = g.reshape((-1, n_out))
    gx = g @ w if x.requires_grad else None
    gw = g2.mT @ x.reshape((-1, n_in)) if w.requires_grad else None
    gb = g2.sum(axis=0) if wants_bias else None
    return (gx, gw, gb)[: len(node.inputs)]


@LINEAR.on_arrays
def _linear_arrays(node: Node, g: np.ndarray) -> tuple:
    x, w = node.inputs[0], node.inputs[1]
    wants_bias = len(node.inputs) == 3 and node.inputs[2].requires_grad
    n_out, n_in = w.shape
    g2 = g.reshape(-1, n_out)
    gx = g @ w.data if x.requires_grad else None
    gw = g2.T @ x.data.reshape(-1, n_in) if w.requires_grad else None
    gb = np.add.reduce(g2, axis=0) if wants_bias else None
    return (gx, gw, gb)[: len(node.inputs)]
