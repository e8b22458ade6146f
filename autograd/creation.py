"""Tensor factories and random number generation (seedable, explicit generators welcome)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .random import resolve_generator as _rng
from .tensor import DEFAULT_FLOAT as _DEFAULT_FLOAT
from .tensor import Tensor, _wrap, as_array, check_requires_grad, device


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _new(arr: np.ndarray, requires_grad: bool, device_: Any = None) -> Tensor:
    if device_ is not None:
        device(device_)  # refuses anything but the CPU
    t = _wrap(arr)
    if requires_grad:
        check_requires_grad(arr)
        t.requires_grad = True
    return t


def tensor(
    data: Any, dtype: Any = None, requires_grad: bool = False, *, device: Any = None
) -> Tensor:
    """A new leaf tensor holding a copy of ``data``. Python floats become float32."""
    arr = as_array(data, dtype, "tensor")
    if arr is data or (isinstance(data, Tensor) and arr is data.data):
        arr = arr.copy()
    return _new(arr, requires_grad, device)


def as_tensor(data: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array where it can."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return _new(as_array(data, dtype, "as_tensor"), False, device)


def from_numpy(arr: np.ndarray) -> Tensor:
    """A tensor sharing ``arr``'s memory (writes through NumPy are not version-counted)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(arr).__name__}")
    return _new(as_array(arr, None, "from_numpy"), False)


def zeros(*shape: Any, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros(_shape(shape), dtype=dtype), requires_grad)


def ones(*shape: Any, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_shape(shape), dtype=dtype), requires_grad)


def full(
    shape: Sequence[int] | int, fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    if dtype is None:
        dtype = _DEFAULT_FLOAT if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    return _new(np.full(shape, fill_value, dtype=dtype), requires_grad)


def empty(*shape: Any, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are whatever the memory held (uninitialized, as in PyTorch and
    NumPy's ``empty``): fill it before reading it."""
    return _new(np.empty(_shape(shape), dtype=dtype), requires_grad)


# --- shaped like another tensor (its dtype unless ``dtype`` is given) -------------------------


def _like(t: Any) -> np.ndarray:
    return t.data if isinstance(t, Tensor) else np.asarray(t)


def zeros_like(t: Tensor | np.ndarray, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros_like(_like(t), dtype=dtype), requires_grad)


def ones_like(t: Tensor | np.ndarray, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones_like(_like(t), dtype=dtype), requires_grad)


def empty_like(t: Tensor | np.ndarray, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uninitialized, shaped like ``t`` (see :func:`empty`)."""
    return _new(np.empty_like(_like(t), dtype=dtype), requires_grad)


def full_like(
    t: Tensor | np.ndarray, fill_value: Any, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` everywhere, shaped like ``t`` (its dtype unless ``dtype`` is given)."""
    return _new(np.full_like(_like(t), fill_value, dtype=dtype), requires_grad)


def _float_like(t: Any, dtype: Any, op: str) -> np.dtype:
    dtype = np.dtype(_like(t).dtype if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(
            f"{op}: draws floating-point values, but the dtype would be {dtype}; pass dtype="
        )
    return dtype


def rand_like(
    t: Tensor | np.ndarray,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Uniform on [0, 1), shaped like ``t`` (a floating-point dtype: t's unless given)."""
    dtype = _float_like(t, dtype, "rand_like")
    return _new(_rng(generator).random(_like(t).shape).astype(dtype), requires_grad)


def randn_like(
    t: Tensor | np.ndarray,
    dtype: Any = None,
    requires_grad: bool = False,
    *,
    generator: Any = None,
) -> Tensor:
    """Standard normal, shaped like ``t`` (a floating-point dtype: t's unless given)."""
    dtype = _float_like(t, dtype, "randn_like")
    return _new(_rng(generator).standard_normal(_like(t).shape).astype(dtype), requires_grad)


def randint_like(
    t: Tensor | np.ndarray,
    low: int,
    high: int | None = None,
    *,
    dtype: Any = None,
    generator: Any = None,
) -> Tensor:
    """Integers drawn uniformly from [low, high) (or [0, low) given one bound), shaped like
    ``t`` and of its dtype unless ``dtype`` is given (PyTorch's ``randint_like``)."""
    low, high = (0, low) if high is None else (low, high)
    dtype = _like(t).dtype if dtype is None else dtype
    return _new(_rng(generator).integers(low, high, size=_like(t).shape).astype(dtype), False)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None:
        arr = arr.astype(dtype)
    elif arr.dtype == np.float64:
        arr = arr.astype(_DEFAULT_FLOAT)
    return _new(arr, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (PyTorch's
    ``linspace``; float32 unless ``dtype`` is given)."""
    steps = _steps(steps, "linspace")
    arr = np.linspace(start, end, steps, dtype=np.float64)
    return _new(arr.astype(_DEFAULT_FLOAT if dtype is None else dtype), requires_grad, device)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``base ** linspace(start, end, steps)`` (PyTorch's ``logspace``; float32 unless
    ``dtype`` is given)."""
    steps = _steps(steps, "logspace")
    arr = np.logspace(start, end, steps, base=base, dtype=np.float64)
    return _new(arr.astype(_DEFAULT_FLOAT if dtype is None else dtype), requires_grad, device)


def _steps(steps: Any, op: str) -> int:
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"{op}: steps must be a non-negative int, got {steps!r}")
    return int(steps)


def eye(
    n: int, m: int | None = None, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False
) -> Tensor:
    return _new(np.eye(n, m, dtype=dtype), requires_grad)


def rand(
    *shape: Any, generator: Any = None, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False
) -> Tensor:
    """Uniform on [0, 1)."""
    return _new(_rng(generator).random(_shape(shape)).astype(dtype), requires_grad)


def randn(
    *shape: Any, generator: Any = None, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False
) -> Tensor:
    """Standard normal."""
    return _new(_rng(generator).standard_normal(_shape(shape)).astype(dtype), requires_grad)


def randint(
    low: int,
    high: Any = None,
    size: Sequence[int] | None = None,
    *,
    generator: Any = None,
    dtype: Any = np.int64,
) -> Tensor:
    """Integers drawn uniformly from [low, high): ``randint(low, high, size)`` or, as PyTorch
    also allows, ``randint(high, size)`` (from 0). int64 unless ``dtype`` is given."""
    if size is None:  # randint(high, size)
        if high is None:
            raise TypeError("randint: missing the size (randint(high, size) or (low, high, size))")
        low, high, size = 0, low, high
    elif high is None:
        raise TypeError("randint: missing high")
    shape = _shape((size,)) if not isinstance(size, (int, np.integer)) else (int(size),)
    return _wrap(_rng(generator).integers(low, high, size=shape).astype(dtype))


def randperm(
    n: int, *, generator: Any = None, dtype: Any = np.int64, requires_grad: bool = False
) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype`` is given)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    return _new(_rng(generator).permutation(int(n)).astype(dtype), requires_grad)


# --- Tensor.new_*: the tensor's dtype unless ``dtype`` is given (autograd.ops binds them) -------


def new_tensor(self: Tensor, data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf holding a copy of ``data``, of this tensor's dtype unless ``dtype`` is given."""
    return tensor(data, self.dtype if dtype is None else dtype, requires_grad)


def new_zeros(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of ``size``, of this tensor's dtype unless ``dtype`` is given."""
    return zeros(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def new_ones(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of ``size``, of this tensor's dtype unless ``dtype`` is given."""
    return ones(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def new_empty(self: Tensor, *size: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Uninitialized, of ``size``, of this tensor's dtype unless ``dtype`` is given."""
    return empty(*size, dtype=self.dtype if dtype is None else dtype, requires_grad=requires_grad)


def new_full(
    self: Tensor, size: Any, fill_value: Any, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` everywhere, of ``size``, of this tensor's dtype unless ``dtype`` is given."""
    return full(size, fill_value, self.dtype if dtype is None else dtype, requires_grad)
