"""Shared plumbing for gate functions: operand conversion and recording."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Gate, _state, recorded
from ..tensor import Tensor, _as_array, _wrap


def operand(x: Any, like: Tensor | None = None) -> Tensor:
    """A constant operand as a Tensor. Python numbers and 0-d values adopt the floating dtype of
    the tensor they meet (``x * 2.0`` stays float32); arrays keep their own dtype."""
    kind = type(x)
    if (kind is float or kind is int) and like is not None and like.data.dtype.kind == "f":
        return _wrap(np.asarray(x, dtype=like.data.dtype))  # the common case: x * 0.5
    if isinstance(x, Tensor):
        return x
    scalar = (
        kind is float or kind is int or (isinstance(x, (np.generic, np.ndarray)) and x.ndim == 0)
    )
    if scalar and like is not None and like.data.dtype.kind == "f":
        return Tensor(np.asarray(x, dtype=like.data.dtype))
    if kind is bool or kind is np.bool_:
        return Tensor(np.asarray(x))
    return Tensor(_as_array(x))


def _t(x: Any) -> Tensor:
    """A gate's tensor argument: Tensors pass through, anything else becomes a constant."""
    return x if type(x) is Tensor or isinstance(x, Tensor) else operand(x)


def pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    if type(a) is not Tensor:
        a = operand(a, b if isinstance(b, Tensor) else None)
    if type(b) is not Tensor:
        b = operand(b, a)
    return a, b


def record(
    gate: Gate, data: np.ndarray, inputs: tuple, saved: Any = None, attrs: Any = None
) -> Tensor:
    """Wrap ``data`` as the output of ``gate``, recording a node when some input requires grad."""
    if _state.enabled:
        for t in inputs:
            if t.requires_grad:
                return recorded(gate, data, inputs, saved, attrs)
    return _wrap(data)


def normalize_axis(axis: Any, ndim: int, op: str) -> tuple[int, ...]:
    """Axis argument (None, int or tuple) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, without the general checks
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    if ndim == 0:
        return ()  # like PyTorch, axis 0 or -1 of a 0-d tensor is the tensor itself
    return tuple(sorted(out))


def broadcast_view(a: np.ndarray, shape: tuple) -> np.ndarray:
    """np.broadcast_to, built directly as a zero-stride view when ``a`` is contiguous and only
    size-1 axes grow (np.broadcast_to goes through nditer: ~10x the cost for small arrays)."""
    if a.flags.c_contiguous and a.ndim <= len(shape):
        if a.ndim < len(shape):
            a = a.reshape((1,) * (len(shape) - a.ndim) + a.shape)
        if all(n == m or n == 1 for n, m in zip(a.shape, shape)):
            strides = tuple(0 if n != m else s for n, m, s in zip(a.shape, shape, a.strides))
            out = np.ndarray(shape, a.dtype, a, 0, strides)
            out.flags.writeable = False
            return out
    return np.broadcast_to(a, shape)
