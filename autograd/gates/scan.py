"""Scan gates: running sums, products and log-sum-exps along one dimension; running maxima and
minima (``cummax``/``cummin``: their values are a gather at the indices they return) and the
differences that undo a running sum (``diff``: slices and a sub), both compositions.

Each output element k depends on the inputs 0..k, so each input i receives the gradients of the
outputs k >= i: a scan backwards (``reverse_cumsum``). Products are exact with zeros (no
division by a zero element), and ``logcumsumexp`` never overflows, in its values or its gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import DEFAULT_FLOAT, Tensor, _from_node, _wrap
from ._common import _t, dim_arg, normalize_axis, record
from .elementwise import half_in_float32
from .reduce import ValuesIndices

_INT64 = np.dtype(np.int64)


def _scan_axis(x: Tensor, axis: Any, dim: Any, op: str) -> int:
    axis = dim_arg(axis, dim, op)
    if axis is None:
        raise TypeError(f"{op}: missing the dimension to scan along (dim=)")
    if not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {axis!r}")
    (axis,) = normalize_axis(int(axis), x.ndim, op) or (0,)
    return axis


def _scan_dtype(x: Tensor, dtype: Any) -> np.dtype:
    """PyTorch's: integers and booleans accumulate in int64 unless ``dtype`` says otherwise."""
    if dtype is not None:
        return np.dtype(dtype)
    return _INT64 if x.data.dtype.kind in "biu" else x.data.dtype


def reverse_cumsum(g: Tensor, axis: int) -> Tensor:
    """sum_{k >= i} g_k along ``axis``: what each input of a running sum receives."""
    return cumsum(g.flip(axis), axis).flip(axis)


def _reverse_cumsum_array(g: np.ndarray, axis: int) -> np.ndarray:
    return np.flip(np.cumsum(np.flip(g, axis), axis), axis)


# --- cumsum ------------------------------------------------------------------------------------


def _running(
    x: Any, dim: Any, axis: Any, dtype: Any, op: str, kernel: Any, the_gate: Any, keep: bool
) -> Tensor:
    """The forward of cumsum and cumprod: ``kernel`` along the dimension; an integer result is
    not recorded; ``keep`` saves the output for the rule."""
    x = _t(x)
    ax = _scan_axis(x, axis, dim, op)
    d = x.data if x.ndim else x.data.reshape(1)
    out = kernel(d, axis=ax, dtype=_scan_dtype(x, dtype)).reshape(x.shape)
    if out.dtype.kind != "f":
        return _wrap(out)
    return record(the_gate, out, (x,), out if keep else None, ax)


@half_in_float32
def cumsum(x: Any, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Running sum along ``dim``: z_k = x_0 + ... + x_k. Integers and booleans give int64."""
    return _running(x, dim, axis, dtype, "cumsum", np.cumsum, CUMSUM, False)  # z_k = sum x_j<=k


@gate("cumsum", "scans back: x_i receives the sum of g_k over k >= i", reads=(), keeps_shape=True)
def CUMSUM(node: Node, g: Tensor) -> tuple:
    if g.ndim == 0:
        return (g,)
    return (reverse_cumsum(g, node.attrs),)


@CUMSUM.on_arrays
def _cumsum_arrays(node: Node, g: np.ndarray) -> tuple:
    return (_reverse_cumsum_array(g, node.attrs) if g.ndim else g,)


# --- cumprod -----------------------------------------------------------------------------------


def cumprod(x: Any, dim: Any = None, *, dtype: Any = None, axis: Any = None) -> Tensor:
    """Running product along ``dim``: z_k = x_0 * ... * x_k (integers and booleans give int64).
    Its gradient is exact where x has zeros: x_i receives sum_{k >= i} g_k * prod_{j <= k, j != i}
    x_j, never a division by 0."""
    return _running(x, dim, axis, dtype, "cumprod", np.cumprod, CUMPROD, True)  # z_k = prod x_j<=k


def _divisible(x: np.ndarray) -> bool:
    """Whether every element is a normal nonzero number: dividing a product by one is exact."""
    return bool((np.abs(x) >= np.finfo(x.dtype).tiny).all())


@gate(
    "cumprod",
    "x_i receives sum_{k>=i} g_k prod_{j<=k, j!=i} x_j (exact at zeros: nothing is divided by 0)",
    saves_output=True,  # (the array form divides it by x)
)
def CUMPROD(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0]
    if x.ndim == 0:
        return (g,)
    ax = node.attrs
    # The sum written out over pairs (i, k): row i of X is x with x_i set to 1, so
    # cumprod(X)_ik = prod_{j<=k, j!=i} x_j. O(n^2) per line, but it divides nothing, so its
    # own derivatives are exact too (dividing out x_i, as the array form does, cancels
    # catastrophically in the second derivative when x_i is small). Only gradients of gradients
    # (create_graph) and hooks run this form.
    from .elementwise import where
    from .shape import movedim

    xm, gm = movedim(x, ax, -1), movedim(g, ax, -1)
    n = xm.shape[-1]
    others = cumprod(where(_wrap(np.eye(n, dtype=bool)), 1.0, xm.unsqueeze(-2)), -1)
    later = _wrap(np.triu(np.ones((n, n), dtype=x.dtype)))  # k >= i
    return (movedim((others * later * gm.unsqueeze(-2)).sum(-1), -1, ax),)


@CUMPROD.on_arrays
def _cumprod_arrays(node: Node, g: np.ndarray) -> tuple:
    x, out, ax = node.inputs[0].data, node.saved, node.attrs
    if x.ndim == 0:
        return (g,)
    if _divisible(x):
        return (_reverse_cumsum_array(g * out, ax) / x,)
    # Zeros (or subnormals): x_i receives (prod_{j<i} x_j) * s_i, s_i = g_i + x_{i+1} s_{i+1}
    # (the sum over k >= i, factored from the back): one step per element of the line.
    xm, gm = np.moveaxis(x, ax, -1), np.moveaxis(g, ax, -1)
    before = np.cumprod(np.concatenate([np.ones_like(xm[..., :1]), xm[..., :-1]], -1), -1)
    s = np.empty(np.broadcast_shapes(xm.shape, gm.shape), dtype=np.result_type(x, g))
    s[..., -1] = gm[..., -1]
    for i in range(xm.shape[-1] - 2, -1, -1):
        s[..., i] = gm[..., i] + xm[..., i + 1] * s[..., i + 1]
    return (np.moveaxis(before * s, -1, ax),)


# --- logcumsumexp ------------------------------------------------------------------------------


def logcumsumexp(x: Any, dim: Any = None, *, axis: Any = None) -> Tensor:
    """ln(e^x_0 + ... + e^x_k) along ``dim``, computed without overflow (``logaddexp``)."""
    x = _t(x)
    ax = _scan_axis(x, axis, dim, "logcumsumexp")
    d = x.data if x.data.dtype.kind == "f" else x.data.astype(DEFAULT_FLOAT)
    out = np.logaddexp.accumulate(d if d.ndim else d.reshape(1), axis=ax).reshape(x.shape)
    return record(LOGCUMSUMEXP, out, (x,), out, ax)  # z_k = ln sum_{j<=k} e^x_j


@gate(
    "logcumsumexp",
    "soft running max: x_i receives sum_{k>=i} g_k e^(x_i - z_k), each weight in (0, 1]",
    saves_output=True,
)
def LOGCUMSUMEXP(node: Node, g: Tensor) -> tuple:
    from .elementwise import exp, where
    from .shape import movedim

    x = node.inputs[0]
    if x.ndim == 0:
        return (g,)
    ax = node.attrs
    xm = movedim(x, ax, -1)
    zm = movedim(_from_node(node.saved, node), ax, -1)
    n = xm.shape[-1]
    later = _wrap(np.triu(np.ones((n, n), dtype=bool)))  # k >= i
    # x_i - z_k <= 0 wherever k >= i: the weights never overflow (O(n^2) per line, as a matrix)
    weights = exp(where(later, xm.unsqueeze(-1) - zm.unsqueeze(-2), -np.inf))
    return (movedim((weights * movedim(g, ax, -1).unsqueeze(-2)).sum(-1), -1, ax),)


@LOGCUMSUMEXP.on_arrays
def _logcumsumexp_arrays(node: Node, g: np.ndarray) -> tuple:
    x, z, ax = node.inputs[0].data, node.saved, node.attrs
    if x.ndim == 0:
        return (g,)
    # sum_{k>=i} g_k e^(x_i - z_k) = e^(x_i + ln sum_{k>=i} e^(ln g_k - z_k)) for g >= 0: a
    # reversed logcumsumexp, split into g's positive and negative parts (O(n), never overflows)
    total = np.zeros_like(g)
    with np.errstate(divide="ignore", invalid="ignore"):
        for part, sign in ((np.maximum(g, 0), 1.0), (np.maximum(-g, 0), -1.0)):
            v = np.where(np.isneginf(z), -np.inf, np.log(part) - z)
            tail = np.flip(np.logaddexp.accumulate(np.flip(v, ax), axis=ax), ax)
            total += sign * np.exp(x + tail)
    return (total,)


# --- cummax and cummin: values gathered at running arg-extremes --------------------------------


def _running_extreme(x: Any, dim: Any, axis: Any, op: str, ufunc: np.ufunc) -> ValuesIndices:
    from .indexing import gather

    x = _t(x)
    ax = _scan_axis(x, axis, dim, op)
    d = x.data if x.ndim else x.data.reshape(1)
    best = ufunc.accumulate(d, axis=ax)
    # where the running extreme is (re)taken: ties move it to the later index, and a NaN holds it
    # (PyTorch's rule: x >= best, or x is NaN)
    taken = best == d
    if d.dtype.kind == "f":
        taken |= np.isnan(d)
    n = d.shape[ax]
    at = np.arange(n).reshape((n,) + (1,) * (d.ndim - ax - 1))
    idx = np.maximum.accumulate(np.where(taken, at, 0), axis=ax).reshape(x.shape)
    return ValuesIndices(gather(x, ax, idx), _wrap(idx.astype(np.int64, copy=False)))


def cummax(x: Any, dim: Any = None, *, axis: Any = None) -> ValuesIndices:
    """``(values, indices)``: the running maximum along ``dim`` and where it was taken (the later
    index on ties; from a NaN on, NaN and the latest NaN's index), as PyTorch's ``cummax``. The
    values are a ``gather``: each one's gradient goes to the element it was taken from."""
    return _running_extreme(x, dim, axis, "cummax", np.maximum)


def cummin(x: Any, dim: Any = None, *, axis: Any = None) -> ValuesIndices:
    """``(values, indices)``: the running minimum along ``dim`` and where it was taken (see
    :func:`cummax`)."""
    return _running_extreme(x, dim, axis, "cummin", np.minimum)


# --- diff: the differences that undo a running sum ---------------------------------------------


def _diff_operand(t: Any, x: Tensor, ax: int, what: str) -> Tensor:
    """``prepend``/``append``: a tensor with x's dimensions (a number becomes one slice)."""
    if not isinstance(t, Tensor):
        shape = tuple(1 if a == ax else n for a, n in enumerate(x.shape))
        return _wrap(np.broadcast_to(np.asarray(t, dtype=np.result_type(t, x.data)), shape))
    if t.ndim != x.ndim:
        raise ValueError(
            f"diff: {what} must have the input's number of dimensions, got shapes {t.shape} "
            f"and {x.shape}"
        )
    return t


def diff(x: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = x[i + 1] - x[i]``, applied ``n``
    times (booleans: ``!=``), after joining ``prepend`` and ``append`` to x along ``dim``; each
    step makes the dimension one shorter (empty, never an error, when it runs out). Composed of
    slices and sub gates (and a concatenate), as PyTorch's ``diff``."""
    from .rounding import logical_xor
    from .shape import concatenate

    x = _t(x)
    if x.ndim == 0:
        raise ValueError("diff: expects a tensor with at least one dimension, got shape ()")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"diff: n must be a non-negative int, got {n!r}")
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"diff: dim must be an int, got {dim!r}")
    (ax,) = normalize_axis(int(dim), x.ndim, "diff")
    if prepend is not None or append is not None:
        parts = [_diff_operand(prepend, x, ax, "prepend")] if prepend is not None else []
        parts.append(x)
        if append is not None:
            parts.append(_diff_operand(append, x, ax, "append"))
        x = concatenate(parts, ax)
    before = (slice(None),) * ax
    for _ in range(n):
        if x.shape[ax] == 0:
            break
        later, earlier = x[(*before, slice(1, None))], x[(*before, slice(None, -1))]
        x = logical_xor(later, earlier) if x.dtype == np.bool_ else later - earlier
    return x
