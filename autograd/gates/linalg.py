"""Linear-algebra gates: matmul (1-D, 2-D and batched with broadcasting) and the fused linear
layer; dot, mm, bmm, mv, outer, tensordot, addmm and baddbmm are checked forms of matmul; cross
and kron are products of rolled or reshaped operands; tril, triu, diag and trace are masks and
diagonals (einsum has its own file)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import OTHERS, PAIR, Node, gate
from ..tensor import Tensor, _recorded, _wrap
from ._common import _t, broadcasts_to, normalize_axis, pair, promoted, result_dtype


def matmul(a: Any, b: Any) -> Tensor:
    """NumPy's ``@``: 1-D operands are promoted to a row (left) or a column (right) and the
    promoted axis is dropped from the result; leading (batch) axes broadcast."""
    a, b = pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}"
        )
    ad, bd = a.data, b.data
    if ad.dtype != bd.dtype:
        ad, bd = promoted("matmul", a, b)  # (int64 @ float32 is float32, as for every gate)
    try:
        out = ad @ bd  # z_ij = sum_k a_ik b_kj
    except ValueError:
        k_a, k_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        why = f"{k_a} != {k_b}" if k_a != k_b else "batch dimensions do not broadcast"
        raise ValueError(
            f"matmul: shapes {a.shape} and {b.shape} are not aligned ({why})"
        ) from None
    if a.requires_grad or b.requires_grad:
        return _recorded(MATMUL, out, (a, b))
    return _wrap(out)


@gate("matmul", "swaps and transposes: a receives g @ b^T, b receives a^T @ g", reads=OTHERS)
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
    xs, ws = x.data.shape, weight.data.shape  # (the arrays' own: this runs once per layer call)
    if len(ws) != 2 or not xs or xs[-1] != ws[1]:
        raise ValueError(
            f"linear: input of shape {xs} does not match weight of shape {ws} "
            "(expects input (..., in_features) and weight (out_features, in_features))"
        )
    xd, wd = x.data, weight.data
    if xd.dtype != wd.dtype:
        xd, wd = promoted("linear", x, weight)  # (PyTorch's promotion, as for matmul)
    out = xd @ wd.T  # z = x W^T (+ b)
    inputs: tuple = (x, weight)
    if bias is not None:
        bias = bias if isinstance(bias, Tensor) else _wrap(np.asarray(bias, dtype=out.dtype))
        if bias.data.shape != (ws[0],):
            raise ValueError(
                f"linear: bias of shape {bias.shape} does not match weight of shape {ws}"
            )
        if bias.dtype == out.dtype:
            out += bias.data  # out is a fresh matmul result: add in place
        else:  # mixed dtypes promote, as the composition would
            out = out.astype(result_dtype(out, bias.data), copy=False) + bias.data
        inputs = (x, weight, bias)
    if x.requires_grad or weight.requires_grad or (bias is not None and bias.requires_grad):
        return _recorded(LINEAR, out, inputs)
    return _wrap(out)


@gate(
    "linear",
    "x receives g @ W; W receives g^T @ x summed over the batch; b receives sum(g)",
    reads=PAIR,
)
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


# --- checked forms of matmul (PyTorch's names) -------------------------------------------------


def _ranks(op: str, a: Tensor, b: Tensor, want_a: int, want_b: int) -> None:
    if a.ndim != want_a or b.ndim != want_b:
        raise ValueError(
            f"{op}: expects {want_a}-D and {want_b}-D tensors, got shapes {a.shape} and {b.shape}"
        )


def mm(a: Any, b: Any) -> Tensor:
    """Matrix product of two 2-D tensors (a matmul, without broadcasting)."""
    a, b = pair(a, b)
    _ranks("mm", a, b, 2, 2)
    return matmul(a, b)


def bmm(a: Any, b: Any) -> Tensor:
    """Batched matrix product of (B, n, m) and (B, m, p) tensors (a matmul; batch sizes must
    be equal: no broadcasting, as in PyTorch)."""
    a, b = pair(a, b)
    _ranks("bmm", a, b, 3, 3)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"bmm: batch sizes differ: shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def mv(a: Any, v: Any) -> Tensor:
    """Matrix-vector product of an (n, m) and an (m,) tensor (a matmul)."""
    a, v = pair(a, v)
    _ranks("mv", a, v, 2, 1)
    return matmul(a, v)


def outer(a: Any, b: Any) -> Tensor:
    """Outer product of two 1-D tensors: ``z[i, j] = a[i] * b[j]`` (a mul of a column and a
    row)."""
    a, b = pair(a, b)
    _ranks("outer", a, b, 1, 1)
    return a.reshape((-1, 1)) * b.reshape((1, -1))


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Sum over the last ``dims`` dimensions of ``a`` and the first ``dims`` of ``b`` (an int),
    or over the dimensions ``dims = (dims_a, dims_b)`` (two sequences): PyTorch's and NumPy's
    ``tensordot``. Composed of permute, reshape and one matmul (BLAS)."""
    a, b = pair(a, b)
    if isinstance(dims, (int, np.integer)):
        if not 0 <= dims <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: dims={dims} does not fit shapes {a.shape} and {b.shape}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, (int, np.integer)) else list(d) for d in dims)
        if len(da) != len(db):
            raise ValueError(f"tensordot: {len(da)} dimensions of a but {len(db)} of b")
        da = [normalize_axis(d, a.ndim, "tensordot")[0] for d in da]
        db = [normalize_axis(d, b.ndim, "tensordot")[0] for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise ValueError(
                f"tensordot: dimension {i} of a (size {a.shape[i]}) and dimension {j} of b "
                f"(size {b.shape[j]}) differ (shapes {a.shape} and {b.shape})"
            )
    free_a = [i for i in range(a.ndim) if i not in da]
    free_b = [j for j in range(b.ndim) if j not in db]
    k = int(np.prod([a.shape[i] for i in da]))
    left = a.permute(free_a + da).reshape((-1, k))
    right = b.permute(db + free_b).reshape((k, -1))
    shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[j] for j in free_b)
    return (left @ right).reshape(shape)


def _scaled_sum(op: str, input: Any, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """``beta * input + alpha * product``, input broadcasting to the product's shape; with
    ``beta = 0`` input's values are not read (its NaN and inf do not reach the result)."""
    input = _t(input)
    if not broadcasts_to(input.shape, product.shape):
        raise ValueError(
            f"{op}: input of shape {input.shape} does not broadcast to the product's shape "
            f"{product.shape}"
        )
    if alpha != 1:
        product = product * alpha
    if beta == 0:  # a where that never takes input: its gradient is 0, as PyTorch's
        from .elementwise import where

        return where(np.zeros((), dtype=bool), input, product)
    return (input if beta == 1 else input * beta) + product


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for 2-D mat1 (n, m) and mat2 (m, p), input
    broadcasting to (n, p): PyTorch's ``addmm`` (an mm, then mul and add gates; with
    ``beta=0`` input is ignored, NaN included)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for (B, n, m) and (B, m, p) batches, input
    broadcasting to (B, n, p): PyTorch's ``baddbmm`` (a bmm, then mul and add gates)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def cross(a: Any, b: Any, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim`` (both have length 3 there; the other
    dimensions broadcast), ``dim`` by default the first of length 3 (PyTorch's ``cross``; its
    ``linalg.cross`` is ``dim=-1``). ``z_i = a_(i+1) b_(i+2) - a_(i+2) b_(i+1)``, composed of roll,
    mul and sub gates."""
    from .shape import roll

    a, b = pair(a, b)
    if a.ndim != b.ndim:
        raise ValueError(
            f"cross: a and b must have the same number of dimensions, got shapes {a.shape} and "
            f"{b.shape}"
        )
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"cross: shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None
    if dim is None:
        if 3 not in shape:
            raise ValueError(f"cross: no dimension of length 3 in shapes {a.shape} and {b.shape}")
        d = shape.index(3)
    else:
        (d,) = normalize_axis(dim, a.ndim, "cross") or (0,)
    if a.ndim == 0 or a.shape[d] != 3 or b.shape[d] != 3:
        raise ValueError(
            f"cross: dimension {d} must have length 3 in both, got shapes {a.shape} and {b.shape}"
        )
    return roll(a, -1, d) * roll(b, -2, d) - roll(a, -2, d) * roll(b, -1, d)


def kron(a: Any, b: Any) -> Tensor:
    """The Kronecker product: block ``(i, j, ...)`` of the result is ``a[i, j, ...] * b`` (the
    shorter shape padded with leading 1s; the result's sizes are the products of both). A mul of
    interleaved reshapes, then one reshape."""
    a, b = pair(a, b)
    nd = max(a.ndim, b.ndim)
    sa = (1,) * (nd - a.ndim) + a.shape
    sb = (1,) * (nd - b.ndim) + b.shape
    spread_a = a.reshape(tuple(v for n in sa for v in (n, 1)))  # a_i at (i, 0)
    spread_b = b.reshape(tuple(v for n in sb for v in (1, n)))  # b_j at (0, j)
    return (spread_a * spread_b).reshape(tuple(p * q for p, q in zip(sa, sb)))


# --- triangles and diagonals -------------------------------------------------------------------


def _triangle(x: Any, diagonal: int, upper: bool, op: str) -> Tensor:
    from .elementwise import where

    x = _t(x)
    if x.ndim < 2:
        raise ValueError(f"{op}: expects at least 2 dimensions, got shape {x.shape}")
    n, m = x.shape[-2:]
    k = int(diagonal)  # np.tri(n, m, k): true where j <= i + k
    keep = ~np.tri(n, m, k - 1, dtype=bool) if upper else np.tri(n, m, k, dtype=bool)
    return where(keep, x, 0)


def tril(x: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions (``j <= i + diagonal``), zeros above: a
    ``where``, so the gradient passes inside the triangle and is 0 outside."""
    return _triangle(x, diagonal, False, "tril")


def triu(x: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions (``j >= i + diagonal``), zeros below (a
    ``where``)."""
    return _triangle(x, diagonal, True, "triu")


def diag(x: Any, diagonal: int = 0) -> Tensor:
    """PyTorch's ``diag``: a 1-D tensor becomes a square matrix with it on diagonal
    ``diagonal`` (an ``index_add_into`` of zeros); a 2-D tensor gives a copy of that diagonal."""
    from .elementwise import clone
    from .shape import diagonal as diagonal_of
    from .shape import index_add_into

    x = _t(x)
    k = int(diagonal)
    if x.ndim == 1:
        n = x.shape[0] + abs(k)
        rows = np.arange(x.shape[0]) + max(-k, 0)
        return index_add_into(x, (rows, rows + k), (n, n))
    if x.ndim == 2:
        return clone(diagonal_of(x, k))
    raise ValueError(f"diag: expects a 1-D or 2-D tensor, got shape {x.shape}")


def trace(x: Any) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor (a ``diagonal`` then a ``sum``)."""
    from .shape import diagonal

    x = _t(x)
    if x.ndim != 2:
        raise ValueError(f"trace: expects a 2-D tensor, got shape {x.shape}")
    return diagonal(x).sum()
