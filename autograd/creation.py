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


def zeros_like(t: Tensor | np.ndarray, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.zeros_like(np.asarray(t), dtype=dtype), requires_grad)


def ones_like(t: Tensor | np.ndarray, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return _new(np.ones_like(np.asarray(t), dtype=dtype), requires_grad)


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
    start: float, stop: float, num: int, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False
) -> Tensor:
    return _new(np.linspace(start, stop, num, dtype=dtype), requires_grad)


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


def randint(low: int, high: int, size: Sequence[int], generator: Any = None) -> Tensor:
    return _wrap(_rng(generator).integers(low, high, size=size))
