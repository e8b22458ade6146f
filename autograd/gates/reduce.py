"""Reduction gates: sum, prod, max, min, logsumexp and the p-norm; mean, var, std, max/min along
a dimension and the 1-, inf- and 0-norms are compositions of them (and of ``getitem``, ``abs``).

``axis`` (NumPy) or ``dim`` (PyTorch) is None (all axes), an int, or a tuple of ints;
``keepdims``/``keepdim`` keeps reduced axes as size 1.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..graph import Node, gate
from ..tensor import DEFAULT_FLOAT, Tensor, _from_node, _recorded1, _wrap
from ._common import _t, along_axis, broadcast_axes, broadcast_view, dim_arg, normalize_axis, record
from .elementwise import half_in_float32

_INT64 = np.dtype(np.int64)


def _expand_back(g: Any, node: Node) -> Any:
    """Re-insert the reduced axes of ``g`` (size 1) so it broadcasts against the input (``g`` a
    Tensor or an array)."""
    axes, keepdims = node.attrs[:2]  # (a gate may keep more attributes after these two)
    if keepdims or not axes:
        return g
    shape = list(g.shape)
    for a in axes:
        shape.insert(a, 1)
    return g.reshape(tuple(shape))


# --- sum and its compositions ------------------------------------------------------------------


def _reduced_axes(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """``normalize_axis`` for the reductions, where an empty list of dimensions means all of
    them (PyTorch's ``x.sum(dim=[])``), not none."""
    if axis is not None and not isinstance(axis, (int, np.integer)) and len(axis) == 0:
        axis = None
    return normalize_axis(axis, ndim, op)


def sum(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: Any = None,
    keepdim: bool = False,
    dtype: Any = None,
) -> Tensor:
    """Sum over ``axis``/``dim``. Integers and booleans sum to int64, as in PyTorch; ``dtype``
    casts x first (a ``cast`` gate) and sums in that dtype."""
    x = x if type(x) is Tensor else _t(x)
    if dim is not None:
        axis = dim_arg(axis, dim, "sum")
    if dtype is not None:
        from .elementwise import cast

        x = cast(x, dtype)
    d = x.data
    axes = _reduced_axes(axis, d.ndim, "sum")
    keep = keepdims or keepdim
    if dtype is not None:
        out = np.add.reduce(d, axis=axes, keepdims=keep, dtype=d.dtype)  # (no int64 widening)
    elif d.dtype.kind in "biu":  # integers and booleans sum to int64, as in PyTorch
        out = np.add.reduce(d, axis=axes, keepdims=keep, dtype=_INT64)
    else:
        out = np.add.reduce(d, axis=axes, keepdims=keep)  # z = sum_i x_i (np.sum's kernel)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if x.requires_grad:
        return _recorded1(SUM, out, x, attrs=(axes, keep))
    return _wrap(out)


@gate("sum", "distributes: every summed element receives the upstream gradient", reads=())
def SUM(node: Node, g: Tensor) -> tuple:
    return (_expand_back(g, node).broadcast_to(node.inputs[0].shape),)


@SUM.on_arrays
def _sum_arrays(node: Node, g: np.ndarray) -> tuple:
    shape = node.inputs[0].data.shape
    if g.size == 1:  # a full sum: filling a new array costs less than building a strided view
        return (np.full(shape, g.reshape(()), dtype=g.dtype),)
    return (broadcast_view(_expand_back(g, node), shape),)


def reduce_to_shape(g: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to ``shape``: the Tensor form of the one unbroadcast rule
    (``_common.reduce_array_to_shape`` is its array form)."""
    axes = broadcast_axes(g.shape, shape)
    if axes:
        g = sum(g, axes)
    if g.shape != shape:
        g = g.reshape(shape)
    return g


def _count(x: Tensor, axes: tuple[int, ...], op: str) -> int:
    n = math.prod(x.shape[a] for a in axes)  # (np.prod costs microseconds on a list)
    if n == 0:
        raise ValueError(f"{op}: cannot average over an empty dimension of shape {x.shape}")
    return n


def mean(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: Any = None,
    keepdim: bool = False,
    dtype: Any = None,
) -> Tensor:
    """Average over ``axis``/``dim`` (composite: sum, then scale). The mean of an integer tensor
    is computed exactly (an int64 sum, one division) and returned as float32. ``dtype`` (a float
    dtype, as in PyTorch) casts x first."""
    x = _t(x)
    if dtype is not None:
        from .elementwise import cast

        if np.dtype(dtype).kind != "f":
            raise TypeError(f"mean: dtype must be a floating dtype, got {np.dtype(dtype)}")
        x = cast(x, dtype)
    axes = _reduced_axes(dim_arg(axis, dim, "mean"), x.ndim, "mean")
    keep = keepdims or keepdim
    n = _count(x, axes, "mean")
    if x.data.dtype == np.float16:  # summed in float32, as PyTorch does: 2 x 60000 overflows
        from .elementwise import cast

        return cast(mean(cast(x, np.float32), axes, keep), np.float16)
    if x.data.dtype.kind in "biu":
        d, acc = x.data, _INT64
        if (
            d.dtype.itemsize == 8
            and d.size
            and (int(d.max()) * n >= 2**63 or int(d.min()) * n < -(2**63))
        ):
            d, acc = d.astype(object), object  # an int64 sum could overflow: Python integers
        total = np.add.reduce(d, axis=axes, keepdims=keep, dtype=acc)
        return _wrap(np.asarray(total / n).astype(DEFAULT_FLOAT))
    return sum(x, axes, keep) * (1.0 / n)


def nansum(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
) -> Tensor:
    """:func:`sum` with NaN counted as 0 (PyTorch's ``nansum``): a ``where`` then a sum, so a NaN
    position receives no gradient."""
    from .elementwise import where

    x = _t(x)
    if x.data.dtype.kind == "f":
        x = where(Tensor(np.isnan(x.data)), 0.0, x)
    return sum(x, axis, keepdims, dim=dim, keepdim=keepdim)


def nanmean(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
) -> Tensor:
    """:func:`mean` of the values that are not NaN (PyTorch's ``nanmean``): their sum over their
    count, NaN where a slice has none."""
    x = _t(x)
    if x.data.dtype.kind != "f":
        raise TypeError(f"nanmean: expects a floating-point tensor, got {x.dtype}")
    axes = _reduced_axes(dim_arg(axis, dim, "nanmean"), x.ndim, "nanmean")
    keep = keepdims or keepdim
    from .elementwise import where

    count = np.add.reduce(~np.isnan(x.data), axis=axes, keepdims=keep)
    average = nansum(x, axes, keep) / Tensor(np.maximum(count, 1).astype(x.data.dtype))
    return where(Tensor(count == 0), np.nan, average)  # (no 0 / 0, forward or backward)


def _correction(correction: Any, ddof: Any, unbiased: Any, op: str) -> float:
    """PyTorch's ``correction`` (default 1: the unbiased estimate), NumPy's ``ddof`` or the older
    ``unbiased`` flag: one of them."""
    given = [v for v in (correction, ddof, unbiased) if v is not None]
    if len(given) > 1:
        raise TypeError(f"{op}: pass one of correction=, ddof= and unbiased=")
    if unbiased is not None:
        return 1.0 if unbiased else 0.0
    value = correction if correction is not None else ddof if ddof is not None else 1
    return float(value)


@half_in_float32
def var(
    x: Any,
    axis: Any = None,
    unbiased: bool | None = None,
    keepdims: bool = False,
    *,
    dim: Any = None,
    keepdim: bool = False,
    correction: float | None = None,
    ddof: float | None = None,
) -> Tensor:
    """Variance over ``axis``/``dim``: ``sum((x - mean)^2) / (n - correction)`` with PyTorch's
    default ``correction=1`` (``ddof=0`` or ``correction=0`` for the population variance).
    Positional arguments as PyTorch's: ``var(dim, unbiased, keepdim)``, or ``var(unbiased)``."""
    x = _t(x)
    if isinstance(axis, (bool, np.bool_)):  # x.var(False): PyTorch's var(unbiased)
        axis, unbiased = None, bool(axis)
    axes = _reduced_axes(dim_arg(axis, dim, "var"), x.ndim, "var")
    c = _correction(correction, ddof, unbiased, "var")
    n = _count(x, axes, "var")
    if n - c <= 0:
        raise ValueError(
            f"var: {n} elements with correction={c:g} leave no degrees of freedom (shape {x.shape})"
        )
    if x.data.dtype.kind != "f":
        x = x.float()
    centred = x - mean(x, axes, keepdims=True)
    return sum(centred * centred, axes, keepdims or keepdim) * (1.0 / (n - c))  # composite


@half_in_float32
def std(
    x: Any,
    axis: Any = None,
    unbiased: bool | None = None,
    keepdims: bool = False,
    *,
    dim: Any = None,
    keepdim: bool = False,
    correction: float | None = None,
    ddof: float | None = None,
) -> Tensor:
    """Standard deviation: the square root of :func:`var` (same arguments and default). Where
    it is 0 its gradient is 0, as PyTorch's (sqrt's slope there is infinite; 0 times it would
    be NaN)."""
    from .elementwise import sqrt, where

    v = var(x, axis, unbiased, keepdims, dim=dim, keepdim=keepdim, correction=correction,
            ddof=ddof)  # fmt: skip
    zero = v == 0  # (NaN and inf variances go through sqrt as they are)
    return where(zero, 0.0, sqrt(where(zero, 1.0, v)))  # (the 0 branch: no gradient)


# --- prod --------------------------------------------------------------------------------------


def prod(
    x: Any,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: Any = None,
    keepdim: bool = False,
    dtype: Any = None,
) -> Tensor:
    """Product over ``axis``/``dim`` (all by default). Integers and booleans give int64, as in
    PyTorch. The gradient is exact where x has zeros: each element receives g times the product
    of the *other* elements of its group (one zero: the product of the others at the zero, 0
    elsewhere; two or more: 0), computed without dividing by anything."""
    x = _t(x)
    axes = normalize_axis(dim_arg(axis, dim, "prod"), x.ndim, "prod")
    keep = keepdims or keepdim
    d = x.data
    if dtype is None and d.dtype.kind in "biu":
        dtype = _INT64
    out = np.asarray(np.multiply.reduce(d, axis=axes, keepdims=keep, dtype=dtype))  # z = prod x
    if out.dtype.kind != "f":
        return _wrap(out)
    return record(PROD, out, (x,), None, (axes, keep))


@gate(
    "prod",
    "x_i receives g * prod_{j != i} x_j (exclusive products from both sides: exact at zeros)",
)
def PROD(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0]
    axes = node.attrs[0]
    if not axes or x.data.size == 0:
        return (_expand_back(g, node).broadcast_to(x.shape),)
    return (_expand_back(g, node) * _product_of_others(x, axes),)


def _product_of_others(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """For each element, the product of the other elements of its group (the reduced axes):
    the running product from the left up to it times the one from the right, each exclusive
    (``cumprod`` gates, so gradients of any order are exact at zeros too)."""
    from .scan import cumprod
    from .shape import pad, permute

    kept = tuple(a for a in range(x.ndim) if a not in axes)
    order = kept + axes
    lines = permute(x, order).reshape(tuple(x.shape[a] for a in kept) + (-1,))
    ones = ((0, 0),) * len(kept) + ((1, 0),)  # a 1 before each line: the exclusive product
    left = cumprod(pad(lines[..., :-1], ones, 1.0), -1)
    right = cumprod(pad(lines.flip(-1)[..., :-1], ones, 1.0), -1).flip(-1)
    others = (left * right).reshape(tuple(x.shape[a] for a in order))
    inverse = [0] * x.ndim
    for i, a in enumerate(order):
        inverse[a] = i
    return permute(others, inverse)


@PROD.on_arrays
def _prod_arrays(node: Node, g: np.ndarray) -> tuple:
    x = node.inputs[0].data
    axes = node.attrs[0]
    g = _expand_back(g, node)
    if not axes or x.size == 0:
        return (np.broadcast_to(g, x.shape).copy(),)
    # (dividing the product by x_i, PyTorch's way without zeros, loses the value when x_i or
    # the product is subnormal: the exclusive products cost two cumprods and divide nothing)
    return (g * _product_of_others(_wrap(x), axes).data,)


# --- norms -------------------------------------------------------------------------------------


@half_in_float32
def norm(
    x: Any,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: bool = False,
) -> Tensor:
    """The vector p-norm ``(sum |x|^p)^(1/p)`` over ``dim``/``axis`` (all elements by default;
    PyTorch's ``norm`` and ``linalg.vector_norm``). ``p``: a positive number, ``"fro"`` (= 2),
    ``inf`` (max |x|), ``-inf`` (min |x|) or 0 (the number of nonzero elements).

    Gradients: p = 1 is ``sum(abs(x))`` (abs'(0) = 0); +-inf is ``amax``/``amin`` of ``abs(x)``
    (ties split the gradient evenly); 0 has gradient 0; any other p is the ``norm`` gate, whose
    gradient at a zero norm is 0 (PyTorch's subgradient), and 0 at x_i = 0 for p < 1.
    """
    from .elementwise import abs

    x = _t(x)
    axes = _reduced_axes(dim_arg(axis, dim, "norm"), x.ndim, "norm")
    keep = keepdims or keepdim
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(
                f"norm: p={p!r} is not supported (vector norms only: a number, 'fro', inf, -inf)"
            )
        p = 2
    number = isinstance(p, (int, float, np.integer, np.floating)) and not isinstance(p, bool)
    if not (number and (p >= 0 or p == -math.inf)):
        raise ValueError(f"norm: p must be a non-negative number, inf or -inf, got {p!r}")
    if x.data.dtype.kind != "f":
        x = x.float()
    if p == math.inf:
        return amax(abs(x), axes, keep)
    if p == -math.inf:
        return amin(abs(x), axes, keep)
    if p == 1:
        return sum(abs(x), axes, keep)
    if p == 0:
        from .rounding import sign

        return sum(sign(abs(x)), axes, keep)
    p = float(p)
    a = np.abs(x.data)
    if p == 2:
        out = np.sqrt(np.add.reduce(a * a, axis=axes, keepdims=keep))  # z = sqrt(sum x^2)
    else:
        out = np.add.reduce(a**p, axis=axes, keepdims=keep) ** (1.0 / p)  # z = (sum |x|^p)^(1/p)
    out = np.asarray(out, dtype=x.data.dtype)
    return record(NORM, out, (x,), out, (axes, keep, p))


@gate(
    "norm",
    "x_i receives g sign(x_i) |x_i|^(p-1) / z^(p-1), z the norm; 0 where z = 0, and at x_i = 0 for p < 1",
    saves_output=True,
)
def NORM(node: Node, g: Tensor) -> tuple:
    from .elementwise import abs, where
    from .rounding import sign

    x = node.inputs[0]
    p = node.attrs[2]
    z = _expand_back(_from_node(node.saved, node), node)
    zero_norm = _wrap(_expand_back(node.saved, node) == 0)
    if p == 2:
        local = x
    else:
        at_zero = _wrap(x.data == 0)
        with np.errstate(divide="ignore", invalid="ignore"):  # |0|^(p-1), p < 1: discarded
            local = where(at_zero, 0.0, sign(x) * abs(x) ** (p - 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = where(zero_norm, 0.0, _expand_back(g, node) / z ** (p - 1.0))
    return (local * scale,)


# --- max and min -------------------------------------------------------------------------------


class ValuesIndices(NamedTuple):
    """What ``max``/``min``/``sort``... along a dimension return (PyTorch's ``torch.return_types``):
    differentiable ``values`` and integer ``indices``."""

    values: Tensor
    indices: Tensor


def _extreme(x: Any, axis: Any, keepdims: bool, name: str, kernel: Any, g: Any) -> Tensor:
    x = _t(x)
    axes = _reduced_axes(axis, x.ndim, name)
    if x.data.size == 0:
        raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape}")
    out = np.asarray(kernel(x.data, axis=axes, keepdims=keepdims))  # NaN propagates
    return record(g, out, (x,), out, (axes, keepdims))


def _route_to_extreme(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0]
    axes = node.attrs[0]
    best = node.saved if node.attrs[1] else np.expand_dims(node.saved, axes)
    winners = (x.data == best) | (np.isnan(x.data) & np.isnan(best))  # a NaN wins
    share = winners / np.sum(winners, axis=axes, keepdims=True)  # ties split evenly
    return (_expand_back(g, node) * Tensor(share.astype(x.dtype)),)


@gate(
    "max",
    "routes: the gradient goes to the largest element; ties split it evenly",
    saves_output=True,
)
def MAX(node: Node, g: Tensor) -> tuple:
    return _route_to_extreme(node, g)


@gate(
    "min",
    "routes: the gradient goes to the smallest element; ties split it evenly",
    saves_output=True,
)
def MIN(node: Node, g: Tensor) -> tuple:
    return _route_to_extreme(node, g)


def amax(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
) -> Tensor:
    """The largest value over ``axis``/``dim`` (all by default). NaN propagates; the gradient is
    split evenly among tied maxima."""
    return _extreme(x, dim_arg(axis, dim, "amax"), keepdims or keepdim, "amax", np.max, MAX)


def amin(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
) -> Tensor:
    """The smallest value over ``axis``/``dim``; NaN propagates; ties split the gradient."""
    return _extreme(x, dim_arg(axis, dim, "amin"), keepdims or keepdim, "amin", np.min, MIN)


def _along(x: Tensor, dim: Any, keepdim: bool, op: str, pick: Any) -> ValuesIndices:
    """``(values, indices)`` along one dimension: the index ``pick`` chooses (the first on ties,
    a NaN before anything), and the values gathered there, so the gradient goes to that one
    element (PyTorch's rule for ``max(dim)``)."""
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    (axis,) = normalize_axis(int(dim), x.ndim, op) or (0,)
    if x.ndim and x.shape[axis] == 0:
        raise ValueError(f"{op}: cannot reduce an empty dimension {dim} of shape {x.shape}")
    if x.ndim == 0:
        return ValuesIndices(x, _wrap(np.zeros((), dtype=np.int64)))
    idx = np.expand_dims(pick(x.data, axis=axis), axis)
    values = x[
        along_axis(idx, axis)
    ]  # a getitem: its gradient goes back to the picked positions only
    if not keepdim:
        values, idx = values.squeeze(axis), idx.squeeze(axis)
    return ValuesIndices(values, _wrap(idx.astype(np.int64)))


def max(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """PyTorch's ``max``: with no dimension, the largest element (a Tensor; ties split the
    gradient); with ``dim``, a ``(values, indices)`` named tuple. For the maximum over several
    axes as one Tensor, use :func:`amax`."""
    if isinstance(dim, Tensor):  # torch.max(a, b): the elementwise maximum
        from .elementwise import maximum

        return maximum(x, dim)
    x, dim = _t(x), dim_arg(axis, dim, "max")
    if dim is None:
        return _extreme(x, None, keepdim, "max", np.max, MAX)
    return _along(x, dim, keepdim, "max", np.argmax)


def min(x: Any, dim: Any = None, keepdim: bool = False, *, axis: Any = None) -> Any:
    """PyTorch's ``min``: the smallest element, or ``(values, indices)`` along ``dim``."""
    if isinstance(dim, Tensor):  # torch.min(a, b): the elementwise minimum
        from .elementwise import minimum

        return minimum(x, dim)
    x, dim = _t(x), dim_arg(axis, dim, "min")
    if dim is None:
        return _extreme(x, None, keepdim, "min", np.min, MIN)
    return _along(x, dim, keepdim, "min", np.argmin)


# --- logsumexp ---------------------------------------------------------------------------------


def logsumexp(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
) -> Tensor:
    """``ln sum e^x`` over ``axis``/``dim``, shifted by the maximum so it never overflows."""
    x = _t(x)
    axes = _reduced_axes(dim_arg(axis, dim, "logsumexp"), x.ndim, "logsumexp")
    keep = keepdims or keepdim
    d = x.data if x.data.dtype.kind == "f" else x.data.astype(DEFAULT_FLOAT)
    if d.size == 0 and axes:
        raise ValueError(f"logsumexp: cannot reduce an empty tensor of shape {x.shape}")
    m = np.max(d, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)  # all -inf rows stay -inf, not NaN
    out = np.log(np.sum(np.exp(d - m), axis=axes, keepdims=True)) + m  # ln sum e^x, shifted
    if not keep:
        out = np.squeeze(out, axis=axes)
    out = np.asarray(out)
    return record(LOGSUMEXP, out, (x,), out, (axes, keep))


@gate(
    "logsumexp",
    "soft max: the input receives g * softmax(x) = g * e^(x - out)",
    saves_output=True,
)
def LOGSUMEXP(node: Node, g: Tensor) -> tuple:
    from .elementwise import exp

    out = _expand_back(_from_node(node.saved, node), node)  # the output, still differentiable
    return (_expand_back(g, node) * exp(node.inputs[0] - out),)


# --- indices (not differentiable) --------------------------------------------------------------


def argmax(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
) -> Tensor:
    """Index of the largest element (first on ties; a NaN counts as largest); not
    differentiable. With no dimension, the index into the flattened tensor."""
    return _arg(x, dim_arg(axis, dim, "argmax"), keepdims or keepdim, "argmax", np.argmax)


def argmin(
    x: Any, axis: Any = None, keepdims: bool = False, *, dim: Any = None, keepdim: bool = False
) -> Tensor:
    """Index of the smallest element (first on ties); not differentiable."""
    return _arg(x, dim_arg(axis, dim, "argmin"), keepdims or keepdim, "argmin", np.argmin)


def _arg(x: Any, axis: Any, keepdims: bool, op: str, kernel: Any) -> Tensor:
    x = _t(x)
    if x.data.size == 0:
        raise ValueError(f"{op}: cannot pick from an empty tensor of shape {x.shape}")
    if axis is not None:
        (axis,) = normalize_axis(axis, x.ndim, op) or (None,)
    out = np.asarray(kernel(x.data, axis=axis, keepdims=keepdims)).astype(np.int64, copy=False)
    return _wrap(out)
