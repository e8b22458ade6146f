"""Linear-algebra gates: matmul (1-D, 2-D and batched with broadcasting) and dot."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Node, _state, gate
from ..tensor import Tensor, _wrap
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
    if _state.enabled and (a.requires_grad or b.requires_grad):
        return Tensor(out, None, True, Node(MATMUL, (a, b), None, None))
    return Tensor(out)


@gate("matmul", "swaps and transposes: a receives g @ b^T, b receives a^T @ g")
def MATMUL(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    if a.ndim > 1 and b.ndim > 1:
        if not _state.enabled:  # plain backward: the same rule on arrays, one Tensor per input
            gd = g.data
            ga = _wrap(gd @ np.swapaxes(b.data, -1, -2)) if a.requires_grad else None
            gb = _wrap(np.swapaxes(a.data, -1, -2) @ gd) if b.requires_grad else None
            return ga, gb
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


def dot(a: Any, b: Any) -> Tensor:
    """Inner product of two 1-D tensors (a matmul)."""
    a, b = pair(a, b)
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"dot: expects two 1-D tensors, got shapes {a.shape} and {b.shape}")
    if a.shape != b.shape:
        raise ValueError(f"dot: shapes {a.shape} and {b.shape} differ in length")
    return matmul(a, b)
