"""Norms and distances between vectors: ``cosine_similarity``, ``pairwise_distance``, ``cdist``
and ``normalize``, with PyTorch's semantics.

Compositions of elementwise, reduction and matmul gates, so their gradients (of any order) are
those gates'. The one convention to state: a p-norm of an all-zero vector is 0 with gradient 0
(PyTorch's), not the root's infinite slope times zero: the root only ever sees a safe stand-in
there, and ``where`` sends it no gradient. ``abs'(0) = 0``; the inf-norm's gradient is split
evenly among tied largest entries.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._common import _t, pair
from .elementwise import abs, clip, half_in_float32, sqrt, where
from .linalg import matmul
from .reduce import amax
from .reduce import sum as _sum
from .shape import expand_to, swapaxes, unsqueeze


def _check_float(op: str, *xs: Tensor) -> None:
    for x in xs:
        if x.data.dtype.kind != "f":
            raise TypeError(f"{op}: expects floating-point tensors, got dtype {x.dtype}")


def _root(total: Tensor, p: float) -> Tensor:
    """total^(1/p), 0 with gradient 0 where total is 0 (the convention above)."""
    zero = total.data == 0
    if not zero.any():
        return sqrt(total) if p == 2 else total ** (1.0 / p)
    safe = where(zero, 1.0, total)
    return where(zero, 0.0, sqrt(safe) if p == 2 else safe ** (1.0 / p))


def _norm(d: Tensor, p: float, dim: Any, keepdim: bool) -> Tensor:
    """The p-norm of d along ``dim``: p = 2 (Euclidean), 1, inf, 0 (the count of nonzeros, no
    gradient), any other positive p as (sum |d|^p)^(1/p)."""
    if p == 2:
        return _root(_sum(d * d, dim, keepdims=keepdim), 2)
    if p == 1:
        return _sum(abs(d), dim, keepdims=keepdim)
    if p == math.inf:
        return amax(abs(d), dim, keepdims=keepdim)
    if p == 0:
        return Tensor(np.sum(d.data != 0, axis=dim, keepdims=keepdim).astype(d.dtype))
    return _root(_sum(abs(d) ** p, dim, keepdims=keepdim), p)


def _check_p(op: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) or p < 0:
        raise ValueError(f"{op}: p must be a non-negative number (or inf), got {p!r}")
    return float(p)


@half_in_float32
def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between x1 and x2 along ``dim`` (broadcast to one shape first):
    ``sum((x1 / max(|x1|, eps)) * (x2 / max(|x2|, eps)))``, each vector divided by its norm first
    (as PyTorch computes it: the result stays within [-1, 1]). A norm below eps is replaced by
    eps, a constant: no gradient flows through it there."""
    x1, x2 = pair(x1, x2)
    op = "cosine_similarity"
    _check_float(op, x1, x2)
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        raise ValueError(f"{op}: shapes {x1.shape} and {x2.shape} do not broadcast") from None
    if not -len(shape) <= dim < max(len(shape), 1):
        raise IndexError(f"{op}: dim {dim} is out of range for shape {shape}")
    # broadcast first, as PyTorch does: a vector stretched along dim has the stretched norm
    x1, x2 = expand_to(x1, shape), expand_to(x2, shape)
    n1 = clip(_norm(x1, 2, dim, True), eps)
    n2 = clip(_norm(x2, 2, dim, True), eps)
    return _sum((x1 / n1) * (x2 / n2), dim)  # cos = <x1/|x1|, x2/|x2|>


@half_in_float32
def pairwise_distance(
    x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False
) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` along the last axis (they broadcast), PyTorch's
    ``pairwise_distance``: (N, D) and (N, D) -> (N,). eps keeps the distance of equal vectors
    away from the norm's kink at 0."""
    x1, x2 = pair(x1, x2)
    op = "pairwise_distance"
    _check_float(op, x1, x2)
    p = _check_p(op, p)
    try:
        d = x1 - x2
    except ValueError:
        raise ValueError(f"{op}: shapes {x1.shape} and {x2.shape} do not broadcast") from None
    if d.ndim == 0:
        raise ValueError(f"{op}: expects at least 1-D inputs, got shapes {x1.shape}, {x2.shape}")
    return _norm(d + eps, p, -1, keepdim)


_CDIST_MODES = (
    "use_mm_for_euclid_dist_if_necessary",
    "use_mm_for_euclid_dist",
    "donot_use_mm_for_euclid_dist",
)


@half_in_float32
def cdist(
    x1: Any,
    x2: Any,
    p: float = 2.0,
    compute_mode: str = "use_mm_for_euclid_dist_if_necessary",
) -> Tensor:
    """Every pairwise p-norm distance between the rows of x1 (*, P, M) and x2 (*, R, M) ->
    (*, P, R) (batch axes broadcast), PyTorch's ``cdist``. For p = 2 with more than 25 rows on
    either side (or ``compute_mode="use_mm_for_euclid_dist"``) it takes PyTorch's faster route,
    ``|a|^2 + |b|^2 - 2 a.b`` by one matmul (clamped at 0: rounding can make it slightly
    negative; it loses accuracy for nearby points); otherwise it forms every difference
    (P * R * M values). A distance of 0 has gradient 0."""
    x1, x2 = _t(x1), _t(x2)
    op = "cdist"
    _check_float(op, x1, x2)
    p = _check_p(op, p)
    if compute_mode not in _CDIST_MODES:
        raise ValueError(
            f"{op}: compute_mode must be one of {', '.join(map(repr, _CDIST_MODES))}, "
            f"got {compute_mode!r}"
        )
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise ValueError(
            f"{op}: expects x1 (*, P, M) and x2 (*, R, M) with the same M, got shapes "
            f"{x1.shape} and {x2.shape}"
        )
    try:
        np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    except ValueError:
        raise ValueError(
            f"{op}: batch shapes {x1.shape[:-2]} and {x2.shape[:-2]} do not broadcast"
        ) from None
    mm = compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode == _CDIST_MODES[0] and (x1.shape[-2] > 25 or x2.shape[-2] > 25)
    )
    if p == 2 and mm:
        sq1 = _sum(x1 * x1, -1, keepdims=True)  # (*, P, 1)
        sq2 = unsqueeze(_sum(x2 * x2, -1), -2)  # (*, 1, R)
        d2 = clip(
            sq1 + sq2 - matmul(x1, swapaxes(x2, -1, -2)) * 2.0, 0.0
        )  # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b
        return _root(d2, 2)
    diff = unsqueeze(x1, -2) - unsqueeze(x2, -3)  # (*, P, R, M)
    return _norm(diff, p, -1, False)


@half_in_float32
def normalize(x: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x divided by its p-norm along ``dim``, the norm clamped below at eps (a constant there:
    no gradient through it), PyTorch's ``nn.functional.normalize``."""
    x = _t(x)
    op = "normalize"
    _check_float(op, x)
    p = _check_p(op, p)
    if x.ndim and not -x.ndim <= dim < x.ndim:
        raise IndexError(f"{op}: dim {dim} is out of range for shape {x.shape}")
    return x / clip(_norm(x, p, dim if x.ndim else None, True), eps)  # z = x / max(|x|_p, eps)
