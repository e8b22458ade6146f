"""Tensor factories and random number generation (seedable, explicit generators welcome).

Every factory checks its size and dtype itself, so that a mistake is reported under the factory's
name (``zeros: negative dimension -1 in size (-1,)``), not as NumPy's message from inside it.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .random import resolve_generator as _rng
from .tensor import DEFAULT_FLOAT as _DEFAULT_FLOAT
from .tensor import Tensor, _wrap, as_array, check_requires_grad, device


def get_default_dtype() -> np.dtype:
    """The dtype of floating-point tensors made from Python floats and of the float factories
    (``zeros``, ``rand``...) when no dtype is given: float32, as PyTorch's default."""
    return _DEFAULT_FLOAT


def _dim(n: Any, dims: Any, op: str) -> int:
    """One size of a shape, an int (or anything with ``__index__``, not a bool); never negative."""
    try:
        if isinstance(n, (bool, np.bool_)):
            raise TypeError
        n = operator.index(n)
    except TypeError:
        raise TypeError(
            f"{op}: size must be ints or a sequence of ints, got {n!r} ({type(n).__name__}) "
            f"in {dims!r}"
        ) from None
    if n < 0:
        raise ValueError(f"{op}: negative dimension {n} in size {dims}")
    return n


def _shape(shape: tuple, op: str) -> tuple[int, ...]:
    """``zeros(2, 3)`` and ``zeros((2, 3))`` alike: the ints, or one sequence of them."""
    dims: Any = shape
    if len(shape) == 1 and not isinstance(shape[0], (int, np.integer)):
        dims = shape[0]
        if isinstance(dims, Tensor):
            dims = dims.tolist() if dims.ndim else (dims,)
        try:
            dims = tuple(dims)
        except TypeError:
            dims = (dims,)  # a lone non-int (zeros(2.5)): reported below, under the factory's name
    # (plain ints, so that a message shows (-1,) rather than NumPy scalars' reprs)
    ints = tuple(
        int(d) if isinstance(d, (int, np.integer)) and not isinstance(d, bool) else d for d in dims
    )
    return tuple(_dim(n, ints, op) for n in ints)


def _dtype(dtype: Any, op: str, *, floating: bool = False) -> np.dtype:
    """``dtype`` as a NumPy dtype, refused under the factory's name when it is none (or, for
    the random draws, when it is not floating-point)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{op}: {err}") from None
    if floating and dt.kind != "f":
        raise TypeError(f"{op}: draws floating-point values, but the dtype would be {dt}")
    return dt


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
    return _new(np.zeros(_shape(shape, "zeros"), dtype=_dtype(dtype, "zeros")), requires_grad)


def ones(*shape: Any, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    return _new(np.ones(_shape(shape, "ones"), dtype=_dtype(dtype, "ones")), requires_grad)


def full(
    shape: Sequence[int] | int, fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    if dtype is None:
        dtype = _DEFAULT_FLOAT if isinstance(fill_value, float) else np.asarray(fill_value).dtype
    size = _shape((shape,), "full")
    return _new(np.full(size, fill_value, dtype=_dtype(dtype, "full")), requires_grad)


def empty(*shape: Any, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False) -> Tensor:
    """A tensor whose values are whatever the memory held (uninitialized, as in PyTorch and
    NumPy's ``empty``): fill it before reading it."""
    return _new(np.empty(_shape(shape, "empty"), dtype=_dtype(dtype, "empty")), requires_grad)


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
    bounds = (start, step) if stop is None else (start, stop, step)
    if not all(math.isfinite(float(v)) for v in bounds):
        raise ValueError(f"arange: start, end and step must be finite, got {bounds}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    arr = np.arange(start, stop, step) if stop is not None else np.arange(start)
    if dtype is not None:
        dtype = _dtype(dtype, "arange")
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
    size = _shape((n,) if m is None else (n, m), "eye")
    return _new(np.eye(*size, dtype=_dtype(dtype, "eye")), requires_grad)


def rand(
    *shape: Any, generator: Any = None, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False
) -> Tensor:
    """Uniform on [0, 1)."""
    size, dtype = _shape(shape, "rand"), _dtype(dtype, "rand", floating=True)
    return _new(_rng(generator).random(size).astype(dtype), requires_grad)


def randn(
    *shape: Any, generator: Any = None, dtype: Any = _DEFAULT_FLOAT, requires_grad: bool = False
) -> Tensor:
    """Standard normal."""
    size, dtype = _shape(shape, "randn"), _dtype(dtype, "randn", floating=True)
    return _new(_rng(generator).standard_normal(size).astype(dtype), requires_grad)


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
    shape = _shape((size,), "randint")
    if not high > low:
        raise ValueError(f"randint: the range [low, high) = [{low}, {high}) is empty")
    return _wrap(_rng(generator).integers(low, high, size=shape).astype(_dtype(dtype, "randint")))


def randperm(
    n: int, *, generator: Any = None, dtype: Any = np.int64, requires_grad: bool = False
) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless ``dtype`` is given)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ValueError(f"randperm: n must be a non-negative int, got {n!r}")
    return _new(_rng(generator).permutation(int(n)).astype(dtype), requires_grad)


def _probabilities(p: np.ndarray, op: str) -> None:
    inside = (p >= 0) & (p <= 1)  # (NaN is neither)
    if not inside.all():
        raise ValueError(f"{op}: probabilities must lie in [0, 1], got {p[~inside].flat[0]}")


def bernoulli(input: Any, p: float | None = None, *, generator: Any = None) -> Tensor:
    """1 with probability ``input`` (each element its own; or ``p`` for all, given), else 0, of
    input's floating-point dtype and shape, drawn from ``generator`` (the default one unless
    given). Not differentiable: the result is a new leaf, as a sample is."""
    x = input.data if isinstance(input, Tensor) else as_array(input, None, "bernoulli")
    if x.dtype.kind != "f":
        raise TypeError(f"bernoulli: expects floating-point probabilities, got dtype {x.dtype}")
    probs = x if p is None else np.asarray(p, dtype=np.float64)
    _probabilities(probs, "bernoulli")
    return _wrap((_rng(generator).random(x.shape) < probs).astype(x.dtype))


def multinomial(
    input: Any, num_samples: int, replacement: bool = False, *, generator: Any = None
) -> Tensor:
    """``num_samples`` category indices drawn with probabilities proportional to the
    non-negative ``input`` weights (1-D: one row of categories; 2-D: one draw per row), int64 of
    shape (num_samples,) or (rows, num_samples). Without ``replacement`` each row's indices
    differ (once its nonzero weights are used up, the zero-weight categories follow, as in
    PyTorch); drawn from ``generator`` (the default one unless given)."""
    w = input.data if isinstance(input, Tensor) else as_array(input, None, "multinomial")
    if w.dtype.kind != "f":
        raise TypeError(f"multinomial: expects floating-point weights, got dtype {w.dtype}")
    if w.ndim not in (1, 2) or w.shape[-1] == 0:
        raise ValueError(
            f"multinomial: expects a 1-D or 2-D tensor of weights, got shape {w.shape}"
        )
    n = w.shape[-1]
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise TypeError(f"multinomial: num_samples must be an int, got {num_samples!r}")
    if num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be positive, got {num_samples}")
    if not replacement and num_samples > n:
        raise ValueError(
            f"multinomial: cannot draw {num_samples} samples without replacement from {n} "
            "categories"
        )
    rows = w.reshape(-1, n).astype(np.float64)
    if not (np.isfinite(rows) & (rows >= 0)).all():
        raise ValueError("multinomial: weights must be finite and non-negative")
    if (rows.sum(axis=1) <= 0).any():
        raise ValueError(
            f"multinomial: row {int(np.argmax(rows.sum(axis=1) <= 0))} of the weights sums to 0"
        )
    rng = _rng(generator)
    if replacement:  # inverse transform: where each uniform draw falls in the cumulative weights
        cdf = np.cumsum(rows, axis=1)
        u = rng.random((len(rows), num_samples)) * cdf[:, -1:]
        out = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        out = np.minimum(out, n - 1)  # (a draw that rounds up to the total)
    else:  # an exponential race: the first num_samples to arrive, each at rate w_i
        with np.errstate(divide="ignore"):
            arrival = rng.standard_exponential(rows.shape) / rows  # (weight 0: never, inf)
        out = np.argsort(arrival, axis=1, kind="stable")[:, :num_samples]
    return _wrap(out.astype(np.int64).reshape(w.shape[:-1] + (num_samples,)))


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
