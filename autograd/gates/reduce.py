"""Reduction gates: sum, max, min, logsumexp; mean, var and std are compositions of them.

``axis`` is None (all axes), an int, or a tuple of ints; ``keepdims`` keeps reduced axes as size 1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..graph import gate
from ..tensor import Tensor
from ._common import _t, broadcast_view, normalize_axis, record


def _expand_back(g: Any, node: Tensor) -> Any:
    """Re-insert the reduced axes of ``g`` (size 1) so it broadcasts against the input (``g`` a
    Tensor or an array)."""
    axes, keepdims = node.attrs
    if keepdims or not axes:
        return g
    shape = list(g.shape)
    for a in axes:
        shape.insert(a, 1)
    return g.reshape(tuple(shape))


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _t(x)
    axes = normalize_axis(axis, x.ndim, "sum")
    out = np.add.reduce(x.data, axis=axes, keepdims=keepdims)  # z = sum_i x_i (np.sum's kernel)
    if not isinstance(out, np.ndarray):
        out = np.asarray(out)
    return record(SUM, out, (x,), None, (axes, keepdims))


@gate("sum", "distributes: every summed element receives the upstream gradient")
def SUM(node: Tensor, g: Tensor) -> tuple:
    return (_expand_back(g, node).broadcast_to(node.inputs[0].shape),)


@SUM.on_arrays
def _sum_arrays(node: Tensor, g: np.ndarray) -> tuple:
    shape = node.inputs[0].data.shape
    if g.size == 1:  # a full sum: filling a new array costs less than building a strided view
        return (np.full(shape, g.reshape(()), dtype=g.dtype),)
    return (broadcast_view(_expand_back(g, node), shape),)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _t(x)
    axes = normalize_axis(axis, x.ndim, "mean")
    n = math.prod(x.shape[a] for a in axes)  # (np.prod costs microseconds on a list)
    if n == 0:
        raise ValueError(f"mean: cannot average over an empty axis of shape {x.shape}")
    return sum(x, axes, keepdims) * (1.0 / n)  # composite: sum, then scale


def var(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    x = _t(x)
    axes = normalize_axis(axis, x.ndim, "var")
    n = math.prod(x.shape[a] for a in axes)  # (np.prod costs microseconds on a list)
    if n - ddof <= 0:
        raise ValueError(f"var: {n} elements with ddof={ddof} leave no degrees of freedom")
    centred = x - mean(x, axes, keepdims=True)
    return sum(centred * centred, axes, keepdims) * (1.0 / (n - ddof))  # composite


def std(x: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    from .elementwise import sqrt

    return sqrt(var(x, axis, keepdims, ddof))  # composite


def _extreme(x: Any, axis: Any, keepdims: bool, name: str, kernel: Any, g: Any) -> Tensor:
    x = _t(x)
    axes = normalize_axis(axis, x.ndim, name)
    if x.data.size == 0:
        raise ValueError(f"{name}: cannot reduce an empty tensor of shape {x.shape}")
    out = np.asarray(kernel(x.data, axis=axes, keepdims=keepdims))
    return record(g, out, (x,), out, (axes, keepdims))


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _extreme(x, axis, keepdims, "max", np.max, MAX)  # z = max_i x_i


def _route_to_extreme(node: Tensor, g: Tensor) -> tuple:
    x = node.inputs[0]
    axes = node.attrs[0]
    best = node.saved if node.attrs[1] else np.expand_dims(node.saved, axes)
    winners = x.data == best
    share = winners / np.sum(winners, axis=axes, keepdims=True)  # ties split evenly
    return (_expand_back(g, node) * Tensor(share.astype(x.dtype)),)


@gate("max", "routes: the gradient goes to the largest element; ties split it evenly")
def MAX(node: Tensor, g: Tensor) -> tuple:
    return _route_to_extreme(node, g)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    return _extreme(x, axis, keepdims, "min", np.min, MIN)  # z = min_i x_i


@gate("min", "routes: the gradient goes to the smallest element; ties split it evenly")
def MIN(node: Tensor, g: Tensor) -> tuple:
    return _route_to_extreme(node, g)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    x = _t(x)
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    m = np.max(x.data, axis=axes, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)  # all -inf rows stay -inf, not NaN
    out = np.log(np.sum(np.exp(x.data - m), axis=axes, keepdims=True)) + m  # ln sum e^x, shifted
    if not keepdims:
        out = np.squeeze(out, axis=axes)
    out = np.asarray(out)
    return record(LOGSUMEXP, out, (x,), out, (axes, keepdims))


@gate("logsumexp", "soft max: the input receives g * softmax(x) = g * e^(x - out)")
def LOGSUMEXP(node: Tensor, g: Tensor) -> tuple:
    from .elementwise import exp

    out = _expand_back(node, node)  # node is the output itself
    return (_expand_back(g, node) * exp(node.inputs[0] - out),)


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest element (first on ties); not differentiable."""
    x = _t(x)
    if axis is not None:
        (axis,) = normalize_axis(axis, x.ndim, "argmax")
    return Tensor(np.asarray(np.argmax(x.data, axis=axis, keepdims=keepdims)))


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest element (first on ties); not differentiable."""
    x = _t(x)
    if axis is not None:
        (axis,) = normalize_axis(axis, x.ndim, "argmin")
    return Tensor(np.asarray(np.argmin(x.data, axis=axis, keepdims=keepdims)))
