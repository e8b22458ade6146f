"""Piecewise gates: rounding and sign (flat: zero gradient), frac, the remainders fmod and
remainder, floor division and PyTorch's ``divide`` with its rounding modes; nan_to_num and the
NaN-ignoring fmax and fmin; the comparisons, predicates and logical operations (bool tensors,
never differentiable) and where they hold (nonzero, argwhere); and the bitwise operations on
integers and booleans (never differentiable).

Conventions (PyTorch's): floor, ceil, round, trunc and sign have gradient 0 everywhere, at their
jumps too; fmod and remainder pass g to the dividend and -g * trunc(a / b) (fmod) or
-g * floor(a / b) (remainder) to the divisor, the one-sided derivative where the quotient is an
integer. Floor division's gradient is 0 for both inputs (PyTorch refuses it; gategrad gives the
derivative that holds wherever it exists).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..graph import Gate, Node, gate
from ..tensor import Tensor, _wrap
from ._common import _t, pair, result_dtype
from .elementwise import _binary, _unary, compare, div, where


def _zeros_for(g: Tensor) -> Tensor:
    return _wrap(np.zeros(g.shape, dtype=g.dtype))


# --- flat gates: rounding and sign -------------------------------------------------------------


def _flat(name: str, kernel: Callable[..., np.ndarray], math: str) -> tuple[Callable, Gate]:
    """Register the piecewise-constant gate ``name`` (its input receives exactly 0) and return
    its forward. Integer and boolean tensors come back unchanged (a copy), as in PyTorch."""
    the_gate = Gate(
        name,
        f"flat: the input receives 0 ({name} is piecewise constant; 0 at its jumps too)",
        lambda node, g: (_zeros_for(g),),
        reads=(),
        keeps_shape=True,
    )
    the_gate.on_arrays(lambda node, g: (np.zeros_like(g),))

    def forward(x: Any, *args: Any, **kwargs: Any) -> Tensor:
        x = _t(x)
        if x.data.dtype.kind != "f":
            return _wrap(kernel(x.data, *args, **kwargs) if name == "sign" else x.data.copy())
        return _unary(the_gate, kernel(x.data, *args, **kwargs), x)

    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = f"Elementwise {math}; its gradient is 0 everywhere."
    return forward, the_gate


def _sign_kernel(d: np.ndarray) -> np.ndarray:
    return d.copy() if d.dtype == np.bool_ else np.sign(d)  # sign(NaN) = NaN, sign(0) = 0


floor, FLOOR = _flat("floor", np.floor, "floor: the largest integer <= x")
ceil, CEIL = _flat("ceil", np.ceil, "ceil: the smallest integer >= x")
trunc, TRUNC = _flat("trunc", np.trunc, "trunc: x rounded towards 0")
sign, SIGN = _flat("sign", _sign_kernel, "sign: -1, 0 or 1 (NaN stays NaN)")
_round, ROUND = _flat("round", np.round, "round")


def round(x: Any, decimals: int = 0) -> Tensor:
    """Elementwise rounding to ``decimals`` places, halves to even (0.5 -> 0, 1.5 -> 2, as
    PyTorch and NumPy do); its gradient is 0 everywhere."""
    return _round(x, decimals)


def frac(x: Any) -> Tensor:
    """Elementwise fractional part ``x - trunc(x)``, with x's sign (``frac(-1.5) = -0.5``); the
    gradient passes unchanged (trunc's is 0). Floating-point tensors only, as in PyTorch."""
    x = _t(x)
    if x.data.dtype.kind != "f":
        raise TypeError(f"frac: expects a floating-point tensor, got dtype {x.dtype}")
    return x - trunc(x)


# --- remainders and floor division -------------------------------------------------------------


def _integer_checked(ufunc: np.ufunc, op: str) -> Callable[[Any, Any], Any]:
    """``ufunc``, refusing integer division by zero (NumPy would warn and return 0)."""

    def kernel(a: Any, b: Any) -> Any:
        bd = np.asarray(b)
        if bd.dtype.kind in "biu" and np.asarray(a).dtype.kind in "biu" and (bd == 0).any():
            raise ZeroDivisionError(f"{op}: integer division by zero")
        return ufunc(a, b)

    return kernel


def _times_quotient(g: Tensor, a: Tensor, b: Tensor, rounding: np.ufunc) -> Tensor:
    """-g * rounding(a / b): the divisor's gradient (the rounded quotient is piecewise constant,
    so it enters as a constant)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = rounding(a.data / b.data)
    return g * _wrap(-quotient)


@gate("fmod", "a receives g; b receives -g * trunc(a / b) (the remainder takes a's sign)")
def FMOD(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    return (g if a.requires_grad else None), (
        _times_quotient(g, a, b, np.trunc) if b.requires_grad else None
    )


fmod = _binary(FMOD, _integer_checked(np.fmod, "fmod"), "z = a - trunc(a / b) * b")  # type: ignore[arg-type]
fmod.__doc__ = """C's remainder, broadcasting: ``a - trunc(a / b) * b``, with the sign of ``a``
(``fmod(-7, 3) = -1``). Gradients: a receives g; b receives -g * trunc(a / b)."""


@gate("remainder", "a receives g; b receives -g * floor(a / b) (the remainder takes b's sign)")
def REMAINDER(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    return (g if a.requires_grad else None), (
        _times_quotient(g, a, b, np.floor) if b.requires_grad else None
    )


remainder = _binary(
    REMAINDER,
    _integer_checked(np.remainder, "remainder"),
    "z = a - floor(a / b) * b",  # type: ignore[arg-type]
)
remainder.__doc__ = """Python's ``%``, broadcasting: ``a - floor(a / b) * b``, with the sign of
``b`` (``remainder(-7, 3) = 2``); ``x % y`` is this gate. Gradients: a receives g; b receives
-g * floor(a / b)."""


@gate("floor_divide", "flat: both inputs receive 0 (the quotient is piecewise constant)", reads=())
def FLOOR_DIVIDE(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    return (_zeros_for(g) if a.requires_grad else None), (
        _zeros_for(g) if b.requires_grad else None
    )


floor_divide = _binary(
    FLOOR_DIVIDE,
    _integer_checked(np.floor_divide, "floor_divide"),
    "z = floor(a / b)",  # type: ignore[arg-type]
)
floor_divide.__doc__ = """Python's ``//``, broadcasting: ``floor(a / b)`` (integers stay integers;
``x // y`` is this gate). Its gradient is 0 for both inputs (PyTorch raises instead)."""


def _trunc_divide_integers(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b rounded towards 0, in integers (no float round trip: exact for any int64)."""
    if (b == 0).any():
        raise ZeroDivisionError("divide: integer division by zero")
    q = np.floor_divide(a, b)
    return q + ((np.remainder(a, b) != 0) & ((a < 0) != (b < 0)))  # floor -> trunc


def divide(a: Any, b: Any, *, rounding_mode: str | None = None) -> Tensor:
    """PyTorch's ``div``/``divide``: ``a / b`` (true division: integers give float32), or its
    quotient rounded towards 0 (``rounding_mode="trunc"``) or down (``"floor"``, a
    ``floor_divide``); a rounded quotient of integers stays an integer, and its gradient is 0
    for both inputs (it is piecewise constant), as in PyTorch."""
    if rounding_mode is None:
        return div(a, b)
    if rounding_mode == "floor":
        return floor_divide(a, b)
    if rounding_mode != "trunc":
        raise ValueError(
            f"divide: rounding_mode must be None, 'trunc' or 'floor', got {rounding_mode!r}"
        )
    a, b = pair(a, b)
    dtype = result_dtype(a.data, b.data)
    if dtype.kind in "biu":
        if dtype.kind == "b":  # (booleans divide as the integers 0 and 1)
            dtype = np.dtype(np.int64)
        try:
            out = _trunc_divide_integers(a.data.astype(dtype), b.data.astype(dtype))
        except ValueError:
            raise ValueError(
                f"divide: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from None
        return _wrap(np.asarray(out))
    return trunc(div(a, b))


# --- replacing non-finite values ---------------------------------------------------------------


def nan_to_num(
    x: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    dtype's largest and smallest finite values). A ``where``: the gradient passes where x is
    finite, and replaced elements receive 0."""
    x = _t(x)
    if x.data.dtype.kind != "f":
        return _wrap(x.data.copy())
    replaced = np.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    return where(np.isfinite(x.data), x, _wrap(replaced))


# --- NaN-ignoring maximum and minimum ----------------------------------------------------------


def _pick(a: Any, b: Any, op: str, prefer: np.ufunc) -> Tensor:
    """``a`` where ``prefer(a, b)`` holds or b is NaN, else ``b``: one ``where``, so the gradient
    goes whole to the input chosen (a on ties), as PyTorch's fmax/fmin route it."""
    a, b = pair(a, b)
    try:
        take_a = prefer(a.data, b.data) | np.isnan(b.data)
    except ValueError:
        raise ValueError(
            f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None
    return where(take_a, a, b)


def fmax(a: Any, b: Any) -> Tensor:
    """Elementwise maximum that ignores NaN: the other value where one is NaN (NaN only where
    both are), broadcasting. The gradient goes whole to the input chosen, to a on ties (as
    PyTorch's; ``maximum`` splits ties evenly and propagates NaN)."""
    return _pick(a, b, "fmax", np.greater_equal)


def fmin(a: Any, b: Any) -> Tensor:
    """Elementwise minimum that ignores NaN (see :func:`fmax`); the gradient goes whole to the
    input chosen, to a on ties."""
    return _pick(a, b, "fmin", np.less_equal)


# --- predicates and logic (bool tensors, never differentiable) ---------------------------------


def isnan(x: Any) -> Tensor:
    """Elementwise: is x NaN? (a bool tensor)"""
    return _wrap(np.isnan(_t(x).data))


def isinf(x: Any) -> Tensor:
    """Elementwise: is x +inf or -inf? (a bool tensor)"""
    return _wrap(np.isinf(_t(x).data))


def isfinite(x: Any) -> Tensor:
    """Elementwise: is x neither NaN nor infinite? (a bool tensor)"""
    return _wrap(np.isfinite(_t(x).data))


def logical_and(a: Any, b: Any) -> Tensor:
    """Elementwise a and b (nonzero is true), broadcasting; a bool tensor."""
    return compare(np.logical_and, a, b)


def logical_or(a: Any, b: Any) -> Tensor:
    """Elementwise a or b (nonzero is true), broadcasting; a bool tensor."""
    return compare(np.logical_or, a, b)


def logical_xor(a: Any, b: Any) -> Tensor:
    """Elementwise a xor b (nonzero is true), broadcasting; a bool tensor."""
    return compare(np.logical_xor, a, b)


def logical_not(x: Any) -> Tensor:
    """Elementwise not x (zero is false); a bool tensor."""
    return _wrap(np.logical_not(_t(x).data))


def _comparison(ufunc: np.ufunc, op: str, math: str) -> Callable[[Any, Any], Tensor]:
    """The comparison ``op`` (``x == y`` is ``eq``): PyTorch's promotion, errors under its name."""

    def forward(x: Any, other: Any) -> Tensor:
        x, other = pair(x, other)
        try:
            return _wrap(np.asarray(ufunc(x.data, other.data)))
        except ValueError:
            raise ValueError(
                f"{op}: shapes {x.shape} and {other.shape} cannot be broadcast together"
            ) from None

    forward.__name__ = forward.__qualname__ = op
    forward.__doc__ = f"Elementwise {math}, broadcasting; a bool tensor (NaN compares unequal)."
    return forward


eq = _comparison(np.equal, "eq", "x == other")
ne = _comparison(np.not_equal, "ne", "x != other")
lt = _comparison(np.less, "lt", "x < other")
le = _comparison(np.less_equal, "le", "x <= other")
gt = _comparison(np.greater, "gt", "x > other")
ge = _comparison(np.greater_equal, "ge", "x >= other")


def isclose(
    x: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|x - other| <= atol + rtol * |other|``, broadcasting (infinities are close
    only to themselves; NaN to NaN only with ``equal_nan``); a bool tensor."""
    x, other = pair(x, other)
    try:
        out = np.isclose(x.data, other.data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError:
        raise ValueError(
            f"isclose: shapes {x.shape} and {other.shape} cannot be broadcast together"
        ) from None
    return _wrap(np.asarray(out))


def allclose(
    x: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether :func:`isclose` holds everywhere (a Python bool)."""
    return bool(isclose(x, other, rtol, atol, equal_nan).data.all())


def equal(x: Any, other: Any) -> bool:
    """Whether the two tensors have the same shape and the same values (a Python bool; values
    compare across dtypes, NaN never equals anything)."""
    x, other = _t(x), _t(other)
    return x.shape == other.shape and bool(np.array_equal(x.data, other.data))


def nonzero(x: Any, *, as_tuple: bool = False) -> Any:
    """The indices of the nonzero (true) elements, in row-major order: an int64 tensor of shape
    (count, x.ndim), or with ``as_tuple`` one 1-D int64 tensor per dimension (NumPy's
    ``nonzero``; a 0-d tensor counts as 1-D there, as in PyTorch)."""
    d = _t(x).data
    if as_tuple:
        return tuple(
            _wrap(i.astype(np.int64, copy=False)) for i in np.nonzero(d.reshape(d.shape or (1,)))
        )
    return _wrap(np.argwhere(d).astype(np.int64, copy=False))


def argwhere(x: Any) -> Tensor:
    """The indices of the nonzero elements as an int64 tensor of shape (count, x.ndim):
    :func:`nonzero` without ``as_tuple``."""
    return nonzero(x)


# --- bitwise (integer and bool tensors, never differentiable) ----------------------------------


def _bitwise(ufunc: np.ufunc, op: str) -> Callable[[Any, Any], Tensor]:
    """``ufunc`` with PyTorch's promotion; bool with bool stays bool (there it is logical)."""

    def forward(a: Any, b: Any) -> Tensor:
        a, b = pair(a, b)
        dtype = result_dtype(a.data, b.data)
        if dtype.kind not in "biu":
            raise TypeError(
                f"{op}: only integer and bool tensors, got dtypes {a.dtype} and {b.dtype}"
            )
        try:
            out = ufunc(a.data.astype(dtype, copy=False), b.data.astype(dtype, copy=False))
        except ValueError:
            raise ValueError(
                f"{op}: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from None
        return _wrap(np.asarray(out))

    forward.__name__ = forward.__qualname__ = op
    forward.__doc__ = f"Elementwise bitwise {op[8:]} of integer or bool tensors, broadcasting."
    return forward


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(x: Any) -> Tensor:
    """Elementwise bitwise not of an integer tensor (``~x``); not of a bool tensor."""
    x = _t(x)
    if x.data.dtype.kind not in "biu":
        raise TypeError(f"bitwise_not: only integer and bool tensors, got dtype {x.dtype}")
    return _wrap(np.asarray(np.invert(x.data)))
