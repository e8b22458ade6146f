"""Shared plumbing for gate functions: operands and dtype promotion, recording, axes, views."""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from ..graph import modes
from ..tensor import DEFAULT_FLOAT, Tensor, _Extra, _recorded, _wrap, as_array, counter

# --- operands and PyTorch's dtype promotion ----------------------------------------------------
#
# PyTorch's rules, which NumPy's differ from in three places:
# - Python numbers are weak: they take the tensor's dtype when it is of their category or a
#   higher one (bool < integer < float); a Python float meeting an integer tensor gives the
#   default float dtype (float32), never float64.
# - A 0-d tensor is weak against tensors with dimensions in the same way, except that it keeps
#   its own dtype when its category is higher (int32 tensor + float64 0-d tensor -> float64).
# - True division of integers gives the default float dtype.

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2}
_INT64 = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def _scalar_dtype(x: Any, like: np.dtype | None) -> np.dtype:
    """The dtype a Python number takes next to a tensor of dtype ``like``."""
    kind = type(x)
    cat = 0 if kind is bool or kind is np.bool_ else 1 if isinstance(x, (int, np.integer)) else 2
    if like is not None and _CATEGORY.get(like.kind, 2) >= cat:
        return like
    return (_BOOL, _INT64, DEFAULT_FLOAT)[cat]


def operand(x: Any, like: Tensor | None = None) -> Tensor:
    """A constant operand as a Tensor: Python numbers are weak (see above); arrays and other
    data keep their own dtype (Python floats in lists become float32)."""
    kind = type(x)
    if (kind is float or kind is int) and like is not None and like.data.dtype.kind == "f":
        return _wrap(np.asarray(x, dtype=like.data.dtype))  # the common case: x * 0.5
    if isinstance(x, Tensor):
        return x
    if kind is float or kind is int or kind is bool or isinstance(x, (np.number, np.bool_)):
        return _wrap(
            np.asarray(x, dtype=_scalar_dtype(x, None if like is None else like.data.dtype))
        )
    return _wrap(as_array(x))


def _t(x: Any) -> Tensor:
    """A gate's tensor argument: Tensors pass through, anything else becomes a constant."""
    return x if type(x) is Tensor or isinstance(x, Tensor) else operand(x)


def pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    """Two operands as Tensors, a Python number taking its dtype from the other operand."""
    if type(a) is not Tensor:
        a = operand(a, b if isinstance(b, Tensor) else None)
    if type(b) is not Tensor:
        b = operand(b, a)
    return a, b


def _promote(da: np.dtype, db: np.dtype) -> np.dtype:
    """The higher category's dtype (int64 with float32 is float32, where NumPy says float64);
    within one category, the wider type."""
    ca, cb = _CATEGORY.get(da.kind, 2), _CATEGORY.get(db.kind, 2)
    if ca != cb:
        return da if ca > cb else db
    return np.promote_types(da, db)


def common_dtype(arrays: Any) -> np.dtype:
    """PyTorch's result dtype for several tensors joined as equals (``cat``, ``stack``)."""
    dtype = arrays[0].dtype
    for a in arrays[1:]:
        if a.dtype != dtype:
            dtype = _promote(dtype, a.dtype)
    return dtype


def result_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """PyTorch's result dtype for two tensors' arrays (0-d arrays are weak within a category)."""
    da, db = a.dtype, b.dtype
    if da == db:
        return da
    if (a.ndim == 0) == (b.ndim == 0):
        return _promote(da, db)
    strong, weak = (da, db) if b.ndim == 0 else (db, da)
    if _CATEGORY.get(weak.kind, 2) > _CATEGORY.get(strong.kind, 2):
        return weak  # a 0-d tensor of a higher category keeps its dtype
    return strong


def promoted(op: str, a: Tensor, b: Tensor, true_division: bool = False) -> tuple:
    """``a`` and ``b``'s arrays cast to their common dtype (integers to float32 for true
    division), the slow path of the two-input gates when the dtypes differ."""
    dtype = result_dtype(a.data, b.data)
    if true_division and dtype.kind in "biu":
        dtype = DEFAULT_FLOAT
    ad = a.data if a.data.dtype == dtype else a.data.astype(dtype)
    bd = b.data if b.data.dtype == dtype else b.data.astype(dtype)
    return ad, bd


def float_data(x: Tensor) -> np.ndarray:
    """``x``'s array, integers and booleans converted to the default float (exp of an integer
    tensor is float32, as in PyTorch, not NumPy's float64)."""
    d = x.data
    return d if d.dtype.kind == "f" else d.astype(DEFAULT_FLOAT)


# --- recording ---------------------------------------------------------------------------------


def record(
    gate: Any, data: np.ndarray, inputs: tuple, saved: Any = None, attrs: Any = None
) -> Tensor:
    """Wrap ``data`` as the output of ``gate``, recording a node when some input requires grad."""
    for t in inputs:
        if t.requires_grad:
            return _recorded(gate, data, inputs, saved, attrs)  # (it checks grad mode)
    return _wrap(data)


# --- broadcasting -------------------------------------------------------------------------------


def broadcasts_to(shape: tuple, target: tuple) -> bool:
    """Whether an array of ``shape`` broadcasts to ``target`` without changing it."""
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


def broadcast_axes(have: tuple, want: tuple) -> tuple:
    """The axes of ``have`` that broadcasting ``want`` up to it created or stretched."""
    extra = len(have) - len(want)
    return tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(want) if n == 1 and have[i + extra] != 1
    )


def reduce_array_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum a broadcast gradient array back to ``shape`` (the one shared unbroadcast rule; its
    Tensor form is ``reduce.reduce_to_shape``)."""
    axes = broadcast_axes(g.shape, shape)
    if axes:
        g = np.asarray(np.add.reduce(g, axis=axes))
    if g.shape != shape:
        g = g.reshape(shape)
    return g


# --- axes --------------------------------------------------------------------------------------


class DimensionError(IndexError, ValueError):
    """A dimension argument out of range (an IndexError, as in PyTorch; also a ValueError)."""


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
            raise DimensionError(
                f"{op}: dimension {a} is out of range for a tensor with {ndim} dimensions"
            )
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated dimension in {axis}")
    if ndim == 0:
        return ()  # like PyTorch, axis 0 or -1 of a 0-d tensor is the tensor itself
    return tuple(sorted(out))


def dim_arg(axis: Any, dim: Any, op: str) -> Any:
    """Functions take NumPy's ``axis`` and PyTorch's ``dim`` (one of them)."""
    if dim is None:
        return axis
    if axis is not None:
        raise TypeError(f"{op}: pass either axis= or dim=, not both")
    return dim


def along_axis(index: np.ndarray, axis: int) -> tuple:
    """The advanced index that picks, at each position of ``index``, the element whose
    coordinate along ``axis`` is the value there and whose other coordinates are the position's
    own: ``x[along_axis(i, d)]`` is ``np.take_along_axis(x, i, d)``, and ``np.add.at`` through it
    is PyTorch's ``scatter_add``."""
    nd = index.ndim
    return tuple(
        index if a == axis else np.arange(n).reshape((n,) + (1,) * (nd - a - 1))
        for a, n in enumerate(index.shape)
    )


# --- views -------------------------------------------------------------------------------------


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


def base_of(t: Tensor) -> Tensor | None:
    e = t._extra
    return None if e is None else e.base


def as_view(out: Tensor, x: Tensor) -> Tensor:
    """Mark ``out``, whose array looks into ``x``'s memory, as a view of ``x``'s base: they share
    one version counter, and (under grad mode) an in-place change that gives the base a new
    history updates the view's too (``inplace.refresh_views``)."""
    xe = x._extra
    if xe is not None and xe.base is not None:
        root = xe.base
        c = xe.counter
    else:
        root = x
        c = counter(x) if xe is None or xe.counter is None else xe.counter
    out._extra = _Extra(c, root)
    # Only a base that can get a new history needs its views listed: not a leaf that requires
    # grad (it may change in place only under no_grad, unrecorded), and not under no_grad.
    if (root.grad_fn is not None or not root.requires_grad) and modes().enabled:
        views = c.views
        if views is None:
            views = c.views = []
        elif len(views) % 256 == 255:  # forget dead views now and then (the list stays bounded)
            views[:] = [r for r in views if r() is not None]
        views.append(weakref.ref(out))
    return out
