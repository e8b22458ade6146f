"""Tensor factories and random number generation (seedable, explicit generators welcome)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .tensor import Tensor, _as_array, _check_requires_grad

_DEFAULT_FLOAT = np.float32


class Generator:
    """A random stream (wraps ``numpy.random.Generator``). ``Generator(seed)`` or
    ``Generator().manual_seed(seed)``, as in PyTorch; ``get_state``/``set_state`` for resuming."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)

    def manual_seed(self, seed: int) -> Generator:
        self.rng = np.random.default_rng(seed)
        return self

    def get_state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator (used by rand/randn, nn.init and dropout unless given one)."""
    return default_generator.manual_seed(seed)


def _rng(generator: Generator | np.random.Generator | None) -> np.random.Generator:
    if generator is None:
        return default_generator.rng
    if isinstance(generator, Generator):
        return generator.rng
    return generator


def _shape(shape: tuple) -> tuple[int, ...]:
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def _new(arr: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor(arr)
    if requires_grad:
        _check_requires_grad(arr)
        t.requires_grad = True
    return t


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of ``data``. Python floats become float32."""
    arr = _as_array(data, dtype)
    if arr is data or (isinstance(data, Tensor) and arr is data.data):
        arr = arr.copy()
    return _new(arr, requires_grad)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """Like ``tensor`` but shares memory with a NumPy array where it can."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return Tensor(_as_array(data, dtype))


def from_numpy(arr: np.ndarray) -> Tensor:
    return Tensor(arr)


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
    return Tensor(_rng(generator).integers(low, high, size=size))
